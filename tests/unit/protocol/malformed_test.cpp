// Malformed input: every test feeds one packet with exactly one fault to decode_packet() and to a
// stream_decoder (in one chunk and one byte at a time) and pins the reason code the receiver must use,
// and that the error message names the faulty field.
//
// Each input is written out byte by byte. Everything but the one fault is valid: the remaining length is
// counted by hand in the comments, and the valid twins of the inputs decode in
// malformed.control_inputs_decode_successfully.

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "iotactor/protocol.hpp"

using namespace iotactor::protocol;

namespace {

constexpr protocol_version v5 = protocol_version::v5;
constexpr protocol_version v311 = protocol_version::v3_1_1;

using words = std::initializer_list<std::string_view>;

std::string hex(const bytes& b) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string s;
  for (std::uint8_t byte : b) {
    if (!s.empty()) s += ' ';
    s += digits[byte >> 4U];
    s += digits[byte & 0x0FU];
  }
  return s;
}

std::string code_name(reason_code rc) {
  std::ostringstream os;
  os << "0x" << std::hex << static_cast<unsigned>(rc) << " (" << to_string(rc) << ")";
  return os.str();
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  return out;
}

/// The message is non-empty and mentions (case-insensitively) at least one of the words.
::testing::AssertionResult names_field(const error& e, words field_words) {
  if (e.message.empty()) return ::testing::AssertionFailure() << "the error message is empty";
  const std::string message = lower(e.message);
  for (std::string_view w : field_words) {
    if (message.find(lower(w)) != std::string::npos) return ::testing::AssertionSuccess();
  }
  auto failure = ::testing::AssertionFailure();
  failure << "the message \"" << e.message << "\" names none of:";
  for (std::string_view w : field_words) failure << " \"" << w << "\"";
  return failure;
}

::testing::AssertionResult decode_packet_rejects(const bytes& input, protocol_version version,
                                                 reason_code expected, words field_words) {
  auto r = decode_packet(input.data(), input.size(), version);
  if (r.ok()) {
    return ::testing::AssertionFailure()
           << "decode_packet accepted [" << hex(input) << "] as: " << describe(r.value());
  }
  if (r.error().code != expected) {
    return ::testing::AssertionFailure()
           << "decode_packet([" << hex(input) << "]) returned " << code_name(r.error().code) << " \""
           << r.error().message << "\", expected " << code_name(expected);
  }
  auto named = names_field(r.error(), field_words);
  if (!named)
    return ::testing::AssertionFailure() << "decode_packet([" << hex(input) << "]): " << named.message();
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult stream_decoder_rejects(const bytes& input, protocol_version version,
                                                  reason_code expected, words field_words) {
  {  // The whole input in one chunk.
    stream_decoder decoder(version);
    std::vector<packet> out;
    auto e = decoder.feed(input.data(), input.size(), out);
    if (!e) {
      return ::testing::AssertionFailure() << "stream_decoder accepted [" << hex(input) << "] in one chunk, "
                                           << out.size() << " packet(s) out";
    }
    if (e->code != expected) {
      return ::testing::AssertionFailure()
             << "stream_decoder (one chunk) on [" << hex(input) << "] returned " << code_name(e->code)
             << " \"" << e->message << "\", expected " << code_name(expected);
    }
    if (!out.empty()) {
      return ::testing::AssertionFailure()
             << "stream_decoder yielded a packet from [" << hex(input) << "]: " << describe(out.front());
    }
    if (!decoder.failed()) return ::testing::AssertionFailure() << "stream_decoder.failed() is false";
    auto named = names_field(*e, field_words);
    if (!named) return ::testing::AssertionFailure() << "stream_decoder: " << named.message();
  }
  {  // One byte at a time.
    stream_decoder decoder(version);
    std::vector<packet> out;
    std::optional<error> e;
    for (std::size_t i = 0; i < input.size() && !e; ++i) e = decoder.feed(&input[i], 1, out);
    if (!e) {
      return ::testing::AssertionFailure() << "stream_decoder accepted [" << hex(input)
                                           << "] fed byte by byte, " << out.size() << " packet(s) out";
    }
    if (e->code != expected) {
      return ::testing::AssertionFailure()
             << "stream_decoder (byte by byte) on [" << hex(input) << "] returned " << code_name(e->code)
             << " \"" << e->message << "\", expected " << code_name(expected);
    }
    if (!out.empty()) {
      return ::testing::AssertionFailure() << "stream_decoder (byte by byte) yielded a packet from ["
                                           << hex(input) << "]: " << describe(out.front());
    }
  }
  return ::testing::AssertionSuccess();
}

/// decode_packet and stream_decoder both reject the single, complete packet in input.
::testing::AssertionResult rejects(const bytes& input, protocol_version version, reason_code expected,
                                   words field_words) {
  auto a = decode_packet_rejects(input, version, expected, field_words);
  if (!a) return a;
  return stream_decoder_rejects(input, version, expected, field_words);
}

constexpr reason_code malformed = reason_code::malformed_packet;
constexpr reason_code protocol_err = reason_code::protocol_error;

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// Controls: the valid twins of the malformed inputs below decode, so each malformed input pins one fault.
// ---------------------------------------------------------------------------------------------------------

TEST(malformed, control_inputs_decode_successfully) {
  struct control {
    const char* name;
    protocol_version version;
    bytes input;
    packet_type type;
  };
  const std::vector<control> controls{
      {"CONNECT v5, client id \"c\"",
       v5,
       {0x10, 0x0E, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x3C, 0x00, 0x00, 0x01, 0x63},
       packet_type::connect},
      {"CONNECT 3.1.1, client id \"c\"",
       v311,
       {0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01, 0x63},
       packet_type::connect},
      {"CONNECT 3.1.1 read at its own level by a v5 decoder",
       v5,
       {0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01, 0x63},
       packet_type::connect},
      {"CONNECT v5 with a will at QoS 1",
       v5,
       {0x10, 0x14, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x0E, 0x00,
        0x3C, 0x00, 0x00, 0x01, 0x63, 0x00, 0x00, 0x01, 0x77, 0x00, 0x00},
       packet_type::connect},
      {"CONNECT v5 with a will, payload format indicator 1",
       v5,
       {0x10, 0x16, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x06, 0x00, 0x3C,
        0x00, 0x00, 0x01, 0x63, 0x02, 0x01, 0x01, 0x00, 0x01, 0x77, 0x00, 0x00},
       packet_type::connect},
      {"CONNECT v5 with user name \"abc\"",
       v5,
       {0x10, 0x13, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x82, 0x00,
        0x3C, 0x00, 0x00, 0x01, 0x63, 0x00, 0x03, 0x61, 0x62, 0x63},
       packet_type::connect},
      {"CONNECT v5 with a password and no user name",
       v5,
       {0x10, 0x10, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x42, 0x00, 0x3C, 0x00, 0x00, 0x01, 0x63, 0x00,
        0x00},
       packet_type::connect},
      {"CONNECT 3.1.1 with user name and password",
       v311,
       {0x10, 0x13, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0xC2, 0x00,
        0x3C, 0x00, 0x01, 0x63, 0x00, 0x01, 0x75, 0x00, 0x01, 0x70},
       packet_type::connect},
      {"CONNECT v5, receive maximum 1, request problem information 1",
       v5,
       {0x10, 0x13, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00,
        0x3C, 0x05, 0x21, 0x00, 0x01, 0x17, 0x01, 0x00, 0x01, 0x63},
       packet_type::connect},
      {"CONNECT v5, one session expiry interval",
       v5,
       {0x10, 0x13, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00,
        0x3C, 0x05, 0x11, 0x00, 0x00, 0x00, 0x0A, 0x00, 0x01, 0x63},
       packet_type::connect},
      {"CONNACK v5", v5, {0x20, 0x03, 0x01, 0x00, 0x00}, packet_type::connack},
      {"CONNACK v5, maximum QoS 1, retain available 0, receive maximum 1",
       v5,
       {0x20, 0x0A, 0x00, 0x00, 0x07, 0x24, 0x01, 0x25, 0x00, 0x21, 0x00, 0x01},
       packet_type::connack},
      {"CONNACK v5, wildcard / subscription identifier / shared subscription available 1",
       v5,
       {0x20, 0x09, 0x00, 0x00, 0x06, 0x28, 0x01, 0x29, 0x01, 0x2A, 0x01},
       packet_type::connack},
      {"CONNACK v5, maximum packet size 1",
       v5,
       {0x20, 0x08, 0x00, 0x00, 0x05, 0x27, 0x00, 0x00, 0x00, 0x01},
       packet_type::connack},
      {"CONNACK v5, reason 0x87", v5, {0x20, 0x03, 0x00, 0x87, 0x00}, packet_type::connack},
      {"CONNACK 3.1.1, session present", v311, {0x20, 0x02, 0x01, 0x00}, packet_type::connack},
      {"CONNACK 3.1.1, return code 5", v311, {0x20, 0x02, 0x00, 0x05}, packet_type::connack},
      {"PUBLISH v5 QoS 0", v5, {0x30, 0x04, 0x00, 0x01, 0x61, 0x00}, packet_type::publish},
      {"PUBLISH v5 QoS 1", v5, {0x32, 0x06, 0x00, 0x01, 0x61, 0x00, 0x01, 0x00}, packet_type::publish},
      {"PUBLISH v5 QoS 2 DUP", v5, {0x3C, 0x06, 0x00, 0x01, 0x61, 0x00, 0x01, 0x00}, packet_type::publish},
      {"PUBLISH v5, topic \"a/b\"",
       v5,
       {0x30, 0x06, 0x00, 0x03, 0x61, 0x2F, 0x62, 0x00},
       packet_type::publish},
      {"PUBLISH v5, topic U+20AC",
       v5,
       {0x30, 0x06, 0x00, 0x03, 0xE2, 0x82, 0xAC, 0x00},
       packet_type::publish},
      {"PUBLISH v5, two subscription identifiers, payload format indicator 1",
       v5,
       {0x30, 0x0A, 0x00, 0x01, 0x61, 0x06, 0x0B, 0x01, 0x0B, 0x02, 0x01, 0x01},
       packet_type::publish},
      {"PUBLISH v5, subscription identifier 128 in two bytes",
       v5,
       {0x30, 0x07, 0x00, 0x01, 0x61, 0x03, 0x0B, 0x80, 0x01},
       packet_type::publish},
      {"PUBLISH v5, empty topic with topic alias 1",
       v5,
       {0x30, 0x06, 0x00, 0x00, 0x03, 0x23, 0x00, 0x01},
       packet_type::publish},
      {"PUBLISH v5, one message expiry interval and payload \"\\0\\0\"",
       v5,
       {0x30, 0x0B, 0x00, 0x01, 0x61, 0x05, 0x02, 0x00, 0x00, 0x00, 0x0A, 0x00, 0x00},
       packet_type::publish},
      {"PUBLISH v5, content type \"t\"",
       v5,
       {0x30, 0x08, 0x00, 0x01, 0x61, 0x04, 0x03, 0x00, 0x01, 0x74},
       packet_type::publish},
      {"PUBLISH 3.1.1 QoS 0", v311, {0x30, 0x03, 0x00, 0x01, 0x61}, packet_type::publish},
      {"PUBLISH 3.1.1 QoS 1", v311, {0x32, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01}, packet_type::publish},
      {"PUBACK v5 short form", v5, {0x40, 0x02, 0x00, 0x01}, packet_type::puback},
      {"PUBACK v5 reason 0x10", v5, {0x40, 0x04, 0x00, 0x01, 0x10, 0x00}, packet_type::puback},
      {"PUBACK v5 with a reason string",
       v5,
       {0x40, 0x08, 0x00, 0x01, 0x00, 0x04, 0x1F, 0x00, 0x01, 0x78},
       packet_type::puback},
      {"PUBREL v5", v5, {0x62, 0x02, 0x00, 0x01}, packet_type::pubrel},
      {"PUBREL v5 reason 0x92", v5, {0x62, 0x04, 0x00, 0x01, 0x92, 0x00}, packet_type::pubrel},
      {"PUBREL 3.1.1", v311, {0x62, 0x02, 0x00, 0x01}, packet_type::pubrel},
      {"SUBSCRIBE v5 \"a\" options 0x2E",
       v5,
       {0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 0x61, 0x2E},
       packet_type::subscribe},
      {"SUBSCRIBE v5 \"$share/g/a\" without no local",
       v5,
       {0x82, 0x10, 0x00, 0x01, 0x00, 0x00, 0x0A, 0x24, 0x73, 0x68, 0x61, 0x72, 0x65, 0x2F, 0x67, 0x2F, 0x61,
        0x01},
       packet_type::subscribe},
      {"SUBSCRIBE v5 \"a/+/b\"",
       v5,
       {0x82, 0x0B, 0x00, 0x01, 0x00, 0x00, 0x05, 0x61, 0x2F, 0x2B, 0x2F, 0x62, 0x00},
       packet_type::subscribe},
      {"SUBSCRIBE v5 with subscription identifier 1",
       v5,
       {0x82, 0x09, 0x00, 0x01, 0x02, 0x0B, 0x01, 0x00, 0x01, 0x61, 0x00},
       packet_type::subscribe},
      {"SUBSCRIBE 3.1.1 QoS 2",
       v311,
       {0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x02},
       packet_type::subscribe},
      {"SUBACK v5 granted QoS 2", v5, {0x90, 0x04, 0x00, 0x01, 0x00, 0x02}, packet_type::suback},
      {"SUBACK 3.1.1 failure", v311, {0x90, 0x03, 0x00, 0x01, 0x80}, packet_type::suback},
      {"UNSUBSCRIBE v5", v5, {0xA2, 0x06, 0x00, 0x01, 0x00, 0x00, 0x01, 0x61}, packet_type::unsubscribe},
      {"UNSUBACK v5 reason 0x11", v5, {0xB0, 0x04, 0x00, 0x01, 0x00, 0x11}, packet_type::unsuback},
      {"UNSUBACK 3.1.1", v311, {0xB0, 0x02, 0x00, 0x01}, packet_type::unsuback},
      {"PINGREQ", v5, {0xC0, 0x00}, packet_type::pingreq},
      {"PINGRESP", v5, {0xD0, 0x00}, packet_type::pingresp},
      {"DISCONNECT v5 short form", v5, {0xE0, 0x00}, packet_type::disconnect},
      {"DISCONNECT v5 reason 0x04", v5, {0xE0, 0x02, 0x04, 0x00}, packet_type::disconnect},
      {"DISCONNECT v5 with a user property",
       v5,
       {0xE0, 0x09, 0x00, 0x07, 0x26, 0x00, 0x01, 0x6B, 0x00, 0x01, 0x76},
       packet_type::disconnect},
      {"DISCONNECT 3.1.1", v311, {0xE0, 0x00}, packet_type::disconnect},
      {"AUTH v5 short form", v5, {0xF0, 0x00}, packet_type::auth},
  };
  for (const control& c : controls) {
    SCOPED_TRACE(c.name);
    auto r = decode_packet(c.input.data(), c.input.size(), c.version);
    ASSERT_TRUE(r.ok()) << hex(c.input) << ": " << to_string(r.error());
    EXPECT_EQ(type_of(r.value()), c.type);
    stream_decoder decoder(c.version);
    std::vector<packet> out;
    auto e = decoder.feed(c.input.data(), c.input.size(), out);
    EXPECT_FALSE(e.has_value()) << hex(c.input) << ": " << to_string(*e);
    EXPECT_EQ(out.size(), 1U);
    EXPECT_EQ(decoder.buffered(), 0U);
  }
}

// ---------------------------------------------------------------------------------------------------------
// 0x81 malformed packet: the fixed header.
// ---------------------------------------------------------------------------------------------------------

TEST(malformed, decoder_rejects_packet_type_zero) {
  const bytes input{
      0x00, 0x00,  // packet type 0 (reserved), remaining length 0
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"type", "reserved"}));
}

