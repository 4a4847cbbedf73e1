// iotactor::client: a thread-safe MQTT 5 / 3.1.1 client for code that does not use actors, built by a
// builder whose names and defaults follow the AWS IoT Device SDK v2 (Python's mqtt5_client_builder).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "iotactor/actors/connection_options.hpp"
#include "iotactor/actors/lifecycle.hpp"
#include "iotactor/actors/offline_queue_state.hpp"
#include "iotactor/actors/operations.hpp"
#include "iotactor/actors/reconnect_backoff.hpp"
#include "iotactor/actors/session_state.hpp"
#include "iotactor/protocol/packets.hpp"

namespace iotactor {

class io_runtime;
struct client_config;

using lifecycle_callback = std::function<void(const lifecycle_event&)>;
using publish_received_callback = std::function<void(const protocol::publish&)>;
using result_callback = std::function<void(const operation_result&)>;

/// Callbacks run on a thread of their own, never under an internal lock, and never on the thread that
/// completes futures: waiting on a future inside a callback does not deadlock the client. Destroy the
/// client outside its callbacks.
class client {
 public:
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// Starts connecting (and reconnecting) until stop().
  void start();

  /// Stops: sends DISCONNECT (normal disconnection) first when asked; every incomplete operation fails with
  /// errc::user_requested_stop. The client can be started again.
  void stop(bool send_disconnect = true);

  std::future<operation_result> publish(protocol::publish p);
  /// With this operation's own ack timeout instead of the client's (0 waits for ever).
  std::future<operation_result> publish(protocol::publish p, std::chrono::seconds ack_timeout);
  void publish(protocol::publish p, result_callback done);

  /// The handler receives the messages of this subscription; without one, they go to the
  /// publish-received callback of the builder.
  std::future<operation_result> subscribe(protocol::subscribe s, publish_received_callback handler = {});
  std::future<operation_result> subscribe(const std::string& topic_filter, protocol::qos qos,
                                          publish_received_callback handler = {});
  std::future<operation_result> unsubscribe(protocol::unsubscribe u);
  std::future<operation_result> unsubscribe(const std::string& topic_filter);

  /// Operation counts and sizes (SDK v2 get_stats).
  client_statistics get_stats();

  /// The negotiated settings of the last successful connection, if any.
  std::optional<negotiated_settings> get_negotiated_settings();

 private:
  friend class client_builder;
  struct impl;
  explicit client(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

class client_builder {
 public:
  /// TLS with the system's trust store on port 8883, no client certificate.
  static client_builder new_default_builder(std::string endpoint);
  /// Mutual TLS with PEM files (port 8883).
  static client_builder mtls_from_path(std::string endpoint, std::string cert_filepath,
                                       std::string pri_key_filepath);
  /// Mutual TLS with PEM text (port 8883). mtls_from_bytes is the same, under the SDK's Python name.
  static client_builder mtls_from_memory(std::string endpoint, std::string cert_pem, std::string pri_key_pem);
  static client_builder mtls_from_bytes(std::string endpoint, std::string cert_pem, std::string pri_key_pem);
  /// Plain TCP without TLS (port 1883), for local brokers and tests.
  static client_builder new_tcp_builder(std::string endpoint, std::uint16_t port = 1883);

  // Connection
  client_builder& with_port(std::uint16_t port);
  client_builder& with_ca_filepath(std::string path);
  client_builder& with_ca_dirpath(std::string path);
  client_builder& with_ca_bytes(std::string pem);
  client_builder& with_alpn_list(std::vector<std::string> protocols);
  client_builder& with_server_name(std::string name);
  client_builder& with_verify_peer(bool verify);
  client_builder& with_connect_timeout_ms(std::uint32_t ms);
  /// Read coalescing under a sustained inbound stream (connection_options::coalesce_reads_above and
  /// coalesce_reads_for; default 1024 bytes, 200 us); 0 turns it off.
  client_builder& with_read_coalescing(std::size_t above_bytes, std::uint32_t delay_us);

  // CONNECT
  client_builder& with_protocol_version(protocol::protocol_version version);
  client_builder& with_client_id(std::string id);
  client_builder& with_keep_alive_interval_seconds(std::uint16_t seconds);  // default 1200
  client_builder& with_username(std::string username);
  client_builder& with_password(std::string password);
  client_builder& with_session_expiry_interval_seconds(std::uint32_t seconds);
  client_builder& with_receive_maximum(std::uint16_t n);
  client_builder& with_maximum_packet_size(std::uint32_t bytes);
  client_builder& with_request_response_information(bool on);
  client_builder& with_request_problem_information(bool on);
  client_builder& with_will(protocol::will_message will);
  client_builder& with_will_delay_interval_seconds(std::uint32_t seconds);
  client_builder& with_user_properties(protocol::user_properties properties);

  // Client behaviour (SDK v2 names and defaults)
  client_builder& with_session_behavior(client_session_behavior behavior);  // clean
  client_builder& with_offline_queue_behavior(
      offline_queue_behavior behavior);  // fail_qos0_publish_on_disconnect
  client_builder& with_offline_queue_bounds(std::size_t max_operations, std::size_t max_bytes);  // unbounded
  client_builder& with_retry_jitter_mode(jitter_mode mode);                                      // full
  client_builder& with_min_reconnect_delay_ms(std::uint64_t ms);                                 // 1000
  client_builder& with_max_reconnect_delay_ms(std::uint64_t ms);                                 // 120000
  client_builder& with_min_connected_time_to_reset_reconnect_delay_ms(std::uint64_t ms);         // 30000
  client_builder& with_ping_timeout_ms(std::uint32_t ms);                                        // 30000
  client_builder& with_connack_timeout_ms(std::uint32_t ms);                                     // 20000
  client_builder& with_ack_timeout_sec(std::uint32_t seconds);                                   // 60
  client_builder& with_topic_aliasing_options(topic_alias_options options);  // all disabled

  // Callbacks
  client_builder& with_lifecycle_callback(lifecycle_callback on_event);
  client_builder& on_lifecycle_attempting_connect(lifecycle_callback f);
  client_builder& on_lifecycle_connection_success(lifecycle_callback f);
  client_builder& on_lifecycle_connection_failure(lifecycle_callback f);
  client_builder& on_lifecycle_disconnection(lifecycle_callback f);
  client_builder& on_lifecycle_stopped(lifecycle_callback f);
  client_builder& on_publish_received(publish_received_callback f);

  /// The io_runtime to share with other clients (one per process serves them all).
  client_builder& with_io_runtime(std::shared_ptr<io_runtime> io);

  /// Builds the client, or throws std::invalid_argument with a message naming the first invalid option.
  std::unique_ptr<client> build();

  client_builder(client_builder&&) noexcept;
  client_builder& operator=(client_builder&&) noexcept;
  ~client_builder();

 private:
  client_builder();
  std::unique_ptr<client_config> config_;
  std::vector<std::pair<lifecycle_event_type, lifecycle_callback>> lifecycle_;
  lifecycle_callback on_any_event_;
  publish_received_callback on_publish_;
};

}  // namespace iotactor
