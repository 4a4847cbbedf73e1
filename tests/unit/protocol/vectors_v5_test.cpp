// Byte-exact MQTT 5 test vectors, written by hand from the OASIS MQTT Version 5.0 standard (chapters 2 and
// 3), never produced by our encoder. Each round-trip vector pins both directions: decode_packet(bytes) gives
// the model, encode(model) gives exactly the bytes, and encoded_size(model) is the byte count. Decode-only
// vectors hold spec-valid long forms that our encoder writes shorter (it always emits the shortest form).
//
// Conventions of the comments: "RL" is the remaining length, "PL" a property length; ASCII text is written
// as character literals so string lengths can be counted at a glance. Properties of round-trip vectors are
// in the order of each struct's fields() in properties.hpp, which is the order the encoder writes.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
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
using v5_vector = vector_support::wire_vector;

// --- CONNECT (spec 3.1) -------------------------------------------------------------------------------

v5_vector connect_minimal() {
  mqtt::connect c;
  c.version = protocol_version::v5;
  c.client_id = "c1";
  c.keep_alive = 60;
  c.clean_start = true;
  return {"ConnectCleanStartNoPropertiesNoWill",
          wire({
              0x10, 0x0F,                      // CONNECT, RL 15
              0x00, 0x04, 'M', 'Q', 'T', 'T',  // protocol name "MQTT"
              0x05,                            // protocol level 5
              0x02,                            // connect flags: clean start
              0x00, 0x3C,                      // keep alive 60
              0x00,                            // PL 0
              0x00, 0x02, 'c', '1',            // client identifier "c1"
          }),
          c};
}

v5_vector connect_username_password_clean_start_false() {
  mqtt::connect c;
  c.version = protocol_version::v5;
  c.client_id = "dev";
  c.keep_alive = 30;
  c.clean_start = false;
  c.username = "u";
  c.password = bytes{0x01, 0x02, 0xFF};
  return {"ConnectUsernamePasswordCleanStartFalse",
          wire({
              0x10, 0x18,                         // CONNECT, RL 24 = 11 variable header + 13 payload
              0x00, 0x04, 'M',  'Q',  'T',  'T',  // protocol name "MQTT"
              0x05,                               // protocol level 5
              0xC0,                               // flags: user name (0x80), password (0x40), clean start 0
              0x00, 0x1E,                         // keep alive 30
              0x00,                               // PL 0
              0x00, 0x03, 'd',  'e',  'v',        // client identifier "dev"
              0x00, 0x01, 'u',                    // user name "u"
              0x00, 0x03, 0x01, 0x02, 0xFF,       // password: binary data of 3 bytes
          }),
          c};
}

v5_vector connect_password_without_username() {
  // MQTT 5 (3.1.2.9) allows a password with no user name, unlike 3.1.1.
  mqtt::connect c;
  c.version = protocol_version::v5;
  c.client_id = "p";
  c.keep_alive = 0;
  c.clean_start = true;
  c.password = bytes{0x00};
  return {"ConnectPasswordWithoutUsernameIsAllowedInV5",
          wire({
              0x10, 0x11,                       // CONNECT, RL 17 = 11 + 6
              0x00, 0x04, 'M',  'Q', 'T', 'T',  // protocol name "MQTT"
              0x05,                             // protocol level 5
              0x42,                             // flags: password (0x40), clean start (0x02)
              0x00, 0x00,                       // keep alive 0 (off)
              0x00,                             // PL 0
              0x00, 0x01, 'p',                  // client identifier "p"
              0x00, 0x01, 0x00,                 // password: one zero byte
          }),
          c};
}

v5_vector connect_will_qos1_retain() {
  mqtt::connect c;
  c.version = protocol_version::v5;
  c.client_id = "w";
  c.keep_alive = 10;
  c.clean_start = true;
  will_message w;
  w.topic = "w/t";
  w.payload = text("bye");
  w.qos = qos::at_least_once;
  w.retain = true;
  c.will = w;
  return {"ConnectWillQos1RetainNoWillProperties",
          wire({
              0x10, 0x19,                      // CONNECT, RL 25 = 11 + 14
              0x00, 0x04, 'M', 'Q', 'T', 'T',  // protocol name "MQTT"
              0x05,                            // protocol level 5
              0x2E,                       // flags: will retain 0x20, will QoS 1 0x08, will 0x04, clean 0x02
              0x00, 0x0A,                 // keep alive 10
              0x00,                       // PL 0
              0x00, 0x01, 'w',            // client identifier "w"
              0x00,                       // will PL 0
              0x00, 0x03, 'w', '/', 't',  // will topic "w/t"
              0x00, 0x03, 'b', 'y', 'e',  // will payload "bye"
          }),
          c};
}