TEST(malformed, decoder_rejects_puback_with_flags_not_zero) {
  const bytes input{
      0x41, 0x02,  // PUBACK, flags 0001 (must be 0000), remaining length 2
      0x00, 0x01,  // packet identifier 1
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"flag"}));
}

TEST(malformed, decoder_rejects_pubrel_with_flags_zero) {
  const bytes input{
      0x60, 0x02,  // PUBREL, flags 0000 (must be 0010), remaining length 2
      0x00, 0x01,  // packet identifier 1
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"flag"}));
}

TEST(malformed, decoder_rejects_pubrel_with_flags_0011_in_3_1_1) {
  const bytes input{
      0x63, 0x02,  // PUBREL, flags 0011 (must be 0010), remaining length 2
      0x00, 0x01,  // packet identifier 1
  };
  EXPECT_TRUE(rejects(input, v311, malformed, {"flag"}));
}

TEST(malformed, decoder_rejects_subscribe_with_flags_zero) {
  const bytes input{
      0x80, 0x07,        // SUBSCRIBE, flags 0000 (must be 0010), remaining length 7
      0x00, 0x01,        // packet identifier 1
      0x00,              // property length 0
      0x00, 0x01, 0x61,  // topic filter "a"
      0x00,              // subscription options: QoS 0
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"flag"}));
}

TEST(malformed, decoder_rejects_unsubscribe_with_flags_zero) {
  const bytes input{
      0xA0, 0x06,        // UNSUBSCRIBE, flags 0000 (must be 0010), remaining length 6
      0x00, 0x01,        // packet identifier 1
      0x00,              // property length 0
      0x00, 0x01, 0x61,  // topic filter "a"
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"flag"}));
}

TEST(malformed, decoder_rejects_connect_with_flags_not_zero) {
  const bytes input{
      0x11, 0x0E,                          // CONNECT, flags 0001 (must be 0000), remaining length 14
      0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // protocol name "MQTT"
      0x05,                                // protocol level 5
      0x02,                                // connect flags: clean start
      0x00, 0x3C,                          // keep alive 60
      0x00,                                // property length 0
      0x00, 0x01, 0x63,                    // client identifier "c"
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"flag"}));
}

TEST(malformed, decoder_rejects_pingreq_with_flags_not_zero) {
  const bytes input{
      0xC1, 0x00,  // PINGREQ, flags 0001 (must be 0000), remaining length 0
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"flag"}));
}

TEST(malformed, decoder_rejects_disconnect_with_flags_not_zero) {
  const bytes input{
      0xE2, 0x00,  // DISCONNECT, flags 0010 (must be 0000), remaining length 0
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"flag"}));
}

TEST(malformed, decoder_rejects_publish_with_qos_3) {
  const bytes input{
      0x36, 0x06,        // PUBLISH, QoS bits 11, remaining length 6
      0x00, 0x01, 0x61,  // topic "a"
      0x00, 0x01,        // packet identifier 1
      0x00,              // property length 0
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"qos"}));
}

