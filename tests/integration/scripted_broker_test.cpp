// The client pipeline against a scripted broker, for what mosquitto cannot be made to do: refused and missing
// CONNACKs, server DISCONNECTs, receive maximum and maximum packet size from the CONNACK, unanswered pings,
// malformed bytes, server topic aliases, ack timeouts, and MQTT 3.1.1.
#include "support/scripted_broker.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "client_fixture.hpp"
#include "iotactor/actors/client.hpp"
#include "iotactor/protocol/decoder.hpp"
#include "iotactor/protocol/encoder.hpp"

using namespace iotactor;
using namespace std::chrono_literals;
namespace proto = iotactor::protocol;
using iotactor::testing::connection_record;
using iotactor::testing::count_of;
using iotactor::testing::packets_of;
using iotactor::testing::scripted_broker;

namespace {

using iotactor::integration::collector;
using iotactor::integration::count;
using iotactor::integration::deadline;
using iotactor::integration::event_log;
using iotactor::integration::has;
using iotactor::integration::message_log;
using result_log = collector<std::pair<int, operation_result>>;

/// The first event of this type, or a default one (with the type attempting_connect) after a failure.
lifecycle_event first(const std::vector<lifecycle_event>& events, lifecycle_event_type t) {
  auto it = std::find_if(events.begin(), events.end(), [t](const auto& e) { return e.type == t; });
  if (it != events.end()) return *it;
  ADD_FAILURE() << "no " << to_string(t) << " event";
  return {};
}

/// The n-th (0-based) event of this type.
lifecycle_event first_of_type(const std::vector<lifecycle_event>& events, lifecycle_event_type t,
                              std::size_t n) {
  for (const auto& e : events)
    if (e.type == t && n-- == 0) return e;
  ADD_FAILURE() << "fewer " << to_string(t) << " events than expected";
  return {};
}

struct scripted_broker_fixture : iotactor::integration::client_fixture {
  std::deque<result_log> tagged_logs;

  ~scripted_broker_fixture() override { shutdown(); }  // before the tagged logs go

  result_log& new_results() { return tagged_logs.emplace_back(); }

  /// Publishes without waiting; the result lands in log as (tag, result).
  void publish_async(const client_actor& client, proto::publish p, int tag, result_log& log) {
    caf::anon_send(client, publish_atom::value, std::move(p),
                   completion_callback([&log, tag](operation_result&& r) {
                     log.add({tag, std::move(r)});
                   }));
  }
};

using iotactor::integration::message;

proto::connack refusal(proto::reason_code reason) {
  proto::connack ack;
  ack.reason = reason;
  return ack;
}

}  // namespace

TEST_F(scripted_broker_fixture, refused_connacks_give_connection_failures_with_their_reason_and_retries) {
  scripted_broker broker;
  broker.on_connect([](const proto::connect&, std::size_t index) -> std::optional<proto::connack> {
    switch (index) {
      case 0: {
        auto ack = refusal(proto::reason_code::not_authorized);
        ack.properties.reason_string = "policy denies client c-refused";
        return ack;
      }
      case 1:
        return refusal(proto::reason_code::client_identifier_not_valid);
      case 2: {
        auto ack = refusal(proto::reason_code::use_another_server);
        ack.properties.server_reference = "other.example:1883";
        return ack;
      }
      default:
        return proto::connack{};
    }
  });
  auto& events = new_events();
  start(config_for(broker, "c-refused"), events);
  ASSERT_TRUE(events.wait([](const auto& v) { return has(v, lifecycle_event_type::connection_success); }));

  auto all = events.items();
  using t = lifecycle_event_type;
  ASSERT_GE(all.size(), 8U);
  const std::vector<t> expected{t::attempting_connect, t::connection_failure, t::attempting_connect,
                                t::connection_failure, t::attempting_connect, t::connection_failure,
                                t::attempting_connect, t::connection_success};
  for (std::size_t i = 0; i < expected.size(); ++i)
    EXPECT_EQ(all[i].type, expected[i]) << "event " << i << ": " << to_string(all[i].type);

  const std::vector<proto::reason_code> reasons{proto::reason_code::not_authorized,
                                                proto::reason_code::client_identifier_not_valid,
                                                proto::reason_code::use_another_server};
  for (std::size_t k = 0; k < reasons.size(); ++k) {
    const auto& failure = all[2 * k + 1];
    EXPECT_EQ(failure.error, errc::connack_refused) << failure.message;
    ASSERT_TRUE(failure.connack) << "failure " << k;
    EXPECT_EQ(failure.connack->reason, reasons[k]);
  }
  EXPECT_NE(all[1].message.find("policy denies client c-refused"), std::string::npos) << all[1].message;
  EXPECT_NE(all[1].message.find("0x87"), std::string::npos) << all[1].message;
  EXPECT_EQ(all[1].connack->properties.reason_string, "policy denies client c-refused");
  EXPECT_NE(all[3].message.find("0x85"), std::string::npos) << all[3].message;
  EXPECT_EQ(all[5].connack->properties.server_reference, "other.example:1883");

  // Each attempt was its own connection with its own CONNECT, and the broker closed the refused ones.
  EXPECT_EQ(broker.connection_count(), 4U);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(broker.wait_for_close(i)) << "connection " << i;
    auto rec = broker.record(i);
    ASSERT_TRUE(rec.connect);
    EXPECT_EQ(rec.connect->client_id, "c-refused");
  }
}

