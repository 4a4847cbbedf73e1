// Byte-exact MQTT 3.1.1 test vectors, written by hand from the OASIS MQTT Version 3.1.1 standard (chapters 2
// and 3), never produced by our encoder. Each vector pins both directions: decode_packet(bytes) gives the
// model, encode(model) gives exactly the bytes, and encoded_size(model) is the byte count. 3.1.1 has no
// properties, no reason codes on PUBACK/PUBREC/PUBREL/PUBCOMP/UNSUBACK/DISCONNECT and no AUTH; a second
// table checks that the encoder refuses, with an error, a model that 3.1.1 cannot carry.
//
// "RL" in the comments is the remaining length; ASCII text is written as character literals.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "iotactor/protocol.hpp"
#include "vector_support.hpp"

using namespace iotactor::protocol;  // NOLINT(google-build-using-namespace)

namespace {

namespace mqtt = iotactor::protocol;

using vector_support::concat;
using vector_support::decodes_to_model;
using vector_support::encodes_to_wire;
using vector_support::hex_of;
using vector_support::text;
using vector_support::vector_name;
using vector_support::wire;
using v311_vector = vector_support::wire_vector;

mqtt::connect v311_connect() {
  mqtt::connect c;
  c.version = protocol_version::v3_1_1;
  return c;
}

// --- CONNECT (spec 3.1) -------------------------------------------------------------------------------

v311_vector connect_minimal() {
  mqtt::connect c = v311_connect();
  c.client_id = "c1";
  c.keep_alive = 60;
  c.clean_start = true;
  return {"ConnectCleanSessionNoWill",
          wire({
              0x10, 0x0E,                      // CONNECT, RL 14 = 10 + 4
              0x00, 0x04, 'M', 'Q', 'T', 'T',  // protocol name "MQTT"
              0x04,                            // protocol level 4
              0x02,                            // connect flags: clean session
              0x00, 0x3C,                      // keep alive 60
              0x00, 0x02, 'c', '1',            // client identifier "c1"
          }),
          c};
}

v311_vector connect_username_password_clean_session_false() {
  mqtt::connect c = v311_connect();
  c.client_id = "dev";
  c.keep_alive = 30;
  c.clean_start = false;
  c.username = "u";
  c.password = bytes{0x01, 0x02, 0xFF};
  return {"ConnectUsernamePasswordCleanSessionFalse",
          wire({
              0x10, 0x17,                         // CONNECT, RL 23 = 10 + 13
              0x00, 0x04, 'M',  'Q',  'T',  'T',  // protocol name "MQTT"
              0x04,                               // protocol level 4
              0xC0,                               // flags: user name 0x80, password 0x40, clean session 0
              0x00, 0x1E,                         // keep alive 30
              0x00, 0x03, 'd',  'e',  'v',        // client identifier "dev"   (5)
              0x00, 0x01, 'u',                    // user name "u"             (3)
              0x00, 0x03, 0x01, 0x02, 0xFF,       // password, 3 bytes         (5)
          }),
          c};
}

v311_vector connect_will_qos1_retain() {
  mqtt::connect c = v311_connect();
  c.client_id = "w";
  c.keep_alive = 10;
  c.clean_start = true;
  will_message w;
  w.topic = "w/t";
  w.payload = text("bye");
  w.qos = qos::at_least_once;
  w.retain = true;
  c.will = w;
  return {"ConnectWillQos1Retain",
          wire({
              0x10, 0x17,                      // CONNECT, RL 23 = 10 + 13
              0x00, 0x04, 'M', 'Q', 'T', 'T',  // protocol name "MQTT"
              0x04,                            // protocol level 4
              0x2E,                       // flags: will retain 0x20, will QoS 1 0x08, will 0x04, clean 0x02
              0x00, 0x0A,                 // keep alive 10
              0x00, 0x01, 'w',            // client identifier "w"   (3)
              0x00, 0x03, 'w', '/', 't',  // will topic "w/t"        (5)
              0x00, 0x03, 'b', 'y', 'e',  // will message "bye"      (5)
          }),
          c};
}

v311_vector connect_will_qos0_empty_message() {
  mqtt::connect c = v311_connect();
  c.client_id = "w0";
  c.keep_alive = 0;
  c.clean_start = false;
  will_message w;
  w.topic = "t";
  w.qos = qos::at_most_once;
  w.retain = false;
  c.will = w;
  return {"ConnectWillQos0EmptyMessageCleanSessionFalse",
          wire({
              0x10, 0x13,                      // CONNECT, RL 19 = 10 + 9
              0x00, 0x04, 'M', 'Q', 'T', 'T',  // protocol name "MQTT"
              0x04,                            // protocol level 4
              0x04,                            // flags: will flag only (QoS 0, no retain, clean session 0)
              0x00, 0x00,                      // keep alive 0
              0x00, 0x02, 'w', '0',            // client identifier "w0"  (4)
              0x00, 0x01, 't',                 // will topic "t"          (3)
              0x00, 0x00,                      // will message: zero length (2)
          }),
          c};
}

v311_vector connect_will_qos2_username_password() {
  mqtt::connect c = v311_connect();
  c.client_id = "id";
  c.keep_alive = 300;
  c.clean_start = false;
  c.username = "user";
  c.password = bytes{'p', 'w'};
  will_message w;
  w.topic = "wt";
  w.payload = text("gone");
  w.qos = qos::exactly_once;
  w.retain = false;
  c.will = w;
  return {"ConnectWillQos2UsernamePasswordCleanSessionFalse",
          wire({
              0x10, 0x22,                      // CONNECT, RL 34 = 10 + 24
              0x00, 0x04, 'M', 'Q', 'T', 'T',  // protocol name "MQTT"
              0x04,                            // protocol level 4
              0xD4,                            // flags: user 0x80, password 0x40, will QoS 2 0x10, will 0x04
              0x01, 0x2C,                      // keep alive 300
              0x00, 0x02, 'i', 'd',            // client identifier "id"  (4)
              0x00, 0x02, 'w', 't',            // will topic "wt"         (4)
              0x00, 0x04, 'g', 'o', 'n', 'e',  // will message "gone"     (6)
              0x00, 0x04, 'u', 's', 'e', 'r',  // user name "user"        (6)
              0x00, 0x02, 'p', 'w',            // password "pw"           (4)
          }),
          c};
}

// --- CONNACK (spec 3.2): return codes 1..5 are modelled as MQTT 5 reason codes -----------------------

v311_vector connack_with(std::string name, bool session_present, std::uint8_t return_code, reason_code rc) {
  connack a;
  a.session_present = session_present;
  a.reason = rc;
  return {std::move(name),
          wire({
              0x20, 0x02,                                  // CONNACK, RL 2
              static_cast<std::uint8_t>(session_present),  // acknowledge flags: session present
              return_code,                                 // connect return code
          }),
          a};
}

// --- PUBLISH (spec 3.3) -------------------------------------------------------------------------------

v311_vector publish_qos0() {
  publish p;
  p.topic = "a/b";
  p.payload = text("hi");
  return {"PublishQos0HasNoPacketIdentifier",
          wire({
              0x30, 0x07,                 // PUBLISH QoS 0, RL 7
              0x00, 0x03, 'a', '/', 'b',  // topic name "a/b"
              'h', 'i',                   // payload "hi"
          }),
          p};
}

v311_vector publish_qos1_dup_retain_empty_payload() {
  publish p;
  p.topic = "t";
  p.qos = qos::at_least_once;
  p.dup = true;
  p.retain = true;
  p.packet_id = 10;
  return {"PublishQos1DupRetainEmptyPayload",
          wire({
              0x3B, 0x05,       // PUBLISH: DUP 0x08, QoS 1 0x02, RETAIN 0x01; RL 5
              0x00, 0x01, 't',  // topic name "t"
              0x00, 0x0A,       // packet identifier 10; zero-length payload follows
          }),
          p};
}

v311_vector publish_qos2() {
  publish p;
  p.topic = "s/x";
  p.qos = qos::exactly_once;
  p.packet_id = 7;
  p.payload = text("on");
  return {"PublishQos2",
          wire({
              0x34, 0x09,                 // PUBLISH QoS 2 (0x04), RL 9
              0x00, 0x03, 's', '/', 'x',  // topic name "s/x"
              0x00, 0x07,                 // packet identifier 7
              'o', 'n',                   // payload "on"
          }),
          p};
}

v311_vector publish_two_byte_remaining_length() {
  publish p;
  p.topic = "a";
  p.payload = shared_bytes(bytes(200, 'x'));
  return {"PublishTwoByteRemainingLength",
          concat(wire({
                     0x30, 0xCB, 0x01,  // PUBLISH QoS 0, RL 203 = 0x4B + 128 * 1 -> CB 01
                     0x00, 0x01, 'a',   // topic name "a"  (3)
                 }),
                 bytes(200, 'x')),  // payload: 200 bytes 'x'  (200)
          p};
}

// --- The rest ------------------------------------------------------------------------------------------

std::vector<v311_vector> round_trip_vectors() {
  std::vector<v311_vector> v = {
      connect_minimal(),
      connect_username_password_clean_session_false(),
      connect_will_qos1_retain(),
      connect_will_qos0_empty_message(),
      connect_will_qos2_username_password(),
      connack_with("ConnackAccepted", false, 0x00, reason_code::success),
      connack_with("ConnackAcceptedSessionPresent", true, 0x00, reason_code::success),
      connack_with("ConnackReturnCode1IsUnsupportedProtocolVersion", false, 0x01,
                   reason_code::unsupported_protocol_version),
      connack_with("ConnackReturnCode2IsClientIdentifierNotValid", false, 0x02,
                   reason_code::client_identifier_not_valid),
      connack_with("ConnackReturnCode3IsServerUnavailable", false, 0x03, reason_code::server_unavailable),
      connack_with("ConnackReturnCode4IsBadUserNameOrPassword", false, 0x04,
                   reason_code::bad_user_name_or_password),
      connack_with("ConnackReturnCode5IsNotAuthorized", false, 0x05, reason_code::not_authorized),
      publish_qos0(),
      publish_qos1_dup_retain_empty_payload(),
      publish_qos2(),
      publish_two_byte_remaining_length(),
  };
  {
    puback a;
    a.packet_id = 1;
    v.push_back({"PubackIsPacketIdentifierOnly", wire({0x40, 0x02, 0x00, 0x01}), a});  // PUBACK RL 2, id 1
  }
  {
    pubrec a;
    a.packet_id = 5;
    v.push_back({"PubrecIsPacketIdentifierOnly", wire({0x50, 0x02, 0x00, 0x05}), a});  // PUBREC RL 2, id 5
  }
  {
    pubrel a;
    a.packet_id = 5;
    v.push_back({"PubrelIsPacketIdentifierOnly", wire({0x62, 0x02, 0x00, 0x05}),
                 a});  // PUBREL flags 0010, RL 2, id 5
  }
  {
    pubcomp a;
    a.packet_id = 5;
    v.push_back({"PubcompIsPacketIdentifierOnly", wire({0x70, 0x02, 0x00, 0x05}), a});  // PUBCOMP RL 2, id 5
  }
  {
    subscribe s;
    s.packet_id = 11;
    subscription a;
    a.topic_filter = "a/#";
    a.max_qos = qos::at_least_once;
    subscription b;
    b.topic_filter = "b/+";
    b.max_qos = qos::exactly_once;
    subscription c;
    c.topic_filter = "c";
    c.max_qos = qos::at_most_once;
    s.subscriptions = {a, b, c};
    v.push_back({"SubscribeThreeFiltersRequestedQosOnly",
                 wire({
                     0x82, 0x12,                 // SUBSCRIBE (flags 0010), RL 18 = 2 + 6 + 6 + 4
                     0x00, 0x0B,                 // packet identifier 11
                     0x00, 0x03, 'a', '/', '#',  // topic filter "a/#"
                     0x01,                       // requested QoS 1
                     0x00, 0x03, 'b', '/', '+',  // topic filter "b/+"
                     0x02,                       // requested QoS 2
                     0x00, 0x01, 'c',            // topic filter "c"
                     0x00,                       // requested QoS 0
                 }),
                 s});
  }
  {
    suback s;
    s.packet_id = 11;
    s.reason_codes = {reason_code::success, reason_code::granted_qos_1, reason_code::granted_qos_2,
                      reason_code::unspecified_error};
    v.push_back({"SubackFailure0x80IsUnspecifiedError",
                 wire({
                     0x90, 0x06,              // SUBACK, RL 6
                     0x00, 0x0B,              // packet identifier 11
                     0x00, 0x01, 0x02, 0x80,  // granted QoS 0, 1, 2; 0x80 failure
                 }),
                 s});
  }
  {
    unsubscribe u;
    u.packet_id = 12;
    u.topic_filters = {"a/b", "c"};
    v.push_back({"UnsubscribeTwoFilters",
                 wire({
                     0xA2, 0x0A,                 // UNSUBSCRIBE (flags 0010), RL 10
                     0x00, 0x0C,                 // packet identifier 12
                     0x00, 0x03, 'a', '/', 'b',  // topic filter "a/b"
                     0x00, 0x01, 'c',            // topic filter "c"
                 }),
                 u});
  }
  {
    unsuback u;
    u.packet_id = 12;  // no payload in 3.1.1: reason_codes stays empty
    v.push_back(
        {"UnsubackHasNoPayloadAndNoReasonCodes", wire({0xB0, 0x02, 0x00, 0x0C}), u});  // UNSUBACK RL 2, id 12
  }
  v.push_back({"PingreqIsTwoBytes", wire({0xC0, 0x00}), pingreq{}});
  v.push_back({"PingrespIsTwoBytes", wire({0xD0, 0x00}), pingresp{}});
  v.push_back({"DisconnectIsTwoBytes", wire({0xE0, 0x00}), mqtt::disconnect{}});
  return v;
}

class MqttV311SpecVectors : public testing::TestWithParam<v311_vector> {};

TEST_P(MqttV311SpecVectors, DecodesToTheExpectedModel) {
  EXPECT_TRUE(decodes_to_model(GetParam(), protocol_version::v3_1_1));
}

TEST_P(MqttV311SpecVectors, EncodesToExactlyTheSpecBytesOfTheSpecSize) {
  EXPECT_TRUE(encodes_to_wire(GetParam(), protocol_version::v3_1_1));
}

INSTANTIATE_TEST_SUITE_P(Spec, MqttV311SpecVectors, testing::ValuesIn(round_trip_vectors()), vector_name);

TEST(MqttV311SpecVectorCoverage, EveryPacketTypeButAuthAppears) {
  std::vector<bool> types(16, false);
  for (const auto& v : round_trip_vectors()) types[static_cast<std::size_t>(type_of(v.model))] = true;
  for (std::size_t t = 1; t <= 14; ++t) EXPECT_TRUE(types[t]) << "no vector of packet type " << t;
}

// --- Models 3.1.1 cannot carry: encode must fail, not drop the field --------------------------------------

struct v311_rejection {
  std::string name;
  packet model;
};

void PrintTo(const v311_rejection& r, std::ostream* os) {
  *os << r.name;
}

std::vector<v311_rejection> rejection_vectors() {
  std::vector<v311_rejection> v;
  {
    publish p;
    p.topic = "t";
    p.properties.user_properties = {{"k", "v"}};
    v.push_back({"PublishWithUserProperty", p});
  }
  {
    publish p;
    p.topic = "t";
    p.properties.message_expiry_interval = 10;
    v.push_back({"PublishWithMessageExpiryInterval", p});
  }
  v.push_back({"Auth", auth{}});
  {
    auth a;
    a.reason = reason_code::continue_authentication;
    a.properties.authentication_method = "TOK";
    v.push_back({"AuthContinueAuthentication", a});
  }
  {
    puback a;
    a.packet_id = 1;
    a.reason = reason_code::quota_exceeded;
    v.push_back({"PubackWithFailureReasonCode", a});
  }
  {
    pubrec a;
    a.packet_id = 1;
    a.reason = reason_code::no_matching_subscribers;
    v.push_back({"PubrecWithNoMatchingSubscribersReasonCode", a});
  }
  {
    pubcomp a;
    a.packet_id = 1;
    a.properties.reason_string = "r";
    v.push_back({"PubcompWithReasonString", a});
  }
  {
    suback s;
    s.packet_id = 1;
    s.reason_codes = {reason_code::not_authorized};
    v.push_back({"SubackWithNotAuthorized0x87", s});
  }
  {
    suback s;
    s.packet_id = 1;
    s.reason_codes = {reason_code::granted_qos_1};
    s.properties.user_properties = {{"k", "v"}};
    v.push_back({"SubackWithUserProperty", s});
  }
  {
    subscribe s;
    s.packet_id = 1;
    subscription sub;
    sub.topic_filter = "a";
    sub.no_local = true;
    s.subscriptions = {sub};
    v.push_back({"SubscriptionWithNoLocal", s});
  }
  {
    subscribe s;
    s.packet_id = 1;
    subscription sub;
    sub.topic_filter = "a";
    sub.retain_as_published = true;
    s.subscriptions = {sub};
    v.push_back({"SubscriptionWithRetainAsPublished", s});
  }
  {
    subscribe s;
    s.packet_id = 1;
    subscription sub;
    sub.topic_filter = "a";
    sub.retain_handling = retain_handling::dont_send;
    s.subscriptions = {sub};
    v.push_back({"SubscriptionWithRetainHandling", s});
  }
  {
    subscribe s;
    s.packet_id = 1;
    subscription sub;
    sub.topic_filter = "a";
    s.subscriptions = {sub};
    s.properties.subscription_identifier = 1;
    v.push_back({"SubscribeWithSubscriptionIdentifier", s});
  }
  {
    unsubscribe u;
    u.packet_id = 1;
    u.topic_filters = {"a"};
    u.properties.user_properties = {{"k", "v"}};
    v.push_back({"UnsubscribeWithUserProperty", u});
  }
  {
    mqtt::connect c = v311_connect();
    c.client_id = "c";
    c.properties.session_expiry_interval = 60;
    v.push_back({"ConnectWithSessionExpiryInterval", c});
  }
  {
    mqtt::connect c = v311_connect();
    c.client_id = "c";
    will_message w;
    w.topic = "t";
    w.properties.will_delay_interval = 5;
    c.will = w;
    v.push_back({"ConnectWithWillProperties", c});
  }
  {
    // 3.1.1 [MQTT-3.1.2-22]: if the user name flag is 0, the password flag must be 0.
    mqtt::connect c = v311_connect();
    c.client_id = "c";
    c.password = bytes{'p', 'w'};
    v.push_back({"ConnectPasswordWithoutUsername", c});
  }
  {
    connack a;
    a.reason = reason_code::banned;  // no 3.1.1 connect return code for 0x8A
    v.push_back({"ConnackWithReasonCodeWithoutReturnCode", a});
  }
  {
    connack a;
    a.properties.assigned_client_identifier = "x";
    v.push_back({"ConnackWithAssignedClientIdentifier", a});
  }
  {
    mqtt::disconnect d;
    d.reason = reason_code::disconnect_with_will_message;
    v.push_back({"DisconnectWithReasonCode", d});
  }
  {
    mqtt::disconnect d;
    d.properties.reason_string = "bye";
    v.push_back({"DisconnectWithReasonString", d});
  }
  return v;
}

std::string rejection_name(const testing::TestParamInfo<v311_rejection>& info) {
  return info.param.name;
}

class MqttV311RejectionVectors : public testing::TestWithParam<v311_rejection> {};

TEST_P(MqttV311RejectionVectors, EncodeFailsAndLeavesOutputUnchanged) {
  const v311_rejection& r = GetParam();
  bytes out{0xAA};  // a byte already in the buffer must stay the only one
  auto failure = encode(r.model, protocol_version::v3_1_1, out);
  EXPECT_TRUE(failure.has_value()) << "encoded as: " << hex_of(out);
  EXPECT_EQ(out, bytes{0xAA});
}

TEST_P(MqttV311RejectionVectors, EncodedSizeFails) {
  const v311_rejection& r = GetParam();
  auto size = encoded_size(r.model, protocol_version::v3_1_1);
  EXPECT_FALSE(size.ok()) << "size " << (size.ok() ? size.value() : 0);
}

INSTANTIATE_TEST_SUITE_P(Spec, MqttV311RejectionVectors, testing::ValuesIn(rejection_vectors()),
                         rejection_name);

}  // namespace
