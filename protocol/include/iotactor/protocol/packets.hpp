// The 15 MQTT control packets as plain value types, one model for protocol levels 4 (3.1.1) and 5.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "iotactor/protocol/properties.hpp"
#include "iotactor/protocol/reason_code.hpp"
#include "iotactor/protocol/shared_bytes.hpp"
#include "iotactor/protocol/types.hpp"

namespace iotactor::protocol {

struct will_message {
  std::string topic;
  shared_bytes payload;
  protocol::qos qos = qos::at_most_once;
  bool retain = false;
  will_properties properties;

  auto tie() const { return std::tie(topic, payload, qos, retain, properties); }
};

struct connect {
  static constexpr packet_type type = packet_type::connect;
  protocol_version version = protocol_version::v5;
  std::string client_id;
  std::uint16_t keep_alive = 0;  // seconds; 0 turns keep-alive off
  bool clean_start = true;       // "clean session" in 3.1.1
  std::optional<std::string> username;
  std::optional<bytes> password;
  std::optional<will_message> will;
  connect_properties properties;

  auto tie() const {
    return std::tie(version, client_id, keep_alive, clean_start, username, password, will, properties);
  }
};

struct connack {
  static constexpr packet_type type = packet_type::connack;
  bool session_present = false;
  /// In 3.1.1 the connect return codes 1..5 map to 0x84, 0x85, 0x88, 0x86, 0x87.
  reason_code reason = reason_code::success;
  connack_properties properties;

  auto tie() const { return std::tie(session_present, reason, properties); }
};

struct publish {
  static constexpr packet_type type = packet_type::publish;
  std::string topic;  // may be empty in MQTT 5 when a topic alias is set
  shared_bytes payload;
  protocol::qos qos = qos::at_most_once;
  bool retain = false;
  bool dup = false;
  std::uint16_t packet_id = 0;  // present on the wire only for QoS 1 and 2
  publish_properties properties;

  auto tie() const { return std::tie(topic, payload, qos, retain, dup, packet_id, properties); }
};

/// PUBACK, PUBREC, PUBREL and PUBCOMP share this shape; the type tag keeps them distinct.
template <packet_type Type>
struct publish_ack {
  static constexpr packet_type type = Type;
  std::uint16_t packet_id = 0;
  reason_code reason = reason_code::success;
  ack_properties properties;

  auto tie() const { return std::tie(packet_id, reason, properties); }
};

using puback = publish_ack<packet_type::puback>;
using pubrec = publish_ack<packet_type::pubrec>;
using pubrel = publish_ack<packet_type::pubrel>;
using pubcomp = publish_ack<packet_type::pubcomp>;

struct subscription {
  std::string topic_filter;  // may be "$share/<group>/<filter>"
  protocol::qos max_qos = qos::at_most_once;
  bool no_local = false;                                                           // MQTT 5 only
  bool retain_as_published = false;                                                // MQTT 5 only
  protocol::retain_handling retain_handling = retain_handling::send_on_subscribe;  // MQTT 5 only

  auto tie() const { return std::tie(topic_filter, max_qos, no_local, retain_as_published, retain_handling); }
};

struct subscribe {
  static constexpr packet_type type = packet_type::subscribe;
  std::uint16_t packet_id = 0;
  std::vector<subscription> subscriptions;
  subscribe_properties properties;

  auto tie() const { return std::tie(packet_id, subscriptions, properties); }
};

struct suback {
  static constexpr packet_type type = packet_type::suback;
  std::uint16_t packet_id = 0;
  /// In 3.1.1 only granted QoS 0..2 and 0x80 (failure, mapped to unspecified_error) exist.
  std::vector<reason_code> reason_codes;
  ack_properties properties;

  auto tie() const { return std::tie(packet_id, reason_codes, properties); }
};

struct unsubscribe {
  static constexpr packet_type type = packet_type::unsubscribe;
  std::uint16_t packet_id = 0;
  std::vector<std::string> topic_filters;
  unsubscribe_properties properties;

  auto tie() const { return std::tie(packet_id, topic_filters, properties); }
};

struct unsuback {
  static constexpr packet_type type = packet_type::unsuback;
  std::uint16_t packet_id = 0;
  /// Empty when decoded from 3.1.1, which has no reason codes here.
  std::vector<reason_code> reason_codes;
  ack_properties properties;

  auto tie() const { return std::tie(packet_id, reason_codes, properties); }
};

struct pingreq {
  static constexpr packet_type type = packet_type::pingreq;
  auto tie() const { return std::tie(); }
};

struct pingresp {
  static constexpr packet_type type = packet_type::pingresp;
  auto tie() const { return std::tie(); }
};

struct disconnect {
  static constexpr packet_type type = packet_type::disconnect;
  reason_code reason = reason_code::success;  // normal disconnection
  disconnect_properties properties;

  auto tie() const { return std::tie(reason, properties); }
};

/// MQTT 5 only.
struct auth {
  static constexpr packet_type type = packet_type::auth;
  reason_code reason = reason_code::success;
  auth_properties properties;

  auto tie() const { return std::tie(reason, properties); }
};

/// Alternatives are ordered by packet type: index + 1 == the type number.
using packet = std::variant<connect, connack, publish, puback, pubrec, pubrel, pubcomp, subscribe, suback,
                            unsubscribe, unsuback, pingreq, pingresp, disconnect, auth>;

packet_type type_of(const packet& p) noexcept;

template <class T>
auto operator==(const T& a, const T& b) -> decltype(a.tie() == b.tie()) {
  return a.tie() == b.tie();
}

template <class T>
auto operator!=(const T& a, const T& b) -> decltype(a.tie() == b.tie()) {
  return !(a == b);
}

}  // namespace iotactor::protocol