TEST_F(scripted_broker_fixture, no_connack_gives_a_connack_timeout) {
  scripted_broker broker;
  broker.on_connect([](const proto::connect&, std::size_t) { return std::optional<proto::connack>{}; });
  auto& events = new_events();
  auto c = config_for(broker, "c-silent");
  c.session.connack_timeout = 300ms;
  start(c, events);
  ASSERT_TRUE(
      events.wait([](const auto& v) { return has(v, lifecycle_event_type::connection_failure); }, 5s));
  auto failure = first(events.items(), lifecycle_event_type::connection_failure);
  EXPECT_EQ(failure.error, errc::connack_timeout) << failure.message;
  EXPECT_FALSE(failure.connack);
  EXPECT_NE(failure.message.find("300 ms"), std::string::npos) << failure.message;
  // The broker saw the CONNECT, and the client gave the connection up and tries again.
  EXPECT_TRUE(broker.record(0).connect);
  EXPECT_TRUE(broker.wait_for_close(0, 5s));
  EXPECT_TRUE(events.wait([](const auto& v) { return has(v, lifecycle_event_type::attempting_connect, 2); }));
}

TEST_F(scripted_broker_fixture, a_server_disconnect_is_reported_with_its_reason_and_the_client_reconnects) {
  scripted_broker broker;
  auto& events = new_events();
  connected(config_for(broker, "c-taken"), events);
  ASSERT_TRUE(broker.wait_for_connections(1));
  broker.connection_at(0)->disconnect(proto::reason_code::session_taken_over, "another client took c-taken");

  ASSERT_TRUE(events.wait([](const auto& v) { return has(v, lifecycle_event_type::disconnection); }));
  auto d = first(events.items(), lifecycle_event_type::disconnection);
  EXPECT_EQ(d.error, errc::disconnect_received) << d.message;
  ASSERT_TRUE(d.server_disconnect);
  EXPECT_EQ(d.server_disconnect->reason, proto::reason_code::session_taken_over);
  EXPECT_EQ(d.server_disconnect->properties.reason_string, "another client took c-taken");
  EXPECT_NE(d.message.find("another client took c-taken"), std::string::npos) << d.message;

  ASSERT_TRUE(events.wait([](const auto& v) { return has(v, lifecycle_event_type::connection_success, 2); }));
  EXPECT_TRUE(broker.wait_for_connections(2));
  EXPECT_TRUE(broker.wait_for_close(0));
  // The client does not answer a server DISCONNECT with a packet of its own.
  EXPECT_EQ(count_of<proto::disconnect>(broker.record(0).received), 0U);
}

