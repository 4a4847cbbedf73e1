// A device behaviour written as a CAF actor owns a client and composes with it: it is the client's lifecycle
// listener and the handler of its subscription, and answers each command with a reply publish.
#include "client_fixture.hpp"

using namespace iotactor;
using namespace iotactor::integration;
using namespace std::chrono_literals;
namespace proto = iotactor::protocol;

namespace {

/// The behaviour: subscribes to cmd/<id> once connected, answers "ping" with "pong" on reply/<id>.
using device_actor = lifecycle_listener_actor::extend_with<message_handler_actor>::extend<
    caf::reacts_to<done_atom, result_batch>>;

struct device_state {
  client_actor client;
  std::string id;
  static inline const char* name = "test.device";
};

device_actor::behavior_type device(device_actor::stateful_pointer<device_state> self, client_config config,
                                   std::string id) {
  self->state.id = id;
  auto spawned = spawn_client(self->system(), std::move(config));
  if (spawned) {
    self->state.client = *spawned;
    auto me = caf::actor_cast<device_actor>(self);
    self->send(self->state.client, listen_atom::value, caf::actor_cast<lifecycle_listener_actor>(me));
    self->send(self->state.client, start_atom::value);
    self->attach_functor([client = self->state.client](const caf::error&) {
      caf::anon_send_exit(client, caf::exit_reason::user_shutdown);
    });
  } else {
    self->quit(spawned.error());
  }
  return {
      [self](event_atom, const lifecycle_event& e) {
        if (e.type != lifecycle_event_type::connection_success) return;
        proto::subscribe s;
        s.subscriptions.push_back({"cmd/" + self->state.id, proto::qos::at_least_once, false, false, {}});
        message_handler h;
        h.actor = caf::actor_cast<message_handler_actor>(self);
        self->send(self->state.client, subscribe_atom::value, std::move(s), std::move(h),
                   completion_callback([](operation_result&&) {}));
      },
      [self](message_atom, const proto::publish& command) {
        if (command.payload.as_string_view() != "ping") return;
        proto::publish reply;
        reply.topic = "reply/" + self->state.id;
        reply.qos = proto::qos::at_least_once;
        reply.payload = proto::shared_bytes("pong");
        self->send(self->state.client, post_atom::value, std::move(reply));
      },
      [](done_atom, const result_batch&) {},
  };
}

}  // namespace

TEST_F(client_fixture, a_behaviour_actor_owns_a_client_listens_to_it_and_handles_its_messages) {
  iotactor::testing::mosquitto_broker broker;
  auto device_handle = sys->spawn(device, config_for(broker, "device-7"), std::string("7"));
  auto& events = new_events();
  auto tester = connected(config_for(broker, "tester-7"), events);
  auto& replies = new_messages();
  ASSERT_TRUE(subscribe(tester, "reply/7", proto::qos::at_least_once, replies).ok());
  // The device subscribes once its own connection succeeds: send commands until one is answered.
  auto end = std::chrono::steady_clock::now() + deadline;
  while (replies.size() == 0 && std::chrono::steady_clock::now() < end) {
    ASSERT_TRUE(request(tester, message("cmd/7", "ping", proto::qos::at_least_once)).ok());
    replies.wait_count(1, 50ms);
  }
  ASSERT_GE(replies.size(), 1U);
  EXPECT_EQ(replies.items()[0].payload.as_string_view(), "pong");
  EXPECT_EQ(replies.items()[0].topic, "reply/7");
  caf::anon_send_exit(device_handle, caf::exit_reason::user_shutdown);
}
