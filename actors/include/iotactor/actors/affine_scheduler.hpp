// affine_sharing: a CAF scheduling policy for pipelines of actors that hand each message on to the next.
//
// CAF's work-sharing policy puts every job on one central queue and wakes a sleeping worker for it; in a
// pipeline (client -> queue -> session -> router) every hop then wakes the other worker while the current
// one goes to sleep: about one context switch per hop. Work stealing avoids that but its idle workers poll
// with sleeps, which doubles the latency of a lone message.
//
// This policy keeps the central queue and adds one "next" slot per worker (as Go's runnext): a job that an
// actor makes ready while it runs goes into its worker's slot and runs on that worker as soon as the
// current actor is done, without waking anyone. A job already in the slot moves to the central queue (and
// wakes a worker), so only the newest waits. A worker with nothing to do takes the central queue first,
// then steals the other workers' slots. A job on the central queue wakes the worker that fell asleep last
// (LIFO): at low load one worker does the work with warm caches and the others stay asleep (a FIFO wake, as
// a shared condition variable gives, moves every message to the coldest worker; one-way latency of a lone
// message went from 72 to 42 us). Two rules bound how long a slotted job can wait for a busy worker:
// - when the current actor has already run for longer than `handoff`, the job goes to the central queue;
// - sleeping workers wake every `steal_interval` to steal a slotted job (CAF's own relaxed polling is
//   10 ms), so an actor that blocks its worker delays at most one job by that much.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <vector>

#include <caf/policy/unprofiled.hpp>
#include <caf/resumable.hpp>
#include <caf/scheduler/coordinator.hpp>

#include "iotactor/actors/quiet_clock.hpp"

namespace iotactor {

class affine_sharing : public caf::policy::unprofiled {
 public:
  using clock = std::chrono::steady_clock;
  /// Workers past this many share the central queue only.
  static constexpr std::size_t max_slots = 64;
  static constexpr std::chrono::microseconds handoff{200};
  static constexpr std::chrono::milliseconds steal_interval{10};

  struct coordinator_data {
    explicit coordinator_data(caf::scheduler::abstract_coordinator*) {}
    std::mutex lock;
    std::deque<caf::resumable*> queue;       // guarded by lock
    std::vector<std::size_t> sleeping;       // guarded by lock: ids, the latest to fall asleep last
    std::deque<std::condition_variable> cv;  // guarded by lock: one per worker id
    std::atomic<std::size_t> idle{0};        // sleepers, readable without the lock
    std::array<std::atomic<caf::resumable*>, max_slots> next{};
    std::array<clock::time_point, max_slots> started{};  // each written and read by its worker only
  };

  struct worker_data {
    explicit worker_data(caf::scheduler::abstract_coordinator*) {}
  };

  ~affine_sharing() override;

  template <class Coordinator>
  void central_enqueue(Coordinator* self, caf::resumable* job) {
    push(d(self), job);
  }

  template <class Worker>
  void external_enqueue(Worker* self, caf::resumable* job) {
    push(d(self->parent()), job);
  }

  template <class Worker>
  void internal_enqueue(Worker* self, caf::resumable* job) {
    auto& cd = d(self->parent());
    auto id = self->id();
    if (id >= max_slots ||
        (cd.idle.load(std::memory_order_relaxed) > 0 && clock::now() - cd.started[id] > handoff)) {
      push(cd, job);
      return;
    }
    if (auto* older = cd.next[id].exchange(job, std::memory_order_acq_rel)) push(cd, older);
  }

  template <class Worker>
  void resume_job_later(Worker* self, caf::resumable* job) {
    push(d(self->parent()), job);  // it yielded: behind everything else
  }

  template <class Worker>
  caf::resumable* dequeue(Worker* self) {
    auto& cd = d(self->parent());
    auto id = self->id();
    if (id < max_slots)
      if (auto* job = cd.next[id].exchange(nullptr, std::memory_order_acq_rel)) return job;
    std::unique_lock<std::mutex> guard(cd.lock);
    bool listed = false;  // on the stack of sleepers
    auto unlist = [&] {
      if (!listed) return;
      auto it = std::find(cd.sleeping.begin(), cd.sleeping.end(), id);
      if (it != cd.sleeping.end()) cd.sleeping.erase(it);
      cd.idle.store(cd.sleeping.size(), std::memory_order_relaxed);
    };
    for (;;) {
      if (!cd.queue.empty()) {
        unlist();
        auto* job = cd.queue.front();
        cd.queue.pop_front();
        return job;
      }
      if (auto* job = steal(cd, id)) {
        unlist();
        return job;
      }
      if (!listed) {
        while (cd.cv.size() <= id) cd.cv.emplace_back();
        cd.sleeping.push_back(id);
        cd.idle.store(cd.sleeping.size(), std::memory_order_relaxed);
        listed = true;
      }
      cd.cv[id].wait_for(guard, steal_interval);
      // push() takes the id off the stack when it wakes this worker; after a timeout it is still there, in
      // its place: a worker that only looked for slotted jobs does not become the warmest.
      listed = std::find(cd.sleeping.begin(), cd.sleeping.end(), id) != cd.sleeping.end();
    }
  }