TEST(malformed, decoder_rejects_publish_with_qos_3_in_3_1_1) {
  const bytes input{
      0x36, 0x05,        // PUBLISH, QoS bits 11, remaining length 5
      0x00, 0x01, 0x61,  // topic "a"
      0x00, 0x01,        // packet identifier 1
  };
  EXPECT_TRUE(rejects(input, v311, malformed, {"qos"}));
}

TEST(malformed, decoder_rejects_auth_at_protocol_level_4) {
  const bytes input{
      0xF0, 0x00,  // AUTH (type 15, does not exist in 3.1.1), remaining length 0
  };
  EXPECT_TRUE(rejects(input, v311, malformed, {"auth", "type"}));
}

// ---------------------------------------------------------------------------------------------------------
// 0x81: variable byte integers.
// ---------------------------------------------------------------------------------------------------------

TEST(malformed, decoder_rejects_remaining_length_over_four_bytes) {
  const bytes input{
      0x30,                          // PUBLISH QoS 0
      0xFF, 0xFF, 0xFF, 0xFF, 0x7F,  // remaining length in 5 bytes
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"remaining length", "variable byte integer"}));
}

TEST(malformed, stream_decoder_accepts_remaining_length_of_exactly_four_bytes) {
  // The largest remaining length (268435455) in four bytes is no error: the decoder waits for the body.
  const bytes input{0x30, 0xFF, 0xFF, 0xFF, 0x7F};
  stream_decoder decoder(v5);
  std::vector<packet> out;
  EXPECT_FALSE(decoder.feed(input.data(), input.size(), out).has_value());
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(decoder.failed());
  EXPECT_LE(decoder.buffered(), input.size());
}

TEST(malformed, decoder_rejects_non_minimal_remaining_length_of_zero) {
  const bytes input{
      0xC0,        // PINGREQ
      0x80, 0x00,  // remaining length 0 in two bytes (must be one)
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"remaining length", "variable byte integer"}));
}

TEST(malformed, decoder_rejects_non_minimal_remaining_length_of_two) {
  const bytes input{
      0x40,        // PUBACK
      0x82, 0x00,  // remaining length 2 in two bytes (must be one)
      0x00, 0x01,  // packet identifier 1
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"remaining length", "variable byte integer"}));
}

TEST(malformed, decoder_rejects_property_length_over_four_bytes) {
  const bytes input{
      0x40, 0x08,                    // PUBACK, remaining length 8
      0x00, 0x01,                    // packet identifier 1
      0x00,                          // reason code success
      0xFF, 0xFF, 0xFF, 0xFF, 0x01,  // property length in 5 bytes
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"propert", "variable byte integer"}));
}

TEST(malformed, decoder_rejects_non_minimal_property_length) {
  const bytes input{
      0x40, 0x05,  // PUBACK, remaining length 5
      0x00, 0x01,  // packet identifier 1
      0x00,        // reason code success
      0x80, 0x00,  // property length 0 in two bytes (must be one)
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"propert", "variable byte integer"}));
}

TEST(malformed, decoder_rejects_subscription_identifier_over_four_bytes) {
  const bytes input{
      0x30, 0x0A,                          // PUBLISH QoS 0, remaining length 10
      0x00, 0x01, 0x61,                    // topic "a"
      0x06,                                // property length 6
      0x0B, 0xFF, 0xFF, 0xFF, 0xFF, 0x01,  // subscription identifier in 5 bytes
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"subscription identifier", "variable byte integer"}));
}

TEST(malformed, decoder_rejects_non_minimal_subscription_identifier) {
  const bytes input{
      0x30, 0x07,        // PUBLISH QoS 0, remaining length 7
      0x00, 0x01, 0x61,  // topic "a"
      0x03,              // property length 3
      0x0B, 0x81, 0x00,  // subscription identifier 1 in two bytes (must be one)
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"subscription identifier", "variable byte integer"}));
}

// ---------------------------------------------------------------------------------------------------------
// 0x81: lengths that do not add up.
// ---------------------------------------------------------------------------------------------------------

TEST(malformed, decode_packet_rejects_remaining_length_larger_than_the_input) {
  const bytes input{
      0x40, 0x03,  // PUBACK, remaining length 3 ...
      0x00, 0x01,  // ... but only 2 bytes follow
  };
  EXPECT_TRUE(decode_packet_rejects(input, v5, malformed,
                                    {"remaining length", "truncated", "incomplete", "short", "end"}));
  // A stream decoder waits for the third byte instead.
  stream_decoder decoder(v5);
  std::vector<packet> out;
  EXPECT_FALSE(decoder.feed(input.data(), input.size(), out).has_value());
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(decoder.buffered(), input.size());
}

TEST(malformed, decode_packet_rejects_publish_cut_short) {
  const bytes input{
      0x30, 0x0A,        // PUBLISH QoS 0, remaining length 10 ...
      0x00, 0x01, 0x61,  // topic "a"
      0x00,              // property length 0 (and then 6 payload bytes are missing)
  };
  EXPECT_TRUE(decode_packet_rejects(input, v5, malformed,
                                    {"remaining length", "truncated", "incomplete", "short", "end"}));
}

TEST(malformed, decode_packet_rejects_bytes_after_the_packet) {
  const bytes input{
      0xC0, 0x00,  // PINGREQ
      0xC0, 0x00,  // a second PINGREQ: decode_packet takes exactly one packet
  };
  EXPECT_TRUE(decode_packet_rejects(
      input, v5, malformed, {"left", "trailing", "extra", "remaining", "after", "excess", "unexpected"}));
}

TEST(malformed, decoder_rejects_remaining_length_too_short_for_the_packet_identifier) {
  const bytes input{
      0x40, 0x01,  // PUBACK, remaining length 1
      0x00,        // half a packet identifier
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"packet identifier", "packet id"}));
}

TEST(malformed, decoder_rejects_subscribe_without_subscription_options) {
  const bytes input{
      0x82, 0x06,        // SUBSCRIBE, remaining length 6
      0x00, 0x01,        // packet identifier 1
      0x00,              // property length 0
      0x00, 0x01, 0x61,  // topic filter "a", then the subscription options byte is missing
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"option", "subscri"}));
}

TEST(malformed, decoder_rejects_connect_without_client_identifier) {
  const bytes input{
      0x10, 0x0B,                          // CONNECT, remaining length 11
      0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // protocol name "MQTT"
      0x05,                                // protocol level 5
      0x02,                                // connect flags: clean start
      0x00, 0x3C,                          // keep alive 60
      0x00,                                // property length 0, then the client identifier is missing
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"client"}));
}

TEST(malformed, decoder_rejects_pingreq_with_a_body) {
  const bytes input{
      0xC0, 0x01,  // PINGREQ, remaining length 1 (must be 0)
      0x00,        // a byte PINGREQ does not have
  };
  EXPECT_TRUE(rejects(input, v5, malformed,
                      {"remaining length", "left", "trailing", "extra", "after", "excess", "unexpected"}));
}

TEST(malformed, decoder_rejects_bytes_after_the_properties_of_a_puback) {
  const bytes input{
      0x40, 0x05,  // PUBACK, remaining length 5
      0x00, 0x01,  // packet identifier 1
      0x00,        // reason code success
      0x00,        // property length 0
      0xFF,        // a byte after the last field
  };
  EXPECT_TRUE(rejects(input, v5, malformed,
                      {"remaining length", "left", "trailing", "extra", "after", "excess", "unexpected"}));
}

TEST(malformed, decoder_rejects_3_1_1_unsuback_with_a_reason_code) {
  const bytes input{
      0xB0, 0x03,  // UNSUBACK, remaining length 3 (3.1.1 UNSUBACK has exactly 2)
      0x00, 0x01,  // packet identifier 1
      0x00,        // a reason code, which 3.1.1 does not have
  };
  EXPECT_TRUE(rejects(input, v311, malformed,
                      {"remaining length", "left", "trailing", "extra", "after", "excess", "unexpected"}));
}

TEST(malformed, decoder_rejects_3_1_1_disconnect_with_a_body) {
  const bytes input{
      0xE0, 0x01,  // DISCONNECT, remaining length 1 (3.1.1 DISCONNECT has 0)
      0x00,        // a reason code, which 3.1.1 does not have
  };
  EXPECT_TRUE(rejects(input, v311, malformed,
                      {"remaining length", "left", "trailing", "extra", "after", "excess", "unexpected"}));
}

TEST(malformed, decoder_rejects_topic_length_past_the_end) {
  const bytes input{
      0x30, 0x05,        // PUBLISH QoS 0, remaining length 5
      0x00, 0x09,        // topic length 9 ...
      0x61, 0x62, 0x00,  // ... but only 3 bytes are left
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"topic", "string"}));
}

TEST(malformed, decoder_rejects_client_identifier_length_past_the_end) {
  const bytes input{
      0x10, 0x0E,                          // CONNECT, remaining length 14
      0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // protocol name "MQTT"
      0x05,                                // protocol level 5
      0x02,                                // connect flags: clean start
      0x00, 0x3C,                          // keep alive 60
      0x00,                                // property length 0
      0x00, 0x05, 0x63,                    // client identifier of length 5, only 1 byte left
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"client"}));
}

TEST(malformed, decoder_rejects_puback_property_length_past_the_end) {
  const bytes input{
      0x40, 0x04,  // PUBACK, remaining length 4
      0x00, 0x01,  // packet identifier 1
      0x00,        // reason code success
      0x05,        // property length 5, no bytes left
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"propert"}));
}

