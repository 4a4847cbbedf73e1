// A real mosquitto for integration tests: own config, port and directory per instance, started and stopped.
#pragma once

#include <cstdint>
#include <string>
#include <sys/types.h>
#include <vector>

namespace iotactor::testing {

class certificate_factory;

struct broker_options {
  /// TLS on the listener with certs->server() and certs->ca(); needs certs.
  bool tls = false;
  /// Mutual TLS: clients must present a certificate signed by certs->ca(). Implies tls.
  bool require_client_certificate = false;
  /// Must outlive the broker: mosquitto reads the files again on start().
  const certificate_factory* certs = nullptr;
  /// Serve certs->expired_server() instead of certs->server(), for expiry tests. Implies tls.
  bool expired_server_certificate = false;
  /// Sessions and queued messages survive stop()/start(): mosquitto saves them on SIGTERM.
  bool persistence = false;
  /// Appended after the listener's lines, so per-listener options apply to it.
  std::vector<std::string> extra_config_lines;
};

/// Starts mosquitto (/usr/sbin/mosquitto, or $IOTACTOR_MOSQUITTO) on 127.0.0.1 and a free port, and waits
/// until it accepts connections; throws std::runtime_error with the broker's log when it does not within
/// 10 s. Instances are independent (own port, own temporary directory), also across processes.
/// The process gets SIGTERM if the thread that started it exits, so a crashed test leaves no broker
/// behind: start it from a thread that outlives it (the test's thread).
class mosquitto_broker {
 public:
  explicit mosquitto_broker(broker_options options = {});
  ~mosquitto_broker();

  mosquitto_broker(const mosquitto_broker&) = delete;
  mosquitto_broker& operator=(const mosquitto_broker&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  std::string host() const { return "127.0.0.1"; }

  /// SIGTERM, then SIGKILL if it has not exited after 10 s. The port is free again when this returns.
  /// Does nothing when not running.
  void stop();

  /// Starts again on the same port with the same config; throws if that fails (e.g. the port was taken).
  void start();

  void restart() {
    stop();
    start();
  }

  bool running() const noexcept { return pid_ > 0; }

  /// Everything mosquitto has logged so far, across restarts, for failure messages.
  std::string log() const;

  /// The temporary directory with the config, the log and the persistence file.
  const std::string& directory() const noexcept { return directory_; }

 private:
  enum class launch_result { ready, port_taken };

  void write_config() const;
  launch_result launch();

  broker_options options_;
  std::string directory_;
  std::string config_path_;
  std::string log_path_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace iotactor::testing
