// The client against a real mosquitto, feature by feature: TLS and mutual TLS (CA from a file and from
// memory, verification failures), persistent sessions across stop/start and broker restarts, wills, shared
// subscriptions, subscription identifiers, retained messages, unsubscribe, the offline queue and statistics.
#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "client_fixture.hpp"
#include "iotactor/actors/client.hpp"
#include "support/certificate_factory.hpp"
#include "support/mosquitto_fixture.hpp"

using namespace iotactor;
using namespace iotactor::integration;
using namespace std::chrono_literals;
namespace proto = iotactor::protocol;
using iotactor::testing::broker_options;
using iotactor::testing::certificate_factory;
using iotactor::testing::mosquitto_broker;

namespace {

/// How long a test waits for something that must not happen.
constexpr auto quiet_period = 300ms;

std::vector<std::string> payloads(const std::vector<proto::publish>& messages) {
  std::vector<std::string> out;
  for (const auto& m : messages) out.emplace_back(m.payload.as_string_view());
  return out;
}

std::vector<std::string> topics(const std::vector<proto::publish>& messages) {
  std::vector<std::string> out;
  for (const auto& m : messages) out.push_back(m.topic);
  return out;
}

/// The lifecycle events in words, for failure messages.
std::string describe(const std::vector<lifecycle_event>& events) {
  std::string out;
  for (const auto& e : events) {
    out += std::string(to_string(e.type));
    if (e.error) out += " (" + e.error.message() + ": " + e.message + ")";
    out += "; ";
  }
  return out;
}

/// The n-th event of type t (from 0), copied out of the log.
std::optional<lifecycle_event> nth(const event_log& events, lifecycle_event_type t, std::size_t n) {
  for (auto& e : events.items())
    if (e.type == t && n-- == 0) return std::move(e);
  return std::nullopt;
}

broker_options tls_broker(const certificate_factory& certs) {
  broker_options o;
  o.tls = true;
  o.certs = &certs;
  return o;
}

struct client_features : client_fixture {
  /// TLS against a broker of `certs`: the CA from its file, the name checked is "localhost" although the
  /// endpoint is 127.0.0.1.
  client_config tls_config(const mosquitto_broker& broker, const certificate_factory& certs,
                           std::string client_id) {
    auto c = config_for(broker, std::move(client_id));
    c.connection.tls.enabled = true;
    c.connection.tls.ca_file = certs.ca().certificate_path;
    c.connection.tls.server_name = "localhost";
    return c;
  }

  operation_result subscribe_with(const client_actor& client, proto::subscribe s,
                                  std::function<void(const proto::publish&)> callback) {
    caf::scoped_actor self{*sys};
    operation_result out;
    message_handler h;
    h.callback = std::move(callback);
    self->request(client, deadline, subscribe_atom::value, std::move(s), std::move(h))
        .receive([&](operation_result& r) { out = std::move(r); },
                 [&](caf::error& err) { ADD_FAILURE() << sys->render(err); });
    return out;
  }

  static proto::subscribe subscription(
      const std::string& filter, proto::qos q,
      proto::retain_handling rh = proto::retain_handling::send_on_subscribe) {
    proto::subscribe s;
    s.subscriptions.push_back({filter, q, false, false, rh});
    return s;
  }

  void stop_and_wait(const client_actor& client, event_log& events) {
    auto stopped_before = count(events.items(), lifecycle_event_type::stopped);
    caf::anon_send(client, stop_atom::value, true);
    ASSERT_TRUE(events.wait([stopped_before](const auto& v) {
      return count(v, lifecycle_event_type::stopped) > stopped_before;
    })) << "no stopped event: "
        << describe(events.items());
  }

  /// A QoS 1 publish and subscribe round trip over `client`, on its own topic.
  void expect_round_trip(const client_actor& client, const std::string& topic, const std::string& payload) {
    auto& received = new_messages();
    auto sub = subscribe(client, topic, proto::qos::at_least_once, received);
    ASSERT_TRUE(sub.ok()) << sub.message;
    ASSERT_TRUE(std::holds_alternative<proto::suback>(sub.ack));
    EXPECT_EQ(std::get<proto::suback>(sub.ack).reason_codes,
              (std::vector<proto::reason_code>{proto::reason_code::granted_qos_1}));
    auto pub = request(client, message(topic, payload, proto::qos::at_least_once));
    ASSERT_TRUE(pub.ok()) << pub.message;
    ASSERT_TRUE(std::holds_alternative<proto::puback>(pub.ack));
    EXPECT_EQ(std::get<proto::puback>(pub.ack).reason, proto::reason_code::success);
    ASSERT_TRUE(received.wait_count(1));
    auto got = received.items();
    ASSERT_EQ(got.size(), 1U);
    EXPECT_EQ(got[0].topic, topic);
    EXPECT_EQ(got[0].payload.as_string_view(), payload);
    EXPECT_EQ(got[0].qos, proto::qos::at_least_once);
  }

