// Topic aliases: outbound choice in each behaviour, bounded by the CONNACK, and inbound resolution with its
// errors.

#include "iotactor/actors/topic_aliases.hpp"

#include <cstdint>
#include <list>
#include <optional>
#include <random>
#include <string>
#include <utility>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using iotactor::inbound_topic_alias_behavior;
using iotactor::inbound_topic_aliases;
using iotactor::outbound_topic_alias_behavior;
using iotactor::outbound_topic_aliases;
using iotactor::topic_alias_options;
using iotactor::protocol::reason_code;
using testing::HasSubstr;

namespace {

/// What goes on the wire, comparable and printable by GoogleTest.
using wire = std::pair<std::string, std::optional<std::uint16_t>>;

wire send(outbound_topic_aliases& out, const std::string& topic,
          std::optional<std::uint16_t> user_alias = {}) {
  auto d = out.apply(topic, user_alias);
  return {d.topic, d.alias};
}

wire full(const std::string& topic, std::uint16_t alias) {
  return {topic, alias};
}
wire alias_only(std::uint16_t alias) {
  return {std::string(), alias};
}
wire no_alias(const std::string& topic) {
  return {topic, std::nullopt};
}

std::string topic_name(int i) {
  return "devices/" + std::to_string(i) + "/telemetry";
}

/// A plain list-based LRU, the reference the outbound cache is compared with.
class reference_lru {
 public:
  explicit reference_lru(std::size_t size) : size_(size) {}

  wire apply(const std::string& topic) {
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->first == topic) {
        entries_.splice(entries_.begin(), entries_, it);
        return alias_only(it->second);
      }
    }
    std::uint16_t alias;
    if (entries_.size() < size_) {
      alias = static_cast<std::uint16_t>(entries_.size() + 1);
    } else {
      alias = entries_.back().second;
      entries_.pop_back();
    }
    entries_.emplace_front(topic, alias);
    return full(topic, alias);
  }

 private:
  std::size_t size_;
  std::list<std::pair<std::string, std::uint16_t>> entries_;
};

iotactor::protocol::publish incoming(std::string topic, std::optional<std::uint16_t> alias) {
  iotactor::protocol::publish p;
  p.topic = std::move(topic);
  p.properties.topic_alias = alias;
  return p;
}

}  // namespace

TEST(topic_alias_options, defaults_follow_the_aws_sdk) {
  topic_alias_options o;
  EXPECT_EQ(o.outbound_behavior, outbound_topic_alias_behavior::disabled);
  EXPECT_EQ(o.outbound_cache_max_size, 25);
  EXPECT_EQ(o.inbound_behavior, inbound_topic_alias_behavior::disabled);
  EXPECT_EQ(o.inbound_cache_max_size, 25);
}

// --- outbound: disabled ---------------------------------------------------------------------------------

TEST(outbound_topic_aliases, disabled_never_sends_an_alias_and_drops_the_users) {
  outbound_topic_aliases out(outbound_topic_alias_behavior::disabled, 25);
  out.reset(65535);
  EXPECT_EQ(out.maximum(), 0);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(send(out, "a/b"), no_alias("a/b"));
    EXPECT_EQ(send(out, "a/b", 1), no_alias("a/b"));
  }
}

TEST(outbound_topic_aliases, nothing_is_aliased_before_the_first_connack) {
  for (auto behavior : {outbound_topic_alias_behavior::manual, outbound_topic_alias_behavior::lru}) {
    outbound_topic_aliases out(behavior, 25);
    EXPECT_EQ(out.maximum(), 0);
    EXPECT_EQ(send(out, "a/b", 1), no_alias("a/b"));
    EXPECT_EQ(send(out, "a/b", 1), no_alias("a/b"));
  }
}

TEST(outbound_topic_aliases, without_alias_names_the_topic_in_full) {
  auto d = outbound_topic_aliases::without_alias("sensors/1");
  EXPECT_EQ(d.topic, "sensors/1");
  EXPECT_EQ(d.alias, std::nullopt);
}

// --- outbound: manual -----------------------------------------------------------------------------------

TEST(outbound_topic_aliases, manual_sends_the_alias_alone_once_this_connection_bound_it) {
  outbound_topic_aliases out(outbound_topic_alias_behavior::manual, 25);
  out.reset(10);
  EXPECT_EQ(send(out, "a", 1), full("a", 1));
  EXPECT_EQ(send(out, "a", 1), alias_only(1));
  EXPECT_EQ(send(out, "a", 1), alias_only(1));
  EXPECT_EQ(send(out, "b", 2), full("b", 2));
  EXPECT_EQ(send(out, "b", 2), alias_only(2));
  EXPECT_EQ(send(out, "a", 1), alias_only(1));
}