TEST_F(scripted_broker_fixture, receive_maximum_1_keeps_one_qos1_publish_in_flight_at_a_time) {
  scripted_broker broker;
  broker.on_connect([](const proto::connect&, std::size_t) -> std::optional<proto::connack> {
    proto::connack ack;
    ack.properties.receive_maximum = 1;
    return ack;
  });
  // The test acknowledges the publishes itself.
  broker.on_packet([](const proto::packet& p, scripted_broker::connection&) {
    return std::holds_alternative<proto::publish>(p) ? scripted_broker::reply::handled
                                                     : scripted_broker::reply::automatic;
  });
  auto& events = new_events();
  auto client = connected(config_for(broker, "c-recvmax"), events);
  auto success = first(events.items(), lifecycle_event_type::connection_success);
  ASSERT_TRUE(success.settings);
  EXPECT_EQ(success.settings->receive_maximum_from_server, 1);

  constexpr int n = 5;
  auto& results = new_results();
  for (int i = 0; i < n; ++i)
    publish_async(client, message("rm/t", "m" + std::to_string(i), proto::qos::at_least_once), i, results);

  auto conn = broker.connection_at(0);
  ASSERT_TRUE(conn);
  for (std::size_t k = 0; k < n; ++k) {
    ASSERT_TRUE(
        broker.wait_for_packets(0, [k](const auto& v) { return count_of<proto::publish>(v) >= k + 1; }))
        << "PUBLISH " << k << " did not arrive";
    // Holding the PUBACK back a little: no second PUBLISH may come meanwhile.
    EXPECT_FALSE(broker.wait_for_packets(
        0, [k](const auto& v) { return count_of<proto::publish>(v) >= k + 2; }, 100ms))
        << "PUBLISH " << k + 1 << " was sent before PUBLISH " << k << " was acknowledged";
    auto pubs = packets_of<proto::publish>(broker.record(0).received);
    EXPECT_EQ(pubs[k].payload.as_string_view(), "m" + std::to_string(k));
    proto::puback ack;
    ack.packet_id = pubs[k].packet_id;
    conn->send(ack);
  }

  ASSERT_TRUE(results.wait_count(n));
  auto got = results.items();
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(got[i].first, i) << "completion order";
    EXPECT_TRUE(got[i].second.ok()) << got[i].second.message;
    ASSERT_TRUE(std::holds_alternative<proto::puback>(got[i].second.ack));
    EXPECT_EQ(std::get<proto::puback>(got[i].second.ack).reason, proto::reason_code::success);
  }
  // In the transcript, every PUBLISH after the first follows the PUBACK of the one before.
  auto rec = broker.record(0);
  int outstanding = 0;
  for (const auto& e : rec.transcript) {
    if (!e.packet) continue;
    if (e.from_client && std::holds_alternative<proto::publish>(*e.packet)) {
      ++outstanding;
      EXPECT_LE(outstanding, 1) << "two publishes in flight with receive maximum 1";
    }
    if (!e.from_client && std::holds_alternative<proto::puback>(*e.packet)) --outstanding;
  }
  EXPECT_EQ(count_of<proto::publish>(rec.received), static_cast<std::size_t>(n));
}

TEST_F(scripted_broker_fixture, a_publish_over_the_maximum_packet_size_fails_and_is_not_sent) {
  scripted_broker broker;
  broker.on_connect([](const proto::connect&, std::size_t) -> std::optional<proto::connack> {
    proto::connack ack;
    ack.properties.maximum_packet_size = 64;
    return ack;
  });
  auto& events = new_events();
  auto client = connected(config_for(broker, "c-maxsize"), events);

  auto big = message("size/big", std::string(100, 'x'), proto::qos::at_least_once);
  auto r = request(client, big);
  EXPECT_EQ(r.error, errc::packet_too_large) << r.message;
  EXPECT_NE(r.message.find("64"), std::string::npos) << r.message;

  auto small = request(client, message("size/small", "hi", proto::qos::at_least_once));
  EXPECT_TRUE(small.ok()) << small.message;
  ASSERT_TRUE(std::holds_alternative<proto::puback>(small.ack));

  auto pubs = packets_of<proto::publish>(broker.record(0).received);
  ASSERT_EQ(pubs.size(), 1U) << "the oversized PUBLISH reached the broker";
  EXPECT_EQ(pubs[0].topic, "size/small");
  EXPECT_EQ(pubs[0].payload.as_string_view(), "hi");
  EXPECT_EQ(count(events.items(), lifecycle_event_type::disconnection), 0U);
}

