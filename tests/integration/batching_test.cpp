// The client gathers the operations of a burst into one submission to its queue: order, completeness and
// the order against stop() hold against a real mosquitto.
#include <string>

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

TEST_F(client_fixture, a_burst_of_fire_and_forget_publishes_arrives_complete_and_in_order) {
  mosquitto_broker broker;
  auto& events = new_events();
  auto subscriber = connected(config_for(broker, "batch-sub"), events);
  auto& received = new_messages();
  ASSERT_TRUE(subscribe(subscriber, "batch/#", proto::qos::at_least_once, received).ok());
  auto publisher = connected(config_for(broker, "batch-pub"), new_events());
  for (int i = 0; i < burst; ++i)
    caf::anon_send(publisher, post_atom::value,
                   message("batch/n", std::to_string(i), proto::qos::at_least_once));
  ASSERT_TRUE(received.wait_count(burst)) << received.size() << " of " << burst;
  EXPECT_EQ(payloads_of(received.items()), numbered(burst));
}

TEST_F(client_fixture, publishes_posted_just_before_stop_go_out_before_the_disconnect) {
  mosquitto_broker broker;
  auto& events = new_events();
  auto subscriber = connected(config_for(broker, "batch-stop-sub"), events);
  auto& received = new_messages();
  ASSERT_TRUE(subscribe(subscriber, "stop/#", proto::qos::at_most_once, received).ok());
  auto& publisher_events = new_events();
  auto publisher = connected(config_for(broker, "batch-stop-pub"), publisher_events);
  constexpr int n = 300;
  for (int i = 0; i < n; ++i)
    caf::anon_send(publisher, post_atom::value,
                   message("stop/n", std::to_string(i), proto::qos::at_most_once));
  caf::anon_send(publisher, stop_atom::value, true);  // in the client's mailbox right behind the posts
  ASSERT_TRUE(publisher_events.wait([](const auto& v) { return has(v, lifecycle_event_type::stopped); }));
  ASSERT_TRUE(received.wait_count(n)) << received.size() << " of " << n;
  EXPECT_EQ(payloads_of(received.items()), numbered(n));
}

TEST_F(client_fixture, a_posted_batch_of_publishes_arrives_complete_and_in_order) {
  mosquitto_broker broker;
  auto& events = new_events();
  auto subscriber = connected(config_for(broker, "batch-msg-sub"), events);
  auto& received = new_messages();
  ASSERT_TRUE(subscribe(subscriber, "many/#", proto::qos::at_least_once, received).ok());
  auto publisher = connected(config_for(broker, "batch-msg-pub"), new_events());
  publish_batch batch;
  for (int i = 0; i < burst; ++i)
    batch.push_back(message("many/n", std::to_string(i), proto::qos::at_least_once));
  caf::anon_send(publisher, post_atom::value, std::move(batch));  // one message for all of them
  ASSERT_TRUE(received.wait_count(burst)) << received.size() << " of " << burst;
  EXPECT_EQ(payloads_of(received.items()), numbered(burst));
}
