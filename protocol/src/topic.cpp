// MQTT string rules: UTF-8 validity, topic names, topic filters, shared subscriptions and matching.
#include "iotactor/protocol/topic.hpp"

#include <cstdint>
#include <cstring>
#include <string>

namespace iotactor::protocol {

namespace {

constexpr std::size_t max_string_length = 65535;

error invalid(reason_code code, std::string what) {
  return error{code, std::move(what)};
}

/// Returns the length of the sequence starting at i, or 0 if it is not allowed.
std::size_t utf8_sequence_length(const unsigned char* s, std::size_t i, std::size_t n) noexcept {
  unsigned char c = s[i];
  if (c == 0) return 0;  // U+0000
  if (c < 0x80) return 1;
  std::size_t len;
  std::uint32_t cp;
  std::uint32_t min;
  if ((c & 0xE0U) == 0xC0U) {
    len = 2, cp = c & 0x1FU, min = 0x80;
  } else if ((c & 0xF0U) == 0xE0U) {
    len = 3, cp = c & 0x0FU, min = 0x800;
  } else if ((c & 0xF8U) == 0xF0U) {
    len = 4, cp = c & 0x07U, min = 0x10000;
  } else {
    return 0;
  }
  if (n - i < len) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    unsigned char cc = s[i + k];
    if ((cc & 0xC0U) != 0x80U) return 0;
    cp = (cp << 6U) | (cc & 0x3FU);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

}  // namespace

bool has_wildcard(std::string_view topic) noexcept {
  if (topic.empty()) return false;  // memchr must not see a null pointer
  return std::memchr(topic.data(), '+', topic.size()) != nullptr ||
         std::memchr(topic.data(), '#', topic.size()) != nullptr;
}

bool is_valid_mqtt_utf8(std::string_view text) noexcept {
  auto s = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    // Fast path: 8 ASCII bytes at a time, none of them NUL.
    while (n - i >= 8) {
      std::uint64_t word;
      std::memcpy(&word, s + i, 8);
      constexpr std::uint64_t low = 0x0101010101010101ULL;
      constexpr std::uint64_t high = 0x8080808080808080ULL;
      if (((word | ((word - low) & ~word)) & high) != 0) break;  // a byte >= 0x80, or a NUL byte
      i += 8;
    }
    if (i == n) break;
    if (s[i] != 0 && s[i] < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = utf8_sequence_length(s, i, n);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::optional<error> validate_topic_name(std::string_view topic) {
  if (topic.empty()) return invalid(reason_code::topic_name_invalid, "topic name is empty");
  if (topic.size() > max_string_length)
    return invalid(reason_code::topic_name_invalid, "topic name is longer than 65535 bytes");
  if (has_wildcard(topic))
    return invalid(reason_code::topic_name_invalid,
                   "topic name \"" + std::string(topic) + "\" contains a wildcard ('+' or '#')");
  if (!is_valid_mqtt_utf8(topic))
    return invalid(reason_code::topic_name_invalid, "topic name is not valid UTF-8");
  return std::nullopt;
}

namespace {

std::optional<error> validate_plain_filter(std::string_view filter, std::string_view whole) {
  if (filter.empty()) return invalid(reason_code::topic_filter_invalid, "topic filter is empty");
  std::size_t level_start = 0;
  for (std::size_t i = 0; i < filter.size(); ++i) {
    char c = filter[i];
    if (c == '/') {
      level_start = i + 1;
      continue;
    }
    bool alone = i == level_start && (i + 1 == filter.size() || filter[i + 1] == '/');
    if (c == '+' && !alone)
      return invalid(reason_code::topic_filter_invalid,
                     "topic filter \"" + std::string(whole) + "\" has '+' that is not a whole level");
    if (c == '#' && !(alone && i + 1 == filter.size()))
      return invalid(reason_code::topic_filter_invalid,
                     "topic filter \"" + std::string(whole) + "\" has '#' that is not the whole last level");
  }
  return std::nullopt;
}

}  // namespace

std::optional<error> validate_topic_filter(std::string_view filter) {
  if (filter.empty()) return invalid(reason_code::topic_filter_invalid, "topic filter is empty");
  if (filter.size() > max_string_length)
    return invalid(reason_code::topic_filter_invalid, "topic filter is longer than 65535 bytes");
  if (!is_valid_mqtt_utf8(filter))
    return invalid(reason_code::topic_filter_invalid, "topic filter is not valid UTF-8");
  constexpr std::string_view share = "$share/";
  if (filter.substr(0, share.size()) == share) {
    auto rest = filter.substr(share.size());
    auto slash = rest.find('/');
    auto group = rest.substr(0, slash);
    if (group.empty() || slash == std::string_view::npos)
      return invalid(reason_code::topic_filter_invalid,
                     "shared subscription \"" + std::string(filter) + "\" needs $share/<group>/<filter>");
    if (group.find_first_of("+#") != std::string_view::npos)
      return invalid(reason_code::topic_filter_invalid,
                     "share name \"" + std::string(group) + "\" must not contain '+' or '#'");
    auto inner = rest.substr(slash + 1);
    if (inner.empty())
      return invalid(reason_code::topic_filter_invalid,
                     "shared subscription \"" + std::string(filter) + "\" has an empty topic filter");
    return validate_plain_filter(inner, filter);
  }
  return validate_plain_filter(filter, filter);
}

std::optional<shared_subscription> parse_shared_subscription(std::string_view filter) noexcept {
  constexpr std::string_view share = "$share/";
  if (filter.substr(0, share.size()) != share) return std::nullopt;
  auto rest = filter.substr(share.size());
  auto slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  return shared_subscription{rest.substr(0, slash), rest.substr(slash + 1)};
}

bool topic_matches(std::string_view filter, std::string_view topic) noexcept {
  if (!topic.empty() && topic[0] == '$' && !filter.empty() && (filter[0] == '+' || filter[0] == '#'))
    return false;
  std::size_t f = 0;
  std::size_t t = 0;
  while (true) {
    auto f_end = filter.find('/', f);
    auto f_level = filter.substr(f, f_end == std::string_view::npos ? std::string_view::npos : f_end - f);
    if (f_level == "#") return true;  // matches the parent level too ("a/#" matches "a")
    if (t > topic.size()) return false;
    auto t_end = topic.find('/', t);
    auto t_level = topic.substr(t, t_end == std::string_view::npos ? std::string_view::npos : t_end - t);
    if (f_level != "+" && f_level != t_level) return false;
    bool f_last = f_end == std::string_view::npos;
    bool t_last = t_end == std::string_view::npos;
    if (f_last || t_last) {
      if (f_last && t_last) return true;
      // The topic ended: only a remaining "/#" still matches.
      return t_last && filter.substr(f_end + 1) == "#";
    }
    f = f_end + 1;
    t = t_end + 1;
  }
}

}  // namespace iotactor::protocol