  template <class Worker>
  void before_resume(Worker* self, caf::resumable*) {
    if (self->id() < max_slots) d(self->parent()).started[self->id()] = clock::now();
  }

  template <class Worker>
  void before_shutdown(Worker* self) {
    auto& cd = d(self->parent());
    if (self->id() < max_slots)
      if (auto* job = cd.next[self->id()].exchange(nullptr, std::memory_order_acq_rel)) push(cd, job);
  }

  template <class Worker, class UnaryFunction>
  void foreach_resumable(Worker* self, UnaryFunction f) {
    auto& cd = d(self->parent());
    if (self->id() < max_slots)
      if (auto* job = cd.next[self->id()].exchange(nullptr, std::memory_order_acq_rel)) f(job);
  }

  template <class Coordinator, class UnaryFunction>
  void foreach_central_resumable(Coordinator* self, UnaryFunction f) {
    auto& cd = d(self);
    std::unique_lock<std::mutex> guard(cd.lock);
    while (!cd.queue.empty()) {
      auto* job = cd.queue.front();
      cd.queue.pop_front();
      f(job);
    }
    for (auto& slot : cd.next)
      if (auto* job = slot.exchange(nullptr, std::memory_order_acq_rel)) f(job);
  }

 private:
  static void push(coordinator_data& cd, caf::resumable* job) {
    std::condition_variable* wake = nullptr;
    {
      std::lock_guard<std::mutex> guard(cd.lock);
      cd.queue.push_back(job);
      // The worker that fell asleep last: its caches (and its CPU) are the warmest; the others sleep on.
      if (cd.sleeping.empty()) return;
      auto id = cd.sleeping.back();
      cd.sleeping.pop_back();
      cd.idle.store(cd.sleeping.size(), std::memory_order_relaxed);
      wake = &cd.cv[id];  // a deque's elements stay where they are while it grows at the back
    }
    // Signalled under the lock, the woken worker ran at once (on this CPU when the other is busy) only to
    // block on the lock still held here, and the unlock had to wake it a second time: three context
    // switches per wake instead of one. Taken off the sleepers under the lock, it cannot miss this signal;
    // if it timed out meanwhile, it finds the job itself and the signal is a spurious wake.
    wake->notify_one();
  }

  /// Another worker's slotted job (called with the lock held, which only orders the sleepers).
  static caf::resumable* steal(coordinator_data& cd, std::size_t self_id) {
    for (std::size_t i = 0; i < max_slots; ++i) {
      if (i == self_id) continue;
      if (cd.next[i].load(std::memory_order_relaxed) == nullptr) continue;
      if (auto* job = cd.next[i].exchange(nullptr, std::memory_order_acq_rel)) return job;
    }
    return nullptr;
  }
};

}  // namespace iotactor

namespace caf::scheduler {

/// The worker loop of CAF 0.17 without its logging prologue: for every job it ran a cross-cast
/// (dynamic_cast from resumable to abstract_actor) and took the logger's lock to record the actor id of the
/// thread, even with logging compiled out (5% of a fleet's connect CPU). Defined in config.cpp.
template <>
void worker<iotactor::affine_sharing>::run();

}  // namespace caf::scheduler

namespace iotactor {

/// CAF's coordinator with the affine_sharing policy and a quiet_clock for timers (CAF's own clock thread is
/// still started by the base class, but receives nothing and sleeps).
class affine_coordinator : public caf::scheduler::coordinator<affine_sharing> {
 public:
  using super = caf::scheduler::coordinator<affine_sharing>;
  explicit affine_coordinator(caf::actor_system& sys) : super(sys) {}

  static caf::actor_system::module* make(caf::actor_system& sys, caf::detail::type_list<>) {
    return new affine_coordinator(sys);
  }

  quiet_clock& clock() noexcept override { return clock_; }

 protected:
  void start() override {
    clock_.start(&system());
    super::start();
  }

  void stop() override {
    super::stop();  // the workers first: they may still set timers
    clock_.stop();
  }

 private:
  quiet_clock clock_;
};

}  // namespace iotactor