v5_vector connect_all_properties_will_qos2() {
  mqtt::connect c;
  c.version = protocol_version::v5;
  c.client_id = "id";
  c.keep_alive = 300;
  c.clean_start = false;
  c.username = "user";
  c.password = bytes{'p', 'w'};
  c.properties.session_expiry_interval = 3600;
  c.properties.receive_maximum = 20;
  c.properties.maximum_packet_size = 4096;
  c.properties.topic_alias_maximum = 5;
  c.properties.request_response_information = true;
  c.properties.request_problem_information = false;
  c.properties.authentication_method = "TOK";
  c.properties.authentication_data = bytes{0x0A, 0x0B};
  c.properties.user_properties = {{"b", "1"}, {"a", "2"}};
  will_message w;
  w.topic = "wt";
  w.payload = text("gone");
  w.qos = qos::exactly_once;
  w.retain = false;
  w.properties.will_delay_interval = 5;
  w.properties.payload_format_indicator = payload_format::utf8;
  w.properties.message_expiry_interval = 60;
  w.properties.content_type = "txt";
  w.properties.response_topic = "r";
  w.properties.correlation_data = bytes{0xC0, 0xDE};
  w.properties.user_properties = {{"k", "w"}, {"k", "v"}};
  c.will = w;
  return {"ConnectAllConnectAndWillPropertiesWillQos2UsernamePassword",
          wire({
              0x10, 0x7A,                       // CONNECT, RL 122 = 56 variable header + 66 payload
              0x00, 0x04, 'M', 'Q', 'T', 'T',   // protocol name "MQTT"
              0x05,                             // protocol level 5
              0xD4,                             // flags: user 0x80, password 0x40, will QoS 2 0x10, will 0x04
              0x01, 0x2C,                       // keep alive 300
              0x2D,                             // PL 45
              0x11, 0x00, 0x00, 0x0E, 0x10,     // session expiry interval 3600          (5)
              0x21, 0x00, 0x14,                 // receive maximum 20                    (3)
              0x27, 0x00, 0x00, 0x10, 0x00,     // maximum packet size 4096              (5)
              0x22, 0x00, 0x05,                 // topic alias maximum 5                 (3)
              0x19, 0x01,                       // request response information 1        (2)
              0x17, 0x00,                       // request problem information 0         (2)
              0x15, 0x00, 0x03, 'T', 'O', 'K',  // authentication method "TOK"           (6)
              0x16, 0x00, 0x02, 0x0A, 0x0B,     // authentication data 0A 0B             (5)
              0x26, 0x00, 0x01, 'b', 0x00, 0x01, '1',  // user property b=1                 (7)
              0x26, 0x00, 0x01, 'a', 0x00, 0x01, '2',  // user property a=2, order kept     (7)
              // payload
              0x00, 0x02, 'i', 'd',                    // client identifier "id"                (4)
              0x29,                                    // will PL 41                            (1)
              0x18, 0x00, 0x00, 0x00, 0x05,            // will delay interval 5                 (5)
              0x01, 0x01,                              // payload format indicator 1 (UTF-8)    (2)
              0x02, 0x00, 0x00, 0x00, 0x3C,            // message expiry interval 60            (5)
              0x03, 0x00, 0x03, 't', 'x', 't',         // content type "txt"                    (6)
              0x08, 0x00, 0x01, 'r',                   // response topic "r"                    (4)
              0x09, 0x00, 0x02, 0xC0, 0xDE,            // correlation data C0 DE                (5)
              0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'w',  // user property k=w                 (7)
              0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v',  // user property k=v, same key again (7)
              0x00, 0x02, 'w', 't',                    // will topic "wt"                       (4)
              0x00, 0x04, 'g', 'o', 'n', 'e',          // will payload "gone"                   (6)
              0x00, 0x04, 'u', 's', 'e', 'r',          // user name "user"                      (6)
              0x00, 0x02, 'p', 'w',                    // password "pw"                         (4)
          }),
          c};
}

// --- CONNACK (spec 3.2) -------------------------------------------------------------------------------

v5_vector connack_minimal() {
  connack a;
  return {"ConnackSuccessNoProperties",
          wire({
              0x20, 0x03,  // CONNACK, RL 3
              0x00,        // acknowledge flags: session present 0
              0x00,        // reason code 0x00 success
              0x00,        // PL 0
          }),
          a};
}

v5_vector connack_session_present() {
  connack a;
  a.session_present = true;
  return {"ConnackSessionPresent",
          wire({
              0x20, 0x03,  // CONNACK, RL 3
              0x01,        // acknowledge flags: session present 1
              0x00,        // reason code 0x00 success
              0x00,        // PL 0
          }),
          a};
}

v5_vector connack_not_authorized() {
  connack a;
  a.reason = reason_code::not_authorized;
  return {"ConnackFailureReasonNotAuthorized",
          wire({
              0x20, 0x03,  // CONNACK, RL 3
              0x00,        // acknowledge flags: session present 0
              0x87,        // reason code 0x87 not authorized
              0x00,        // PL 0
          }),
          a};
}