TEST(malformed, decoder_rejects_connack_property_length_past_the_end) {
  const bytes input{
      0x20, 0x04,  // CONNACK, remaining length 4
      0x00,        // acknowledge flags 0
      0x00,        // reason code success
      0x0A,        // property length 10 ...
      0x24,        // ... but 1 byte left
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"propert", "maximum qos"}));
}

TEST(malformed, decoder_rejects_property_value_past_the_property_length) {
  const bytes input{
      0x30, 0x09,        // PUBLISH QoS 0, remaining length 9
      0x00, 0x01, 0x61,  // topic "a"
      0x03,              // property length 3
      0x02, 0x00, 0x00,  // message expiry interval needs 4 bytes, the properties end after 2
      0x00, 0x00,        // payload: 2 bytes that must not be read as property value
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"message expiry", "propert"}));
}

// ---------------------------------------------------------------------------------------------------------
// 0x81: invalid UTF-8 in strings.
// ---------------------------------------------------------------------------------------------------------

TEST(malformed, decoder_rejects_topic_with_overlong_nul_c0_80) {
  const bytes input{
      0x30, 0x05,              // PUBLISH QoS 0, remaining length 5
      0x00, 0x02, 0xC0, 0x80,  // topic: overlong encoding of U+0000
      0x00,                    // property length 0
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"topic"}));
}

TEST(malformed, decoder_rejects_topic_with_overlong_three_byte_slash) {
  const bytes input{
      0x30, 0x06,                    // PUBLISH QoS 0, remaining length 6
      0x00, 0x03, 0xE0, 0x80, 0xAF,  // topic: '/' in an overlong three-byte form
      0x00,                          // property length 0
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"topic"}));
}

TEST(malformed, decoder_rejects_topic_with_surrogate) {
  const bytes input{
      0x30, 0x06,                    // PUBLISH QoS 0, remaining length 6
      0x00, 0x03, 0xED, 0xA0, 0x80,  // topic: U+D800, a surrogate
      0x00,                          // property length 0
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"topic"}));
}

TEST(malformed, decoder_rejects_topic_with_code_point_above_10ffff) {
  const bytes input{
      0x30, 0x07,                          // PUBLISH QoS 0, remaining length 7
      0x00, 0x04, 0xF4, 0x90, 0x80, 0x80,  // topic: U+110000
      0x00,                                // property length 0
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"topic"}));
}

TEST(malformed, decoder_rejects_topic_with_nul_character) {
  const bytes input{
      0x30, 0x06,                    // PUBLISH QoS 0, remaining length 6
      0x00, 0x03, 0x61, 0x00, 0x62,  // topic "a\0b"
      0x00,                          // property length 0
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"topic"}));
}

TEST(malformed, decoder_rejects_topic_with_truncated_utf8_sequence) {
  const bytes input{
      0x30, 0x05,              // PUBLISH QoS 0, remaining length 5
      0x00, 0x02, 0xE2, 0x82,  // topic: the first 2 of the 3 bytes of U+20AC
      0x00,                    // property length 0
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"topic"}));
}

TEST(malformed, decoder_rejects_topic_with_lone_continuation_byte) {
  const bytes input{
      0x30, 0x04,        // PUBLISH QoS 0, remaining length 4
      0x00, 0x01, 0x80,  // topic: a continuation byte with no lead byte
      0x00,              // property length 0
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"topic"}));
}

TEST(malformed, decoder_rejects_client_identifier_with_invalid_utf8) {
  const bytes input{
      0x10, 0x0E,                          // CONNECT, remaining length 14
      0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // protocol name "MQTT"
      0x05,                                // protocol level 5
      0x02,                                // connect flags: clean start
      0x00, 0x3C,                          // keep alive 60
      0x00,                                // property length 0
      0x00, 0x01, 0xFF,                    // client identifier: byte FF never occurs in UTF-8
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"client"}));
}

TEST(malformed, decoder_rejects_user_name_with_surrogate) {
  const bytes input{
      0x10, 0x13,                          // CONNECT, remaining length 19
      0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // protocol name "MQTT"
      0x05,                                // protocol level 5
      0x82,                                // connect flags: user name, clean start
      0x00, 0x3C,                          // keep alive 60
      0x00,                                // property length 0
      0x00, 0x01, 0x63,                    // client identifier "c"
      0x00, 0x03, 0xED, 0xA0, 0x80,        // user name: U+D800, a surrogate
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"user"}));
}

TEST(malformed, decoder_rejects_will_topic_with_invalid_utf8) {
  const bytes input{
      0x10, 0x14,                          // CONNECT, remaining length 20
      0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // protocol name "MQTT"
      0x05,                                // protocol level 5
      0x06,                                // connect flags: will, clean start
      0x00, 0x3C,                          // keep alive 60
      0x00,                                // property length 0
      0x00, 0x01, 0x63,                    // client identifier "c"
      0x00,                                // will property length 0
      0x00, 0x01, 0xFF,                    // will topic: byte FF
      0x00, 0x00,                          // will payload, empty
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"will"}));
}

TEST(malformed, decoder_rejects_reason_string_with_invalid_utf8) {
  const bytes input{
      0x40, 0x09,                    // PUBACK, remaining length 9
      0x00, 0x01,                    // packet identifier 1
      0x00,                          // reason code success
      0x05,                          // property length 5
      0x1F, 0x00, 0x02, 0xC0, 0x80,  // reason string: overlong U+0000
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"reason string"}));
}

TEST(malformed, decoder_rejects_user_property_key_with_invalid_utf8) {
  const bytes input{
      0xE0, 0x09,        // DISCONNECT, remaining length 9
      0x00,              // reason code: normal disconnection
      0x07,              // property length 7
      0x26,              // user property
      0x00, 0x01, 0xFF,  //   key: byte FF
      0x00, 0x01, 0x76,  //   value "v"
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"user propert"}));
}

TEST(malformed, decoder_rejects_content_type_with_invalid_utf8) {
  const bytes input{
      0x30, 0x08,              // PUBLISH QoS 0, remaining length 8
      0x00, 0x01, 0x61,        // topic "a"
      0x04,                    // property length 4
      0x03, 0x00, 0x01, 0xFE,  // content type: byte FE
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"content type"}));
}

TEST(malformed, decoder_rejects_subscribe_topic_filter_with_invalid_utf8) {
  const bytes input{
      0x82, 0x07,        // SUBSCRIBE, remaining length 7
      0x00, 0x01,        // packet identifier 1
      0x00,              // property length 0
      0x00, 0x01, 0xC0,  // topic filter: a lead byte with no continuation
      0x00,              // subscription options: QoS 0
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"filter"}));
}

TEST(malformed, decoder_rejects_unsubscribe_topic_filter_with_invalid_utf8) {
  const bytes input{
      0xA2, 0x06,        // UNSUBSCRIBE, remaining length 6
      0x00, 0x01,        // packet identifier 1
      0x00,              // property length 0
      0x00, 0x01, 0xFF,  // topic filter: byte FF
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"filter"}));
}

// ---------------------------------------------------------------------------------------------------------
// 0x81: properties a packet may not carry.
// ---------------------------------------------------------------------------------------------------------

TEST(malformed, decoder_rejects_topic_alias_in_connect) {
  const bytes input{
      0x10, 0x11,                          // CONNECT, remaining length 17
      0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // protocol name "MQTT"
      0x05,                                // protocol level 5
      0x02,                                // connect flags: clean start
      0x00, 0x3C,                          // keep alive 60
      0x03,                                // property length 3
      0x23, 0x00, 0x01,                    // topic alias 1: a PUBLISH property
      0x00, 0x01, 0x63,                    // client identifier "c"
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"propert", "topic alias"}));
}

TEST(malformed, decoder_rejects_unknown_property_identifier) {
  const bytes input{
      0x30, 0x06,        // PUBLISH QoS 0, remaining length 6
      0x00, 0x01, 0x61,  // topic "a"
      0x02,              // property length 2
      0x7F, 0x00,        // property 0x7F does not exist
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"propert"}));
}

TEST(malformed, decoder_rejects_session_expiry_interval_in_publish) {
  const bytes input{
      0x30, 0x09,                    // PUBLISH QoS 0, remaining length 9
      0x00, 0x01, 0x61,              // topic "a"
      0x05,                          // property length 5
      0x11, 0x00, 0x00, 0x00, 0x0A,  // session expiry interval 10: a CONNECT property
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"propert", "session expiry"}));
}

TEST(malformed, decoder_rejects_will_delay_interval_in_connect_properties) {
  const bytes input{
      0x10, 0x13,                          // CONNECT, remaining length 19
      0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // protocol name "MQTT"
      0x05,                                // protocol level 5
      0x02,                                // connect flags: clean start
      0x00, 0x3C,                          // keep alive 60
      0x05,                                // property length 5
      0x18, 0x00, 0x00, 0x00, 0x0A,        // will delay interval: a will property, not a CONNECT one
      0x00, 0x01, 0x63,                    // client identifier "c"
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"propert", "will delay"}));
}

TEST(malformed, decoder_rejects_reason_string_in_subscribe) {
  const bytes input{
      0x82, 0x0B,              // SUBSCRIBE, remaining length 11
      0x00, 0x01,              // packet identifier 1
      0x04,                    // property length 4
      0x1F, 0x00, 0x01, 0x78,  // reason string "x": not a SUBSCRIBE property
      0x00, 0x01, 0x61,        // topic filter "a"
      0x00,                    // subscription options: QoS 0
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"propert", "reason string"}));
}

