// The plain C++ facade: a builder that fills a client_config, and a client that talks to the client actor.
// Futures are fulfilled on the client actor's thread; user callbacks run on a dispatcher thread of their own.
#include <condition_variable>
#include <mutex>
#include <stdexcept>

#include "iotactor/actors/client.hpp"
#include "iotactor/client.hpp"

namespace iotactor {

namespace {

using task = std::function<void()>;

caf::behavior dispatcher_fn(caf::event_based_actor* self, std::string name) {
  (void)name;  // an argument: CAF 0.17 spawns argument-less functions through a null reference (UBSan)
  (void)self;
  return {[](task& f) { f(); }};
}

}  // namespace

struct client::impl {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  client_actor actor;
  caf::actor dispatcher;
  publish_received_callback on_publish;
  // Whether the client is stopped, as its own lifecycle events say; the destructor waits for it.
  std::mutex mutex;
  std::condition_variable changed;
  bool stopped = true;

  void set_stopped(bool value) {
    std::lock_guard<std::mutex> guard(mutex);
    stopped = value;
    changed.notify_all();
  }

  ~impl() {
    // A graceful end: stop with DISCONNECT and let what is queued on the socket be written first.
    std::unique_lock<std::mutex> lock(mutex);
    if (!stopped) {
      caf::anon_send(actor, stop_atom::value, true);
      changed.wait_for(lock, std::chrono::seconds(5), [this] { return stopped; });
    }
    lock.unlock();
    caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(dispatcher, caf::exit_reason::user_shutdown);
    actor = nullptr;
    dispatcher = nullptr;
    sys.reset();  // waits for every actor of this client
  }

  /// A completion that fulfils a promise on the client actor's thread.
  static std::pair<std::future<operation_result>, completion_callback> promised() {
    auto promise = std::make_shared<std::promise<operation_result>>();
    auto future = promise->get_future();
    return {std::move(future), [promise](operation_result&& r) { promise->set_value(std::move(r)); }};
  }