TEST(outbound_topic_aliases, manual_rebinds_an_alias_given_with_another_topic) {
  outbound_topic_aliases out(outbound_topic_alias_behavior::manual, 25);
  out.reset(10);
  EXPECT_EQ(send(out, "a", 1), full("a", 1));
  EXPECT_EQ(send(out, "b", 1), full("b", 1));
  EXPECT_EQ(send(out, "b", 1), alias_only(1));
  EXPECT_EQ(send(out, "a", 1), full("a", 1)) << "the server now binds 1 to b";
  EXPECT_EQ(send(out, "a", 1), alias_only(1));
}

TEST(outbound_topic_aliases, manual_without_a_user_alias_sends_the_topic) {
  outbound_topic_aliases out(outbound_topic_alias_behavior::manual, 25);
  out.reset(10);
  EXPECT_EQ(send(out, "a", 1), full("a", 1));
  EXPECT_EQ(send(out, "a"), no_alias("a"));
  EXPECT_EQ(send(out, "a", 1), alias_only(1)) << "the binding is still there";
}

TEST(outbound_topic_aliases, manual_does_not_use_an_alias_above_the_maximum_or_zero) {
  outbound_topic_aliases out(outbound_topic_alias_behavior::manual, 25);
  out.reset(10);
  EXPECT_EQ(send(out, "a", 10), full("a", 10));
  EXPECT_EQ(send(out, "a", 10), alias_only(10));
  EXPECT_EQ(send(out, "b", 11), no_alias("b"));
  EXPECT_EQ(send(out, "b", 11), no_alias("b"));
  EXPECT_EQ(send(out, "b", 65535), no_alias("b"));
  EXPECT_EQ(send(out, "c", 0), no_alias("c"));
}

TEST(outbound_topic_aliases, manual_maximum_is_the_smaller_of_cache_size_and_connack) {
  {
    outbound_topic_aliases out(outbound_topic_alias_behavior::manual, 5);
    out.reset(10);
    EXPECT_EQ(out.maximum(), 5);
    EXPECT_EQ(send(out, "a", 5), full("a", 5));
    EXPECT_EQ(send(out, "a", 6), no_alias("a"));
  }
  {
    outbound_topic_aliases out(outbound_topic_alias_behavior::manual, 25);
    out.reset(3);
    EXPECT_EQ(out.maximum(), 3);
    EXPECT_EQ(send(out, "a", 3), full("a", 3));
    EXPECT_EQ(send(out, "a", 4), no_alias("a"));
  }
}

TEST(outbound_topic_aliases, manual_with_a_zero_connack_maximum_sends_no_alias) {
  outbound_topic_aliases out(outbound_topic_alias_behavior::manual, 25);
  out.reset(0);
  EXPECT_EQ(out.maximum(), 0);
  EXPECT_EQ(send(out, "a", 1), no_alias("a"));
  EXPECT_EQ(send(out, "a", 1), no_alias("a"));
}

TEST(outbound_topic_aliases, manual_reset_forgets_every_binding) {
  outbound_topic_aliases out(outbound_topic_alias_behavior::manual, 25);
  out.reset(10);
  EXPECT_EQ(send(out, "a", 1), full("a", 1));
  EXPECT_EQ(send(out, "b", 2), full("b", 2));
  out.reset(10);
  EXPECT_EQ(send(out, "a", 1), full("a", 1));
  EXPECT_EQ(send(out, "b", 2), full("b", 2));
  EXPECT_EQ(send(out, "a", 1), alias_only(1));
  // A smaller maximum on the next connection makes an alias bound before unusable.
  out.reset(1);
  EXPECT_EQ(send(out, "b", 2), no_alias("b"));
}

// --- outbound: LRU --------------------------------------------------------------------------------------

TEST(outbound_topic_aliases, lru_assigns_aliases_in_order_and_sends_the_alias_alone_on_a_hit) {
  outbound_topic_aliases out(outbound_topic_alias_behavior::lru, 25);
  out.reset(10);
  EXPECT_EQ(send(out, "a"), full("a", 1));
  EXPECT_EQ(send(out, "b"), full("b", 2));
  EXPECT_EQ(send(out, "c"), full("c", 3));
  EXPECT_EQ(send(out, "b"), alias_only(2));
  EXPECT_EQ(send(out, "a"), alias_only(1));
  EXPECT_EQ(send(out, "c"), alias_only(3));
}

