// The shared fixture of the client integration tests: an actor system, clients spawned on one io_runtime,
// lifecycle events and messages collected into fixture-owned logs, waits bounded by a deadline, and
// publish/subscribe through scoped_actor requests.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "iotactor/actors/client.hpp"
#include "support/mosquitto_fixture.hpp"

namespace iotactor::integration {

inline constexpr std::chrono::milliseconds deadline{10'000};

/// Collects values from any thread; tests wait for a condition with a deadline, never a fixed sleep.
template <class T>
class collector {
 public:
  void add(T value) {
    std::lock_guard<std::mutex> guard(mutex_);
    items_.push_back(std::move(value));
    changed_.notify_all();
  }

  /// Waits until pred(items) holds; false at the deadline.
  template <class Pred>
  bool wait(Pred pred, std::chrono::milliseconds limit = deadline) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return pred(items_); });
  }

  bool wait_count(std::size_t n, std::chrono::milliseconds limit = deadline) {
    return wait([n](const std::vector<T>& v) { return v.size() >= n; }, limit);
  }

  std::vector<T> items() const {
    std::lock_guard<std::mutex> guard(mutex_);
    return items_;
  }

  std::size_t size() const {
    std::lock_guard<std::mutex> guard(mutex_);
    return items_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<T> items_;
};

using event_log = collector<lifecycle_event>;
using message_log = collector<protocol::publish>;
using result_log = collector<operation_result>;

inline std::vector<lifecycle_event_type> types(const std::vector<lifecycle_event>& events) {
  std::vector<lifecycle_event_type> out;
  for (const auto& e : events) out.push_back(e.type);
  return out;
}

inline std::size_t count(const std::vector<lifecycle_event>& events, lifecycle_event_type t) {
  return static_cast<std::size_t>(
      std::count_if(events.begin(), events.end(), [t](const auto& e) { return e.type == t; }));
}

inline bool has(const std::vector<lifecycle_event>& events, lifecycle_event_type t, std::size_t n = 1) {
  return count(events, t) >= n;
}

inline protocol::publish message(std::string topic, std::string payload, protocol::qos q) {
  protocol::publish p;
  p.topic = std::move(topic);
  p.payload = protocol::shared_bytes(payload);
  p.qos = q;
  return p;
}

struct client_fixture : ::testing::Test {
  // Logs outlive the clients that write into them: they are destroyed after the actor system.
  std::deque<event_log> event_logs;
  std::deque<message_log> message_logs;
  std::deque<result_log> result_logs;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<io_runtime> io = std::make_shared<io_runtime>(1);
  std::vector<client_actor> clients;

  client_fixture() : client_fixture(2) {}

  /// With this many scheduler workers.
  explicit client_fixture(std::size_t workers) {
    cfg.set("scheduler.max-threads", workers);
    sys = std::make_unique<caf::actor_system>(cfg);
  }

  ~client_fixture() override { shutdown(); }

  /// Ends every client and waits for every actor; derived fixtures call it before their own logs go.
  void shutdown() {
    for (auto& c : clients) caf::anon_send_exit(c, caf::exit_reason::user_shutdown);
    clients.clear();
    sys.reset();
  }

  event_log& new_events() { return event_logs.emplace_back(); }
  message_log& new_messages() { return message_logs.emplace_back(); }
  result_log& new_results() { return result_logs.emplace_back(); }

  /// A client of this broker (mosquitto or scripted: anything with host() and port()), reconnecting fast.
  template <class Broker>
  client_config config_for(const Broker& broker, std::string client_id) {
    client_config c;
    c.connection.host = broker.host();
    c.connection.port = broker.port();
    c.session.connect.client_id = std::move(client_id);
    c.session.connect.keep_alive = 60;
    c.reconnect.min_reconnect_delay = std::chrono::milliseconds(20);
    c.reconnect.max_reconnect_delay = std::chrono::milliseconds(200);
    c.io = io;
    return c;
  }

  /// Spawns the client and listens to its lifecycle events, without starting it.
  client_actor spawn(client_config c, event_log& events) {
    auto spawned = spawn_client(*sys, std::move(c));
    EXPECT_TRUE(spawned) << sys->render(spawned.error());
    auto client = *spawned;
    clients.push_back(client);
    caf::anon_send(
        client, listen_atom::value,
        std::function<void(const lifecycle_event&)>([&events](const lifecycle_event& e) { events.add(e); }));
    return client;
  }

  client_actor start(client_config c, event_log& events) {
    auto client = spawn(std::move(c), events);
    caf::anon_send(client, start_atom::value);
    return client;
  }

  client_actor connected(client_config c, event_log& events) {
    auto client = start(std::move(c), events);
    EXPECT_TRUE(events.wait([](const auto& v) { return has(v, lifecycle_event_type::connection_success); }))
        << "no connection_success";
    return client;
  }

  operation_result request(const client_actor& client, protocol::publish p) {
    caf::scoped_actor self{*sys};
    operation_result out;
    self->request(client, deadline, publish_atom::value, std::move(p))
        .receive([&](operation_result& r) { out = std::move(r); },
                 [&](caf::error& err) { ADD_FAILURE() << sys->render(err); });
    return out;
  }

  operation_result subscribe(const client_actor& client, protocol::subscribe s, message_log& log) {
    caf::scoped_actor self{*sys};
    operation_result out;
    message_handler h;
    h.callback = [&log](const protocol::publish& p) { log.add(p); };
    self->request(client, deadline, subscribe_atom::value, std::move(s), std::move(h))
        .receive([&](operation_result& r) { out = std::move(r); },
                 [&](caf::error& err) { ADD_FAILURE() << sys->render(err); });
    return out;
  }

  operation_result subscribe(const client_actor& client, const std::string& filter, protocol::qos q,
                             message_log& log) {
    protocol::subscribe s;
    s.subscriptions.push_back({filter, q, false, false, protocol::retain_handling::send_on_subscribe});
    return subscribe(client, std::move(s), log);
  }

  operation_result unsubscribe(const client_actor& client, const std::string& filter) {
    caf::scoped_actor self{*sys};
    operation_result out;
    protocol::unsubscribe u;
    u.topic_filters.push_back(filter);
    self->request(client, deadline, unsubscribe_atom::value, std::move(u))
        .receive([&](operation_result& r) { out = std::move(r); },
                 [&](caf::error& err) { ADD_FAILURE() << sys->render(err); });
    return out;
  }

  /// Submits a publish whose result arrives later in `results` (the client need not be connected).
  void submit(const client_actor& client, protocol::publish p, result_log& results) {
    caf::anon_send(client, publish_atom::value, std::move(p),
                   completion_callback([&results](operation_result&& r) { results.add(std::move(r)); }));
  }

  client_statistics stats(const client_actor& client) {
    caf::scoped_actor self{*sys};
    client_statistics out;
    self->request(client, deadline, stats_atom::value)
        .receive([&](client_statistics& s) { out = s; },
                 [&](caf::error& err) { ADD_FAILURE() << sys->render(err); });
    return out;
  }
};

}  // namespace iotactor::integration
