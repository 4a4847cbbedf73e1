// The Asio side of the process: one io_context, run by a small thread pool, serving every connection.
#pragma once

#include <cstddef>
#include <memory>

namespace boost::asio {
class io_context;
}

namespace iotactor {

/// Share one io_runtime between all clients of a process; it must outlive them. Its destructor stops
/// the io_context and joins the threads.
class io_runtime {
 public:
  explicit io_runtime(std::size_t threads = 1);
  ~io_runtime();
  io_runtime(const io_runtime&) = delete;
  io_runtime& operator=(const io_runtime&) = delete;

  /// The process-wide runtime (one thread) that clients use when they are given none. It is made on first
  /// use and destroyed with the last client holding it.
  static std::shared_ptr<io_runtime> shared();

  boost::asio::io_context& context() noexcept;
  std::size_t threads() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace iotactor