TEST(outbound_topic_aliases, lru_ignores_user_aliases) {
  outbound_topic_aliases out(outbound_topic_alias_behavior::lru, 25);
  out.reset(10);
  EXPECT_EQ(send(out, "a", 7), full("a", 1));
  EXPECT_EQ(send(out, "a", 7), alias_only(1));
  EXPECT_EQ(send(out, "b", 1), full("b", 2));
}

TEST(outbound_topic_aliases, lru_evicts_the_least_recently_used_topic) {
  outbound_topic_aliases out(outbound_topic_alias_behavior::lru, 3);
  out.reset(100);
  EXPECT_EQ(send(out, "a"), full("a", 1));
  EXPECT_EQ(send(out, "b"), full("b", 2));
  EXPECT_EQ(send(out, "c"), full("c", 3));
  EXPECT_EQ(send(out, "a"), alias_only(1));  // b is now the least recently used
  EXPECT_EQ(send(out, "d"), full("d", 2));   // evicts b
  EXPECT_EQ(send(out, "b"), full("b", 3));   // evicts c
  EXPECT_EQ(send(out, "a"), alias_only(1));
  EXPECT_EQ(send(out, "d"), alias_only(2));
  EXPECT_EQ(send(out, "c"), full("c", 3));  // evicts b (a and d were used since)
  EXPECT_EQ(send(out, "b"), full("b", 1));  // evicts a
}

TEST(outbound_topic_aliases, lru_cycling_through_more_topics_than_aliases_evicts_in_insertion_order) {
  constexpr int size = 25;
  outbound_topic_aliases out(outbound_topic_alias_behavior::lru, size);
  out.reset(size);
  for (int i = 0; i < size; ++i)
    ASSERT_EQ(send(out, topic_name(i)), full(topic_name(i), static_cast<std::uint16_t>(i + 1)));
  // Each new topic takes the alias of the oldest one, so the aliases come round again 1, 2, ..., 25.
  for (int i = size; i < 4 * size; ++i)
    ASSERT_EQ(send(out, topic_name(i)), full(topic_name(i), static_cast<std::uint16_t>(i % size + 1))) << i;
  // Only the last 25 topics are still cached.
  EXPECT_EQ(send(out, topic_name(4 * size - 1)), alias_only(size));
  EXPECT_EQ(send(out, topic_name(3 * size)), alias_only(1));
  EXPECT_EQ(send(out, topic_name(3 * size - 1)), full(topic_name(3 * size - 1), 2));
}

TEST(outbound_topic_aliases, lru_matches_a_reference_lru_on_a_random_workload) {
  constexpr std::uint16_t size = 25;
  outbound_topic_aliases out(outbound_topic_alias_behavior::lru, size);
  out.reset(size);
  reference_lru expected(size);
  std::mt19937 random(7);
  // A skewed choice among 60 topics: hits, misses and evictions of every age.
  std::geometric_distribution<int> pick(0.05);
  int hits = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string topic = topic_name(pick(random) % 60);
    const wire want = expected.apply(topic);
    ASSERT_EQ(send(out, topic), want) << "publish " << i;
    if (want.first.empty()) ++hits;
  }
  EXPECT_GT(hits, 1000);
  EXPECT_LT(hits, 19000);
}

TEST(outbound_topic_aliases, lru_size_is_the_smaller_of_cache_size_and_connack) {
  {
    outbound_topic_aliases out(outbound_topic_alias_behavior::lru, 25);
    out.reset(4);
    EXPECT_EQ(out.maximum(), 4);
    for (int i = 0; i < 4; ++i) send(out, topic_name(i));
    EXPECT_EQ(send(out, topic_name(4)), full(topic_name(4), 1));
  }
  {
    outbound_topic_aliases out(outbound_topic_alias_behavior::lru, 2);
    out.reset(100);
    EXPECT_EQ(out.maximum(), 2);
    EXPECT_EQ(send(out, "a"), full("a", 1));
    EXPECT_EQ(send(out, "b"), full("b", 2));
    EXPECT_EQ(send(out, "c"), full("c", 1));
  }
}

