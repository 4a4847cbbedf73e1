// A scripted MQTT broker for client tests of what a real broker cannot be made to do: refused or missing
// CONNACKs, server DISCONNECTs, tight limits in the CONNACK, silence, malformed bytes, topic aliases.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "iotactor/protocol/decoder.hpp"
#include "iotactor/protocol/error.hpp"
#include "iotactor/protocol/packets.hpp"

namespace iotactor::testing {

/// One step of a connection's traffic, in the order the broker saw it.
struct transcript_entry {
  bool from_client = false;
  /// The packet decoded or sent; empty for raw bytes sent with connection::send_bytes().
  std::optional<protocol::packet> packet;
  /// The raw bytes of send_bytes().
  protocol::bytes raw;
  /// How many bytes the client had sent when this entry was recorded (to find what came after a send).
  std::size_t client_bytes_before = 0;
};

/// Everything the broker saw and did on one connection.
struct connection_record {
  std::size_t index = 0;
  std::optional<protocol::connect> connect;     // once received
  std::vector<protocol::packet> received;       // every packet from the client in order, CONNECT included
  std::vector<protocol::packet> sent;           // every packet the broker sent (not raw bytes)
  std::vector<transcript_entry> transcript;     // both directions, in order
  protocol::bytes client_bytes;                 // every byte the client sent
  std::optional<protocol::error> decode_error;  // the client sent bytes that do not decode
  bool closed = false;                          // the socket is closed, by either side
};

/// The packets of one type, in order.
template <class P>
std::vector<P> packets_of(const std::vector<protocol::packet>& packets) {
  std::vector<P> out;
  for (const auto& p : packets)
    if (const auto* q = std::get_if<P>(&p)) out.push_back(*q);
  return out;
}

template <class P>
std::size_t count_of(const std::vector<protocol::packet>& packets) {
  std::size_t n = 0;
  for (const auto& p : packets) n += std::holds_alternative<P>(p) ? 1 : 0;
  return n;
}

/// Listens on 127.0.0.1 and a free port from construction to destruction, serves any number of connections
/// (a reconnecting client makes several; they are numbered 0, 1, ... in accept order) on one thread, and
/// reacts to what each client sends according to the script the test sets:
///
///   on_connect: the CONNACK for each CONNECT (or none); by default CONNACK success. A CONNACK with a failure
///               reason code is followed by closing the connection, as the specification requires.
///   on_packet:  called for every other packet; returns reply::automatic to let the broker answer as below,
///               or reply::handled when the script answered itself (or wants no answer).
///
/// Automatic answers: PUBACK for a QoS 1 PUBLISH, PUBREC for QoS 2 and PUBCOMP for the PUBREL (unless
/// acknowledge_publishes(false)); PUBREL for a PUBREC of a server PUBLISH; SUBACK granting the QoS asked;
/// UNSUBACK success; PINGRESP (unless answer_pings(false)); a client DISCONNECT closes the connection.
///
/// Scripts run on the broker's thread and must not block; they may call connection methods, which are also
/// usable from the test's thread at any time. Every packet is recorded per connection; tests wait for what
/// they expect with the wait_for... helpers, each bounded by a timeout. A packet that cannot be encoded (a
/// test bug) is reported as a GoogleTest failure.
class scripted_broker {
 public:
  class connection {
   public:
    std::size_t index() const noexcept { return index_; }
    /// The protocol version of the CONNECT (MQTT 5 until it is received).
    protocol::protocol_version version() const noexcept { return version_.load(); }

    /// Encodes the packet at the connection's version and writes it; does nothing once closed.
    void send(const protocol::packet& p);
    /// Writes bytes as they are, for malformed input.
    void send_bytes(protocol::bytes raw);
    /// MQTT 5: DISCONNECT with this reason code and, if not empty, this reason string; then close().
    /// 3.1.1 has no server DISCONNECT: just close().
    void disconnect(protocol::reason_code reason, std::string reason_string = {});
    /// Half-closes: the client sees the end of the stream; what it still sends is recorded until it closes
    /// too (or after 1 s the broker closes the socket).
    void close();
    bool closed() const;

