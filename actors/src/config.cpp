// Validation of the client configuration (every invalid option is named when the client is built), and the
// scheduler settings the client is measured with.
#include "iotactor/actors/affine_scheduler.hpp"
#include "iotactor/actors/client.hpp"
#include "iotactor/protocol/encoder.hpp"
#include "iotactor/protocol/topic.hpp"

namespace iotactor {

std::optional<std::string> validate(const connection_options& o) {
  if (o.host.empty()) return "endpoint host is empty";
  if (o.port == 0) return "port must be 1 to 65535";
  if (o.connect_timeout.count() <= 0) return "connect_timeout_ms must be positive";
  if (o.coalesce_reads_for.count() < 0 || o.coalesce_reads_for > std::chrono::milliseconds(100))
    return "coalesce_reads_for must be 0 (off) to 100 ms, not " +
           std::to_string(o.coalesce_reads_for.count()) + " us";
  const auto& t = o.tls;
  if (!t.enabled) {
    if (!t.cert_file.empty() || !t.cert_pem.empty() || !t.ca_file.empty() || !t.ca_pem.empty())
      return "TLS files are set but TLS is not enabled";
    return std::nullopt;
  }
  if (!t.cert_file.empty() && !t.cert_pem.empty())
    return "client certificate given both as a file and in memory";
  if (!t.key_file.empty() && !t.key_pem.empty()) return "private key given both as a file and in memory";
  bool has_cert = !t.cert_file.empty() || !t.cert_pem.empty();
  bool has_key = !t.key_file.empty() || !t.key_pem.empty();
  if (has_cert != has_key)
    return has_cert ? "a client certificate needs its private key"
                    : "a private key needs its client certificate";
  for (const auto& p : t.alpn)
    if (p.empty() || p.size() > 255) return "ALPN protocol names must be 1 to 255 bytes";
  return std::nullopt;
}

std::optional<std::string> validate(const client_config& c) {
  if (auto e = validate(c.connection)) return e;
  if (auto e = validate(c.reconnect)) return e;
  const auto& s = c.session;
  const auto& connect = s.connect;
  const bool v5 = connect.version == protocol::protocol_version::v5;
  if (s.ping_timeout.count() <= 0) return "ping_timeout_ms must be positive";
  if (s.connack_timeout.count() <= 0) return "connack_timeout_ms must be positive";
  if (s.ack_timeout.count() < 0) return "ack_timeout_seconds must not be negative";
  if (connect.keep_alive != 0 && std::chrono::milliseconds(std::chrono::seconds(connect.keep_alive)) <
                                     s.ping_timeout + std::chrono::seconds(1))
    return "keep_alive_interval_seconds (" + std::to_string(connect.keep_alive) +
           " s) must exceed ping_timeout_ms (" + std::to_string(s.ping_timeout.count()) +
           " ms) by at least 1 s";
  if (!v5) {
    const auto& a = s.topic_aliases;
    if (a.outbound_behavior != outbound_topic_alias_behavior::disabled ||
        a.inbound_behavior != inbound_topic_alias_behavior::disabled)
      return "topic aliases need MQTT 5; the protocol is 3.1.1";
  }
  protocol::connect probe = connect;
  if (auto size = protocol::encoded_size(probe, connect.version); !size)
    return "CONNECT: " + size.error().message;
  if (c.offline_queue.max_bytes != 0 && c.offline_queue.max_bytes < 16)
    return "offline queue max_bytes is too small to hold any operation";
  return std::nullopt;
}

void configure_scheduler(caf::actor_system_config& cfg, std::size_t threads, scheduler_policy policy) {
  cfg.set("scheduler.max-threads", threads == 0 ? std::size_t{1} : threads);
  switch (policy) {
    case scheduler_policy::affine:
      cfg.load<affine_coordinator>();
      break;
    case scheduler_policy::sharing:
      cfg.set("scheduler.policy", caf::atom("sharing"));
      break;
    case scheduler_policy::stealing:
      cfg.set("scheduler.policy", caf::atom("stealing"));
      break;
  }
}

affine_sharing::~affine_sharing() = default;

}  // namespace iotactor

namespace caf::scheduler {

template <>
void worker<iotactor::affine_sharing>::run() {
  CAF_SET_LOGGER_SYS(&system());
  for (;;) {
    auto* job = policy_.dequeue(this);
    policy_.before_resume(this, job);
    auto res = job->resume(this, max_throughput_);
    policy_.after_resume(this, job);
    switch (res) {
      case resumable::resume_later:
        policy_.resume_job_later(this, job);  // still referenced: it stays in the loop
        break;
      case resumable::done:
        policy_.after_completion(this, job);
        intrusive_ptr_release(job);
        break;
      case resumable::awaiting_message:
        intrusive_ptr_release(job);  // enqueued again (with a new reference) when a message arrives
        break;
      case resumable::shutdown_execution_unit:
        policy_.after_completion(this, job);
        policy_.before_shutdown(this);
        return;
    }
  }
}

}  // namespace caf::scheduler