TEST_F(scripted_broker_fixture, unanswered_pings_end_the_connection_with_keep_alive_timeout) {
  scripted_broker broker;
  broker.answer_pings(false);
  auto& events = new_events();
  auto c = config_for(broker, "c-ping");
  c.session.connect.keep_alive = 2;  // the smallest keep-alive allowed with a 1 s ping timeout
  c.session.ping_timeout = 1s;
  connected(c, events);

  ASSERT_TRUE(events.wait([](const auto& v) { return has(v, lifecycle_event_type::disconnection); }));
  auto d = first(events.items(), lifecycle_event_type::disconnection);
  EXPECT_EQ(d.error, errc::ping_timeout) << d.message;
  EXPECT_FALSE(d.server_disconnect);

  ASSERT_TRUE(broker.wait_for_packet<proto::disconnect>(0));
  auto rec = broker.record(0);
  EXPECT_GE(count_of<proto::pingreq>(rec.received), 1U);
  EXPECT_EQ(count_of<proto::pingresp>(rec.sent), 0U);
  // The client's last words: DISCONNECT keep alive timeout, after the unanswered PINGREQ.
  ASSERT_GE(rec.received.size(), 3U);
  EXPECT_TRUE(std::holds_alternative<proto::pingreq>(rec.received[rec.received.size() - 2]));
  auto last = std::get_if<proto::disconnect>(&rec.received.back());
  ASSERT_TRUE(last);
  EXPECT_EQ(last->reason, proto::reason_code::keep_alive_timeout);
  EXPECT_TRUE(broker.wait_for_close(0));
}

TEST_F(scripted_broker_fixture, session_present_after_a_clean_start_is_a_connection_failure) {
  scripted_broker broker;
  broker.on_connect([](const proto::connect&, std::size_t) -> std::optional<proto::connack> {
    proto::connack ack;
    ack.session_present = true;
    return ack;
  });
  auto& events = new_events();
  start(config_for(broker, "c-present"), events);
  ASSERT_TRUE(events.wait([](const auto& v) { return has(v, lifecycle_event_type::connection_failure); }));
  auto all = events.items();
  EXPECT_EQ(count(all, lifecycle_event_type::connection_success), 0U);
  auto failure = first(all, lifecycle_event_type::connection_failure);
  EXPECT_EQ(failure.error, errc::clean_session_violated) << failure.message;
  ASSERT_TRUE(failure.connack);
  EXPECT_TRUE(failure.connack->session_present);
  auto rec = broker.record(0);
  ASSERT_TRUE(rec.connect);
  EXPECT_TRUE(rec.connect->clean_start);
  EXPECT_TRUE(broker.wait_for_close(0));
}

TEST_F(scripted_broker_fixture, malformed_bytes_get_disconnect_malformed_packet_and_a_reconnect) {
  scripted_broker broker;
  auto& events = new_events();
  connected(config_for(broker, "c-malformed"), events);
  broker.connection_at(0)->send_bytes({0x36, 0x00});  // PUBLISH with QoS 3

  ASSERT_TRUE(events.wait([](const auto& v) { return has(v, lifecycle_event_type::disconnection); }));
  auto d = first(events.items(), lifecycle_event_type::disconnection);
  EXPECT_EQ(d.error, errc::protocol_error) << d.message;
  EXPECT_NE(d.message.find("QoS is 3"), std::string::npos) << d.message;

  ASSERT_TRUE(broker.wait_for_close(0));
  auto rec = broker.record(0);
  auto raw = std::find_if(rec.transcript.begin(), rec.transcript.end(),
                          [](const auto& e) { return !e.from_client && !e.packet; });
  ASSERT_NE(raw, rec.transcript.end());
  proto::bytes after(rec.client_bytes.begin() + static_cast<std::ptrdiff_t>(raw->client_bytes_before),
                     rec.client_bytes.end());
  auto decoded = proto::decode_packet(after.data(), after.size(), proto::protocol_version::v5);
  ASSERT_TRUE(decoded) << "the client's bytes after the malformed packet are not exactly one packet: "
                       << proto::to_string(decoded.error());
  auto* disconnect = std::get_if<proto::disconnect>(&*decoded);
  ASSERT_TRUE(disconnect);
  EXPECT_EQ(disconnect->reason, proto::reason_code::malformed_packet);

  ASSERT_TRUE(events.wait([](const auto& v) { return has(v, lifecycle_event_type::connection_success, 2); }));
  EXPECT_EQ(broker.connection_count(), 2U);
}

