// The client supervises its stages: a stage that fails is restarted and reported, never left dead.
#include "client_fixture.hpp"

using namespace iotactor;
using namespace iotactor::integration;
using namespace std::chrono_literals;
namespace proto = iotactor::protocol;

namespace {

struct stage_handles {
  caf::actor session;
  caf::actor queue;
  caf::actor router;
};

stage_handles stages_of(caf::actor_system& sys, const client_actor& client) {
  caf::scoped_actor self{sys};
  stage_handles out;
  self->request(client, deadline, stages_atom::value)
      .receive(
          [&](caf::actor& s, caf::actor& q, caf::actor& r) {
            out = {s, q, r};
          },
          [&](caf::error& err) { ADD_FAILURE() << sys.render(err); });
  return out;
}

/// Asks until the answer is yes or the deadline passes; each try is a request round trip, not a sleep.
template <class F>
bool eventually(F f) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end)
    if (f()) return true;
  return false;
}

/// The client reconnected after a stage failed: one disconnection with stage_failed naming the stage.
void expect_reconnect_after_stage_failure(event_log& events, const std::string& what) {
  ASSERT_TRUE(events.wait([](const auto& v) { return has(v, lifecycle_event_type::connection_success, 2); }));
  auto all = events.items();
  auto it = std::find_if(all.begin(), all.end(),
                         [](const auto& e) { return e.type == lifecycle_event_type::disconnection; });
  ASSERT_NE(it, all.end());
  EXPECT_EQ(it->error, errc::stage_failed);
  EXPECT_NE(it->message.find(what), std::string::npos) << it->message;
}

}  // namespace

TEST_F(client_fixture, a_failed_router_is_restarted_with_its_routes_and_the_connection_stays) {
  iotactor::testing::mosquitto_broker broker;
  auto& events = new_events();
  auto client = connected(config_for(broker, "sup-router"), events);
  auto& received = new_messages();
  ASSERT_TRUE(subscribe(client, "sup/#", proto::qos::at_least_once, received).ok());
  auto before = stages_of(*sys, client);
  caf::anon_send_exit(before.router, caf::exit_reason::kill);  // the router dies with an error
  ASSERT_TRUE(eventually([&] { return stats(client).stage_restarts == 1; }));
  auto after = stages_of(*sys, client);
  EXPECT_NE(after.router, before.router);
  EXPECT_EQ(after.session, before.session);
  ASSERT_TRUE(request(client, message("sup/1", "after restart", proto::qos::at_least_once)).ok());
  ASSERT_TRUE(received.wait_count(1));
  EXPECT_EQ(received.items()[0].payload.as_string_view(), "after restart");
  EXPECT_EQ(count(events.items(), lifecycle_event_type::disconnection), 0U);
}

TEST_F(client_fixture, a_failed_session_fails_its_operations_reports_and_reconnects) {
  iotactor::testing::mosquitto_broker broker;
  auto& events = new_events();
  auto client = connected(config_for(broker, "sup-session"), events);
  auto before = stages_of(*sys, client);
  caf::anon_send_exit(before.session, caf::exit_reason::kill);
  expect_reconnect_after_stage_failure(events, "session stage failed");
  auto after = stages_of(*sys, client);
  EXPECT_NE(after.session, before.session);
  EXPECT_NE(after.queue, before.queue);
  EXPECT_EQ(stats(client).stage_restarts, 1U);
  // The new pipeline works end to end.
  auto& received = new_messages();
  ASSERT_TRUE(subscribe(client, "sup2/#", proto::qos::at_least_once, received).ok());
  ASSERT_TRUE(request(client, message("sup2/x", "again", proto::qos::at_least_once)).ok());
  ASSERT_TRUE(received.wait_count(1));
}

TEST_F(client_fixture, a_failed_queue_restarts_with_the_session_and_the_next_operation_starts_a_new_one) {
  iotactor::testing::mosquitto_broker broker;
  auto& events = new_events();
  auto client = connected(config_for(broker, "sup-queue"), events);
  ASSERT_TRUE(request(client, message("supq/0", "before", proto::qos::at_least_once)).ok());
  auto before = stages_of(*sys, client);
  caf::anon_send_exit(before.queue, caf::exit_reason::kill);
  expect_reconnect_after_stage_failure(events, "offline queue stage failed");
  EXPECT_EQ(stats(client).stage_restarts, 1U);
  // The restarted session has no queue until an operation needs one; that one starts online.
  auto& received = new_messages();
  ASSERT_TRUE(subscribe(client, "supq/#", proto::qos::at_least_once, received).ok());
  ASSERT_TRUE(request(client, message("supq/1", "after", proto::qos::at_least_once)).ok());
  ASSERT_TRUE(received.wait_count(1));
  EXPECT_EQ(received.items()[0].payload.as_string_view(), "after");
  auto after = stages_of(*sys, client);
  EXPECT_NE(after.queue, before.queue);
  EXPECT_NE(after.session, before.session);
}
