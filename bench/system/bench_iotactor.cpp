// The system benchmark on iotactor: each connection is a full client pipeline spawned with spawn_client and
// driven through its typed CAF interface, as a CAF user or a fleet simulation would.
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>

#include <caf/all.hpp>

#include "harness.hpp"
#include "iotactor/actors/client.hpp"

namespace iotactor::bench {

namespace {

client_config config_for(const endpoint& where, const std::string& client_id,
                         std::shared_ptr<io_runtime> io) {
  client_config c;
  c.connection.host = where.host;
  c.connection.port = where.port;
  if (where.tls) {
    c.connection.tls.enabled = true;
    c.connection.tls.ca_file = where.ca_file;
    c.connection.tls.verify_host_name = false;
  }
  c.session.connect.client_id = client_id;
  c.session.connect.keep_alive = 60;
  c.session.ack_timeout = std::chrono::seconds(0);
  c.io = io;
  // BENCH_DELIVER_ON_IO_THREAD=0: inbound packets go to the session through a worker (for comparisons).
  if (const char* d = std::getenv("BENCH_DELIVER_ON_IO_THREAD"))
    c.deliver_on_io_thread = std::string(d) != "0";
  return c;
}

protocol::publish make_publish(const std::string& topic, const std::uint8_t* data, std::size_t size,
                               int qos) {
  protocol::publish p;
  p.topic = topic;
  p.payload = protocol::shared_bytes::copy_of(data, size);
  p.qos = static_cast<protocol::qos>(qos);
  return p;
}

/// Starts the client and waits for its first connection_success (or failure).
client_actor start_client(caf::actor_system& sys, client_config config,
                          std::function<void(bool ok, const std::string& why)> on_first) {
  auto client = spawn_client(sys, std::move(config));
  if (!client) throw std::runtime_error(sys.render(client.error()));
  auto reported = std::make_shared<std::atomic<bool>>(false);
  std::function<void(const lifecycle_event&)> listener =
      [reported, on_first, self = client->address()](const lifecycle_event& e) {
        // The stages hold the client: once it has stopped (DISCONNECT flushed), it is told to exit.
        if (e.type == lifecycle_event_type::stopped)
          caf::anon_send_exit(self, caf::exit_reason::user_shutdown);
        if (e.type != lifecycle_event_type::connection_success &&
            e.type != lifecycle_event_type::connection_failure)
          return;
        if (reported->exchange(true)) return;
        on_first(e.type == lifecycle_event_type::connection_success, e.message);
      };
  caf::anon_send(*client, listen_atom::value, std::move(listener));
  caf::anon_send(*client, start_atom::value);
  return *client;
}

class iotactor_connection final : public connection {
 public:
  explicit iotactor_connection(client_actor client) : client_(std::move(client)) {
    // BENCH_POST_LIMIT: the publishing thread's post_publish backlog limit (0: unbounded).
    if (const char* l = std::getenv("BENCH_POST_LIMIT")) set_post_backlog_limit(std::strtoul(l, nullptr, 10));
  }
  ~iotactor_connection() override { disconnect(); }

  void subscribe(const std::string& filter, int qos, message_fn on_message) override {
    protocol::subscribe s;
    protocol::subscription one;
    one.topic_filter = filter;
    one.max_qos = static_cast<protocol::qos>(qos);
    s.subscriptions.push_back(one);
    message_handler handler;
    handler.callback = [on_message = std::move(on_message)](const protocol::publish& p) {
      on_message(p.payload.data(), p.payload.size());
    };
    std::promise<operation_result> done;
    auto result = done.get_future();
    completion_callback cb = [&done](operation_result&& r) { done.set_value(std::move(r)); };
    caf::anon_send(client_, subscribe_atom::value, std::move(s), std::move(handler), std::move(cb));
    auto r = result.get();
    if (!r.ok()) throw std::runtime_error("subscribe failed: " + r.message);
  }

  void publish(const std::string& topic, const std::uint8_t* data, std::size_t size, int qos) override {
    if (qos == 0 && batch_size_ > 1) {  // BENCH_BATCH: a caller that gathers its publishes itself
      batch_.push_back(make_publish(topic, data, size, 0));
      if (batch_.size() >= batch_size_) flush();
      return;
    }
    if (qos == 0) {
      post_publish(client_, make_publish(topic, data, size, 0));
      return;
    }
    completion_callback cb = [this](operation_result&& r) {
      if (r.ok()) acked.fetch_add(1, std::memory_order_relaxed);
    };
    caf::anon_send(client_, publish_atom::value, make_publish(topic, data, size, qos), std::move(cb));
  }

