// io_runtime: an io_context kept alive by a work guard and run by `threads` threads.
#include "iotactor/actors/io_runtime.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace iotactor {

struct io_runtime::impl {
  boost::asio::io_context context;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard{context.get_executor()};
  std::vector<std::thread> threads;
  std::size_t max_connects = io_runtime::default_max_concurrent_connects;
  std::mutex connect_mutex;
  std::size_t connecting = 0;
  std::deque<std::function<void()>> waiting;
  // The connector thread and its jobs (offload).
  std::thread connector;
  std::mutex connector_mutex;
  std::condition_variable connector_wake;
  std::deque<std::function<void()>> connector_jobs;
  bool connector_idle = false;
  std::atomic<bool> connector_stop{false};  // set under connector_mutex; read between a turn's jobs
  std::mutex shared_mutex;
  std::map<std::string, std::weak_ptr<void>> shared;
};

io_runtime::io_runtime(std::size_t threads, std::size_t max_concurrent_connects)
    : impl_(std::make_unique<impl>()) {
  impl_->max_connects = max_concurrent_connects == 0 ? 1 : max_concurrent_connects;
  if (threads == 0) threads = 1;
  for (std::size_t i = 0; i < threads; ++i)
    impl_->threads.emplace_back([impl = impl_.get()] { impl->context.run(); });
}

io_runtime::~io_runtime() {
  {
    std::lock_guard<std::mutex> guard(impl_->connector_mutex);
    impl_->connector_stop = true;
  }
  impl_->connector_wake.notify_all();
  impl_->guard.reset();
  impl_->context.stop();
  // The last reference can go on one of its own threads: actors run there (inline_unit), and a client that
  // ends there drops its runtime. That thread cannot join itself, and it is still inside run(): a thread of
  // its own joins them all once run() has returned, and only then destroys the io_context.
  // The connector too: a job's last reference to a client can be the runtime's last.
  auto here = std::this_thread::get_id();
  bool on_own_thread = impl_->connector.get_id() == here;
  for (auto& t : impl_->threads) on_own_thread = on_own_thread || t.get_id() == here;
  if (on_own_thread) {
    auto* orphan = impl_.release();  // owned by the joiner, or by nobody if no thread can be made
    try {
      std::thread([orphan] {
        for (auto& thread : orphan->threads) thread.join();
        if (orphan->connector.joinable()) orphan->connector.join();
        delete orphan;
      }).detach();
    } catch (const std::system_error&) {
      for (auto& thread : orphan->threads) thread.detach();  // they end on their own; the state is leaked
      if (orphan->connector.joinable()) orphan->connector.detach();
    }
    return;
  }
  if (impl_->connector.joinable()) impl_->connector.join();
  for (auto& t : impl_->threads) t.join();
}

std::shared_ptr<io_runtime> io_runtime::shared() {
  // The one piece of process-wide state: ARCHITECTURE.md asks for one io_context serving every connection.
  static std::mutex mutex;
  static std::weak_ptr<io_runtime> current;
  std::lock_guard<std::mutex> guard(mutex);
  auto runtime = current.lock();
  if (!runtime) {
    runtime = std::make_shared<io_runtime>(1);
    current = runtime;
  }
  return runtime;
}

boost::asio::io_context& io_runtime::context() noexcept {
  return impl_->context;
}

std::size_t io_runtime::threads() const noexcept {
  return impl_->threads.size();
}

std::size_t io_runtime::max_concurrent_connects() const noexcept {
  return impl_->max_connects;
}

void io_runtime::begin_connect(std::function<void()> start) {
  {
    std::lock_guard<std::mutex> guard(impl_->connect_mutex);
    if (impl_->connecting >= impl_->max_connects) {
      impl_->waiting.push_back(std::move(start));
      return;
    }
    ++impl_->connecting;
  }
  start();
}

void io_runtime::end_connect() {
  std::function<void()> next;
  {
    std::lock_guard<std::mutex> guard(impl_->connect_mutex);
    if (impl_->waiting.empty()) {
      if (impl_->connecting > 0) --impl_->connecting;
      return;
    }
    next = std::move(impl_->waiting.front());  // the slot passes on to it
    impl_->waiting.pop_front();
  }
  next();
}

void io_runtime::offload(std::function<void()> job) {
  auto* st = impl_.get();
  bool wake = false;
  std::function<void()> inline_job;
  {
    std::lock_guard<std::mutex> guard(st->connector_mutex);
    if (st->connector_stop) return;
    st->connector_jobs.push_back(std::move(job));
    if (!st->connector.joinable()) {
      try {
        st->connector = std::thread([st] {
          std::unique_lock<std::mutex> lock(st->connector_mutex);
          for (;;) {
            st->connector_idle = true;
            st->connector_wake.wait(lock, [st] { return st->connector_stop || !st->connector_jobs.empty(); });
            st->connector_idle = false;
            if (st->connector_stop) break;
            // Every job queued now, in one turn of the lock: a fleet's connects come faster than one a wake.
            auto jobs = std::move(st->connector_jobs);
            st->connector_jobs.clear();
            lock.unlock();
            for (auto& j : jobs) {
              if (!st->connector_stop) j();  // once the runtime is going, the rest are dropped
              j = nullptr;                   // what it holds goes now, not after the whole turn
            }
            lock.lock();
          }
          auto dropped = std::move(st->connector_jobs);
          lock.unlock();  // dropped here, outside the lock: a job's last reference may end a client
        });
      } catch (const std::system_error&) {
        // No thread to be had: the job runs here, as it would have without a connector.
        inline_job = std::move(st->connector_jobs.back());
        st->connector_jobs.pop_back();
      }
    } else {
      wake = st->connector_idle;
    }
  }
  if (wake) st->connector_wake.notify_one();
  if (inline_job) inline_job();
}

std::shared_ptr<void> io_runtime::shared_object(const std::string& key,
                                                const std::function<std::shared_ptr<void>()>& make) {
  std::lock_guard<std::mutex> guard(impl_->shared_mutex);
  if (auto it = impl_->shared.find(key); it != impl_->shared.end())
    if (auto existing = it->second.lock()) return existing;
  auto made = make();
  for (auto it = impl_->shared.begin(); it != impl_->shared.end();)  // forget what nobody holds any more
    it = it->second.expired() ? impl_->shared.erase(it) : std::next(it);
  if (made) impl_->shared[key] = made;
  return made;
}

}  // namespace iotactor
