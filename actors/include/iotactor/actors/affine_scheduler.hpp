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
// then steals the other workers' slots. Two rules bound how long a slotted job can wait for a busy worker:
// - when the current actor has already run for longer than `handoff`, the job goes to the central queue;
// - sleeping workers wake every `steal_interval` to steal a slotted job (CAF's own relaxed polling is
//   10 ms), so an actor that blocks its worker delays at most one job by that much.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>

#include <caf/policy/unprofiled.hpp>
#include <caf/resumable.hpp>
#include <caf/scheduler/coordinator.hpp>

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
    std::condition_variable cv;
    std::deque<caf::resumable*> queue;  // guarded by lock
    std::size_t sleepers = 0;           // guarded by lock
    std::atomic<std::size_t> idle{0};   // sleepers, readable without the lock
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
    for (;;) {
      if (!cd.queue.empty()) {
        auto* job = cd.queue.front();
        cd.queue.pop_front();
        return job;
      }
      if (auto* job = steal(cd, id)) return job;
      ++cd.sleepers;
      cd.idle.store(cd.sleepers, std::memory_order_relaxed);
      cd.cv.wait_for(guard, steal_interval);
      --cd.sleepers;
      cd.idle.store(cd.sleepers, std::memory_order_relaxed);
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
    std::unique_lock<std::mutex> guard(cd.lock);
    cd.queue.push_back(job);
    if (cd.sleepers > 0) cd.cv.notify_one();
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

using affine_coordinator = caf::scheduler::coordinator<affine_sharing>;

}  // namespace iotactor
