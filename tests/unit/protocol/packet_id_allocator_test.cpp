// packet_id_allocator: identifiers 1..65535, handed out round-robin after the last one allocated.

#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "iotactor/protocol.hpp"

using namespace iotactor::protocol;

namespace {

constexpr std::uint32_t id_count = 65535;

/// Allocates every free identifier; returns how many were allocated.
std::size_t allocate_all(packet_id_allocator& a) {
  std::size_t n = 0;
  while (a.allocate()) ++n;
  return n;
}

}  // namespace

TEST(packet_id_allocator, new_allocator_has_nothing_in_use) {
  packet_id_allocator a;
  EXPECT_EQ(a.used(), 0U);
  EXPECT_FALSE(a.in_use(0));
  EXPECT_FALSE(a.in_use(1));
  EXPECT_FALSE(a.in_use(65535));
}

TEST(packet_id_allocator, allocate_counts_up_from_1) {
  packet_id_allocator a;
  EXPECT_EQ(a.allocate(), std::optional<std::uint16_t>(1));
  EXPECT_EQ(a.allocate(), std::optional<std::uint16_t>(2));
  EXPECT_EQ(a.allocate(), std::optional<std::uint16_t>(3));
  EXPECT_EQ(a.used(), 3U);
  EXPECT_TRUE(a.in_use(1));
  EXPECT_TRUE(a.in_use(2));
  EXPECT_TRUE(a.in_use(3));
  EXPECT_FALSE(a.in_use(4));
  EXPECT_FALSE(a.in_use(0));
}

TEST(packet_id_allocator, all_65535_identifiers_can_be_allocated_then_none) {
  packet_id_allocator a;
  for (std::uint32_t expected = 1; expected <= id_count; ++expected) {
    auto id = a.allocate();
    ASSERT_TRUE(id.has_value()) << "ran out after " << expected - 1;
    ASSERT_EQ(*id, expected);
  }
  EXPECT_EQ(a.used(), id_count);
  EXPECT_FALSE(a.allocate().has_value());
  EXPECT_FALSE(a.allocate().has_value()) << "a failed allocation must not change anything";
  EXPECT_EQ(a.used(), id_count);
  EXPECT_TRUE(a.in_use(1));
  EXPECT_TRUE(a.in_use(65535));
  EXPECT_FALSE(a.in_use(0));
}

TEST(packet_id_allocator, released_identifier_is_not_reused_at_once) {
  packet_id_allocator a;
  ASSERT_EQ(a.allocate(), std::optional<std::uint16_t>(1));
  ASSERT_EQ(a.allocate(), std::optional<std::uint16_t>(2));
  ASSERT_EQ(a.allocate(), std::optional<std::uint16_t>(3));
  EXPECT_TRUE(a.release(3));  // the one allocated last
  EXPECT_EQ(a.allocate(), std::optional<std::uint16_t>(4));
  EXPECT_TRUE(a.release(1));
  EXPECT_EQ(a.allocate(), std::optional<std::uint16_t>(5));
  EXPECT_EQ(a.used(), 3U);  // 2, 4, 5
  EXPECT_FALSE(a.in_use(1));
  EXPECT_FALSE(a.in_use(3));
}

TEST(packet_id_allocator, allocation_wraps_after_65535_to_the_lowest_free_identifier) {
  packet_id_allocator a;
  ASSERT_EQ(allocate_all(a), id_count);
  EXPECT_TRUE(a.release(10));
  EXPECT_TRUE(a.release(5));
  EXPECT_TRUE(a.release(65535));
  // The last allocated was 65535: the search wraps to 1 and finds 5, then 10, then 65535.
  EXPECT_EQ(a.allocate(), std::optional<std::uint16_t>(5));
  EXPECT_EQ(a.allocate(), std::optional<std::uint16_t>(10));
  EXPECT_EQ(a.allocate(), std::optional<std::uint16_t>(65535));
  EXPECT_FALSE(a.allocate().has_value());
  EXPECT_EQ(a.used(), id_count);
}

TEST(packet_id_allocator, allocation_continues_after_the_last_allocated_not_the_lowest_free) {
  packet_id_allocator a;
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(a.allocate().has_value());  // 1..100
  for (std::uint16_t id = 1; id <= 50; ++id) ASSERT_TRUE(a.release(id));
  EXPECT_EQ(a.allocate(), std::optional<std::uint16_t>(101));
  for (std::uint32_t id = 102; id <= id_count; ++id)
    ASSERT_EQ(a.allocate(), std::optional<std::uint16_t>(id));
  // Wrapped: now the freed 1..50 come back in order.
  for (std::uint16_t id = 1; id <= 50; ++id) ASSERT_EQ(a.allocate(), std::optional<std::uint16_t>(id));
  EXPECT_FALSE(a.allocate().has_value());
}