// ---------------------------------------------------------------------------------------------------------
// 0x81: CONNECT flags.
// ---------------------------------------------------------------------------------------------------------

TEST(malformed, decoder_rejects_connect_reserved_flag) {
  const bytes input{
      0x10, 0x0E,                          // CONNECT, remaining length 14
      0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // protocol name "MQTT"
      0x05,                                // protocol level 5
      0x03,                                // connect flags: clean start + reserved bit 0
      0x00, 0x3C,                          // keep alive 60
      0x00,                                // property length 0
      0x00, 0x01, 0x63,                    // client identifier "c"
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"reserved", "flag"}));
}

TEST(malformed, decoder_rejects_will_qos_without_will_flag) {
  const bytes input{
      0x10, 0x0E,                          // CONNECT, remaining length 14
      0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // protocol name "MQTT"
      0x05,                                // protocol level 5
      0x0A,                                // connect flags: will QoS 1, clean start, no will flag
      0x00, 0x3C,                          // keep alive 60
      0x00,                                // property length 0
      0x00, 0x01, 0x63,                    // client identifier "c"
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"will"}));
}

TEST(malformed, decoder_rejects_will_retain_without_will_flag) {
  const bytes input{
      0x10, 0x0E,                          // CONNECT, remaining length 14
      0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // protocol name "MQTT"
      0x05,                                // protocol level 5
      0x22,                                // connect flags: will retain, clean start, no will flag
      0x00, 0x3C,                          // keep alive 60
      0x00,                                // property length 0
      0x00, 0x01, 0x63,                    // client identifier "c"
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"will"}));
}

TEST(malformed, decoder_rejects_will_qos_3) {
  const bytes input{
      0x10, 0x14,                          // CONNECT, remaining length 20
      0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // protocol name "MQTT"
      0x05,                                // protocol level 5
      0x1E,                                // connect flags: will QoS 3, will, clean start
      0x00, 0x3C,                          // keep alive 60
      0x00,                                // property length 0
      0x00, 0x01, 0x63,                    // client identifier "c"
      0x00,                                // will property length 0
      0x00, 0x01, 0x77,                    // will topic "w"
      0x00, 0x00,                          // will payload, empty
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"will", "qos"}));
}

TEST(malformed, decoder_rejects_3_1_1_password_without_user_name) {
  const bytes input{
      0x10, 0x0F,                          // CONNECT, remaining length 15
      0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // protocol name "MQTT"
      0x04,                                // protocol level 4
      0x42,                                // connect flags: password, clean session, no user name
      0x00, 0x3C,                          // keep alive 60
      0x00, 0x01, 0x63,                    // client identifier "c"
      0x00, 0x00,                          // password, empty
  };
  EXPECT_TRUE(rejects(input, v311, malformed, {"password"}));
}

// ---------------------------------------------------------------------------------------------------------
// 0x81: subscription options.
// ---------------------------------------------------------------------------------------------------------

TEST(malformed, decoder_rejects_subscription_options_reserved_bit_6) {
  const bytes input{
      0x82, 0x07,        // SUBSCRIBE, remaining length 7
      0x00, 0x01,        // packet identifier 1
      0x00,              // property length 0
      0x00, 0x01, 0x61,  // topic filter "a"
      0x40,              // subscription options: reserved bit 6 set
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"option", "reserved"}));
}

TEST(malformed, decoder_rejects_subscription_options_reserved_bit_7) {
  const bytes input{
      0x82, 0x07,        // SUBSCRIBE, remaining length 7
      0x00, 0x01,        // packet identifier 1
      0x00,              // property length 0
      0x00, 0x01, 0x61,  // topic filter "a"
      0x81,              // subscription options: reserved bit 7 set, QoS 1
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"option", "reserved"}));
}

TEST(malformed, decoder_rejects_retain_handling_3) {
  const bytes input{
      0x82, 0x07,        // SUBSCRIBE, remaining length 7
      0x00, 0x01,        // packet identifier 1
      0x00,              // property length 0
      0x00, 0x01, 0x61,  // topic filter "a"
      0x30,              // subscription options: retain handling 3
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"retain handling", "option"}));
}

TEST(malformed, decoder_rejects_3_1_1_subscription_options_upper_bits) {
  const bytes input{
      0x82, 0x06,        // SUBSCRIBE, remaining length 6
      0x00, 0x01,        // packet identifier 1
      0x00, 0x01, 0x61,  // topic filter "a"
      0x04,              // requested QoS byte with bit 2 set (3.1.1 reserves the upper 6 bits)
  };
  EXPECT_TRUE(rejects(input, v311, malformed, {"option", "reserved", "qos"}));
}

// ---------------------------------------------------------------------------------------------------------
// 0x81: topic names and filters.
// ---------------------------------------------------------------------------------------------------------

TEST(malformed, decoder_rejects_publish_topic_with_plus) {
  const bytes input{
      0x30, 0x06,                    // PUBLISH QoS 0, remaining length 6
      0x00, 0x03, 0x61, 0x2F, 0x2B,  // topic "a/+"
      0x00,                          // property length 0
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"topic"}));
}

TEST(malformed, decoder_rejects_publish_topic_with_hash) {
  const bytes input{
      0x30, 0x04,        // PUBLISH QoS 0, remaining length 4
      0x00, 0x01, 0x23,  // topic "#"
      0x00,              // property length 0
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"topic"}));
}

TEST(malformed, decoder_rejects_3_1_1_publish_topic_with_hash) {
  const bytes input{
      0x30, 0x05,                    // PUBLISH QoS 0, remaining length 5
      0x00, 0x03, 0x61, 0x2F, 0x23,  // topic "a/#"
  };
  EXPECT_TRUE(rejects(input, v311, malformed, {"topic"}));
}

TEST(malformed, decoder_rejects_subscribe_filter_with_hash_not_last) {
  const bytes input{
      0x82, 0x0B,                                // SUBSCRIBE, remaining length 11
      0x00, 0x01,                                // packet identifier 1
      0x00,                                      // property length 0
      0x00, 0x05, 0x61, 0x2F, 0x23, 0x2F, 0x62,  // topic filter "a/#/b"
      0x00,                                      // subscription options: QoS 0
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"filter"}));
}

TEST(malformed, decoder_rejects_subscribe_filter_with_plus_inside_a_level) {
  const bytes input{
      0x82, 0x08,              // SUBSCRIBE, remaining length 8
      0x00, 0x01,              // packet identifier 1
      0x00,                    // property length 0
      0x00, 0x02, 0x61, 0x2B,  // topic filter "a+"
      0x00,                    // subscription options: QoS 0
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"filter"}));
}

TEST(malformed, decoder_rejects_subscribe_shared_group_with_plus) {
  const bytes input{
      0x82, 0x11,                                // SUBSCRIBE, remaining length 17
      0x00, 0x01,                                // packet identifier 1
      0x00,                                      // property length 0
      0x00, 0x0B,                                // topic filter of 11 bytes:
      0x24, 0x73, 0x68, 0x61, 0x72, 0x65, 0x2F,  //   "$share/"
      0x67, 0x2B, 0x2F, 0x61,                    //   "g+/a"
      0x00,                                      // subscription options: QoS 0
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"filter", "share"}));
}

TEST(malformed, decoder_rejects_3_1_1_subscribe_filter_with_hash_inside_a_level) {
  const bytes input{
      0x82, 0x07,              // SUBSCRIBE, remaining length 7
      0x00, 0x01,              // packet identifier 1
      0x00, 0x02, 0x61, 0x23,  // topic filter "a#"
      0x00,                    // requested QoS 0
  };
  EXPECT_TRUE(rejects(input, v311, malformed, {"filter"}));
}

// ---------------------------------------------------------------------------------------------------------
// 0x81: CONNACK acknowledge flags.
// ---------------------------------------------------------------------------------------------------------

TEST(malformed, decoder_rejects_connack_reserved_acknowledge_flag) {
  const bytes input{
      0x20, 0x03,  // CONNACK, remaining length 3
      0x02,        // acknowledge flags: reserved bit 1 set
      0x00,        // reason code success
      0x00,        // property length 0
  };
  EXPECT_TRUE(rejects(input, v5, malformed, {"flag", "acknowledge"}));
}

TEST(malformed, decoder_rejects_3_1_1_connack_reserved_acknowledge_flag) {
  const bytes input{
      0x20, 0x02,  // CONNACK, remaining length 2
      0x80,        // acknowledge flags: reserved bit 7 set
      0x00,        // return code 0
  };
  EXPECT_TRUE(rejects(input, v311, malformed, {"flag", "acknowledge"}));
}

// ---------------------------------------------------------------------------------------------------------
// 0x82 protocol error: duplicate properties.
// ---------------------------------------------------------------------------------------------------------

TEST(malformed, decoder_rejects_duplicate_message_expiry_interval) {
  const bytes input{
      0x30, 0x0E,                    // PUBLISH QoS 0, remaining length 14
      0x00, 0x01, 0x61,              // topic "a"
      0x0A,                          // property length 10
      0x02, 0x00, 0x00, 0x00, 0x0A,  // message expiry interval 10
      0x02, 0x00, 0x00, 0x00, 0x14,  // message expiry interval 20, again
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"message expiry"}));
}

