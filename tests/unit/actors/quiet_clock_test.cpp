// quiet_clock: the actor clock configure_scheduler installs. Timers behave as with CAF's clock; a deadline
// after the one the dispatch thread sleeps until does not wake it; cancelled timers leave nothing behind.
#include <chrono>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include "iotactor/actors/affine_scheduler.hpp"
#include "iotactor/actors/client.hpp"

namespace {

using namespace std::chrono_literals;

using tick_atom = caf::atom_constant<caf::atom("tick")>;
using ask_atom = caf::atom_constant<caf::atom("ask")>;

caf::actor_system_config& affine(caf::actor_system_config& cfg) {
  iotactor::configure_scheduler(cfg);
  return cfg;
}

constexpr std::chrono::seconds hour{3600};

struct affine_system {
  caf::actor_system_config cfg;
  caf::actor_system sys{affine(cfg)};
  iotactor::quiet_clock& clock() { return dynamic_cast<iotactor::quiet_clock&>(sys.clock()); }
};

struct received {
  std::mutex mutex;
  std::vector<int> values;
  std::size_t expected = 0;
  std::promise<void> all;
};

/// Records the ints it gets; fulfils `all` once it has `expected` of them.
caf::behavior collector(caf::event_based_actor*, received* r) {
  return {[r](int value) {
    std::lock_guard<std::mutex> guard(r->mutex);
    r->values.push_back(value);
    if (r->values.size() == r->expected) r->all.set_value();
  }};
}

/// Never answers, so that a request to it stays open until its timeout.
caf::behavior silent(caf::event_based_actor*, int) {
  return {[](ask_atom) -> caf::result<int> { return caf::delegated<int>{}; }};
}

caf::behavior echo(caf::event_based_actor*, int) {
  return {[](ask_atom, int x) { return x; }};
}

}  // namespace

TEST(quiet_clock, is_the_clock_of_the_affine_scheduler) {
  affine_system s;
  EXPECT_NE(dynamic_cast<iotactor::quiet_clock*>(&s.sys.clock()), nullptr);
}

TEST(quiet_clock, delivers_delayed_messages_in_deadline_order) {
  affine_system s;
  received r;
  r.expected = 3;
  auto sink = s.sys.spawn(collector, &r);
  caf::delayed_anon_send(sink, 60ms, 3);
  caf::delayed_anon_send(sink, 20ms, 1);
  caf::delayed_anon_send(sink, 40ms, 2);
  ASSERT_EQ(r.all.get_future().wait_for(10s), std::future_status::ready);
  std::lock_guard<std::mutex> guard(r.mutex);
  EXPECT_EQ(r.values, (std::vector<int>{1, 2, 3}));
  caf::anon_send_exit(sink, caf::exit_reason::user_shutdown);
}

TEST(quiet_clock, a_later_deadline_does_not_wake_the_dispatch_thread) {
  affine_system s;
  received r;
  r.expected = 1;
  auto sink = s.sys.spawn(collector, &r);
  auto& clock = s.clock();
  caf::delayed_anon_send(sink, hour, 100);
  // The thread now sleeps until that hour (or is still awake, and will): later deadlines need no wake.
  auto before = clock.wakeups();
  caf::delayed_anon_send(sink, 2 * hour, 200);
  caf::delayed_anon_send(sink, 3 * hour, 300);
  EXPECT_EQ(clock.wakeups(), before);
  EXPECT_EQ(clock.pending(), 3U);
  // An earlier one is delivered on time, ahead of the three.
  caf::delayed_anon_send(sink, 1ms, 7);
  ASSERT_EQ(r.all.get_future().wait_for(10s), std::future_status::ready);
  {
    std::lock_guard<std::mutex> guard(r.mutex);
    EXPECT_EQ(r.values, (std::vector<int>{7}));
  }
  EXPECT_EQ(clock.pending(), 3U);
  caf::anon_send_exit(sink, caf::exit_reason::user_shutdown);
}

