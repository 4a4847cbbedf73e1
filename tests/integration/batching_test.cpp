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
