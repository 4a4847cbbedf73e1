// The system benchmark on the Eclipse Paho C++ client (paho.mqtt.cpp over the Paho C async library): one
// async_client per connection, no persistence, MQTT 5, the same in-flight window as the others.
#include <atomic>
#include <mqtt/async_client.h>
#include <stdexcept>
#include <vector>

#include "harness.hpp"

namespace iotactor::bench {

namespace {

constexpr int inflight_window = 65535;
/// Paho C refuses a publish once this many wait in its queue, connected or not: room for a whole workload.
constexpr int max_buffered = 100'000'000;

std::string uri_of(const endpoint& where) {
  return (where.tls ? "ssl://" : "tcp://") + where.host + ":" + std::to_string(where.port);
}

mqtt::connect_options options_for(const endpoint& where) {
  mqtt::connect_options o;
  o.set_mqtt_version(MQTTVERSION_5);
  o.set_clean_start(true);
  o.set_keep_alive_interval(60);
  o.set_max_inflight(inflight_window);
  if (where.tls) {
    mqtt::ssl_options ssl;
    ssl.set_trust_store(where.ca_file);
    o.set_ssl(std::move(ssl));
  }
  return o;
}

/// Counts the acknowledged QoS 1 publishes.
class ack_counter final : public mqtt::iaction_listener {
 public:
  explicit ack_counter(std::atomic<std::uint64_t>& acked) : acked_(acked) {}
  void on_success(const mqtt::token&) override { acked_.fetch_add(1, std::memory_order_relaxed); }
  void on_failure(const mqtt::token&) override {}

 private:
  std::atomic<std::uint64_t>& acked_;
};

class paho_connection final : public connection {
 public:
  paho_connection(const endpoint& where, const std::string& client_id)
      : client_(uri_of(where), client_id, mqtt::create_options(MQTTVERSION_5, max_buffered)), acks_(acked) {
    client_.set_message_callback([this](mqtt::const_message_ptr msg) {
      const auto& payload = msg->get_payload_ref();
      on_message_(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size());
    });
    try {
      client_.connect(options_for(where))->wait();
    } catch (const mqtt::exception& e) {
      throw std::runtime_error(std::string("connect: ") + e.what());
    }
  }

  ~paho_connection() override { disconnect(); }

  void subscribe(const std::string& filter, int qos, message_fn on_message) override {
    on_message_ = std::move(on_message);
    client_.subscribe(filter, qos)->wait();
  }

  void publish(const std::string& topic, const std::uint8_t* data, std::size_t size, int qos) override {
    if (qos == 0) {
      client_.publish(topic, data, size, 0, false);
      return;
    }
    client_.publish(topic, data, size, qos, false, nullptr, acks_);
  }

  void publish_and_wait(const std::string& topic, const std::uint8_t* data, std::size_t size) override {
    client_.publish(topic, data, size, 1, false)->wait();
  }

  void disconnect() override {
    if (!client_.is_connected()) return;
    try {
      client_.disconnect()->wait();
    } catch (const mqtt::exception&) {
    }
  }

 private:
  mqtt::async_client client_;
  ack_counter acks_;
  message_fn on_message_ = [](const std::uint8_t*, std::size_t) {};
};

class paho_implementation final : public implementation {
 public:
  std::string name() const override { return "paho.mqtt.cpp"; }

  std::unique_ptr<connection> connect(const endpoint& where, const std::string& client_id) override {
    return std::make_unique<paho_connection>(where, client_id);
  }

  std::size_t connect_fleet(const endpoint& where, std::size_t count) override {
    auto options = options_for(where);
    // Every connect starts at once and its TLS fleet completes about 300 a second: with paho's default
    // connect timeout (30 s) the last few thousand gave up before their turn came (1.5-3.8 k of 10 k lost).
    options.set_connect_timeout(std::chrono::seconds(300));
    std::vector<mqtt::token_ptr> tokens;
    tokens.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      fleet_.push_back(std::make_unique<mqtt::async_client>(
          uri_of(where), "fleet-" + std::to_string(i), mqtt::create_options(MQTTVERSION_5, max_buffered)));
      tokens.push_back(fleet_.back()->connect(options));
    }
    std::size_t ok = 0;
    for (auto& t : tokens) {
      try {
        if (t->wait_for(std::chrono::seconds(300))) ++ok;  // its TLS fleet connects at ~300/s
      } catch (const mqtt::exception&) {
      }
    }
    return ok;
  }

  void drop_fleet() override {
    for (auto& c : fleet_) {
      try {
        if (c->is_connected()) c->disconnect()->wait_for(std::chrono::seconds(5));
      } catch (const mqtt::exception&) {
      }
    }
    fleet_.clear();
  }

 private:
  std::vector<std::unique_ptr<mqtt::async_client>> fleet_;
};

}  // namespace

}  // namespace iotactor::bench

int main(int argc, char** argv) {
  iotactor::bench::paho_implementation impl;
  return iotactor::bench::run(argc, argv, impl);
}
