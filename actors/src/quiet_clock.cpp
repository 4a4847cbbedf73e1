// quiet_clock: simple_actor_clock's schedule under a mutex, one dispatch thread woken only for an earlier
// deadline.
#include "iotactor/actors/quiet_clock.hpp"

#include <caf/actor_system.hpp>
#include <caf/detail/set_thread_name.hpp>

namespace iotactor {

quiet_clock::~quiet_clock() {
  stop();
}

void quiet_clock::wake_if_earlier() {
  if (schedule_.empty() || schedule_.begin()->first >= sleeping_until_) return;
  sleeping_until_ = time_point::min();  // it is being woken: later insertions need not wake it again
  ++wakeups_;
  cv_.notify_one();
}

template <class Pred>
void quiet_clock::take(caf::actor_id aid, Pred pred, taken& out) {
  auto range = actor_lookup_.equal_range(aid);
  for (auto i = range.first; i != range.second;) {
    if (!pred(*i->second->second)) {
      ++i;
      continue;
    }
    out.push_back(std::move(i->second->second));
    schedule_.erase(i->second);
    i = actor_lookup_.erase(i);
  }
}

void quiet_clock::set_ordinary_timeout(time_point t, caf::abstract_actor* self, caf::atom_value type,
                                       uint64_t id) {
  // Replaces the actor's earlier timeout of this type: that entry holds a reference to the actor, which is
  // running (it is calling), so destroying it under the lock releases nothing else.
  std::lock_guard<std::mutex> guard(mutex_);
  base::set_ordinary_timeout(t, self, type, id);
  wake_if_earlier();
}

void quiet_clock::set_multi_timeout(time_point t, caf::abstract_actor* self, caf::atom_value type,
                                    uint64_t id) {
  std::lock_guard<std::mutex> guard(mutex_);
  base::set_multi_timeout(t, self, type, id);
  wake_if_earlier();
}

void quiet_clock::set_request_timeout(time_point t, caf::abstract_actor* self, caf::message_id id) {
  std::lock_guard<std::mutex> guard(mutex_);
  base::set_request_timeout(t, self, id);
  wake_if_earlier();
}

template <class Pred>
void quiet_clock::cancel_where(caf::actor_id aid, Pred pred) {
  taken gone;  // declared before the guard: destroyed after the lock is released
  std::lock_guard<std::mutex> guard(mutex_);
  take(aid, pred, gone);
}

void quiet_clock::cancel_ordinary_timeout(caf::abstract_actor* self, caf::atom_value type) {
  cancel_where(self->id(), [&](const delayed_event& e) {
    return e.subtype == ordinary_timeout_type && static_cast<const ordinary_timeout&>(e).type == type;
  });
}

void quiet_clock::cancel_request_timeout(caf::abstract_actor* self, caf::message_id id) {
  cancel_where(self->id(), [&](const delayed_event& e) {
    return e.subtype == request_timeout_type && static_cast<const request_timeout&>(e).id == id;
  });
}

void quiet_clock::cancel_timeouts(caf::abstract_actor* self) {
  cancel_where(self->id(), [](const delayed_event&) { return true; });
}

void quiet_clock::schedule_message(time_point t, caf::strong_actor_ptr receiver,
                                   caf::mailbox_element_ptr content) {
  std::lock_guard<std::mutex> guard(mutex_);
  base::schedule_message(t, std::move(receiver), std::move(content));
  wake_if_earlier();
}

void quiet_clock::schedule_message(time_point t, caf::group target, caf::strong_actor_ptr sender,
                                   caf::message content) {
  std::lock_guard<std::mutex> guard(mutex_);
  base::schedule_message(t, std::move(target), std::move(sender), std::move(content));
  wake_if_earlier();
}

void quiet_clock::cancel_all() {
  schedule_map gone;
  std::lock_guard<std::mutex> guard(mutex_);
  actor_lookup_.clear();
  gone.swap(schedule_);
}

void quiet_clock::start(caf::actor_system* sys) {
  std::lock_guard<std::mutex> guard(mutex_);
  if (thread_.joinable()) return;
  done_ = false;
  thread_ = std::thread([this, sys] {
    caf::detail::set_thread_name("iotactor.clock");
    if (sys) sys->thread_started();  // the system's thread hooks, as for CAF's own clock thread
    run();
    if (sys) sys->thread_terminates();
  });
}

void quiet_clock::stop() {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    done_ = true;
    cv_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
  cancel_all();
}

std::size_t quiet_clock::wakeups() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return wakeups_;
}

std::size_t quiet_clock::pending() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return schedule_.size();
}

void quiet_clock::run() {
  std::unique_lock<std::mutex> guard(mutex_);
  taken due;
  while (!done_) {
    auto now = this->now();
    while (!schedule_.empty() && schedule_.begin()->first <= now) {
      auto first = schedule_.begin();
      if (first->second->backlink != actor_lookup_.end()) actor_lookup_.erase(first->second->backlink);
      due.push_back(std::move(first->second));
      schedule_.erase(first);
    }
    if (!due.empty()) {
      sleeping_until_ = time_point::min();  // awake: new timers are seen on the next round
      guard.unlock();
      for (auto& e : due) ship(*e);
      due.clear();  // may release the last reference to an actor: outside the lock
      guard.lock();
      continue;
    }
    if (schedule_.empty()) {
      sleeping_until_ = time_point::max();
      cv_.wait(guard);
    } else {
      sleeping_until_ = schedule_.begin()->first;
      cv_.wait_until(guard, sleeping_until_);
    }
    sleeping_until_ = time_point::min();
  }
}

}  // namespace iotactor
