// router actor: the subscription table. Each subscription has its own handler; an inbound publish reaches
// every matching handler once, by subscription identifier when the server sent them, else by the filter trie.
#include <map>
#include <unordered_set>

#include "iotactor/actors/stages.hpp"
#include "iotactor/protocol/topic_matcher.hpp"

namespace iotactor {

namespace {

struct route {
  std::vector<std::string> filters;
  message_handler handler;
  std::optional<std::uint32_t> subscription_identifier;
  bool identifier_is_internal = false;  // assigned by the client: the user never asked for it
};

struct router_state {
  std::map<operation_id, route> routes;
  std::map<std::uint32_t, operation_id> by_subscription_identifier;
  protocol::topic_matcher matcher;
  message_handler default_handler;
  std::size_t unmatched = 0;
  std::vector<protocol::topic_matcher::id> matches;  // reused
  static inline const char* name = "iotactor.router";
};

using router_pointer = router_actor::stateful_pointer<router_state>;

void remove_filter(router_state& st, operation_id id, const std::string& filter) {
  auto it = st.routes.find(id);
  if (it == st.routes.end()) return;
  auto& filters = it->second.filters;
  filters.erase(std::remove(filters.begin(), filters.end(), filter), filters.end());
  st.matcher.erase(filter, id);
  if (!filters.empty()) return;
  if (it->second.subscription_identifier)
    st.by_subscription_identifier.erase(*it->second.subscription_identifier);
  st.routes.erase(it);
}

void dispatch(router_pointer self, const message_handler& handler, const protocol::publish& p) {
  if (handler.actor) self->send(handler.actor, message_atom::value, p);
  if (handler.callback) handler.callback(p);
}

void deliver(router_pointer self, const protocol::publish& p) {
  auto& st = self->state;
  st.matches.clear();
  for (auto sid : p.properties.subscription_identifiers) {
    auto it = st.by_subscription_identifier.find(sid);
    if (it != st.by_subscription_identifier.end()) st.matches.push_back(it->second);
  }
  if (st.matches.empty()) st.matcher.match(p.topic, st.matches);
  std::sort(st.matches.begin(), st.matches.end());
  st.matches.erase(std::unique(st.matches.begin(), st.matches.end()), st.matches.end());
  // Identifiers the client assigned for its own routing are not the user's: deliver without them.
  const protocol::publish* out = &p;
  std::optional<protocol::publish> cleaned;
  for (auto sid : p.properties.subscription_identifiers) {
    auto it = st.by_subscription_identifier.find(sid);
    if (it == st.by_subscription_identifier.end()) continue;
    auto r = st.routes.find(it->second);
    if (r == st.routes.end() || !r->second.identifier_is_internal) continue;
    if (!cleaned) cleaned = p;
    auto& ids = cleaned->properties.subscription_identifiers;
    ids.erase(std::remove(ids.begin(), ids.end(), sid), ids.end());
  }
  if (cleaned) out = &*cleaned;
  std::unordered_set<caf::actor_addr> reached;  // an actor behind several subscriptions gets the message once
  bool any = false;
  for (auto id : st.matches) {
    auto it = st.routes.find(id);
    if (it == st.routes.end()) continue;
    const auto& h = it->second.handler.empty() ? st.default_handler : it->second.handler;
    if (h.actor && !reached.insert(h.actor.address()).second) continue;
    dispatch(self, h, *out);
    any = true;
  }
  if (any) return;
  ++st.unmatched;
  if (!st.default_handler.empty()) dispatch(self, st.default_handler, *out);
}

router_actor::behavior_type router_fn(router_pointer self, message_handler default_handler) {
  self->state.default_handler = std::move(default_handler);
  return {
      [self](route_atom, operation_id id, const protocol::subscribe& sub, message_handler& handler,
             bool internal_identifier) {
        auto& st = self->state;
        route r;
        r.handler = std::move(handler);
        r.identifier_is_internal = internal_identifier;
        r.subscription_identifier = sub.properties.subscription_identifier;
        for (const auto& s : sub.subscriptions) {
          // A new subscription to the same filter replaces the old one, as it does on the server.
          std::vector<operation_id> owners;
          for (const auto& [other, existing] : st.routes)
            if (std::find(existing.filters.begin(), existing.filters.end(), s.topic_filter) !=
                existing.filters.end())
              owners.push_back(other);
          for (auto other : owners) remove_filter(st, other, s.topic_filter);
          r.filters.push_back(s.topic_filter);
          st.matcher.insert(s.topic_filter, id);
        }
        if (r.subscription_identifier) st.by_subscription_identifier[*r.subscription_identifier] = id;
        st.routes[id] = std::move(r);
      },
      [self](unroute_atom, const protocol::unsubscribe& unsub) {
        auto& st = self->state;
        for (const auto& filter : unsub.topic_filters) {
          std::vector<operation_id> owners;
          for (const auto& [id, r] : st.routes)
            if (std::find(r.filters.begin(), r.filters.end(), filter) != r.filters.end())
              owners.push_back(id);
          for (auto id : owners) remove_filter(st, id, filter);
        }
      },
      [self](deliver_atom, const publish_batch& batch) {
        for (const auto& p : batch) deliver(self, p);
      },
      [self](message_handler& handler) { self->state.default_handler = std::move(handler); },
      [self](stats_atom) { return self->state.unmatched; },
  };
}

}  // namespace

router_actor spawn_router(caf::actor_system& sys) {
  return sys.spawn(router_fn, message_handler{});
}

}  // namespace iotactor
