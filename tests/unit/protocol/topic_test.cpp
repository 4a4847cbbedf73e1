// Topic names, topic filters, shared subscriptions, matching, and the topic_matcher trie.

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "iotactor/protocol.hpp"

using namespace iotactor::protocol;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

namespace {

std::string printable(std::string_view s) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out = "\"";
  for (char c : s) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7F) {
      out += c;
    } else {
      out += "\\x";
      out += digits[byte >> 4U];
      out += digits[byte & 0x0FU];
    }
  }
  return out + "\"";
}

std::vector<topic_matcher::id> match(const topic_matcher& m, std::string_view topic) {
  std::vector<topic_matcher::id> out;
  m.match(topic, out);
  return out;
}

using namespace std::string_view_literals;

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// is_valid_mqtt_utf8
// ---------------------------------------------------------------------------------------------------------

TEST(topic, is_valid_mqtt_utf8_accepts_well_formed_text) {
  const std::vector<std::string_view> valid{
      ""sv,
      "a"sv,
      "sport/tennis/player1"sv,
      "$SYS/monitor"sv,
      "a b"sv,
      "\xC2\x80"sv,          // U+0080, smallest two-byte form
      "\xC2\xA9"sv,          // U+00A9
      "\xDF\xBF"sv,          // U+07FF, largest two-byte form
      "\xE0\xA0\x80"sv,      // U+0800, smallest three-byte form
      "\xE2\x82\xAC"sv,      // U+20AC
      "\xED\x9F\xBF"sv,      // U+D7FF, just below the surrogates
      "\xEE\x80\x80"sv,      // U+E000, just above the surrogates
      "\xEF\xBB\xBF"sv,      // U+FEFF, zero-width no-break space (must not be stripped)
      "\xF0\x90\x80\x80"sv,  // U+10000, smallest four-byte form
      "\xF0\x9F\x98\x80"sv,  // U+1F600
      "\xF4\x8F\xBF\xBF"sv,  // U+10FFFF, the largest code point
      "a\xC3\xA9z/\xE6\x97\xA5\xE6\x9C\xAC"sv,
  };
  for (std::string_view s : valid) EXPECT_TRUE(is_valid_mqtt_utf8(s)) << printable(s);
}

TEST(topic, is_valid_mqtt_utf8_rejects_nul_surrogates_overlong_forms_and_broken_sequences) {
  const std::vector<std::string_view> invalid{
      "\0"sv,                        // U+0000
      "a\0b"sv,                      // U+0000 inside
      "\xC0\x80"sv,                  // overlong U+0000
      "\xC0\xAF"sv,                  // overlong '/'
      "\xC1\xBF"sv,                  // overlong U+007F
      "\xE0\x80\xAF"sv,              // overlong '/' in three bytes
      "\xE0\x9F\xBF"sv,              // overlong U+07FF
      "\xF0\x80\x80\xAF"sv,          // overlong '/' in four bytes
      "\xF0\x8F\xBF\xBF"sv,          // overlong U+FFFF
      "\xED\xA0\x80"sv,              // U+D800, high surrogate
      "\xED\xBF\xBF"sv,              // U+DFFF, low surrogate
      "\xED\xA0\xBD\xED\xB8\x80"sv,  // a surrogate pair (CESU-8)
      "\xF4\x90\x80\x80"sv,          // U+110000
      "\xF5\x80\x80\x80"sv,          // lead byte F5
      "\xF8\x88\x80\x80\x80"sv,      // five-byte form
      "\xFC\x84\x80\x80\x80\x80"sv,  // six-byte form
      "\xFE"sv,
      "\xFF"sv,
      "\x80"sv,              // lone continuation byte
      "a\xBF"sv,             // lone continuation byte after ASCII
      "\xC3"sv,              // truncated two-byte sequence
      "\xE2\x82"sv,          // truncated three-byte sequence
      "\xF0\x9F\x98"sv,      // truncated four-byte sequence
      "\xE2\x82z"sv,         // truncated sequence followed by ASCII
      "\xC3\x28"sv,          // bad continuation byte
      "\xE2\x28\xA1"sv,      // bad continuation byte
      "\xF0\x9F\x28\x80"sv,  // bad continuation byte
  };
  for (std::string_view s : invalid) EXPECT_FALSE(is_valid_mqtt_utf8(s)) << printable(s);
}

