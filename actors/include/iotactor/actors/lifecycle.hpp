// The five lifecycle events of a client (SDK v2), and the operation statistics it reports.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "iotactor/actors/session_state.hpp"
#include "iotactor/protocol/packets.hpp"

namespace iotactor {

/// Order guarantee: every attempting_connect is followed by exactly one connection_success or
/// connection_failure; every connection_success by exactly one disconnection; stopped comes last after
/// stop().
enum class lifecycle_event_type {
  attempting_connect,
  connection_success,
  connection_failure,
  disconnection,
  stopped
};

std::string_view to_string(lifecycle_event_type t) noexcept;

struct lifecycle_event {
  lifecycle_event_type type = lifecycle_event_type::attempting_connect;
  std::error_code error;                                  // failure and disconnection
  std::string message;                                    // what went wrong, in words
  std::optional<protocol::connack> connack;               // success, and a failure the server refused
  std::optional<negotiated_settings> settings;            // success
  std::optional<protocol::disconnect> server_disconnect;  // disconnection by the server
};

/// SDK v2 operation statistics: incomplete = submitted and not completed (queued or in flight);
/// unacked = sent and awaiting PUBACK/PUBCOMP/SUBACK/UNSUBACK. Sizes are encoded packet sizes.
struct client_statistics {
  std::size_t incomplete_operation_count = 0;
  std::size_t incomplete_operation_size = 0;
  std::size_t unacked_operation_count = 0;
  std::size_t unacked_operation_size = 0;
  /// Inbound publishes that matched no subscription (and went to the default handler if one is set).
  std::size_t unmatched_publishes = 0;
  /// Stages that failed and were restarted (a session or queue restart also ends the connection).
  std::size_t stage_restarts = 0;
};

}  // namespace iotactor
