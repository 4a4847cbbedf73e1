// The raw-socket ceiling: no client library. Packets are laid out once (fixed header and topic) and copied
// into a 64 KiB output buffer written with blocking send(); a reader thread frames what comes back. It does
// what the workloads need and nothing else (no keep-alive, no retransmission, no validation).
#include <arpa/inet.h>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "harness.hpp"
#include "wire.hpp"

namespace iotactor::bench {

namespace {

using wire::bytes;
using wire::put_string;
using wire::put_varint;
using wire::write_all;
constexpr std::size_t flush_at = std::size_t{64} * 1024;

/// MQTT 5 CONNECT: clean start, keep-alive 60 s, no properties.
bytes connect_packet(const std::string& client_id) {
  bytes body = {0, 4, 'M', 'Q', 'T', 'T', 5, 0x02, 0, 60, 0};
  put_string(body, client_id);
  bytes out = {0x10};
  put_varint(out, body.size());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

int open_socket(const endpoint& where) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(where.port);
  if (inet_pton(AF_INET, where.host.c_str(), &addr.sin_addr) != 1)
    throw std::runtime_error("not an IPv4 address: " + where.host);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    auto why = std::string(std::strerror(errno));
    ::close(fd);
    throw std::runtime_error("connect to " + where.host + ":" + std::to_string(where.port) + ": " + why);
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

/// Reads one whole packet (blocking); returns its type nibble, or -1 at end of stream.
int read_packet(int fd, bytes& packet) {
  std::uint8_t b = 0;
  if (::recv(fd, &b, 1, MSG_WAITALL) != 1) return -1;
  std::size_t length = 0;
  std::size_t shift = 0;
  std::uint8_t d = 0;
  do {
    if (::recv(fd, &d, 1, MSG_WAITALL) != 1) return -1;
    length |= static_cast<std::size_t>(d & 0x7FU) << shift;
    shift += 7;
  } while ((d & 0x80U) != 0);
  packet.resize(length);
  if (length > 0 && ::recv(fd, packet.data(), length, MSG_WAITALL) != static_cast<ssize_t>(length)) return -1;
  return b >> 4U;
}

class raw_connection final : public connection {
 public:
  raw_connection(const endpoint& where, const std::string& client_id) : fd_(open_socket(where)) {
    auto c = connect_packet(client_id);
    write_all(fd_, c.data(), c.size());
    bytes ack;
    if (read_packet(fd_, ack) != 2 || ack.size() < 2) throw std::runtime_error("no CONNACK");
    if (ack[1] != 0) throw std::runtime_error("CONNACK refused with reason " + std::to_string(ack[1]));
    out_.reserve(flush_at + 1024);
    reader_ = std::thread([this] { read_loop(); });
  }

  ~raw_connection() override { disconnect(); }

  void subscribe(const std::string& filter, int qos, message_fn on_message) override {
    on_message_ = std::move(on_message);
    bytes body = {0, 1, 0};  // packet id 1, no properties
    put_string(body, filter);
    body.push_back(static_cast<std::uint8_t>(qos));
    bytes p = {0x82};
    put_varint(p, body.size());
    p.insert(p.end(), body.begin(), body.end());
    send_now(p);
    std::unique_lock<std::mutex> lock(mutex_);
    if (!cv_.wait_for(lock, std::chrono::seconds(30), [&] { return subscribed_; }))
      throw std::runtime_error("no SUBACK");
  }

  void publish(const std::string& topic, const std::uint8_t* data, std::size_t size, int qos) override {
    if (topic != topic_ || size != size_ || qos != qos_) layout(topic, size, qos);
    if (qos > 0) {
      // Keep at most the broker's receive maximum in flight.
      if (sent_ - acked.load(std::memory_order_acquire) >= window_) {
        flush();
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return sent_ - acked.load() < window_ || closed_; });
      }
      ++sent_;
    }
    out_.insert(out_.end(), prefix_.begin(), prefix_.end());
    if (qos > 0) {
      next_id_ = static_cast<std::uint16_t>(next_id_ % 65535 + 1);
      out_.push_back(static_cast<std::uint8_t>(next_id_ >> 8U));
      out_.push_back(static_cast<std::uint8_t>(next_id_ & 0xFFU));
    }
    out_.push_back(0);  // no properties
    out_.insert(out_.end(), data, data + size);
    if (out_.size() >= flush_at) flush();
  }

  void publish_and_wait(const std::string& topic, const std::uint8_t* data, std::size_t size) override {
    auto target = sent_ + 1;
    publish(topic, data, size, 1);
    flush();
    std::unique_lock<std::mutex> lock(mutex_);
    if (!cv_.wait_for(lock, std::chrono::seconds(60), [&] { return acked.load() >= target || closed_; }) ||
        acked.load() < target)
      throw std::runtime_error("no PUBACK for the marker");
  }

  void flush() override {
    if (out_.empty()) return;
    std::lock_guard<std::mutex> lock(write_mutex_);
    write_all(fd_, out_.data(), out_.size());
    out_.clear();
  }

  void disconnect() override {
    if (fd_ < 0) return;
    flush();
    bytes d = {0xE0, 0};
    send_now(d);
    ::shutdown(fd_, SHUT_RDWR);
    if (reader_.joinable()) reader_.join();
    ::close(fd_);
    fd_ = -1;
  }