// ---------------------------------------------------------------------------------------------------------
// validate_topic_name
// ---------------------------------------------------------------------------------------------------------

TEST(topic, validate_topic_name_accepts_names) {
  const std::string longest(65535, 'a');
  const std::vector<std::string_view> valid{
      "a"sv,
      "a/b"sv,
      "/"sv,
      "//"sv,
      "a//b"sv,
      "/finance"sv,
      "finance/"sv,
      "sport/tennis/player1"sv,
      "$SYS/monitor/Clients"sv,
      " "sv,
      "a b/c d"sv,
      "\xE2\x82\xAC/\xF0\x9F\x98\x80"sv,
      std::string_view(longest),
  };
  for (std::string_view s : valid) {
    auto e = validate_topic_name(s);
    EXPECT_FALSE(e.has_value()) << printable(s.substr(0, 40)) << ": " << e->message;
  }
}

TEST(topic, validate_topic_name_rejects_empty_wildcards_bad_utf8_and_too_long) {
  const std::string too_long(65536, 'a');
  const std::vector<std::string_view> invalid{
      ""sv,
      "+"sv,
      "#"sv,
      "a/+"sv,
      "+/a"sv,
      "a/#"sv,
      "a+b"sv,
      "a#"sv,
      "a/b+/c"sv,
      "sport/tennis#"sv,
      "a\0b"sv,
      "\xC0\x80"sv,
      "\xED\xA0\x80"sv,
      "\xFF"sv,
      std::string_view(too_long),
  };
  for (std::string_view s : invalid) {
    auto e = validate_topic_name(s);
    ASSERT_TRUE(e.has_value()) << printable(s.substr(0, 40)) << " was accepted";
    EXPECT_FALSE(e->message.empty()) << printable(s.substr(0, 40));
  }
}

// ---------------------------------------------------------------------------------------------------------
// validate_topic_filter
// ---------------------------------------------------------------------------------------------------------

TEST(topic, validate_topic_filter_accepts_filters) {
  const std::vector<std::string_view> valid{
      "#"sv,
      "+"sv,
      "a"sv,
      "/"sv,
      "a/b"sv,
      "a/#"sv,
      "a/+"sv,
      "+/+"sv,
      "/+"sv,
      "+/"sv,
      "/#"sv,
      "+/#"sv,
      "a//b"sv,
      "a/+/b"sv,
      "+/tennis/#"sv,
      "sport/tennis/player1/#"sv,
      "$SYS/#"sv,
      "$SYS/monitor/+"sv,
      "\xE2\x82\xAC/+"sv,
      "$share/g/a/b"sv,
      "$share/g/#"sv,
      "$share/g/+"sv,
      "$share/g/+/b/#"sv,
      "$share/group-1/a/+/c"sv,
      "$share/\xE2\x82\xAC/a"sv,
  };
  for (std::string_view s : valid) {
    auto e = validate_topic_filter(s);
    EXPECT_FALSE(e.has_value()) << printable(s) << ": " << e->message;
  }
}

