// Client operations (publish, subscribe, unsubscribe) and their results, as they travel between stages.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

#include "iotactor/protocol/packets.hpp"

namespace iotactor {

using operation_id = std::uint64_t;

/// What the user asked for. The packet identifier is assigned by the session when the packet is sent.
struct publish_operation {
  operation_id id = 0;
  protocol::publish packet;
  /// Overrides the client's ack timeout for this operation (0 = no timeout).
  std::optional<std::chrono::seconds> ack_timeout;
  /// False for a fire-and-forget publish: its success sends no result message (failures still do).
  bool notify = true;
  /// The packet's encoded size, set by the offline queue once it validated the packet (0: not yet), so that
  /// the session and the writer do not validate it again.
  std::size_t encoded_size = 0;
};

struct subscribe_operation {
  operation_id id = 0;
  protocol::subscribe packet;
  std::optional<std::chrono::seconds> ack_timeout;
};

struct unsubscribe_operation {
  operation_id id = 0;
  protocol::unsubscribe packet;
  std::optional<std::chrono::seconds> ack_timeout;
};

using operation = std::variant<publish_operation, subscribe_operation, unsubscribe_operation>;

operation_id id_of(const operation& op) noexcept;

/// True for the operations that count against the server's receive maximum: QoS 1 and 2 publishes.
bool uses_publish_quota(const operation& op) noexcept;

/// The final outcome of an operation. `error` is set when the exchange did not complete (timeout,
/// disconnect policy, stop, a limit from the CONNACK). When the server answered, `error` is empty and the
/// acknowledgement is in `ack`: its reason codes may still say the server refused (e.g. not authorized).
struct operation_result {
  operation_id id = 0;
  std::error_code error;
  std::string message;  // why, when error is set
  /// PUBACK for QoS 1; PUBREC (if it refused) or PUBCOMP for QoS 2; SUBACK; UNSUBACK; nothing for QoS 0.
  std::variant<std::monostate, protocol::puback, protocol::pubrec, protocol::pubcomp, protocol::suback,
               protocol::unsuback>
      ack;

  bool ok() const noexcept { return !error; }
};

}  // namespace iotactor