  void expect_unsubscribe_removes_the_handler(proto::protocol_version version);

  /// Waits for the first connection_failure, and asserts that no connection_success ever came.
  lifecycle_event first_failure(event_log& events) {
    EXPECT_TRUE(events.wait([](const auto& v) { return has(v, lifecycle_event_type::connection_failure); }))
        << "no connection_failure";
    EXPECT_FALSE(has(events.items(), lifecycle_event_type::connection_success));
    return nth(events, lifecycle_event_type::connection_failure, 0).value_or(lifecycle_event{});
  }
};

}  // namespace

// --- 1-4: TLS ---------------------------------------------------------------------------------------------

TEST_F(client_features, tls_with_the_ca_file_connects_by_server_name_and_round_trips_qos1) {
  certificate_factory certs;
  mosquitto_broker broker(tls_broker(certs));
  auto& events = new_events();
  auto client = connected(tls_config(broker, certs, "tls-file"), events);
  auto all = events.items();
  ASSERT_GE(all.size(), 2U) << broker.log();
  EXPECT_EQ(all[0].type, lifecycle_event_type::attempting_connect);
  EXPECT_EQ(all[1].type, lifecycle_event_type::connection_success);
  ASSERT_TRUE(all[1].connack);
  EXPECT_EQ(all[1].connack->reason, proto::reason_code::success);
  expect_round_trip(client, "tls/file", "over tls");
}

TEST_F(client_features, tls_stream_with_read_coalescing_arrives_whole_and_in_order_and_stops) {
  certificate_factory certs;
  mosquitto_broker broker(tls_broker(certs));
  auto& sub_events = new_events();
  auto sub_config = tls_config(broker, certs, "tls-stream-sub");
  sub_config.connection.coalesce_reads_above = 256;  // every turn of the stream coalesces
  sub_config.connection.coalesce_reads_for = std::chrono::milliseconds(5);
  auto subscriber = connected(sub_config, sub_events);
  auto& received = new_messages();
  ASSERT_TRUE(subscribe(subscriber, "tls/stream", proto::qos::at_least_once, received).ok());
  auto& pub_events = new_events();
  auto publisher = connected(tls_config(broker, certs, "tls-stream-pub"), pub_events);

  constexpr int n = 2000;
  publish_batch batch;
  for (int i = 0; i < n; ++i)
    batch.push_back(
        message("tls/stream", std::to_string(i) + std::string(200, 'x'), proto::qos::at_least_once));
  caf::anon_send(publisher, post_atom::value, std::move(batch));
  ASSERT_TRUE(received.wait_count(n)) << received.items().size() << " of " << n << " arrived";
  auto got = received.items();
  for (int i = 0; i < n; ++i)
    ASSERT_EQ(
        got[static_cast<std::size_t>(i)].payload.as_string_view().substr(0, std::to_string(i).size() + 1),
        std::to_string(i) + "x");
  stop_and_wait(subscriber, sub_events);
  EXPECT_EQ(received.items().size(), static_cast<std::size_t>(n));
}

TEST_F(client_features, tls_with_the_ca_from_memory_connects_and_round_trips_qos1) {
  certificate_factory certs;
  mosquitto_broker broker(tls_broker(certs));
  auto c = tls_config(broker, certs, "tls-memory");
  c.connection.tls.ca_file.clear();
  c.connection.tls.ca_pem = certs.ca().certificate_pem;
  auto& events = new_events();
  auto client = connected(c, events);
  expect_round_trip(client, "tls/memory", "ca from memory");
}

TEST_F(client_features, tls_refuses_a_server_certificate_made_out_to_another_name) {
  certificate_factory certs;
  mosquitto_broker broker(tls_broker(certs));
  auto c = tls_config(broker, certs, "tls-other-name");
  c.connection.tls.server_name = "broker.example";  // the certificate names localhost and 127.0.0.1
  auto& events = new_events();
  start(c, events);
  auto failure = first_failure(events);
  EXPECT_EQ(failure.error, errc::tls_failure) << failure.message;
  EXPECT_NE(failure.message.find("certificate verification failed: hostname mismatch"), std::string::npos)
      << failure.message;
}

TEST_F(client_features, tls_checks_an_address_endpoint_against_the_certificate_addresses) {
  certificate_factory certs;
  mosquitto_broker broker(tls_broker(certs));
  auto c = tls_config(broker, certs, "tls-by-address");
  c.connection.tls.server_name.clear();  // checked: 127.0.0.1, an IP entry of the certificate
  auto& events = new_events();
  auto client = connected(c, events);
  expect_round_trip(client, "tls/address", "by address");
}

