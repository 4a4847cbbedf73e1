// session_state driven directly with virtual time: every flow of the MQTT session, no sockets, no sleeps.
#include "iotactor/actors/session_state.hpp"

#include <gtest/gtest.h>

#include "iotactor/actors/errc.hpp"
#include "iotactor/protocol/describe.hpp"

using namespace iotactor;
using namespace std::chrono_literals;
namespace proto = iotactor::protocol;

namespace {

const time_point t0{};

proto::connack connack_ok(bool session_present = false) {
  proto::connack c;
  c.session_present = session_present;
  return c;
}

publish_operation publish_op(operation_id id, proto::qos q, std::string topic = "t/1") {
  publish_operation op;
  op.id = id;
  op.packet.topic = std::move(topic);
  op.packet.qos = q;
  op.packet.payload = proto::shared_bytes("payload");
  return op;
}

subscribe_operation subscribe_op(operation_id id, std::string filter) {
  subscribe_operation op;
  op.id = id;
  op.packet.subscriptions.push_back({std::move(filter), proto::qos::at_least_once, false, false,
                                     proto::retain_handling::send_on_subscribe});
  return op;
}

template <class T>
const T& only_sent(const session_effects& fx) {
  EXPECT_EQ(fx.send.size(), 1U);
  EXPECT_TRUE(std::holds_alternative<T>(fx.send.at(0))) << proto::describe(fx.send.at(0));
  return std::get<T>(fx.send.at(0));
}

struct session_fixture : ::testing::Test {
  session_options options;
  session_effects fx;

  session_state connected_session(proto::connack ack = connack_ok()) {
    session_state s(options);
    s.start_connection(t0, fx);
    fx.clear();
    s.on_packet(std::move(ack), t0, fx);
    EXPECT_TRUE(s.connected());
    fx.clear();
    return s;
  }
};

}  // namespace

TEST_F(session_fixture, connect_carries_the_options_and_a_clean_start_by_default) {
  options.connect.client_id = "dev-1";
  options.connect.properties.session_expiry_interval = 300;
  session_state s(options);
  s.start_connection(t0, fx);
  const auto& c = only_sent<proto::connect>(fx);
  EXPECT_EQ(c.client_id, "dev-1");
  EXPECT_EQ(c.keep_alive, 1200);
  EXPECT_TRUE(c.clean_start);
  EXPECT_EQ(c.properties.session_expiry_interval, 300U);
  EXPECT_FALSE(c.properties.topic_alias_maximum.has_value());
  EXPECT_FALSE(s.connected());
}

TEST_F(session_fixture, connack_defaults_fill_the_negotiated_settings) {
  options.connect.keep_alive = 30;
  auto s = connected_session();
  const auto& st = s.settings();
  EXPECT_EQ(st.maximum_qos, proto::qos::exactly_once);
  EXPECT_EQ(st.receive_maximum_from_server, 65535);
  EXPECT_EQ(st.maximum_packet_size_to_server, proto::max_packet_size);
  EXPECT_EQ(st.server_keep_alive, 30);
  EXPECT_TRUE(st.retain_available);
  EXPECT_FALSE(st.rejoined_session);
  EXPECT_EQ(s.publish_quota(), 65535U);
}

TEST_F(session_fixture, connack_properties_override_the_settings_and_the_assigned_client_id_is_kept) {
  auto ack = connack_ok();
  ack.properties.maximum_qos = proto::qos::at_least_once;
  ack.properties.receive_maximum = 5;
  ack.properties.server_keep_alive = 10;
  ack.properties.retain_available = false;
  ack.properties.assigned_client_identifier = "auto-77";
  session_state s(options);
  s.start_connection(t0, fx);
  fx.clear();
  s.on_packet(ack, t0, fx);
  ASSERT_TRUE(fx.connected);
  EXPECT_EQ(fx.connected->settings.maximum_qos, proto::qos::at_least_once);
  EXPECT_EQ(fx.connected->settings.server_keep_alive, 10);
  EXPECT_EQ(fx.connected->settings.client_id, "auto-77");
  EXPECT_EQ(s.publish_quota(), 5U);
  s.on_connection_lost(fx);
  fx.clear();
  s.start_connection(t0, fx);
  EXPECT_EQ(only_sent<proto::connect>(fx).client_id, "auto-77");
}