v5_vector connack_all_properties() {
  connack a;
  a.properties.session_expiry_interval = 120;
  a.properties.receive_maximum = 10;
  a.properties.maximum_qos = qos::at_least_once;
  a.properties.retain_available = false;
  a.properties.maximum_packet_size = 65536;
  a.properties.assigned_client_identifier = "ab12";
  a.properties.topic_alias_maximum = 8;
  a.properties.reason_string = "ok";
  a.properties.user_properties = {{"x", "1"}};
  a.properties.wildcard_subscription_available = true;
  a.properties.subscription_identifiers_available = false;
  a.properties.shared_subscription_available = true;
  a.properties.server_keep_alive = 30;
  a.properties.response_information = "ri";
  a.properties.server_reference = "s2";
  a.properties.authentication_method = "TOK";
  a.properties.authentication_data = bytes{0xFF};
  return {"ConnackAllSeventeenProperties",
          wire({
              0x20, 0x47,                               // CONNACK, RL 71 = 3 + 68
              0x00,                                     // acknowledge flags 0
              0x00,                                     // reason code success
              0x44,                                     // PL 68
              0x11, 0x00, 0x00, 0x00, 0x78,             // session expiry interval 120           (5)
              0x21, 0x00, 0x0A,                         // receive maximum 10                    (3)
              0x24, 0x01,                               // maximum QoS 1                         (2)
              0x25, 0x00,                               // retain available 0                    (2)
              0x27, 0x00, 0x01, 0x00, 0x00,             // maximum packet size 65536             (5)
              0x12, 0x00, 0x04, 'a',  'b',  '1',  '2',  // assigned client identifier "ab12"   (7)
              0x22, 0x00, 0x08,                         // topic alias maximum 8                 (3)
              0x1F, 0x00, 0x02, 'o',  'k',              // reason string "ok"                    (5)
              0x26, 0x00, 0x01, 'x',  0x00, 0x01, '1',  // user property x=1                 (7)
              0x28, 0x01,                               // wildcard subscription available 1     (2)
              0x29, 0x00,                               // subscription identifiers available 0  (2)
              0x2A, 0x01,                               // shared subscription available 1       (2)
              0x13, 0x00, 0x1E,                         // server keep alive 30                  (3)
              0x1A, 0x00, 0x02, 'r',  'i',              // response information "ri"             (5)
              0x1C, 0x00, 0x02, 's',  '2',              // server reference "s2"                 (5)
              0x15, 0x00, 0x03, 'T',  'O',  'K',        // authentication method "TOK"           (6)
              0x16, 0x00, 0x01, 0xFF,                   // authentication data FF                (4)
          }),
          a};
}

// --- PUBLISH (spec 3.3) -------------------------------------------------------------------------------

v5_vector publish_qos0() {
  publish p;
  p.topic = "a/b";
  p.payload = text("hi");
  return {"PublishQos0HasNoPacketIdentifier",
          wire({
              0x30, 0x08,                 // PUBLISH QoS 0, RL 8
              0x00, 0x03, 'a', '/', 'b',  // topic name "a/b"
              0x00,                       // PL 0
              'h', 'i',                   // payload "hi"
          }),
          p};
}

v5_vector publish_qos1_dup_retain_empty_payload() {
  publish p;
  p.topic = "t";
  p.qos = qos::at_least_once;
  p.dup = true;
  p.retain = true;
  p.packet_id = 10;
  return {"PublishQos1DupRetainEmptyPayload",
          wire({
              0x3B, 0x06,       // PUBLISH: DUP 0x08, QoS 1 0x02, RETAIN 0x01; RL 6
              0x00, 0x01, 't',  // topic name "t"
              0x00, 0x0A,       // packet identifier 10
              0x00,             // PL 0; zero-length payload follows
          }),
          p};
}

v5_vector publish_qos2_all_properties() {
  publish p;
  p.topic = "s/x";
  p.qos = qos::exactly_once;
  p.packet_id = 7;
  p.payload = text("on");
  p.properties.payload_format_indicator = payload_format::utf8;
  p.properties.message_expiry_interval = 300;
  p.properties.topic_alias = 3;
  p.properties.response_topic = "re/p";
  p.properties.correlation_data = bytes{0x01, 0x02, 0x03};
  p.properties.user_properties = {{"z", "1"}, {"a", "2"}, {"z", "3"}};
  p.properties.subscription_identifiers = {1, 200, 268'435'455};
  p.properties.content_type = "t";
  return {"PublishQos2AllPropertiesThreeSubscriptionIdentifiers",
          wire({
              0x34, 0x44,                               // PUBLISH QoS 2 (0x04), RL 68 = 5 + 2 + 59 + 2
              0x00, 0x03, 's',  '/',  'x',              // topic name "s/x"                      (5)
              0x00, 0x07,                               // packet identifier 7                   (2)
              0x3A,                                     // PL 58                                 (1)
              0x01, 0x01,                               // payload format indicator 1            (2)
              0x02, 0x00, 0x00, 0x01, 0x2C,             // message expiry interval 300           (5)
              0x23, 0x00, 0x03,                         // topic alias 3                         (3)
              0x08, 0x00, 0x04, 'r',  'e',  '/',  'p',  // response topic "re/p"               (7)
              0x09, 0x00, 0x03, 0x01, 0x02, 0x03,       // correlation data 01 02 03             (6)
              0x26, 0x00, 0x01, 'z',  0x00, 0x01, '1',  // user property z=1                 (7)
              0x26, 0x00, 0x01, 'a',  0x00, 0x01, '2',  // user property a=2                 (7)
              0x26, 0x00, 0x01, 'z',  0x00, 0x01, '3',  // user property z=3 (repeated key)  (7)
              0x0B, 0x01,                               // subscription identifier 1             (2)
              0x0B, 0xC8, 0x01,                         // subscription identifier 200 (VBI)     (3)
              0x0B, 0xFF, 0xFF, 0xFF, 0x7F,             // subscription identifier 268435455     (5)
              0x03, 0x00, 0x01, 't',                    // content type "t"                      (4)
              'o',  'n',                                // payload "on"                          (2)
          }),
          p};
}

