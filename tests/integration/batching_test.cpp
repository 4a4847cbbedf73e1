// The client gathers the operations of a burst into one submission to its queue: order, completeness and
// the order against stop() hold against a real mosquitto. Inbound messages reach their handlers on the I/O
// thread, or on a worker when deliver_on_io_thread is off.
#include <future>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include "client_fixture.hpp"
#include "iotactor/actors/client.hpp"
#include "support/mosquitto_fixture.hpp"

using namespace iotactor;
namespace proto = iotactor::protocol;
using iotactor::testing::mosquitto_broker;
using namespace iotactor::integration;

namespace {

constexpr int burst = 2000;

std::vector<std::string> payloads_of(const std::vector<proto::publish>& messages) {
  std::vector<std::string> out;
  for (const auto& m : messages) out.emplace_back(m.payload.as_string_view());
  return out;
}

std::vector<std::string> numbered(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(std::to_string(i));
  return out;
}

}  // namespace

/// A subscriber to "<name>/#" and a publisher, both connected to one broker.
struct batching : client_fixture {
  mosquitto_broker broker;
  message_log& received = new_messages();
  event_log& publisher_events = new_events();
  client_actor publisher;

  void connect_pair(const std::string& name, proto::qos q) {
    auto subscriber = connected(config_for(broker, name + "-sub"), new_events());
    ASSERT_TRUE(subscribe(subscriber, name + "/#", q, received).ok());
    publisher = connected(config_for(broker, name + "-pub"), publisher_events);
  }

  /// Every one of `n` numbered payloads arrived, in order.
  void expect_all_in_order(int n) {
    ASSERT_TRUE(received.wait_count(n)) << received.size() << " of " << n;
    EXPECT_EQ(payloads_of(received.items()), numbered(n));
  }
};

TEST_F(batching, a_burst_of_fire_and_forget_publishes_arrives_complete_and_in_order) {
  connect_pair("burst", proto::qos::at_least_once);
  for (int i = 0; i < burst; ++i)
    caf::anon_send(publisher, post_atom::value,
                   message("burst/n", std::to_string(i), proto::qos::at_least_once));
  expect_all_in_order(burst);
}

TEST_F(batching, publishes_posted_just_before_stop_go_out_before_the_disconnect) {
  connect_pair("stop", proto::qos::at_most_once);
  constexpr int n = 300;
  for (int i = 0; i < n; ++i)
    caf::anon_send(publisher, post_atom::value,
                   message("stop/n", std::to_string(i), proto::qos::at_most_once));
  caf::anon_send(publisher, stop_atom::value, true);  // in the client's mailbox right behind the posts
  ASSERT_TRUE(publisher_events.wait([](const auto& v) { return has(v, lifecycle_event_type::stopped); }));
  expect_all_in_order(n);
}

TEST_F(batching, a_posted_batch_of_publishes_arrives_complete_and_in_order) {
  connect_pair("many", proto::qos::at_least_once);
  publish_batch batch;
  for (int i = 0; i < burst; ++i)
    batch.push_back(message("many/n", std::to_string(i), proto::qos::at_least_once));
  caf::anon_send(publisher, post_atom::value, std::move(batch));  // one message for all of them
  expect_all_in_order(burst);
}

/// deliver_on_io_thread: a read's messages reach their handler on the I/O thread that read them, or, with
/// the option off, on a scheduler worker; in order either way.
struct delivery_thread : client_fixture {
  mosquitto_broker broker;

  std::thread::id io_thread() {
    std::promise<std::thread::id> id;
    boost::asio::post(io->context(), [&id] { id.set_value(std::this_thread::get_id()); });
    return id.get_future().get();
  }