TEST_F(session_fixture, shared_options_are_not_copied_and_an_assigned_id_does_not_change_them) {
  auto shared = std::make_shared<const session_options>(options);
  session_state s(shared);
  EXPECT_EQ(&s.options(), shared.get());
  s.start_connection(t0, fx);
  fx.clear();
  auto ack = connack_ok();
  ack.properties.assigned_client_identifier = "auto-78";
  s.on_packet(ack, t0, fx);
  ASSERT_TRUE(fx.connected);
  s.on_connection_lost(fx);
  fx.clear();
  s.start_connection(t0, fx);
  EXPECT_EQ(only_sent<proto::connect>(fx).client_id, "auto-78");
  EXPECT_EQ(shared->connect.client_id, options.connect.client_id);  // other holders see the client's own
}

TEST_F(session_fixture, a_refusing_connack_closes_with_its_reason) {
  session_state s(options);
  s.start_connection(t0, fx);
  fx.clear();
  proto::connack refused;
  refused.reason = proto::reason_code::not_authorized;
  refused.properties.reason_string = "no policy";
  s.on_packet(refused, t0, fx);
  ASSERT_TRUE(fx.close);
  EXPECT_EQ(fx.close->error, errc::connack_refused);
  EXPECT_NE(fx.close->message.find("0x87 not authorized: no policy"), std::string::npos) << fx.close->message;
  ASSERT_TRUE(fx.close->connack);
  EXPECT_EQ(fx.close->connack->reason, proto::reason_code::not_authorized);
  EXPECT_FALSE(s.connected());
}

TEST_F(session_fixture, session_present_after_a_clean_start_is_an_error) {
  session_state s(options);
  s.start_connection(t0, fx);
  fx.clear();
  s.on_packet(connack_ok(true), t0, fx);
  ASSERT_TRUE(fx.close);
  EXPECT_EQ(fx.close->error, errc::clean_session_violated);
  EXPECT_FALSE(s.connected());
}

TEST_F(session_fixture, no_connack_within_the_timeout_closes_the_connection) {
  options.connack_timeout = 20s;
  session_state s(options);
  s.start_connection(t0, fx);
  EXPECT_EQ(s.next_deadline(), t0 + 20s);
  fx.clear();
  s.on_timer(t0 + 19s, fx);
  EXPECT_FALSE(fx.close);
  s.on_timer(t0 + 20s, fx);
  ASSERT_TRUE(fx.close);
  EXPECT_EQ(fx.close->error, errc::connack_timeout);
}

TEST_F(session_fixture, rejoin_post_success_starts_clean_then_rejoins_until_stopped) {
  options.session_behavior = client_session_behavior::rejoin_post_success;
  session_state s(options);
  s.start_connection(t0, fx);
  EXPECT_TRUE(only_sent<proto::connect>(fx).clean_start);
  fx.clear();
  s.on_connection_lost(fx);  // a failed first attempt: still clean next time
  s.start_connection(t0, fx);
  EXPECT_TRUE(only_sent<proto::connect>(fx).clean_start);
  fx.clear();
  s.on_packet(connack_ok(), t0, fx);
  s.on_connection_lost(fx);
  fx.clear();
  s.start_connection(t0, fx);
  EXPECT_FALSE(only_sent<proto::connect>(fx).clean_start);
  fx.clear();
  s.stop(fx);
  fx.clear();
  s.start_connection(t0, fx);
  EXPECT_TRUE(only_sent<proto::connect>(fx).clean_start);
}

TEST_F(session_fixture, rejoin_always_never_asks_for_a_clean_start) {
  options.session_behavior = client_session_behavior::rejoin_always;
  session_state s(options);
  s.start_connection(t0, fx);
  EXPECT_FALSE(only_sent<proto::connect>(fx).clean_start);
}