TEST_F(client_features, tls_without_the_host_name_check_accepts_a_certificate_for_another_name) {
  certificate_factory certs;
  mosquitto_broker broker(tls_broker(certs));
  auto c = tls_config(broker, certs, "tls-no-name-check");
  c.connection.tls.server_name = "broker.example";
  c.connection.tls.verify_host_name = false;  // the chain is still verified
  auto& events = new_events();
  auto client = connected(c, events);
  expect_round_trip(client, "tls/noname", "name not checked");
}

TEST_F(client_features, tls_with_an_unrelated_ca_fails_certificate_verification) {
  certificate_factory certs;
  mosquitto_broker broker(tls_broker(certs));
  auto c = tls_config(broker, certs, "tls-unrelated");
  c.connection.tls.ca_file = certs.unrelated_ca().certificate_path;
  auto& events = new_events();
  start(c, events);
  auto failure = first_failure(events);
  EXPECT_EQ(failure.error, errc::tls_failure) << failure.message;
  EXPECT_NE(failure.message.find("certificate verification failed"), std::string::npos) << failure.message;
  EXPECT_FALSE(failure.connack);
}

TEST_F(client_features, tls_with_an_expired_server_certificate_fails_naming_the_expiry) {
  certificate_factory certs;
  auto options = tls_broker(certs);
  options.expired_server_certificate = true;
  mosquitto_broker broker(options);
  auto& events = new_events();
  start(tls_config(broker, certs, "tls-expired"), events);
  auto failure = first_failure(events);
  EXPECT_EQ(failure.error, errc::tls_failure) << failure.message;
  EXPECT_NE(failure.message.find("expired"), std::string::npos) << failure.message;
}

TEST_F(client_features, mutual_tls_with_a_client_certificate_from_files_connects) {
  certificate_factory certs;
  auto options = tls_broker(certs);
  options.require_client_certificate = true;
  mosquitto_broker broker(options);
  auto c = tls_config(broker, certs, "mtls-file");
  c.connection.tls.cert_file = certs.client().certificate_path;
  c.connection.tls.key_file = certs.client().key_path;
  auto& events = new_events();
  auto client = connected(c, events);
  expect_round_trip(client, "mtls/file", "client cert from files");
}

TEST_F(client_features, mutual_tls_with_a_client_certificate_from_memory_connects) {
  certificate_factory certs;
  auto options = tls_broker(certs);
  options.require_client_certificate = true;
  mosquitto_broker broker(options);
  auto c = tls_config(broker, certs, "mtls-memory");
  c.connection.tls.cert_pem = certs.client().certificate_pem;
  c.connection.tls.key_pem = certs.client().key_pem;
  auto& events = new_events();
  auto client = connected(c, events);
  expect_round_trip(client, "mtls/memory", "client cert from memory");
}

TEST_F(client_features, mutual_tls_without_a_client_certificate_fails_and_never_succeeds) {
  certificate_factory certs;
  auto options = tls_broker(certs);
  options.require_client_certificate = true;
  mosquitto_broker broker(options);
  auto& events = new_events();
  start(tls_config(broker, certs, "mtls-none"), events);
  auto failure = first_failure(events);
  // With TLS 1.3 the client's side of the handshake completes before the server checks for a client
  // certificate; its alert "certificate required" arrives on the first read. Still a TLS failure.
  EXPECT_TRUE(failure.error == errc::tls_failure || failure.error == errc::connection_closed)
      << failure.error.message() << ": " << failure.message;
  EXPECT_NE(failure.message.find("certificate required"), std::string::npos) << failure.message;
  EXPECT_FALSE(failure.connack);
  EXPECT_FALSE(events.wait([](const auto& v) { return has(v, lifecycle_event_type::connection_success); },
                           quiet_period));
}

// --- 5-6: persistent sessions -----------------------------------------------------------------------------

