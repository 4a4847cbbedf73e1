// iotactor: the command line. `iotactor pub` publishes, `iotactor sub` subscribes and prints messages.
// Exit status 0 on success, 1 with a one-line reason on stderr when something fails, 2 on bad usage.
#include <condition_variable>
#include <csignal>
#include <fstream>
#include <iostream>
#include <iterator>
#include <mutex>
#include <thread>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "iotactor/actors/errc.hpp"
#include "iotactor/client.hpp"
#include "iotactor/protocol/reason_code.hpp"
#include "message_json.hpp"

using namespace iotactor;
namespace proto = iotactor::protocol;

namespace {

struct common_options {
  std::string endpoint = "127.0.0.1";
  std::uint16_t port = 0;  // 1883, or 8883 with TLS
  std::string client_id;
  std::string protocol = "5";
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string username;
  std::string password;
  std::uint16_t keep_alive = 60;
  double connect_timeout = 10;
  bool quiet = false;
};

void add_common(CLI::App& app, common_options& o) {
  app.add_option("--endpoint,-H", o.endpoint, "broker host name or address")->capture_default_str();
  app.add_option("--port,-p", o.port, "broker port (default 1883, or 8883 with TLS)");
  app.add_option("--client-id,-i", o.client_id, "MQTT client identifier (default iotactor-<pid>)");
  app.add_option("--protocol", o.protocol, "MQTT protocol version")
      ->check(CLI::IsMember({"5", "3.1.1"}))
      ->capture_default_str();
  app.add_option("--ca-file", o.ca_file, "trust these CA certificates (PEM); turns TLS on")
      ->check(CLI::ExistingFile);
  app.add_option("--cert", o.cert_file, "client certificate for mutual TLS (PEM)")->check(CLI::ExistingFile);
  app.add_option("--key", o.key_file, "private key of --cert (PEM)")->check(CLI::ExistingFile);
  app.add_option("--username,-u", o.username, "user name");
  app.add_option("--password,-P", o.password, "password");
  app.add_option("--keep-alive", o.keep_alive, "keep-alive interval in seconds")->capture_default_str();
  app.add_option("--connect-timeout", o.connect_timeout, "seconds to wait for the connection")
      ->capture_default_str();
  app.add_flag("--quiet,-q", o.quiet, "print nothing but messages and errors");
}

[[noreturn]] void fail(const std::string& command, const std::string& reason) {
  std::cerr << "iotactor " << command << ": " << reason << std::endl;
  std::_Exit(1);  // no teardown: the reason is all a script needs
}

std::string code_text(proto::reason_code rc) {
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned>(rc));
  return std::string(hex) + " " + std::string(to_string(rc));
}

/// Builds the client, starts it, and waits for the first connection (success, or the failure's reason).
std::unique_ptr<client> connect(const std::string& command, const common_options& o,
                                std::function<void(client_builder&)> more = {}) {
  bool tls = !o.ca_file.empty() || !o.cert_file.empty();
  std::uint16_t port = o.port != 0 ? o.port : (tls ? 8883 : 1883);
  auto builder =
      tls ? (o.cert_file.empty() ? client_builder::new_default_builder(o.endpoint)
                                 : client_builder::mtls_from_path(o.endpoint, o.cert_file, o.key_file))
          : client_builder::new_tcp_builder(o.endpoint, port);
  builder.with_port(port)
      .with_client_id(o.client_id.empty() ? "iotactor-" + std::to_string(::getpid()) : o.client_id)
      .with_keep_alive_interval_seconds(o.keep_alive)
      .with_protocol_version(o.protocol == "5" ? proto::protocol_version::v5
                                               : proto::protocol_version::v3_1_1)
      .with_connect_timeout_ms(static_cast<std::uint32_t>(o.connect_timeout * 1000));
  if (o.keep_alive != 0 && o.keep_alive <= 30) builder.with_ping_timeout_ms(o.keep_alive * 1000U / 2);
  if (!o.ca_file.empty()) builder.with_ca_filepath(o.ca_file);
  if (!o.username.empty()) builder.with_username(o.username);
  if (!o.password.empty()) builder.with_password(o.password);
  auto outcome = std::make_shared<std::promise<std::string>>();
  auto once = std::make_shared<std::once_flag>();
  builder.with_lifecycle_callback([outcome, once](const lifecycle_event& e) {
    if (e.type == lifecycle_event_type::connection_success)
      std::call_once(*once, [&] { outcome->set_value(""); });
    if (e.type == lifecycle_event_type::connection_failure)
      std::call_once(*once, [&] {
        outcome->set_value(std::string(to_string(static_cast<errc>(e.error.value()))) + ": " + e.message);
      });
    if (e.type == lifecycle_event_type::disconnection && e.error != errc::user_requested_stop)
      std::cerr << "iotactor: disconnected: " << e.message << std::endl;
  });
  if (more) more(builder);
  std::unique_ptr<client> c;
  try {
    c = builder.build();
  } catch (const std::invalid_argument& e) {
    fail(command, e.what());
  }
  c->start();
  auto f = outcome->get_future();
  if (f.wait_for(std::chrono::duration<double>(o.connect_timeout + 1)) != std::future_status::ready)
    fail(command, "timeout: no connection to " + o.endpoint + ":" + std::to_string(port));
  if (auto why = f.get(); !why.empty()) fail(command, why);
  return c;
}