TEST_F(scripted_broker_fixture, server_topic_aliases_are_resolved_and_an_unknown_alias_is_a_protocol_error) {
  scripted_broker broker;
  auto& events = new_events();
  auto c = config_for(broker, "c-alias");
  c.session.topic_aliases.inbound_behavior = inbound_topic_alias_behavior::enabled;
  c.session.topic_aliases.inbound_cache_max_size = 5;
  auto client = connected(c, events);
  auto rec = broker.record(0);
  ASSERT_TRUE(rec.connect);
  EXPECT_EQ(rec.connect->properties.topic_alias_maximum, 5);

  auto& received = new_messages();
  auto sub = subscribe(client, "a/#", proto::qos::at_most_once, received);
  ASSERT_TRUE(sub.ok()) << sub.message;

  auto conn = broker.connection_at(0);
  auto first_pub = message("a/b", "one", proto::qos::at_most_once);
  first_pub.properties.topic_alias = 1;
  conn->send(first_pub);
  auto second_pub = message("", "two", proto::qos::at_most_once);
  second_pub.properties.topic_alias = 1;
  conn->send(second_pub);

  ASSERT_TRUE(received.wait_count(2));
  auto got = received.items();
  EXPECT_EQ(got[0].topic, "a/b");
  EXPECT_EQ(got[0].payload.as_string_view(), "one");
  EXPECT_EQ(got[1].topic, "a/b");
  EXPECT_EQ(got[1].payload.as_string_view(), "two");

  auto unknown = message("", "three", proto::qos::at_most_once);
  unknown.properties.topic_alias = 3;
  conn->send(unknown);
  ASSERT_TRUE(events.wait([](const auto& v) { return has(v, lifecycle_event_type::disconnection); }));
  auto d = first(events.items(), lifecycle_event_type::disconnection);
  EXPECT_EQ(d.error, errc::protocol_error) << d.message;
  ASSERT_TRUE(broker.wait_for_packet<proto::disconnect>(0));
  auto disconnects = packets_of<proto::disconnect>(broker.record(0).received);
  ASSERT_EQ(disconnects.size(), 1U);
  EXPECT_EQ(disconnects[0].reason, proto::reason_code::protocol_error);
  EXPECT_EQ(received.items().size(), 2U) << "the publish with an unknown alias was delivered";
}

TEST_F(scripted_broker_fixture, an_unacknowledged_publish_fails_with_ack_timeout_and_the_connection_stays) {
  scripted_broker broker;
  broker.acknowledge_publishes(false);
  auto& events = new_events();
  auto c = config_for(broker, "c-acktimeout");
  c.session.ack_timeout = 1s;
  auto client = connected(c, events);

  auto r = request(client, message("ack/t", "never acked", proto::qos::at_least_once));
  EXPECT_EQ(r.error, errc::ack_timeout) << r.message;
  EXPECT_TRUE(std::holds_alternative<std::monostate>(r.ack));
  EXPECT_EQ(count_of<proto::publish>(broker.record(0).received), 1U);

  // Still the same connection: a SUBSCRIBE goes through on it.
  auto& received = new_messages();
  auto sub = subscribe(client, "ack/#", proto::qos::at_least_once, received);
  EXPECT_TRUE(sub.ok()) << sub.message;
  EXPECT_EQ(broker.connection_count(), 1U);
  EXPECT_FALSE(broker.record(0).closed);
  EXPECT_EQ(count_of<proto::subscribe>(broker.record(0).received), 1U);
  EXPECT_EQ(count(events.items(), lifecycle_event_type::disconnection), 0U);
}

TEST_F(scripted_broker_fixture, a_per_operation_ack_timeout_overrides_the_clients) {
  scripted_broker broker;
  broker.acknowledge_publishes(false);
  auto& events = new_events();
  auto c = config_for(broker, "c-op-acktimeout");
  c.session.ack_timeout = 600s;  // the client's: far longer than the test
  auto client = connected(c, events);
  caf::scoped_actor self{*sys};
  operation_result r;
  self->request(client, deadline, publish_atom::value, message("ack/op", "x", proto::qos::at_least_once),
                caf::timespan{std::chrono::seconds(1)})
      .receive([&](operation_result& out) { r = std::move(out); },
               [&](caf::error& err) { ADD_FAILURE() << sys->render(err); });
  EXPECT_EQ(r.error, errc::ack_timeout) << r.message;
  EXPECT_EQ(count_of<proto::publish>(broker.record(0).received), 1U);
}