TEST_F(client_features, a_stopped_client_rejoins_its_session_and_gets_what_was_published_meanwhile) {
  mosquitto_broker broker;
  auto a_config = config_for(broker, "persist-a");
  a_config.session.session_behavior = client_session_behavior::rejoin_always;
  a_config.session.connect.properties.session_expiry_interval = 300;
  auto& a_events = new_events();
  auto a = connected(a_config, a_events);
  auto& received = new_messages();
  auto sub = subscribe(a, "persist/#", proto::qos::at_least_once, received);
  ASSERT_TRUE(sub.ok()) << sub.message;
  stop_and_wait(a, a_events);

  auto& b_events = new_events();
  auto b = connected(config_for(broker, "persist-b"), b_events);
  for (int i = 1; i <= 3; ++i) {
    auto r =
        request(b, message("persist/" + std::to_string(i), std::to_string(i), proto::qos::at_least_once));
    ASSERT_TRUE(r.ok()) << r.message;
  }
  EXPECT_EQ(received.size(), 0U);

  caf::anon_send(a, start_atom::value);
  ASSERT_TRUE(
      a_events.wait([](const auto& v) { return has(v, lifecycle_event_type::connection_success, 2); }));
  auto again = nth(a_events, lifecycle_event_type::connection_success, 1);
  ASSERT_TRUE(again);
  ASSERT_TRUE(again->settings);
  EXPECT_TRUE(again->settings->rejoined_session);
  ASSERT_TRUE(again->connack);
  EXPECT_TRUE(again->connack->session_present);
  // The handler registered before the stop receives them: the router keeps its routes across stop/start.
  ASSERT_TRUE(received.wait_count(3)) << received.size() << " of 3\n" << broker.log();
  auto got = received.items();
  EXPECT_EQ(topics(got), (std::vector<std::string>{"persist/1", "persist/2", "persist/3"}));
  EXPECT_EQ(payloads(got), (std::vector<std::string>{"1", "2", "3"}));
  for (const auto& m : got) EXPECT_EQ(m.qos, proto::qos::at_least_once);
}

// SDK v2 semantics (session_state.hpp: "clean until the first successful CONNACK after start()"; aws-c-mqtt:
// "Stop works as a complete session wipe"): with rejoin_post_success, the first connection after a stop
// starts clean, so what was queued for the old session is gone.
TEST_F(client_features, rejoin_post_success_starts_clean_after_a_stop) {
  mosquitto_broker broker;
  auto a_config = config_for(broker, "post-success-a");
  a_config.session.session_behavior = client_session_behavior::rejoin_post_success;
  a_config.session.connect.properties.session_expiry_interval = 300;
  auto& a_events = new_events();
  auto a = connected(a_config, a_events);
  auto& received = new_messages();
  ASSERT_TRUE(subscribe(a, "persist/#", proto::qos::at_least_once, received).ok());
  stop_and_wait(a, a_events);
  auto& b_events = new_events();
  auto b = connected(config_for(broker, "post-success-b"), b_events);
  ASSERT_TRUE(request(b, message("persist/1", "lost", proto::qos::at_least_once)).ok());

  caf::anon_send(a, start_atom::value);
  ASSERT_TRUE(
      a_events.wait([](const auto& v) { return has(v, lifecycle_event_type::connection_success, 2); }));
  auto again = nth(a_events, lifecycle_event_type::connection_success, 1);
  ASSERT_TRUE(again);
  ASSERT_TRUE(again->settings);
  EXPECT_FALSE(again->settings->rejoined_session);
  ASSERT_TRUE(again->connack);
  EXPECT_FALSE(again->connack->session_present);
  // A control message proves delivery flows after a new subscription; the lost one never comes.
  auto& control = new_messages();
  ASSERT_TRUE(subscribe(a, "control/#", proto::qos::at_least_once, control).ok());
  ASSERT_TRUE(request(b, message("control/1", "flowing", proto::qos::at_least_once)).ok());
  ASSERT_TRUE(control.wait_count(1));
  EXPECT_FALSE(received.wait_count(1, quiet_period)) << payloads(received.items()).front();
}

TEST_F(client_features, queued_messages_survive_a_broker_restart_with_persistence_and_arrive_on_rejoin) {
  broker_options options;
  options.persistence = true;
  mosquitto_broker broker(options);
  auto a_config = config_for(broker, "restart-a");
  a_config.session.session_behavior = client_session_behavior::rejoin_always;
  a_config.session.connect.properties.session_expiry_interval = 300;
  auto& a_events = new_events();
  auto a = connected(a_config, a_events);
  auto& received = new_messages();
  ASSERT_TRUE(subscribe(a, "persist/#", proto::qos::at_least_once, received).ok());
  stop_and_wait(a, a_events);

  auto& b_events = new_events();
  auto b = connected(config_for(broker, "restart-b"), b_events);
  for (int i = 1; i <= 3; ++i)
    ASSERT_TRUE(request(b, message("persist/" + std::to_string(i), "m" + std::to_string(i),
                                   proto::qos::at_least_once))
                    .ok());
  stop_and_wait(b, b_events);
  broker.restart();

  caf::anon_send(a, start_atom::value);
  ASSERT_TRUE(
      a_events.wait([](const auto& v) { return has(v, lifecycle_event_type::connection_success, 2); }));
  auto again = nth(a_events, lifecycle_event_type::connection_success, 1);
  ASSERT_TRUE(again);
  ASSERT_TRUE(again->settings);
  EXPECT_TRUE(again->settings->rejoined_session);
  ASSERT_TRUE(received.wait_count(3)) << received.size() << " of 3\n" << broker.log();
  auto got = received.items();
  EXPECT_EQ(topics(got), (std::vector<std::string>{"persist/1", "persist/2", "persist/3"}));
  EXPECT_EQ(payloads(got), (std::vector<std::string>{"m1", "m2", "m3"}));
}

