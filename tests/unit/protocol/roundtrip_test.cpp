// Round trips of random packets through encode and decode, and streams cut at every point.
#include <gtest/gtest.h>

#include "iotactor/protocol.hpp"
#include "packet_generator.hpp"

using namespace iotactor::protocol;
using iotactor::protocol::testing::packet_generator;

namespace {

bytes encode_ok(const packet& p, protocol_version v) {
  bytes out;
  auto err = encode(p, v, out);
  EXPECT_FALSE(err) << to_string(*err) << " for " << describe(p);
  return out;
}

class roundtrip : public ::testing::TestWithParam<protocol_version> {};

}  // namespace

TEST_P(roundtrip, random_packets_of_every_type_survive_encode_then_decode) {
  const auto v = GetParam();
  const int last_type = v == protocol_version::v5 ? 15 : 14;
  for (std::uint32_t seed = 1; seed <= 300; ++seed) {
    packet_generator gen(seed, v);
    for (int t = 1; t <= last_type; ++t) {
      auto p = gen.make(static_cast<packet_type>(t));
      auto wire_bytes = encode_ok(p, v);
      auto size = encoded_size(p, v);
      ASSERT_TRUE(size) << to_string(size.error());
      ASSERT_EQ(*size, wire_bytes.size()) << describe(p);
      auto back = decode_packet(wire_bytes.data(), wire_bytes.size(), v);
      ASSERT_TRUE(back) << to_string(back.error()) << " for " << describe(p);
      ASSERT_EQ(*back, p);
      // Re-encoding the decoded packet gives the same bytes.
      ASSERT_EQ(encode_ok(*back, v), wire_bytes);
    }
  }
}

TEST_P(roundtrip, encode_to_writes_the_same_bytes_and_refuses_a_short_buffer) {
  const auto v = GetParam();
  packet_generator gen(7, v);
  for (int i = 0; i < 200; ++i) {
    auto p = gen.any();
    auto expected = encode_ok(p, v);
    bytes buf(expected.size());
    auto n = encode_to(p, v, buf.data(), buf.size());
    ASSERT_TRUE(n);
    ASSERT_EQ(*n, expected.size());
    ASSERT_EQ(buf, expected);
    auto short_result = encode_to(p, v, buf.data(), buf.size() - 1);
    ASSERT_FALSE(short_result);
  }
}

TEST_P(roundtrip, encode_appends_without_touching_earlier_bytes) {
  const auto v = GetParam();
  bytes out{0xAA, 0xBB};
  ASSERT_FALSE(encode(pingreq{}, v, out));
  EXPECT_EQ(out, (bytes{0xAA, 0xBB, 0xC0, 0x00}));
}

TEST_P(roundtrip, stream_cut_at_every_point_yields_the_same_packets) {
  const auto v = GetParam();
  packet_generator gen(42, v);
  std::vector<packet> sent;
  bytes stream;
  for (int i = 0; i < 30; ++i) {
    sent.push_back(gen.any());
    auto b = encode_ok(sent.back(), v);
    stream.insert(stream.end(), b.begin(), b.end());
  }
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    stream_decoder d(v);
    std::vector<packet> got;
    ASSERT_FALSE(d.feed(stream.data(), cut, got));
    ASSERT_FALSE(d.feed(stream.data() + cut, stream.size() - cut, got));
    ASSERT_EQ(got, sent) << "cut at " << cut;
    ASSERT_EQ(d.buffered(), 0U);
  }
}

TEST_P(roundtrip, stream_fed_one_byte_at_a_time_yields_the_same_packets) {
  const auto v = GetParam();
  packet_generator gen(43, v);
  std::vector<packet> sent;
  bytes stream;
  for (int i = 0; i < 200; ++i) {
    sent.push_back(gen.any());
    auto b = encode_ok(sent.back(), v);
    stream.insert(stream.end(), b.begin(), b.end());
  }
  stream_decoder d(v);
  std::vector<packet> got;
  for (auto byte : stream) ASSERT_FALSE(d.feed(&byte, 1, got));
  EXPECT_EQ(got, sent);
}