TEST_F(scripted_broker_fixture,
       a_rejoined_session_retransmits_the_unacknowledged_publish_with_dup_and_its_id) {
  scripted_broker broker;
  // The first connection swallows the PUBLISH and drops; the second says the session is still there.
  broker.on_connect([](const proto::connect&, std::size_t index) -> std::optional<proto::connack> {
    proto::connack ack;
    ack.session_present = index > 0;
    return ack;
  });
  broker.on_packet([](const proto::packet& p, scripted_broker::connection& conn) {
    if (conn.index() == 0 && std::holds_alternative<proto::publish>(p)) {
      conn.close();
      return scripted_broker::reply::handled;
    }
    return scripted_broker::reply::automatic;
  });
  auto& events = new_events();
  auto c = config_for(broker, "c-rejoin");
  c.session.session_behavior = client_session_behavior::rejoin_always;
  c.session.connect.properties.session_expiry_interval = 600;
  auto client = connected(c, events);
  auto& results = new_results();
  publish_async(client, message("rejoin/t", "once", proto::qos::at_least_once), 1, results);
  ASSERT_TRUE(results.wait_count(1));
  auto r = results.items()[0].second;
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(std::get<proto::puback>(r.ack).reason, proto::reason_code::success);

  auto first = packets_of<proto::publish>(broker.record(0).received);
  auto second = packets_of<proto::publish>(broker.record(1).received);
  ASSERT_EQ(first.size(), 1U);
  ASSERT_EQ(second.size(), 1U);
  EXPECT_FALSE(first[0].dup);
  EXPECT_TRUE(second[0].dup);
  EXPECT_EQ(second[0].packet_id, first[0].packet_id);
  EXPECT_EQ(second[0].topic, "rejoin/t");
  EXPECT_EQ(second[0].payload.as_string_view(), "once");
  EXPECT_FALSE(broker.record(1).connect->clean_start);
  auto success = first_of_type(events.items(), lifecycle_event_type::connection_success, 1);
  ASSERT_TRUE(success.settings);
  EXPECT_TRUE(success.settings->rejoined_session);
}

TEST_F(scripted_broker_fixture, a_3_1_1_client_connects_and_gets_its_puback) {
  scripted_broker broker;
  auto& events = new_events();
  auto c = config_for(broker, "c-v311");
  c.session.connect.version = proto::protocol_version::v3_1_1;
  auto client = connected(c, events);
  auto rec = broker.record(0);
  ASSERT_TRUE(rec.connect);
  EXPECT_EQ(rec.connect->version, proto::protocol_version::v3_1_1);
  EXPECT_EQ(broker.connection_at(0)->version(), proto::protocol_version::v3_1_1);

  auto r = request(client, message("v311/t", "hello", proto::qos::at_least_once));
  ASSERT_TRUE(r.ok()) << r.message;
  ASSERT_TRUE(std::holds_alternative<proto::puback>(r.ack));
  EXPECT_EQ(std::get<proto::puback>(r.ack).reason, proto::reason_code::success);

  auto pubs = packets_of<proto::publish>(broker.record(0).received);
  ASSERT_EQ(pubs.size(), 1U);
  EXPECT_EQ(pubs[0].topic, "v311/t");
  EXPECT_EQ(pubs[0].payload.as_string_view(), "hello");
  EXPECT_EQ(pubs[0].qos, proto::qos::at_least_once);
  EXPECT_EQ(count_of<proto::puback>(broker.record(0).sent), 1U);
}

TEST_F(scripted_broker_fixture, a_coalesced_stream_arrives_whole_and_in_order_and_stop_ends_it) {
  scripted_broker broker;
  auto& events = new_events();
  auto c = config_for(broker, "c-coalesce");
  // A turn of 256 bytes starts coalescing; for 100 ms the client then reads on its timer only, long enough
  // for the tail of a burst to sit below the raised low-water mark and for stop() to come while it waits.
  c.connection.coalesce_reads_above = 256;
  c.connection.coalesce_reads_for = 100ms;
  auto client = connected(c, events);
  auto& received = new_messages();
  ASSERT_TRUE(subscribe(client, "s/#", proto::qos::at_most_once, received).ok());
  auto conn = broker.connection_at(0);

  auto burst = [](int from) {
    proto::bytes out;
    for (int i = from; i < from + 200; ++i)
      EXPECT_FALSE(proto::encode(message("s/" + std::to_string(i), "payload", proto::qos::at_most_once),
                                 proto::protocol_version::v5, out));
    return out;
  };
  conn->send_bytes(burst(0));  // about 4 KB: one turn over the threshold
  ASSERT_TRUE(received.wait_count(200));
  // Sent while the client waits on its timer: 16 bytes below the low-water mark, read by the timer; that
  // turn is below the threshold and goes back to waiting on the socket.
  conn->send(message("s/tail", "tail", proto::qos::at_most_once));
  ASSERT_TRUE(received.wait_count(201)) << received.items().size() << " of 201 arrived";
  auto got = received.items();
  for (int i = 0; i < 200; ++i) ASSERT_EQ(got[static_cast<std::size_t>(i)].topic, "s/" + std::to_string(i));
  EXPECT_EQ(got[200].topic, "s/tail");

  conn->send_bytes(burst(200));  // coalescing again: stop() finds the client waiting on its timer
  ASSERT_TRUE(received.wait_count(401));
  caf::anon_send(client, stop_atom::value, true);
  ASSERT_TRUE(events.wait([](const auto& v) { return has(v, lifecycle_event_type::stopped); }))
      << "a stop during coalescing never ended the connection";
  ASSERT_TRUE(broker.wait_for_packet<proto::disconnect>(0));
  EXPECT_EQ(received.items().size(), 401U);
  EXPECT_EQ(received.items().back().topic, "s/399");
}