// The connection is lost without a stop: another connection takes the session over (DISCONNECT 0x8E) and
// leaves it with a normal DISCONNECT, so the session stays. (A broker restart does not do here: mosquitto
// 2.0.11 does not save the session of a client still connected when it shuts down.)
TEST_F(client_features, rejoin_post_success_rejoins_after_a_lost_connection_and_keeps_its_subscription) {
  mosquitto_broker broker;
  auto a_config = config_for(broker, "lost-a");
  a_config.session.session_behavior = client_session_behavior::rejoin_post_success;
  a_config.session.connect.properties.session_expiry_interval = 300;
  // Time enough for the takeover to connect and stop before A retries.
  a_config.reconnect.retry_jitter_mode = jitter_mode::none;
  a_config.reconnect.min_reconnect_delay = 300ms;
  a_config.reconnect.max_reconnect_delay = 1s;
  auto& a_events = new_events();
  auto a = connected(a_config, a_events);
  auto first = nth(a_events, lifecycle_event_type::connection_success, 0);
  ASSERT_TRUE(first);
  ASSERT_TRUE(first->settings);
  EXPECT_FALSE(first->settings->rejoined_session);
  auto& received = new_messages();
  ASSERT_TRUE(subscribe(a, "lost/#", proto::qos::at_least_once, received).ok());

  auto takeover_config = config_for(broker, "lost-a");
  takeover_config.session.session_behavior = client_session_behavior::rejoin_always;
  takeover_config.session.connect.properties.session_expiry_interval = 300;
  auto& takeover_events = new_events();
  auto takeover = connected(takeover_config, takeover_events);
  ASSERT_TRUE(a_events.wait([](const auto& v) { return has(v, lifecycle_event_type::disconnection); }));
  stop_and_wait(takeover, takeover_events);
  auto lost = nth(a_events, lifecycle_event_type::disconnection, 0);
  ASSERT_TRUE(lost);
  // mosquitto 2.0.11 closes the old connection without DISCONNECT; a DISCONNECT would have to say 0x8E.
  if (lost->server_disconnect) {
    EXPECT_EQ(lost->error, errc::disconnect_received) << lost->message;
    EXPECT_EQ(lost->server_disconnect->reason, proto::reason_code::session_taken_over);
  } else {
    EXPECT_EQ(lost->error, errc::connection_closed) << lost->message;
  }

  ASSERT_TRUE(
      a_events.wait([](const auto& v) { return has(v, lifecycle_event_type::connection_success, 2); }));
  auto again = nth(a_events, lifecycle_event_type::connection_success, 1);
  ASSERT_TRUE(again);
  ASSERT_TRUE(again->settings);
  EXPECT_TRUE(again->settings->rejoined_session) << broker.log();
  ASSERT_TRUE(again->connack);
  EXPECT_TRUE(again->connack->session_present);

  // The subscription lives on in the session, and the handler registered before still gets its messages.
  auto& b_events = new_events();
  auto b = connected(config_for(broker, "lost-b"), b_events);
  ASSERT_TRUE(request(b, message("lost/1", "after takeover", proto::qos::at_least_once)).ok());
  ASSERT_TRUE(received.wait_count(1));
  auto got = received.items();
  EXPECT_EQ(got[0].topic, "lost/1");
  EXPECT_EQ(got[0].payload.as_string_view(), "after takeover");
}

// --- 7: wills ---------------------------------------------------------------------------------------------

TEST_F(client_features, the_will_is_published_on_an_abrupt_close_and_not_after_a_normal_stop) {
  mosquitto_broker broker;
  auto& watcher_events = new_events();
  auto watcher = connected(config_for(broker, "will-watcher"), watcher_events);
  auto& wills = new_messages();
  ASSERT_TRUE(subscribe(watcher, "will/#", proto::qos::at_least_once, wills).ok());

  auto with_will = [this, &broker](std::string id, std::string topic, std::string payload) {
    auto c = config_for(broker, std::move(id));
    proto::will_message w;
    w.topic = std::move(topic);
    w.payload = proto::shared_bytes(payload);
    w.qos = proto::qos::at_least_once;
    c.session.connect.will = std::move(w);
    return c;
  };

  // A's transport closes without DISCONNECT when its client actor is killed.
  auto& a_events = new_events();
  auto a = connected(with_will("will-a", "will/a", "gone"), a_events);
  caf::anon_send_exit(a, caf::exit_reason::kill);
  ASSERT_TRUE(wills.wait_count(1)) << "A: " << describe(a_events.items()) << "\n" << broker.log();
  auto got = wills.items();
  EXPECT_EQ(got[0].topic, "will/a");
  EXPECT_EQ(got[0].payload.as_string_view(), "gone");
  EXPECT_EQ(got[0].qos, proto::qos::at_least_once);
  EXPECT_FALSE(got[0].retain);

  // C stops normally: DISCONNECT with reason 0 tells the broker to drop the will.
  auto& c_events = new_events();
  auto c = connected(with_will("will-c", "will/c", "c gone"), c_events);
  stop_and_wait(c, c_events);
  EXPECT_FALSE(wills.wait_count(2, 500ms)) << "unexpected " << topics(wills.items()).back();
  EXPECT_EQ(topics(wills.items()), (std::vector<std::string>{"will/a"}));
}

