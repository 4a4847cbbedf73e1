// inline_unit: actors made ready through it run on the thread that calls run(), in the order they became
// ready; past its budget, and for what is left when it is destroyed, jobs go to the scheduler.
#include "iotactor/actors/inline_unit.hpp"

#include <chrono>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include <caf/all.hpp>
#include <caf/logger.hpp>
#include <gtest/gtest.h>

#include "iotactor/actors/client.hpp"

namespace {

using namespace std::chrono_literals;

struct record {
  std::mutex mutex;
  std::vector<std::pair<int, std::thread::id>> seen;  // value and the thread that handled it
  std::size_t expected = 0;
  std::promise<void> all;

  void add(int value) {
    std::lock_guard<std::mutex> guard(mutex);
    seen.emplace_back(value, std::this_thread::get_id());
    if (seen.size() == expected) all.set_value();
  }
  std::vector<std::pair<int, std::thread::id>> items() {
    std::lock_guard<std::mutex> guard(mutex);
    return seen;
  }
};

/// Records what it gets.
caf::behavior sink(caf::event_based_actor*, record* r) {
  return {[r](int value) { r->add(value); }};
}

/// Records what it gets, then passes it on plus 100.
caf::behavior relay(caf::event_based_actor* self, record* r, caf::actor next) {
  return {[self, r, next](int value) {
    r->add(value);
    self->send(next, value + 100);
  }};
}

caf::actor_system_config& affine(caf::actor_system_config& cfg) {
  iotactor::configure_scheduler(cfg);
  return cfg;
}

/// Records what it gets, then ends.
caf::behavior quitter(caf::event_based_actor* self, record* r) {
  return {[self, r](int value) {
    r->add(value);
    self->quit();
  }};
}

/// Spawns a sink for each value and passes the value on to it.
caf::behavior spawner(caf::event_based_actor* self, record* r) {
  return {[self, r](int value) { self->send(self->spawn(sink, r), value); }};
}

/// Records whether the thread it runs on is inside an inline_unit's run().
caf::behavior probe(caf::event_based_actor*, std::vector<bool>* seen) {
  return {[seen](int) { seen->push_back(iotactor::inline_unit::running_here()); }};
}

struct inline_unit_test : ::testing::Test {
  caf::actor_system_config cfg;
  record first;  // outlive the system, whose destructor waits for the actors that write into them
  record second;
  caf::actor_system sys{affine(cfg)};

  /// Lazily started, so that no worker holds them when the test enqueues: the first message makes each
  /// ready, through whatever context the sender runs in.
  caf::actor chain() {
    auto tail = sys.spawn<caf::lazy_init>(sink, &second);
    return sys.spawn<caf::lazy_init>(relay, &first, tail);
  }

  /// The record holds just `value`, handled on a thread other than the test's (a worker).
  static void expect_one_from_another_thread(record& r, int value) {
    auto items = r.items();
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].first, value);
    EXPECT_NE(items[0].second, std::this_thread::get_id());
  }

  static void enqueue(const caf::actor& dest, int value, iotactor::inline_unit& unit) {
    caf::actor_cast<caf::abstract_actor*>(dest)->enqueue(nullptr, caf::make_message_id(),
                                                         caf::make_message(value), &unit);
  }
};

TEST_F(inline_unit_test, runs_the_actor_and_what_it_makes_ready_on_the_calling_thread) {
  auto head = chain();
  iotactor::inline_unit unit(sys);
  enqueue(head, 1, unit);
  EXPECT_EQ(unit.pending(), 1u);
  unit.run();
  // Done by the time run() returns: nothing waited for a worker.
  auto here = std::this_thread::get_id();
  EXPECT_EQ(first.items(), (std::vector<std::pair<int, std::thread::id>>{{1, here}}));
  EXPECT_EQ(second.items(), (std::vector<std::pair<int, std::thread::id>>{{101, here}}));
  EXPECT_EQ(unit.resumed(), 2u);
  EXPECT_EQ(unit.handed_off(), 0u);
  EXPECT_EQ(unit.pending(), 0u);
}

TEST_F(inline_unit_test, an_actor_with_more_messages_than_one_turn_runs_them_all_in_order) {
  auto tail = sys.spawn<caf::lazy_init>(sink, &second);
  iotactor::inline_unit unit(sys, iotactor::inline_unit::default_max_jobs, 1);  // one message per turn
  for (int i = 1; i <= 3; ++i) enqueue(tail, i, unit);
  EXPECT_EQ(unit.pending(), 1u);  // one job: the actor became ready once
  unit.run();
  auto here = std::this_thread::get_id();
  EXPECT_EQ(second.items(), (std::vector<std::pair<int, std::thread::id>>{{1, here}, {2, here}, {3, here}}));
  EXPECT_GE(unit.resumed(), 3u);
  EXPECT_EQ(unit.handed_off(), 0u);
}