TEST_F(session_fixture, qos0_publish_is_sent_without_packet_id_and_completes_at_once) {
  auto s = connected_session();
  s.submit(publish_op(1, proto::qos::at_most_once), t0, fx);
  const auto& p = only_sent<proto::publish>(fx);
  EXPECT_EQ(p.packet_id, 0);
  ASSERT_EQ(fx.completed.size(), 1U);
  EXPECT_EQ(fx.completed[0].id, 1U);
  EXPECT_TRUE(fx.completed[0].ok());
  EXPECT_EQ(s.unacked().count, 0U);
}

TEST_F(session_fixture, qos1_publish_completes_on_its_puback_and_returns_the_quota) {
  auto s = connected_session();
  s.submit(publish_op(7, proto::qos::at_least_once), t0, fx);
  auto id = only_sent<proto::publish>(fx).packet_id;
  EXPECT_NE(id, 0);
  EXPECT_TRUE(fx.completed.empty());
  EXPECT_EQ(s.publish_quota(), 65534U);
  EXPECT_EQ(s.unacked().count, 1U);
  fx.clear();
  proto::puback ack;
  ack.packet_id = id;
  ack.reason = proto::reason_code::no_matching_subscribers;
  s.on_packet(ack, t0, fx);
  ASSERT_EQ(fx.completed.size(), 1U);
  EXPECT_EQ(fx.completed[0].id, 7U);
  EXPECT_TRUE(fx.completed[0].ok());
  EXPECT_EQ(std::get<proto::puback>(fx.completed[0].ack).reason, proto::reason_code::no_matching_subscribers);
  EXPECT_EQ(fx.credit, 1U);
  EXPECT_EQ(s.publish_quota(), 65535U);
  EXPECT_EQ(s.unacked().count, 0U);
  EXPECT_EQ(s.unacked().size, 0U);
}

TEST_F(session_fixture, qos2_publish_goes_through_pubrec_pubrel_pubcomp) {
  auto s = connected_session();
  s.submit(publish_op(9, proto::qos::exactly_once), t0, fx);
  auto id = only_sent<proto::publish>(fx).packet_id;
  fx.clear();
  proto::pubrec rec;
  rec.packet_id = id;
  s.on_packet(rec, t0, fx);
  EXPECT_EQ(only_sent<proto::pubrel>(fx).packet_id, id);
  EXPECT_TRUE(fx.completed.empty());
  fx.clear();
  proto::pubcomp comp;
  comp.packet_id = id;
  s.on_packet(comp, t0, fx);
  ASSERT_EQ(fx.completed.size(), 1U);
  EXPECT_TRUE(std::holds_alternative<proto::pubcomp>(fx.completed[0].ack));
  EXPECT_EQ(fx.credit, 1U);
}

TEST_F(session_fixture, a_refusing_pubrec_ends_the_qos2_flow) {
  auto s = connected_session();
  s.submit(publish_op(9, proto::qos::exactly_once), t0, fx);
  auto id = only_sent<proto::publish>(fx).packet_id;
  fx.clear();
  proto::pubrec rec;
  rec.packet_id = id;
  rec.reason = proto::reason_code::quota_exceeded;
  s.on_packet(rec, t0, fx);
  EXPECT_TRUE(fx.send.empty());
  ASSERT_EQ(fx.completed.size(), 1U);
  EXPECT_EQ(std::get<proto::pubrec>(fx.completed[0].ack).reason, proto::reason_code::quota_exceeded);
}

TEST_F(session_fixture, the_servers_receive_maximum_holds_back_further_qos1_publishes) {
  auto ack = connack_ok();
  ack.properties.receive_maximum = 1;
  auto s = connected_session(ack);
  s.submit(publish_op(1, proto::qos::at_least_once), t0, fx);
  auto id = only_sent<proto::publish>(fx).packet_id;
  fx.clear();
  s.submit(publish_op(2, proto::qos::at_least_once), t0, fx);
  EXPECT_TRUE(fx.send.empty());
  ASSERT_EQ(fx.requeue.size(), 1U);
  EXPECT_EQ(id_of(fx.requeue[0]), 2U);
  fx.clear();
  s.submit(publish_op(3, proto::qos::at_most_once), t0, fx);  // QoS 0 takes no quota
  EXPECT_EQ(fx.send.size(), 1U);
  fx.clear();
  proto::puback pa;
  pa.packet_id = id;
  s.on_packet(pa, t0, fx);
  EXPECT_EQ(fx.credit, 1U);
  EXPECT_EQ(s.publish_quota(), 1U);
}

