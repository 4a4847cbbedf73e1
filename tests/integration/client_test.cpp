// The client pipeline of actors against a real mosquitto: connect, QoS 0/1/2 both ways, lifecycle events,
// reconnect, TLS and mutual TLS, persistent sessions, wills, shared subscriptions, subscription identifiers.
#include "iotactor/actors/client.hpp"

#include <arpa/inet.h>
#include <chrono>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "client_fixture.hpp"
#include "support/certificate_factory.hpp"
#include "support/mosquitto_fixture.hpp"

using namespace iotactor;
using namespace std::chrono_literals;
namespace proto = iotactor::protocol;
using iotactor::testing::broker_options;
using iotactor::testing::certificate_factory;
using iotactor::testing::mosquitto_broker;

using namespace iotactor::integration;

namespace {

lifecycle_event first_of(const std::vector<lifecycle_event>& events, lifecycle_event_type t) {
  for (const auto& e : events)
    if (e.type == t) return e;
  ADD_FAILURE() << "no such event";
  return {};
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

TEST_F(client_fixture, a_server_that_never_answers_the_handshake_gives_a_connect_timeout) {
  // A listener whose accept queue is full drops further SYNs: the connect stays in progress, so the client
  // waits for the socket (the path a remote broker takes) until connect_timeout ends the attempt.
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(address);
  auto* raw = reinterpret_cast<sockaddr*>(&address);
  ASSERT_EQ(::bind(listener, raw, size), 0);
  ASSERT_EQ(::listen(listener, 0), 0);
  ASSERT_EQ(::getsockname(listener, raw, &size), 0);
  int filler = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(::connect(filler, raw, size), 0);  // takes the only place in the queue, never accepted
  client_config c;
  c.connection.port = ntohs(address.sin_port);
  c.connection.connect_timeout = 300ms;
  c.reconnect.min_reconnect_delay = 10ms;
  c.reconnect.max_reconnect_delay = 50ms;
  c.io = io;
  auto& events = new_events();
  auto client = start(c, events);
  ASSERT_TRUE(events.wait([](const auto& v) { return has(v, lifecycle_event_type::connection_failure); }));
  auto failure = first_of(events.items(), lifecycle_event_type::connection_failure);
  EXPECT_EQ(failure.error, errc::connect_timeout) << failure.message;
  EXPECT_NE(failure.message.find("took longer than 300 ms"), std::string::npos) << failure.message;
  caf::anon_send(client, stop_atom::value, false);
  ::close(filler);
  ::close(listener);
}

TEST_F(client_fixture, clients_sharing_one_connect_slot_all_connect_by_address_and_by_name) {
  // With one slot, each next attempt starts when the previous one is answered, on the I/O thread, which
  // hands its connect to the runtime's connector thread; the name goes through the resolver on the strand.
  mosquitto_broker broker;
  auto one_slot = std::make_shared<io_runtime>(1, 1);
  std::vector<event_log*> logs;
  for (int i = 0; i < 5; ++i) {
    auto c = config_for(broker, "c-slot-" + std::to_string(i));
    if (i == 2) c.connection.host = "localhost";
    c.io = one_slot;
    logs.push_back(&new_events());
    start(c, *logs.back());
  }
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(logs[i]->wait([](const auto& v) { return has(v, lifecycle_event_type::connection_success); }))
        << "client " << i << " did not connect";
    EXPECT_EQ(first_of(logs[i]->items(), lifecycle_event_type::connection_success).settings->client_id,
              "c-slot-" + std::to_string(i));
    EXPECT_FALSE(has(logs[i]->items(), lifecycle_event_type::connection_failure)) << "client " << i;
  }
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
