// The client for CAF users: its configuration, validation, and spawn_client().
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "iotactor/actors/connection_options.hpp"
#include "iotactor/actors/interfaces.hpp"
#include "iotactor/actors/io_runtime.hpp"
#include "iotactor/actors/offline_queue_state.hpp"
#include "iotactor/actors/reconnect_backoff.hpp"
#include "iotactor/actors/session_state.hpp"

namespace iotactor {

struct client_config {
  connection_options connection;
  /// CONNECT, session behaviour, ping/CONNACK/ack timeouts, topic aliases.
  session_options session;
  offline_queue_options offline_queue;
  backoff_options reconnect;
  /// The io_runtime to run the connections on. When empty, the client uses io_runtime::shared(): one
  /// io_context with one thread serving every client of the process that was given none.
  std::shared_ptr<io_runtime> io;
  /// Runs what a read makes ready (the session, the router, message handler actors and callbacks, and the
  /// client with completions) on the I/O thread that read it, instead of waking a scheduler worker for
  /// every read (inline_unit.hpp): half the CPU of ingress. At most inline_unit::default_max_jobs resumes per
  /// read run there; the rest go to the workers. Turn it off when handlers do long work that must not hold
  /// up the reads of the other connections on the same io_runtime.
  bool deliver_on_io_thread = true;
  /// Seeds the reconnect jitter; 0 picks a random seed.
  std::uint64_t jitter_seed = 0;
};

/// A message naming the first invalid option (e.g. "keep_alive_interval_seconds must exceed the ping
/// timeout"), or nothing.
std::optional<std::string> validate(const client_config& config);

/// How the workers of the actor system pick the next actor to run.
enum class scheduler_policy {
  /// iotactor::affine_sharing (affine_scheduler.hpp): CAF's central queue plus one slot per worker for the
  /// actor that the running one just sent to, so a message handed along the pipeline runs on the same
  /// worker without waking another (the default).
  affine,
  /// CAF's work sharing: one central queue; every enqueue wakes a sleeping worker.
  sharing,
  /// CAF's work stealing (CAF's default): idle workers poll with sleeps of 50 us to 10 ms.
  stealing,
};

/// The CAF scheduler settings the client is tuned and measured with (bench/, docs/performance.md): the
/// given policy and `threads` workers (CAF's default is max(cores, 4); 0 counts as 1). Call it once on the
/// configuration, before the actor_system is made (`affine` loads a scheduler module, which a later call
/// with another policy does not take back).
void configure_scheduler(caf::actor_system_config& cfg, std::size_t threads = 2,
                         scheduler_policy policy = scheduler_policy::affine);

/// A thread that has not posted for this long runs its next post_publish() itself.
inline constexpr std::chrono::microseconds post_inline_after{50};

/// The same as `anon_send(client, post_atom::value, std::move(p))`, for threads outside the actor system
/// (never from inside an actor or a callback the client runs: send from there). When this thread has not
/// posted for post_inline_after and the client is idle, the client, the offline queue and the session run on
/// this thread until the PUBLISH is handed to the I/O thread: a caller that publishes now and then does not
/// wait for a worker to wake (about one context switch per message). A caller in a burst sends as usual, and
/// the workers take what piles up in batches; once this thread has more publishes in the mailboxes of its
/// clients than its backlog limit (set_post_backlog_limit), it waits until the clients have taken half of
/// them. An empty handle throws std::invalid_argument (the publish would be lost).
void post_publish(const client_actor& client, protocol::publish p);

/// The backlog limit of a thread that has not set one: 2,048 publishes posted by this thread that their
/// clients have not yet taken from their mailboxes (about 1.5 MB with 64-byte payloads; eight submissions of
/// the client's 256). A caller that posts faster than the client takes them would otherwise queue without
/// end: a million posts ahead of the pipeline are 700 MB of fresh pages, and zeroing them cost half of the
/// egress benchmark's CPU. A larger backlog cycles through more memory that glibc gives back and faults in
/// again: 8,192 ran P1 at 1.7-1.9 M msg/s, 2,048 at 2.3-2.9 M (docs/performance.md).
inline constexpr std::size_t default_post_backlog_limit = 2048;

/// Sets the calling thread's backlog limit for post_publish(): 0 never waits (the backlog is unbounded).
/// A thread never waits while it runs actors itself (inline_unit::running_here()). A waiting thread waits
/// for the client: do not hold a lock that a lifecycle or completion callback of that client takes.
/// It bounds the clients' mailboxes only, not what a client holds in its offline queue while offline (its
/// offline_queue_options bound that) nor what waits for a slow socket.
void set_post_backlog_limit(std::size_t limit);

/// Publishes that the calling thread posted and their clients have not yet taken from their mailboxes.
std::size_t post_backlog();

/// Spawns the client and its stages (session, offline queue, router). It connects after start_atom.
/// An invalid configuration gives caf::sec::invalid_argument with the message of validate().
caf::expected<client_actor> spawn_client(caf::actor_system& sys, client_config config);

}  // namespace iotactor
