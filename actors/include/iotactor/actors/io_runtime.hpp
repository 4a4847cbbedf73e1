// The Asio side of the process: one io_context, run by a small thread pool, serving every connection.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace iotactor {

/// Share one io_runtime between all clients of a process; it must outlive them. Its destructor stops
/// the io_context and joins the threads. Released on one of its own threads (a client whose actors ended
/// there held the last reference), it cannot join that thread: a detached thread joins them and destroys
/// the io_context after it returns. Release the last reference on a thread of your own before the process
/// exits, so that nothing still runs during static destruction.
///
/// It also bounds how many connection attempts are in progress at once (from the TCP connect until the
/// server's first bytes arrive): a fleet of clients started together would otherwise overflow the broker's
/// listen backlog, and the dropped SYNs cost each client a one-second retransmission.
class io_runtime {
 public:
  static constexpr std::size_t default_max_concurrent_connects = 64;

  explicit io_runtime(std::size_t threads = 1,
                      std::size_t max_concurrent_connects = default_max_concurrent_connects);
  ~io_runtime();
  io_runtime(const io_runtime&) = delete;
  io_runtime& operator=(const io_runtime&) = delete;

  /// The process-wide runtime (one thread) that clients use when they are given none. It is made on first
  /// use and destroyed with the last client holding it.
  static std::shared_ptr<io_runtime> shared();

  boost::asio::io_context& context() noexcept;
  std::size_t threads() const noexcept;
  std::size_t max_concurrent_connects() const noexcept;

  /// Runs `start` now if fewer than max_concurrent_connects attempts are in progress, else once one ends.
  /// Whoever started must call end_connect() exactly once when its attempt is answered or over. `start`
  /// runs on the caller's thread or on the thread of that end_connect(): it should only post its work.
  void begin_connect(std::function<void()> start);
  void end_connect();

  /// Runs `job` on the runtime's connector thread (started on first use), in the order given: for system
  /// calls that would hold up an I/O thread. A TCP connect to a server on the same machine does the whole
  /// handshake, the server's side included, inside connect(). Jobs not run when the runtime is destroyed
  /// are dropped. When no thread can be made, `job` runs on the caller's thread.
  void offload(std::function<void()> job);

  /// An object the connections of this runtime share, such as the TLS context of equal TLS options: made by
  /// `make` (nothing = failure, not remembered) the first time a key is asked for, and again once nobody
  /// holds the last one made.
  std::shared_ptr<void> shared_object(const std::string& key,
                                      const std::function<std::shared_ptr<void>()>& make);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace iotactor