// --- pub
// -----------------------------------------------------------------------------------------------------

struct pub_options {
  std::string topic;
  std::string message;
  std::string file;
  bool stdin_lines = false;
  std::size_t count = 1;
  int qos = 0;
  bool retain = false;
  std::vector<std::string> user_properties;
  std::string content_type;
  std::string response_topic;
  std::string correlation_data;
  std::optional<std::uint32_t> message_expiry;
  std::string payload_format;
};

int run_pub(const common_options& common, const pub_options& o) {
  proto::publish base;
  base.topic = o.topic;
  base.qos = static_cast<proto::qos>(o.qos);
  base.retain = o.retain;
  for (const auto& kv : o.user_properties) {
    auto eq = kv.find('=');
    if (eq == std::string::npos) fail("pub", "--user-property \"" + kv + "\" is not key=value");
    base.properties.user_properties.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  if (!o.content_type.empty()) base.properties.content_type = o.content_type;
  if (!o.response_topic.empty()) base.properties.response_topic = o.response_topic;
  if (!o.correlation_data.empty()) {
    proto::bytes data;
    if (auto err = cli::parse_hex(o.correlation_data, data); !err.empty())
      fail("pub", "--correlation-data: " + err);
    base.properties.correlation_data = std::move(data);
  }
  if (o.message_expiry) base.properties.message_expiry_interval = *o.message_expiry;
  if (!o.payload_format.empty())
    base.properties.payload_format_indicator =
        o.payload_format == "utf8" ? proto::payload_format::utf8 : proto::payload_format::unspecified;

  std::vector<proto::shared_bytes> payloads;
  if (o.stdin_lines) {
    for (std::string line; std::getline(std::cin, line);) payloads.emplace_back(line);
  } else if (!o.file.empty()) {
    std::ifstream in(o.file, std::ios::binary);
    if (!in) fail("pub", "cannot read " + o.file);
    payloads.emplace_back(std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {}));
  } else {
    payloads.emplace_back(o.message);
  }

  auto c = connect("pub", common);
  std::vector<std::future<operation_result>> results;
  for (std::size_t i = 0; i < o.count; ++i) {
    for (const auto& payload : payloads) {
      auto p = base;
      p.payload = payload;
      results.push_back(c->publish(std::move(p)));
    }
  }
  for (auto& f : results) {
    auto r = f.get();
    if (!r.ok())
      fail("pub", r.message.empty() ? std::string(to_string(static_cast<errc>(r.error.value()))) : r.message);
    proto::reason_code rc = proto::reason_code::success;
    if (auto* a = std::get_if<proto::puback>(&r.ack)) rc = a->reason;
    if (auto* a = std::get_if<proto::pubrec>(&r.ack)) rc = a->reason;
    if (proto::is_error(rc)) fail("pub", "the broker refused the message: " + code_text(rc));
  }
  if (!common.quiet) std::cerr << "iotactor pub: published " << results.size() << " message(s)" << std::endl;
  c->stop(true);
  return 0;
}

// --- sub
// -----------------------------------------------------------------------------------------------------

struct sub_options {
  std::vector<std::string> topics;
  int qos = 0;
  std::size_t count = 0;
  double timeout = 0;
  std::string format = "text";
  bool no_local = false;
  bool retain_as_published = false;
  int retain_handling = 0;
  std::optional<std::uint32_t> subscription_id;
};

struct sub_progress {
  std::mutex mutex;
  std::condition_variable cv;
  std::size_t received = 0;
  bool interrupted = false;
};

