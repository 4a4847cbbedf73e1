// Outbound alias choice (disabled, manual, LRU) and inbound alias resolution, both forgotten per connection.
#include "iotactor/actors/topic_aliases.hpp"

#include <algorithm>
#include <utility>

namespace iotactor {

outbound_topic_aliases::outbound_topic_aliases(outbound_topic_alias_behavior behavior,
                                               std::uint16_t cache_max_size)
    : behavior_(behavior), cache_max_size_(cache_max_size) {}

void outbound_topic_aliases::reset(std::uint16_t topic_alias_maximum_from_connack) {
  maximum_ = behavior_ == outbound_topic_alias_behavior::disabled
                 ? std::uint16_t{0}
                 : std::min(cache_max_size_, topic_alias_maximum_from_connack);
  manual_bindings_.clear();
  lru_index_.clear();
  lru_slots_.assign(1, lru_slot{});  // just the list head, pointing at itself
}

outbound_topic_aliases::decision outbound_topic_aliases::apply(const std::string& topic,
                                                               std::optional<std::uint16_t> user_alias) {
  // An empty topic is invalid without an alias; binding one would make later publishes invalid too.
  if (maximum_ == 0 || topic.empty()) return without_alias(topic);
  switch (behavior_) {
    case outbound_topic_alias_behavior::disabled:
      break;
    case outbound_topic_alias_behavior::manual:
      return apply_manual(topic, user_alias);
    case outbound_topic_alias_behavior::lru:
      return apply_lru(topic);
  }
  return without_alias(topic);
}

outbound_topic_aliases::decision outbound_topic_aliases::apply_manual(
    const std::string& topic, std::optional<std::uint16_t> user_alias) {
  if (!user_alias || *user_alias == 0 || *user_alias > maximum_) return without_alias(topic);
  const std::size_t index = *user_alias - 1U;
  if (index >= manual_bindings_.size()) manual_bindings_.resize(index + 1);
  std::string& bound = manual_bindings_[index];
  if (bound == topic) return {std::string(), user_alias};
  // Sending topic and alias together (re)binds the alias on the server.
  bound = topic;
  return {topic, user_alias};
}

void outbound_topic_aliases::lru_unlink(std::uint16_t alias) {
  lru_slot& s = lru_slots_[alias];
  lru_slots_[s.prev].next = s.next;
  lru_slots_[s.next].prev = s.prev;
}

void outbound_topic_aliases::lru_push_front(std::uint16_t alias) {
  lru_slot& head = lru_slots_[0];
  lru_slot& s = lru_slots_[alias];
  s.prev = 0;
  s.next = head.next;
  lru_slots_[head.next].prev = alias;
  head.next = alias;
}

outbound_topic_aliases::decision outbound_topic_aliases::apply_lru(const std::string& topic) {
  if (auto hit = lru_index_.find(topic); hit != lru_index_.end()) {
    const std::uint16_t alias = hit->second;
    lru_unlink(alias);
    lru_push_front(alias);
    return {std::string(), alias};
  }
  std::uint16_t alias;
  if (lru_index_.size() < maximum_) {
    // Aliases are never freed within a connection, so while the cache fills the next one is the count + 1.
    alias = static_cast<std::uint16_t>(lru_slots_.size());
    lru_slots_.push_back(lru_slot{});
  } else {
    alias = lru_slots_[0].prev;  // least recently used
    lru_unlink(alias);
    lru_index_.erase(lru_slots_[alias].topic);
  }
  lru_slots_[alias].topic = topic;
  lru_push_front(alias);
  lru_index_.emplace(topic, alias);
  return {topic, alias};
}

inbound_topic_aliases::inbound_topic_aliases(std::uint16_t maximum) : maximum_(maximum) {}

void inbound_topic_aliases::reset() {
  bindings_.clear();
}

std::optional<protocol::error> inbound_topic_aliases::resolve(protocol::publish& p) {
  const auto& alias = p.properties.topic_alias;
  if (!alias) {
    if (p.topic.empty())
      return protocol::error{protocol::reason_code::protocol_error,
                             "topic name is empty and no topic alias is set"};
    return std::nullopt;
  }
  if (*alias == 0)
    return protocol::error{protocol::reason_code::topic_alias_invalid, "topic alias 0 is not allowed"};
  if (*alias > maximum_)
    return protocol::error{protocol::reason_code::topic_alias_invalid,
                           "topic alias " + std::to_string(*alias) + " exceeds the topic alias maximum " +
                               std::to_string(maximum_) + " sent in CONNECT"};
  const std::size_t index = *alias - 1U;
  if (!p.topic.empty()) {
    if (index >= bindings_.size()) bindings_.resize(index + 1);
    bindings_[index] = p.topic;
    return std::nullopt;
  }
  if (index >= bindings_.size() || bindings_[index].empty())
    return protocol::error{protocol::reason_code::protocol_error,
                           "topic alias " + std::to_string(*alias) + " is not bound on this connection"};
  p.topic = bindings_[index];
  return std::nullopt;
}

}  // namespace iotactor