TEST(packet_id_allocator, the_only_free_identifier_is_found_wherever_it_is) {
  packet_id_allocator a;
  ASSERT_EQ(allocate_all(a), id_count);
  for (std::uint16_t id : {std::uint16_t{1}, std::uint16_t{32768}, std::uint16_t{65535}, std::uint16_t{2}}) {
    ASSERT_TRUE(a.release(id));
    EXPECT_EQ(a.allocate(), std::optional<std::uint16_t>(id));
    EXPECT_FALSE(a.allocate().has_value());
  }
}

TEST(packet_id_allocator, reserve_zero_is_refused) {
  packet_id_allocator a;
  EXPECT_FALSE(a.reserve(0));
  EXPECT_EQ(a.used(), 0U);
  EXPECT_FALSE(a.in_use(0));
}

TEST(packet_id_allocator, reserve_marks_an_identifier_used_once) {
  packet_id_allocator a;
  EXPECT_TRUE(a.reserve(7));
  EXPECT_TRUE(a.in_use(7));
  EXPECT_EQ(a.used(), 1U);
  EXPECT_FALSE(a.reserve(7));
  EXPECT_EQ(a.used(), 1U);
  EXPECT_TRUE(a.reserve(65535));
  EXPECT_TRUE(a.reserve(1));
  EXPECT_EQ(a.used(), 3U);
}

TEST(packet_id_allocator, reserve_of_an_allocated_identifier_is_refused) {
  packet_id_allocator a;
  ASSERT_EQ(a.allocate(), std::optional<std::uint16_t>(1));
  EXPECT_FALSE(a.reserve(1));
  EXPECT_EQ(a.used(), 1U);
}

TEST(packet_id_allocator, allocate_skips_reserved_identifiers) {
  packet_id_allocator a;
  ASSERT_TRUE(a.reserve(1));
  ASSERT_TRUE(a.reserve(2));
  EXPECT_EQ(a.allocate(), std::optional<std::uint16_t>(3));
  ASSERT_TRUE(a.reserve(4));
  EXPECT_EQ(a.allocate(), std::optional<std::uint16_t>(5));
  EXPECT_EQ(a.used(), 5U);
}

// The header: allocate() gives "the next free identifier after the one allocated last". reserve() restores
// a session's identifiers; it allocates nothing, so it does not move that position.
TEST(packet_id_allocator, reserve_does_not_move_the_allocation_cursor) {
  packet_id_allocator a;
  ASSERT_EQ(a.allocate(), std::optional<std::uint16_t>(1));
  ASSERT_TRUE(a.reserve(5));
  EXPECT_EQ(a.allocate(), std::optional<std::uint16_t>(2)) << "the identifier allocated last is 1";
  ASSERT_TRUE(a.reserve(40000));
  EXPECT_EQ(a.allocate(), std::optional<std::uint16_t>(3)) << "the identifier allocated last is 2";
}

TEST(packet_id_allocator, reserve_after_all_allocated_is_refused_everywhere) {
  packet_id_allocator a;
  ASSERT_EQ(allocate_all(a), id_count);
  EXPECT_FALSE(a.reserve(1));
  EXPECT_FALSE(a.reserve(40000));
  EXPECT_FALSE(a.reserve(65535));
  ASSERT_TRUE(a.release(40000));
  EXPECT_TRUE(a.reserve(40000));
  EXPECT_FALSE(a.allocate().has_value());
}

TEST(packet_id_allocator, release_of_a_free_identifier_is_refused) {
  packet_id_allocator a;
  EXPECT_FALSE(a.release(1));
  EXPECT_FALSE(a.release(0));
  EXPECT_FALSE(a.release(65535));
  ASSERT_EQ(a.allocate(), std::optional<std::uint16_t>(1));
  EXPECT_TRUE(a.release(1));
  EXPECT_FALSE(a.release(1)) << "released twice";
  EXPECT_EQ(a.used(), 0U);
}

TEST(packet_id_allocator, release_of_a_reserved_identifier_frees_it) {
  packet_id_allocator a;
  ASSERT_TRUE(a.reserve(300));
  EXPECT_TRUE(a.release(300));
  EXPECT_FALSE(a.in_use(300));
  EXPECT_EQ(a.used(), 0U);
  EXPECT_TRUE(a.reserve(300));
}