int run_sub(const common_options& common, const sub_options& o) {
  // SIGINT and SIGTERM end the subscription cleanly: a thread waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto progress = std::make_shared<sub_progress>();
  std::thread([signals, progress]() mutable {
    int sig = 0;
    sigwait(&signals, &sig);
    std::lock_guard<std::mutex> guard(progress->mutex);
    progress->interrupted = true;
    progress->cv.notify_all();
  }).detach();

  auto c = connect("sub", common);
  proto::subscribe s;
  for (const auto& t : o.topics)
    s.subscriptions.push_back({t, static_cast<proto::qos>(o.qos), o.no_local, o.retain_as_published,
                               static_cast<proto::retain_handling>(o.retain_handling)});
  if (o.subscription_id) s.properties.subscription_identifier = *o.subscription_id;
  const bool json = o.format == "json";
  auto handler = [progress, json, limit = o.count](const proto::publish& p) {
    std::lock_guard<std::mutex> guard(progress->mutex);
    if (limit != 0 && progress->received >= limit) return;
    if (json)
      std::cout << cli::to_json(p) << '\n';
    else
      std::cout << p.topic << ' ' << p.payload.as_string_view() << '\n';
    std::cout.flush();
    ++progress->received;
    progress->cv.notify_all();
  };
  auto r = c->subscribe(std::move(s), handler).get();
  if (!r.ok()) fail("sub", r.message);
  const auto& codes = std::get<proto::suback>(r.ack).reason_codes;
  for (std::size_t i = 0; i < codes.size() && i < o.topics.size(); ++i)
    if (proto::is_error(codes[i]))
      fail("sub", "the broker refused the subscription to " + o.topics[i] + ": " + code_text(codes[i]));
  if (!common.quiet)
    std::cerr << "iotactor sub: subscribed to " << o.topics.size() << " filter(s)" << std::endl;

  std::unique_lock<std::mutex> lock(progress->mutex);
  auto done = [&] { return progress->interrupted || (o.count != 0 && progress->received >= o.count); };
  if (o.timeout > 0) {
    if (!progress->cv.wait_for(lock, std::chrono::duration<double>(o.timeout), done) && o.count != 0)
      fail("sub", "timeout: received " + std::to_string(progress->received) + " of " +
                      std::to_string(o.count) + " message(s) in " + CLI::detail::to_string(o.timeout) + " s");
  } else {
    progress->cv.wait(lock, done);
  }
  lock.unlock();
  c->stop(true);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"iotactor: MQTT 5 / 3.1.1 command line (publish and subscribe)"};
  app.require_subcommand(1);
  common_options common;

  pub_options pub;
  auto* pub_cmd = app.add_subcommand("pub", "publish messages");
  add_common(*pub_cmd, common);
  pub_cmd->add_option("--topic,-t", pub.topic, "topic to publish to")->required();
  auto* message = pub_cmd->add_option("--message,-m", pub.message, "the payload");
  auto* file = pub_cmd->add_option("--file,-f", pub.file, "send this file's content as one message");
  auto* lines =
      pub_cmd->add_flag("--stdin-lines,-l", pub.stdin_lines, "send each line of standard input as a message");
  message->excludes(file)->excludes(lines);
  file->excludes(lines);
  pub_cmd->add_option("--count,-n", pub.count, "send the message(s) this many times")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  pub_cmd->add_option("--qos,-Q", pub.qos, "quality of service")
      ->check(CLI::Range(0, 2))
      ->capture_default_str();
  pub_cmd->add_flag("--retain,-r", pub.retain, "ask the broker to retain the message");
  pub_cmd->add_option("--user-property", pub.user_properties, "user property key=value (repeatable)");
  pub_cmd->add_option("--content-type", pub.content_type, "content type property");
  pub_cmd->add_option("--response-topic", pub.response_topic, "response topic property");
  pub_cmd->add_option("--correlation-data", pub.correlation_data, "correlation data property, as hex");
  pub_cmd->add_option("--message-expiry", pub.message_expiry, "message expiry interval in seconds");
  pub_cmd->add_option("--payload-format", pub.payload_format, "payload format indicator")
      ->check(CLI::IsMember({"utf8", "bytes"}));

  sub_options sub;
  auto* sub_cmd = app.add_subcommand("sub", "subscribe and print messages");
  add_common(*sub_cmd, common);
  sub_cmd->add_option("--topic,-t", sub.topics, "topic filter (repeatable)")->required();
  sub_cmd->add_option("--qos,-Q", sub.qos, "maximum QoS")->check(CLI::Range(0, 2))->capture_default_str();
  sub_cmd->add_option("--count,-C", sub.count, "exit after this many messages (0: no limit)")
      ->capture_default_str();
  sub_cmd->add_option("--timeout,-W", sub.timeout, "give up after this many seconds (0: wait for ever)")
      ->capture_default_str();
  sub_cmd->add_option("--format", sub.format, "output: text (topic payload) or json (one object per line)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  sub_cmd->add_flag("--no-local", sub.no_local, "do not receive our own publishes");
  sub_cmd->add_flag("--retain-as-published", sub.retain_as_published, "keep the retain flag as published");
  sub_cmd->add_option("--retain-handling", sub.retain_handling, "0 send retained, 1 only for new, 2 never")
      ->check(CLI::Range(0, 2))
      ->capture_default_str();
  sub_cmd->add_option("--subscription-id", sub.subscription_id, "subscription identifier")
      ->check(CLI::Range(1, 268'435'455));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    auto code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (*pub_cmd) {
    if (pub.message.empty() && pub.file.empty() && !pub.stdin_lines && pub_cmd->count("--message") == 0) {
      std::cerr << "iotactor pub: one of --message, --file or --stdin-lines is required" << std::endl;
      return 2;
    }
    return run_pub(common, pub);
  }
  return run_sub(common, sub);
}
