// The client pipeline of actors against a real mosquitto: connect, QoS 0/1/2 both ways, lifecycle events,
// reconnect, TLS and mutual TLS, persistent sessions, wills, shared subscriptions, subscription identifiers.
#include "iotactor/actors/client.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>

#include <gtest/gtest.h>

#include "support/certificate_factory.hpp"
#include "support/mosquitto_fixture.hpp"

using namespace iotactor;
using namespace std::chrono_literals;
namespace proto = iotactor::protocol;
using iotactor::testing::broker_options;
using iotactor::testing::certificate_factory;
using iotactor::testing::mosquitto_broker;

namespace {

constexpr auto deadline = 10s;

/// Collects values from any thread; tests wait for a condition with a deadline, never a fixed sleep.
template <class T>
class collector {
 public:
  void add(T value) {
    std::lock_guard<std::mutex> guard(mutex_);
    items_.push_back(std::move(value));
    changed_.notify_all();
  }

  /// Waits until pred(items) holds; false at the deadline.
  template <class Pred>
  bool wait(Pred pred, std::chrono::milliseconds limit = deadline) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return pred(items_); });
  }

  bool wait_count(std::size_t n, std::chrono::milliseconds limit = deadline) {
    return wait([n](const std::vector<T>& v) { return v.size() >= n; }, limit);
  }

  std::vector<T> items() const {
    std::lock_guard<std::mutex> guard(mutex_);
    return items_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<T> items_;
};

using event_log = collector<lifecycle_event>;
using message_log = collector<proto::publish>;

std::vector<lifecycle_event_type> types(const std::vector<lifecycle_event>& events) {
  std::vector<lifecycle_event_type> out;
  for (const auto& e : events) out.push_back(e.type);
  return out;
}

bool has(const std::vector<lifecycle_event>& events, lifecycle_event_type t, std::size_t count = 1) {
  return static_cast<std::size_t>(std::count_if(events.begin(), events.end(),
                                                [t](const auto& e) { return e.type == t; })) >= count;
}

struct client_fixture : ::testing::Test {
  // Logs outlive the clients that write into them: they are destroyed after the actor system.
  std::deque<event_log> event_logs;
  std::deque<message_log> message_logs;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<io_runtime> io = std::make_shared<io_runtime>(1);
  std::vector<client_actor> clients;

  client_fixture() {
    cfg.set("scheduler.max-threads", 2);
    sys = std::make_unique<caf::actor_system>(cfg);
  }

  ~client_fixture() override {
    for (auto& c : clients) caf::anon_send_exit(c, caf::exit_reason::user_shutdown);
    clients.clear();
    sys.reset();  // waits for every actor
  }

  event_log& new_events() { return event_logs.emplace_back(); }
  message_log& new_messages() { return message_logs.emplace_back(); }

  client_config config_for(const mosquitto_broker& broker, std::string client_id) {
    client_config c;
    c.connection.host = broker.host();
    c.connection.port = broker.port();
    c.session.connect.client_id = std::move(client_id);
    c.session.connect.keep_alive = 60;
    c.reconnect.min_reconnect_delay = 20ms;
    c.reconnect.max_reconnect_delay = 200ms;
    c.io = io;
    return c;
  }

  client_actor start(client_config c, event_log& events) {
    auto spawned = spawn_client(*sys, std::move(c));
    EXPECT_TRUE(spawned) << sys->render(spawned.error());
    auto client = *spawned;
    clients.push_back(client);
    caf::anon_send(
        client, listen_atom::value,
        std::function<void(const lifecycle_event&)>([&events](const lifecycle_event& e) { events.add(e); }));
    caf::anon_send(client, start_atom::value);
    return client;
  }

  client_actor connected(client_config c, event_log& events) {
    auto client = start(std::move(c), events);
    EXPECT_TRUE(events.wait([](const auto& v) { return has(v, lifecycle_event_type::connection_success); }))
        << "no connection_success";
    return client;
  }

  operation_result request(const client_actor& client, proto::publish p) {
    caf::scoped_actor self{*sys};
    operation_result out;
    self->request(client, deadline, publish_atom::value, std::move(p))
        .receive([&](operation_result& r) { out = std::move(r); },
                 [&](caf::error& err) { ADD_FAILURE() << sys->render(err); });
    return out;
  }

  operation_result subscribe(const client_actor& client, proto::subscribe s, message_log& log) {
    caf::scoped_actor self{*sys};
    operation_result out;
    message_handler h;
    h.callback = [&log](const proto::publish& p) { log.add(p); };
    self->request(client, deadline, subscribe_atom::value, std::move(s), std::move(h))
        .receive([&](operation_result& r) { out = std::move(r); },
                 [&](caf::error& err) { ADD_FAILURE() << sys->render(err); });
    return out;
  }

  operation_result subscribe(const client_actor& client, const std::string& filter, proto::qos q,
                             message_log& log) {
    proto::subscribe s;
    s.subscriptions.push_back({filter, q, false, false, proto::retain_handling::send_on_subscribe});
    return subscribe(client, std::move(s), log);
  }
};

proto::publish message(std::string topic, std::string payload, proto::qos q) {
  proto::publish p;
  p.topic = std::move(topic);
  p.payload = proto::shared_bytes(payload);
  p.qos = q;
  return p;
}

}  // namespace