TEST_F(scripted_broker_fixture, publishes_before_any_subscription_start_the_router_and_count_as_unmatched) {
  scripted_broker broker;
  auto& events = new_events();
  auto client = connected(config_for(broker, "c-lazy-router"), events);
  EXPECT_EQ(stats(client).unmatched_publishes, 0U);  // no router yet: nothing unmatched
  auto conn = broker.connection_at(0);
  // No subscription and no default handler: the client has no router, and the session hands these to the
  // client, which starts one.
  for (int i = 0; i < 3; ++i) {
    auto early = message("early/" + std::to_string(i), "x", proto::qos::at_least_once);
    early.packet_id = static_cast<std::uint16_t>(i + 1);
    conn->send(early);
  }
  ASSERT_TRUE(broker.wait_for_packets(0, [](const auto& v) { return count_of<proto::puback>(v) == 3; }));
  // The session hands them to the client right after writing the PUBACKs; each stats request is a round trip
  // through the client, the session, the queue and the router.
  auto until = std::chrono::steady_clock::now() + 10s;
  std::size_t unmatched = 0;
  while (unmatched < 3 && std::chrono::steady_clock::now() < until)
    unmatched = stats(client).unmatched_publishes;
  ASSERT_EQ(unmatched, 3U);

  auto& fallback_log = new_messages();
  message_handler fallback;
  fallback.callback = [&fallback_log](const proto::publish& p) { fallback_log.add(p); };
  caf::anon_send(client, std::move(fallback));
  EXPECT_EQ(stats(client).unmatched_publishes, 3U);  // after the client handed the router its fallback
  conn->send(message("late/0", "y", proto::qos::at_most_once));
  ASSERT_TRUE(fallback_log.wait_count(1));
  EXPECT_EQ(fallback_log.items()[0].topic, "late/0");
  EXPECT_EQ(fallback_log.items().size(), 1U) << "an early publish reached the default handler set later";
  EXPECT_EQ(stats(client).unmatched_publishes, 4U);  // the default handler's are unmatched too
}

TEST_F(scripted_broker_fixture, an_idle_client_starts_its_queue_and_router_only_when_it_needs_them) {
  scripted_broker broker;
  auto& events = new_events();
  const auto before = sys->registry().running();
  // Polls the registry (no sleep): an actor that ran on the I/O thread counts until its turn has ended.
  auto actors_become = [&](std::size_t n) {
    auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
      if (sys->registry().running() == before + n) return true;
      std::this_thread::yield();  // leave the cores to the workers and the I/O thread
    }
    return false;
  };
  auto client = connected(config_for(broker, "c-lazy-queue"), events);
  EXPECT_TRUE(actors_become(3)) << "a connected idle client is its supervisor, session and codec; "
                                << sys->registry().running() - before << " actors run";
  EXPECT_EQ(stats(client).stage_restarts, 0U);  // statistics answer without a queue
  // The first operation starts the queue, which starts online with the connection's quota: it goes out now.
  auto& results = new_results();
  publish_async(client, message("lazy/1", "x", proto::qos::at_least_once), 1, results);
  ASSERT_TRUE(broker.wait_for_packets(0, [](const auto& v) { return count_of<proto::publish>(v) == 1; }));
  EXPECT_TRUE(actors_become(4));
  auto& got = new_messages();
  ASSERT_TRUE(subscribe(client, "lazy/#", proto::qos::at_most_once, got).ok());
  EXPECT_TRUE(actors_become(5)) << "the subscription starts the router";
  caf::anon_send(client, stop_atom::value, true);
  ASSERT_TRUE(events.wait([](const auto& v) { return has(v, lifecycle_event_type::stopped); }));
  ASSERT_TRUE(broker.wait_for_packet<proto::disconnect>(0));
  ASSERT_TRUE(results.wait_count(1));
  EXPECT_TRUE(results.items()[0].second.ok()) << results.items()[0].second.message;  // the broker's PUBACK
}