v5_vector publish_topic_alias_empty_topic() {
  // 3.3.2.1: a zero-length topic name is allowed when a topic alias is set.
  publish p;
  p.topic = "";
  p.payload = text("x");
  p.properties.topic_alias = 5;
  return {"PublishEmptyTopicNameWithTopicAlias",
          wire({
              0x30, 0x07,        // PUBLISH QoS 0, RL 7
              0x00, 0x00,        // topic name: zero length
              0x03,              // PL 3
              0x23, 0x00, 0x05,  // topic alias 5
              'x',               // payload "x"
          }),
          p};
}

v5_vector publish_two_byte_remaining_length() {
  publish p;
  p.topic = "a";
  p.payload = shared_bytes(bytes(200, 'x'));
  return {"PublishTwoByteRemainingLength",
          concat(wire({
                     0x30, 0xCC, 0x01,  // PUBLISH QoS 0, RL 204 = 0x4C + 128 * 1 -> CC 01
                     0x00, 0x01, 'a',   // topic name "a"       (3)
                     0x00,              // PL 0                 (1)
                 }),
                 bytes(200, 'x')),  // payload: 200 bytes 'x'  (200)
          p};
}

// --- PUBACK, PUBREC, PUBREL, PUBCOMP (spec 3.4 - 3.7) -------------------------------------------------

v5_vector puback_minimal() {
  puback a;
  a.packet_id = 1;
  return {"PubackSuccessWithoutPropertiesIsTwoBytes",
          wire({
              0x40, 0x02,  // PUBACK, RL 2: reason code and PL omitted (3.4.2.1)
              0x00, 0x01,  // packet identifier 1
          }),
          a};
}

v5_vector puback_reason_only() {
  puback a;
  a.packet_id = 2;
  a.reason = reason_code::no_matching_subscribers;
  return {"PubackReasonCodeOnlyOmitsPropertyLength",
          wire({
              0x40, 0x03,  // PUBACK, RL 3: no PL (3.4.2.2.1, RL < 4)
              0x00, 0x02,  // packet identifier 2
              0x10,        // reason code 0x10 no matching subscribers
          }),
          a};
}

v5_vector puback_reason_string_user_property() {
  puback a;
  a.packet_id = 3;
  a.reason = reason_code::quota_exceeded;
  a.properties.reason_string = "bad";
  a.properties.user_properties = {{"k", "v"}};
  return {"PubackFailureWithReasonStringAndUserProperty",
          wire({
              0x40, 0x11,                              // PUBACK, RL 17 = 2 + 1 + 1 + 13
              0x00, 0x03,                              // packet identifier 3
              0x97,                                    // reason code 0x97 quota exceeded
              0x0D,                                    // PL 13
              0x1F, 0x00, 0x03, 'b', 'a',  'd',        // reason string "bad"       (6)
              0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v',  // user property k=v     (7)
          }),
          a};
}

v5_vector pubrec_minimal() {
  pubrec a;
  a.packet_id = 5;
  return {"PubrecSuccessWithoutPropertiesIsTwoBytes",
          wire({
              0x50, 0x02,  // PUBREC, RL 2
              0x00, 0x05,  // packet identifier 5
          }),
          a};
}

v5_vector pubrec_reason_string() {
  pubrec a;
  a.packet_id = 5;
  a.reason = reason_code::no_matching_subscribers;
  a.properties.reason_string = "no";
  return {"PubrecReasonCodeWithReasonString",
          wire({
              0x50, 0x09,                  // PUBREC, RL 9 = 2 + 1 + 1 + 5
              0x00, 0x05,                  // packet identifier 5
              0x10,                        // reason code 0x10 no matching subscribers
              0x05,                        // PL 5
              0x1F, 0x00, 0x02, 'n', 'o',  // reason string "no"
          }),
          a};
}

v5_vector pubrec_success_with_user_property() {
  pubrec a;
  a.packet_id = 6;
  a.properties.user_properties = {{"k", "v"}};
  return {"PubrecSuccessWithPropertiesKeepsReasonCode",
          wire({
              0x50, 0x0B,                              // PUBREC, RL 11 = 2 + 1 + 1 + 7
              0x00, 0x06,                              // packet identifier 6
              0x00,                                    // reason code success (needed before PL)
              0x07,                                    // PL 7
              0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v',  // user property k=v
          }),
          a};
}

v5_vector pubrel_minimal() {
  pubrel a;
  a.packet_id = 5;
  return {"PubrelSuccessWithoutPropertiesIsTwoBytes",
          wire({
              0x62, 0x02,  // PUBREL (flags 0010), RL 2
              0x00, 0x05,  // packet identifier 5
          }),
          a};
}

