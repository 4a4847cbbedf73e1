// The two servers of the system benchmark. sink (P1): answers CONNECT with CONNACK, QoS 1 PUBLISH with
// PUBACK, SUBSCRIBE with SUBACK, and drops everything else. source (P2): the same, and after a SUBACK it
// streams --n pre-encoded QoS 0 PUBLISH packets to that connection. One thread per connection; prints
// "listening <port>" once it accepts connections.
#include <arpa/inet.h>
#include <cstdio>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "wire.hpp"

namespace {

using namespace iotactor::bench;
using wire::bytes;

struct settings {
  bool source = false;
  std::uint64_t n = 1'000'000;
  std::size_t payload = 64;
  std::string topic = "bench/t";
};

/// Writes n copies of one PUBLISH, a block of them at a time.
void stream_publishes(int fd, const settings& s) {
  auto one = wire::publish_packet(s.topic, s.payload, 0, 0);
  constexpr std::uint64_t per_block = 1024;
  bytes block;
  for (std::uint64_t i = 0; i < per_block; ++i) block.insert(block.end(), one.begin(), one.end());
  for (std::uint64_t left = s.n; left > 0;) {
    auto k = std::min(left, per_block);
    wire::write_all(fd, block.data(), static_cast<std::size_t>(k) * one.size());
    left -= k;
  }
}

void serve(int fd, const settings& s) {
  bool v5 = true;
  bytes out;
  bool stream = false;
  try {
    wire::read_packets(
        fd,
        [&](std::uint8_t header, const std::uint8_t* body, std::size_t length) {
          switch (header >> 4U) {
            case 1:  // CONNECT: the protocol level follows the 6-byte protocol name
              v5 = length > 6 && body[6] == 5;
              if (v5)
                out.insert(out.end(), {0x20, 3, 0, 0, 0});
              else
                out.insert(out.end(), {0x20, 2, 0, 0});
              break;
            case 3: {  // PUBLISH
              auto qos = (header >> 1U) & 3U;
              if (qos == 0 || length < 2) break;
              std::size_t at = 2 + ((std::size_t{body[0]} << 8U) | body[1]);
              if (at + 2 <= length) out.insert(out.end(), {0x40, 2, body[at], body[at + 1]});
              break;
            }
            case 8:  // SUBSCRIBE: grant QoS 0 to its one filter
              if (length >= 2)
                out.insert(out.end(), {0x90, static_cast<std::uint8_t>(v5 ? 4 : 3), body[0], body[1]});
              if (v5) out.push_back(0);
              out.push_back(0);
              stream = s.source;
              break;
            case 12:  // PINGREQ
              out.insert(out.end(), {0xD0, 0});
              break;
            case 14:  // DISCONNECT
              return false;
            default:
              break;
          }
          return true;
        },
        [&] {
          if (!out.empty()) wire::write_all(fd, out.data(), out.size());
          out.clear();
          if (stream) stream_publishes(fd, s);
          stream = false;
        });
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench server: %s\n", e.what());
  }
  ::close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  settings s;
  std::string mode;
  std::uint16_t port = 0;
  CLI::App app{"sink and packet source for the system benchmark"};
  app.add_option("mode", mode, "sink or source")->required()->check(CLI::IsMember({"sink", "source"}));
  app.add_option("--port", port, "port on 127.0.0.1 (0 picks a free one)");
  app.add_option("--n", s.n, "source: PUBLISH packets per subscribing connection")
      ->check(CLI::PositiveNumber);
  app.add_option("--payload", s.payload, "source: payload bytes")->check(CLI::Range(1, 1 << 20));
  app.add_option("--topic", s.topic, "source: topic of the packets");
  CLI11_PARSE(app, argc, argv);
  s.source = mode == "source";

  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener, 1024) != 0) {
    std::fprintf(stderr, "bench server: cannot listen on 127.0.0.1:%u: %s\n", port, std::strerror(errno));
    return 1;
  }
  socklen_t len = sizeof addr;
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::printf("listening %u\n", ntohs(addr.sin_port));
  std::fflush(stdout);
  for (;;) {
    int fd = ::accept(listener, nullptr, nullptr);
    if (fd < 0) continue;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::thread([fd, s] { serve(fd, s); }).detach();
  }
}