  /// The threads the handler ran on for `n` numbered messages, after checking their order.
  std::vector<std::thread::id> handler_threads(bool on_io_thread, const std::string& name, int n) {
    collector<std::pair<std::string, std::thread::id>> seen;
    auto sub_config = config_for(broker, name + "-sub");
    sub_config.deliver_on_io_thread = on_io_thread;
    auto subscriber = connected(std::move(sub_config), new_events());
    operation_result subscribed;
    {
      caf::scoped_actor self{*sys};  // gone before shutdown(), which waits for every actor
      protocol::subscribe s;
      s.subscriptions.push_back(
          {name + "/#", proto::qos::at_most_once, false, false, proto::retain_handling::send_on_subscribe});
      message_handler h;
      h.callback = [&seen](const proto::publish& p) {
        seen.add({std::string(p.payload.as_string_view()), std::this_thread::get_id()});
      };
      self->request(subscriber, deadline, subscribe_atom::value, std::move(s), std::move(h))
          .receive([&](operation_result& r) { subscribed = std::move(r); },
                   [&](caf::error& err) { ADD_FAILURE() << sys->render(err); });
    }
    EXPECT_TRUE(subscribed.ok()) << subscribed.message;
    auto publisher = connected(config_for(broker, name + "-pub"), new_events());
    for (int i = 0; i < n; ++i)
      caf::anon_send(publisher, post_atom::value,
                     message(name + "/n", std::to_string(i), proto::qos::at_most_once));
    EXPECT_TRUE(seen.wait_count(static_cast<std::size_t>(n))) << seen.size() << " of " << n;
    std::vector<std::string> payloads;
    std::vector<std::thread::id> threads;
    for (const auto& [payload, thread] : seen.items()) {
      payloads.push_back(payload);
      threads.push_back(thread);
    }
    EXPECT_EQ(payloads, numbered(n));
    shutdown();  // the handler refers to `seen`
    return threads;
  }
};

TEST_F(delivery_thread, messages_reach_their_handler_on_the_io_thread_by_default) {
  EXPECT_TRUE(client_config{}.deliver_on_io_thread);
  auto io_id = io_thread();
  auto threads = handler_threads(true, "inline", 200);
  ASSERT_EQ(threads.size(), 200u);
  for (const auto& t : threads) EXPECT_EQ(t, io_id);
}

TEST_F(delivery_thread, with_delivery_on_the_io_thread_off_they_reach_it_on_a_worker) {
  auto io_id = io_thread();
  auto threads = handler_threads(false, "worker", 200);
  ASSERT_EQ(threads.size(), 200u);
  for (const auto& t : threads) EXPECT_NE(t, io_id);
}

namespace {

using block_atom = caf::atom_constant<caf::atom("block")>;

/// Holds the worker that runs it until `release` is fulfilled. (The int: CAF 0.17 spawning a function with
/// no arguments binds a reference to null, which UBSan reports.)
caf::behavior blocker(caf::event_based_actor*, int) {
  return {[](block_atom, std::shared_ptr<std::promise<void>> started, std::shared_future<void> release) {
    started->set_value();
    release.wait();  // blocking the only worker is the point of the test
  }};
}

}  // namespace

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<std::promise<void>>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_future<void>)

/// One scheduler worker, which a test can block, and a publisher with a subscriber.
struct post_publish_thread : client_fixture {
  post_publish_thread() : client_fixture(1) {}
  mosquitto_broker broker;
  message_log& received = new_messages();
  client_actor publisher;
  caf::actor hold;
  std::promise<void> release;

  /// A subscriber to "<name>/#" and a publisher; `publisher_on_io_thread` false: nothing runs the publisher
  /// on its I/O thread, so with the worker blocked only a post made while it is idle can run it.
  void connect_pair(const std::string& name, bool publisher_on_io_thread = true) {
    auto subscriber = connected(config_for(broker, name + "-sub"), new_events());
    ASSERT_TRUE(subscribe(subscriber, name + "/#", proto::qos::at_most_once, received).ok());
    auto c = config_for(broker, name + "-pub");
    c.deliver_on_io_thread = publisher_on_io_thread;
    publisher = connected(c, new_events());
  }

  /// Blocks the only worker until release is fulfilled.
  void block_the_worker() {
    auto started = std::make_shared<std::promise<void>>();
    auto worker_blocked = started->get_future();
    hold = sys->spawn(blocker, 0);
    caf::anon_send(hold, block_atom::value, started, release.get_future().share());
    ASSERT_EQ(worker_blocked.wait_for(deadline), std::future_status::ready);
  }

