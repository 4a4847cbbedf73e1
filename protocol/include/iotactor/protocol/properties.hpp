// MQTT 5 properties: identifiers, and for each packet a struct holding exactly the properties it may carry.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "iotactor/protocol/types.hpp"

namespace iotactor::protocol {

enum class property_id : std::uint8_t {
  payload_format_indicator = 0x01,
  message_expiry_interval = 0x02,
  content_type = 0x03,
  response_topic = 0x08,
  correlation_data = 0x09,
  subscription_identifier = 0x0B,
  session_expiry_interval = 0x11,
  assigned_client_identifier = 0x12,
  server_keep_alive = 0x13,
  authentication_method = 0x15,
  authentication_data = 0x16,
  request_problem_information = 0x17,
  will_delay_interval = 0x18,
  request_response_information = 0x19,
  response_information = 0x1A,
  server_reference = 0x1C,
  reason_string = 0x1F,
  receive_maximum = 0x21,
  topic_alias_maximum = 0x22,
  topic_alias = 0x23,
  maximum_qos = 0x24,
  retain_available = 0x25,
  user_property = 0x26,
  maximum_packet_size = 0x27,
  wildcard_subscription_available = 0x28,
  subscription_identifier_available = 0x29,
  shared_subscription_available = 0x2A,
};

/// The specification's name of the property, e.g. "message expiry interval".
std::string_view to_string(property_id id) noexcept;

// Each struct below lists its fields once in fields(): the codec, the printer and equality all walk it.
// A field is visited as f(property_id, member).

/// Properties of the will message inside CONNECT.
struct will_properties {
  using is_property_set = void;
  std::optional<std::uint32_t> will_delay_interval;
  std::optional<payload_format> payload_format_indicator;
  std::optional<std::uint32_t> message_expiry_interval;
  std::optional<std::string> content_type;
  std::optional<std::string> response_topic;
  std::optional<bytes> correlation_data;
  protocol::user_properties user_properties;

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f(property_id::will_delay_interval, s.will_delay_interval);
    f(property_id::payload_format_indicator, s.payload_format_indicator);
    f(property_id::message_expiry_interval, s.message_expiry_interval);
    f(property_id::content_type, s.content_type);
    f(property_id::response_topic, s.response_topic);
    f(property_id::correlation_data, s.correlation_data);
    f(property_id::user_property, s.user_properties);
  }
};

struct connect_properties {
  using is_property_set = void;
  std::optional<std::uint32_t> session_expiry_interval;
  std::optional<std::uint16_t> receive_maximum;
  std::optional<std::uint32_t> maximum_packet_size;
  std::optional<std::uint16_t> topic_alias_maximum;
  std::optional<bool> request_response_information;
  std::optional<bool> request_problem_information;
  std::optional<std::string> authentication_method;
  std::optional<bytes> authentication_data;
  protocol::user_properties user_properties;

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f(property_id::session_expiry_interval, s.session_expiry_interval);
    f(property_id::receive_maximum, s.receive_maximum);
    f(property_id::maximum_packet_size, s.maximum_packet_size);
    f(property_id::topic_alias_maximum, s.topic_alias_maximum);
    f(property_id::request_response_information, s.request_response_information);
    f(property_id::request_problem_information, s.request_problem_information);
    f(property_id::authentication_method, s.authentication_method);
    f(property_id::authentication_data, s.authentication_data);
    f(property_id::user_property, s.user_properties);
  }
};

struct connack_properties {
  using is_property_set = void;
  std::optional<std::uint32_t> session_expiry_interval;
  std::optional<std::uint16_t> receive_maximum;
  std::optional<qos> maximum_qos;
  std::optional<bool> retain_available;
  std::optional<std::uint32_t> maximum_packet_size;
  std::optional<std::string> assigned_client_identifier;
  std::optional<std::uint16_t> topic_alias_maximum;
  std::optional<std::string> reason_string;
  protocol::user_properties user_properties;
  std::optional<bool> wildcard_subscription_available;
  std::optional<bool> subscription_identifiers_available;
  std::optional<bool> shared_subscription_available;
  std::optional<std::uint16_t> server_keep_alive;
  std::optional<std::string> response_information;
  std::optional<std::string> server_reference;
  std::optional<std::string> authentication_method;
  std::optional<bytes> authentication_data;

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f(property_id::session_expiry_interval, s.session_expiry_interval);
    f(property_id::receive_maximum, s.receive_maximum);
    f(property_id::maximum_qos, s.maximum_qos);
    f(property_id::retain_available, s.retain_available);
    f(property_id::maximum_packet_size, s.maximum_packet_size);
    f(property_id::assigned_client_identifier, s.assigned_client_identifier);
    f(property_id::topic_alias_maximum, s.topic_alias_maximum);
    f(property_id::reason_string, s.reason_string);
    f(property_id::user_property, s.user_properties);
    f(property_id::wildcard_subscription_available, s.wildcard_subscription_available);
    f(property_id::subscription_identifier_available, s.subscription_identifiers_available);
    f(property_id::shared_subscription_available, s.shared_subscription_available);
    f(property_id::server_keep_alive, s.server_keep_alive);
    f(property_id::response_information, s.response_information);
    f(property_id::server_reference, s.server_reference);
    f(property_id::authentication_method, s.authentication_method);
    f(property_id::authentication_data, s.authentication_data);
  }
};

