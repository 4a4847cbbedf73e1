// offline queue actor: holds operations until the session can take them, and applies the offline queue
// behaviour when the connection drops.
#include "iotactor/actors/stages.hpp"

namespace iotactor {

namespace {

/// Operations handed to the session in one message at most; keeps messages short and the session fair.
constexpr std::size_t admission_batch = 256;

struct queue_actor_state {
  std::optional<offline_queue_state> queue;
  bool online = false;
  std::uint32_t quota = 0;
  static inline const char* name = "iotactor.offline_queue";
};

using queue_pointer = offline_queue_actor::stateful_pointer<queue_actor_state>;

void pump(queue_pointer self, const session_actor& session) {
  auto& st = self->state;
  while (st.online && !st.queue->empty()) {
    operation_batch batch;
    st.queue->take(st.quota, admission_batch, batch);
    if (batch.empty()) return;  // waiting for quota
    self->send(session, submit_atom::value, std::move(batch));
  }
}

offline_queue_actor::behavior_type queue_fn(queue_pointer self, offline_queue_options options,
                                            protocol::protocol_version version, session_actor session,
                                            client_actor client) {
  self->state.queue.emplace(options, version);
  return {
      [self, session, client](submit_atom, operation_batch& ops) {
        auto& st = self->state;
        result_batch refused;
        // Online with nothing queued, operations go straight on to the session in batches of their own.
        operation_batch ready;
        auto reserve = [&] {  // only when they can: with operations queued, these queue up behind them
          if (st.online && st.queue->empty()) ready.reserve(std::min(ops.size(), admission_batch));
        };
        reserve();
        for (auto& op : ops) {
          auto r = st.online ? st.queue->submit_ready(std::move(op), st.quota, ready)
                             : st.queue->submit(std::move(op), false);
          if (r) refused.push_back(std::move(*r));
          if (ready.size() >= admission_batch) {
            self->send(session, submit_atom::value, std::move(ready));
            ready = operation_batch{};
            reserve();
          }
        }
        if (!ready.empty()) self->send(session, submit_atom::value, std::move(ready));
        if (!refused.empty()) self->send(client, done_atom::value, std::move(refused));
        pump(self, session);  // what had to wait in the queue, behind the above
      },
      [self, session](online_atom, std::uint32_t quota) {
        self->state.online = true;
        self->state.quota = quota;
        pump(self, session);
      },
      [self, client](offline_atom) {
        auto& st = self->state;
        st.online = false;
        st.quota = 0;
        result_batch failed;
        st.queue->on_disconnect(failed);
        if (!failed.empty()) self->send(client, done_atom::value, std::move(failed));
      },
      [self, session](requeue_atom, operation_batch& ops) {
        self->state.queue->requeue(std::move(ops));
        if (self->state.online) self->state.quota = 0;  // the session refused for lack of quota
      },
      [self, client](return_atom, operation_batch& ops) {
        result_batch failed;
        self->state.queue->take_back(std::move(ops), failed);
        if (!failed.empty()) self->send(client, done_atom::value, std::move(failed));
      },
      [self, session](credit_atom, std::uint32_t n) {
        self->state.quota += n;
        pump(self, session);
      },
      [self, session, client](stop_atom, bool send_disconnect) {
        auto& st = self->state;
        pump(self, session);  // what the session can take now goes out before its DISCONNECT
        self->send(session, stop_atom::value, send_disconnect);
        st.online = false;
        result_batch failed;
        st.queue->clear(failed);
        if (!failed.empty()) self->send(client, done_atom::value, std::move(failed));
      },
      [self](stats_atom) -> caf::result<std::size_t, std::size_t> {
        return {self->state.queue->size(), self->state.queue->bytes()};
      },
  };
}

}  // namespace

offline_queue_actor spawn_offline_queue(caf::actor_system& sys, offline_queue_options options,
                                        protocol::protocol_version version, session_actor session,
                                        client_actor client) {
  // Initialised by its first message, on the thread that delivers it: the client spawns the queue with its
  // first operation, which may run on a user's thread (post_publish) while every worker is busy.
  return sys.spawn<caf::lazy_init>(queue_fn, options, version, std::move(session), std::move(client));
}

}  // namespace iotactor
