// Encoding packets to bytes for protocol level 4 (3.1.1) or 5, into a caller-provided buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "iotactor/protocol/error.hpp"
#include "iotactor/protocol/packets.hpp"

namespace iotactor::protocol {

/// Size of the encoded packet, fixed header included, or why it cannot be encoded in this version
/// (an invalid field, or something 3.1.1 cannot carry).
result<std::size_t> encoded_size(const packet& p, protocol_version version);

/// Same, for one packet type: no variant is built (building one copies the packet).
template <class Packet>
result<std::size_t> encoded_size(const Packet& p, protocol_version version);

/// Appends the encoded packet to out and returns nothing, or returns an error naming the field and leaves
/// out unchanged. A packet larger than maximum_size (the peer's limit) is rejected with packet_too_large.
std::optional<error> encode(const packet& p, protocol_version version, bytes& out,
                            std::uint32_t maximum_size = max_packet_size);

/// Same, for one packet type: avoids building a variant (and copying the packet) on the hot path.
template <class Packet>
std::optional<error> encode(const Packet& p, protocol_version version, bytes& out,
                            std::uint32_t maximum_size = max_packet_size);

/// Appends a packet that already passed encoded_size() or encode() with this version, without validating
/// it again (the topic's UTF-8, the properties, ...); returns the bytes appended. For the writer of a
/// client whose session validated every packet it sends; anything else should call encode().
std::size_t encode_validated(const packet& p, protocol_version version, bytes& out);

/// Writes into [dst, dst + capacity) and returns the count written; fails if capacity is too small.
result<std::size_t> encode_to(const packet& p, protocol_version version, std::uint8_t* dst,
                              std::size_t capacity);

/// Marks an encoded PUBLISH as a retransmission by setting DUP in its first byte, with no re-encoding.
inline void set_dup(std::uint8_t& first_byte) noexcept {
  first_byte |= 0x08U;
}

/// Number of bytes a variable byte integer takes (1 to 4), for values up to max_variable_byte_integer.
constexpr std::size_t variable_byte_integer_size(std::uint32_t value) noexcept {
  return value < 128U ? 1 : value < 16'384U ? 2 : value < 2'097'152U ? 3 : 4;
}

}  // namespace iotactor::protocol