TEST_F(session_fixture, inbound_qos1_is_delivered_and_acknowledged) {
  auto s = connected_session();
  proto::publish p;
  p.topic = "in/1";
  p.qos = proto::qos::at_least_once;
  p.packet_id = 42;
  s.on_packet(p, t0, fx);
  ASSERT_EQ(fx.received.size(), 1U);
  EXPECT_EQ(fx.received[0].topic, "in/1");
  EXPECT_EQ(only_sent<proto::puback>(fx).packet_id, 42);
}

TEST_F(session_fixture, inbound_qos2_is_delivered_once_even_when_the_server_resends_it) {
  auto s = connected_session();
  proto::publish p;
  p.topic = "in/2";
  p.qos = proto::qos::exactly_once;
  p.packet_id = 5;
  s.on_packet(proto::publish(p), t0, fx);
  EXPECT_EQ(fx.received.size(), 1U);
  EXPECT_EQ(only_sent<proto::pubrec>(fx).packet_id, 5);
  fx.clear();
  p.dup = true;
  s.on_packet(proto::publish(p), t0, fx);
  EXPECT_TRUE(fx.received.empty());
  EXPECT_EQ(only_sent<proto::pubrec>(fx).packet_id, 5);
  fx.clear();
  proto::pubrel rel;
  rel.packet_id = 5;
  s.on_packet(rel, t0, fx);
  EXPECT_EQ(only_sent<proto::pubcomp>(fx).reason, proto::reason_code::success);
  fx.clear();
  s.on_packet(rel, t0, fx);  // unknown now
  EXPECT_EQ(only_sent<proto::pubcomp>(fx).reason, proto::reason_code::packet_identifier_not_found);
}

TEST_F(session_fixture, more_inbound_qos2_than_our_receive_maximum_is_a_protocol_violation) {
  options.connect.properties.receive_maximum = 2;
  auto s = connected_session();
  for (std::uint16_t id = 1; id <= 3; ++id) {
    proto::publish p;
    p.topic = "in";
    p.qos = proto::qos::exactly_once;
    p.packet_id = id;
    s.on_packet(std::move(p), t0, fx);
  }
  ASSERT_TRUE(fx.close);
  EXPECT_EQ(fx.close->error, errc::protocol_error);
  ASSERT_TRUE(fx.close->disconnect_to_send);
  EXPECT_EQ(fx.close->disconnect_to_send->reason, proto::reason_code::receive_maximum_exceeded);
  EXPECT_EQ(fx.received.size(), 2U);
}

TEST_F(session_fixture, keep_alive_sends_pingreq_and_a_missing_pingresp_closes_after_the_ping_timeout) {
  options.connect.keep_alive = 60;
  options.ping_timeout = 30s;
  auto s = connected_session();
  EXPECT_EQ(s.next_deadline(), t0 + 60s);
  s.on_timer(t0 + 59s, fx);
  EXPECT_TRUE(fx.send.empty());
  s.on_timer(t0 + 60s, fx);
  only_sent<proto::pingreq>(fx);
  EXPECT_EQ(s.next_deadline(), t0 + 90s);  // min(ping timeout 30 s, keep-alive / 2 = 30 s)
  fx.clear();
  s.on_timer(t0 + 90s, fx);
  ASSERT_TRUE(fx.close);
  EXPECT_EQ(fx.close->error, errc::ping_timeout);
  ASSERT_TRUE(fx.close->disconnect_to_send);
  EXPECT_EQ(fx.close->disconnect_to_send->reason, proto::reason_code::keep_alive_timeout);
}