TEST(quiet_clock, cancels_and_replaces_timeouts_as_caf_s_clock_does) {
  affine_system s;
  auto& clock = s.clock();
  auto a = s.sys.spawn(echo, 0);
  auto b = s.sys.spawn(echo, 0);
  auto* pa = caf::actor_cast<caf::abstract_actor*>(a);
  auto* pb = caf::actor_cast<caf::abstract_actor*>(b);
  auto later = clock.now() + hour;
  auto first = caf::make_message_id(1).response_id();
  auto second = caf::make_message_id(2).response_id();
  clock.set_request_timeout(later, pa, first);
  clock.set_request_timeout(later, pa, second);
  clock.set_request_timeout(later, pb, first);
  EXPECT_EQ(clock.pending(), 3U);
  clock.cancel_request_timeout(pa, first);  // only a's
  EXPECT_EQ(clock.pending(), 2U);
  // One ordinary timeout per type and actor: setting it again replaces it.
  clock.set_ordinary_timeout(later, pa, tick_atom::value, 1);
  clock.set_ordinary_timeout(later + hour, pa, tick_atom::value, 2);
  EXPECT_EQ(clock.pending(), 3U);
  clock.cancel_ordinary_timeout(pa, ask_atom::value);  // another type: nothing
  EXPECT_EQ(clock.pending(), 3U);
  clock.cancel_ordinary_timeout(pa, tick_atom::value);
  EXPECT_EQ(clock.pending(), 2U);
  clock.set_multi_timeout(later, pa, tick_atom::value, 3);
  clock.cancel_timeouts(pa);  // everything of a's, nothing of b's
  EXPECT_EQ(clock.pending(), 1U);
  clock.cancel_all();
  EXPECT_EQ(clock.pending(), 0U);
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
}

TEST(quiet_clock, a_request_times_out_with_request_timeout) {
  affine_system s;
  auto mute = s.sys.spawn(silent, 0);
  caf::scoped_actor self{s.sys};
  caf::error failure;
  self->request(mute, 20ms, ask_atom::value)
      .receive([&](int) { FAIL() << "the silent actor answered"; }, [&](caf::error& err) { failure = err; });
  EXPECT_EQ(failure, caf::sec::request_timeout);
  EXPECT_EQ(s.clock().pending(), 0U);  // delivered, so gone
  caf::anon_send_exit(mute, caf::exit_reason::user_shutdown);
}

TEST(quiet_clock, an_actor_that_ends_takes_its_timeouts_with_it) {
  affine_system s;
  auto mute = s.sys.spawn(silent, 0);
  // Asks the silent actor with an hour's timeout, then quits: its cleanup cancels the timeout, whose entry
  // holds the last reference to it.
  auto asker = s.sys.spawn(
      [mute](caf::event_based_actor* self, int) -> caf::behavior {
        self->request(mute, hour, ask_atom::value).then([](int) {});
        return {[](ask_atom) { return 1; }, [self](tick_atom) { self->quit(); }};
      },
      0);
  caf::scoped_actor self{s.sys};
  self->monitor(asker);
  // Answered once it has asked (its first message comes after its start); this request's own timeout is
  // cancelled by the answer.
  self->request(asker, 10s, ask_atom::value)
      .receive([](int) {}, [&](caf::error& err) { FAIL() << s.sys.render(err); });
  // Its request and the one just answered (a blocking actor leaves that timeout to expire).
  auto before = s.clock().pending();
  EXPECT_EQ(before, 2U);
  self->send(asker, tick_atom::value);
  asker = nullptr;
  bool down = false;
  self->receive([&](caf::down_msg&) { down = true; }, caf::after(10s) >> [] {});
  ASSERT_TRUE(down);
  // CAF sends the down message first and cancels the timeouts after it, on the asker's worker: wait for
  // that (bounded), then the count must be exact.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (s.clock().pending() != before - 1 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  EXPECT_EQ(s.clock().pending(), before - 1);
  caf::anon_send_exit(mute, caf::exit_reason::user_shutdown);
}

TEST(quiet_clock, fires_a_receive_timeout) {
  affine_system s;
  std::promise<void> fired;
  auto idle = s.sys.spawn(
      [&fired](caf::event_based_actor* self, int) -> caf::behavior {
        return {[](int) {}, caf::after(10ms) >>
                                [self, &fired] {
                                  fired.set_value();
                                  self->quit();
                                }};
      },
      0);
  EXPECT_EQ(fired.get_future().wait_for(10s), std::future_status::ready);
  idle = nullptr;
}
