// Every typed actor interface of the client pipeline, and the messages they exchange, in one place.
// CAF-heavy: include it only where actors are defined or talked to.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "iotactor/actors/errc.hpp"
#include "iotactor/actors/lifecycle.hpp"
#include "iotactor/actors/operations.hpp"
#include "iotactor/actors/session_state.hpp"
#include "iotactor/protocol/packets.hpp"

namespace iotactor {

/// Why a stage or a connection ended: our error code and a message naming the cause.
struct failure {
  errc code = errc::io_error;
  std::string message;
};

using packet_batch = std::vector<protocol::packet>;
using buffer_batch = std::vector<protocol::shared_bytes>;
using operation_batch = std::vector<operation>;

/// Spare vectors for batches of operations, process-wide (at most spare_batches of them): the client and
/// the queue take one for a batch of at least 32 operations, and the session gives each back once it has
/// taken the operations out. A burst reuses a few vectors instead of allocating one of up to 86 KB per 256
/// operations on one thread and freeing it on another, where glibc gave the memory back to the kernel and
/// the next batch touched it again: four fifths of P1's page faults (docs/performance.md).
inline constexpr std::size_t spare_batches = 8;
operation_batch take_batch(std::size_t capacity);
void give_back_batch(operation_batch&& batch);
using result_batch = std::vector<operation_result>;
using publish_batch = std::vector<protocol::publish>;

/// A publish that a thread posted with post_publish() and that the client has not yet taken from its
/// mailbox: the posting thread waits while it has too many of them out (set_post_backlog_limit(),
/// client.hpp). Counts until released or destroyed; a copy counts once more. Made by post_publish() only.
class post_ticket {
 public:
  struct gauge;
  post_ticket() noexcept = default;
  /// Counts one more on `g` (g outlives every ticket: gauges are never freed).
  explicit post_ticket(gauge& g) noexcept;
  post_ticket(const post_ticket& other) noexcept;
  post_ticket(post_ticket&& other) noexcept : g_(other.g_) { other.g_ = nullptr; }
  post_ticket& operator=(post_ticket other) noexcept {
    std::swap(g_, other.g_);
    return *this;
  }
  ~post_ticket() { release(); }
  /// The client has taken the publish: one less out, and the posting thread may go on.
  void release() noexcept;

