// client actor: the supervisor. Keeps the desired state apart from the current one, spawns one codec and
// connection per attempt, reconnects with backoff, emits the lifecycle events, completes user operations.
#include <map>
#include <memory>

#include "iotactor/actors/client.hpp"
#include "iotactor/actors/stages.hpp"
#include "iotactor/protocol/topic.hpp"

namespace iotactor {

namespace {

enum class phase { stopped, connecting, connected, waiting_to_retry };

struct pending_operation {
  caf::typed_response_promise<operation_result> promise;
  bool has_promise = false;
  completion_callback callback;
  // Out of line: every pending publish (a QoS 1 burst waiting for quota holds thousands) would carry 136
  // bytes for them.
  std::unique_ptr<protocol::subscribe> subscribe;      // to drop its route if it fails
  std::unique_ptr<protocol::unsubscribe> unsubscribe;  // to drop the routes once it succeeds
};

struct client_state {
  /// Shared with the stages (session options, connection options): one copy per client, about 1 KB. Its `io`
  /// is moved out to `io` below: the stages must not own the runtime (the last owner must not be one of its
  /// threads, and a transport holds its options).
  std::shared_ptr<const client_config> config;
  std::shared_ptr<io_runtime> io;
  bool running = false;  // desired state
  phase current = phase::stopped;
  std::optional<reconnect_backoff> backoff;
  std::uint64_t retry_generation = 0;
  session_actor session;
  offline_queue_actor queue;  // spawned on the first operation (ensure_queue)
  router_actor router;
  /// The publish quota of the current connection, while connected: a queue spawned then starts online with
  /// it. No operation reached the session before the queue existed, so none of the quota is in use.
  std::optional<std::uint32_t> publish_quota;
  std::shared_ptr<codec_actor> codec = std::make_shared<codec_actor>();  // of the current attempt
  caf::actor_addr attempt_codec;  // the codec of the latest attempt, alive or not
  bool attempt_codec_gone = true;
  bool stopped_pending = false;  // stopped is emitted once the latest codec has flushed and ended
  std::map<operation_id, pending_operation> pending;
  /// Operations gathered for the queue: one submit message carries everything that arrived between two
  /// flushes, so a burst of publishes crosses the pipeline in batches.
  operation_batch to_submit;
  bool flush_scheduled = false;     // a flush_atom to self is in the mailbox
  std::size_t last_submission = 0;  // operations in the last submission: the next one reserves as much
  operation_id next_operation = 1;
  std::uint32_t next_subscription_identifier = 1;
  std::optional<negotiated_settings> settings;
  /// What the router holds, kept to rebuild a restarted router.
  struct kept_route {
    protocol::subscribe subscribe;
    message_handler handler;
    bool internal_identifier;
  };
  std::map<operation_id, kept_route> routes;
  message_handler fallback;
  std::shared_ptr<std::vector<caf::actor>> stage_holder =
      std::make_shared<std::vector<caf::actor>>();  // every stage spawned, for the final exit
  std::size_t stage_restarts = 0;
  std::vector<lifecycle_listener_actor> listener_actors;
  std::vector<std::function<void(const lifecycle_event&)>> listener_callbacks;
  static inline const char* name = "iotactor.client";
};

using client_pointer = client_actor::stateful_pointer<client_state>;

void emit(client_pointer self, const lifecycle_event& e) {
  for (const auto& l : self->state.listener_actors) self->send(l, event_atom::value, e);
  for (const auto& f : self->state.listener_callbacks) f(e);
}

void emit(client_pointer self, lifecycle_event_type type) {
  lifecycle_event e;
  e.type = type;
  emit(self, e);
}

void attempt(client_pointer self) {
  auto& st = self->state;
  st.current = phase::connecting;
  emit(self, lifecycle_event_type::attempting_connect);
  const auto& connect = st.config->session.connect;
  *st.codec = spawn_codec(self->system(), st.io,
                          std::shared_ptr<const connection_options>(st.config, &st.config->connection),
                          st.session, caf::actor_cast<client_actor>(self), connect.version,
                          connect.properties.maximum_packet_size.value_or(protocol::max_packet_size),
                          st.config->deliver_on_io_thread);
  self->monitor(*st.codec);
  st.attempt_codec = st.codec->address();
  st.attempt_codec_gone = false;
}

/// Operations per submission at most. A flush queues behind the whole mailbox, which can hold a million
/// publishes; one vector of them all would be hundreds of MB of fresh pages (a third of P1's CPU went to
/// zeroing them). 256 operations are about 67 KB, below glibc's mmap threshold, and match the queue's
/// admission batch.
constexpr std::size_t max_submission = 256;

void flush_submissions(client_pointer self);
void ensure_router(client_pointer self);
void ensure_queue(client_pointer self);

/// A new operation of type T at the end of the gathered ones, for the caller to fill in; end_submit() then.
/// Made in place: a publish is moved once, from the message into the operation.
template <class T>
T& begin_submit(client_pointer self) {
  auto& st = self->state;
  // The flush queues behind what is in the mailbox now, so it collects every operation of a burst.
  if (!st.flush_scheduled) {
    st.flush_scheduled = true;
    self->send(self, flush_atom::value);
  }
  // Reserved when a burst goes on (no regrowing from 1), not after a flush: an idle client holds nothing.
  if (st.to_submit.capacity() == 0 && st.last_submission > 1) st.to_submit = take_batch(st.last_submission);
  return std::get<T>(st.to_submit.emplace_back(std::in_place_type<T>));
}

void end_submit(client_pointer self) {
  if (self->state.to_submit.size() >= max_submission) flush_submissions(self);
}

/// Hands the gathered operations to the queue. Called before anything else is sent to the queue, which
/// must see operations and state changes in the order they happened.
void flush_submissions(client_pointer self) {
  auto& st = self->state;
  if (st.to_submit.empty()) return;
  ensure_queue(self);
  st.last_submission = st.to_submit.size();
  self->send(st.queue, submit_atom::value, std::move(st.to_submit));
  st.to_submit = operation_batch{};
}

operation_id new_operation(client_pointer self) {
  return self->state.next_operation++;
}

/// Mirrors the router's unroute on the kept copy.
void forget_routes(client_state& st, const protocol::unsubscribe& unsub) {
  for (auto it = st.routes.begin(); it != st.routes.end();) {
    auto& subs = it->second.subscribe.subscriptions;
    subs.erase(std::remove_if(subs.begin(), subs.end(),
                              [&](const protocol::subscription& s) {
                                return std::find(unsub.topic_filters.begin(), unsub.topic_filters.end(),
                                                 s.topic_filter) != unsub.topic_filters.end();
                              }),
               subs.end());
    it = subs.empty() ? st.routes.erase(it) : std::next(it);
  }
}

void on_results(client_pointer self, result_batch& results) {
  auto& st = self->state;
  for (auto& r : results) {
    auto it = st.pending.find(r.id);
    if (it == st.pending.end()) continue;  // a fire-and-forget publish
    auto& p = it->second;
    bool refused = !r.ok();
    if (auto* ack = std::get_if<protocol::suback>(&r.ack))
      refused = std::all_of(ack->reason_codes.begin(), ack->reason_codes.end(),
                            [](auto rc) { return protocol::is_error(rc); });
    if (p.subscribe && refused) {  // do_subscribe started the router
      protocol::unsubscribe drop;
      for (const auto& s : p.subscribe->subscriptions) drop.topic_filters.push_back(s.topic_filter);
      self->send(st.router, unroute_atom::value, drop);
      st.routes.erase(r.id);
    }
    if (p.unsubscribe && r.ok()) {
      if (st.router) self->send(st.router, unroute_atom::value, *p.unsubscribe);
      forget_routes(st, *p.unsubscribe);
    }
    if (p.has_promise)
      p.promise.deliver(std::move(r));
    else if (p.callback)
      p.callback(std::move(r));
    st.pending.erase(it);
  }
}

void on_offline(client_pointer self, connection_close& close) {
  auto& st = self->state;
  *st.codec = nullptr;
  lifecycle_event e;
  e.error = st.running ? close.error : make_error_code(errc::user_requested_stop);
  e.message = st.running ? close.message : "the client was stopped";
  if (st.current == phase::connected) {
    e.type = lifecycle_event_type::disconnection;
    e.server_disconnect = std::move(close.server_disconnect);
    st.backoff->on_disconnection(clock_type::now());
  } else {
    e.type = lifecycle_event_type::connection_failure;
    e.connack = std::move(close.connack);
  }
  flush_submissions(self);
  st.publish_quota.reset();
  if (st.queue) self->send(st.queue, offline_atom::value);
  emit(self, e);
  if (!st.running) {
    st.current = phase::stopped;
    // The DISCONNECT and everything before it are written once the codec has ended: report stopped then.
    if (st.attempt_codec_gone)
      emit(self, lifecycle_event_type::stopped);
    else
      st.stopped_pending = true;
    return;
  }
  st.current = phase::waiting_to_retry;
  auto delay = st.backoff->next_delay();
  self->delayed_send(self, std::chrono::duration_cast<caf::timespan>(delay), retry_atom::value,
                     ++st.retry_generation);
}

void stop(client_pointer self, bool send_disconnect) {
  auto& st = self->state;
  if (!st.running && st.current == phase::stopped) return;
  st.running = false;
  ++st.retry_generation;     // cancels a pending retry
  st.publish_quota.reset();  // a queue started from now on starts offline, as the session is stopping
  // Through the queue: it hands the session what it can send now, fails the rest, then stops the session,
  // so a publish made before stop() goes out before the DISCONNECT.
  flush_submissions(self);
  if (st.queue)
    self->send(st.queue, stop_atom::value, send_disconnect);
  else  // no operation was ever submitted: nothing to hand over first
    self->send(st.session, stop_atom::value, send_disconnect);
  switch (st.current) {
    case phase::connecting:
      // The session may not know this attempt yet: shut its transport; the offline report follows.
      if (*st.codec) self->send(*st.codec, shutdown_atom::value);
      break;
    case phase::connected:
      break;  // the session reports the end of the connection
    case phase::waiting_to_retry:
    case phase::stopped:
      st.current = phase::stopped;
      st.backoff->reset();
      emit(self, lifecycle_event_type::stopped);
      break;
  }
}

/// Registers an operation; the caller fills in how its result is delivered.
pending_operation& track(client_pointer self, operation_id id) {
  return self->state.pending[id];
}

void do_publish(client_pointer self, operation_id id, protocol::publish&& p,
                std::optional<std::chrono::seconds> ack_timeout = std::nullopt) {
  auto& op = begin_submit<publish_operation>(self);
  op.id = id;
  op.packet = std::move(p);
  op.ack_timeout = ack_timeout;
  end_submit(self);
}

/// A fire-and-forget publish: its outcome sends no message (publish_atom is there to learn of a failure).
void post(client_pointer self, protocol::publish&& p) {
  auto& op = begin_submit<publish_operation>(self);
  op.id = new_operation(self);
  op.packet = std::move(p);
  op.notify = false;
  end_submit(self);
}

void do_subscribe(client_pointer self, operation_id id, protocol::subscribe&& sub,
                  message_handler&& handler) {
  auto& st = self->state;
  // Subscription identifiers make routing exact; use them when this server offers them.
  bool internal_identifier = false;
  if (st.config->session.connect.version == protocol::protocol_version::v5 && st.settings &&
      st.settings->subscription_identifiers_available && !sub.properties.subscription_identifier) {
    internal_identifier = true;
    sub.properties.subscription_identifier = st.next_subscription_identifier;
    st.next_subscription_identifier =
        st.next_subscription_identifier % protocol::max_variable_byte_integer + 1;
  }
  ensure_router(self);  // before the route is kept: a router spawned now is given every kept route
  st.pending[id].subscribe = std::make_unique<protocol::subscribe>(sub);
  st.routes[id] = {sub, handler, internal_identifier};
  self->send(st.router, route_atom::value, id, sub, std::move(handler), internal_identifier);
  auto& op = begin_submit<subscribe_operation>(self);
  op.id = id;
  op.packet = std::move(sub);
  end_submit(self);
}

void do_unsubscribe(client_pointer self, operation_id id, protocol::unsubscribe&& unsub) {
  self->state.pending[id].unsubscribe = std::make_unique<protocol::unsubscribe>(unsub);
  auto& op = begin_submit<unsubscribe_operation>(self);
  op.id = id;
  op.packet = std::move(unsub);
  end_submit(self);
}

void spawn_router_stage(client_pointer self) {
  auto& st = self->state;
  st.router = spawn_router(self->system());
  self->monitor(st.router);
  st.stage_holder->push_back(caf::actor_cast<caf::actor>(st.router));
  for (const auto& [id, route] : st.routes)
    self->send(st.router, route_atom::value, id, route.subscribe, route.handler, route.internal_identifier);
  if (!st.fallback.empty()) self->send(st.router, st.fallback);
}

/// The router starts on first need: a subscription, a default handler, a publish the session received, or a
/// stages request. An idle client (a fleet's) never spawns one: an actor less, about 1.5 KB and a spawn each.
void ensure_router(client_pointer self) {
  auto& st = self->state;
  if (st.router) return;
  spawn_router_stage(self);
  if (st.session) self->send(st.session, attach_atom::value, st.router);
}

void spawn_session_stage(client_pointer self) {
  auto& st = self->state;
  st.session =
      spawn_session(self->system(), std::shared_ptr<const session_options>(st.config, &st.config->session),
                    caf::actor_cast<client_actor>(self), st.router);
  self->monitor(st.session);
  st.stage_holder->push_back(caf::actor_cast<caf::actor>(st.session));
}

/// The offline queue starts on the first operation (or a stages request): an idle client (a fleet's) never
/// spawns one, an actor less, about 1.6 KB and a spawn each. It is attached to the session before the first
/// submission goes out, and starts online with the connection's quota when the client is connected.
void ensure_queue(client_pointer self) {
  auto& st = self->state;
  if (st.queue) return;
  st.queue = spawn_offline_queue(self->system(), st.config->offline_queue, st.config->session.connect.version,
                                 st.session, caf::actor_cast<client_actor>(self));
  self->send(st.session, attach_atom::value, st.queue);
  self->monitor(st.queue);
  st.stage_holder->push_back(caf::actor_cast<caf::actor>(st.queue));
  if (st.publish_quota) self->send(st.queue, online_atom::value, *st.publish_quota);
}

/// A stage died with an error: restart it (and what depends on it), fail what it held, report it.
void on_stage_down(client_pointer self, caf::down_msg& dm) {
  auto& st = self->state;
  if (dm.source == st.attempt_codec) {
    st.attempt_codec_gone = true;
    if (st.stopped_pending) {
      st.stopped_pending = false;
      emit(self, lifecycle_event_type::stopped);
    }
    return;
  }
  const bool router = dm.source == st.router.address();
  const bool session = dm.source == st.session.address();
  const bool queue = dm.source == st.queue.address();
  if (!router && !session && !queue) return;
  std::string stage = router ? "router" : session ? "session" : "offline queue";
  std::string why =
      "the " + stage + " stage failed (" + self->system().render(dm.reason) + ") and was restarted";
  ++st.stage_restarts;
  if (router) {
    // The connection is unaffected: the routes are rebuilt and the restart is counted in the statistics.
    spawn_router_stage(self);
    self->send(st.session, attach_atom::value, st.router);
    return;
  }
  // The session or the queue: their operations are gone. Fail them, restart both, reconnect.
  result_batch failed;
  for (auto& [id, pending] : st.pending) {
    operation_result r;
    r.id = id;
    r.error = errc::stage_failed;
    r.message = why;
    failed.push_back(std::move(r));
  }
  on_results(self, failed);
  st.to_submit.clear();  // failed above with the rest (fire-and-forget publishes die with the queue)
  for (const auto& stage_handle :
       {caf::actor_cast<caf::actor>(st.session), caf::actor_cast<caf::actor>(st.queue)})
    if (stage_handle && stage_handle.address() != dm.source) {
      self->demonitor(stage_handle);
      caf::anon_send_exit(stage_handle, caf::exit_reason::user_shutdown);
    }
  if (*st.codec) self->send(*st.codec, shutdown_atom::value);
  st.queue = nullptr;  // the next operation starts a new one
  st.publish_quota.reset();
  spawn_session_stage(self);
  if (st.current == phase::connected || st.current == phase::connecting) {
    connection_close close;
    close.error = make_error_code(errc::stage_failed);
    close.message = why;
    on_offline(self, close);  // reports disconnection or failure, then reconnects with backoff
  }
}

/// The statistics' last step: the router's count of unmatched publishes, when there is a router.
void finish_stats(client_pointer self, caf::typed_response_promise<client_statistics> rp,
                  std::shared_ptr<client_statistics> stats) {
  stats->stage_restarts = self->state.stage_restarts;
  if (!self->state.router) {  // none yet: nothing was received unmatched
    rp.deliver(*stats);
    return;
  }
  self->request(self->state.router, std::chrono::seconds(10), stats_atom::value)
      .then(
          [rp, stats](std::size_t unmatched) mutable {
            stats->unmatched_publishes = unmatched;
            rp.deliver(*stats);
          },
          [rp, stats](caf::error&) mutable { rp.deliver(*stats); });  // being restarted: report without it
}

client_actor::behavior_type client_fn(client_pointer self, client_config config) {
  auto& init = self->state;
  // No std::random_device: opening it cost more than the rest of a client's start (fleets start thousands).
  // The actor id tells clients of one process apart, the clock processes started apart.
  auto seed = config.jitter_seed != 0
                  ? config.jitter_seed
                  : self->id() ^ static_cast<std::uint64_t>(clock_type::now().time_since_epoch().count());
  init.backoff.emplace(config.reconnect, seed);
  init.io = config.io ? std::move(config.io) : io_runtime::shared();
  config.io = nullptr;
  init.config = std::make_shared<const client_config>(std::move(config));
  spawn_session_stage(self);
  self->set_down_handler([self](caf::down_msg& dm) { on_stage_down(self, dm); });
  // The stages live and die with the client. The state is gone when attachables run: the functor keeps the
  // shared list of every stage spawned (restarts add to it).
  self->attach_functor([stages = init.stage_holder, codec = init.codec](const caf::error&) {
    for (const auto& stage : *stages)
      if (stage) caf::anon_send_exit(stage, caf::exit_reason::user_shutdown);
    if (*codec) caf::anon_send_exit(*codec, caf::exit_reason::user_shutdown);
  });
  return {
      [self](publish_atom, protocol::publish& p) -> caf::result<operation_result> {
        auto id = new_operation(self);
        auto& pending = track(self, id);
        pending.promise = self->make_response_promise<operation_result>();
        pending.has_promise = true;
        auto rp = pending.promise;
        do_publish(self, id, std::move(p));
        return rp;
      },
      [self](publish_atom, protocol::publish& p, caf::timespan ack_timeout) -> caf::result<operation_result> {
        auto id = new_operation(self);
        auto& pending = track(self, id);
        pending.promise = self->make_response_promise<operation_result>();
        pending.has_promise = true;
        auto rp = pending.promise;
        do_publish(self, id, std::move(p), std::chrono::duration_cast<std::chrono::seconds>(ack_timeout));
        return rp;
      },
      [self](publish_atom, protocol::publish& p, caf::timespan ack_timeout, completion_callback& done) {
        auto id = new_operation(self);
        track(self, id).callback = std::move(done);
        do_publish(self, id, std::move(p), std::chrono::duration_cast<std::chrono::seconds>(ack_timeout));
      },
      [self](publish_atom, protocol::publish& p, completion_callback& done) {
        auto id = new_operation(self);
        track(self, id).callback = std::move(done);
        do_publish(self, id, std::move(p));
      },
      [self](post_atom, protocol::publish& p) { post(self, std::move(p)); },
      [self](post_atom, protocol::publish& p, post_ticket& ticket) {
        ticket.release();  // taken: the posting thread may post more
        post(self, std::move(p));
      },
      [self](post_atom, publish_batch& batch) {
        for (auto& p : batch) post(self, std::move(p));
      },
      [self](subscribe_atom, protocol::subscribe& sub,
             message_handler& handler) -> caf::result<operation_result> {
        auto id = new_operation(self);
        auto& pending = track(self, id);
        pending.promise = self->make_response_promise<operation_result>();
        pending.has_promise = true;
        auto rp = pending.promise;
        do_subscribe(self, id, std::move(sub), std::move(handler));
        return rp;
      },
      [self](subscribe_atom, protocol::subscribe& sub, message_handler& handler, completion_callback& done) {
        auto id = new_operation(self);
        track(self, id).callback = std::move(done);
        do_subscribe(self, id, std::move(sub), std::move(handler));
      },
      [self](unsubscribe_atom, protocol::unsubscribe& unsub) -> caf::result<operation_result> {
        auto id = new_operation(self);
        auto& pending = track(self, id);
        pending.promise = self->make_response_promise<operation_result>();
        pending.has_promise = true;
        auto rp = pending.promise;
        do_unsubscribe(self, id, std::move(unsub));
        return rp;
      },
      [self](unsubscribe_atom, protocol::unsubscribe& unsub, completion_callback& done) {
        auto id = new_operation(self);
        track(self, id).callback = std::move(done);
        do_unsubscribe(self, id, std::move(unsub));
      },
      [self](start_atom) {
        auto& st = self->state;
        if (st.stopped_pending) {  // started again before the last connection finished closing
          st.stopped_pending = false;
          emit(self, lifecycle_event_type::stopped);
        }
        st.running = true;
        if (st.current == phase::stopped) attempt(self);
      },
      [self](stop_atom, bool send_disconnect) { stop(self, send_disconnect); },
      [self](message_handler& fallback) {
        auto& st = self->state;
        st.fallback = fallback;
        if (st.router)
          self->send(st.router, std::move(fallback));
        else
          ensure_router(self);  // which hands it the fallback
      },
      [self](deliver_atom) { ensure_router(self); },
      [self](stages_atom) -> caf::result<caf::actor, caf::actor, caf::actor> {
        auto& st = self->state;
        ensure_router(self);
        ensure_queue(self);
        return {caf::actor_cast<caf::actor>(st.session), caf::actor_cast<caf::actor>(st.queue),
                caf::actor_cast<caf::actor>(st.router)};
      },
      [self](listen_atom, lifecycle_listener_actor& listener) {
        self->state.listener_actors.push_back(std::move(listener));
      },
      [self](listen_atom, std::function<void(const lifecycle_event&)>& callback) {
        self->state.listener_callbacks.push_back(std::move(callback));
      },
      [self](stats_atom) -> caf::result<client_statistics> {
        auto rp = self->make_response_promise<client_statistics>();
        auto stats = std::make_shared<client_statistics>();
        self->request(self->state.session, std::chrono::seconds(10), stats_atom::value)
            .then(
                [self, rp, stats](unacked_statistics unacked) mutable {
                  stats->unacked_operation_count = unacked.count;
                  stats->unacked_operation_size = unacked.size;
                  stats->incomplete_operation_count = unacked.count;
                  stats->incomplete_operation_size = unacked.size;
                  if (!self->state.queue) {  // none yet: nothing was ever queued
                    finish_stats(self, std::move(rp), std::move(stats));
                    return;
                  }
                  self->request(self->state.queue, std::chrono::seconds(10), stats_atom::value)
                      .then(
                          [self, rp, stats](std::size_t count, std::size_t bytes) mutable {
                            stats->incomplete_operation_count += count;
                            stats->incomplete_operation_size += bytes;
                            finish_stats(self, std::move(rp), std::move(stats));
                          },
                          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
                },
                [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
        return rp;
      },
      [self](settings_atom) -> caf::result<negotiated_settings> {
        if (!self->state.settings)
          return caf::make_error(caf::sec::runtime_error, "the client has not connected yet");
        return *self->state.settings;
      },
      [self](done_atom, result_batch& results) { on_results(self, results); },
      [self](online_atom, connection_success& success) {
        auto& st = self->state;
        // Only the current session's: one replaced after a failed stage may still report a CONNACK it had.
        if (self->current_sender() != st.session.address()) return;
        st.current = phase::connected;
        st.settings = success.settings;
        st.backoff->on_connection_success(clock_type::now());
        lifecycle_event e;
        e.type = lifecycle_event_type::connection_success;
        e.connack = std::move(success.connack);
        e.settings = success.settings;
        emit(self, e);
        flush_submissions(self);
        st.publish_quota = success.publish_quota;
        if (st.queue) self->send(st.queue, online_atom::value, success.publish_quota);
      },
      [self](offline_atom, connection_close& close) {
        // From the current session, or from the attempt's codec when it never came up. A session replaced
        // after a failed stage may still report: on_stage_down has reported that connection's end already.
        auto from = self->current_sender();
        if (from != self->state.session.address() && from != self->state.attempt_codec) return;
        on_offline(self, close);
      },
      [self](flush_atom) {
        self->state.flush_scheduled = false;
        flush_submissions(self);
      },
      [self](retry_atom, std::uint64_t generation) {
        auto& st = self->state;
        if (generation != st.retry_generation || !st.running || st.current != phase::waiting_to_retry) return;
        attempt(self);
      },
  };
}

}  // namespace

caf::expected<client_actor> spawn_client(caf::actor_system& sys, client_config config) {
  if (auto problem = validate(config)) return caf::make_error(caf::sec::invalid_argument, *problem);
  return sys.spawn(client_fn, std::move(config));
}

}  // namespace iotactor