TEST_F(session_fixture, ping_timeout_is_half_the_keep_alive_when_that_is_shorter) {
  options.connect.keep_alive = 10;
  options.ping_timeout = 30s;
  auto s = connected_session();
  s.on_timer(t0 + 10s, fx);
  only_sent<proto::pingreq>(fx);
  EXPECT_EQ(s.next_deadline(), t0 + 15s);
  fx.clear();
  s.on_packet(proto::pingresp{}, t0 + 12s, fx);
  s.on_timer(t0 + 15s, fx);
  EXPECT_FALSE(fx.close);
  EXPECT_EQ(s.next_deadline(), t0 + 20s);
}

TEST_F(session_fixture, keep_alive_zero_sends_no_pings) {
  options.connect.keep_alive = 0;
  auto s = connected_session();
  EXPECT_FALSE(s.next_deadline().has_value());
}

TEST_F(session_fixture, ack_timeout_fails_only_that_operation_and_frees_its_packet_id) {
  options.ack_timeout = 60s;
  auto s = connected_session();
  s.submit(publish_op(1, proto::qos::at_least_once), t0, fx);
  auto override_op = publish_op(2, proto::qos::at_least_once);
  override_op.ack_timeout = 5s;
  s.submit(std::move(override_op), t0, fx);
  fx.clear();
  s.on_timer(t0 + 5s, fx);
  ASSERT_EQ(fx.completed.size(), 1U);
  EXPECT_EQ(fx.completed[0].id, 2U);
  EXPECT_EQ(fx.completed[0].error, errc::ack_timeout);
  EXPECT_FALSE(fx.close);
  EXPECT_EQ(s.unacked().count, 1U);
  fx.clear();
  s.on_timer(t0 + 60s, fx);
  ASSERT_EQ(fx.completed.size(), 1U);
  EXPECT_EQ(fx.completed[0].id, 1U);
  EXPECT_EQ(s.publish_quota(), 65535U);
}

TEST_F(session_fixture, rejoined_session_retransmits_unacked_publishes_and_pubrels_with_dup_in_order) {
  options.session_behavior = client_session_behavior::rejoin_always;
  options.connect.properties.session_expiry_interval = 3600;
  auto s = connected_session();
  s.submit(publish_op(1, proto::qos::at_least_once, "a"), t0, fx);
  s.submit(publish_op(2, proto::qos::exactly_once, "b"), t0, fx);
  s.submit(publish_op(3, proto::qos::exactly_once, "c"), t0, fx);
  auto id1 = std::get<proto::publish>(fx.send[0]).packet_id;
  auto id2 = std::get<proto::publish>(fx.send[1]).packet_id;
  auto id3 = std::get<proto::publish>(fx.send[2]).packet_id;
  fx.clear();
  proto::pubrec rec;
  rec.packet_id = id3;
  s.on_packet(rec, t0, fx);  // op 3 now awaits PUBCOMP
  s.on_connection_lost(fx);
  EXPECT_TRUE(fx.returned.empty());
  fx.clear();
  s.start_connection(t0, fx);
  fx.clear();
  s.on_packet(connack_ok(true), t0, fx);
  ASSERT_EQ(fx.send.size(), 3U);
  const auto& p1 = std::get<proto::publish>(fx.send[0]);
  const auto& p2 = std::get<proto::publish>(fx.send[1]);
  EXPECT_EQ(p1.packet_id, id1);
  EXPECT_TRUE(p1.dup);
  EXPECT_EQ(p1.topic, "a");
  EXPECT_EQ(p2.packet_id, id2);
  EXPECT_TRUE(p2.dup);
  EXPECT_EQ(std::get<proto::pubrel>(fx.send[2]).packet_id, id3);
  EXPECT_EQ(s.publish_quota(), 65535U - 3U);
}

