// mqtt5_shared_subscription: three subscribers share "$share/<group>/<topic>", one publisher sends --count
// messages; the broker deals them out among the subscribers. As the SDK v2 sample of the same name.
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <random>

#include "sample_common.hpp"

using namespace iotactor;
namespace proto = iotactor::protocol;

int main(int argc, char** argv) {
  CLI::App app{"MQTT5 shared subscription sample"};
  samples::connection_flags flags;
  samples::add_connection_flags(app, flags);
  std::string topic = "test/topic";
  std::string group = "iotactor-sample";
  std::size_t count = 10;
  app.add_option("--topic", topic, "topic to publish to")->capture_default_str();
  app.add_option("--group_identifier", group, "shared subscription group")->capture_default_str();
  app.add_option("--count", count, "messages to publish")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (flags.client_id.empty()) flags.client_id = "test-" + std::to_string(std::random_device{}() % 100000);

  std::mutex mutex;
  std::condition_variable changed;
  std::size_t received = 0;
  const char* names[] = {"Publisher", "Subscriber One", "Subscriber Two", "Subscriber Three"};
  std::vector<std::unique_ptr<client>> clients;
  for (int i = 0; i < 4; ++i) {
    auto ready = std::make_shared<std::promise<std::string>>();
    auto once = std::make_shared<std::once_flag>();
    auto builder = samples::builder_for(flags);
    builder.with_client_id(flags.client_id + (i == 0 ? "-pub" : "-sub" + std::to_string(i)))
        .with_lifecycle_callback([ready, once](const lifecycle_event& e) {
          if (e.type == lifecycle_event_type::connection_success)
            std::call_once(*once, [&] { ready->set_value(""); });
          if (e.type == lifecycle_event_type::connection_failure)
            std::call_once(*once, [&] { ready->set_value(e.message); });
        });
    clients.push_back(builder.build());
    clients.back()->start();
    auto why = ready->get_future().get();
    if (!why.empty()) {
      std::cerr << names[i] << ": connection failed: " << why << std::endl;
      return 1;
    }
    samples::say("[", names[i], "]: Lifecycle Connection Success");
  }

  const std::string shared = "$share/" + group + "/" + topic;
  for (int i = 1; i <= 3; ++i) {
    std::string name = names[i];
    auto r = clients[i]
                 ->subscribe(shared, proto::qos::at_least_once,
                             [&, name](const proto::publish& p) {
                               samples::say("[", name, "] Received a publish", "\n",
                                            "\tPublish received message on topic: ", p.topic, "\n",
                                            "\tMessage: ", p.payload.as_string_view());
                               std::lock_guard<std::mutex> guard(mutex);
                               ++received;
                               changed.notify_all();
                             })
                 .get();
    if (!r.ok() || proto::is_error(std::get<proto::suback>(r.ack).reason_codes.at(0))) {
      std::cerr << "[" << name << "]: subscribe to " << shared << " failed " << r.message << std::endl;
      return 1;
    }
    samples::say("[", name, "]: Subscribed to topic '", topic, "' in shared subscription group '", group,
                 "'.");
    samples::say("[", name, "]: Full subscribed topic is: '", shared,
                 "' with SubAck code: ", to_string(std::get<proto::suback>(r.ack).reason_codes[0]));
  }

  for (std::size_t i = 1; i <= count; ++i) {
    proto::publish p;
    p.topic = topic;
    p.qos = proto::qos::at_least_once;
    p.payload = proto::shared_bytes("Hello World! [" + std::to_string(i) + "]");
    auto r = clients[0]->publish(std::move(p)).get();
    if (!r.ok()) {
      std::cerr << "[Publisher]: publish failed: " << r.message << std::endl;
      return 1;
    }
    samples::say("[Publisher]: Sent publish and got PubAck code: ",
                 to_string(std::get<proto::puback>(r.ack).reason));
  }
  {
    std::unique_lock<std::mutex> lock(mutex);
    if (!changed.wait_for(lock, std::chrono::seconds(30), [&] { return received >= count; })) {
      std::cerr << "Received only " << received << " of " << count << " messages" << std::endl;
      return 1;
    }
  }
  samples::say("All ", received, " messages received by the group.");
  for (int i = 1; i <= 3; ++i) {
    clients[i]->unsubscribe(shared).get();
    samples::say("[", names[i], "]: Unsubscribed to topic '", topic, "' in shared subscription group '",
                 group, "'.");
  }
  for (auto& c : clients) c->stop();
  samples::say("Complete!");
  return 0;
}