TEST(topic, validate_topic_filter_rejects_misplaced_wildcards_and_bad_shared_subscriptions) {
  const std::vector<std::string_view> invalid{
      ""sv,
      "a/#/b"sv,
      "#/a"sv,
      "##"sv,
      "a#"sv,
      "a/b#"sv,
      "a+"sv,
      "+a"sv,
      "a/+b/c"sv,
      "sport+"sv,
      "++"sv,
      "a\0b"sv,
      "\xC0\x80"sv,
      "\xED\xA0\x80/#"sv,
      "$share//a"sv,       // empty share name
      "$share/g"sv,        // no filter
      "$share/g/"sv,       // empty filter
      "$share/g+/a"sv,     // '+' in the share name
      "$share/g#/a"sv,     // '#' in the share name
      "$share/+/a"sv,      // share name is a wildcard
      "$share/#/a"sv,      // share name is a wildcard
      "$share/g/a/#/b"sv,  // invalid filter after the share name
      "$share/g/a+"sv,     // invalid filter after the share name
  };
  for (std::string_view s : invalid) {
    auto e = validate_topic_filter(s);
    ASSERT_TRUE(e.has_value()) << printable(s) << " was accepted";
    EXPECT_FALSE(e->message.empty()) << printable(s);
  }
}

TEST(topic, validate_topic_filter_limits_length_to_65535_bytes) {
  const std::string longest(65535, 'a');
  EXPECT_FALSE(validate_topic_filter(longest).has_value());
  const std::string too_long(65536, 'a');
  EXPECT_TRUE(validate_topic_filter(too_long).has_value());
}

// ---------------------------------------------------------------------------------------------------------
// parse_shared_subscription
// ---------------------------------------------------------------------------------------------------------

TEST(topic, parse_shared_subscription_splits_group_and_filter) {
  struct row {
    std::string_view input, group, filter;
  };
  const std::vector<row> rows{
      {"$share/g/a/b", "g", "a/b"},
      {"$share/grp/#", "grp", "#"},
      {"$share/consumers/+/status", "consumers", "+/status"},
      {"$share/g/$SYS/x", "g", "$SYS/x"},
      {"$share/g//", "g", "/"},
  };
  for (const row& r : rows) {
    auto s = parse_shared_subscription(r.input);
    ASSERT_TRUE(s.has_value()) << r.input;
    EXPECT_EQ(s->group, r.group) << r.input;
    EXPECT_EQ(s->filter, r.filter) << r.input;
  }
}

TEST(topic, parse_shared_subscription_returns_nothing_for_ordinary_filters) {
  for (std::string_view f : {"a/b"sv, "#"sv, "+/x"sv, "$SYS/#"sv, "share/g/a"sv, "$shared/g/a"sv,
                             "$SHARE/g/a"sv, "a/$share/g/b"sv}) {
    EXPECT_FALSE(parse_shared_subscription(f).has_value()) << f;
  }
}

// ---------------------------------------------------------------------------------------------------------
// topic_matches
// ---------------------------------------------------------------------------------------------------------