TEST(outbound_topic_aliases, lru_with_a_zero_cache_size_or_connack_maximum_sends_no_alias) {
  outbound_topic_aliases no_cache(outbound_topic_alias_behavior::lru, 0);
  no_cache.reset(100);
  EXPECT_EQ(send(no_cache, "a"), no_alias("a"));
  EXPECT_EQ(send(no_cache, "a"), no_alias("a"));

  outbound_topic_aliases no_server_aliases(outbound_topic_alias_behavior::lru, 25);
  no_server_aliases.reset(0);
  EXPECT_EQ(send(no_server_aliases, "a"), no_alias("a"));
  EXPECT_EQ(send(no_server_aliases, "a"), no_alias("a"));
}

TEST(outbound_topic_aliases, lru_reset_forgets_every_binding_and_takes_the_new_maximum) {
  outbound_topic_aliases out(outbound_topic_alias_behavior::lru, 25);
  out.reset(2);
  EXPECT_EQ(send(out, "a"), full("a", 1));
  EXPECT_EQ(send(out, "b"), full("b", 2));
  out.reset(3);
  EXPECT_EQ(out.maximum(), 3);
  EXPECT_EQ(send(out, "b"), full("b", 1));
  EXPECT_EQ(send(out, "a"), full("a", 2));
  EXPECT_EQ(send(out, "c"), full("c", 3));
  EXPECT_EQ(send(out, "b"), alias_only(1));
  out.reset(0);
  EXPECT_EQ(send(out, "b"), no_alias("b"));
}

TEST(outbound_topic_aliases, lru_uses_every_alias_up_to_65535) {
  outbound_topic_aliases out(outbound_topic_alias_behavior::lru, 65535);
  out.reset(65535);
  for (int i = 0; i < 65535; ++i)
    ASSERT_EQ(send(out, topic_name(i)), full(topic_name(i), static_cast<std::uint16_t>(i + 1)));
  EXPECT_EQ(send(out, topic_name(65535)), full(topic_name(65535), 1));
  EXPECT_EQ(send(out, topic_name(65534)), alias_only(65535));
}

TEST(outbound_topic_aliases, an_empty_topic_is_never_aliased) {
  for (auto behavior : {outbound_topic_alias_behavior::manual, outbound_topic_alias_behavior::lru}) {
    outbound_topic_aliases out(behavior, 25);
    out.reset(10);
    EXPECT_EQ(send(out, "", 1), no_alias(""));
    EXPECT_EQ(send(out, "", 1), no_alias(""));
  }
}

TEST(outbound_topic_aliases, copies_keep_their_own_cache) {
  outbound_topic_aliases out(outbound_topic_alias_behavior::lru, 2);
  out.reset(2);
  send(out, "a");
  outbound_topic_aliases copy = out;
  EXPECT_EQ(send(copy, "b"), full("b", 2));
  EXPECT_EQ(send(copy, "c"), full("c", 1));
  EXPECT_EQ(send(out, "a"), alias_only(1));
  EXPECT_EQ(send(out, "c"), full("c", 2));
}

// --- inbound --------------------------------------------------------------------------------------------

TEST(inbound_topic_aliases, a_topic_without_an_alias_passes_unchanged) {
  inbound_topic_aliases in(10);
  auto p = incoming("a/b", std::nullopt);
  EXPECT_EQ(in.resolve(p), std::nullopt);
  EXPECT_EQ(p.topic, "a/b");
  EXPECT_EQ(p.properties.topic_alias, std::nullopt);
}

TEST(inbound_topic_aliases, a_topic_with_an_alias_binds_it_for_later_publishes) {
  inbound_topic_aliases in(10);
  auto bind = incoming("a/b", 3);
  EXPECT_EQ(in.resolve(bind), std::nullopt);
  EXPECT_EQ(bind.topic, "a/b");
  for (int i = 0; i < 3; ++i) {
    auto p = incoming("", 3);
    ASSERT_EQ(in.resolve(p), std::nullopt);
    EXPECT_EQ(p.topic, "a/b");
    EXPECT_EQ(p.properties.topic_alias, std::optional<std::uint16_t>(3))
        << "the property is left as received";
  }
}

TEST(inbound_topic_aliases, a_new_topic_replaces_the_older_binding) {
  inbound_topic_aliases in(10);
  auto first = incoming("a", 1);
  auto second = incoming("b", 1);
  auto other = incoming("c", 2);
  ASSERT_EQ(in.resolve(first), std::nullopt);
  ASSERT_EQ(in.resolve(other), std::nullopt);
  ASSERT_EQ(in.resolve(second), std::nullopt);
  auto p1 = incoming("", 1);
  auto p2 = incoming("", 2);
  ASSERT_EQ(in.resolve(p1), std::nullopt);
  ASSERT_EQ(in.resolve(p2), std::nullopt);
  EXPECT_EQ(p1.topic, "b");
  EXPECT_EQ(p2.topic, "c");
}

