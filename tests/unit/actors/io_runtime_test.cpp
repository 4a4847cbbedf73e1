// io_runtime: the bound on concurrent connection attempts.
#include "iotactor/actors/io_runtime.hpp"

#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

using iotactor::io_runtime;

TEST(io_runtime, bounds_connects_to_64_by_default) {
  io_runtime runtime;
  EXPECT_EQ(runtime.max_concurrent_connects(), 64U);
  EXPECT_EQ(runtime.threads(), 1U);
}

TEST(io_runtime, begin_connect_starts_at_most_the_limit_and_hands_slots_on_in_order) {
  io_runtime runtime(1, 2);
  std::vector<int> started;
  for (int i = 0; i < 5; ++i) runtime.begin_connect([&started, i] { started.push_back(i); });
  EXPECT_EQ(started, (std::vector<int>{0, 1}));
  runtime.end_connect();
  EXPECT_EQ(started, (std::vector<int>{0, 1, 2}));
  runtime.end_connect();
  runtime.end_connect();
  EXPECT_EQ(started, (std::vector<int>{0, 1, 2, 3, 4}));
  // Two still in progress: a sixth waits for one of them.
  runtime.begin_connect([&started] { started.push_back(5); });
  EXPECT_EQ(started.size(), 5U);
  runtime.end_connect();
  EXPECT_EQ(started.back(), 5);
  // Both end (an end_connect with none in progress changes nothing): two start at once again.
  runtime.end_connect();
  runtime.end_connect();
  runtime.end_connect();
  runtime.begin_connect([&started] { started.push_back(6); });
  runtime.begin_connect([&started] { started.push_back(7); });
  EXPECT_EQ(started, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST(io_runtime, a_limit_of_zero_is_taken_as_one) {
  io_runtime runtime(1, 0);
  EXPECT_EQ(runtime.max_concurrent_connects(), 1U);
  int started = 0;
  runtime.begin_connect([&] { ++started; });
  runtime.begin_connect([&] { ++started; });
  EXPECT_EQ(started, 1);
  runtime.end_connect();
  EXPECT_EQ(started, 2);
}

TEST(io_runtime, shared_object_is_made_once_per_key_while_held_and_failures_are_not_kept) {
  io_runtime runtime;
  int made = 0;
  auto make = [&made]() -> std::shared_ptr<void> {
    ++made;
    return std::make_shared<int>(made);
  };
  auto a = runtime.shared_object("ctx", make);
  auto b = runtime.shared_object("ctx", make);
  EXPECT_EQ(a, b);
  EXPECT_EQ(made, 1);
  auto other = runtime.shared_object("other", make);
  EXPECT_NE(other, a);
  EXPECT_EQ(made, 2);
  a.reset();
  b.reset();
  auto again = runtime.shared_object("ctx", make);  // nobody held it: made anew
  EXPECT_EQ(*std::static_pointer_cast<int>(again), 3);
  auto failing = [] { return std::shared_ptr<void>(); };
  EXPECT_EQ(runtime.shared_object("bad", failing), nullptr);
  EXPECT_EQ(runtime.shared_object("bad", make) != nullptr, true);  // the failure was not remembered
  EXPECT_EQ(made, 4);
}

TEST(io_runtime, the_last_reference_can_go_on_its_own_thread) {
  // A client that ends on the I/O thread (its actors run there) may hold the last reference: the runtime
  // cannot join that thread from itself, and must not destroy the io_context that thread is still in.
  auto io = std::make_shared<iotactor::io_runtime>(2);
  std::promise<void> caller_released;
  std::promise<long> released;  // the references left just before the handler let go of its own
  auto caller_done = caller_released.get_future().share();
  auto result = released.get_future();
  boost::asio::post(io->context(), [keep = io, caller_done, &released]() mutable {
    caller_done.wait();  // the handler's reference is the last one
    auto left = keep.use_count();
    keep.reset();  // the destructor runs here, on a thread of the runtime
    released.set_value(left);
  });
  io.reset();
  caller_released.set_value();
  ASSERT_EQ(result.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(result.get(), 1);
}

TEST(io_runtime, offload_runs_jobs_in_order_on_one_thread_of_its_own) {
  io_runtime runtime;
  std::mutex mutex;
  std::condition_variable done;
  std::vector<int> order;
  std::vector<std::thread::id> ran_on;
  for (int i = 0; i < 100; ++i)
    runtime.offload([&, i] {
      std::lock_guard<std::mutex> guard(mutex);
      order.push_back(i);
      ran_on.push_back(std::this_thread::get_id());
      if (order.size() == 100) done.notify_all();
    });
  std::unique_lock<std::mutex> lock(mutex);
  ASSERT_TRUE(done.wait_for(lock, std::chrono::seconds(10), [&] { return order.size() == 100; }));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[i], i);
  for (const auto& id : ran_on) EXPECT_EQ(id, ran_on.front());
  EXPECT_NE(ran_on.front(), std::this_thread::get_id());
  // Not an I/O thread either: what it runs must not hold up the reads.
  std::promise<std::thread::id> io_thread;
  boost::asio::post(runtime.context(), [&io_thread] { io_thread.set_value(std::this_thread::get_id()); });
  EXPECT_NE(io_thread.get_future().get(), ran_on.front());
}

TEST(io_runtime, jobs_still_queued_when_it_is_destroyed_are_dropped_not_run) {
  std::promise<void> release;
  auto released = release.get_future().share();
  std::promise<void> entered;
  auto dropped = std::make_shared<int>(0);
  std::weak_ptr<int> watch = dropped;
  bool second_ran = false;
  std::thread releaser;
  {
    io_runtime runtime;
    runtime.offload([&entered, released] {
      entered.set_value();
      released.wait();  // the second job is queued behind this one when the runtime goes
    });
    runtime.offload([&second_ran, dropped] { second_ran = dropped != nullptr; });
    dropped.reset();
    entered.get_future().wait();
    // Lets the first job return only once the destructor has begun: it stops the io_context right after it
    // marks the connector stopped. Spinning, not sleeping: the stop is not an event one can wait on.
    auto& context = runtime.context();
    releaser = std::thread([&release, &context] {
      while (!context.stopped()) std::this_thread::yield();
      release.set_value();
    });
  }  // joins the connector: the first job returns, the second is not run
  releaser.join();
  EXPECT_FALSE(second_ran);
  EXPECT_TRUE(watch.expired()) << "the dropped job still holds what it captured";
}

TEST(io_runtime, the_last_reference_can_go_on_its_connector_thread) {
  auto io = std::make_shared<iotactor::io_runtime>(1);
  std::promise<void> caller_released;
  std::promise<long> released;
  auto caller_done = caller_released.get_future().share();
  auto result = released.get_future();
  io->offload([keep = io, caller_done, &released]() mutable {
    caller_done.wait();
    auto left = keep.use_count();
    keep.reset();  // the destructor runs on the connector thread, which it cannot join
    released.set_value(left);
  });
  io.reset();
  caller_released.set_value();
  ASSERT_EQ(result.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(result.get(), 1);
}
