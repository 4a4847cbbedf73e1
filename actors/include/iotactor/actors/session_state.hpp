// The MQTT session of one client, Sans-I/O: packets and time go in, packets to send, completed operations,
// received messages and connection decisions come out. It outlives connections.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "iotactor/actors/operations.hpp"
#include "iotactor/actors/topic_aliases.hpp"
#include "iotactor/protocol/packet_id_allocator.hpp"
#include "iotactor/protocol/packets.hpp"

namespace iotactor {

using clock_type = std::chrono::steady_clock;
using time_point = clock_type::time_point;

/// When CONNECT asks the server to resume the session (SDK v2: ClientSessionBehaviorType).
enum class client_session_behavior {
  clean,                // always clean start (the default)
  rejoin_post_success,  // clean until the first successful CONNACK after start(), then rejoin
  rejoin_always,        // never clean start, not even the first time
};

struct session_options {
  /// The CONNECT to send: version, client id, keep-alive (seconds), credentials, will, properties.
  /// clean_start is decided by session_behavior; topic_alias_maximum by the inbound alias options.
  protocol::connect connect = default_connect();
  client_session_behavior session_behavior = client_session_behavior::clean;
  std::chrono::milliseconds ping_timeout{30'000};
  std::chrono::milliseconds connack_timeout{20'000};
  /// Per operation, from when its packet is sent; 0 waits for ever. Overridden per operation.
  std::chrono::seconds ack_timeout{60};
  topic_alias_options topic_aliases;

  static protocol::connect default_connect() {
    protocol::connect c;
    c.keep_alive = 1200;  // the SDK v2 default
    return c;
  }
};

/// What the CONNACK and our CONNECT agreed on (SDK v2: NegotiatedSettings), with the defaults that apply
/// when the CONNACK leaves a property out.
struct negotiated_settings {
  protocol::qos maximum_qos = protocol::qos::exactly_once;
  std::uint32_t session_expiry_interval = 0;
  std::uint16_t receive_maximum_from_server = 65535;
  std::uint32_t maximum_packet_size_to_server = protocol::max_packet_size;
  std::uint16_t topic_alias_maximum_to_server = 0;
  std::uint16_t topic_alias_maximum_to_client = 0;
  std::uint16_t server_keep_alive = 0;
  bool retain_available = true;
  bool wildcard_subscriptions_available = true;
  bool subscription_identifiers_available = true;
  bool shared_subscriptions_available = true;
  bool rejoined_session = false;
  std::string client_id;
};

/// Whether the actor of a session with a timer armed for `armed` (if any) must arm one for `next`: only
/// for an earlier deadline, or when none is armed. A later deadline, or none, keeps the armed timer, which
/// fires early; on_timer then finds nothing due and the next deadline is armed.
bool must_arm(const std::optional<time_point>& armed, const std::optional<time_point>& next) noexcept;

/// The session decided that the connection must end.
struct connection_close {
  std::error_code error;
  std::string message;
  /// Send this DISCONNECT before closing (MQTT 5 only; e.g. 0x81 after a malformed packet).
  std::optional<protocol::disconnect> disconnect_to_send;
  /// The refusing CONNACK, or the DISCONNECT the server sent.
  std::optional<protocol::connack> connack;
  std::optional<protocol::disconnect> server_disconnect;
};

struct connection_success {
  protocol::connack connack;
  negotiated_settings settings;
  std::uint32_t publish_quota = 0;  // QoS 1/2 publishes the session can send now (retransmissions counted)
};

/// Everything one call produced. Callers reuse one instance (clear() keeps the capacity).
struct session_effects {
  std::vector<protocol::packet> send;       // to write, in this order
  std::vector<operation_result> completed;  // operations that are finished
  std::vector<protocol::publish> received;  // application messages for the router
  std::vector<operation> requeue;           // not admitted now: back to the head of the offline queue
  std::vector<operation> returned;          // unacknowledged on a lost connection: the offline queue
                                            // applies its behaviour, then puts survivors at its head
  std::uint32_t credit = 0;                 // publish quota freed by this call
  // On the heap: they are rare, and inline they made every client of a fleet 1 KB larger.
  std::unique_ptr<connection_success> connected;  // a CONNACK accepted the connection
  std::unique_ptr<connection_close> close;        // the connection must end (already forgotten here)

  /// Empties every list. A send buffer of at most this many packets is freed, a larger one kept.
  void clear();
  static constexpr std::size_t small_send_batch = 4;
};

/// Counts and encoded sizes of the operations the server has not acknowledged yet (SDK v2 statistics).
struct unacked_statistics {
  std::size_t count = 0;
  std::size_t size = 0;
};

class session_state {
 public:
  explicit session_state(session_options options);
  /// Shares the options: a client's stages keep one copy.
  explicit session_state(std::shared_ptr<const session_options> options);

  /// A transport is up: sends CONNECT and starts the CONNACK timeout.
  void start_connection(time_point now, session_effects& fx);

  /// A packet from the server.
  void on_packet(protocol::packet&& p, time_point now, session_effects& fx);

  /// The transport closed, for any reason. Idempotent.
  void on_connection_lost(session_effects& fx);

  /// The user stopped the client: every incomplete operation fails, the session is forgotten.
  void stop(session_effects& fx);

  /// Admits an operation: sends it now, fails it (limits from the CONNACK), or hands it back for later
  /// (not connected, no quota, no packet identifier).
  void submit(operation&& op, time_point now, session_effects& fx);

  /// Handles every deadline that has passed: CONNACK timeout, keep-alive, ping timeout, ack timeouts.
  void on_timer(time_point now, session_effects& fx);

  /// The earliest deadline still to come, if any.
  std::optional<time_point> next_deadline() const;

  bool connected() const noexcept { return phase_ == phase::connected; }
  const negotiated_settings& settings() const noexcept { return settings_; }
  const session_options& options() const noexcept { return *options_; }
  std::uint32_t publish_quota() const noexcept { return quota_; }
  unacked_statistics unacked() const noexcept { return unacked_; }

 private:
  enum class phase { disconnected, awaiting_connack, connected };
  enum class stage { puback, pubrec, pubcomp, suback, unsuback };

  struct inflight {
    operation op;
    stage awaiting;
    std::uint64_t sequence;  // send order, for retransmission
    std::size_t size;        // encoded size, for statistics
    std::optional<time_point> deadline;
  };

  void handle_connack(protocol::connack&& ack, time_point now, session_effects& fx);
  void handle_publish(protocol::publish&& p, session_effects& fx);
  void handle_puback(const protocol::puback& ack, session_effects& fx);
  void handle_pubrec(const protocol::pubrec& ack, time_point now, session_effects& fx);
  void handle_pubrel(const protocol::pubrel& rel, session_effects& fx);
  void handle_pubcomp(const protocol::pubcomp& ack, session_effects& fx);
  template <class Ack>
  void handle_request_ack(Ack&& ack, stage expected, session_effects& fx);

  void send_publish(publish_operation&& op, time_point now, session_effects& fx);
  void send_request(operation&& op, time_point now, session_effects& fx);
  void retransmit(time_point now, session_effects& fx);
  void requeue_unacked_publishes(session_effects& fx);

  /// Ends the connection: records why, forgets per-connection state, hands back what must wait.
  void close(std::error_code error, std::string message,
             std::optional<protocol::reason_code> disconnect_reason, session_effects& fx);
  void protocol_violation(protocol::reason_code reason, std::string message, session_effects& fx);

  void complete(std::uint16_t packet_id, operation_result&& result, session_effects& fx);
  void fail(const operation& op, std::error_code error, std::string message, session_effects& fx);
  void arm_ack_timeout(std::uint16_t packet_id, inflight& entry, time_point now);
  void disarm(std::uint16_t packet_id, inflight& entry);
  void arm_keep_alive(time_point now);
  std::chrono::milliseconds keep_alive() const;

  std::shared_ptr<const session_options> options_;
  phase phase_ = phase::disconnected;
  bool has_connected_successfully_ = false;  // since the last stop(), for rejoin_post_success
  bool clean_start_requested_ = true;
  negotiated_settings settings_;

  protocol::packet_id_allocator packet_ids_;
  std::map<std::uint16_t, inflight> inflight_;
  std::set<std::pair<time_point, std::uint16_t>> ack_deadlines_;
  std::set<std::uint16_t> awaiting_pubrel_;  // inbound QoS 2 received, PUBREC sent
  std::uint64_t next_sequence_ = 0;
  std::uint32_t quota_ = 0;
  unacked_statistics unacked_;

  outbound_topic_aliases outbound_aliases_;
  inbound_topic_aliases inbound_aliases_;

  std::optional<time_point> connack_deadline_;
  std::optional<time_point> next_ping_;
  std::optional<time_point> ping_deadline_;
};

}  // namespace iotactor
