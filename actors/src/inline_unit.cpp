#include "iotactor/actors/inline_unit.hpp"

#include <caf/actor_registry.hpp>
#include <caf/actor_system.hpp>
#include <caf/logger.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/resumable.hpp>
#include <caf/scheduled_actor.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>

namespace iotactor {

inline_unit::inline_unit(caf::actor_system& sys, std::size_t max_jobs, std::size_t throughput)
    : caf::execution_unit(&sys), max_jobs_(max_jobs), throughput_(throughput == 0 ? 1 : throughput) {
  // An actor that ends here leaves the system's count of running actors before CAF is done with it (its
  // down messages, its timers, the job's last reference): counted as one more running actor, this unit
  // keeps the system's destructor waiting until then, as it waits for its own workers.
  sys.registry().inc_running();
  had_logger_ = caf::logger::current_logger() != nullptr;
}

inline_unit::~inline_unit() {
  hand_off_rest();
  // An actor that spawns here (a client making its next codec or a new router) sets this thread's current
  // logger, a reference CAF keeps in a thread_local: the system's destructor then waits for ever for its
  // logger, held by an I/O thread that outlives it. Give it back unless the thread held one before.
  if (!had_logger_ && caf::logger::current_logger() != nullptr)
    caf::logger::set_current_actor_system(nullptr);
  system().registry().dec_running();
}

void inline_unit::exec_later(caf::resumable* job) {
  // CAF took a reference for whoever runs the job: that is this unit now, or the scheduler after it. An
  // actor of another actor system goes to that system's scheduler.
  if (job->subtype() == caf::resumable::scheduled_actor) {
    auto& home = static_cast<caf::scheduled_actor*>(job)->home_system();
    if (&home != &system()) {
      home.scheduler().enqueue(job);
      ++handed_off_;
      return;
    }
  }
  jobs_.push_back(job);
}

namespace {
thread_local int runs_here = 0;  // nested run()s on this thread
}  // namespace

bool inline_unit::running_here() noexcept {
  return runs_here > 0;
}

void inline_unit::run() {
  struct depth {
    depth() { ++runs_here; }
    ~depth() { --runs_here; }
  } in_run;
  while (next_ < jobs_.size()) {
    if (resumed_ >= max_jobs_) {
      hand_off_rest();
      return;
    }
    auto* job = jobs_[next_++];
    ++resumed_;
    switch (job->resume(this, throughput_)) {
      case caf::resumable::resume_later:
        jobs_.push_back(job);  // more messages than one turn: behind the others, still referenced
        break;
      case caf::resumable::done:
      case caf::resumable::awaiting_message:
        caf::intrusive_ptr_release(job);  // a message makes it ready again, with a new reference
        break;
      case caf::resumable::shutdown_execution_unit:
        // Only the scheduler's own shutdown jobs answer so; they never reach an actor's context.
        caf::intrusive_ptr_release(job);
        break;
    }
  }
  jobs_.clear();
  next_ = 0;
}

void inline_unit::hand_off_rest() {
  for (; next_ < jobs_.size(); ++next_) {
    system().scheduler().enqueue(jobs_[next_]);
    ++handed_off_;
  }
  jobs_.clear();
  next_ = 0;
}

bool inline_gate::enter(std::optional<inline_unit>& unit, caf::actor_system& sys) {
  std::lock_guard<std::mutex> guard(mutex_);
  if (!open_) return false;
  unit.emplace(sys);
  return true;
}

void inline_gate::close() {
  std::lock_guard<std::mutex> guard(mutex_);
  open_ = false;
}

void send_inline(inline_gate& gate, caf::strong_actor_ptr sender, const caf::strong_actor_ptr& dest,
                 caf::message content) {
  if (!dest) return;
  std::optional<inline_unit> unit;
  if (!gate.enter(unit, *dest->home_system)) return;
  dest->enqueue(caf::make_mailbox_element(std::move(sender), caf::make_message_id(), {}, std::move(content)),
                &*unit);
  unit->run();
}

}  // namespace iotactor