// --- 8: shared subscriptions ------------------------------------------------------------------------------

TEST_F(client_features, a_shared_subscription_delivers_each_message_to_one_member_of_the_group) {
  mosquitto_broker broker;
  collector<std::pair<int, std::string>> received;  // (subscriber, payload)
  std::vector<client_actor> members;
  for (int i = 0; i < 3; ++i) {
    auto& events = new_events();
    auto member = connected(config_for(broker, "shared-" + std::to_string(i)), events);
    auto r = subscribe_with(member, subscription("$share/group1/shared/topic", proto::qos::at_least_once),
                            [i, &received](const proto::publish& p) {
                              received.add({i, std::string(p.payload.as_string_view())});
                            });
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(std::get<proto::suback>(r.ack).reason_codes,
              (std::vector<proto::reason_code>{proto::reason_code::granted_qos_1}));
    members.push_back(member);
  }
  auto& publisher_events = new_events();
  auto publisher = connected(config_for(broker, "shared-publisher"), publisher_events);
  for (int i = 0; i < 30; ++i)
    ASSERT_TRUE(
        request(publisher, message("shared/topic", "m" + std::to_string(i), proto::qos::at_least_once)).ok());
  ASSERT_TRUE(received.wait_count(30)) << received.size() << " of 30";
  EXPECT_FALSE(received.wait_count(31, quiet_period)) << "more than 30 deliveries";
  auto got = received.items();
  EXPECT_EQ(got.size(), 30U);
  std::set<std::string> distinct;
  std::map<int, int> per_member;
  for (const auto& [member, payload] : got) {
    distinct.insert(payload);
    ++per_member[member];
  }
  EXPECT_EQ(distinct.size(), 30U) << "a message was delivered twice";
  EXPECT_GE(per_member.size(), 2U) << "one member received all " << per_member.begin()->second;
}

// --- 9: subscription identifiers --------------------------------------------------------------------------

TEST_F(client_features, subscription_identifiers_route_overlapping_filters_to_each_handler_once) {
  mosquitto_broker broker;
  auto& events = new_events();
  auto client = connected(config_for(broker, "ids"), events);
  auto success = nth(events, lifecycle_event_type::connection_success, 0);
  ASSERT_TRUE(success);
  ASSERT_TRUE(success->settings);
  ASSERT_TRUE(success->settings->subscription_identifiers_available);

  auto& all = new_messages();     // "ids/#": assigned identifier 1, the client's first subscription
  auto& single = new_messages();  // "ids/+": identifier 2
  ASSERT_TRUE(subscribe(client, "ids/#", proto::qos::at_least_once, all).ok());
  ASSERT_TRUE(subscribe(client, "ids/+", proto::qos::at_least_once, single).ok());

  ASSERT_TRUE(request(client, message("ids/x", "x", proto::qos::at_least_once)).ok());
  ASSERT_TRUE(request(client, message("ids/y", "y", proto::qos::at_least_once)).ok());
  // Both handlers get x then y; a duplicate of x would come before y.
  auto has_y = [](const std::vector<proto::publish>& v) {
    return std::any_of(v.begin(), v.end(), [](const auto& p) { return p.topic == "ids/y"; });
  };
  ASSERT_TRUE(all.wait(has_y));
  ASSERT_TRUE(single.wait(has_y));
  EXPECT_EQ(topics(all.items()), (std::vector<std::string>{"ids/x", "ids/y"}));
  EXPECT_EQ(topics(single.items()), (std::vector<std::string>{"ids/x", "ids/y"}));
  // The identifiers the client assigned for its own routing are not shown to the handlers.
  for (const auto& p : all.items()) EXPECT_TRUE(p.properties.subscription_identifiers.empty()) << p.topic;
  for (const auto& p : single.items()) EXPECT_TRUE(p.properties.subscription_identifiers.empty()) << p.topic;

  // A deeper topic matches only "ids/#" and reaches only that handler.
  ASSERT_TRUE(request(client, message("ids/a/b", "deep", proto::qos::at_least_once)).ok());
  ASSERT_TRUE(all.wait_count(3));
  EXPECT_EQ(all.items()[2].topic, "ids/a/b");
  EXPECT_EQ(single.size(), 2U);
}