TEST_F(client_fixture, connects_and_reports_attempt_then_success_with_the_negotiated_settings) {
  mosquitto_broker broker;
  auto& events = new_events();
  connected(config_for(broker, "c-connect"), events);
  auto all = events.items();
  ASSERT_GE(all.size(), 2U);
  EXPECT_EQ(all[0].type, lifecycle_event_type::attempting_connect);
  EXPECT_EQ(all[1].type, lifecycle_event_type::connection_success);
  ASSERT_TRUE(all[1].settings);
  EXPECT_EQ(all[1].settings->client_id, "c-connect");
  EXPECT_EQ(all[1].settings->server_keep_alive, 60);
  EXPECT_FALSE(all[1].settings->rejoined_session);
  ASSERT_TRUE(all[1].connack);
  EXPECT_EQ(all[1].connack->reason, proto::reason_code::success);
}

TEST_F(client_fixture, publishes_at_qos_0_1_2_reach_a_subscriber_with_their_properties) {
  mosquitto_broker broker;
  auto& events = new_events();
  auto client = connected(config_for(broker, "c-qos"), events);
  auto& received = new_messages();
  auto sub = subscribe(client, "qos/#", proto::qos::exactly_once, received);
  ASSERT_TRUE(sub.ok()) << sub.message;
  EXPECT_EQ(std::get<proto::suback>(sub.ack).reason_codes,
            (std::vector<proto::reason_code>{proto::reason_code::granted_qos_2}));
  for (int q = 0; q <= 2; ++q) {
    auto p = message("qos/" + std::to_string(q), "payload-" + std::to_string(q), static_cast<proto::qos>(q));
    p.properties.user_properties = {{"k", "v1"}, {"k", "v2"}};
    p.properties.content_type = "text/plain";
    auto r = request(client, p);
    ASSERT_TRUE(r.ok()) << r.message;
    if (q == 1) {
      EXPECT_EQ(std::get<proto::puback>(r.ack).reason, proto::reason_code::success);
    }
    if (q == 2) {
      EXPECT_TRUE(std::holds_alternative<proto::pubcomp>(r.ack));
    }
  }
  ASSERT_TRUE(received.wait_count(3));
  auto got = received.items();
  std::sort(got.begin(), got.end(), [](const auto& a, const auto& b) { return a.topic < b.topic; });
  for (int q = 0; q <= 2; ++q) {
    EXPECT_EQ(got[q].topic, "qos/" + std::to_string(q));
    EXPECT_EQ(got[q].payload.as_string_view(), "payload-" + std::to_string(q));
    EXPECT_EQ(got[q].qos, static_cast<proto::qos>(q));
    EXPECT_EQ(got[q].properties.user_properties, (proto::user_properties{{"k", "v1"}, {"k", "v2"}}));
    EXPECT_EQ(got[q].properties.content_type, "text/plain");
  }
}

TEST_F(client_fixture, an_unreachable_broker_gives_connection_failures_and_retries_with_backoff) {
  std::uint16_t port;
  {
    mosquitto_broker broker;  // take a free port, then close it
    port = broker.port();
  }
  client_config c;
  c.connection.port = port;
  c.reconnect.min_reconnect_delay = 10ms;
  c.reconnect.max_reconnect_delay = 50ms;
  c.io = io;
  auto& events = new_events();
  auto client = start(c, events);
  ASSERT_TRUE(events.wait([](const auto& v) { return has(v, lifecycle_event_type::connection_failure, 3); }));
  auto all = events.items();
  EXPECT_EQ(all[0].type, lifecycle_event_type::attempting_connect);
  EXPECT_EQ(all[1].type, lifecycle_event_type::connection_failure);
  EXPECT_EQ(all[1].error, errc::connection_refused) << all[1].message;
  EXPECT_NE(all[1].message.find(std::to_string(port)), std::string::npos) << all[1].message;
  EXPECT_EQ(all[2].type, lifecycle_event_type::attempting_connect);
}

TEST_F(client_fixture, stop_sends_disconnect_and_reports_disconnection_then_stopped) {
  mosquitto_broker broker;
  auto& events = new_events();
  auto client = connected(config_for(broker, "c-stop"), events);
  caf::anon_send(client, stop_atom::value, true);
  ASSERT_TRUE(events.wait([](const auto& v) { return has(v, lifecycle_event_type::stopped); }));
  EXPECT_EQ(types(events.items()),
            (std::vector<lifecycle_event_type>{
                lifecycle_event_type::attempting_connect, lifecycle_event_type::connection_success,
                lifecycle_event_type::disconnection, lifecycle_event_type::stopped}));
  EXPECT_EQ(events.items()[2].error, errc::user_requested_stop);
}

TEST_F(client_fixture, the_client_reconnects_after_a_broker_restart_with_events_in_order) {
  mosquitto_broker broker;
  auto& events = new_events();
  connected(config_for(broker, "c-restart"), events);
  broker.restart();
  ASSERT_TRUE(events.wait([](const auto& v) { return has(v, lifecycle_event_type::connection_success, 2); }));
  auto all = types(events.items());
  // attempting, success, disconnection, then attempts that fail until one succeeds.
  ASSERT_GE(all.size(), 5U);
  EXPECT_EQ(all[2], lifecycle_event_type::disconnection);
  for (std::size_t i = 3; i < all.size(); ++i) {
    auto expected_attempt = (i - 3) % 2 == 0;
    EXPECT_EQ(all[i] == lifecycle_event_type::attempting_connect, expected_attempt) << "event " << i;
  }
  EXPECT_EQ(all.back(), lifecycle_event_type::connection_success);
}
