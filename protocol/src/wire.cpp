// Reason-code tables per packet type and the 3.1.1 return-code mappings.
#include "wire.hpp"

#include <algorithm>
#include <cstdio>
#include <initializer_list>

namespace iotactor::protocol::wire {

namespace {

bool one_of(reason_code rc, std::initializer_list<std::uint8_t> codes) noexcept {
  return std::find(codes.begin(), codes.end(), static_cast<std::uint8_t>(rc)) != codes.end();
}

}  // namespace

bool reason_allowed(packet_type t, reason_code rc) noexcept {
  switch (t) {
    case packet_type::connack:
      return one_of(rc, {0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
                         0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F});
    case packet_type::puback:
    case packet_type::pubrec:
      return one_of(rc, {0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99});
    case packet_type::pubrel:
    case packet_type::pubcomp:
      return one_of(rc, {0x00, 0x92});
    case packet_type::suback:
      return one_of(rc, {0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2});
    case packet_type::unsuback:
      return one_of(rc, {0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91});
    case packet_type::disconnect:
      return one_of(rc,
                    {0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94,
                     0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2});
    case packet_type::auth:
      return one_of(rc, {0x00, 0x18, 0x19});
    default:
      return false;
  }
}

namespace {
constexpr reason_code v311_connack[] = {reason_code::success,
                                        reason_code::unsupported_protocol_version,
                                        reason_code::client_identifier_not_valid,
                                        reason_code::server_unavailable,
                                        reason_code::bad_user_name_or_password,
                                        reason_code::not_authorized};
}

std::optional<reason_code> connack_code_from_v311(std::uint8_t code) noexcept {
  if (code >= std::size(v311_connack)) return std::nullopt;
  return v311_connack[code];
}

std::optional<std::uint8_t> connack_code_to_v311(reason_code rc) noexcept {
  for (std::size_t i = 0; i < std::size(v311_connack); ++i)
    if (v311_connack[i] == rc) return static_cast<std::uint8_t>(i);
  return std::nullopt;
}

std::optional<reason_code> suback_code_from_v311(std::uint8_t code) noexcept {
  if (code <= 2) return static_cast<reason_code>(code);
  if (code == 0x80) return reason_code::unspecified_error;
  return std::nullopt;
}

std::optional<std::uint8_t> suback_code_to_v311(reason_code rc) noexcept {
  auto v = static_cast<std::uint8_t>(rc);
  if (v <= 2) return v;
  if (rc == reason_code::unspecified_error) return 0x80;
  return std::nullopt;
}

std::string property_name(std::uint32_t id) {
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%02X", id);
  return std::string(hex) + " (" + std::string(to_string(static_cast<property_id>(id <= 0xFF ? id : 0))) +
         ")";
}

std::string reason_name(reason_code rc) {
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned>(rc));
  return std::string(hex) + " (" + std::string(to_string(rc)) + ")";
}

}  // namespace iotactor::protocol::wire
