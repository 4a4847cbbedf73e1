// Basic vocabulary of the MQTT wire format: versions, QoS, packet types and byte buffers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace iotactor::protocol {

using bytes = std::vector<std::uint8_t>;

/// The protocol level byte of CONNECT.
enum class protocol_version : std::uint8_t { v3_1_1 = 4, v5 = 5 };

enum class qos : std::uint8_t { at_most_once = 0, at_least_once = 1, exactly_once = 2 };

enum class packet_type : std::uint8_t {
  connect = 1,
  connack = 2,
  publish = 3,
  puback = 4,
  pubrec = 5,
  pubrel = 6,
  pubcomp = 7,
  subscribe = 8,
  suback = 9,
  unsubscribe = 10,
  unsuback = 11,
  pingreq = 12,
  pingresp = 13,
  disconnect = 14,
  auth = 15,
};

/// Subscription option: when the server sends retained messages for a new subscription.
enum class retain_handling : std::uint8_t {
  send_on_subscribe = 0,
  send_on_new_subscribe = 1,
  dont_send = 2,
};

/// Payload format indicator property values.
enum class payload_format : std::uint8_t { unspecified = 0, utf8 = 1 };

/// User properties keep their wire order and may repeat a key.
using string_pair = std::pair<std::string, std::string>;
using user_properties = std::vector<string_pair>;

/// Largest value a variable byte integer can carry.
inline constexpr std::uint32_t max_variable_byte_integer = 268'435'455;
/// Largest packet MQTT can frame: 1 type byte + 4 length bytes + the largest remaining length.
inline constexpr std::uint32_t max_packet_size = max_variable_byte_integer + 5;

std::string_view to_string(protocol_version v);
std::string_view to_string(packet_type t);
std::string_view to_string(qos q);

}  // namespace iotactor::protocol
