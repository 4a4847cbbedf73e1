// Facts of the wire format shared by the encoder and the decoder (private to protocol/src).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "iotactor/protocol/error.hpp"
#include "iotactor/protocol/properties.hpp"
#include "iotactor/protocol/reason_code.hpp"
#include "iotactor/protocol/types.hpp"

namespace iotactor::protocol::wire {

/// The fixed-header flag bits a packet type must carry (PUBLISH has its own rules).
constexpr std::uint8_t required_flags(packet_type t) noexcept {
  return t == packet_type::pubrel || t == packet_type::subscribe || t == packet_type::unsubscribe ? 0x02
                                                                                                  : 0x00;
}

/// Whether MQTT 5 allows this reason code in this packet type.
bool reason_allowed(packet_type t, reason_code rc) noexcept;

/// 3.1.1 CONNACK return codes 0..5 and the MQTT 5 reason codes they mean.
std::optional<reason_code> connack_code_from_v311(std::uint8_t code) noexcept;
std::optional<std::uint8_t> connack_code_to_v311(reason_code rc) noexcept;

/// 3.1.1 SUBACK return codes: 0, 1, 2 and 0x80 (failure, mapped to unspecified_error).
std::optional<reason_code> suback_code_from_v311(std::uint8_t code) noexcept;
std::optional<std::uint8_t> suback_code_to_v311(reason_code rc) noexcept;

/// "0x1F (reason string)" style name for messages.
std::string property_name(std::uint32_t id);

/// "0x87 (not authorized)".
std::string reason_name(reason_code rc);

inline error make_error(reason_code code, std::string message) {
  return error{code, std::move(message)};
}

}  // namespace iotactor::protocol::wire