TEST_F(scripted_broker_fixture, a_client_stopped_before_any_operation_sends_disconnect) {
  scripted_broker broker;
  auto& events = new_events();
  auto client = connected(config_for(broker, "c-no-queue-stop"), events);
  caf::anon_send(client, stop_atom::value, true);  // no queue: the client tells the session itself
  ASSERT_TRUE(events.wait([](const auto& v) { return has(v, lifecycle_event_type::stopped); }));
  ASSERT_TRUE(broker.wait_for_packet<proto::disconnect>(0));
  EXPECT_EQ(count(events.items(), lifecycle_event_type::disconnection), 1U);
  EXPECT_EQ(count(events.items(), lifecycle_event_type::connection_failure), 0U);
}

TEST_F(scripted_broker_fixture, a_stop_while_waiting_for_a_connect_slot_ends_at_once) {
  scripted_broker broker;
  // The first client's CONNECT is never answered: it keeps the runtime's only connect slot.
  broker.on_connect([](const proto::connect& c, std::size_t) {
    return c.client_id == "c-slot-holder" ? std::optional<proto::connack>{}
                                          : std::optional<proto::connack>{proto::connack{}};
  });
  auto one_slot = std::make_shared<io_runtime>(1, 1);
  auto& holder_events = new_events();
  auto holder = config_for(broker, "c-slot-holder");
  holder.io = one_slot;
  start(holder, holder_events);
  ASSERT_TRUE(broker.wait_for_connections(1));
  auto& events = new_events();
  auto waiting = config_for(broker, "c-waiting");
  waiting.io = one_slot;
  auto client = start(waiting, events);
  ASSERT_TRUE(events.wait([](const auto& v) { return has(v, lifecycle_event_type::attempting_connect); }));
  caf::anon_send(client, stop_atom::value, true);
  // Within the default wait, far below the holder's CONNACK timeout (20 s), which would free the slot.
  ASSERT_TRUE(events.wait([](const auto& v) { return has(v, lifecycle_event_type::stopped); }))
      << "the stop waited for the connect slot";
  auto failure = first(events.items(), lifecycle_event_type::connection_failure);
  EXPECT_EQ(failure.error, errc::user_requested_stop) << failure.message;
  EXPECT_EQ(broker.record(1).connect, std::nullopt) << "the stopped client connected after all";
}

TEST_F(scripted_broker_fixture, publishes_that_start_the_router_reach_a_default_handler_in_order) {
  scripted_broker broker;
  auto& events = new_events();
  auto client = connected(config_for(broker, "c-lazy-order"), events);
  auto conn = broker.connection_at(0);
  auto& got = new_messages();
  message_handler fallback;
  fallback.callback = [&got](const proto::publish& p) { got.add(p); };
  // The first publishes find no router; the default handler arrives while they are on their way, and the
  // rest come in several reads. Whatever the handler gets, it gets in the order the broker sent it.
  constexpr int n = 300;
  for (int i = 0; i < n; ++i) {
    if (i == 5) caf::anon_send(client, fallback);
    conn->send(message("o/" + std::to_string(i), "x", proto::qos::at_most_once));
  }
  ASSERT_TRUE(got.wait([](const auto& v) { return !v.empty() && v.back().topic == "o/299"; }))
      << got.items().size() << " delivered";
  auto items = got.items();
  int last = -1;
  for (const auto& p : items) {
    int i = std::stoi(p.topic.substr(2));
    ASSERT_GT(i, last) << "o/" << i << " came after o/" << last;
    last = i;
  }
  EXPECT_EQ(stats(client).unmatched_publishes,
            static_cast<std::size_t>(n));  // the handler's are unmatched too
}
