// inline_unit: runs actors on the thread that made them ready, instead of waking a scheduler worker.
//
// A connection's reads arrive on an I/O thread. Sending each read's packets to the session made the session
// ready and woke a worker for it; the router and the handlers then ran there. On a busy machine that wake
// was a context switch per read, and it was most of the client's CPU when a broker shares the machine. An
// I/O thread that enqueues with an inline_unit as the execution context instead gets the session back as a
// job; run() resumes it on the I/O thread, and what it makes ready in turn (the router, handler actors, the
// client with completions) is run the same way.
//
// A budget bounds how long the I/O thread lends itself out: past `max_jobs` resumes, or for jobs still
// queued when the unit is destroyed, the jobs go to the actor system's scheduler as usual.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>

#include <boost/container/small_vector.hpp>
#include <caf/execution_unit.hpp>
#include <caf/fwd.hpp>

namespace caf {
class resumable;
}

namespace iotactor {

class inline_unit final : public caf::execution_unit {
 public:
  /// Resumes of one run() before the rest goes to the scheduler; each resume handles up to `throughput`
  /// messages of its actor.
  static constexpr std::size_t default_max_jobs = 32;
  static constexpr std::size_t default_throughput = 64;

  explicit inline_unit(caf::actor_system& sys, std::size_t max_jobs = default_max_jobs,
                       std::size_t throughput = default_throughput);
  ~inline_unit() override;  // hands what is left to the scheduler
  inline_unit(const inline_unit&) = delete;
  inline_unit& operator=(const inline_unit&) = delete;

  /// Called by CAF when an actor enqueued with this unit as context becomes ready.
  void exec_later(caf::resumable* job) override;

  /// Resumes the ready jobs in the order they became ready, until none is left or the budget is spent.
  void run();

  /// Whether the calling thread is inside a run() (it runs actors, so it must not wait for one).
  static bool running_here() noexcept;

  /// Jobs waiting to run (diagnostics and tests).
  std::size_t pending() const noexcept { return jobs_.size() - next_; }

  /// Resumes done so far, and jobs handed to the scheduler.
  std::size_t resumed() const noexcept { return resumed_; }
  std::size_t handed_off() const noexcept { return handed_off_; }

 private:
  void hand_off_rest();

  // One unit per read or post: the usual few jobs stay on the stack (a vector allocated per read).
  boost::container::small_vector<caf::resumable*, 8> jobs_;
  std::size_t next_ = 0;  // jobs_[next_..] are still to run
  std::size_t max_jobs_;
  std::size_t throughput_;
  std::size_t resumed_ = 0;
  std::size_t handed_off_ = 0;
  bool had_logger_ = false;  // this thread had a current CAF logger before the unit ran anything
};

/// Guards an I/O thread's inline runs against an actor system that is going away. A thread outside the system
/// (an I/O thread) may hold an actor's handle after the actor ended and after its system was destroyed; an
/// inline_unit made then would use the dead system. The actor the thread works for (a connection's codec)
/// closes its gate before it ends, while the system still counts it as running; enter() makes the unit under
/// the gate's lock, so a unit made before the close keeps the system waiting for it (inline_unit counts as
/// running), and none is made after.
class inline_gate {
 public:
  /// Makes `unit` for `sys` and returns true while the gate is open; false once it is closed.
  bool enter(std::optional<inline_unit>& unit, caf::actor_system& sys);
  void close();

 private:
  std::mutex mutex_;
  bool open_ = true;
};

/// Enqueues `content` at `dest` as sent by `sender` (which may be null) and runs, here, what that makes
/// ready, with an inline_unit of dest's actor system, if `gate` is open. For I/O threads: a report that would
/// wake a worker runs on the thread that has it. Nothing happens when `dest` is null or the gate is closed.
void send_inline(inline_gate& gate, caf::strong_actor_ptr sender, const caf::strong_actor_ptr& dest,
                 caf::message content);

}  // namespace iotactor
