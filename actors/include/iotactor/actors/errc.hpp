// The library's error codes: one enum, usable as std::error_code here and as caf::error in the actor layer.
#pragma once

#include <cstdint>
#include <string_view>
#include <system_error>

namespace iotactor {

/// Why an operation, a connection attempt or the client failed. MQTT reason codes travel separately with
/// results (a PUBACK "not authorized" is a result, not an errc).
enum class errc : std::uint8_t {
  invalid_option = 1,       // a configuration value is out of range or inconsistent
  invalid_operation,        // a publish/subscribe/unsubscribe that can never be sent (bad topic, ...)
  dns_failure,              // the endpoint's host name did not resolve
  connection_refused,       // TCP connect refused or unreachable
  connect_timeout,          // TCP or TLS setup took longer than the connect timeout
  tls_failure,              // TLS handshake failed (certificate not trusted, wrong host name, ...)
  connection_closed,        // the peer or the network closed the connection
  io_error,                 // any other socket error
  connack_timeout,          // no CONNACK within the CONNACK timeout
  connack_refused,          // the server answered CONNECT with a failure reason code
  clean_session_violated,   // session present in the CONNACK although a clean start was asked
  ping_timeout,             // no PINGRESP within the ping timeout
  ack_timeout,              // no PUBACK/PUBREC/PUBCOMP/SUBACK/UNSUBACK within the ack timeout
  disconnect_received,      // the server sent DISCONNECT
  protocol_error,           // the server broke the protocol (malformed packet, bad packet id, ...)
  packet_too_large,         // a packet exceeds the negotiated maximum packet size
  offline_queue_policy,     // failed by the offline queue behaviour (on disconnect or at submission)
  offline_queue_full,       // the offline queue's count or byte bound is reached
  user_requested_stop,      // the client was stopped while the operation was incomplete
  not_supported_by_server,  // the CONNACK says the server does not offer this (QoS, retain, wildcards, ...)
  not_supported_in_3_1_1,   // an MQTT 5-only feature was asked of a 3.1.1 connection
  client_stopped,           // the operation was submitted to a stopped client that is not started again
  stage_failed,             // a stage of the pipeline failed; it was restarted, and its operations failed
};

std::string_view to_string(errc e) noexcept;

const std::error_category& error_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

}  // namespace iotactor

template <>
struct std::is_error_code_enum<iotactor::errc> : std::true_type {};