struct publish_properties {
  using is_property_set = void;
  std::optional<payload_format> payload_format_indicator;
  std::optional<std::uint32_t> message_expiry_interval;
  std::optional<std::uint16_t> topic_alias;
  std::optional<std::string> response_topic;
  std::optional<bytes> correlation_data;
  protocol::user_properties user_properties;
  /// Set by the server on delivery, one per matching subscription that had an identifier.
  std::vector<std::uint32_t> subscription_identifiers;
  std::optional<std::string> content_type;

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f(property_id::payload_format_indicator, s.payload_format_indicator);
    f(property_id::message_expiry_interval, s.message_expiry_interval);
    f(property_id::topic_alias, s.topic_alias);
    f(property_id::response_topic, s.response_topic);
    f(property_id::correlation_data, s.correlation_data);
    f(property_id::user_property, s.user_properties);
    f(property_id::subscription_identifier, s.subscription_identifiers);
    f(property_id::content_type, s.content_type);
  }
};

/// PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK and UNSUBACK carry the same two properties.
struct ack_properties {
  using is_property_set = void;
  std::optional<std::string> reason_string;
  protocol::user_properties user_properties;

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f(property_id::reason_string, s.reason_string);
    f(property_id::user_property, s.user_properties);
  }
};

struct subscribe_properties {
  using is_property_set = void;
  std::optional<std::uint32_t> subscription_identifier;
  protocol::user_properties user_properties;

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f(property_id::subscription_identifier, s.subscription_identifier);
    f(property_id::user_property, s.user_properties);
  }
};

struct unsubscribe_properties {
  using is_property_set = void;
  protocol::user_properties user_properties;

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f(property_id::user_property, s.user_properties);
  }
};

struct disconnect_properties {
  using is_property_set = void;
  std::optional<std::uint32_t> session_expiry_interval;
  std::optional<std::string> reason_string;
  protocol::user_properties user_properties;
  std::optional<std::string> server_reference;

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f(property_id::session_expiry_interval, s.session_expiry_interval);
    f(property_id::reason_string, s.reason_string);
    f(property_id::user_property, s.user_properties);
    f(property_id::server_reference, s.server_reference);
  }
};

struct auth_properties {
  using is_property_set = void;
  std::optional<std::string> authentication_method;
  std::optional<bytes> authentication_data;
  std::optional<std::string> reason_string;
  protocol::user_properties user_properties;

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f(property_id::authentication_method, s.authentication_method);
    f(property_id::authentication_data, s.authentication_data);
    f(property_id::reason_string, s.reason_string);
    f(property_id::user_property, s.user_properties);
  }
};

/// True when no property is set (3.1.1 can carry only such a struct).
template <class Props>
bool empty(const Props& p) {
  bool none = true;
  Props::fields(p, [&none](property_id, const auto& field) {
    if constexpr (std::is_same_v<std::decay_t<decltype(field)>, protocol::user_properties> ||
                  std::is_same_v<std::decay_t<decltype(field)>, std::vector<std::uint32_t>>)
      none = none && field.empty();
    else
      none = none && !field.has_value();
  });
  return none;
}

/// Field-by-field equality of two property structs.
template <class Props>
auto operator==(const Props& a, const Props& b)
    -> std::enable_if_t<std::is_void_v<typename Props::is_property_set>, bool> {
  bool equal = true;
  int index_a = 0;
  Props::fields(a, [&](property_id, const auto& field_a) {
    int index_b = 0;
    Props::fields(b, [&](property_id, const auto& field_b) {
      if constexpr (std::is_same_v<decltype(field_a), decltype(field_b)>) {
        if (index_a == index_b) equal = equal && field_a == field_b;
      }
      ++index_b;
    });
    ++index_a;
  });
  return equal;
}

template <class Props>
auto operator!=(const Props& a, const Props& b)
    -> std::enable_if_t<std::is_void_v<typename Props::is_property_set>, bool> {
  return !(a == b);
}

}  // namespace iotactor::protocol
