// post_publish: a fire-and-forget publish from a thread outside the actor system, run on that thread when it
// publishes rarely (see client.hpp).
#include <chrono>
#include <stdexcept>

#include "iotactor/actors/client.hpp"
#include "iotactor/actors/inline_unit.hpp"

namespace iotactor {

void post_publish(const client_actor& client, protocol::publish p) {
  using clock = std::chrono::steady_clock;
  thread_local clock::time_point last_post{};
  auto now = clock::now();
  const bool quiet = now - last_post > post_inline_after;
  last_post = now;
  // anon_send drops a message to an empty handle without a word; a publish must not vanish so.
  if (!client) throw std::invalid_argument("post_publish: the client handle is empty");
  auto* dest = caf::actor_cast<caf::abstract_actor*>(client);
  // One allocation, the values inside the mailbox element, as anon_send makes it (a caf::message would be a
  // second one).
  auto element =
      caf::make_mailbox_element(nullptr, caf::make_message_id(), {}, post_atom::value, std::move(p));
  if (!quiet) {  // in a burst: the workers batch what piles up in the client's mailbox
    dest->enqueue(std::move(element), nullptr);
    return;
  }
  inline_unit unit(dest->home_system());
  dest->enqueue(std::move(element), &unit);
  unit.run();
}

}  // namespace iotactor
