// The transport's writes from any thread: straight to the socket while nothing is queued, behind the strand
// once the socket is full, in order either way. A real TCP connection to a server in the test that holds
// its reads.
#include "transport.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>

using namespace iotactor;
namespace proto = iotactor::protocol;

namespace {

constexpr auto deadline = std::chrono::seconds(10);

/// A listening socket on 127.0.0.1 whose connections get a small receive buffer.
struct listener {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  std::uint16_t port = 0;

  listener() {
    int small = 4096;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));  // inherited by accepted sockets
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    EXPECT_EQ(::listen(fd, 1), 0);
    socklen_t size = sizeof(a);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &size);
    port = ntohs(a.sin_port);
  }
  ~listener() { ::close(fd); }

  int accept_one() const {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(std::chrono::milliseconds(deadline).count())) != 1) return -1;
    return ::accept(fd, nullptr, nullptr);
  }
};

/// Reads `n` bytes from `fd`, or what arrived before the deadline.
proto::bytes read_exactly(int fd, std::size_t n) {
  proto::bytes out;
  std::vector<std::uint8_t> buffer(64 * 1024);
  auto until = std::chrono::steady_clock::now() + deadline;
  while (out.size() < n && std::chrono::steady_clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) != 1) continue;
    auto got = ::recv(fd, buffer.data(), buffer.size(), 0);
    if (got <= 0) break;
    out.insert(out.end(), buffer.begin(), buffer.begin() + got);
  }
  return out;
}

proto::shared_bytes pattern(std::size_t size, std::uint8_t seed) {
  proto::bytes b(size);
  for (std::size_t i = 0; i < size; ++i) b[i] = static_cast<std::uint8_t>((i * 7 + seed) % 251);
  return proto::shared_bytes(std::move(b));
}

/// A transport connected to `server`, up and reading (it has read the byte the server sent), and the
/// server's end of the connection.
struct connection {
  std::shared_ptr<io_runtime> runtime = std::make_shared<io_runtime>(1);
  std::shared_ptr<detail::transport> t;
  int peer = -1;
  std::promise<void> readable;
  std::atomic<bool> first{true};

  explicit connection(const listener& server) {
    auto options = std::make_shared<connection_options>();
    options->port = server.port;
    t = detail::make_transport(
        runtime, options, codec_actor{},
        [this](detail::transport&, const std::uint8_t*, std::size_t) {
          if (first.exchange(false)) readable.set_value();
        },
        nullptr);
    t->start();
    peer = server.accept_one();
    std::uint8_t hello = 1;
    if (peer < 0 || ::send(peer, &hello, 1, 0) != 1) return;
    readable.get_future().wait_for(deadline);
  }
  ~connection() {
    t->abort();
    if (peer >= 0) ::close(peer);
  }
  bool up() { return peer >= 0 && !first; }
};

}  // namespace

TEST(transport, writes_past_a_full_socket_arrive_whole_and_in_order_and_later_ones_go_straight_on) {
  listener server;
  connection c(server);
  ASSERT_TRUE(c.up());
  auto& t = c.t;
  int peer = c.peer;

  // Far more than the socket buffers hold while the server does not read: the first write fills the socket
  // from this thread and leaves the rest to the strand; the second queues behind it.
  auto big = pattern(16 * 1024 * 1024, 3);
  auto tail = pattern(1000, 5);
  t->write({big});
  t->write({tail});
  auto got = read_exactly(peer, big.size() + tail.size());
  ASSERT_EQ(got.size(), big.size() + tail.size());
  EXPECT_TRUE(std::equal(big.begin(), big.end(), got.begin())) << "the big write arrived altered";
  EXPECT_TRUE(std::equal(tail.begin(), tail.end(), got.begin() + static_cast<std::ptrdiff_t>(big.size())))
      << "the write behind it overtook it or was altered";

  // Drained: the next writes (several buffers in one call) arrive whole, in order.
  auto a = pattern(300, 7);
  auto b = pattern(5000, 9);
  t->write({a, b});
  got = read_exactly(peer, a.size() + b.size());
  ASSERT_EQ(got.size(), a.size() + b.size());
  EXPECT_TRUE(std::equal(a.begin(), a.end(), got.begin()));
  EXPECT_TRUE(std::equal(b.begin(), b.end(), got.begin() + static_cast<std::ptrdiff_t>(a.size())));
}

/// shutdown() closes after what was written before it, and nothing written after it reaches the socket
/// (not even straight from this thread, while the strand has yet to close): the server reads the first
/// write, then the end of the stream.
TEST(transport, a_shutdown_sends_what_came_before_it_and_nothing_after) {
  listener server;
  connection c(server);
  ASSERT_TRUE(c.up());
  auto before = pattern(2000, 11);
  auto after = pattern(3000, 13);
  c.t->write({before});
  c.t->shutdown();
  c.t->write({after});
  auto got = read_exactly(c.peer, before.size() + after.size());  // stops at the end of the stream
  ASSERT_EQ(got.size(), before.size()) << "a write after shutdown() reached the socket";
  EXPECT_TRUE(std::equal(before.begin(), before.end(), got.begin()));
}