TEST(topic, topic_matches_follows_the_specification_examples) {
  struct row {
    std::string_view filter, topic;
    bool matches;
  };
  const std::vector<row> rows{
      // 4.7.1.2 multi-level wildcard
      {"sport/tennis/player1/#", "sport/tennis/player1", true},
      {"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
      {"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
      {"sport/#", "sport", true},
      {"#", "sport", true},
      {"#", "sport/tennis/player1", true},
      {"#", "/", true},
      // 4.7.1.3 single-level wildcard
      {"sport/tennis/+", "sport/tennis/player1", true},
      {"sport/tennis/+", "sport/tennis/player2", true},
      {"sport/tennis/+", "sport/tennis/player1/ranking", false},
      {"sport/+", "sport", false},
      {"sport/+", "sport/", true},
      {"+/+", "/finance", true},
      {"/+", "/finance", true},
      {"+", "/finance", false},
      {"+/tennis/#", "sport/tennis/player1", true},
      {"+/tennis/#", "sport/tennis", true},
      {"+/tennis/#", "sport/football", false},
      // 4.7.2 topics beginning with $
      {"#", "$SYS/x", false},
      {"#", "$SYS", false},
      {"+", "$SYS", false},
      {"+/monitor/Clients", "$SYS/monitor/Clients", false},
      {"+/#", "$SYS/x", false},
      {"$SYS/#", "$SYS/monitor/Clients", true},
      {"$SYS/#", "$SYS", true},
      {"$SYS/monitor/+", "$SYS/monitor/Clients", true},
      {"$SYS/+", "$SYS", false},
      {"$SYS", "$SYS", true},
      {"a/$x", "a/$x", true},
      {"a/+", "a/$x", true},  // only a leading '$' is special
      {"a/#", "a/$x/y", true},
      // empty levels
      {"a/+/b", "a//b", true},
      {"a//b", "a//b", true},
      {"a/b", "a//b", false},
      {"+/+", "/", true},
      {"/#", "/", true},
      {"+", "/", false},
      {"/+", "/", true},
      {"a/+", "a/", true},
      {"a/#", "a/", true},
      // exact and near misses
      {"a/b", "a/b", true},
      {"a/b", "a/b/c", false},
      {"a/b/c", "a/b", false},
      {"a/b", "a/b/", false},
      {"a/b", "a/bc", false},
      {"a/bc", "a/b", false},
      {"a", "A", false},
      {"a/+", "a/b/c", false},
      {"+/+", "a", false},
      {"+/+/+", "a/b/c", true},
      {"a/+/b", "a/b", false},
      {"a/#", "a", true},
      {"+/#", "a", true},
      {"a/b/#", "a/b", true},
      {"a/b/#", "a/c", false},
      {"\xE2\x82\xAC/+", "\xE2\x82\xAC/x", true},
  };
  for (const row& r : rows) {
    EXPECT_EQ(topic_matches(r.filter, r.topic), r.matches) << "filter " << r.filter << ", topic " << r.topic;
  }
}

// ---------------------------------------------------------------------------------------------------------
// topic_matcher
// ---------------------------------------------------------------------------------------------------------

TEST(topic_matcher, empty_matcher_matches_nothing) {
  topic_matcher m;
  EXPECT_TRUE(m.empty());
  EXPECT_EQ(m.size(), 0U);
  EXPECT_THAT(match(m, "a"), IsEmpty());
  EXPECT_THAT(match(m, "$SYS/x"), IsEmpty());
}

TEST(topic_matcher, match_appends_without_clearing_out) {
  topic_matcher m;
  m.insert("a", 1);
  std::vector<topic_matcher::id> out{99};
  m.match("a", out);
  EXPECT_THAT(out, ElementsAre(99, 1));
}

TEST(topic_matcher, insert_match_erase) {
  topic_matcher m;
  m.insert("a/b", 1);
  EXPECT_FALSE(m.empty());
  EXPECT_EQ(m.size(), 1U);
  EXPECT_THAT(match(m, "a/b"), ElementsAre(1));
  EXPECT_THAT(match(m, "a"), IsEmpty());
  EXPECT_THAT(match(m, "a/b/c"), IsEmpty());
  EXPECT_TRUE(m.erase("a/b", 1));
  EXPECT_TRUE(m.empty());
  EXPECT_THAT(match(m, "a/b"), IsEmpty());
}

TEST(topic_matcher, overlapping_filters_all_match_once_each) {
  topic_matcher m;
  m.insert("a/#", 1);
  m.insert("a/+", 2);
  m.insert("a/b", 3);
  m.insert("#", 4);
  m.insert("+/b", 5);
  m.insert("+/+", 6);
  m.insert("a/b/#", 7);  // '#' also matches the parent level
  m.insert("+/#", 8);
  // These do not match "a/b".
  m.insert("a/c", 20);
  m.insert("a", 21);
  m.insert("+", 22);
  m.insert("a/b/c", 23);
  m.insert("a/b/+", 24);
  m.insert("b/#", 25);
  m.insert("/a/b", 26);
  EXPECT_EQ(m.size(), 15U);
  EXPECT_THAT(match(m, "a/b"), UnorderedElementsAre(1, 2, 3, 4, 5, 6, 7, 8));
  EXPECT_THAT(match(m, "a"), UnorderedElementsAre(1, 4, 8, 21, 22));
  EXPECT_THAT(match(m, "a/b/c"), UnorderedElementsAre(1, 4, 7, 8, 23, 24));
}

TEST(topic_matcher, inserting_a_present_pair_changes_nothing) {
  topic_matcher m;
  m.insert("a/+", 1);
  m.insert("a/+", 1);
  EXPECT_EQ(m.size(), 1U);
  EXPECT_THAT(match(m, "a/b"), ElementsAre(1));
  EXPECT_TRUE(m.erase("a/+", 1));
  EXPECT_FALSE(m.erase("a/+", 1));
  EXPECT_TRUE(m.empty());
}

TEST(topic_matcher, one_id_under_two_filters_is_two_pairs) {
  topic_matcher m;
  m.insert("a/#", 7);
  m.insert("a/b", 7);
  EXPECT_EQ(m.size(), 2U);
  EXPECT_THAT(match(m, "a/b"), ElementsAre(7, 7));
  EXPECT_THAT(match(m, "a/c"), ElementsAre(7));
  EXPECT_TRUE(m.erase("a/b", 7));
  EXPECT_THAT(match(m, "a/b"), ElementsAre(7));
}

TEST(topic_matcher, many_ids_under_one_filter) {
  topic_matcher m;
  for (topic_matcher::id i = 1; i <= 5; ++i) m.insert("x/+", i);
  EXPECT_EQ(m.size(), 5U);
  EXPECT_THAT(match(m, "x/y"), UnorderedElementsAre(1, 2, 3, 4, 5));
  EXPECT_TRUE(m.erase("x/+", 3));
  EXPECT_THAT(match(m, "x/y"), UnorderedElementsAre(1, 2, 4, 5));
  EXPECT_EQ(m.size(), 4U);
}

TEST(topic_matcher, shared_subscription_matches_like_its_filter) {
  topic_matcher m;
  m.insert("$share/g/a/+", 5);
  EXPECT_EQ(m.size(), 1U);
  EXPECT_THAT(match(m, "a/x"), ElementsAre(5));
  EXPECT_THAT(match(m, "a"), IsEmpty());
  EXPECT_THAT(match(m, "$share/g/a/x"), IsEmpty());
  EXPECT_THAT(match(m, "a/x/y"), IsEmpty());

  m.insert("a/+", 6);  // the same filter unshared is another pair
  EXPECT_EQ(m.size(), 2U);
  EXPECT_THAT(match(m, "a/x"), UnorderedElementsAre(5, 6));

  EXPECT_FALSE(m.erase("a/+", 5));
  EXPECT_FALSE(m.erase("$share/h/a/+", 5));
  EXPECT_TRUE(m.erase("$share/g/a/+", 5));
  EXPECT_THAT(match(m, "a/x"), ElementsAre(6));
}

TEST(topic_matcher, shared_subscriptions_of_two_groups_are_distinct_pairs) {
  topic_matcher m;
  m.insert("$share/g1/a/#", 1);
  m.insert("$share/g2/a/#", 1);
  EXPECT_EQ(m.size(), 2U);
  EXPECT_THAT(match(m, "a/b"), ElementsAre(1, 1));
  EXPECT_TRUE(m.erase("$share/g1/a/#", 1));
  EXPECT_EQ(m.size(), 1U);
  EXPECT_THAT(match(m, "a/b"), ElementsAre(1));
  EXPECT_TRUE(m.erase("$share/g2/a/#", 1));
  EXPECT_TRUE(m.empty());
}

TEST(topic_matcher, dollar_topics_are_not_matched_by_leading_wildcards) {
  topic_matcher m;
  m.insert("#", 1);
  m.insert("+/monitor/Clients", 2);
  m.insert("+/#", 3);
  m.insert("$SYS/#", 4);
  m.insert("$SYS/monitor/+", 5);
  m.insert("$share/g/#", 6);
  m.insert("+", 7);
  EXPECT_THAT(match(m, "$SYS/monitor/Clients"), UnorderedElementsAre(4, 5));
  EXPECT_THAT(match(m, "$SYS"), UnorderedElementsAre(4));
  EXPECT_THAT(match(m, "x/monitor/Clients"), UnorderedElementsAre(1, 2, 3, 6));
  EXPECT_THAT(match(m, "x"), UnorderedElementsAre(1, 3, 6, 7));
}

TEST(topic_matcher, empty_levels_are_levels) {
  topic_matcher m;
  m.insert("a/+/b", 1);
  m.insert("a//b", 2);
  m.insert("+/+", 3);
  m.insert("/+", 4);
  m.insert("+", 5);
  EXPECT_THAT(match(m, "a//b"), UnorderedElementsAre(1, 2));
  EXPECT_THAT(match(m, "/finance"), UnorderedElementsAre(3, 4));
  EXPECT_THAT(match(m, "/"), UnorderedElementsAre(3, 4));
  EXPECT_THAT(match(m, "finance"), UnorderedElementsAre(5));
}

TEST(topic_matcher, erase_of_an_absent_pair_returns_false) {
  topic_matcher m;
  EXPECT_FALSE(m.erase("a", 1));
  m.insert("a/b", 1);
  EXPECT_FALSE(m.erase("a/b", 2));    // filter present, id not
  EXPECT_FALSE(m.erase("a", 1));      // id present, filter not (a prefix of a present filter)
  EXPECT_FALSE(m.erase("a/b/c", 1));  // a longer filter
  EXPECT_FALSE(m.erase("a/+", 1));
  EXPECT_FALSE(m.erase("#", 1));
  EXPECT_EQ(m.size(), 1U);
  EXPECT_THAT(match(m, "a/b"), ElementsAre(1));
}

TEST(topic_matcher, erase_keeps_the_other_filters_on_a_shared_path) {
  topic_matcher m;
  m.insert("a", 1);
  m.insert("a/b", 2);
  m.insert("a/b/c", 3);
  m.insert("a/#", 4);
  EXPECT_TRUE(m.erase("a/b", 2));
  EXPECT_THAT(match(m, "a/b/c"), UnorderedElementsAre(3, 4));
  EXPECT_THAT(match(m, "a/b"), UnorderedElementsAre(4));
  EXPECT_THAT(match(m, "a"), UnorderedElementsAre(1, 4));
  EXPECT_TRUE(m.erase("a/#", 4));
  EXPECT_THAT(match(m, "a/b/c"), UnorderedElementsAre(3));
  EXPECT_THAT(match(m, "a"), UnorderedElementsAre(1));
  EXPECT_TRUE(m.erase("a", 1));
  EXPECT_THAT(match(m, "a/b/c"), UnorderedElementsAre(3));
  EXPECT_TRUE(m.erase("a/b/c", 3));
  EXPECT_TRUE(m.empty());
  EXPECT_THAT(match(m, "a/b/c"), IsEmpty());
  m.insert("a/b/c", 3);  // usable again after being emptied
  EXPECT_THAT(match(m, "a/b/c"), ElementsAre(3));
}

TEST(topic_matcher, is_movable) {
  topic_matcher m;
  m.insert("a/+", 1);
  m.insert("#", 2);
  topic_matcher moved(std::move(m));
  EXPECT_EQ(moved.size(), 2U);
  EXPECT_THAT(match(moved, "a/b"), UnorderedElementsAre(1, 2));
  topic_matcher assigned;
  assigned.insert("x", 3);
  assigned = std::move(moved);
  EXPECT_EQ(assigned.size(), 2U);
  EXPECT_THAT(match(assigned, "a/b"), UnorderedElementsAre(1, 2));
  EXPECT_THAT(match(assigned, "x"), UnorderedElementsAre(2));
}

// Every filter of up to four levels over {"a", "b", "", "+"}, optionally ending in "#", plus '$' filters and
// their shared forms, against every topic of up to four levels over {"a", "b", ""} and '$' topics: the trie
// agrees with topic_matches() for each, before and after erasing a random half of the pairs.
TEST(topic_matcher, agrees_with_topic_matches_on_a_generated_table) {
  const std::vector<std::string> filter_levels{"a", "b", "", "+"};
  const std::vector<std::string> topic_levels{"a", "b", ""};

  std::vector<std::string> filters;
  std::vector<std::string> prefixes{""};  // joined levels, each ending in '/' unless empty
  for (int depth = 1; depth <= 4; ++depth) {
    std::vector<std::string> next;
    for (const std::string& p : prefixes) {
      for (const std::string& l : filter_levels) {
        filters.push_back(p + l);
        next.push_back(p + l + "/");
      }
      filters.push_back(p + "#");
    }
    prefixes = std::move(next);
  }
  filters.erase(std::remove(filters.begin(), filters.end(), std::string()), filters.end());
  for (const char* f : {"$s", "$s/#", "$s/+", "$s/a", "$s/+/a", "$s//#", "$t/#", "a/$s", "+/$s"}) {
    filters.emplace_back(f);
  }

  std::vector<std::string> topics;
  std::vector<std::string> topic_prefixes{""};
  for (int depth = 1; depth <= 4; ++depth) {
    std::vector<std::string> next;
    for (const std::string& p : topic_prefixes) {
      for (const std::string& l : topic_levels) {
        topics.push_back(p + l);
        next.push_back(p + l + "/");
      }
    }
    topic_prefixes = std::move(next);
  }
  topics.erase(std::remove(topics.begin(), topics.end(), std::string()), topics.end());
  for (const char* t : {"$s", "$s/a", "$s/b", "$s/", "$s//a", "$s/a/a", "$t", "$t/a", "a/$s", "b/$s", "$"}) {
    topics.emplace_back(t);
  }

  ASSERT_GE(filters.size(), 300U);
  ASSERT_GE(topics.size(), 100U);
  for (const std::string& f : filters) ASSERT_FALSE(validate_topic_filter(f).has_value()) << f;
  for (const std::string& t : topics) ASSERT_FALSE(validate_topic_name(t).has_value()) << t;

  // Pairs: (filter i, id i) and (shared filter i, id 100000 + i).
  struct pair {
    std::string filter;
    std::string plain;
    topic_matcher::id value;
  };
  std::vector<pair> pairs;
  for (std::size_t i = 0; i < filters.size(); ++i) {
    pairs.push_back({filters[i], filters[i], i});
    pairs.push_back({"$share/g/" + filters[i], filters[i], 100000 + i});
  }

  topic_matcher m;
  for (const pair& p : pairs) m.insert(p.filter, p.value);
  ASSERT_EQ(m.size(), pairs.size());

  auto check = [&](const std::vector<bool>& present) {
    for (const std::string& t : topics) {
      std::vector<topic_matcher::id> expected;
      for (std::size_t i = 0; i < pairs.size(); ++i) {
        if (present[i] && topic_matches(pairs[i].plain, t)) expected.push_back(pairs[i].value);
      }
      std::vector<topic_matcher::id> actual = match(m, t);
      std::sort(expected.begin(), expected.end());
      std::sort(actual.begin(), actual.end());
      ASSERT_EQ(actual, expected) << "topic " << t;
    }
  };
  std::vector<bool> present(pairs.size(), true);
  check(present);

  std::mt19937 rng(20240611);
  std::size_t remaining = pairs.size();
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    if (rng() % 2 == 0) {
      ASSERT_TRUE(m.erase(pairs[i].filter, pairs[i].value)) << pairs[i].filter;
      ASSERT_FALSE(m.erase(pairs[i].filter, pairs[i].value)) << pairs[i].filter;
      present[i] = false;
      --remaining;
    }
  }
  ASSERT_EQ(m.size(), remaining);
  check(present);
}