TEST(malformed, decoder_rejects_duplicate_reason_string) {
  const bytes input{
      0x40, 0x0C,              // PUBACK, remaining length 12
      0x00, 0x01,              // packet identifier 1
      0x00,                    // reason code success
      0x08,                    // property length 8
      0x1F, 0x00, 0x01, 0x78,  // reason string "x"
      0x1F, 0x00, 0x01, 0x79,  // reason string "y", again
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"reason string"}));
}

TEST(malformed, decoder_rejects_duplicate_session_expiry_interval_in_connect) {
  const bytes input{
      0x10, 0x18,                          // CONNECT, remaining length 24
      0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // protocol name "MQTT"
      0x05,                                // protocol level 5
      0x02,                                // connect flags: clean start
      0x00, 0x3C,                          // keep alive 60
      0x0A,                                // property length 10
      0x11, 0x00, 0x00, 0x00, 0x0A,        // session expiry interval 10
      0x11, 0x00, 0x00, 0x00, 0x14,        // session expiry interval 20, again
      0x00, 0x01, 0x63,                    // client identifier "c"
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"session expiry"}));
}

TEST(malformed, decoder_rejects_two_subscription_identifiers_in_subscribe) {
  const bytes input{
      0x82, 0x0B,        // SUBSCRIBE, remaining length 11
      0x00, 0x01,        // packet identifier 1
      0x04,              // property length 4
      0x0B, 0x01,        // subscription identifier 1
      0x0B, 0x02,        // subscription identifier 2 (PUBLISH may repeat it, SUBSCRIBE may not)
      0x00, 0x01, 0x61,  // topic filter "a"
      0x00,              // subscription options: QoS 0
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"subscription identifier"}));
}

TEST(malformed, decoder_rejects_duplicate_topic_alias) {
  const bytes input{
      0x30, 0x0A,        // PUBLISH QoS 0, remaining length 10
      0x00, 0x01, 0x61,  // topic "a"
      0x06,              // property length 6
      0x23, 0x00, 0x01,  // topic alias 1
      0x23, 0x00, 0x02,  // topic alias 2, again
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"topic alias"}));
}

// ---------------------------------------------------------------------------------------------------------
// 0x82: packet identifier 0.
// ---------------------------------------------------------------------------------------------------------

TEST(malformed, decoder_rejects_packet_identifier_zero_in_publish_qos_1) {
  const bytes input{
      0x32, 0x06,        // PUBLISH QoS 1, remaining length 6
      0x00, 0x01, 0x61,  // topic "a"
      0x00, 0x00,        // packet identifier 0
      0x00,              // property length 0
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"packet identifier", "packet id"}));
}

TEST(malformed, decoder_rejects_packet_identifier_zero_in_publish_qos_2) {
  const bytes input{
      0x34, 0x06,        // PUBLISH QoS 2, remaining length 6
      0x00, 0x01, 0x61,  // topic "a"
      0x00, 0x00,        // packet identifier 0
      0x00,              // property length 0
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"packet identifier", "packet id"}));
}

TEST(malformed, decoder_rejects_packet_identifier_zero_in_3_1_1_publish_qos_1) {
  const bytes input{
      0x32, 0x05,        // PUBLISH QoS 1, remaining length 5
      0x00, 0x01, 0x61,  // topic "a"
      0x00, 0x00,        // packet identifier 0
  };
  EXPECT_TRUE(rejects(input, v311, protocol_err, {"packet identifier", "packet id"}));
}

TEST(malformed, decoder_rejects_packet_identifier_zero_in_subscribe) {
  const bytes input{
      0x82, 0x07,        // SUBSCRIBE, remaining length 7
      0x00, 0x00,        // packet identifier 0
      0x00,              // property length 0
      0x00, 0x01, 0x61,  // topic filter "a"
      0x00,              // subscription options: QoS 0
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"packet identifier", "packet id"}));
}

TEST(malformed, decoder_rejects_packet_identifier_zero_in_unsubscribe) {
  const bytes input{
      0xA2, 0x06,        // UNSUBSCRIBE, remaining length 6
      0x00, 0x00,        // packet identifier 0
      0x00,              // property length 0
      0x00, 0x01, 0x61,  // topic filter "a"
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"packet identifier", "packet id"}));
}

TEST(malformed, decoder_rejects_packet_identifier_zero_in_puback) {
  const bytes input{
      0x40, 0x02,  // PUBACK, remaining length 2
      0x00, 0x00,  // packet identifier 0
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"packet identifier", "packet id"}));
}

// ---------------------------------------------------------------------------------------------------------
// 0x82: subscription identifier 0, empty SUBSCRIBE / UNSUBSCRIBE.
// ---------------------------------------------------------------------------------------------------------

TEST(malformed, decoder_rejects_subscription_identifier_zero_in_subscribe) {
  const bytes input{
      0x82, 0x09,        // SUBSCRIBE, remaining length 9
      0x00, 0x01,        // packet identifier 1
      0x02,              // property length 2
      0x0B, 0x00,        // subscription identifier 0
      0x00, 0x01, 0x61,  // topic filter "a"
      0x00,              // subscription options: QoS 0
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"subscription identifier"}));
}

TEST(malformed, decoder_rejects_subscription_identifier_zero_in_publish) {
  const bytes input{
      0x30, 0x06,        // PUBLISH QoS 0, remaining length 6
      0x00, 0x01, 0x61,  // topic "a"
      0x02,              // property length 2
      0x0B, 0x00,        // subscription identifier 0
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"subscription identifier"}));
}

TEST(malformed, decoder_rejects_subscribe_without_subscriptions) {
  const bytes input{
      0x82, 0x03,  // SUBSCRIBE, remaining length 3
      0x00, 0x01,  // packet identifier 1
      0x00,        // property length 0, then no topic filter at all
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"subscri", "filter", "payload"}));
}

TEST(malformed, decoder_rejects_3_1_1_subscribe_without_subscriptions) {
  const bytes input{
      0x82, 0x02,  // SUBSCRIBE, remaining length 2
      0x00, 0x01,  // packet identifier 1, then no topic filter at all
  };
  EXPECT_TRUE(rejects(input, v311, protocol_err, {"subscri", "filter", "payload"}));
}

TEST(malformed, decoder_rejects_unsubscribe_without_topic_filters) {
  const bytes input{
      0xA2, 0x03,  // UNSUBSCRIBE, remaining length 3
      0x00, 0x01,  // packet identifier 1
      0x00,        // property length 0, then no topic filter at all
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"subscri", "filter", "payload"}));
}

// ---------------------------------------------------------------------------------------------------------
// 0x82: property values out of range.
// ---------------------------------------------------------------------------------------------------------

TEST(malformed, decoder_rejects_receive_maximum_zero_in_connect) {
  const bytes input{
      0x10, 0x11,                          // CONNECT, remaining length 17
      0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // protocol name "MQTT"
      0x05,                                // protocol level 5
      0x02,                                // connect flags: clean start
      0x00, 0x3C,                          // keep alive 60
      0x03,                                // property length 3
      0x21, 0x00, 0x00,                    // receive maximum 0
      0x00, 0x01, 0x63,                    // client identifier "c"
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"receive maximum"}));
}

TEST(malformed, decoder_rejects_receive_maximum_zero_in_connack) {
  const bytes input{
      0x20, 0x06,        // CONNACK, remaining length 6
      0x00,              // acknowledge flags 0
      0x00,              // reason code success
      0x03,              // property length 3
      0x21, 0x00, 0x00,  // receive maximum 0
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"receive maximum"}));
}

TEST(malformed, decoder_rejects_maximum_packet_size_zero_in_connect) {
  const bytes input{
      0x10, 0x13,                          // CONNECT, remaining length 19
      0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // protocol name "MQTT"
      0x05,                                // protocol level 5
      0x02,                                // connect flags: clean start
      0x00, 0x3C,                          // keep alive 60
      0x05,                                // property length 5
      0x27, 0x00, 0x00, 0x00, 0x00,        // maximum packet size 0
      0x00, 0x01, 0x63,                    // client identifier "c"
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"maximum packet size"}));
}

TEST(malformed, decoder_rejects_maximum_packet_size_zero_in_connack) {
  const bytes input{
      0x20, 0x08,                    // CONNACK, remaining length 8
      0x00,                          // acknowledge flags 0
      0x00,                          // reason code success
      0x05,                          // property length 5
      0x27, 0x00, 0x00, 0x00, 0x00,  // maximum packet size 0
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"maximum packet size"}));
}

TEST(malformed, decoder_rejects_request_problem_information_2) {
  const bytes input{
      0x10, 0x10,                          // CONNECT, remaining length 16
      0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // protocol name "MQTT"
      0x05,                                // protocol level 5
      0x02,                                // connect flags: clean start
      0x00, 0x3C,                          // keep alive 60
      0x02,                                // property length 2
      0x17, 0x02,                          // request problem information 2 (must be 0 or 1)
      0x00, 0x01, 0x63,                    // client identifier "c"
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"request problem information"}));
}

TEST(malformed, decoder_rejects_request_response_information_2) {
  const bytes input{
      0x10, 0x10,                          // CONNECT, remaining length 16
      0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // protocol name "MQTT"
      0x05,                                // protocol level 5
      0x02,                                // connect flags: clean start
      0x00, 0x3C,                          // keep alive 60
      0x02,                                // property length 2
      0x19, 0x02,                          // request response information 2 (must be 0 or 1)
      0x00, 0x01, 0x63,                    // client identifier "c"
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"request response information"}));
}

