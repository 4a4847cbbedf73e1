// Validation of MQTT strings, topic names and topic filters (wildcards, $-topics, shared subscriptions).
#pragma once

#include <optional>
#include <string_view>

#include "iotactor/protocol/error.hpp"

namespace iotactor::protocol {

/// Well-formed UTF-8 as MQTT requires it: no U+0000, no surrogates, no overlong forms, nothing past U+10FFFF.
bool is_valid_mqtt_utf8(std::string_view text) noexcept;

/// True if the text contains '+' or '#'.
bool has_wildcard(std::string_view topic) noexcept;

/// A topic name to publish to: non-empty, valid UTF-8, no '+' or '#', at most 65535 bytes.
std::optional<error> validate_topic_name(std::string_view topic);

/// A topic filter to subscribe to: '#' only as the whole last level, '+' only as a whole level, and for
/// "$share/<group>/<filter>" a non-empty group without '/', '+' or '#' followed by a valid filter.
std::optional<error> validate_topic_filter(std::string_view filter);

struct shared_subscription {
  std::string_view group;
  std::string_view filter;
};

/// Splits "$share/<group>/<filter>"; nothing for a filter that is not a shared subscription.
std::optional<shared_subscription> parse_shared_subscription(std::string_view filter) noexcept;

/// True if the topic name matches the (valid, non-shared) filter. A filter starting with a wildcard does
/// not match a topic starting with '$'.
bool topic_matches(std::string_view filter, std::string_view topic) noexcept;

}  // namespace iotactor::protocol
