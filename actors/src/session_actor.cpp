// session actor: maps messages onto session_state and carries out its effects; arms one timer at a time.
#include <algorithm>

#include "iotactor/actors/stages.hpp"
#include "packet_writer.hpp"

namespace iotactor {

namespace {

struct session_actor_state {
  std::optional<session_state> session;
  session_effects fx;
  codec_actor codec;         // the current connection's codec, if any
  packet_writer_ptr writer;  // and its outbound half
  offline_queue_actor queue;
  std::uint64_t timer_generation = 0;
  std::optional<time_point> timer_at;
  /// Received while there is no router: the client starts one on the first deliver_atom sent to it and
  /// attaches it here, and these go to it before anything else. One path to the router keeps the order of
  /// what was received.
  publish_batch unrouted;
  bool router_requested = false;
  static inline const char* name = "iotactor.session";
};

using session_pointer = session_actor::stateful_pointer<session_actor_state>;

void arm_timer(session_pointer self) {
  auto& st = self->state;
  auto next = st.session->next_deadline();
  // Every delayed_send wakes CAF's clock thread: re-arming on each change cost a wake per connect (CONNACK
  // deadline, then keep-alive) and one per PUBACK when ack timeouts are on.
  if (!must_arm(st.timer_at, next)) return;
  st.timer_at = next;
  ++st.timer_generation;
  if (!next) return;
  auto delay = std::max<clock_type::duration>(*next - clock_type::now(), clock_type::duration::zero());
  self->delayed_send(self, std::chrono::duration_cast<caf::timespan>(delay), timer_atom::value,
                     st.timer_generation);
}

/// Carries out what the session decided, then clears the effects for the next call.
void apply(session_pointer self, const client_actor& client, const router_actor& router) {
  auto& st = self->state;
  auto& fx = st.fx;
  if (fx.close && fx.close->disconnect_to_send && st.codec)
    fx.send.emplace_back(*fx.close->disconnect_to_send);
  if (!fx.send.empty() && st.writer) {
    if (auto err = st.writer->write(fx.send)) {
      // Every packet was validated before it got here: failing now is a bug worth surfacing, not hiding.
      self->quit(caf::make_error(caf::sec::runtime_error, *err));
      return;
    }
  }
  if (!fx.received.empty()) {
    if (router) {
      self->send(router, deliver_atom::value, std::move(fx.received));
    } else {
      for (auto& p : fx.received) st.unrouted.push_back(std::move(p));
      if (!st.router_requested) self->send(client, deliver_atom::value);  // start the router
      st.router_requested = true;
    }
  }
  if (!fx.completed.empty()) self->send(client, done_atom::value, std::move(fx.completed));
  if (st.queue) {
    if (!fx.requeue.empty()) self->send(st.queue, requeue_atom::value, std::move(fx.requeue));
    if (!fx.returned.empty()) self->send(st.queue, return_atom::value, std::move(fx.returned));
    if (fx.credit > 0) self->send(st.queue, credit_atom::value, fx.credit);
  }
  if (fx.connected) self->send(client, online_atom::value, std::move(*fx.connected));
  if (fx.close) {
    if (st.codec) self->send(st.codec, shutdown_atom::value);  // after the writes above: they are queued
    st.codec = nullptr;
    st.writer = nullptr;
    self->send(client, offline_atom::value, std::move(*fx.close));
  }
  fx.clear();
  arm_timer(self);
}

session_actor::behavior_type session_fn(session_pointer self, std::shared_ptr<const session_options> options,
                                        client_actor client, router_actor initial_router) {
  self->state.session.emplace(std::move(options));
  // The router may be restarted: handlers read the current one through this shared slot.
  auto router_slot = std::make_shared<router_actor>(std::move(initial_router));
  return {
      [self, router_slot](attach_atom, router_actor& router) {
        auto& st = self->state;
        if (!st.unrouted.empty()) self->send(router, deliver_atom::value, std::move(st.unrouted));
        st.unrouted = publish_batch{};
        st.router_requested = false;
        *router_slot = std::move(router);
      },
      [self, client, router_slot](attach_atom, codec_actor codec, packet_writer_ptr& writer) {
        auto& st = self->state;
        if (st.codec) st.session->on_connection_lost(st.fx);  // a stale connection: forget it first
        st.codec = std::move(codec);
        st.writer = std::move(writer);
        st.session->start_connection(clock_type::now(), st.fx);
        apply(self, client, *router_slot);
      },
      [self](attach_atom, offline_queue_actor queue) { self->state.queue = std::move(queue); },
      [self, client, router_slot](packets_atom, packet_batch& packets) {
        auto& st = self->state;
        if (!st.codec || self->current_sender() != st.codec.address()) return;  // from a connection gone by
        auto now = clock_type::now();
        // The PUBLISHes to deliver: the router's vector is sized once (a batch of PUBACKs reserves nothing).
        auto publishes =
            static_cast<std::size_t>(std::count_if(packets.begin(), packets.end(), [](const auto& p) {
              return std::holds_alternative<protocol::publish>(p);
            }));
        if (publishes > 1) st.fx.received.reserve(st.fx.received.size() + publishes);
        for (auto& p : packets) {
          st.session->on_packet(std::move(p), now, st.fx);
          if (st.fx.close) break;
        }
        apply(self, client, *router_slot);
      },
      [self, client, router_slot](down_atom, failure& why) {
        auto& st = self->state;
        if (!st.codec || self->current_sender() != st.codec.address()) return;
        st.codec = nullptr;
        st.writer = nullptr;
        st.session->on_connection_lost(st.fx);
        connection_close close;
        close.error = make_error_code(why.code);
        close.message = std::move(why.message);
        st.fx.close = std::make_unique<connection_close>(std::move(close));
        apply(self, client, *router_slot);
      },
      [self, client, router_slot](submit_atom, operation_batch& ops) {
        auto& st = self->state;
        auto now = clock_type::now();
        st.fx.send.reserve(st.fx.send.size() + ops.size());  // about one packet each: no regrowing
        for (auto& op : ops) st.session->submit(std::move(op), now, st.fx);
        give_back_batch(std::move(ops));
        apply(self, client, *router_slot);
      },
      [self, client, router_slot](timer_atom, std::uint64_t generation) {
        auto& st = self->state;
        if (generation != st.timer_generation) return;  // a timer that was replaced
        st.timer_at.reset();
        st.session->on_timer(clock_type::now(), st.fx);
        apply(self, client, *router_slot);
      },
      [self, client, router_slot](stop_atom, bool send_disconnect) {
        auto& st = self->state;
        if (st.writer && send_disconnect && st.session->connected())
          st.fx.send.emplace_back(protocol::disconnect{});  // apply() writes it, then shuts the codec down
        bool had_connection = static_cast<bool>(st.codec);
        st.session->stop(st.fx);
        if (had_connection) {
          connection_close close;  // apply() shuts the codec down and tells the client
          close.error = make_error_code(errc::user_requested_stop);
          close.message = "the client was stopped";
          st.fx.close = std::make_unique<connection_close>(std::move(close));
        }
        apply(self, client, *router_slot);
      },
      [self](stats_atom) { return self->state.session->unacked(); },
  };
}

}  // namespace

session_actor spawn_session(caf::actor_system& sys, std::shared_ptr<const session_options> options,
                            client_actor client, router_actor router) {
  return sys.spawn(session_fn, std::move(options), std::move(client), std::move(router));
}

}  // namespace iotactor