TEST(malformed, decoder_rejects_retain_available_2) {
  const bytes input{
      0x20, 0x05,  // CONNACK, remaining length 5
      0x00,        // acknowledge flags 0
      0x00,        // reason code success
      0x02,        // property length 2
      0x25, 0x02,  // retain available 2 (must be 0 or 1)
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"retain available"}));
}

TEST(malformed, decoder_rejects_wildcard_subscription_available_2) {
  const bytes input{
      0x20, 0x05,  // CONNACK, remaining length 5
      0x00,        // acknowledge flags 0
      0x00,        // reason code success
      0x02,        // property length 2
      0x28, 0x02,  // wildcard subscription available 2 (must be 0 or 1)
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"wildcard"}));
}

TEST(malformed, decoder_rejects_subscription_identifier_available_2) {
  const bytes input{
      0x20, 0x05,  // CONNACK, remaining length 5
      0x00,        // acknowledge flags 0
      0x00,        // reason code success
      0x02,        // property length 2
      0x29, 0x02,  // subscription identifier available 2 (must be 0 or 1)
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"subscription identifier"}));
}

TEST(malformed, decoder_rejects_shared_subscription_available_2) {
  const bytes input{
      0x20, 0x05,  // CONNACK, remaining length 5
      0x00,        // acknowledge flags 0
      0x00,        // reason code success
      0x02,        // property length 2
      0x2A, 0x02,  // shared subscription available 2 (must be 0 or 1)
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"shared subscription"}));
}

TEST(malformed, decoder_rejects_maximum_qos_2) {
  const bytes input{
      0x20, 0x05,  // CONNACK, remaining length 5
      0x00,        // acknowledge flags 0
      0x00,        // reason code success
      0x02,        // property length 2
      0x24, 0x02,  // maximum QoS 2 (must be 0 or 1)
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"maximum qos"}));
}

TEST(malformed, decoder_rejects_payload_format_indicator_2_in_publish) {
  const bytes input{
      0x30, 0x06,        // PUBLISH QoS 0, remaining length 6
      0x00, 0x01, 0x61,  // topic "a"
      0x02,              // property length 2
      0x01, 0x02,        // payload format indicator 2 (must be 0 or 1)
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"payload format"}));
}

TEST(malformed, decoder_rejects_payload_format_indicator_2_in_will_properties) {
  const bytes input{
      0x10, 0x16,                          // CONNECT, remaining length 22
      0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // protocol name "MQTT"
      0x05,                                // protocol level 5
      0x06,                                // connect flags: will, clean start
      0x00, 0x3C,                          // keep alive 60
      0x00,                                // property length 0
      0x00, 0x01, 0x63,                    // client identifier "c"
      0x02,                                // will property length 2
      0x01, 0x02,                          // payload format indicator 2 (must be 0 or 1)
      0x00, 0x01, 0x77,                    // will topic "w"
      0x00, 0x00,                          // will payload, empty
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"payload format"}));
}

// ---------------------------------------------------------------------------------------------------------
// 0x82: PUBLISH and SUBSCRIBE rules.
// ---------------------------------------------------------------------------------------------------------

TEST(malformed, decoder_rejects_publish_qos_0_with_dup) {
  const bytes input{
      0x38, 0x04,        // PUBLISH QoS 0 with DUP, remaining length 4
      0x00, 0x01, 0x61,  // topic "a"
      0x00,              // property length 0
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"dup"}));
}

TEST(malformed, decoder_rejects_publish_with_empty_topic_and_no_topic_alias) {
  const bytes input{
      0x30, 0x03,  // PUBLISH QoS 0, remaining length 3
      0x00, 0x00,  // topic "" ...
      0x00,        // ... and property length 0: no topic alias
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"topic"}));
}

TEST(malformed, decoder_rejects_no_local_on_shared_subscription) {
  const bytes input{
      0x82, 0x10,                                // SUBSCRIBE, remaining length 16
      0x00, 0x01,                                // packet identifier 1
      0x00,                                      // property length 0
      0x00, 0x0A,                                // topic filter of 10 bytes:
      0x24, 0x73, 0x68, 0x61, 0x72, 0x65, 0x2F,  //   "$share/"
      0x67, 0x2F, 0x61,                          //   "g/a"
      0x04,                                      // subscription options: no local, QoS 0
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"no local", "no_local", "shared"}));
}

// ---------------------------------------------------------------------------------------------------------
// 0x82: reason codes not allowed in the packet.
// ---------------------------------------------------------------------------------------------------------

TEST(malformed, decoder_rejects_puback_reason_code_0x04) {
  const bytes input{
      0x40, 0x04,  // PUBACK, remaining length 4
      0x00, 0x01,  // packet identifier 1
      0x04,        // reason code 0x04 (disconnect with will message: DISCONNECT only)
      0x00,        // property length 0
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"reason code"}));
}

TEST(malformed, decoder_rejects_pubrel_reason_code_0x10) {
  const bytes input{
      0x62, 0x04,  // PUBREL, remaining length 4
      0x00, 0x01,  // packet identifier 1
      0x10,        // reason code 0x10 (no matching subscribers: PUBACK / PUBREC only)
      0x00,        // property length 0
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"reason code"}));
}

TEST(malformed, decoder_rejects_disconnect_reason_code_0x01) {
  const bytes input{
      0xE0, 0x02,  // DISCONNECT, remaining length 2
      0x01,        // reason code 0x01 (granted QoS 1: SUBACK only)
      0x00,        // property length 0
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"reason code"}));
}

TEST(malformed, decoder_rejects_auth_reason_code_0x80) {
  const bytes input{
      0xF0, 0x02,  // AUTH, remaining length 2
      0x80,        // reason code 0x80 (AUTH allows only 0x00, 0x18, 0x19)
      0x00,        // property length 0
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"reason code"}));
}

TEST(malformed, decoder_rejects_suback_reason_code_0x04) {
  const bytes input{
      0x90, 0x04,  // SUBACK, remaining length 4
      0x00, 0x01,  // packet identifier 1
      0x00,        // property length 0
      0x04,        // reason code 0x04 (DISCONNECT only)
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"reason code"}));
}

TEST(malformed, decoder_rejects_unsuback_reason_code_0x01) {
  const bytes input{
      0xB0, 0x04,  // UNSUBACK, remaining length 4
      0x00, 0x01,  // packet identifier 1
      0x00,        // property length 0
      0x01,        // reason code 0x01 (granted QoS 1: SUBACK only)
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"reason code"}));
}

TEST(malformed, decoder_rejects_connack_reason_code_0x04) {
  const bytes input{
      0x20, 0x03,  // CONNACK, remaining length 3
      0x00,        // acknowledge flags 0
      0x04,        // reason code 0x04 (DISCONNECT only)
      0x00,        // property length 0
  };
  EXPECT_TRUE(rejects(input, v5, protocol_err, {"reason code"}));
}

TEST(malformed, decoder_rejects_3_1_1_connack_return_code_6) {
  const bytes input{
      0x20, 0x02,  // CONNACK, remaining length 2
      0x00,        // acknowledge flags 0
      0x06,        // return code 6 (3.1.1 defines 0 to 5)
  };
  EXPECT_TRUE(rejects(input, v311, protocol_err, {"return code", "reason code"}));
}

TEST(malformed, decoder_rejects_3_1_1_connack_return_code_0x80) {
  const bytes input{
      0x20, 0x02,  // CONNACK, remaining length 2
      0x00,        // acknowledge flags 0
      0x80,        // return code 0x80 (3.1.1 defines 0 to 5)
  };
  EXPECT_TRUE(rejects(input, v311, protocol_err, {"return code", "reason code"}));
}

TEST(malformed, decoder_rejects_3_1_1_suback_return_code_3) {
  const bytes input{
      0x90, 0x03,  // SUBACK, remaining length 3
      0x00, 0x01,  // packet identifier 1
      0x03,        // return code 3 (3.1.1 allows 0, 1, 2 and 0x80)
  };
  EXPECT_TRUE(rejects(input, v311, protocol_err, {"return code", "reason code"}));
}

// ---------------------------------------------------------------------------------------------------------
// 0x84 unsupported protocol version.
// ---------------------------------------------------------------------------------------------------------

TEST(malformed, decoder_rejects_connect_protocol_level_3) {
  const bytes input{
      0x10, 0x0D,                          // CONNECT, remaining length 13
      0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // protocol name "MQTT"
      0x03,                                // protocol level 3
      0x02,                                // connect flags: clean session
      0x00, 0x3C,                          // keep alive 60
      0x00, 0x01, 0x63,                    // client identifier "c"
  };
  EXPECT_TRUE(rejects(input, v5, reason_code::unsupported_protocol_version, {"protocol"}));
}

TEST(malformed, decoder_rejects_connect_protocol_level_6) {
  const bytes input{
      0x10, 0x0E,                          // CONNECT, remaining length 14
      0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // protocol name "MQTT"
      0x06,                                // protocol level 6
      0x02,                                // connect flags: clean start
      0x00, 0x3C,                          // keep alive 60
      0x00,                                // property length 0
      0x00, 0x01, 0x63,                    // client identifier "c"
  };
  EXPECT_TRUE(rejects(input, v5, reason_code::unsupported_protocol_version, {"protocol"}));
}

TEST(malformed, decoder_rejects_connect_protocol_name_mqtx) {
  const bytes input{
      0x10, 0x0E,                          // CONNECT, remaining length 14
      0x00, 0x04, 0x4D, 0x51, 0x54, 0x58,  // protocol name "MQTX"
      0x05,                                // protocol level 5
      0x02,                                // connect flags: clean start
      0x00, 0x3C,                          // keep alive 60
      0x00,                                // property length 0
      0x00, 0x01, 0x63,                    // client identifier "c"
  };
  EXPECT_TRUE(rejects(input, v5, reason_code::unsupported_protocol_version, {"protocol"}));
}

