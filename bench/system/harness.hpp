// The system benchmark harness: the workloads P1-P6 of shared/bench/WORKLOADS.md, written once over a small
// client interface that each implementation (iotactor, libmosquitto, paho.mqtt.cpp, raw sockets) provides.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace iotactor::bench {

struct endpoint {
  std::string host = "127.0.0.1";
  std::uint16_t port = 18840;
  bool tls = false;
  std::string ca_file;  // with tls: the broker's CA; the host name is not checked (a loopback benchmark)
};

/// Called with each received payload, on whatever thread the implementation delivers on.
using message_fn = std::function<void(const std::uint8_t* payload, std::size_t size)>;

/// One connected MQTT 5 client.
class connection {
 public:
  virtual ~connection() = default;
  /// Returns once the SUBACK has arrived.
  virtual void subscribe(const std::string& filter, int qos, message_fn on_message) = 0;
  /// Queues a publish and returns; QoS 1 acknowledgements are counted in `acked`.
  virtual void publish(const std::string& topic, const std::uint8_t* data, std::size_t size, int qos) = 0;
  /// Publishes at QoS 1 and returns once its PUBACK has arrived (so everything before it was received).
  virtual void publish_and_wait(const std::string& topic, const std::uint8_t* data, std::size_t size) = 0;
  /// Hands what was queued to the socket now (only the raw writer buffers; the libraries do it themselves).
  virtual void flush() {}
  virtual void disconnect() = 0;

  std::atomic<std::uint64_t> acked{0};
};

/// One implementation under test.
class implementation {
 public:
  virtual ~implementation() = default;
  virtual std::string name() const = 0;
  /// Connects (MQTT 5, clean start, keep-alive 60 s) and returns once the CONNACK has arrived; throws
  /// std::runtime_error naming the cause otherwise.
  virtual std::unique_ptr<connection> connect(const endpoint& where, const std::string& client_id) = 0;
  /// Connects `count` idle clients (keep-alive 60 s) at once, each a full client of this implementation, and
  /// returns once every CONNACK has arrived; they stay connected until drop_fleet(). Returns how many
  /// connected.
  virtual std::size_t connect_fleet(const endpoint& where, std::size_t count) = 0;
  virtual void drop_fleet() = 0;
};

/// Parses the command line (--workload, --host, --port, --n, ...), runs the workload and prints one line of
/// JSON with the figures. Returns the process exit code.
int run(int argc, char** argv, implementation& impl);

}  // namespace iotactor::bench