v5_vector pubrel_reason_only() {
  pubrel a;
  a.packet_id = 5;
  a.reason = reason_code::packet_identifier_not_found;
  return {"PubrelReasonCodeOnlyOmitsPropertyLength",
          wire({
              0x62, 0x03,  // PUBREL (flags 0010), RL 3
              0x00, 0x05,  // packet identifier 5
              0x92,        // reason code 0x92 packet identifier not found
          }),
          a};
}

v5_vector pubcomp_minimal() {
  pubcomp a;
  a.packet_id = 5;
  return {"PubcompSuccessWithoutPropertiesIsTwoBytes",
          wire({
              0x70, 0x02,  // PUBCOMP, RL 2
              0x00, 0x05,  // packet identifier 5
          }),
          a};
}

v5_vector pubcomp_reason_string() {
  pubcomp a;
  a.packet_id = 5;
  a.reason = reason_code::packet_identifier_not_found;
  a.properties.reason_string = "gone";
  return {"PubcompReasonCodeWithReasonString",
          wire({
              0x70, 0x0B,                            // PUBCOMP, RL 11 = 2 + 1 + 1 + 7
              0x00, 0x05,                            // packet identifier 5
              0x92,                                  // reason code 0x92 packet identifier not found
              0x07,                                  // PL 7
              0x1F, 0x00, 0x04, 'g', 'o', 'n', 'e',  // reason string "gone"
          }),
          a};
}

// --- SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK (spec 3.8 - 3.11) ---------------------------------------

v5_vector subscribe_minimal() {
  subscribe s;
  s.packet_id = 11;
  subscription sub;
  sub.topic_filter = "a/#";
  sub.max_qos = qos::at_least_once;
  s.subscriptions = {sub};
  return {"SubscribeOneFilterNoProperties",
          wire({
              0x82, 0x09,                 // SUBSCRIBE (flags 0010), RL 9
              0x00, 0x0B,                 // packet identifier 11
              0x00,                       // PL 0
              0x00, 0x03, 'a', '/', '#',  // topic filter "a/#"
              0x01,                       // options: QoS 1
          }),
          s};
}

v5_vector subscribe_options_and_properties() {
  subscribe s;
  s.packet_id = 11;
  s.properties.subscription_identifier = 129;
  s.properties.user_properties = {{"k", "v"}};
  subscription a;
  a.topic_filter = "a/+";
  a.max_qos = qos::exactly_once;
  a.no_local = true;
  a.retain_as_published = true;
  a.retain_handling = retain_handling::dont_send;
  subscription shared;
  shared.topic_filter = "$share/g/t";
  shared.max_qos = qos::at_most_once;
  shared.retain_handling = retain_handling::send_on_new_subscribe;
  subscription b;
  b.topic_filter = "b";
  b.max_qos = qos::at_least_once;
  s.subscriptions = {a, shared, b};
  return {"SubscribeAllOptionBitsSharedFilterSubscriptionIdentifier",
          wire({
              0x82, 0x24,                              // SUBSCRIBE, RL 36 = 2 + 1 + 10 + 6 + 13 + 4
              0x00, 0x0B,                              // packet identifier 11
              0x0A,                                    // PL 10
              0x0B, 0x81, 0x01,                        // subscription identifier 129 (VBI 81 01)  (3)
              0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v',  // user property k=v                        (7)
              0x00, 0x03, 'a',  '/', '+',              // topic filter "a/+"
              0x2E,  // options: retain handling 2 (0x20), RAP 0x08, NL 0x04, QoS 2 0x02
              0x00, 0x0A, '$',  's', 'h',  'a',  'r', 'e', '/', 'g', '/', 't',  // "$share/g/t"
              0x10,             // options: retain handling 1 (0x10), QoS 0
              0x00, 0x01, 'b',  // topic filter "b"
              0x01,             // options: QoS 1
          }),
          s};
}

v5_vector suback_granted() {
  suback s;
  s.packet_id = 11;
  s.reason_codes = {reason_code::success, reason_code::granted_qos_1, reason_code::granted_qos_2,
                    reason_code::unspecified_error};
  return {"SubackGrantedQosCodesAndUnspecifiedError",
          wire({
              0x90, 0x07,              // SUBACK, RL 7
              0x00, 0x0B,              // packet identifier 11
              0x00,                    // PL 0
              0x00, 0x01, 0x02, 0x80,  // granted QoS 0, 1, 2; 0x80 unspecified error
          }),
          s};
}

v5_vector suback_failures_with_properties() {
  suback s;
  s.packet_id = 11;
  s.properties.reason_string = "n";
  s.properties.user_properties = {{"k", "v"}};
  s.reason_codes = {reason_code::not_authorized, reason_code::topic_filter_invalid,
                    reason_code::shared_subscriptions_not_supported,
                    reason_code::subscription_identifiers_not_supported,
                    reason_code::wildcard_subscriptions_not_supported};
  return {"SubackFailureCodesWithReasonStringAndUserProperty",
          wire({
              0x90, 0x13,                               // SUBACK, RL 19 = 2 + 1 + 11 + 5
              0x00, 0x0B,                               // packet identifier 11
              0x0B,                                     // PL 11
              0x1F, 0x00, 0x01, 'n',                    // reason string "n"       (4)
              0x26, 0x00, 0x01, 'k',  0x00, 0x01, 'v',  // user property k=v       (7)
              0x87, 0x8F, 0x9E, 0xA1, 0xA2,             // not authorized, topic filter invalid, shared subs /
                                                        // subscription ids / wildcards not supported
          }),
          s};
}