TEST_F(client_features, a_subscription_identifier_the_user_chose_is_delivered_with_the_message) {
  mosquitto_broker broker;
  auto& events = new_events();
  auto client = connected(config_for(broker, "ids-user"), events);
  auto& got = new_messages();
  proto::subscribe s;
  s.subscriptions.push_back({"uid/#", proto::qos::at_least_once, false, false, {}});
  s.properties.subscription_identifier = 4242;
  ASSERT_TRUE(subscribe(client, std::move(s), got).ok());
  ASSERT_TRUE(request(client, message("uid/1", "x", proto::qos::at_least_once)).ok());
  ASSERT_TRUE(got.wait_count(1));
  EXPECT_EQ(got.items()[0].properties.subscription_identifiers, (std::vector<std::uint32_t>{4242}));
}

// --- 10: retained messages --------------------------------------------------------------------------------

TEST_F(client_features, a_retained_message_reaches_later_subscribers_unless_retain_handling_says_dont_send) {
  mosquitto_broker broker;
  auto& publisher_events = new_events();
  auto publisher = connected(config_for(broker, "retain-publisher"), publisher_events);
  auto retained = message("retained/x", "kept", proto::qos::at_least_once);
  retained.retain = true;
  auto r = request(publisher, retained);
  ASSERT_TRUE(r.ok()) << r.message;
  // Nobody subscribes yet: MQTT 5 says so in the PUBACK, and the message is still retained.
  EXPECT_EQ(std::get<proto::puback>(r.ack).reason, proto::reason_code::no_matching_subscribers);

  auto& late_events = new_events();
  auto late = connected(config_for(broker, "retain-late"), late_events);
  auto& late_messages = new_messages();
  ASSERT_TRUE(subscribe(late, "retained/#", proto::qos::at_least_once, late_messages).ok());
  ASSERT_TRUE(late_messages.wait_count(1));
  auto got = late_messages.items();
  EXPECT_EQ(got[0].topic, "retained/x");
  EXPECT_EQ(got[0].payload.as_string_view(), "kept");
  EXPECT_TRUE(got[0].retain);
  EXPECT_EQ(got[0].qos, proto::qos::at_least_once);

  auto& none_events = new_events();
  auto none = connected(config_for(broker, "retain-none"), none_events);
  auto& none_messages = new_messages();
  ASSERT_TRUE(
      subscribe(none,
                subscription("retained/#", proto::qos::at_least_once, proto::retain_handling::dont_send),
                none_messages)
          .ok());
  // A live message afterwards is the first and only one this subscriber gets.
  ASSERT_TRUE(request(publisher, message("retained/x", "live", proto::qos::at_least_once)).ok());
  ASSERT_TRUE(none_messages.wait_count(1));
  ASSERT_TRUE(late_messages.wait_count(2));
  EXPECT_EQ(payloads(none_messages.items()), (std::vector<std::string>{"live"}));
  EXPECT_FALSE(none_messages.items()[0].retain);
  EXPECT_FALSE(late_messages.items()[1].retain);
}

// --- 11: unsubscribe --------------------------------------------------------------------------------------

// In MQTT 5 the server names the subscription identifiers of a delivery; in 3.1.1 the router matches the
// topic against its filters, so only there a route left behind would reach the old handler.
void client_features::expect_unsubscribe_removes_the_handler(proto::protocol_version version) {
  mosquitto_broker broker;
  auto c = config_for(broker, "unsub");
  c.session.connect.version = version;
  auto& events = new_events();
  auto client = connected(c, events);
  auto& old_handler = new_messages();
  auto& other = new_messages();  // "+/1" still matches unsub/1 after the unsubscribe
  ASSERT_TRUE(subscribe(client, "unsub/#", proto::qos::at_least_once, old_handler).ok());
  ASSERT_TRUE(subscribe(client, "+/1", proto::qos::at_least_once, other).ok());
  ASSERT_TRUE(request(client, message("unsub/1", "before", proto::qos::at_least_once)).ok());
  ASSERT_TRUE(old_handler.wait_count(1));
  ASSERT_TRUE(other.wait_count(1));

  auto u = unsubscribe(client, "unsub/#");
  ASSERT_TRUE(u.ok()) << u.message;
  ASSERT_TRUE(std::holds_alternative<proto::unsuback>(u.ack));
  if (version == proto::protocol_version::v5) {
    EXPECT_EQ(std::get<proto::unsuback>(u.ack).reason_codes,
              (std::vector<proto::reason_code>{proto::reason_code::success}));
  }

  ASSERT_TRUE(request(client, message("unsub/1", "after", proto::qos::at_least_once)).ok());
  ASSERT_TRUE(other.wait_count(2));  // delivery is flowing
  EXPECT_EQ(payloads(other.items()), (std::vector<std::string>{"before", "after"}));
  EXPECT_FALSE(old_handler.wait_count(2, quiet_period))
      << "the old handler got " << payloads(old_handler.items()).back();
  EXPECT_EQ(payloads(old_handler.items()), (std::vector<std::string>{"before"}));
}

