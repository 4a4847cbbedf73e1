// The scripted broker: POSIX sockets and poll() on one thread; scripts and tests write from any thread.
#include "support/scripted_broker.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <system_error>
#include <unistd.h>

#include <gtest/gtest.h>

#include "iotactor/protocol/describe.hpp"
#include "iotactor/protocol/encoder.hpp"

namespace iotactor::testing {

namespace proto = iotactor::protocol;
using namespace std::chrono_literals;
using steady_clock = std::chrono::steady_clock;

namespace {

/// How often the broker's thread looks at half-closed connections, and how long it lets a client keep a
/// half-closed connection open before closing it itself.
constexpr int poll_interval_ms = 50;
constexpr auto linger_after_close = 1s;
constexpr std::size_t read_chunk = 64 * 1024;

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), "scripted_broker: " + what);
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// connection

scripted_broker::connection::connection(scripted_broker& broker, std::size_t index, int fd)
    : broker_(&broker), index_(index), fd_(fd) {}

void scripted_broker::connection::send(const proto::packet& p) {
  proto::bytes out;
  if (auto err = proto::encode(p, version(), out)) {
    ADD_FAILURE() << "scripted_broker: cannot encode " << proto::describe(p) << ": "
                  << proto::to_string(*err);
    return;
  }
  std::lock_guard<std::mutex> guard(write_mutex_);
  if (fd_ < 0 || closing_since_ || broker_ == nullptr) return;
  broker_->record_sent(*this, p, {});
  write_locked(out.data(), out.size());
}

void scripted_broker::connection::send_bytes(proto::bytes raw) {
  std::lock_guard<std::mutex> guard(write_mutex_);
  if (fd_ < 0 || closing_since_ || broker_ == nullptr) return;
  broker_->record_sent(*this, std::nullopt, raw);
  write_locked(raw.data(), raw.size());
}

void scripted_broker::connection::disconnect(proto::reason_code reason, std::string reason_string) {
  if (version() == proto::protocol_version::v5) {
    proto::disconnect d;
    d.reason = reason;
    if (!reason_string.empty()) d.properties.reason_string = std::move(reason_string);
    send(d);
  }
  close();
}

void scripted_broker::connection::close() {
  std::lock_guard<std::mutex> guard(write_mutex_);
  if (fd_ < 0 || closing_since_) return;
  ::shutdown(fd_, SHUT_WR);
  closing_since_ = steady_clock::now();
}

bool scripted_broker::connection::closed() const {
  std::lock_guard<std::mutex> guard(write_mutex_);
  return fd_ < 0;
}