  message_handler handler_for(publish_received_callback h) const {
    message_handler out;
    if (!h) return out;  // the router falls back to the default handler
    auto d = dispatcher;
    out.callback = [d, h = std::move(h)](const protocol::publish& p) {
      caf::anon_send(d, task([h, p] { h(p); }));
    };
    return out;
  }
};

client::client(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
client::~client() = default;

void client::start() {
  impl_->set_stopped(false);
  caf::anon_send(impl_->actor, start_atom::value);
}

void client::stop(bool send_disconnect) {
  caf::anon_send(impl_->actor, stop_atom::value, send_disconnect);
}

std::future<operation_result> client::publish(protocol::publish p) {
  auto [future, done] = impl::promised();
  caf::anon_send(impl_->actor, publish_atom::value, std::move(p), std::move(done));
  return std::move(future);
}

std::future<operation_result> client::publish(protocol::publish p, std::chrono::seconds ack_timeout) {
  auto [future, done] = impl::promised();
  caf::anon_send(impl_->actor, publish_atom::value, std::move(p), caf::timespan{ack_timeout},
                 std::move(done));
  return std::move(future);
}

void client::publish(protocol::publish p, result_callback done) {
  auto d = impl_->dispatcher;
  completion_callback relay = [d, done = std::move(done)](operation_result&& r) {
    caf::anon_send(d, task([done, r = std::move(r)] { done(r); }));
  };
  caf::anon_send(impl_->actor, publish_atom::value, std::move(p), std::move(relay));
}

std::future<operation_result> client::subscribe(protocol::subscribe s, publish_received_callback handler) {
  auto [future, done] = impl::promised();
  caf::anon_send(impl_->actor, subscribe_atom::value, std::move(s), impl_->handler_for(std::move(handler)),
                 std::move(done));
  return std::move(future);
}

std::future<operation_result> client::subscribe(const std::string& topic_filter, protocol::qos qos,
                                                publish_received_callback handler) {
  protocol::subscribe s;
  s.subscriptions.push_back({topic_filter, qos, false, false, protocol::retain_handling::send_on_subscribe});
  return subscribe(std::move(s), std::move(handler));
}

std::future<operation_result> client::unsubscribe(protocol::unsubscribe u) {
  auto [future, done] = impl::promised();
  caf::anon_send(impl_->actor, unsubscribe_atom::value, std::move(u), std::move(done));
  return std::move(future);
}

std::future<operation_result> client::unsubscribe(const std::string& topic_filter) {
  protocol::unsubscribe u;
  u.topic_filters = {topic_filter};
  return unsubscribe(std::move(u));
}

client_statistics client::get_stats() {
  caf::scoped_actor self{*impl_->sys};
  client_statistics out;
  self->request(impl_->actor, std::chrono::seconds(10), stats_atom::value)
      .receive([&](client_statistics& s) { out = s; }, [](caf::error&) {});
  return out;
}

std::optional<negotiated_settings> client::get_negotiated_settings() {
  caf::scoped_actor self{*impl_->sys};
  std::optional<negotiated_settings> out;
  self->request(impl_->actor, std::chrono::seconds(10), settings_atom::value)
      .receive([&](negotiated_settings& s) { out = s; }, [](caf::error&) {});
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Builder

client_builder::client_builder() : config_(std::make_unique<client_config>()) {}
client_builder::client_builder(client_builder&&) noexcept = default;
client_builder& client_builder::operator=(client_builder&&) noexcept = default;
client_builder::~client_builder() = default;

client_builder client_builder::new_default_builder(std::string endpoint) {
  client_builder b;
  b.config_->connection.host = std::move(endpoint);
  b.config_->connection.port = 8883;
  b.config_->connection.tls.enabled = true;
  return b;
}

client_builder client_builder::mtls_from_path(std::string endpoint, std::string cert_filepath,
                                              std::string pri_key_filepath) {
  auto b = new_default_builder(std::move(endpoint));
  b.config_->connection.tls.cert_file = std::move(cert_filepath);
  b.config_->connection.tls.key_file = std::move(pri_key_filepath);
  return b;
}

client_builder client_builder::mtls_from_memory(std::string endpoint, std::string cert_pem,
                                                std::string pri_key_pem) {
  auto b = new_default_builder(std::move(endpoint));
  b.config_->connection.tls.cert_pem = std::move(cert_pem);
  b.config_->connection.tls.key_pem = std::move(pri_key_pem);
  return b;
}

client_builder client_builder::mtls_from_bytes(std::string endpoint, std::string cert_pem,
                                               std::string pri_key_pem) {
  return mtls_from_memory(std::move(endpoint), std::move(cert_pem), std::move(pri_key_pem));
}

client_builder client_builder::new_tcp_builder(std::string endpoint, std::uint16_t port) {
  client_builder b;
  b.config_->connection.host = std::move(endpoint);
  b.config_->connection.port = port;
  return b;
}

#define IOTACTOR_SETTER(name, type, statement)       \
  client_builder& client_builder::name(type value) { \
    statement;                                       \
    return *this;                                    \
  }

IOTACTOR_SETTER(with_port, std::uint16_t, config_->connection.port = value)
IOTACTOR_SETTER(with_ca_filepath, std::string, config_->connection.tls.ca_file = std::move(value))
IOTACTOR_SETTER(with_ca_dirpath, std::string, config_->connection.tls.ca_path = std::move(value))
IOTACTOR_SETTER(with_ca_bytes, std::string, config_->connection.tls.ca_pem = std::move(value))
IOTACTOR_SETTER(with_alpn_list, std::vector<std::string>, config_->connection.tls.alpn = std::move(value))
IOTACTOR_SETTER(with_server_name, std::string, config_->connection.tls.server_name = std::move(value))
IOTACTOR_SETTER(with_verify_peer, bool, config_->connection.tls.verify_peer = value)
IOTACTOR_SETTER(with_connect_timeout_ms, std::uint32_t,
                config_->connection.connect_timeout = std::chrono::milliseconds(value))
client_builder& client_builder::with_read_coalescing(std::size_t above_bytes, std::uint32_t delay_us) {
  config_->connection.coalesce_reads_above = above_bytes;
  config_->connection.coalesce_reads_for = std::chrono::microseconds(delay_us);
  return *this;
}
IOTACTOR_SETTER(with_protocol_version, protocol::protocol_version, config_->session.connect.version = value)
IOTACTOR_SETTER(with_client_id, std::string, config_->session.connect.client_id = std::move(value))
IOTACTOR_SETTER(with_keep_alive_interval_seconds, std::uint16_t, config_->session.connect.keep_alive = value)
IOTACTOR_SETTER(with_username, std::string, config_->session.connect.username = std::move(value))
IOTACTOR_SETTER(with_password, std::string,
                config_->session.connect.password = protocol::bytes(value.begin(), value.end()))
IOTACTOR_SETTER(with_session_expiry_interval_seconds, std::uint32_t,
                config_->session.connect.properties.session_expiry_interval = value)
IOTACTOR_SETTER(with_receive_maximum, std::uint16_t,
                config_->session.connect.properties.receive_maximum = value)
IOTACTOR_SETTER(with_maximum_packet_size, std::uint32_t,
                config_->session.connect.properties.maximum_packet_size = value)
IOTACTOR_SETTER(with_request_response_information, bool,
                config_->session.connect.properties.request_response_information = value)
IOTACTOR_SETTER(with_request_problem_information, bool,
                config_->session.connect.properties.request_problem_information = value)
IOTACTOR_SETTER(with_will, protocol::will_message, config_->session.connect.will = std::move(value))
IOTACTOR_SETTER(with_user_properties, protocol::user_properties,
                config_->session.connect.properties.user_properties = std::move(value))
IOTACTOR_SETTER(with_session_behavior, client_session_behavior, config_->session.session_behavior = value)
IOTACTOR_SETTER(with_offline_queue_behavior, offline_queue_behavior, config_->offline_queue.behavior = value)
IOTACTOR_SETTER(with_retry_jitter_mode, jitter_mode, config_->reconnect.retry_jitter_mode = value)
IOTACTOR_SETTER(with_min_reconnect_delay_ms, std::uint64_t,
                config_->reconnect.min_reconnect_delay = std::chrono::milliseconds(value))
IOTACTOR_SETTER(with_max_reconnect_delay_ms, std::uint64_t,
                config_->reconnect.max_reconnect_delay = std::chrono::milliseconds(value))
IOTACTOR_SETTER(
    with_min_connected_time_to_reset_reconnect_delay_ms, std::uint64_t,
    config_->reconnect.min_connected_time_to_reset_reconnect_delay = std::chrono::milliseconds(value))
IOTACTOR_SETTER(with_ping_timeout_ms, std::uint32_t,
                config_->session.ping_timeout = std::chrono::milliseconds(value))
IOTACTOR_SETTER(with_connack_timeout_ms, std::uint32_t,
                config_->session.connack_timeout = std::chrono::milliseconds(value))
IOTACTOR_SETTER(with_ack_timeout_sec, std::uint32_t,
                config_->session.ack_timeout = std::chrono::seconds(value))
IOTACTOR_SETTER(with_topic_aliasing_options, topic_alias_options, config_->session.topic_aliases = value)
IOTACTOR_SETTER(with_lifecycle_callback, lifecycle_callback, on_any_event_ = std::move(value))
IOTACTOR_SETTER(on_publish_received, publish_received_callback, on_publish_ = std::move(value))
IOTACTOR_SETTER(with_io_runtime, std::shared_ptr<io_runtime>, config_->io = std::move(value))

#undef IOTACTOR_SETTER

client_builder& client_builder::with_will_delay_interval_seconds(std::uint32_t seconds) {
  if (!config_->session.connect.will) config_->session.connect.will.emplace();
  config_->session.connect.will->properties.will_delay_interval = seconds;
  return *this;
}

client_builder& client_builder::with_offline_queue_bounds(std::size_t max_operations, std::size_t max_bytes) {
  config_->offline_queue.max_operations = max_operations;
  config_->offline_queue.max_bytes = max_bytes;
  return *this;
}

client_builder& client_builder::on_lifecycle_attempting_connect(lifecycle_callback f) {
  lifecycle_.emplace_back(lifecycle_event_type::attempting_connect, std::move(f));
  return *this;
}
client_builder& client_builder::on_lifecycle_connection_success(lifecycle_callback f) {
  lifecycle_.emplace_back(lifecycle_event_type::connection_success, std::move(f));
  return *this;
}
client_builder& client_builder::on_lifecycle_connection_failure(lifecycle_callback f) {
  lifecycle_.emplace_back(lifecycle_event_type::connection_failure, std::move(f));
  return *this;
}
client_builder& client_builder::on_lifecycle_disconnection(lifecycle_callback f) {
  lifecycle_.emplace_back(lifecycle_event_type::disconnection, std::move(f));
  return *this;
}
client_builder& client_builder::on_lifecycle_stopped(lifecycle_callback f) {
  lifecycle_.emplace_back(lifecycle_event_type::stopped, std::move(f));
  return *this;
}

std::unique_ptr<client> client_builder::build() {
  if (auto problem = validate(*config_)) throw std::invalid_argument("iotactor client: " + *problem);
  auto p = std::make_unique<client::impl>();
  configure_scheduler(p->cfg);
  p->sys = std::make_unique<caf::actor_system>(p->cfg);
  p->dispatcher = p->sys->spawn<caf::detached>(dispatcher_fn, std::string("callbacks"));
  auto spawned = spawn_client(*p->sys, *config_);
  if (!spawned) throw std::invalid_argument("iotactor client: " + p->sys->render(spawned.error()));
  p->actor = *spawned;
  // Our own listener, on the client actor's thread: it only records whether the client is stopped.
  caf::anon_send(p->actor, listen_atom::value,
                 std::function<void(const lifecycle_event&)>([raw = p.get()](const lifecycle_event& e) {
                   if (e.type == lifecycle_event_type::stopped) raw->set_stopped(true);
                 }));
  if (on_any_event_ || !lifecycle_.empty()) {
    auto d = p->dispatcher;
    auto any = on_any_event_;
    auto typed = lifecycle_;
    caf::anon_send(p->actor, listen_atom::value,
                   std::function<void(const lifecycle_event&)>([d, any, typed](const lifecycle_event& e) {
                     caf::anon_send(d, task([any, typed, e] {
                                      if (any) any(e);
                                      for (const auto& [type, f] : typed)
                                        if (type == e.type) f(e);
                                    }));
                   }));
  }
  if (on_publish_) caf::anon_send(p->actor, p->handler_for(on_publish_));
  return std::unique_ptr<client>(new client(std::move(p)));
}

}  // namespace iotactor