TEST_F(session_fixture, without_a_rejoined_session_unacked_publishes_go_back_to_the_queue_as_new) {
  auto s = connected_session();
  s.submit(publish_op(1, proto::qos::at_least_once), t0, fx);
  fx.clear();
  s.on_connection_lost(fx);
  s.start_connection(t0, fx);
  fx.clear();
  s.on_packet(connack_ok(false), t0, fx);
  EXPECT_EQ(fx.send.size(), 0U);
  ASSERT_EQ(fx.returned.size(), 1U);
  const auto& op = std::get<publish_operation>(fx.returned[0]);
  EXPECT_EQ(op.id, 1U);
  EXPECT_EQ(op.packet.packet_id, 0);
  EXPECT_FALSE(op.packet.dup);
  EXPECT_EQ(s.unacked().count, 0U);
}

TEST_F(session_fixture, unacked_subscribe_goes_back_to_the_queue_when_the_connection_drops) {
  auto s = connected_session();
  s.submit(subscribe_op(4, "a/#"), t0, fx);
  EXPECT_NE(only_sent<proto::subscribe>(fx).packet_id, 0);
  fx.clear();
  s.on_connection_lost(fx);
  ASSERT_EQ(fx.returned.size(), 1U);
  EXPECT_EQ(id_of(fx.returned[0]), 4U);
  EXPECT_EQ(s.unacked().count, 0U);
}

TEST_F(session_fixture, suback_completes_the_subscribe_with_its_reason_codes) {
  auto s = connected_session();
  s.submit(subscribe_op(4, "a/#"), t0, fx);
  auto id = only_sent<proto::subscribe>(fx).packet_id;
  fx.clear();
  proto::suback ack;
  ack.packet_id = id;
  ack.reason_codes = {proto::reason_code::not_authorized};
  s.on_packet(ack, t0, fx);
  ASSERT_EQ(fx.completed.size(), 1U);
  EXPECT_TRUE(fx.completed[0].ok());
  EXPECT_EQ(std::get<proto::suback>(fx.completed[0].ack).reason_codes[0], proto::reason_code::not_authorized);
}

TEST_F(session_fixture, limits_from_the_connack_are_checked_when_a_packet_is_sent) {
  auto ack = connack_ok();
  ack.properties.maximum_qos = proto::qos::at_least_once;
  ack.properties.retain_available = false;
  ack.properties.maximum_packet_size = 64;
  ack.properties.wildcard_subscription_available = false;
  ack.properties.shared_subscription_available = false;
  ack.properties.subscription_identifiers_available = false;
  auto s = connected_session(ack);
  s.submit(publish_op(1, proto::qos::exactly_once), t0, fx);
  auto retained = publish_op(2, proto::qos::at_most_once);
  retained.packet.retain = true;
  s.submit(std::move(retained), t0, fx);
  auto big = publish_op(3, proto::qos::at_least_once);
  big.packet.payload = proto::shared_bytes(std::string(100, 'x'));
  s.submit(std::move(big), t0, fx);
  s.submit(subscribe_op(4, "a/+"), t0, fx);
  s.submit(subscribe_op(5, "$share/g/a"), t0, fx);
  auto with_id = subscribe_op(6, "a/b");
  with_id.packet.properties.subscription_identifier = 3;
  s.submit(std::move(with_id), t0, fx);
  EXPECT_TRUE(fx.send.empty());
  ASSERT_EQ(fx.completed.size(), 6U);
  EXPECT_EQ(fx.completed[0].error, errc::not_supported_by_server);
  EXPECT_EQ(fx.completed[1].error, errc::not_supported_by_server);
  EXPECT_EQ(fx.completed[2].error, errc::packet_too_large);
  EXPECT_EQ(fx.completed[3].error, errc::not_supported_by_server);
  EXPECT_NE(fx.completed[3].message.find("wildcard"), std::string::npos);
  EXPECT_NE(fx.completed[4].message.find("shared"), std::string::npos);
  EXPECT_NE(fx.completed[5].message.find("subscription identifiers"), std::string::npos);
  EXPECT_EQ(s.publish_quota(), 65535U);  // nothing leaked
  EXPECT_EQ(s.unacked().count, 0U);
}