TEST_F(inline_unit_test, past_its_budget_the_rest_runs_on_a_worker) {
  second.expected = 1;
  auto done = second.all.get_future();
  auto head = chain();
  iotactor::inline_unit unit(sys, 1);  // one resume
  enqueue(head, 7, unit);
  unit.run();
  EXPECT_EQ(unit.resumed(), 1u);
  EXPECT_EQ(unit.handed_off(), 1u);
  EXPECT_EQ(unit.pending(), 0u);
  ASSERT_EQ(done.wait_for(10s), std::future_status::ready);
  expect_one_from_another_thread(second, 107);
  EXPECT_EQ(first.items().at(0).second, std::this_thread::get_id());
}

TEST_F(inline_unit_test, jobs_left_when_it_is_destroyed_go_to_the_scheduler) {
  first.expected = 1;
  auto done = first.all.get_future();
  auto head = chain();
  {
    iotactor::inline_unit unit(sys);
    enqueue(head, 3, unit);
    EXPECT_EQ(unit.pending(), 1u);
  }
  ASSERT_EQ(done.wait_for(10s), std::future_status::ready);
  expect_one_from_another_thread(first, 3);
}

TEST_F(inline_unit_test, an_actor_that_ends_in_its_turn_ends_there) {
  auto one = sys.spawn<caf::lazy_init>(quitter, &first);
  std::promise<std::thread::id> ended;
  auto ended_on = ended.get_future();
  one->attach_functor([&ended](const caf::error&) { ended.set_value(std::this_thread::get_id()); });
  {
    iotactor::inline_unit unit(sys);
    enqueue(one, 5, unit);
    unit.run();
    EXPECT_EQ(unit.resumed(), 1u);
    EXPECT_EQ(unit.handed_off(), 0u);
  }
  // Its cleanup ran in run(): nothing was left for a worker.
  ASSERT_EQ(ended_on.wait_for(0s), std::future_status::ready);
  EXPECT_EQ(ended_on.get(), std::this_thread::get_id());
  EXPECT_EQ(first.items(), (std::vector<std::pair<int, std::thread::id>>{{5, std::this_thread::get_id()}}));
}

TEST_F(inline_unit_test, an_actor_of_another_system_goes_to_that_system_s_scheduler) {
  record other_record;  // outlives the other system
  other_record.expected = 1;
  auto done = other_record.all.get_future();
  caf::actor_system_config other_cfg;
  caf::actor_system other{affine(other_cfg)};
  auto tail = other.spawn<caf::lazy_init>(sink, &other_record);
  auto head = sys.spawn<caf::lazy_init>(relay, &first, tail);
  iotactor::inline_unit unit(sys);
  enqueue(head, 2, unit);
  unit.run();
  EXPECT_EQ(unit.resumed(), 1u);  // the relay only
  EXPECT_EQ(unit.handed_off(), 1u);
  ASSERT_EQ(done.wait_for(10s), std::future_status::ready);
  expect_one_from_another_thread(other_record, 102);
  caf::anon_send_exit(head, caf::exit_reason::user_shutdown);  // head holds tail, which `other` waits for
  caf::anon_send_exit(tail, caf::exit_reason::user_shutdown);
}

TEST_F(inline_unit_test, a_spawn_in_its_turn_leaves_no_logger_on_the_thread) {
  // CAF sets the spawning thread's current logger, a reference the actor system's destructor waits for: an
  // I/O thread that kept it hung the destructor for ever (seen in the router restart test).
  std::thread other([this] {
    ASSERT_EQ(caf::logger::current_logger(), nullptr);
    auto one = sys.spawn<caf::lazy_init>(spawner, &first);
    caf::logger::set_current_actor_system(nullptr);  // the spawn above set it on this thread too
    {
      iotactor::inline_unit unit(sys);
      enqueue(one, 4, unit);
      unit.run();
      EXPECT_EQ(unit.resumed(), 2u);  // the spawner, then its child
    }
    EXPECT_EQ(caf::logger::current_logger(), nullptr);
    EXPECT_EQ(first.items().size(), 1u);
  });
  other.join();
}

TEST(post_publish, an_empty_client_handle_is_refused_not_dropped) {
  iotactor::protocol::publish p;
  p.topic = "t";
  try {
    iotactor::post_publish(iotactor::client_actor{}, std::move(p));
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "post_publish: the client handle is empty");
  }
}

}  // namespace

/// post_publish must not wait inside a run (the client it waits for may be behind it): running_here() says
/// whether the thread is in one, and only while it is.
TEST_F(inline_unit_test, running_here_holds_inside_a_run_only) {
  std::vector<bool> seen;  // written on this thread only: the probe runs inline
  auto p = sys.spawn<caf::lazy_init>(probe, &seen);
  EXPECT_FALSE(iotactor::inline_unit::running_here());
  {
    iotactor::inline_unit unit(sys);
    enqueue(p, 1, unit);
    unit.run();
  }
  EXPECT_EQ(seen, std::vector<bool>{true});
  EXPECT_FALSE(iotactor::inline_unit::running_here());
  caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
}