TEST(malformed, decoder_rejects_connect_protocol_name_mqisdp) {
  const bytes input{
      0x10, 0x0F,                                      // CONNECT, remaining length 15
      0x00, 0x06, 0x4D, 0x51, 0x49, 0x73, 0x64, 0x70,  // protocol name "MQIsdp" (MQTT 3.1)
      0x03,                                            // protocol level 3
      0x02,                                            // connect flags: clean session
      0x00, 0x3C,                                      // keep alive 60
      0x00, 0x01, 0x63,                                // client identifier "c"
  };
  EXPECT_TRUE(rejects(input, v311, reason_code::unsupported_protocol_version, {"protocol"}));
}

// ---------------------------------------------------------------------------------------------------------
// 0x94 topic alias invalid.
// ---------------------------------------------------------------------------------------------------------

TEST(malformed, decoder_rejects_topic_alias_zero) {
  const bytes input{
      0x30, 0x07,        // PUBLISH QoS 0, remaining length 7
      0x00, 0x01, 0x61,  // topic "a"
      0x03,              // property length 3
      0x23, 0x00, 0x00,  // topic alias 0
  };
  EXPECT_TRUE(rejects(input, v5, reason_code::topic_alias_invalid, {"topic alias"}));
}

// ---------------------------------------------------------------------------------------------------------
// 0x95 packet too large: stream_decoder judges the size from the fixed header alone.
// ---------------------------------------------------------------------------------------------------------

TEST(malformed_stream, rejects_packet_over_maximum_size_from_its_fixed_header) {
  stream_decoder decoder(v5, 100);
  std::vector<packet> out;
  const bytes header{
      0x30, 0x63,  // PUBLISH QoS 0, remaining length 99: 101 bytes in all, over the maximum of 100
  };
  auto e = decoder.feed(header.data(), header.size(), out);
  ASSERT_TRUE(e.has_value()) << "the decoder waited for the body of a packet it must reject";
  EXPECT_EQ(e->code, reason_code::packet_too_large) << to_string(*e);
  EXPECT_FALSE(e->message.empty());
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(decoder.failed());
  EXPECT_LE(decoder.buffered(), header.size());
}

TEST(malformed_stream, rejects_packet_over_maximum_size_from_a_multi_byte_fixed_header_fed_byte_by_byte) {
  stream_decoder decoder(v5, 1000);
  std::vector<packet> out;
  const std::uint8_t type = 0x30;      // PUBLISH QoS 0
  const std::uint8_t length_1 = 0xE8;  // remaining length 1000 = 0x68 + 7 * 128 ...
  const std::uint8_t length_2 = 0x07;  // ... so 1003 bytes in all, over the maximum of 1000
  EXPECT_FALSE(decoder.feed(&type, 1, out).has_value());
  EXPECT_FALSE(decoder.feed(&length_1, 1, out).has_value()) << "the remaining length is not complete yet";
  auto e = decoder.feed(&length_2, 1, out);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, reason_code::packet_too_large) << to_string(*e);
  EXPECT_TRUE(out.empty());
  EXPECT_LE(decoder.buffered(), 3U);
}

TEST(malformed_stream, rejects_packet_over_maximum_size_given_whole) {
  stream_decoder decoder(v5, 100);
  std::vector<packet> out;
  bytes input{
      0x30, 0x63,        // PUBLISH QoS 0, remaining length 99: 101 bytes in all
      0x00, 0x01, 0x61,  // topic "a"
      0x00,              // property length 0
  };
  input.resize(101, 0x78);  // 95 bytes of payload "xxx..."
  auto e = decoder.feed(input.data(), input.size(), out);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, reason_code::packet_too_large) << to_string(*e);
  EXPECT_TRUE(out.empty());
}

TEST(malformed_stream, accepts_packet_of_exactly_the_maximum_size) {
  stream_decoder decoder(v5, 100);
  std::vector<packet> out;
  bytes input{
      0x30, 0x62,        // PUBLISH QoS 0, remaining length 98: 100 bytes in all, the maximum
      0x00, 0x01, 0x61,  // topic "a"
      0x00,              // property length 0
  };
  input.resize(100, 0x78);  // 94 bytes of payload "xxx..."
  EXPECT_FALSE(decoder.feed(input.data(), 2, out).has_value()) << "fixed header of a packet that fits";
  EXPECT_FALSE(decoder.feed(input.data() + 2, input.size() - 2, out).has_value());
  ASSERT_EQ(out.size(), 1U);
  ASSERT_EQ(type_of(out[0]), packet_type::publish);
  EXPECT_EQ(std::get<publish>(out[0]).payload.size(), 94U);
}

TEST(malformed_stream, set_maximum_packet_size_applies_to_the_next_packet) {
  stream_decoder decoder(v5);
  decoder.set_maximum_packet_size(10);
  EXPECT_EQ(decoder.maximum_packet_size(), 10U);
  std::vector<packet> out;
  const bytes header{
      0x30, 0x09,  // PUBLISH QoS 0, remaining length 9: 11 bytes in all, over the maximum of 10
  };
  auto e = decoder.feed(header.data(), header.size(), out);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, reason_code::packet_too_large) << to_string(*e);
}

// ---------------------------------------------------------------------------------------------------------
// stream_decoder: errors are final, and packets before the error still come out.
// ---------------------------------------------------------------------------------------------------------

TEST(malformed_stream, error_is_final) {
  stream_decoder decoder(v5);
  std::vector<packet> out;
  const bytes bad{0x00, 0x00};      // packet type 0
  const bytes pingreq{0xC0, 0x00};  // a valid PINGREQ
  auto first = decoder.feed(bad.data(), bad.size(), out);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->code, reason_code::malformed_packet);
  EXPECT_TRUE(decoder.failed());

  auto second = decoder.feed(pingreq.data(), pingreq.size(), out);
  ASSERT_TRUE(second.has_value()) << "a failed decoder decoded again";
  EXPECT_EQ(second->code, first->code);
  EXPECT_EQ(second->message, first->message);
  EXPECT_TRUE(out.empty());

  auto third = decoder.feed(pingreq.data(), 0, out);
  ASSERT_TRUE(third.has_value()) << "an empty feed cleared the failure";
  EXPECT_EQ(third->code, first->code);
  EXPECT_TRUE(out.empty());
}

TEST(malformed_stream, packet_too_large_is_final) {
  stream_decoder decoder(v5, 10);
  std::vector<packet> out;
  const bytes header{0x30, 0x7F};   // PUBLISH QoS 0, remaining length 127: over the maximum of 10
  const bytes pingreq{0xC0, 0x00};  // a valid PINGREQ
  ASSERT_TRUE(decoder.feed(header.data(), header.size(), out).has_value());
  auto again = decoder.feed(pingreq.data(), pingreq.size(), out);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->code, reason_code::packet_too_large);
  EXPECT_TRUE(out.empty());
}

TEST(malformed_stream, reset_clears_the_failure) {
  stream_decoder decoder(v5);
  std::vector<packet> out;
  const bytes bad{0x41, 0x02, 0x00, 0x01};  // PUBACK with flags 0001
  const bytes pingreq{0xC0, 0x00};
  ASSERT_TRUE(decoder.feed(bad.data(), bad.size(), out).has_value());
  decoder.reset();
  EXPECT_FALSE(decoder.failed());
  EXPECT_EQ(decoder.buffered(), 0U);
  EXPECT_FALSE(decoder.feed(pingreq.data(), pingreq.size(), out).has_value());
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(type_of(out[0]), packet_type::pingreq);
}

TEST(malformed_stream, error_in_second_packet_of_a_chunk_still_yields_the_first) {
  stream_decoder decoder(v5);
  std::vector<packet> out;
  const bytes chunk{
      0x40, 0x02, 0x00, 0x07,  // PUBACK, packet identifier 7: valid
      0x41, 0x02, 0x00, 0x01,  // PUBACK with flags 0001: malformed
      0xC0, 0x00,              // PINGREQ after the error: never decoded
  };
  auto e = decoder.feed(chunk.data(), chunk.size(), out);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, reason_code::malformed_packet) << to_string(*e);
  ASSERT_EQ(out.size(), 1U);
  ASSERT_EQ(type_of(out[0]), packet_type::puback);
  EXPECT_EQ(std::get<puback>(out[0]).packet_id, 7U);
}

TEST(malformed_stream, error_in_a_packet_split_across_chunks_keeps_the_packets_before_it) {
  stream_decoder decoder(v5);
  std::vector<packet> out;
  const bytes first{
      0xC0, 0x00,  // PINGREQ: valid
      0x32, 0x06,  // PUBLISH QoS 1, remaining length 6 ...
      0x00, 0x01,  // ... topic length 1 ...
  };
  const bytes second{
      0x61,        // ... topic "a"
      0x00, 0x00,  // packet identifier 0: protocol error
      0x00,        // property length 0
  };
  EXPECT_FALSE(decoder.feed(first.data(), first.size(), out).has_value());
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(type_of(out[0]), packet_type::pingreq);
  auto e = decoder.feed(second.data(), second.size(), out);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, reason_code::protocol_error) << to_string(*e);
  EXPECT_EQ(out.size(), 1U);
}
