// mqtt5_pubsub: connects, subscribes to a topic, publishes --count messages to it, waits for them to come
// back, unsubscribes and stops; as the SDK v2 sample of the same name does.
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <random>

#include "sample_common.hpp"

using namespace iotactor;
namespace proto = iotactor::protocol;

int main(int argc, char** argv) {
  CLI::App app{"MQTT5 publish/subscribe sample"};
  samples::connection_flags flags;
  samples::add_connection_flags(app, flags);
  std::string topic = "test/topic";
  std::string message = "Hello World!";
  std::size_t count = 10;
  app.add_option("--topic", topic, "topic to publish and subscribe to")->capture_default_str();
  app.add_option("--message", message, "message to publish")->capture_default_str();
  app.add_option("--count", count, "messages to publish")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (flags.client_id.empty()) flags.client_id = "test-" + std::to_string(std::random_device{}() % 100000);

  std::mutex mutex;
  std::condition_variable changed;
  std::size_t received = 0;
  bool connected = false;
  bool stopped = false;
  std::string failure;

  auto builder = samples::builder_for(flags);
  builder.with_client_id(flags.client_id)
      .on_lifecycle_connection_success([&](const lifecycle_event& e) {
        samples::say("Lifecycle Connection Success with client id ", e.settings->client_id);
        std::lock_guard<std::mutex> guard(mutex);
        connected = true;
        changed.notify_all();
      })
      .on_lifecycle_connection_failure([&](const lifecycle_event& e) {
        samples::say("Lifecycle Connection Failure: ", e.message);
        std::lock_guard<std::mutex> guard(mutex);
        failure = e.message;
        changed.notify_all();
      })
      .on_lifecycle_stopped([&](const lifecycle_event&) {
        samples::say("Lifecycle Stopped");
        std::lock_guard<std::mutex> guard(mutex);
        stopped = true;
        changed.notify_all();
      });
  std::unique_ptr<client> c;
  try {
    c = builder.build();
  } catch (const std::invalid_argument& e) {
    std::cerr << e.what() << std::endl;
    return 2;
  }

  samples::say("Connecting to ", flags.endpoint, " with client ID '", flags.client_id, "'...");
  c->start();
  {
    std::unique_lock<std::mutex> lock(mutex);
    if (!changed.wait_for(lock, std::chrono::seconds(30), [&] { return connected || !failure.empty(); }) ||
        !connected) {
      std::cerr << "Connection failed: " << (failure.empty() ? "timeout" : failure) << std::endl;
      return 1;
    }
  }

  samples::say("Subscribing to topic '", topic, "'...");
  auto sub = c->subscribe(topic, proto::qos::at_least_once, [&](const proto::publish& p) {
                samples::say("Received message from topic '", p.topic, "': ", p.payload.as_string_view());
                std::lock_guard<std::mutex> guard(mutex);
                ++received;
                changed.notify_all();
              }).get();
  if (!sub.ok() || proto::is_error(std::get<proto::suback>(sub.ack).reason_codes.at(0))) {
    std::cerr << "Subscribe failed: " << sub.message << std::endl;
    return 1;
  }
  samples::say("Suback received with reason code: ",
               to_string(std::get<proto::suback>(sub.ack).reason_codes[0]));

  for (std::size_t i = 1; i <= count; ++i) {
    proto::publish p;
    p.topic = topic;
    p.qos = proto::qos::at_least_once;
    p.payload = proto::shared_bytes(message + " [" + std::to_string(i) + "]");
    samples::say("Publishing message to topic '", topic, "': ", p.payload.as_string_view());
    auto r = c->publish(std::move(p)).get();
    if (!r.ok()) {
      std::cerr << "Publish failed: " << r.message << std::endl;
      return 1;
    }
    samples::say("PubAck received with ", to_string(std::get<proto::puback>(r.ack).reason));
  }

  {
    std::unique_lock<std::mutex> lock(mutex);
    if (!changed.wait_for(lock, std::chrono::seconds(30), [&] { return received >= count; })) {
      std::cerr << "Received only " << received << " of " << count << " messages" << std::endl;
      return 1;
    }
  }
  samples::say(received, " message(s) received.");

  samples::say("Unsubscribing from topic '", topic, "'");
  auto unsub = c->unsubscribe(topic).get();
  samples::say("Unsuback received with reason code: ",
               (unsub.ok() ? std::string(to_string(std::get<proto::unsuback>(unsub.ack).reason_codes.at(0)))
                           : unsub.message));
  samples::say("Stopping Client");
  c->stop();
  std::unique_lock<std::mutex> lock(mutex);
  if (!changed.wait_for(lock, std::chrono::seconds(10), [&] { return stopped; })) return 1;
  samples::say("Client Stopped!");
  return 0;
}