TEST_F(session_fixture, submitting_while_disconnected_hands_the_operation_back) {
  session_state s(options);
  s.submit(publish_op(1, proto::qos::at_least_once), t0, fx);
  EXPECT_TRUE(fx.send.empty());
  ASSERT_EQ(fx.requeue.size(), 1U);
}

TEST_F(session_fixture, server_disconnect_closes_with_its_reason_and_properties) {
  auto s = connected_session();
  proto::disconnect d;
  d.reason = proto::reason_code::session_taken_over;
  d.properties.reason_string = "another client";
  s.on_packet(d, t0, fx);
  ASSERT_TRUE(fx.close);
  EXPECT_EQ(fx.close->error, errc::disconnect_received);
  ASSERT_TRUE(fx.close->server_disconnect);
  EXPECT_EQ(fx.close->server_disconnect->reason, proto::reason_code::session_taken_over);
  EXPECT_NE(fx.close->message.find("another client"), std::string::npos);
  EXPECT_FALSE(fx.close->disconnect_to_send);
}

TEST_F(session_fixture, a_packet_a_client_must_not_receive_is_a_protocol_error) {
  auto s = connected_session();
  s.on_packet(proto::pingreq{}, t0, fx);
  ASSERT_TRUE(fx.close);
  EXPECT_EQ(fx.close->error, errc::protocol_error);
  ASSERT_TRUE(fx.close->disconnect_to_send);
  EXPECT_EQ(fx.close->disconnect_to_send->reason, proto::reason_code::protocol_error);
}

TEST_F(session_fixture, lru_topic_aliases_shorten_repeats_but_never_a_retransmission) {
  options.topic_aliases.outbound_behavior = outbound_topic_alias_behavior::lru;
  options.session_behavior = client_session_behavior::rejoin_always;
  auto ack = connack_ok();
  ack.properties.topic_alias_maximum = 10;
  auto s = connected_session(ack);
  s.submit(publish_op(1, proto::qos::at_least_once, "long/topic/name"), t0, fx);
  s.submit(publish_op(2, proto::qos::at_least_once, "long/topic/name"), t0, fx);
  const auto& first = std::get<proto::publish>(fx.send[0]);
  const auto& second = std::get<proto::publish>(fx.send[1]);
  EXPECT_EQ(first.topic, "long/topic/name");
  ASSERT_TRUE(first.properties.topic_alias);
  EXPECT_EQ(second.topic, "");
  EXPECT_EQ(second.properties.topic_alias, first.properties.topic_alias);
  fx.clear();
  s.on_connection_lost(fx);
  s.start_connection(t0, fx);
  fx.clear();
  s.on_packet(connack_ok(true), t0, fx);
  ASSERT_EQ(fx.send.size(), 2U);
  for (const auto& pk : fx.send) {
    const auto& p = std::get<proto::publish>(pk);
    EXPECT_EQ(p.topic, "long/topic/name");
    EXPECT_FALSE(p.properties.topic_alias.has_value());
  }
}

TEST_F(session_fixture, an_unknown_inbound_alias_closes_with_the_reason_code_of_the_resolver) {
  options.topic_aliases.inbound_behavior = inbound_topic_alias_behavior::enabled;
  options.topic_aliases.inbound_cache_max_size = 4;
  session_state s(options);
  s.start_connection(t0, fx);
  EXPECT_EQ(only_sent<proto::connect>(fx).properties.topic_alias_maximum, 4);
  fx.clear();
  s.on_packet(connack_ok(), t0, fx);
  fx.clear();
  proto::publish p;
  p.properties.topic_alias = 9;
  p.topic = "x";
  s.on_packet(std::move(p), t0, fx);
  ASSERT_TRUE(fx.close);
  ASSERT_TRUE(fx.close->disconnect_to_send);
  EXPECT_EQ(fx.close->disconnect_to_send->reason, proto::reason_code::topic_alias_invalid);
}