v5_vector unsubscribe_minimal() {
  unsubscribe u;
  u.packet_id = 12;
  u.topic_filters = {"a/b", "c"};
  return {"UnsubscribeTwoFiltersNoProperties",
          wire({
              0xA2, 0x0B,                 // UNSUBSCRIBE (flags 0010), RL 11
              0x00, 0x0C,                 // packet identifier 12
              0x00,                       // PL 0
              0x00, 0x03, 'a', '/', 'b',  // topic filter "a/b"
              0x00, 0x01, 'c',            // topic filter "c"
          }),
          u};
}

v5_vector unsubscribe_repeated_user_properties() {
  unsubscribe u;
  u.packet_id = 13;
  u.properties.user_properties = {{"k", "v"}, {"k", "v"}};
  u.topic_filters = {"x"};
  return {"UnsubscribeIdenticalUserPropertiesBothKept",
          wire({
              0xA2, 0x14,                              // UNSUBSCRIBE, RL 20 = 2 + 1 + 14 + 3
              0x00, 0x0D,                              // packet identifier 13
              0x0E,                                    // PL 14
              0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v',  // user property k=v
              0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v',  // user property k=v again (allowed, 3.10.2.1.2)
              0x00, 0x01, 'x',                         // topic filter "x"
          }),
          u};
}

v5_vector unsuback_minimal() {
  unsuback u;
  u.packet_id = 12;
  u.reason_codes = {reason_code::success, reason_code::no_subscription_existed};
  return {"UnsubackReasonCodesNoProperties",
          wire({
              0xB0, 0x05,  // UNSUBACK, RL 5
              0x00, 0x0C,  // packet identifier 12
              0x00,        // PL 0
              0x00, 0x11,  // success; 0x11 no subscription existed
          }),
          u};
}

v5_vector unsuback_reason_string() {
  unsuback u;
  u.packet_id = 13;
  u.properties.reason_string = "r";
  u.reason_codes = {reason_code::not_authorized};
  return {"UnsubackFailureWithReasonString",
          wire({
              0xB0, 0x08,             // UNSUBACK, RL 8 = 2 + 1 + 4 + 1
              0x00, 0x0D,             // packet identifier 13
              0x04,                   // PL 4
              0x1F, 0x00, 0x01, 'r',  // reason string "r"
              0x87,                   // 0x87 not authorized
          }),
          u};
}

// --- PINGREQ, PINGRESP, DISCONNECT, AUTH (spec 3.12 - 3.15) -------------------------------------------

v5_vector pingreq_vector() {
  return {"PingreqIsTwoBytes", wire({0xC0, 0x00}), pingreq{}};  // PINGREQ, RL 0
}

v5_vector pingresp_vector() {
  return {"PingrespIsTwoBytes", wire({0xD0, 0x00}), pingresp{}};  // PINGRESP, RL 0
}

v5_vector disconnect_minimal() {
  return {"DisconnectNormalWithoutPropertiesHasRemainingLengthZero",
          wire({0xE0, 0x00}),  // DISCONNECT, RL 0: normal disconnection (3.14.2.1)
          mqtt::disconnect{}};
}

v5_vector disconnect_reason_only() {
  mqtt::disconnect d;
  d.reason = reason_code::disconnect_with_will_message;
  return {"DisconnectReasonCodeOnlyOmitsPropertyLength",
          wire({
              0xE0, 0x01,  // DISCONNECT, RL 1: no PL (3.14.2.2.1, RL < 2)
              0x04,        // reason code 0x04 disconnect with will message
          }),
          d};
}

v5_vector disconnect_all_properties() {
  mqtt::disconnect d;
  d.reason = reason_code::use_another_server;
  d.properties.session_expiry_interval = 10;
  d.properties.reason_string = "bye";
  d.properties.user_properties = {{"k", "v"}};
  d.properties.server_reference = "s2";
  return {"DisconnectAllProperties",
          wire({
              0xE0, 0x19,                               // DISCONNECT, RL 25 = 1 + 1 + 23
              0x9C,                                     // reason code 0x9C use another server
              0x17,                                     // PL 23
              0x11, 0x00, 0x00, 0x00, 0x0A,             // session expiry interval 10  (5)
              0x1F, 0x00, 0x03, 'b',  'y',  'e',        // reason string "bye"         (6)
              0x26, 0x00, 0x01, 'k',  0x00, 0x01, 'v',  // user property k=v          (7)
              0x1C, 0x00, 0x02, 's',  '2',              // server reference "s2"       (5)
          }),
          d};
}

v5_vector auth_minimal() {
  return {"AuthSuccessWithoutPropertiesHasRemainingLengthZero",
          wire({0xF0, 0x00}),  // AUTH, RL 0: success, no properties (3.15.2.1)
          auth{}};
}

