// The system benchmark on libmosquitto (mosquitto's own client library): one mosquitto instance per
// connection with its threaded network loop (mosquitto_loop_start), as applications usually run it; the
// fleet runs every instance from one thread over poll(), libmosquitto's external-loop mode.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mosquitto.h>
#include <mutex>
#include <poll.h>
#include <stdexcept>
#include <thread>
#include <vector>

#include "harness.hpp"

namespace iotactor::bench {

namespace {

/// libmosquitto walks its outgoing list on every acknowledgement: with the broker's receive maximum (65,535)
/// in flight, P4 turns quadratic (500,000 messages took over 5 minutes). 100 was its fastest window of
/// 20, 100, 1,000 and 10,000 (61 k/s against 57 k, 56 k and 25 k at 200,000 messages).
constexpr int inflight_window = 100;

/// One-shot signal with a deadline.
struct latch {
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;
  int code = 0;
  void set(int c) {
    std::lock_guard<std::mutex> lock(mutex);
    if (done) return;
    done = true;
    code = c;
    cv.notify_all();
  }
  int wait(const char* what) {
    std::unique_lock<std::mutex> lock(mutex);
    if (!cv.wait_for(lock, std::chrono::seconds(30), [&] { return done; }))
      throw std::runtime_error(std::string("no answer to ") + what + " within 30 s");
    return code;
  }
  void reset() {
    std::lock_guard<std::mutex> lock(mutex);
    done = false;
  }
};

void check(int rc, const char* what) {
  if (rc != MOSQ_ERR_SUCCESS) throw std::runtime_error(std::string(what) + ": " + mosquitto_strerror(rc));
}

mosquitto* make_instance(const endpoint& where, const std::string& client_id, void* user) {
  mosquitto* m = mosquitto_new(client_id.c_str(), true, user);
  if (m == nullptr) throw std::runtime_error("mosquitto_new failed");
  mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1);
  mosquitto_int_option(m, MOSQ_OPT_SEND_MAXIMUM, inflight_window);
  mosquitto_int_option(m, MOSQ_OPT_RECEIVE_MAXIMUM, inflight_window);
  if (where.tls)
    check(mosquitto_tls_set(m, where.ca_file.c_str(), nullptr, nullptr, nullptr, nullptr), "tls_set");
  return m;
}

class mosquitto_connection final : public connection {
 public:
  mosquitto_connection(const endpoint& where, const std::string& client_id)
      : m_(make_instance(where, client_id, this)) {
    mosquitto_connect_v5_callback_set(m_, [](mosquitto*, void* self, int rc, int, const mosquitto_property*) {
      static_cast<mosquitto_connection*>(self)->connected_.set(rc);
    });
    mosquitto_subscribe_v5_callback_set(
        m_, [](mosquitto*, void* self, int, int, const int*, const mosquitto_property*) {
          static_cast<mosquitto_connection*>(self)->subscribed_.set(0);
        });
    mosquitto_publish_v5_callback_set(m_,
                                      [](mosquitto*, void* self, int mid, int, const mosquitto_property*) {
                                        static_cast<mosquitto_connection*>(self)->on_publish(mid);
                                      });
    mosquitto_message_v5_callback_set(
        m_, [](mosquitto*, void* self, const mosquitto_message* msg, const mosquitto_property*) {
          static_cast<mosquitto_connection*>(self)->on_message_(
              static_cast<const std::uint8_t*>(msg->payload), static_cast<std::size_t>(msg->payloadlen));
        });
    check(mosquitto_connect_bind_v5(m_, where.host.c_str(), where.port, 60, nullptr, nullptr), "connect");
    check(mosquitto_loop_start(m_), "loop_start");
    if (int rc = connected_.wait("CONNECT"); rc != 0)
      throw std::runtime_error(std::string("refused: ") + mosquitto_reason_string(rc));
  }

  ~mosquitto_connection() override {
    disconnect();
    mosquitto_destroy(m_);
  }

  void subscribe(const std::string& filter, int qos, message_fn on_message) override {
    on_message_ = std::move(on_message);
    check(mosquitto_subscribe_v5(m_, nullptr, filter.c_str(), qos, 0, nullptr), "subscribe");
    subscribed_.wait("SUBSCRIBE");
  }

  void publish(const std::string& topic, const std::uint8_t* data, std::size_t size, int qos) override {
    if (qos > 0) count_acks_ = true;
    ++published_;
    check(mosquitto_publish_v5(m_, nullptr, topic.c_str(), static_cast<int>(size), data, qos, false, nullptr),
          "publish");
  }

  void publish_and_wait(const std::string& topic, const std::uint8_t* data, std::size_t size) override {
    // on_publish runs once per QoS 0 publish when it is written and once per QoS 1 publish when its PUBACK
    // arrives: the marker is acknowledged when the callbacks have caught up with everything published.
    marker_.reset();
    ++published_;
    check(mosquitto_publish_v5(m_, nullptr, topic.c_str(), static_cast<int>(size), data, 1, false, nullptr),
          "publish");
    target_ = published_.load();
    if (callbacks_ >= target_) marker_.set(0);
    marker_.wait("the marker PUBLISH");
  }

  void disconnect() override {
    if (stopped_) return;
    stopped_ = true;
    mosquitto_disconnect_v5(m_, 0, nullptr);
    mosquitto_loop_stop(m_, false);
  }