 private:
  gauge* g_ = nullptr;
};

// Atoms: at most 10 characters; the same text is the same atom, so ours carry an "io" prefix or an MQTT word.
using up_atom = caf::atom_constant<caf::atom("io_up")>;
using down_atom = caf::atom_constant<caf::atom("io_down")>;
using shutdown_atom = caf::atom_constant<caf::atom("io_close")>;
using attach_atom = caf::atom_constant<caf::atom("io_attach")>;
using packets_atom = caf::atom_constant<caf::atom("io_packets")>;
using submit_atom = caf::atom_constant<caf::atom("io_submit")>;
using requeue_atom = caf::atom_constant<caf::atom("io_requeue")>;
using return_atom = caf::atom_constant<caf::atom("io_return")>;
using credit_atom = caf::atom_constant<caf::atom("io_credit")>;
using done_atom = caf::atom_constant<caf::atom("io_done")>;
using deliver_atom = caf::atom_constant<caf::atom("io_deliver")>;
using timer_atom = caf::atom_constant<caf::atom("io_timer")>;
using online_atom = caf::atom_constant<caf::atom("io_online")>;
using offline_atom = caf::atom_constant<caf::atom("io_offline")>;
using route_atom = caf::atom_constant<caf::atom("io_route")>;
using unroute_atom = caf::atom_constant<caf::atom("io_unroute")>;
using retry_atom = caf::atom_constant<caf::atom("io_retry")>;
using flush_atom = caf::atom_constant<caf::atom("io_flush")>;

// User-facing atoms.
using publish_atom = caf::atom_constant<caf::atom("mqtt_pub")>;
using post_atom = caf::atom_constant<caf::atom("mqtt_post")>;
using subscribe_atom = caf::atom_constant<caf::atom("mqtt_sub")>;
using unsubscribe_atom = caf::atom_constant<caf::atom("mqtt_unsub")>;
using start_atom = caf::atom_constant<caf::atom("mqtt_start")>;
using stop_atom = caf::atom_constant<caf::atom("mqtt_stop")>;
using stats_atom = caf::atom_constant<caf::atom("mqtt_stats")>;
using listen_atom = caf::atom_constant<caf::atom("mqtt_lsn")>;
using message_atom = caf::atom_constant<caf::atom("mqtt_msg")>;
using event_atom = caf::atom_constant<caf::atom("mqtt_event")>;
using settings_atom = caf::atom_constant<caf::atom("mqtt_sets")>;
using stages_atom = caf::atom_constant<caf::atom("mqtt_stgs")>;

/// Receives the messages of one subscription (or the default handler).
using message_handler_actor = caf::typed_actor<caf::reacts_to<message_atom, protocol::publish>>;

/// Receives lifecycle events.
using lifecycle_listener_actor = caf::typed_actor<caf::reacts_to<event_atom, lifecycle_event>>;

/// A subscription handler: an actor, or a callback, called on the router's thread: the I/O thread of the
/// client's io_runtime unless client_config::deliver_on_io_thread is off. Keep it short, and never wait in it
/// for a reply from the network (docs/client.md, "What runs on the I/O thread").
struct message_handler {
  message_handler_actor actor;
  std::function<void(const protocol::publish&)> callback;
  bool empty() const noexcept { return !actor && !callback; }
};

/// Called once with the result of an operation, on the client actor's thread, which is often the I/O thread
/// (the facade uses it to fulfil futures; it must not block).
using completion_callback = std::function<void(operation_result&&)>;

/// The outbound half of a connection's codec: the session encodes with it and writes to the transport.
class packet_writer;
using packet_writer_ptr = std::shared_ptr<packet_writer>;

/// Bytes <-> packets for one connection. It owns the connection's transport (TCP or TLS, bytes only), which
/// reports up, data and down to it and writes what it is given as one gather write.
using codec_actor = caf::typed_actor<
    // from the transport (its reads are decoded on the I/O thread and go to the session directly)
    caf::reacts_to<up_atom>, caf::reacts_to<down_atom, failure>,
    // from the session, which writes its packets through the codec's packet_writer
    caf::reacts_to<shutdown_atom>>;  // close the connection after what was written

/// Operations not yet admitted to the session.
using offline_queue_actor = caf::typed_actor<
    caf::reacts_to<submit_atom, operation_batch>,  // from the client, in submission order
    caf::reacts_to<online_atom, std::uint32_t>,    // connected, with the session's publish quota
    caf::reacts_to<offline_atom>,                  // disconnected
    caf::reacts_to<requeue_atom, operation_batch>, caf::reacts_to<return_atom, operation_batch>,
    caf::reacts_to<credit_atom, std::uint32_t>,
    caf::reacts_to<stop_atom, bool>,  // sends the session what it can take, fails the rest, stops the session
    caf::replies_to<stats_atom>::with<std::size_t, std::size_t>>;  // count, bytes

/// The subscription table: routes inbound publishes to their handlers.
using router_actor =
    caf::typed_actor<caf::reacts_to<route_atom, operation_id, protocol::subscribe, message_handler, bool>,
                     caf::reacts_to<unroute_atom, protocol::unsubscribe>,
                     caf::reacts_to<deliver_atom, publish_batch>,
                     caf::reacts_to<message_handler>,  // the default handler for unmatched messages
                     caf::replies_to<stats_atom>::with<std::size_t>>;  // unmatched publishes so far

/// The MQTT session: outlives connections.
using session_actor = caf::typed_actor<
    // a transport is up: send CONNECT through this writer; packets come from this codec
    caf::reacts_to<attach_atom, codec_actor, packet_writer_ptr>,
    caf::reacts_to<attach_atom, offline_queue_actor>,  // the queue to hand operations back to
    caf::reacts_to<attach_atom, router_actor>,         // a restarted router
    caf::reacts_to<packets_atom, packet_batch>,        // decoded packets
    caf::reacts_to<down_atom, failure>,                // the current connection ended
    caf::reacts_to<submit_atom, operation_batch>, caf::reacts_to<timer_atom, std::uint64_t>,
    caf::reacts_to<stop_atom, bool>,  // true: send DISCONNECT first
    caf::replies_to<stats_atom>::with<unacked_statistics>>;

/// The client: the supervisor of the stages, and the interface users talk to.
using client_actor = caf::typed_actor<
    caf::replies_to<publish_atom, protocol::publish>::with<operation_result>,
    // with this operation's own ack timeout (0 waits for ever)
    caf::replies_to<publish_atom, protocol::publish, caf::timespan>::with<operation_result>,
    caf::reacts_to<post_atom, protocol::publish>,               // fire and forget: no result message
    caf::reacts_to<post_atom, protocol::publish, post_ticket>,  // the same from post_publish()
    caf::reacts_to<post_atom, publish_batch>,                   // the same for many, in order, in one message
    caf::replies_to<subscribe_atom, protocol::subscribe, message_handler>::with<operation_result>,
    caf::replies_to<unsubscribe_atom, protocol::unsubscribe>::with<operation_result>,
    // the same three with a completion callback instead of a response message
    caf::reacts_to<publish_atom, protocol::publish, completion_callback>,
    caf::reacts_to<publish_atom, protocol::publish, caf::timespan, completion_callback>,
    caf::reacts_to<subscribe_atom, protocol::subscribe, message_handler, completion_callback>,
    caf::reacts_to<unsubscribe_atom, protocol::unsubscribe, completion_callback>, caf::reacts_to<start_atom>,
    caf::reacts_to<stop_atom, bool>,
    caf::reacts_to<message_handler>,  // receives what matches no subscription (and handler-less
                                      // subscriptions)
    caf::reacts_to<listen_atom, lifecycle_listener_actor>,
    // called on the client's thread, often the I/O thread: keep it short, never wait for the network in it
    caf::reacts_to<listen_atom, std::function<void(const lifecycle_event&)>>,
    caf::replies_to<stats_atom>::with<client_statistics>,
    caf::replies_to<settings_atom>::with<negotiated_settings>,
    // diagnostics: the current session, offline queue and router (they change when a stage is restarted)
    caf::replies_to<stages_atom>::with<caf::actor, caf::actor, caf::actor>,
    // from the stages; deliver_atom: the session received a publish and has no router (it starts on first
    // need), and keeps what it received until the router is attached
    caf::reacts_to<deliver_atom>, caf::reacts_to<done_atom, result_batch>,
    caf::reacts_to<online_atom, connection_success>, caf::reacts_to<offline_atom, connection_close>,
    caf::reacts_to<retry_atom, std::uint64_t>,
    caf::reacts_to<flush_atom>>;  // to itself: hands the operations gathered since the last one to the queue

}  // namespace iotactor

// Local-only message types (the pipeline of one client lives in one process).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(iotactor::failure)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(iotactor::packet_writer_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(iotactor::packet_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(iotactor::buffer_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(iotactor::operation)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(iotactor::operation_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(iotactor::operation_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(iotactor::result_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(iotactor::publish_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(iotactor::post_ticket)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(iotactor::protocol::publish)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(iotactor::protocol::subscribe)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(iotactor::protocol::unsubscribe)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(iotactor::message_handler)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(iotactor::lifecycle_event)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(iotactor::connection_success)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(iotactor::connection_close)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(iotactor::unacked_statistics)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(iotactor::client_statistics)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(iotactor::negotiated_settings)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::function<void(const iotactor::lifecycle_event&)>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(iotactor::completion_callback)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::function<void()>)
