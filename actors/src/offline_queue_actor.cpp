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
    auto batch = take_batch(std::min(admission_batch, st.queue->size()));
    st.queue->take(st.quota, admission_batch, batch);
    if (batch.empty()) return give_back_batch(std::move(batch));  // waiting for quota
    self->send(session, submit_atom::value, std::move(batch));
  }
}

/// Sends `ops` to the session in messages of at most admission_batch operations.
void hand_on(queue_pointer self, const session_actor& session, operation_batch&& ops) {
  if (ops.empty()) return;
  std::size_t first = 0;
  while (ops.size() - first > admission_batch) {
    operation_batch part(
        std::make_move_iterator(ops.begin() + static_cast<std::ptrdiff_t>(first)),
        std::make_move_iterator(ops.begin() + static_cast<std::ptrdiff_t>(first + admission_batch)));
    self->send(session, submit_atom::value, std::move(part));
    first += admission_batch;
  }
  if (first != 0) ops.erase(ops.begin(), ops.begin() + static_cast<std::ptrdiff_t>(first));
  self->send(session, submit_atom::value, std::move(ops));
}

offline_queue_actor::behavior_type queue_fn(queue_pointer self, offline_queue_options options,
                                            protocol::protocol_version version, session_actor session,
                                            client_actor client) {
  self->state.queue.emplace(options, version);
  return {
      [self, session, client](submit_atom, operation_batch& ops) {
        auto& st = self->state;
        result_batch refused;
        // Online with nothing queued, the operations that can go at once go straight on to the session in the
        // vector they came in (no second one, and no move: a burst crosses in one buffer per batch); they are
        // first in line, since everything after one that had to wait waits behind it.
        std::size_t ready = 0;
        for (std::size_t i = 0; i < ops.size(); ++i) {
          auto& op = ops[i];
          bool taken = false;
          auto r = st.online ? st.queue->submit_ready(op, st.quota, taken)
                             : st.queue->submit(std::move(op), false);
          if (r) refused.push_back(std::move(*r));
          if (!taken) continue;
          if (i != ready) ops[ready] = std::move(op);
          ++ready;
        }
        ops.erase(ops.begin() + static_cast<std::ptrdiff_t>(ready), ops.end());
        hand_on(self, session, std::move(ops));
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