TEST_P(roundtrip, stream_fed_random_chunks_yields_the_same_packets) {
  const auto v = GetParam();
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    packet_generator gen(seed, v);
    std::vector<packet> sent;
    bytes stream;
    for (int i = 0; i < 100; ++i) {
      sent.push_back(gen.any());
      auto b = encode_ok(sent.back(), v);
      stream.insert(stream.end(), b.begin(), b.end());
    }
    stream_decoder d(v);
    std::vector<packet> got;
    std::size_t pos = 0;
    while (pos < stream.size()) {
      auto n = std::min<std::size_t>(static_cast<std::size_t>(gen.uniform(1, 700)), stream.size() - pos);
      ASSERT_FALSE(d.feed(stream.data() + pos, n, got));
      pos += n;
    }
    ASSERT_EQ(got, sent) << "seed " << seed;
  }
}

INSTANTIATE_TEST_SUITE_P(both_versions, roundtrip,
                         ::testing::Values(protocol_version::v5, protocol_version::v3_1_1),
                         [](const auto& param_info) {
                           return param_info.param == protocol_version::v5 ? "v5" : "v3_1_1";
                         });

TEST(publish_retransmit, set_dup_marks_an_encoded_publish_without_re_encoding) {
  publish p;
  p.topic = "a/b";
  p.qos = qos::at_least_once;
  p.packet_id = 9;
  p.payload = shared_bytes("x");
  bytes wire_bytes;
  ASSERT_FALSE(encode(p, protocol_version::v5, wire_bytes));
  set_dup(wire_bytes[0]);
  auto back = decode_packet(wire_bytes.data(), wire_bytes.size(), protocol_version::v5);
  ASSERT_TRUE(back);
  p.dup = true;
  EXPECT_EQ(*back, packet(p));
  EXPECT_EQ(wire_bytes[0], 0x3A);
}

TEST(encoder_limits, a_packet_over_the_peer_maximum_size_is_rejected_with_packet_too_large) {
  publish p;
  p.topic = "t";
  p.payload = shared_bytes(std::string(100, 'x'));
  bytes out;
  auto err = encode(p, protocol_version::v5, out, 50);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, reason_code::packet_too_large);
  EXPECT_TRUE(out.empty());
}

// The writer's fast path: for a packet that validates, encode_validated appends exactly encode's bytes.
TEST_P(roundtrip, encode_validated_appends_the_bytes_encode_writes) {
  const auto v = GetParam();
  packet_generator gen(11, v);
  bytes all_expected;
  bytes all;
  for (int i = 0; i < 300; ++i) {
    auto p = gen.any();
    auto expected = encode_ok(p, v);
    all_expected.insert(all_expected.end(), expected.begin(), expected.end());
    ASSERT_EQ(encode_validated(p, v, all), expected.size()) << describe(p);
  }
  EXPECT_EQ(all, all_expected);
}

TEST(stream_decoder_batches, a_read_of_many_packets_sizes_the_output_once_and_leaves_a_partial_one_out) {
  // 100 PUBLISHes and the first half of a 101st: room for exactly the 100 complete ones (grown one by one
  // the vector would hold 128, having moved its packets seven times over).
  bytes wire;
  for (int i = 0; i < 101; ++i) {
    publish p;
    p.topic = "t/" + std::to_string(i);
    p.payload = shared_bytes("payload " + std::to_string(i));
    ASSERT_FALSE(encode(p, protocol_version::v5, wire));
  }
  publish last;
  last.topic = "t/100";
  last.payload = shared_bytes("payload 100");
  bytes last_bytes;
  ASSERT_FALSE(encode(last, protocol_version::v5, last_bytes));
  auto cut = wire.size() - last_bytes.size() / 2;
  stream_decoder d(protocol_version::v5);
  std::vector<packet> out;
  ASSERT_FALSE(d.feed(wire.data(), cut, out));
  ASSERT_EQ(out.size(), 100U);
  EXPECT_EQ(out.capacity(), 100U);
  EXPECT_EQ(std::get<publish>(out[99]).topic, "t/99");
  std::vector<packet> rest;
  ASSERT_FALSE(d.feed(wire.data() + cut, wire.size() - cut, rest));
  ASSERT_EQ(rest.size(), 1U);
  EXPECT_EQ(std::get<publish>(rest[0]), last);
}
