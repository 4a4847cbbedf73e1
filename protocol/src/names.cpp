// Names of versions, packet types, QoS levels, reason codes and properties, as the specification spells them.
#include <cstdio>

#include "iotactor/protocol/error.hpp"
#include "iotactor/protocol/properties.hpp"
#include "iotactor/protocol/reason_code.hpp"
#include "iotactor/protocol/types.hpp"

namespace iotactor::protocol {

std::string_view to_string(protocol_version v) {
  switch (v) {
    case protocol_version::v3_1_1:
      return "3.1.1";
    case protocol_version::v5:
      return "5";
  }
  return "unknown protocol version";
}

std::string_view to_string(packet_type t) {
  static constexpr std::string_view names[] = {
      "RESERVED",  "CONNECT", "CONNACK",     "PUBLISH",  "PUBACK",  "PUBREC",   "PUBREL",     "PUBCOMP",
      "SUBSCRIBE", "SUBACK",  "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH"};
  auto i = static_cast<std::size_t>(t);
  return i < std::size(names) ? names[i] : "unknown packet type";
}

std::string_view to_string(qos q) {
  switch (q) {
    case qos::at_most_once:
      return "at most once (0)";
    case qos::at_least_once:
      return "at least once (1)";
    case qos::exactly_once:
      return "exactly once (2)";
  }
  return "invalid QoS";
}

std::string_view to_string(reason_code rc) noexcept {
  switch (rc) {
    case reason_code::success:
      return "success";
    case reason_code::granted_qos_1:
      return "granted QoS 1";
    case reason_code::granted_qos_2:
      return "granted QoS 2";
    case reason_code::disconnect_with_will_message:
      return "disconnect with will message";
    case reason_code::no_matching_subscribers:
      return "no matching subscribers";
    case reason_code::no_subscription_existed:
      return "no subscription existed";
    case reason_code::continue_authentication:
      return "continue authentication";
    case reason_code::re_authenticate:
      return "re-authenticate";
    case reason_code::unspecified_error:
      return "unspecified error";
    case reason_code::malformed_packet:
      return "malformed packet";
    case reason_code::protocol_error:
      return "protocol error";
    case reason_code::implementation_specific_error:
      return "implementation specific error";
    case reason_code::unsupported_protocol_version:
      return "unsupported protocol version";
    case reason_code::client_identifier_not_valid:
      return "client identifier not valid";
    case reason_code::bad_user_name_or_password:
      return "bad user name or password";
    case reason_code::not_authorized:
      return "not authorized";
    case reason_code::server_unavailable:
      return "server unavailable";
    case reason_code::server_busy:
      return "server busy";
    case reason_code::banned:
      return "banned";
    case reason_code::server_shutting_down:
      return "server shutting down";
    case reason_code::bad_authentication_method:
      return "bad authentication method";
    case reason_code::keep_alive_timeout:
      return "keep alive timeout";
    case reason_code::session_taken_over:
      return "session taken over";
    case reason_code::topic_filter_invalid:
      return "topic filter invalid";
    case reason_code::topic_name_invalid:
      return "topic name invalid";
    case reason_code::packet_identifier_in_use:
      return "packet identifier in use";
    case reason_code::packet_identifier_not_found:
      return "packet identifier not found";
    case reason_code::receive_maximum_exceeded:
      return "receive maximum exceeded";
    case reason_code::topic_alias_invalid:
      return "topic alias invalid";
    case reason_code::packet_too_large:
      return "packet too large";
    case reason_code::message_rate_too_high:
      return "message rate too high";
    case reason_code::quota_exceeded:
      return "quota exceeded";
    case reason_code::administrative_action:
      return "administrative action";
    case reason_code::payload_format_invalid:
      return "payload format invalid";
    case reason_code::retain_not_supported:
      return "retain not supported";
    case reason_code::qos_not_supported:
      return "QoS not supported";
    case reason_code::use_another_server:
      return "use another server";
    case reason_code::server_moved:
      return "server moved";
    case reason_code::shared_subscriptions_not_supported:
      return "shared subscriptions not supported";
    case reason_code::connection_rate_exceeded:
      return "connection rate exceeded";
    case reason_code::maximum_connect_time:
      return "maximum connect time";
    case reason_code::subscription_identifiers_not_supported:
      return "subscription identifiers not supported";
    case reason_code::wildcard_subscriptions_not_supported:
      return "wildcard subscriptions not supported";
  }
  return "unknown reason code";
}

bool is_defined(std::uint8_t value) noexcept {
  return to_string(static_cast<reason_code>(value)) != "unknown reason code";
}

std::string_view to_string(property_id id) noexcept {
  switch (id) {
    case property_id::payload_format_indicator:
      return "payload format indicator";
    case property_id::message_expiry_interval:
      return "message expiry interval";
    case property_id::content_type:
      return "content type";
    case property_id::response_topic:
      return "response topic";
    case property_id::correlation_data:
      return "correlation data";
    case property_id::subscription_identifier:
      return "subscription identifier";
    case property_id::session_expiry_interval:
      return "session expiry interval";
    case property_id::assigned_client_identifier:
      return "assigned client identifier";
    case property_id::server_keep_alive:
      return "server keep alive";
    case property_id::authentication_method:
      return "authentication method";
    case property_id::authentication_data:
      return "authentication data";
    case property_id::request_problem_information:
      return "request problem information";
    case property_id::will_delay_interval:
      return "will delay interval";
    case property_id::request_response_information:
      return "request response information";
    case property_id::response_information:
      return "response information";
    case property_id::server_reference:
      return "server reference";
    case property_id::reason_string:
      return "reason string";
    case property_id::receive_maximum:
      return "receive maximum";
    case property_id::topic_alias_maximum:
      return "topic alias maximum";
    case property_id::topic_alias:
      return "topic alias";
    case property_id::maximum_qos:
      return "maximum QoS";
    case property_id::retain_available:
      return "retain available";
    case property_id::user_property:
      return "user property";
    case property_id::maximum_packet_size:
      return "maximum packet size";
    case property_id::wildcard_subscription_available:
      return "wildcard subscription available";
    case property_id::subscription_identifier_available:
      return "subscription identifier available";
    case property_id::shared_subscription_available:
      return "shared subscription available";
  }
  return "unknown property";
}

std::string to_string(const error& e) {
  char code[8];
  std::snprintf(code, sizeof code, "0x%02X", static_cast<unsigned>(e.code));
  std::string out = e.message;
  out += " (reason code ";
  out += code;
  out += ' ';
  out += to_string(e.code);
  out += ')';
  return out;
}

}  // namespace iotactor::protocol