 private:
  /// The fixed header and topic of a PUBLISH of this shape, laid out once.
  void layout(const std::string& topic, std::size_t size, int qos) {
    topic_ = topic;
    size_ = size;
    qos_ = qos;
    prefix_ = {static_cast<std::uint8_t>(0x30U | (static_cast<unsigned>(qos) << 1U))};
    put_varint(prefix_, 2 + topic.size() + (qos > 0 ? 2 : 0) + 1 + size);
    put_string(prefix_, topic);
  }

  /// PUBACKs for what was received, written in batches (and whenever the reader drained the socket).
  void flush_acks(bytes& acks) {
    std::lock_guard<std::mutex> lock(write_mutex_);
    write_all(fd_, acks.data(), acks.size());
    acks.clear();
  }

  void send_now(const bytes& p) {
    std::lock_guard<std::mutex> lock(write_mutex_);
    write_all(fd_, p.data(), p.size());
  }

  void read_loop() {
    bytes acks;
    wire::read_packets(
        fd_,
        [&](std::uint8_t header, const std::uint8_t* body, std::size_t length) {
          on_packet(header, body, length, acks);
          return true;
        },
        [&] {
          if (!acks.empty()) flush_acks(acks);
        });
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    cv_.notify_all();
  }

  void on_packet(std::uint8_t header, const std::uint8_t* body, std::size_t length, bytes& acks) {
    switch (header >> 4U) {
      case 3: {  // PUBLISH
        auto qos = (header >> 1U) & 3U;
        std::size_t at = 2 + ((std::size_t{body[0]} << 8U) | body[1]);
        if (qos > 0) {
          acks.insert(acks.end(), {0x40, 2, body[at], body[at + 1]});
          at += 2;
        }
        std::size_t props = 0;
        wire::get_varint(body, length, at, props);
        at += props;
        on_message_(body + at, length - at);
        break;
      }
      case 4: {  // PUBACK
        std::lock_guard<std::mutex> lock(mutex_);
        acked.fetch_add(1, std::memory_order_release);
        cv_.notify_all();
        break;
      }
      case 9: {  // SUBACK
        std::lock_guard<std::mutex> lock(mutex_);
        subscribed_ = true;
        cv_.notify_all();
        break;
      }
      default:
        break;
    }
  }

  int fd_;
  std::thread reader_;
  std::mutex write_mutex_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool subscribed_ = false;
  bool closed_ = false;
  message_fn on_message_ = [](const std::uint8_t*, std::size_t) {};
  bytes out_;
  bytes prefix_;
  std::string topic_;
  std::size_t size_ = 0;
  int qos_ = -1;
  std::uint16_t next_id_ = 0;
  std::uint64_t sent_ = 0;
  std::uint64_t window_ = 65535;
};

class raw_implementation final : public implementation {
 public:
  ~raw_implementation() override { drop_fleet(); }

  std::string name() const override { return "raw-socket"; }

  std::unique_ptr<connection> connect(const endpoint& where, const std::string& client_id) override {
    if (where.tls) throw std::runtime_error("the raw ceiling connects over TLS only in the fleet");
    return std::make_unique<raw_connection>(where, client_id);
  }

  /// Blocking connects (and TLS handshakes) one after the other, each CONNECT written at once, with at most
  /// `window` clients waiting for their CONNACK (as iotactor's io_runtime does, so that the broker's listen
  /// backlog does not overflow).
  std::size_t connect_fleet(const endpoint& where, std::size_t count) override {
    constexpr std::size_t window = 64;
    if (where.tls) {
      ctx_ = SSL_CTX_new(TLS_client_method());
      SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
      if (SSL_CTX_load_verify_locations(ctx_, where.ca_file.c_str(), nullptr) != 1)
        throw std::runtime_error("cannot load " + where.ca_file);
      SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    }
    std::size_t ok = 0;
    std::size_t answered = 0;
    auto await_connack = [&] {
      bytes ack;
      if (ctx_) {
        std::uint8_t buf[64];
        if (SSL_read(ssls_[answered], buf, sizeof buf) >= 4 && buf[0] == 0x20) ++ok;
      } else if (read_packet(fds_[answered], ack) == 2) {
        ++ok;
      }
      ++answered;
    };
    for (std::size_t i = 0; i < count; ++i) {
      if (i - answered >= window) await_connack();
      int fd = open_socket(where);
      fds_.push_back(fd);
      auto c = connect_packet("fleet-" + std::to_string(i));
      if (!ctx_) {
        write_all(fd, c.data(), c.size());
        continue;
      }
      SSL* ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, fd);
      ssls_.push_back(ssl);
      if (SSL_connect(ssl) != 1 || SSL_write(ssl, c.data(), static_cast<int>(c.size())) <= 0)
        throw std::runtime_error("TLS handshake " + std::to_string(i) + " failed");
    }
    while (answered < count) await_connack();
    return ok;
  }

  void drop_fleet() override {
    for (auto* s : ssls_) SSL_free(s);
    ssls_.clear();
    for (int fd : fds_) ::close(fd);
    fds_.clear();
    if (ctx_) SSL_CTX_free(ctx_);
    ctx_ = nullptr;
  }

 private:
  std::vector<int> fds_;
  std::vector<SSL*> ssls_;
  SSL_CTX* ctx_ = nullptr;
};

}  // namespace

}  // namespace iotactor::bench

int main(int argc, char** argv) {
  iotactor::bench::raw_implementation impl;
  return iotactor::bench::run(argc, argv, impl);
}