  void publish_and_wait(const std::string& topic, const std::uint8_t* data, std::size_t size) override {
    std::promise<operation_result> done;
    auto result = done.get_future();
    completion_callback cb = [&done](operation_result&& r) { done.set_value(std::move(r)); };
    caf::anon_send(client_, publish_atom::value, make_publish(topic, data, size, 1), std::move(cb));
    auto r = result.get();
    if (!r.ok()) throw std::runtime_error("publish failed: " + r.message);
  }

  void flush() override {
    if (batch_.empty()) return;
    caf::anon_send(client_, post_atom::value, std::move(batch_));
    batch_ = publish_batch{};
  }

  void disconnect() override {
    if (!client_) return;
    flush();
    caf::anon_send(client_, stop_atom::value, true);
    client_ = nullptr;
  }

 private:
  client_actor client_;
  publish_batch batch_;
  std::size_t batch_size_ =
      std::getenv("BENCH_BATCH") ? std::strtoul(std::getenv("BENCH_BATCH"), nullptr, 10) : 1;
};

class iotactor_implementation final : public implementation {
 public:
  std::string name() const override { return "iotactor"; }

  std::unique_ptr<connection> connect(const endpoint& where, const std::string& client_id) override {
    std::promise<std::string> connected;
    auto outcome = connected.get_future();
    auto client = start_client(
        system_, config_for(where, client_id, io_),
        [&connected](bool ok, const std::string& why) { connected.set_value(ok ? std::string() : why); });
    auto why = outcome.get();
    if (!why.empty()) {
      caf::anon_send(client, stop_atom::value, false);
      throw std::runtime_error("cannot connect: " + why);
    }
    return std::make_unique<iotactor_connection>(std::move(client));
  }

  std::size_t connect_fleet(const endpoint& where, std::size_t count) override {
    struct tally {
      std::mutex mutex;
      std::condition_variable cv;
      std::size_t answered = 0;
      std::size_t ok = 0;
    };
    auto t = std::make_shared<tally>();
    fleet_.reserve(count);
    for (std::size_t i = 0; i < count; ++i)
      fleet_.push_back(start_client(system_, config_for(where, "fleet-" + std::to_string(i), io_),
                                    [t, count](bool ok, const std::string&) {
                                      std::lock_guard<std::mutex> lock(t->mutex);
                                      ++t->answered;
                                      if (ok) ++t->ok;
                                      // Only the last answer wakes the waiting thread (as libmosquitto's
                                      // fleet does): a wake per client cost 5% of the run.
                                      if (t->answered == count) t->cv.notify_all();
                                    }));
    std::unique_lock<std::mutex> lock(t->mutex);
    t->cv.wait(lock, [&] { return t->answered == count; });
    return t->ok;
  }

  void drop_fleet() override {
    for (auto& c : fleet_) caf::anon_send(c, stop_atom::value, true);
    fleet_.clear();
  }

 private:
  /// The settings iotactor recommends (configure_scheduler); BENCH_CAF_THREADS and BENCH_CAF_POLICY
  /// override them for experiments.
  static caf::actor_system_config& configured(caf::actor_system_config& cfg) {
    std::size_t threads = 2;
    if (const char* t = std::getenv("BENCH_CAF_THREADS")) threads = std::strtoul(t, nullptr, 10);
    auto policy = scheduler_policy::affine;
    if (const char* p = std::getenv("BENCH_CAF_POLICY")) {
      std::string name = p;
      if (name == "sharing")
        policy = scheduler_policy::sharing;
      else if (name == "stealing")
        policy = scheduler_policy::stealing;
      else if (name != "affine")
        throw std::invalid_argument("BENCH_CAF_POLICY must be affine, sharing or stealing, not " + name);
    }
    configure_scheduler(cfg, threads, policy);
    return cfg;
  }
  caf::actor_system_config config_;
  /// One I/O thread for every connection, as io_runtime::shared() gives; BENCH_IO_THREADS and
  /// BENCH_MAX_CONNECTS override the thread count and the bound on concurrent connects.
  std::shared_ptr<io_runtime> io_ = std::make_shared<io_runtime>(
      std::getenv("BENCH_IO_THREADS") ? std::strtoul(std::getenv("BENCH_IO_THREADS"), nullptr, 10) : 1,
      std::getenv("BENCH_MAX_CONNECTS") ? std::strtoul(std::getenv("BENCH_MAX_CONNECTS"), nullptr, 10)
                                        : io_runtime::default_max_concurrent_connects);
  caf::actor_system system_{configured(config_)};
  std::vector<client_actor> fleet_;
};

}  // namespace

}  // namespace iotactor::bench

int main(int argc, char** argv) {
  iotactor::bench::iotactor_implementation impl;
  return iotactor::bench::run(argc, argv, impl);
}