    connection(scripted_broker& broker, std::size_t index, int fd);

   private:
    friend class scripted_broker;
    void write_locked(const std::uint8_t* data, std::size_t size);
    void close_socket();  // broker thread only

    scripted_broker* broker_;  // null once the broker is gone
    std::size_t index_;
    std::atomic<protocol::protocol_version> version_{protocol::protocol_version::v5};
    mutable std::mutex write_mutex_;  // guards fd_ against the broker thread closing it, and broker_
    int fd_;                          // -1 once closed; changed on the broker thread only
    std::optional<std::chrono::steady_clock::time_point> closing_since_;
    // broker thread only
    protocol::stream_decoder decoder_;
    bool connect_seen_ = false;
  };

  enum class reply { automatic, handled };

  using connect_script =
      std::function<std::optional<protocol::connack>(const protocol::connect&, std::size_t connection_index)>;
  using packet_script = std::function<reply(const protocol::packet&, connection&)>;

  static constexpr std::chrono::milliseconds default_timeout{10'000};

  /// Listens and starts the broker's thread; throws std::system_error if the socket cannot be set up.
  scripted_broker();
  /// Closes every connection and the listener, and joins the thread.
  ~scripted_broker();

  scripted_broker(const scripted_broker&) = delete;
  scripted_broker& operator=(const scripted_broker&) = delete;

  std::string host() const { return "127.0.0.1"; }
  std::uint16_t port() const noexcept { return port_; }

  void on_connect(connect_script script);
  void on_packet(packet_script script);
  /// Whether PINGREQ is answered (default true).
  void answer_pings(bool on) { answer_pings_ = on; }
  /// Whether PUBLISH and PUBREL are answered automatically (default true).
  void acknowledge_publishes(bool on) { acknowledge_publishes_ = on; }

  /// Connections accepted so far.
  std::size_t connection_count() const;
  /// The connection with this index, or null if it has not been accepted yet.
  std::shared_ptr<connection> connection_at(std::size_t index) const;
  /// A copy of what was recorded on a connection so far (an empty record if it does not exist yet).
  connection_record record(std::size_t index) const;

  /// Waits until pred(records of every connection) holds; false at the timeout.
  bool wait_for(const std::function<bool(const std::deque<connection_record>&)>& pred,
                std::chrono::milliseconds timeout = default_timeout) const;
  /// Waits until pred(packets received on connection `index`) holds; false at the timeout.
  bool wait_for_packets(std::size_t index,
                        const std::function<bool(const std::vector<protocol::packet>&)>& pred,
                        std::chrono::milliseconds timeout = default_timeout) const;
  /// Waits until a packet of type P was received on connection `index`.
  template <class P>
  bool wait_for_packet(std::size_t index, std::chrono::milliseconds timeout = default_timeout) const {
    return wait_for_packets(
        index, [](const std::vector<protocol::packet>& v) { return count_of<P>(v) > 0; }, timeout);
  }
  bool wait_for_connections(std::size_t count, std::chrono::milliseconds timeout = default_timeout) const;
  bool wait_for_close(std::size_t index, std::chrono::milliseconds timeout = default_timeout) const;

 private:
  void run();
  void accept_one();
  void read_from(connection& c);
  void handle(connection& c, protocol::packet&& p);
  void answer_automatically(connection& c, const protocol::packet& p);
  void record_sent(connection& c, std::optional<protocol::packet> p, protocol::bytes raw);
  void mark_closed(std::size_t index);
  void wake();

  int listen_fd_ = -1;
  int wake_pipe_[2] = {-1, -1};
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> answer_pings_{true};
  std::atomic<bool> acknowledge_publishes_{true};

  mutable std::mutex mutex_;  // guards everything below
  mutable std::condition_variable changed_;
  connect_script connect_script_;
  packet_script packet_script_;
  std::vector<std::shared_ptr<connection>> connections_;
  std::deque<connection_record> records_;

  std::thread thread_;
};

}  // namespace iotactor::testing
