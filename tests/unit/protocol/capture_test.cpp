// Decodes real traffic between mosquitto_sub -V 5 and mosquitto 2.0 (see apps/protocol_demo/captures).
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

#include "iotactor/protocol.hpp"

using namespace iotactor::protocol;

namespace {

bytes read_capture(const std::string& name) {
  std::ifstream in(std::string(IOTACTOR_CAPTURE_DIR) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  return bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<packet> decode_all(const bytes& data) {
  stream_decoder d;
  std::vector<packet> out;
  auto err = d.feed(data.data(), data.size(), out);
  EXPECT_FALSE(err) << to_string(*err);
  EXPECT_EQ(d.buffered(), 0U);
  return out;
}

}  // namespace

TEST(capture, client_to_server_stream_of_mosquitto_sub_decodes_field_by_field) {
  auto packets = decode_all(read_capture("mosquitto_sub_v5.client-to-server.bin"));
  ASSERT_EQ(packets.size(), 5U);

  connect c;
  c.client_id = "demo-sub";
  c.keep_alive = 60;
  c.clean_start = true;
  c.properties.receive_maximum = 2;
  EXPECT_EQ(packets[0], packet(c));

  subscribe s;
  s.packet_id = 1;
  s.subscriptions.push_back(
      {"sensors/+/temperature", qos::at_least_once, false, false, retain_handling::send_on_subscribe});
  s.properties.subscription_identifier = 7;
  EXPECT_EQ(packets[1], packet(s));

  puback a1;
  a1.packet_id = 1;
  puback a2;
  a2.packet_id = 2;
  EXPECT_EQ(packets[2], packet(a1));
  EXPECT_EQ(packets[3], packet(a2));
  EXPECT_EQ(packets[4], packet(disconnect{}));
}

TEST(capture, server_to_client_stream_of_mosquitto_decodes_field_by_field) {
  auto packets = decode_all(read_capture("mosquitto_sub_v5.server-to-client.bin"));
  ASSERT_EQ(packets.size(), 4U);

  connack ca;
  ca.properties.receive_maximum = 20;
  ca.properties.topic_alias_maximum = 10;
  EXPECT_EQ(packets[0], packet(ca));

  suback sa;
  sa.packet_id = 1;
  sa.reason_codes = {reason_code::granted_qos_1};
  EXPECT_EQ(packets[1], packet(sa));

  publish kitchen;
  kitchen.topic = "sensors/kitchen/temperature";
  kitchen.payload = shared_bytes(R"({"celsius":21.5})");
  kitchen.qos = qos::at_least_once;
  kitchen.packet_id = 1;
  kitchen.properties.message_expiry_interval = 60;
  kitchen.properties.user_properties = {{"unit", "celsius"}};
  kitchen.properties.subscription_identifiers = {7};
  kitchen.properties.content_type = "application/json";
  EXPECT_EQ(packets[2], packet(kitchen));

  publish hall;
  hall.topic = "sensors/hall/temperature";
  hall.payload = shared_bytes("19.0");
  hall.qos = qos::at_least_once;
  hall.packet_id = 2;
  hall.properties.payload_format_indicator = payload_format::utf8;
  hall.properties.response_topic = "replies/hall";
  hall.properties.subscription_identifiers = {7};
  EXPECT_EQ(packets[3], packet(hall));
}

TEST(capture, re_encoding_the_captured_packets_gives_packets_of_the_same_size_and_content) {
  // Property order is free on the wire (mosquitto writes them in its own order), so compare sizes and
  // decoded content rather than bytes.
  for (const char* name :
       {"mosquitto_sub_v5.client-to-server.bin", "mosquitto_sub_v5.server-to-client.bin"}) {
    auto data = read_capture(name);
    auto packets = decode_all(data);
    bytes again;
    for (const auto& p : packets) ASSERT_FALSE(encode(p, protocol_version::v5, again));
    EXPECT_EQ(again.size(), data.size()) << name;
    EXPECT_EQ(decode_all(again), packets) << name;
  }
}
