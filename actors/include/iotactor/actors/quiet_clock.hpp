// quiet_clock: CAF's actor clock (delayed_send, request and receive timeouts) without a wake per timer.
//
// CAF 0.17's thread_safe_actor_clock hands every new timer to its dispatch thread through a ring buffer and
// wakes that thread for each one, even when the new deadline lies after the one it already sleeps until. A
// fleet of clients arms one timer per connect (CONNACK deadline, then keep-alive): every connect woke the
// clock thread, about 5% of a fleet's connect CPU. This clock keeps the same schedule (CAF's
// simple_actor_clock, under a mutex) and wakes its thread only when a new deadline comes before the one it
// sleeps until. Expired timers are taken out under the lock and delivered, and cancelled ones destroyed,
// after it is released: destroying one may release the last reference to an actor, whose cleanup cancels its
// own timers.
//
// It derives from thread_safe_actor_clock only because CAF's coordinator declares clock() to return one;
// none of that class's own state is used.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include <caf/detail/thread_safe_actor_clock.hpp>

namespace iotactor {

class quiet_clock final : public caf::detail::thread_safe_actor_clock {
 public:
  using base = caf::detail::simple_actor_clock;

  quiet_clock() = default;
  ~quiet_clock() override;
  quiet_clock(const quiet_clock&) = delete;
  quiet_clock& operator=(const quiet_clock&) = delete;

  void set_ordinary_timeout(time_point t, caf::abstract_actor* self, caf::atom_value type,
                            uint64_t id) override;
  void set_multi_timeout(time_point t, caf::abstract_actor* self, caf::atom_value type, uint64_t id) override;
  void set_request_timeout(time_point t, caf::abstract_actor* self, caf::message_id id) override;
  void cancel_ordinary_timeout(caf::abstract_actor* self, caf::atom_value type) override;
  void cancel_request_timeout(caf::abstract_actor* self, caf::message_id id) override;
  void cancel_timeouts(caf::abstract_actor* self) override;
  void schedule_message(time_point t, caf::strong_actor_ptr receiver,
                        caf::mailbox_element_ptr content) override;
  void schedule_message(time_point t, caf::group target, caf::strong_actor_ptr sender,
                        caf::message content) override;
  void cancel_all() override;

  /// Starts the dispatch thread (named "iotactor.clock"), which runs the thread hooks of `sys` if given;
  /// stop() ends it and drops what is still scheduled.
  void start(caf::actor_system* sys = nullptr);
  void stop();

  /// How often the dispatch thread has been woken by a new timer (for tests: a later deadline wakes none).
  std::size_t wakeups() const;
  /// Timers and delayed messages scheduled and not yet delivered or cancelled.
  std::size_t pending() const;

 private:
  using taken = std::vector<unique_delayed_event_ptr>;

  /// After an insertion, with the lock held: wakes the thread if the schedule now starts earlier.
  void wake_if_earlier();
  /// Moves the entries of `aid` that `pred` accepts out of the schedule, into `out`.
  template <class Pred>
  void take(caf::actor_id aid, Pred pred, taken& out);
  /// take() under the lock; what it took is destroyed after the lock is released.
  template <class Pred>
  void cancel_where(caf::actor_id aid, Pred pred);
  void run();

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::thread thread_;
  bool done_ = false;
  /// What the dispatch thread sleeps until: max() while it waits for any timer, min() while it is awake.
  time_point sleeping_until_ = time_point::min();
  std::size_t wakeups_ = 0;
};

}  // namespace iotactor