TEST_F(client_features, unsubscribe_removes_the_handler_mqtt5) {
  expect_unsubscribe_removes_the_handler(proto::protocol_version::v5);
}

TEST_F(client_features, unsubscribe_removes_the_handler_mqtt311) {
  expect_unsubscribe_removes_the_handler(proto::protocol_version::v3_1_1);
}

// --- 12: offline queue ------------------------------------------------------------------------------------

TEST_F(client_features, fail_all_on_disconnect_fails_a_publish_submitted_before_start_at_once) {
  mosquitto_broker broker;
  auto c = config_for(broker, "offline-fail-all");
  c.offline_queue.behavior = offline_queue_behavior::fail_all_on_disconnect;
  auto& events = new_events();
  auto client = spawn(c, events);
  auto begin = std::chrono::steady_clock::now();
  auto r = request(client, message("offline/1", "refused", proto::qos::at_least_once));
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 1s);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error, errc::offline_queue_policy) << r.message;
  EXPECT_NE(r.message.find("FAIL_ALL_ON_DISCONNECT"), std::string::npos) << r.message;
  EXPECT_TRUE(std::holds_alternative<std::monostate>(r.ack));
  EXPECT_TRUE(events.items().empty());  // never started
}

TEST_F(client_features, by_default_a_publish_submitted_before_start_is_kept_and_delivered_after_start) {
  mosquitto_broker broker;
  auto& watcher_events = new_events();
  auto watcher = connected(config_for(broker, "offline-watcher"), watcher_events);
  auto& received = new_messages();
  ASSERT_TRUE(subscribe(watcher, "offline/#", proto::qos::at_least_once, received).ok());

  auto& events = new_events();
  auto client = spawn(config_for(broker, "offline-default"), events);
  auto& results = new_results();
  submit(client, message("offline/1", "kept", proto::qos::at_least_once), results);
  EXPECT_EQ(stats(client).incomplete_operation_count, 1U);  // queued, not failed
  EXPECT_EQ(results.size(), 0U);

  caf::anon_send(client, start_atom::value);
  ASSERT_TRUE(results.wait_count(1));
  auto r = results.items()[0];
  ASSERT_TRUE(r.ok()) << r.message;
  ASSERT_TRUE(std::holds_alternative<proto::puback>(r.ack));
  EXPECT_EQ(std::get<proto::puback>(r.ack).reason, proto::reason_code::success);
  ASSERT_TRUE(received.wait_count(1));
  EXPECT_EQ(received.items()[0].topic, "offline/1");
  EXPECT_EQ(received.items()[0].payload.as_string_view(), "kept");
}

// --- 13: statistics ---------------------------------------------------------------------------------------

TEST_F(client_features, statistics_count_queued_operations_as_incomplete_and_nothing_once_acknowledged) {
  mosquitto_broker broker;
  auto& events = new_events();
  auto client = spawn(config_for(broker, "stats"), events);
  auto& results = new_results();
  for (int i = 0; i < 3; ++i)
    submit(client, message("stats/" + std::to_string(i), "queued", proto::qos::at_least_once), results);
  auto offline = stats(client);
  EXPECT_EQ(offline.incomplete_operation_count, 3U);
  EXPECT_GT(offline.incomplete_operation_size, 0U);
  EXPECT_EQ(offline.unacked_operation_count, 0U);
  EXPECT_EQ(offline.unacked_operation_size, 0U);
  EXPECT_EQ(results.size(), 0U);

  caf::anon_send(client, start_atom::value);
  ASSERT_TRUE(results.wait_count(3));
  for (const auto& r : results.items()) EXPECT_TRUE(r.ok()) << r.message;

  auto& received = new_messages();
  ASSERT_TRUE(subscribe(client, "stats/#", proto::qos::at_least_once, received).ok());
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(
        request(client, message("stats/" + std::to_string(i), "sent", proto::qos::at_least_once)).ok());
  ASSERT_TRUE(received.wait_count(3));
  auto online = stats(client);
  EXPECT_EQ(online.incomplete_operation_count, 0U);
  EXPECT_EQ(online.incomplete_operation_size, 0U);
  EXPECT_EQ(online.unacked_operation_count, 0U);
  EXPECT_EQ(online.unacked_operation_size, 0U);
  EXPECT_EQ(online.unmatched_publishes, 0U);
}