v5_vector auth_all_properties() {
  auth a;
  a.reason = reason_code::continue_authentication;
  a.properties.authentication_method = "TOK";
  a.properties.authentication_data = bytes{0x01, 0x02};
  a.properties.reason_string = "c";
  a.properties.user_properties = {{"k", "v"}};
  return {"AuthContinueWithAllProperties",
          wire({
              0xF0, 0x18,                               // AUTH, RL 24 = 1 + 1 + 22
              0x18,                                     // reason code 0x18 continue authentication
              0x16,                                     // PL 22
              0x15, 0x00, 0x03, 'T',  'O',  'K',        // authentication method "TOK"  (6)
              0x16, 0x00, 0x02, 0x01, 0x02,             // authentication data 01 02    (5)
              0x1F, 0x00, 0x01, 'c',                    // reason string "c"            (4)
              0x26, 0x00, 0x01, 'k',  0x00, 0x01, 'v',  // user property k=v           (7)
          }),
          a};
}

v5_vector auth_reauthenticate() {
  auth a;
  a.reason = reason_code::re_authenticate;
  a.properties.authentication_method = "TOK";
  return {"AuthReAuthenticateWithMethod",
          wire({
              0xF0, 0x08,                       // AUTH, RL 8 = 1 + 1 + 6
              0x19,                             // reason code 0x19 re-authenticate
              0x06,                             // PL 6
              0x15, 0x00, 0x03, 'T', 'O', 'K',  // authentication method "TOK"
          }),
          a};
}

std::vector<v5_vector> round_trip_vectors() {
  return {
      connect_minimal(),
      connect_username_password_clean_start_false(),
      connect_password_without_username(),
      connect_will_qos1_retain(),
      connect_all_properties_will_qos2(),
      connack_minimal(),
      connack_session_present(),
      connack_not_authorized(),
      connack_all_properties(),
      publish_qos0(),
      publish_qos1_dup_retain_empty_payload(),
      publish_qos2_all_properties(),
      publish_topic_alias_empty_topic(),
      publish_two_byte_remaining_length(),
      puback_minimal(),
      puback_reason_only(),
      puback_reason_string_user_property(),
      pubrec_minimal(),
      pubrec_reason_string(),
      pubrec_success_with_user_property(),
      pubrel_minimal(),
      pubrel_reason_only(),
      pubcomp_minimal(),
      pubcomp_reason_string(),
      subscribe_minimal(),
      subscribe_options_and_properties(),
      suback_granted(),
      suback_failures_with_properties(),
      unsubscribe_minimal(),
      unsubscribe_repeated_user_properties(),
      unsuback_minimal(),
      unsuback_reason_string(),
      pingreq_vector(),
      pingresp_vector(),
      disconnect_minimal(),
      disconnect_reason_only(),
      disconnect_all_properties(),
      auth_minimal(),
      auth_all_properties(),
      auth_reauthenticate(),
  };
}

// Spec-valid long forms our encoder writes shorter, and property orders it does not use: decode only.
std::vector<v5_vector> decode_only_vectors() {
  std::vector<v5_vector> v;
  {
    puback a;
    a.packet_id = 1;
    v.push_back({"PubackExplicitSuccessAndZeroPropertyLength",
                 wire({
                     0x40, 0x04,  // PUBACK, RL 4
                     0x00, 0x01,  // packet identifier 1
                     0x00,        // reason code success
                     0x00,        // PL 0
                 }),
                 a});
  }
  {
    puback a;
    a.packet_id = 1;
    v.push_back({"PubackExplicitSuccessWithoutPropertyLength",
                 wire({
                     0x40, 0x03,  // PUBACK, RL 3
                     0x00, 0x01,  // packet identifier 1
                     0x00,        // reason code success; PL absent, so 0
                 }),
                 a});
  }
  {
    puback a;
    a.packet_id = 2;
    a.reason = reason_code::no_matching_subscribers;
    v.push_back({"PubackReasonCodeAndZeroPropertyLength",
                 wire({
                     0x40, 0x04,  // PUBACK, RL 4
                     0x00, 0x02,  // packet identifier 2
                     0x10,        // reason code 0x10 no matching subscribers
                     0x00,        // PL 0
                 }),
                 a});
  }
  {
    pubrec a;
    a.packet_id = 5;
    v.push_back({"PubrecExplicitSuccessAndZeroPropertyLength",
                 wire({0x50, 0x04, 0x00, 0x05, 0x00, 0x00}),  // PUBREC RL 4, id 5, success, PL 0
                 a});
  }
  {
    pubrel a;
    a.packet_id = 5;
    v.push_back({"PubrelExplicitSuccessAndZeroPropertyLength",
                 wire({0x62, 0x04, 0x00, 0x05, 0x00, 0x00}),  // PUBREL RL 4, id 5, success, PL 0
                 a});
  }
  {
    pubcomp a;
    a.packet_id = 5;
    v.push_back({"PubcompExplicitSuccessAndZeroPropertyLength",
                 wire({0x70, 0x04, 0x00, 0x05, 0x00, 0x00}),  // PUBCOMP RL 4, id 5, success, PL 0
                 a});
  }
  v.push_back({"DisconnectExplicitNormalWithoutPropertyLength",
               wire({0xE0, 0x01, 0x00}),  // DISCONNECT RL 1, reason code 0x00 normal disconnection
               mqtt::disconnect{}});
  v.push_back({"DisconnectExplicitNormalAndZeroPropertyLength",
               wire({0xE0, 0x02, 0x00, 0x00}),  // DISCONNECT RL 2, normal disconnection, PL 0
               mqtt::disconnect{}});
  v.push_back({"AuthExplicitSuccessAndZeroPropertyLength",
               wire({0xF0, 0x02, 0x00, 0x00}),  // AUTH RL 2, success, PL 0
               auth{}});
  {
    publish p;
    p.topic = "t";
    p.payload = text("p");
    p.properties.payload_format_indicator = payload_format::utf8;
    p.properties.message_expiry_interval = 10;
    p.properties.content_type = "t";
    v.push_back({"PublishPropertiesInAnyOrder",
                 wire({
                     0x30, 0x10,                    // PUBLISH QoS 0, RL 16 = 3 + 1 + 11 + 1
                     0x00, 0x01, 't',               // topic name "t"
                     0x0B,                          // PL 11
                     0x03, 0x00, 0x01, 't',         // content type "t" (first here)  (4)
                     0x01, 0x01,                    // payload format indicator 1     (2)
                     0x02, 0x00, 0x00, 0x00, 0x0A,  // message expiry interval 10     (5)
                     'p',                           // payload "p"
                 }),
                 p});
  }
  {
    connack a;
    a.properties.user_properties = {{"k", "v"}};
    a.properties.session_expiry_interval = 1;
    v.push_back({"ConnackPropertiesInAnyOrder",
                 wire({
                     0x20, 0x0F,                              // CONNACK, RL 15 = 3 + 12
                     0x00, 0x00,                              // flags 0, success
                     0x0C,                                    // PL 12
                     0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v',  // user property k=v           (7)
                     0x11, 0x00, 0x00, 0x00, 0x01,            // session expiry interval 1   (5)
                 }),
                 a});
  }
  return v;
}