TEST(inbound_topic_aliases, the_maximum_alias_is_accepted) {
  inbound_topic_aliases in(10);
  auto bind = incoming("x", 10);
  auto use = incoming("", 10);
  EXPECT_EQ(in.resolve(bind), std::nullopt);
  EXPECT_EQ(in.resolve(use), std::nullopt);
  EXPECT_EQ(use.topic, "x");
}

TEST(inbound_topic_aliases, an_unbound_alias_is_a_protocol_error) {
  inbound_topic_aliases in(10);
  auto bound = incoming("a", 1);
  ASSERT_EQ(in.resolve(bound), std::nullopt);
  auto p = incoming("", 7);
  auto e = in.resolve(p);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, reason_code::protocol_error);
  EXPECT_EQ(static_cast<int>(e->code), 0x82);
  EXPECT_THAT(e->message, HasSubstr("7"));
  EXPECT_EQ(p.topic, "") << "left unchanged on error";
}

TEST(inbound_topic_aliases, alias_zero_is_invalid) {
  inbound_topic_aliases in(10);
  for (std::string topic : {"a", ""}) {
    auto p = incoming(topic, 0);
    auto e = in.resolve(p);
    ASSERT_TRUE(e.has_value()) << "topic '" << topic << "'";
    EXPECT_EQ(e->code, reason_code::topic_alias_invalid);
    EXPECT_EQ(static_cast<int>(e->code), 0x94);
    EXPECT_THAT(e->message, HasSubstr("0"));
  }
}

TEST(inbound_topic_aliases, an_alias_above_the_maximum_is_invalid) {
  inbound_topic_aliases in(10);
  for (std::string topic : {"a", ""}) {
    auto p = incoming(topic, 11);
    auto e = in.resolve(p);
    ASSERT_TRUE(e.has_value()) << "topic '" << topic << "'";
    EXPECT_EQ(e->code, reason_code::topic_alias_invalid);
    EXPECT_THAT(e->message, HasSubstr("11"));
    EXPECT_EQ(p.topic, topic);
  }
}

TEST(inbound_topic_aliases, with_a_zero_maximum_every_alias_is_invalid) {
  inbound_topic_aliases in(0);
  for (std::uint16_t alias : {1, 25, 65535}) {
    auto p = incoming("a", alias);
    auto e = in.resolve(p);
    ASSERT_TRUE(e.has_value()) << alias;
    EXPECT_EQ(e->code, reason_code::topic_alias_invalid);
    EXPECT_THAT(e->message, HasSubstr(std::to_string(alias)));
  }
  auto plain = incoming("a", std::nullopt);
  EXPECT_EQ(in.resolve(plain), std::nullopt);
}

TEST(inbound_topic_aliases, an_empty_topic_without_an_alias_is_a_protocol_error) {
  inbound_topic_aliases in(10);
  auto p = incoming("", std::nullopt);
  auto e = in.resolve(p);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, reason_code::protocol_error);
}

TEST(inbound_topic_aliases, an_error_keeps_the_existing_bindings) {
  inbound_topic_aliases in(10);
  auto bind = incoming("a", 1);
  ASSERT_EQ(in.resolve(bind), std::nullopt);
  auto bad = incoming("b", 11);
  ASSERT_TRUE(in.resolve(bad).has_value());
  auto p = incoming("", 1);
  ASSERT_EQ(in.resolve(p), std::nullopt);
  EXPECT_EQ(p.topic, "a");
}

TEST(inbound_topic_aliases, reset_forgets_every_binding) {
  inbound_topic_aliases in(10);
  for (std::uint16_t alias = 1; alias <= 10; ++alias) {
    auto bind = incoming(topic_name(alias), alias);
    ASSERT_EQ(in.resolve(bind), std::nullopt);
  }
  in.reset();
  for (std::uint16_t alias = 1; alias <= 10; ++alias) {
    auto p = incoming("", alias);
    auto e = in.resolve(p);
    ASSERT_TRUE(e.has_value()) << alias;
    EXPECT_EQ(e->code, reason_code::protocol_error);
  }
  auto rebind = incoming("new", 4);
  auto use = incoming("", 4);
  ASSERT_EQ(in.resolve(rebind), std::nullopt);
  ASSERT_EQ(in.resolve(use), std::nullopt);
  EXPECT_EQ(use.topic, "new");
}