 private:
  void on_publish(int) {
    if (count_acks_) acked.fetch_add(1, std::memory_order_relaxed);
    if (++callbacks_ >= target_) marker_.set(0);
  }

  mosquitto* m_;
  latch connected_;
  latch subscribed_;
  latch marker_;
  std::atomic<std::uint64_t> published_{0};
  std::atomic<std::uint64_t> callbacks_{0};
  std::atomic<std::uint64_t> target_{~std::uint64_t{0}};
  std::atomic<bool> count_acks_{false};
  message_fn on_message_ = [](const std::uint8_t*, std::size_t) {};
  bool stopped_ = false;
};

class mosquitto_implementation final : public implementation {
 public:
  mosquitto_implementation() { mosquitto_lib_init(); }
  ~mosquitto_implementation() override {
    drop_fleet();
    mosquitto_lib_cleanup();
  }

  std::string name() const override { return "libmosquitto"; }

  std::unique_ptr<connection> connect(const endpoint& where, const std::string& client_id) override {
    return std::make_unique<mosquitto_connection>(where, client_id);
  }

  /// At most `connects_in_flight` connection attempts at once (iotactor's io_runtime default), the next one
  /// started from the CONNACK callback: issued all at once, thousands of SYNs overflow the broker's listen
  /// backlog and the run measures TCP's 1 s and 3 s retransmission timers instead of the library
  /// (libmosquitto fell from ~50 k to under 1 k connects/s run to run). BENCH_MAX_CONNECTS overrides it.
  std::size_t connect_fleet(const endpoint& where, std::size_t count) override {
    answered_ = 0;
    ok_ = 0;
    host_ = where.host;
    port_ = where.port;
    for (std::size_t i = 0; i < count; ++i) {
      mosquitto* m = make_instance(where, "fleet-" + std::to_string(i), this);
      mosquitto_connect_v5_callback_set(m,
                                        [](mosquitto*, void* self, int rc, int, const mosquitto_property*) {
                                          auto* me = static_cast<mosquitto_implementation*>(self);
                                          ++me->answered_;
                                          if (rc == 0) ++me->ok_;
                                          me->connect_next();
                                        });
      fleet_.push_back(m);
    }
    std::size_t window = 64;
    if (const char* w = std::getenv("BENCH_MAX_CONNECTS")) window = std::strtoul(w, nullptr, 10);
    next_ = 0;
    for (std::size_t i = 0; i < std::min(window == 0 ? count : window, count); ++i) connect_next();
    running_ = true;
    loop_ = std::thread([this] { run_loop(); });
    std::unique_lock<std::mutex> lock(fleet_mutex_);
    fleet_cv_.wait_for(lock, std::chrono::seconds(120), [&] { return answered_.load() == count; });
    return ok_.load();
  }

  void drop_fleet() override {
    running_ = false;
    if (loop_.joinable()) loop_.join();
    for (auto* m : fleet_) {
      mosquitto_disconnect_v5(m, 0, nullptr);
      mosquitto_loop_write(m, 1);
      mosquitto_destroy(m);
    }
    fleet_.clear();
  }

 private:
  /// libmosquitto's external-loop mode: poll every socket, read/write what is ready, run the timers.
  void run_loop() {
    std::vector<pollfd> fds(fleet_.size());
    while (running_) {
      for (std::size_t i = 0; i < fleet_.size(); ++i) {
        fds[i].fd = mosquitto_socket(fleet_[i]);
        fds[i].events = static_cast<short>(POLLIN | (mosquitto_want_write(fleet_[i]) ? POLLOUT : 0));
        fds[i].revents = 0;
      }
      poll(fds.data(), fds.size(), 20);
      for (std::size_t i = 0; i < fleet_.size(); ++i) {
        if (fds[i].revents & (POLLIN | POLLERR | POLLHUP)) mosquitto_loop_read(fleet_[i], 1);
        if (fds[i].revents & POLLOUT) mosquitto_loop_write(fleet_[i], 1);
      }
      for (auto* m : fleet_) mosquitto_loop_misc(m);
      std::lock_guard<std::mutex> lock(fleet_mutex_);
      fleet_cv_.notify_all();
    }
  }

  /// Starts the next fleet connection (from the loop thread's CONNACK callback, or before the loop runs).
  void connect_next() {
    while (next_ < fleet_.size()) {
      mosquitto* m = fleet_[next_++];
      if (mosquitto_connect_bind_async(m, host_.c_str(), port_, 60, nullptr) == MOSQ_ERR_SUCCESS) return;
      ++answered_;  // refused at once: counts as answered, not connected; try the next
    }
  }

  std::vector<mosquitto*> fleet_;
  std::size_t next_ = 0;
  std::string host_;
  int port_ = 0;
  std::thread loop_;
  std::atomic<bool> running_{false};
  std::atomic<std::size_t> answered_{0};
  std::atomic<std::size_t> ok_{0};
  std::mutex fleet_mutex_;
  std::condition_variable fleet_cv_;
};

}  // namespace

}  // namespace iotactor::bench

int main(int argc, char** argv) {
  iotactor::bench::mosquitto_implementation impl;
  return iotactor::bench::run(argc, argv, impl);
}