void scripted_broker::connection::write_locked(const std::uint8_t* data, std::size_t size) {
  while (size > 0) {
    auto n = ::send(fd_, data, size, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // the client is gone: reading will notice
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

void scripted_broker::connection::close_socket() {
  std::lock_guard<std::mutex> guard(write_mutex_);
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
}

// ---------------------------------------------------------------------------------------------------------
// broker: set-up and tear-down

scripted_broker::scripted_broker() {
  if (::pipe2(wake_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) throw_errno("pipe2");
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw_errno("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw_errno("bind 127.0.0.1:0");
  if (::listen(listen_fd_, 16) != 0) throw_errno("listen");
  if (::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) throw_errno("getsockname");
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { run(); });
}

scripted_broker::~scripted_broker() {
  stopping_ = true;
  wake();
  thread_.join();
  for (auto& c : connections_) {
    std::lock_guard<std::mutex> guard(c->write_mutex_);
    if (c->fd_ >= 0) ::close(c->fd_);
    c->fd_ = -1;
    c->broker_ = nullptr;
  }
  ::close(listen_fd_);
  ::close(wake_pipe_[0]);
  ::close(wake_pipe_[1]);
}

void scripted_broker::wake() {
  std::uint8_t byte = 1;
  [[maybe_unused]] auto n = ::write(wake_pipe_[1], &byte, 1);
}

// ---------------------------------------------------------------------------------------------------------
// broker: script and records

void scripted_broker::on_connect(connect_script script) {
  std::lock_guard<std::mutex> guard(mutex_);
  connect_script_ = std::move(script);
}

void scripted_broker::on_packet(packet_script script) {
  std::lock_guard<std::mutex> guard(mutex_);
  packet_script_ = std::move(script);
}

std::size_t scripted_broker::connection_count() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return connections_.size();
}

std::shared_ptr<scripted_broker::connection> scripted_broker::connection_at(std::size_t index) const {
  std::lock_guard<std::mutex> guard(mutex_);
  return index < connections_.size() ? connections_[index] : nullptr;
}

connection_record scripted_broker::record(std::size_t index) const {
  std::lock_guard<std::mutex> guard(mutex_);
  if (index < records_.size()) return records_[index];
  connection_record empty;
  empty.index = index;
  return empty;
}

bool scripted_broker::wait_for(const std::function<bool(const std::deque<connection_record>&)>& pred,
                               std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return pred(records_); });
}

bool scripted_broker::wait_for_packets(std::size_t index,
                                       const std::function<bool(const std::vector<proto::packet>&)>& pred,
                                       std::chrono::milliseconds timeout) const {
  return wait_for(
      [&](const std::deque<connection_record>& records) {
        return index < records.size() && pred(records[index].received);
      },
      timeout);
}

bool scripted_broker::wait_for_connections(std::size_t count, std::chrono::milliseconds timeout) const {
  return wait_for([count](const std::deque<connection_record>& records) { return records.size() >= count; },
                  timeout);
}

bool scripted_broker::wait_for_close(std::size_t index, std::chrono::milliseconds timeout) const {
  return wait_for(
      [index](const std::deque<connection_record>& records) {
        return index < records.size() && records[index].closed;
      },
      timeout);
}

void scripted_broker::record_sent(connection& c, std::optional<proto::packet> p, proto::bytes raw) {
  std::lock_guard<std::mutex> guard(mutex_);
  auto& rec = records_[c.index_];
  transcript_entry e;
  e.from_client = false;
  e.packet = p;
  e.raw = std::move(raw);
  e.client_bytes_before = rec.client_bytes.size();
  rec.transcript.push_back(std::move(e));
  if (p) rec.sent.push_back(std::move(*p));
  changed_.notify_all();
}

void scripted_broker::mark_closed(std::size_t index) {
  std::lock_guard<std::mutex> guard(mutex_);
  records_[index].closed = true;
  changed_.notify_all();
}

// ---------------------------------------------------------------------------------------------------------
// broker: the thread

void scripted_broker::run() {
  std::vector<pollfd> fds;
  std::vector<std::shared_ptr<connection>> polled;
  while (!stopping_) {
    fds.clear();
    polled.clear();
    fds.push_back({wake_pipe_[0], POLLIN, 0});
    fds.push_back({listen_fd_, POLLIN, 0});
    {
      std::lock_guard<std::mutex> guard(mutex_);
      for (const auto& c : connections_)
        if (c->fd_ >= 0) polled.push_back(c);  // fd_ changes on this thread only
    }
    for (const auto& c : polled) fds.push_back({c->fd_, POLLIN, 0});
    int ready = ::poll(fds.data(), fds.size(), poll_interval_ms);
    if (ready < 0 && errno != EINTR) throw_errno("poll");
    if (ready > 0) {
      if (fds[0].revents != 0) {
        std::uint8_t drain[64];
        while (::read(wake_pipe_[0], drain, sizeof drain) > 0) {
        }
      }
      if (stopping_) break;
      if (fds[1].revents != 0) accept_one();
      for (std::size_t i = 0; i < polled.size(); ++i)
        if (fds[i + 2].revents != 0) read_from(*polled[i]);
    }
    auto now = steady_clock::now();
    for (const auto& c : polled) {
      bool expired = false;
      {
        std::lock_guard<std::mutex> guard(c->write_mutex_);
        expired = c->fd_ >= 0 && c->closing_since_ && now - *c->closing_since_ >= linger_after_close;
      }
      if (expired) {
        c->close_socket();
        mark_closed(c->index_);
      }
    }
  }
}

void scripted_broker::accept_one() {
  int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) return;
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  std::lock_guard<std::mutex> guard(mutex_);
  auto index = connections_.size();
  connections_.push_back(std::make_shared<connection>(*this, index, fd));
  records_.emplace_back().index = index;
  changed_.notify_all();
}