class MqttV5SpecVectors : public testing::TestWithParam<v5_vector> {};

TEST_P(MqttV5SpecVectors, DecodesToTheExpectedModel) {
  EXPECT_TRUE(decodes_to_model(GetParam(), protocol_version::v5));
}

TEST_P(MqttV5SpecVectors, EncodesToExactlyTheSpecBytesOfTheSpecSize) {
  EXPECT_TRUE(encodes_to_wire(GetParam(), protocol_version::v5));
}

INSTANTIATE_TEST_SUITE_P(Spec, MqttV5SpecVectors, testing::ValuesIn(round_trip_vectors()), vector_name);

class MqttV5DecodeOnlySpecVectors : public testing::TestWithParam<v5_vector> {};

TEST_P(MqttV5DecodeOnlySpecVectors, LongFormDecodesToTheSameModel) {
  EXPECT_TRUE(decodes_to_model(GetParam(), protocol_version::v5));
}

INSTANTIATE_TEST_SUITE_P(Spec, MqttV5DecodeOnlySpecVectors, testing::ValuesIn(decode_only_vectors()),
                         vector_name);

// The round-trip table must reach every packet type and every property identifier at least once.
TEST(MqttV5SpecVectorCoverage, EveryPacketTypeAndPropertyIdentifierAppears) {
  std::vector<bool> types(16, false);
  for (const auto& v : round_trip_vectors()) types[static_cast<std::size_t>(type_of(v.model))] = true;
  for (std::size_t t = 1; t <= 15; ++t) EXPECT_TRUE(types[t]) << "no vector of packet type " << t;

  // Every property identifier must appear in some round-trip model; the visitor records the set fields.
  std::vector<bool> seen(0x2B, false);
  auto record = [&seen](const auto& props) {
    std::decay_t<decltype(props)>::fields(props, [&seen](property_id id, const auto& field) {
      using field_type = std::decay_t<decltype(field)>;
      if constexpr (std::is_same_v<field_type, user_properties> ||
                    std::is_same_v<field_type, std::vector<std::uint32_t>>) {
        if (!field.empty()) seen[static_cast<std::size_t>(id)] = true;
      } else {
        if (field.has_value()) seen[static_cast<std::size_t>(id)] = true;
      }
    });
  };
  for (const auto& v : round_trip_vectors()) {
    std::visit(
        [&record](const auto& p) {
          using packet_kind = std::decay_t<decltype(p)>;
          if constexpr (std::is_same_v<packet_kind, mqtt::connect>) {
            record(p.properties);
            if (p.will) record(p.will->properties);
          } else if constexpr (!std::is_same_v<packet_kind, pingreq> &&
                               !std::is_same_v<packet_kind, pingresp>) {
            record(p.properties);
          }
        },
        v.model);
  }
  const std::uint8_t all_ids[] = {0x01, 0x02, 0x03, 0x08, 0x09, 0x0B, 0x11, 0x12, 0x13,
                                  0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1C, 0x1F, 0x21,
                                  0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2A};
  static_assert(sizeof(all_ids) == 27, "MQTT 5 defines 27 property identifiers");
  for (std::uint8_t id : all_ids) EXPECT_TRUE(seen[id]) << "no vector carries property 0x" << std::hex << +id;
}

}  // namespace