TEST_F(session_fixture, stop_fails_every_incomplete_operation_and_forgets_the_session) {
  auto s = connected_session();
  s.submit(publish_op(1, proto::qos::at_least_once), t0, fx);
  s.submit(subscribe_op(2, "a"), t0, fx);
  fx.clear();
  s.stop(fx);
  ASSERT_EQ(fx.completed.size(), 2U);
  for (const auto& r : fx.completed) EXPECT_EQ(r.error, errc::user_requested_stop);
  EXPECT_TRUE(fx.requeue.empty());
  EXPECT_TRUE(fx.returned.empty());
  EXPECT_EQ(s.unacked().count, 0U);
  EXPECT_FALSE(s.connected());
}

TEST_F(session_fixture, protocol_3_1_1_sends_no_properties_and_sends_no_disconnect_reason) {
  options.connect.version = proto::protocol_version::v3_1_1;
  options.topic_aliases.inbound_behavior = inbound_topic_alias_behavior::enabled;
  session_state s(options);
  s.start_connection(t0, fx);
  const auto& c = only_sent<proto::connect>(fx);
  EXPECT_EQ(c.version, proto::protocol_version::v3_1_1);
  EXPECT_FALSE(c.properties.topic_alias_maximum.has_value());
  fx.clear();
  s.on_packet(connack_ok(), t0, fx);
  fx.clear();
  s.on_packet(proto::pingreq{}, t0, fx);
  ASSERT_TRUE(fx.close);
  EXPECT_FALSE(fx.close->disconnect_to_send);
}

// The session actor keeps an armed timer unless a deadline comes earlier: one clock wake per connect
// instead of two (CONNACK deadline, then keep-alive).
TEST(session_timer, must_arm_only_an_earlier_deadline_or_the_first) {
  const std::optional<time_point> none;
  EXPECT_TRUE(must_arm(none, t0 + 5s));
  EXPECT_FALSE(must_arm(none, none));
  EXPECT_TRUE(must_arm(t0 + 20s, t0 + 5s));
  EXPECT_FALSE(must_arm(t0 + 20s, t0 + 20s));
  EXPECT_FALSE(must_arm(t0 + 20s, t0 + 60s));
  EXPECT_FALSE(must_arm(t0 + 20s, none));
}

// What keeping the timer relies on: the CONNACK deadline's timer fires after the CONNACK moved the next
// deadline to the keep-alive, finds nothing due, and the keep-alive stays the next deadline.
TEST_F(session_fixture, a_timer_that_fires_before_any_deadline_does_nothing) {
  options.connect.keep_alive = 60;
  options.connack_timeout = 20s;
  session_state s(options);
  s.start_connection(t0, fx);
  EXPECT_EQ(s.next_deadline(), t0 + 20s);
  fx.clear();
  s.on_packet(connack_ok(), t0 + 1s, fx);
  EXPECT_EQ(s.next_deadline(), t0 + 61s);
  EXPECT_FALSE(must_arm(t0 + 20s, s.next_deadline()));
  fx.clear();
  s.on_timer(t0 + 20s, fx);  // the CONNACK deadline's timer, still armed
  EXPECT_TRUE(fx.send.empty());
  EXPECT_FALSE(fx.close);
  EXPECT_TRUE(fx.completed.empty());
  EXPECT_TRUE(s.connected());
  EXPECT_EQ(s.next_deadline(), t0 + 61s);
}

// An idle client of a fleet keeps no send buffer once its CONNECT is written; a burst keeps its buffer for
// the next one instead of allocating it again.
TEST(session_effects, clear_frees_a_small_send_buffer_and_keeps_a_large_one) {
  session_effects fx;
  fx.send.emplace_back(proto::connect{});
  fx.clear();
  EXPECT_TRUE(fx.send.empty());
  EXPECT_EQ(fx.send.capacity(), 0U);
  fx.send.reserve(session_effects::small_send_batch + 1);
  for (std::size_t i = 0; i <= session_effects::small_send_batch; ++i) fx.send.emplace_back(proto::pingreq{});
  const auto kept = fx.send.capacity();
  fx.clear();
  EXPECT_TRUE(fx.send.empty());
  EXPECT_EQ(fx.send.capacity(), kept);
}
