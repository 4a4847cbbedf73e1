// post_publish: a fire-and-forget publish from a thread outside the actor system, run on that thread when it
// publishes rarely, and held back when it posts far ahead of its clients (see client.hpp).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "iotactor/actors/client.hpp"
#include "iotactor/actors/inline_unit.hpp"

namespace iotactor {

/// What one posting thread has out. Never freed: a ticket may outlive its thread, so a thread that ends
/// hands its gauge to the next thread that posts (with what is still out on it).
struct post_ticket::gauge {
  std::atomic<std::size_t> out{0};
  /// Set while the owner waits for `out` to fall to `resume_at`.
  std::atomic<bool> waiting{false};
  std::atomic<std::size_t> resume_at{0};
  std::mutex mutex;
  std::condition_variable resumed;
};

namespace {

struct gauge_pool {
  std::mutex mutex;
  std::vector<post_ticket::gauge*> free;
};

gauge_pool& pool() {
  static auto* instance = new gauge_pool;  // never destroyed: a ticket may be released after static exit
  return *instance;
}

/// The calling thread's gauge, taken from the pool on its first post and given back when it ends.
struct thread_gauge {
  post_ticket::gauge* g = nullptr;
  std::size_t limit = default_post_backlog_limit;

  post_ticket::gauge& get() {
    if (g) return *g;
    auto& p = pool();
    std::lock_guard<std::mutex> lock(p.mutex);
    if (p.free.empty()) {
      g = new post_ticket::gauge;
    } else {
      g = p.free.back();
      p.free.pop_back();
    }
    return *g;
  }

  ~thread_gauge() {
    if (!g) return;
    auto& p = pool();
    std::lock_guard<std::mutex> lock(p.mutex);
    p.free.push_back(g);
  }
};

thread_local thread_gauge this_thread;

/// Blocks until the clients have taken enough of this thread's posts.
void wait_until_at_most(post_ticket::gauge& g, std::size_t resume_at) {
  std::unique_lock<std::mutex> lock(g.mutex);
  g.resume_at.store(resume_at, std::memory_order_relaxed);
  g.waiting.store(true);  // seq_cst, as is the release's decrement and its read of `waiting`
  g.resumed.wait(lock, [&] { return g.out.load() <= resume_at; });
  g.waiting.store(false, std::memory_order_relaxed);
}

}  // namespace

post_ticket::post_ticket(gauge& g) noexcept : g_(&g) {
  g.out.fetch_add(1, std::memory_order_relaxed);
}

post_ticket::post_ticket(const post_ticket& other) noexcept : g_(other.g_) {
  if (g_) g_->out.fetch_add(1, std::memory_order_relaxed);
}

void post_ticket::release() noexcept {
  if (!g_) return;
  auto* g = g_;
  g_ = nullptr;
  auto left = g->out.fetch_sub(1) - 1;
  // Either the owner sees this decrement when it checks before waiting, or this sees it waiting and wakes it
  // (the lock orders the notification after the owner's wait began).
  if (g->waiting.load() && left <= g->resume_at.load(std::memory_order_relaxed)) {
    std::lock_guard<std::mutex> lock(g->mutex);
    g->resumed.notify_one();
  }
}

void set_post_backlog_limit(std::size_t limit) {
  this_thread.limit = limit;
}

std::size_t post_backlog() {
  return this_thread.g ? this_thread.g->out.load() : 0;
}

void post_publish(const client_actor& client, protocol::publish p) {
  // anon_send drops a message to an empty handle without a word; a publish must not vanish so.
  if (!client) throw std::invalid_argument("post_publish: the client handle is empty");
  auto& g = this_thread.get();
  const auto limit = this_thread.limit;
  // Never while this thread runs actors itself (a callback of a client run inline here): the client that
  // would take the posts may be waiting behind it.
  const bool wait =
      limit != 0 && g.out.load(std::memory_order_relaxed) >= limit && !inline_unit::running_here();
  if (wait) wait_until_at_most(g, limit / 2);
  using clock = std::chrono::steady_clock;
  thread_local clock::time_point last_post{};
  auto now = clock::now();
  const bool quiet = !wait && now - last_post > post_inline_after;  // a post that waited is in a burst
  last_post = now;
  auto* dest = caf::actor_cast<caf::abstract_actor*>(client);
  // One allocation, the values inside the mailbox element, as anon_send makes it (a caf::message would be a
  // second one).
  auto element = caf::make_mailbox_element(nullptr, caf::make_message_id(), {}, post_atom::value,
                                           std::move(p), post_ticket(g));
  if (!quiet) {  // in a burst: the workers batch what piles up in the client's mailbox
    dest->enqueue(std::move(element), nullptr);
    return;
  }
  inline_unit unit(dest->home_system());
  dest->enqueue(std::move(element), &unit);
  unit.run();
}

}  // namespace iotactor