  ~post_publish_thread() override {
    if (hold) caf::anon_send_exit(hold, caf::exit_reason::user_shutdown);
  }
};

/// post_publish from a thread that has not posted for a while runs the publishing client on that thread:
/// with the only scheduler worker blocked, the message still goes out (and, delivered on the subscriber's I/O
/// thread, reaches its callback). A post in a burst waits for the worker, and arrives after it, in order.
TEST_F(post_publish_thread, a_quiet_post_runs_on_the_caller_while_the_workers_are_busy) {
  connect_pair("quiet");
  block_the_worker();
  // Quiet: this thread has not posted for far longer than post_inline_after.
  post_publish(publisher, message("quiet/n", "0", proto::qos::at_most_once));
  bool arrived = received.wait_count(1);
  // In a burst (right after the first): it waits in the mailbox for the worker.
  post_publish(publisher, message("quiet/n", "1", proto::qos::at_most_once));
  release.set_value();
  ASSERT_TRUE(arrived) << "the quiet post waited for the blocked worker";
  ASSERT_TRUE(received.wait_count(2));
  EXPECT_EQ(payloads_of(received.items()), numbered(2));
}

/// A thread that posts faster than its client takes the posts waits once it has its backlog limit out, until
/// the client has taken half: with the only worker blocked, four posts stay in the client's mailbox, the
/// fifth waits until the worker runs again, and every message arrives, in order.
TEST_F(post_publish_thread, a_thread_with_its_backlog_limit_out_waits_for_the_client) {
  // Not on the I/O thread: a turn of the publisher there (the end of its connect, slower under ASan) would
  // take the posts from its mailbox while the worker is held.
  connect_pair("backlog", false);
  block_the_worker();
  // Scheduled for the blocked worker: every post after it waits in the mailbox too, quiet or not.
  caf::anon_send(publisher, post_atom::value, message("backlog/n", "0", proto::qos::at_most_once));
  std::promise<std::size_t> before_fifth;
  std::promise<std::size_t> after_fifth;
  auto before = before_fifth.get_future();
  auto after = after_fifth.get_future();
  std::thread poster([&] {
    set_post_backlog_limit(4);
    for (int i = 1; i <= 4; ++i)
      post_publish(publisher, message("backlog/n", std::to_string(i), proto::qos::at_most_once));
    before_fifth.set_value(post_backlog());
    post_publish(publisher, message("backlog/n", "5", proto::qos::at_most_once));
    after_fifth.set_value(post_backlog());
  });
  ASSERT_EQ(before.wait_for(deadline), std::future_status::ready);
  EXPECT_EQ(before.get(), 4u);
  // A negative check: the fifth post must still be waiting while the worker is held.
  EXPECT_EQ(after.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  release.set_value();
  ASSERT_EQ(after.wait_for(deadline), std::future_status::ready);
  EXPECT_LE(after.get(), 3u) << "it went on before the client took half of the backlog";
  poster.join();
  ASSERT_TRUE(received.wait_count(6));
  EXPECT_EQ(payloads_of(received.items()), numbered(6));
}

/// A post to a client that has ended is dropped with its mailbox: it counts in no backlog (a thread posting
/// to a dead client would otherwise wait for ever once it reached its limit).
TEST_F(post_publish_thread, a_post_to_an_ended_client_counts_in_no_backlog) {
  publisher = connected(config_for(broker, "ended-pub"), new_events());
  {
    caf::scoped_actor self{*sys};
    self->monitor(publisher);
    caf::anon_send_exit(publisher, caf::exit_reason::user_shutdown);
    bool down = false;
    self->receive([&](const caf::down_msg&) { down = true; }, caf::after(deadline) >> [] {});
    ASSERT_TRUE(down);
  }
  set_post_backlog_limit(2);
  for (int i = 0; i < 5; ++i)  // would wait for ever at the third if the dropped posts still counted
    post_publish(publisher, message("ended/n", std::to_string(i), proto::qos::at_most_once));
  EXPECT_EQ(post_backlog(), 0u);
  set_post_backlog_limit(default_post_backlog_limit);
}