void scripted_broker::read_from(connection& c) {
  std::vector<std::uint8_t> buffer(read_chunk);
  auto n = ::recv(c.fd_, buffer.data(), buffer.size(), 0);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) {
    c.close_socket();
    mark_closed(c.index_);
    return;
  }
  const auto size = static_cast<std::size_t>(n);
  {
    std::lock_guard<std::mutex> guard(mutex_);
    auto& rec = records_[c.index_];
    rec.client_bytes.insert(rec.client_bytes.end(), buffer.begin(), buffer.begin() + n);
    changed_.notify_all();
  }
  if (c.decoder_.failed()) return;  // closing already: nothing more is decoded

  std::vector<proto::packet> packets;
  std::optional<proto::error> err;
  std::size_t offset = 0;
  if (!c.connect_seen_) {
    // Until the CONNECT is whole, one byte at a time: the packets after it are read at its version.
    while (offset < size && packets.empty() && !err) err = c.decoder_.feed(&buffer[offset++], 1, packets);
    if (!packets.empty()) {
      if (const auto* connect = std::get_if<proto::connect>(&packets.front())) {
        c.version_ = connect->version;
        c.decoder_.set_version(connect->version);
      }
    }
  }
  if (!err && offset < size) err = c.decoder_.feed(buffer.data() + offset, size - offset, packets);
  for (auto& p : packets) handle(c, std::move(p));
  if (err) {
    {
      std::lock_guard<std::mutex> guard(mutex_);
      records_[c.index_].decode_error = err;
      changed_.notify_all();
    }
    c.close();
  }
}

void scripted_broker::handle(connection& c, proto::packet&& p) {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    auto& rec = records_[c.index_];
    if (auto* connect = std::get_if<proto::connect>(&p); connect && !rec.connect) rec.connect = *connect;
    rec.received.push_back(p);
    transcript_entry e;
    e.from_client = true;
    e.packet = p;
    e.client_bytes_before = rec.client_bytes.size();
    rec.transcript.push_back(std::move(e));
    changed_.notify_all();
  }
  if (auto* connect = std::get_if<proto::connect>(&p)) {
    if (c.connect_seen_) return;  // a second CONNECT is a protocol violation: recorded, not answered
    c.connect_seen_ = true;
    connect_script script;
    {
      std::lock_guard<std::mutex> guard(mutex_);
      script = connect_script_;
    }
    std::optional<proto::connack> ack = script ? script(*connect, c.index_) : proto::connack{};
    if (ack) {
      c.send(*ack);
      if (proto::is_error(ack->reason)) c.close();
    }
    return;
  }
  packet_script script;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    script = packet_script_;
  }
  if (script && script(p, c) == reply::handled) return;
  answer_automatically(c, p);
}

void scripted_broker::answer_automatically(connection& c, const proto::packet& p) {
  const bool v5 = c.version() == proto::protocol_version::v5;
  if (const auto* pub = std::get_if<proto::publish>(&p)) {
    if (!acknowledge_publishes_) return;
    if (pub->qos == proto::qos::at_least_once) {
      proto::puback ack;
      ack.packet_id = pub->packet_id;
      c.send(ack);
    } else if (pub->qos == proto::qos::exactly_once) {
      proto::pubrec rec;
      rec.packet_id = pub->packet_id;
      c.send(rec);
    }
  } else if (const auto* rel = std::get_if<proto::pubrel>(&p)) {
    if (!acknowledge_publishes_) return;
    proto::pubcomp comp;
    comp.packet_id = rel->packet_id;
    c.send(comp);
  } else if (const auto* rec = std::get_if<proto::pubrec>(&p)) {
    proto::pubrel next;
    next.packet_id = rec->packet_id;
    c.send(next);
  } else if (const auto* sub = std::get_if<proto::subscribe>(&p)) {
    proto::suback ack;
    ack.packet_id = sub->packet_id;
    for (const auto& s : sub->subscriptions)
      ack.reason_codes.push_back(static_cast<proto::reason_code>(static_cast<std::uint8_t>(s.max_qos)));
    c.send(ack);
  } else if (const auto* unsub = std::get_if<proto::unsubscribe>(&p)) {
    proto::unsuback ack;
    ack.packet_id = unsub->packet_id;
    if (v5) ack.reason_codes.assign(unsub->topic_filters.size(), proto::reason_code::success);
    c.send(ack);
  } else if (std::holds_alternative<proto::pingreq>(p)) {
    if (answer_pings_) c.send(proto::pingresp{});
  } else if (std::holds_alternative<proto::disconnect>(p)) {
    c.close();
  }
}

}  // namespace iotactor::testing
