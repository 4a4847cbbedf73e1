// MQTT 5 topic aliases: choosing them for outgoing PUBLISHes and resolving them on incoming ones, per
// connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "iotactor/protocol.hpp"

namespace iotactor {

/// Disabled by default so that a broker with a broken alias implementation cannot break the client.
enum class outbound_topic_alias_behavior {
  disabled,  // never send an alias; user aliases are dropped
  manual,    // the user picks the alias of each publish; the client only decides whether the topic can go
  lru,       // the client assigns aliases from a least-recently-used cache and ignores user aliases
};

/// Whether CONNECT offers the server a positive Topic Alias Maximum.
enum class inbound_topic_alias_behavior { disabled, enabled };

/// Names and defaults of the AWS IoT Device SDK v2 (TopicAliasingOptions).
struct topic_alias_options {
  outbound_topic_alias_behavior outbound_behavior = outbound_topic_alias_behavior::disabled;
  /// Upper bound on the aliases used per connection; the server's CONNACK may lower it. 0 sends no aliases.
  std::uint16_t outbound_cache_max_size = 25;
  inbound_topic_alias_behavior inbound_behavior = inbound_topic_alias_behavior::disabled;
  /// The Topic Alias Maximum sent in CONNECT when inbound aliases are enabled.
  std::uint16_t inbound_cache_max_size = 25;
};

/// Aliases of outgoing PUBLISHes on the current connection.
///
/// A PUBLISH re-sent on a new connection must not carry an alias: the binding belonged to the old
/// connection. So the caller keeps the full topic in what it stores for retransmission, passes only first
/// transmissions through apply(), and sends retransmissions with without_alias().
class outbound_topic_aliases {
 public:
  /// What to put on the wire: the topic (empty when the alias alone names it) and the alias, if any.
  struct decision {
    std::string topic;
    std::optional<std::uint16_t> alias;
  };

  /// No aliases are used until the first reset() with a positive CONNACK value.
  explicit outbound_topic_aliases(outbound_topic_alias_behavior behavior, std::uint16_t cache_max_size);

  /// On every new connection: forgets every binding; the aliases usable are 1..min(cache_max_size,
  /// topic_alias_maximum_from_connack), none when that is 0. Manual mode is bounded the same way.
  void reset(std::uint16_t topic_alias_maximum_from_connack);

  /// The first transmission of a PUBLISH to a non-empty, valid `topic`. `user_alias` is used in manual mode
  /// only, and only if it is within 1..maximum(); an empty topic is returned unchanged without an alias.
  decision apply(const std::string& topic, std::optional<std::uint16_t> user_alias);

  /// For retransmissions and anything else that must name its topic in full.
  static decision without_alias(const std::string& topic) { return {topic, std::nullopt}; }

  outbound_topic_alias_behavior behavior() const noexcept { return behavior_; }

  /// The highest alias usable on this connection; 0 when aliases are not used.
  std::uint16_t maximum() const noexcept { return maximum_; }

 private:
  decision apply_manual(const std::string& topic, std::optional<std::uint16_t> user_alias);
  decision apply_lru(const std::string& topic);

  void lru_unlink(std::uint16_t alias);
  void lru_push_front(std::uint16_t alias);

  // One slot per alias in use, chained by alias number into a circular list, most recently used first;
  // slot 0 is the list head. Indices instead of pointers keep the class copyable.
  struct lru_slot {
    std::string topic;
    std::uint16_t prev = 0;
    std::uint16_t next = 0;
  };

  outbound_topic_alias_behavior behavior_;
  std::uint16_t cache_max_size_;
  std::uint16_t maximum_ = 0;

  // manual: index alias - 1 -> topic bound to it on this connection ("" = unbound), grown on demand.
  std::vector<std::string> manual_bindings_;

  // lru: slots grow as aliases are first assigned; index maps each cached topic to its alias.
  std::vector<lru_slot> lru_slots_;
  std::unordered_map<std::string, std::uint16_t> lru_index_;
};

/// Aliases of incoming PUBLISHes on the current connection, as bound by the server.
class inbound_topic_aliases {
 public:
  /// The Topic Alias Maximum this client sent in CONNECT; 0 means the server must not send aliases.
  explicit inbound_topic_aliases(std::uint16_t maximum);

  /// On every new connection: forgets every binding.
  void reset();

  /// Rewrites p.topic to the full topic name: an alias with a topic (re)binds the alias, an alias with an
  /// empty topic looks it up. The topic_alias property is left as received. On error the publish is left
  /// unchanged and the error is the reason code for the DISCONNECT: topic_alias_invalid for an alias of 0 or
  /// above the maximum, protocol_error for an unbound alias or an empty topic without an alias.
  std::optional<protocol::error> resolve(protocol::publish& p);

  std::uint16_t maximum() const noexcept { return maximum_; }

 private:
  std::uint16_t maximum_;
  std::vector<std::string> bindings_;  // index alias - 1, grown on demand; "" = unbound
};

}  // namespace iotactor
