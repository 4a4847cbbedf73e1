// iotactor::client and its builder against a real mosquitto: SDK v2 names, futures, callbacks, no deadlock
// when a callback waits on a future, and invalid options named when the client is built.
#include <condition_variable>
#include <mutex>

#include <gtest/gtest.h>

#include "iotactor/actors/errc.hpp"
#include "iotactor/actors/io_runtime.hpp"
#include "iotactor/client.hpp"
#include "support/mosquitto_fixture.hpp"

using namespace iotactor;
using namespace std::chrono_literals;
namespace proto = iotactor::protocol;

namespace {

/// Counts events from callbacks; tests wait for a count with a deadline.
class latch {
 public:
  void hit(std::string what) {
    std::lock_guard<std::mutex> guard(mutex_);
    seen_.push_back(std::move(what));
    cv_.notify_all();
  }
  bool wait(std::size_t n, std::chrono::milliseconds limit = 10s) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, limit, [&] { return seen_.size() >= n; });
  }
  std::vector<std::string> seen() {
    std::lock_guard<std::mutex> guard(mutex_);
    return seen_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::string> seen_;
};

std::string build_error(client_builder b) {
  try {
    b.build();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(facade, invalid_options_are_rejected_when_built_naming_the_option) {
  EXPECT_NE(build_error(
                std::move(client_builder::new_tcp_builder("127.0.0.1").with_keep_alive_interval_seconds(10)))
                .find("keep_alive_interval_seconds"),
            std::string::npos);
  EXPECT_NE(build_error(client_builder::new_tcp_builder("127.0.0.1", 0)).find("port"), std::string::npos);
  EXPECT_NE(build_error(client_builder::new_tcp_builder("")).find("host"), std::string::npos);
  EXPECT_NE(build_error(std::move(client_builder::new_tcp_builder("127.0.0.1")
                                      .with_min_reconnect_delay_ms(5000)
                                      .with_max_reconnect_delay_ms(10)))
                .find("reconnect"),
            std::string::npos);
  EXPECT_NE(build_error(std::move(client_builder::new_tcp_builder("127.0.0.1")
                                      .with_protocol_version(proto::protocol_version::v3_1_1)
                                      .with_session_expiry_interval_seconds(60)))
                .find("3.1.1"),
            std::string::npos);
  EXPECT_NE(
      build_error(std::move(client_builder::new_tcp_builder("127.0.0.1").with_read_coalescing(1024, 200'000)))
          .find("coalesce_reads_for must be 0 (off) to 100 ms, not 200000 us"),
      std::string::npos);
  EXPECT_EQ(build_error(std::move(client_builder::new_tcp_builder("127.0.0.1").with_read_coalescing(0, 0))),
            "");
  auto bad_cert = client_builder::new_default_builder("example.com");
  bad_cert.with_ca_filepath("/ca.pem");
  EXPECT_EQ(build_error(std::move(bad_cert)), "");  // a missing CA file is found when connecting, not here
}

TEST(facade, defaults_follow_the_sdk) {
  session_options s;
  EXPECT_EQ(s.connect.keep_alive, 1200);
  EXPECT_EQ(s.ping_timeout, 30000ms);
  EXPECT_EQ(s.connack_timeout, 20000ms);
  EXPECT_EQ(s.ack_timeout, 60s);
  EXPECT_EQ(s.session_behavior, client_session_behavior::clean);
  backoff_options b;
  EXPECT_EQ(b.min_reconnect_delay, 1000ms);
  EXPECT_EQ(b.max_reconnect_delay, 120000ms);
  EXPECT_EQ(b.min_connected_time_to_reset_reconnect_delay, 30000ms);
  EXPECT_EQ(b.retry_jitter_mode, jitter_mode::full);
  EXPECT_EQ(offline_queue_options{}.behavior, offline_queue_behavior::fail_qos0_publish_on_disconnect);
  EXPECT_EQ(topic_alias_options{}.outbound_behavior, outbound_topic_alias_behavior::disabled);
}

TEST(facade, callbacks_futures_and_a_future_waited_on_inside_a_callback) {
  iotactor::testing::mosquitto_broker broker;
  latch events;
  latch messages;
  std::unique_ptr<client> c;
  auto builder = client_builder::new_tcp_builder(broker.host(), broker.port());
  builder.with_client_id("facade-1")
      .with_keep_alive_interval_seconds(60)
      .on_lifecycle_attempting_connect([&](const lifecycle_event&) { events.hit("attempting"); })
      .on_lifecycle_connection_success([&](const lifecycle_event& e) {
        events.hit("success:" + (e.settings ? e.settings->client_id : std::string("?")));
      })
      .on_lifecycle_disconnection([&](const lifecycle_event&) { events.hit("disconnection"); })
      .on_lifecycle_stopped([&](const lifecycle_event&) { events.hit("stopped"); });
  c = builder.build();
  c->start();
  ASSERT_TRUE(events.wait(2));
  EXPECT_EQ(events.seen(), (std::vector<std::string>{"attempting", "success:facade-1"}));

  // The handler publishes a reply and waits for its PUBACK: the pipeline must not be blocked by it.
  auto* raw = c.get();
  auto sub = raw->subscribe("facade/in", proto::qos::at_least_once, [&, raw](const proto::publish& p) {
    proto::publish reply;
    reply.topic = "facade/out";
    reply.qos = proto::qos::at_least_once;
    reply.payload = p.payload;
    auto r = raw->publish(reply).get();
    messages.hit(std::string("in:") + std::string(p.payload.as_string_view()) + ":" +
                 (r.ok() ? "acked" : r.message));
  });
  ASSERT_TRUE(sub.get().ok());
  ASSERT_TRUE(raw->subscribe("facade/out", proto::qos::at_least_once,
                             [&](const proto::publish& p) {
                               messages.hit(std::string("out:") + std::string(p.payload.as_string_view()));
                             })
                  .get()
                  .ok());

  proto::publish p;
  p.topic = "facade/in";
  p.qos = proto::qos::at_least_once;
  p.payload = proto::shared_bytes("ping");
  auto done = c->publish(p);
  ASSERT_EQ(done.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(std::get<proto::puback>(done.get().ack).reason, proto::reason_code::success);
  ASSERT_TRUE(messages.wait(2));
  auto seen = messages.seen();
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"in:ping:acked", "out:ping"}));

  auto stats = c->get_stats();
  EXPECT_EQ(stats.unacked_operation_count, 0U);
  ASSERT_TRUE(c->get_negotiated_settings());

  c->stop();
  ASSERT_TRUE(events.wait(4));
  EXPECT_EQ(events.seen()[2], "disconnection");
  EXPECT_EQ(events.seen()[3], "stopped");
}

TEST(facade, a_publish_while_stopped_with_fail_all_fails_at_once) {
  auto builder = client_builder::new_tcp_builder("127.0.0.1", 1);
  builder.with_offline_queue_behavior(offline_queue_behavior::fail_all_on_disconnect);
  auto c = builder.build();
  proto::publish p;
  p.topic = "x";
  p.qos = proto::qos::at_least_once;
  auto r = c->publish(p);
  ASSERT_EQ(r.wait_for(10s), std::future_status::ready);
  auto result = r.get();
  EXPECT_EQ(result.error, errc::offline_queue_policy);
  EXPECT_NE(result.message.find("FAIL_ALL_ON_DISCONNECT"), std::string::npos) << result.message;
}

TEST(io_runtime_shared, clients_without_their_own_runtime_share_one_until_the_last_is_gone) {
  auto a = iotactor::io_runtime::shared();
  auto b = iotactor::io_runtime::shared();
  EXPECT_EQ(a.get(), b.get());
  EXPECT_EQ(a->threads(), 1U);
  std::weak_ptr<iotactor::io_runtime> watch = a;
  a.reset();
  b.reset();
  EXPECT_TRUE(watch.expired());
}