TEST(packet_id_allocator, release_and_reserve_in_a_fragmented_space) {
  packet_id_allocator a;
  ASSERT_EQ(allocate_all(a), id_count);
  // Free every odd identifier, then take some back by reserve and the rest by allocate.
  for (std::uint32_t id = 1; id <= id_count; id += 2) ASSERT_TRUE(a.release(static_cast<std::uint16_t>(id)));
  EXPECT_EQ(a.used(), id_count / 2);
  for (std::uint32_t id = 1; id <= id_count; id += 4) ASSERT_TRUE(a.reserve(static_cast<std::uint16_t>(id)));
  for (std::uint32_t id = 1; id <= id_count; ++id) {
    ASSERT_EQ(a.in_use(static_cast<std::uint16_t>(id)), id % 4 != 3) << id;
  }
  // Allocation hands out exactly the free identifiers 3, 7, 11, ..., 65535, once each, ascending from
  // some starting point and wrapping once.
  std::vector<std::uint16_t> got;
  while (auto id = a.allocate()) got.push_back(*id);
  ASSERT_EQ(got.size(), (id_count + 1) / 4);
  std::size_t descents = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i] % 4, 3) << got[i];
    if (got[(i + 1) % got.size()] <= got[i]) ++descents;
  }
  EXPECT_EQ(descents, 1U) << "not one ascending run wrapping once";
  EXPECT_EQ(a.used(), id_count);
}

// A few thousand random operations, each checked against a model: a std::set of used identifiers and the
// identifier allocated last. Whether reserve() moves that position is pinned by
// reserve_does_not_move_the_allocation_cursor alone: here an allocation right after a reserve may continue
// after either. It starts with the cursor near the top, so allocation wraps around during the run.
TEST(packet_id_allocator, agrees_with_a_set_model_under_random_operations) {
  packet_id_allocator a;
  std::set<std::uint16_t> used;
  std::uint16_t last = 0;          // allocated last
  std::uint16_t last_touched = 0;  // allocated or reserved last

  auto next_free_after = [&](std::uint16_t start) {
    std::uint16_t candidate = start;
    do {
      candidate = candidate == 65535 ? 1 : static_cast<std::uint16_t>(candidate + 1);
    } while (used.count(candidate) != 0);
    return candidate;
  };
  // Checks one allocation against the model and applies it; returns what is wrong, or "".
  auto check_allocate = [&](std::optional<std::uint16_t> got) -> std::string {
    if (used.size() == id_count) return got ? "allocated " + std::to_string(*got) + " with none free" : "";
    if (!got) return "allocation failed with " + std::to_string(id_count - used.size()) + " free";
    const std::uint16_t after_allocated = next_free_after(last);
    const std::uint16_t after_touched = next_free_after(last_touched);
    if (*got != after_allocated && *got != after_touched) {
      return "allocated " + std::to_string(*got) + ", expected " + std::to_string(after_allocated) + " or " +
             std::to_string(after_touched);
    }
    used.insert(*got);
    last = last_touched = *got;
    return "";
  };

  // Move the cursor to 65000, keeping a scattering of identifiers in use.
  std::mt19937 rng(4242);
  for (std::uint32_t i = 1; i <= 65000; ++i) {
    auto id = a.allocate();
    ASSERT_EQ(id, std::optional<std::uint16_t>(i));
    ASSERT_EQ(check_allocate(id), "");
  }
  for (std::uint32_t id = 1; id <= 65000; ++id) {
    if (rng() % 300 != 0) {
      ASSERT_TRUE(a.release(static_cast<std::uint16_t>(id)));
      used.erase(static_cast<std::uint16_t>(id));
    }
  }
  ASSERT_EQ(a.used(), used.size());

  // Identifiers near the cursor and in use are more interesting than uniform ones.
  auto pick = [&]() -> std::uint16_t {
    switch (rng() % 4) {
      case 0:
        return static_cast<std::uint16_t>(rng() % 65536);  // anything, 0 included
      case 1:
        return static_cast<std::uint16_t>(last + rng() % 16 - 8);
      case 2:
        if (!used.empty()) {
          auto it = used.lower_bound(static_cast<std::uint16_t>(rng() % 65536));
          if (it == used.end()) it = used.begin();
          return *it;
        }
        return 1;
      default:
        return static_cast<std::uint16_t>(1 + rng() % 40);
    }
  };

  for (int step = 0; step < 5000; ++step) {
    const unsigned op = rng() % 10;
    if (op < 4) {
      ASSERT_EQ(check_allocate(a.allocate()), "") << "step " << step;
    } else if (op < 7) {
      const std::uint16_t id = pick();
      const bool expected = used.erase(id) == 1;
      ASSERT_EQ(a.release(id), expected) << "release(" << id << ") at step " << step;
    } else if (op < 9) {
      const std::uint16_t id = pick();
      const bool expected = id != 0 && used.insert(id).second;
      ASSERT_EQ(a.reserve(id), expected) << "reserve(" << id << ") at step " << step;
      if (expected) last_touched = id;
    } else {
      const std::uint16_t id = pick();
      ASSERT_EQ(a.in_use(id), used.count(id) == 1) << "in_use(" << id << ") at step " << step;
    }
    ASSERT_EQ(a.used(), used.size()) << "step " << step;
  }
  for (std::uint32_t id = 0; id <= id_count; ++id) {
    ASSERT_EQ(a.in_use(static_cast<std::uint16_t>(id)), used.count(static_cast<std::uint16_t>(id)) == 1)
        << id;
  }
}
