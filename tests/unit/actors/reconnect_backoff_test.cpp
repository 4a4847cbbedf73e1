// reconnect_backoff: the delay sequence of each jitter mode, its bounds, and when a connection resets it.

#include "iotactor/actors/reconnect_backoff.hpp"

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace std::chrono_literals;
using iotactor::backoff_options;
using iotactor::jitter_mode;
using iotactor::reconnect_backoff;
using iotactor::validate;
using std::chrono::milliseconds;
using testing::HasSubstr;

namespace {

constexpr std::uint64_t seed = 20240611;
constexpr int draws = 5000;

backoff_options with_mode(jitter_mode mode) {
  backoff_options o;
  o.retry_jitter_mode = mode;
  return o;
}

/// min(max, min_delay * 2^n), computed by doubling so it shares no code with the implementation.
milliseconds expected_base(const backoff_options& o, unsigned n) {
  milliseconds base = o.min_reconnect_delay;
  for (unsigned i = 0; i < n && base < o.max_reconnect_delay; ++i)
    base = base > o.max_reconnect_delay / 2 ? o.max_reconnect_delay : base * 2;
  return std::min(base, o.max_reconnect_delay);
}

std::vector<milliseconds> sequence(reconnect_backoff b, int count) {
  std::vector<milliseconds> out;
  for (int i = 0; i < count; ++i) out.push_back(b.next_delay());
  return out;
}

}  // namespace

TEST(reconnect_backoff, defaults_follow_the_aws_sdk) {
  backoff_options o;
  EXPECT_EQ(o.min_reconnect_delay, 1s);
  EXPECT_EQ(o.max_reconnect_delay, 120s);
  EXPECT_EQ(o.min_connected_time_to_reset_reconnect_delay, 30s);
  EXPECT_EQ(o.retry_jitter_mode, jitter_mode::full);
  EXPECT_EQ(validate(o), std::nullopt);
}

TEST(reconnect_backoff, no_jitter_doubles_from_the_minimum_and_stops_at_the_maximum) {
  reconnect_backoff b(with_mode(jitter_mode::none), seed);
  EXPECT_EQ(b.attempts(), 0U);
  EXPECT_EQ(b.previous_delay(), 0ms);
  const std::vector<milliseconds> expected{1s, 2s, 4s, 8s, 16s, 32s, 64s, 120s, 120s, 120s};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(b.next_delay(), expected[i]) << "attempt " << i;
    EXPECT_EQ(b.attempts(), i + 1);
    EXPECT_EQ(b.previous_delay(), expected[i]);
  }
}

TEST(reconnect_backoff, no_jitter_does_not_overflow_with_the_largest_maximum) {
  backoff_options o = with_mode(jitter_mode::none);
  o.max_reconnect_delay = milliseconds::max();
  reconnect_backoff b(o, seed);
  // 1000 * 2^53 still fits in 63 bits, 1000 * 2^54 does not.
  for (unsigned n = 0; n <= 53; ++n) ASSERT_EQ(b.next_delay(), milliseconds{1000LL << n}) << "attempt " << n;
  for (unsigned n = 54; n < 300; ++n) ASSERT_EQ(b.next_delay(), milliseconds::max()) << "attempt " << n;
}

TEST(reconnect_backoff, decorrelated_does_not_overflow_with_the_largest_maximum) {
  backoff_options o = with_mode(jitter_mode::decorrelated);
  o.max_reconnect_delay = milliseconds::max();
  reconnect_backoff b(o, seed);
  for (int i = 0; i < 500; ++i) {
    const milliseconds d = b.next_delay();
    ASSERT_GE(d, o.min_reconnect_delay) << "draw " << i;
    ASSERT_LE(d, milliseconds::max()) << "draw " << i;
  }
}

TEST(reconnect_backoff, full_jitter_stays_within_zero_and_the_exponential_base) {
  const backoff_options o = with_mode(jitter_mode::full);
  reconnect_backoff b(o, seed);
  int below_half_of_first_base = 0;
  int above_half_of_first_base = 0;
  for (int i = 0; i < draws; ++i) {
    if (i % 12 == 0) b.reset();  // covers both the growing and the capped part of the curve
    const milliseconds base = expected_base(o, b.attempts());
    const milliseconds d = b.next_delay();
    ASSERT_GE(d, 0ms) << "draw " << i;
    ASSERT_LE(d, base) << "draw " << i;
    if (i % 12 == 0) (d < base / 2 ? below_half_of_first_base : above_half_of_first_base)++;
  }
  // Spread over the whole range, unlike equal jitter (never below half) or no jitter.
  EXPECT_GT(below_half_of_first_base, 100);
  EXPECT_GT(above_half_of_first_base, 100);
}

TEST(reconnect_backoff, equal_jitter_stays_within_half_the_base_and_the_base) {
  const backoff_options o = with_mode(jitter_mode::equal);
  reconnect_backoff b(o, seed);
  int low_quarter = 0;
  int high_quarter = 0;
  for (int i = 0; i < draws; ++i) {
    if (i % 12 == 0) b.reset();
    const milliseconds base = expected_base(o, b.attempts());
    const milliseconds d = b.next_delay();
    ASSERT_GE(d, base / 2) << "draw " << i;
    ASSERT_LE(d, base) << "draw " << i;
    if (d < base * 3 / 4) ++low_quarter;
    if (d > base * 3 / 4) ++high_quarter;
  }
  EXPECT_GT(low_quarter, draws / 4);
  EXPECT_GT(high_quarter, draws / 4);
}

TEST(reconnect_backoff, decorrelated_jitter_grows_from_the_previous_delay) {
  const backoff_options o = with_mode(jitter_mode::decorrelated);
  reconnect_backoff b(o, seed);
  double sum_ms = 0;
  int above_three_times_min = 0;
  for (int i = 0; i < draws; ++i) {
    const milliseconds previous = b.previous_delay();
    EXPECT_EQ(previous == 0ms, i == 0) << "the previous delay must be stored, draw " << i;
    const milliseconds upper =
        std::min(o.max_reconnect_delay, 3 * (i == 0 ? o.min_reconnect_delay : previous));
    const milliseconds d = b.next_delay();
    ASSERT_GE(d, o.min_reconnect_delay) << "draw " << i;
    ASSERT_LE(d, upper) << "draw " << i << " after " << previous.count() << " ms";
    ASSERT_EQ(b.previous_delay(), d);
    sum_ms += static_cast<double>(d.count());
    if (d > 3 * o.min_reconnect_delay) ++above_three_times_min;
  }
  // With the previous delay forgotten (the AWS C client), every draw would be in [min, 3 * min] and the
  // mean about 2 * min; stored, the walk climbs towards the maximum.
  const double mean_ms = sum_ms / draws;
  EXPECT_GT(mean_ms, 10.0 * static_cast<double>(o.min_reconnect_delay.count()));
  EXPECT_GT(above_three_times_min, draws / 2);
}

TEST(reconnect_backoff, decorrelated_jitter_starts_from_the_minimum_again_after_a_reset) {
  const backoff_options o = with_mode(jitter_mode::decorrelated);
  reconnect_backoff b(o, seed);
  for (int i = 0; i < 50; ++i) b.next_delay();
  for (int round = 0; round < 200; ++round) {
    b.reset();
    const milliseconds d = b.next_delay();
    ASSERT_GE(d, o.min_reconnect_delay);
    ASSERT_LE(d, 3 * o.min_reconnect_delay) << "round " << round;
    b.next_delay();
  }
}

TEST(reconnect_backoff, every_mode_is_clamped_to_the_maximum) {
  for (jitter_mode mode :
       {jitter_mode::none, jitter_mode::full, jitter_mode::equal, jitter_mode::decorrelated}) {
    backoff_options o = with_mode(mode);
    o.min_reconnect_delay = 1000ms;
    o.max_reconnect_delay = 1500ms;
    reconnect_backoff b(o, seed);
    milliseconds largest{0};
    for (int i = 0; i < 1000; ++i) {
      const milliseconds d = b.next_delay();
      ASSERT_GE(d, 0ms) << "mode " << static_cast<int>(mode);
      ASSERT_LE(d, 1500ms) << "mode " << static_cast<int>(mode);
      largest = std::max(largest, d);
    }
    EXPECT_GT(largest, 1000ms) << "the cap must be reached, mode " << static_cast<int>(mode);
  }
}

TEST(reconnect_backoff, min_equal_to_max_gives_a_constant_delay_without_jitter) {
  backoff_options o = with_mode(jitter_mode::none);
  o.min_reconnect_delay = 5s;
  o.max_reconnect_delay = 5s;
  EXPECT_EQ(validate(o), std::nullopt);
  reconnect_backoff b(o, seed);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(b.next_delay(), 5s);
}

TEST(reconnect_backoff, a_connection_shorter_than_the_minimum_time_keeps_the_backoff) {
  reconnect_backoff b(with_mode(jitter_mode::none), seed);
  const auto t0 = std::chrono::steady_clock::time_point{} + 1000h;
  EXPECT_EQ(b.next_delay(), 1s);
  EXPECT_EQ(b.next_delay(), 2s);
  b.on_connection_success(t0);
  b.on_disconnection(t0 + 29s);
  EXPECT_EQ(b.attempts(), 2U);
  EXPECT_EQ(b.previous_delay(), 2s);
  EXPECT_EQ(b.next_delay(), 4s);
}

TEST(reconnect_backoff, a_connection_lasting_the_minimum_time_resets_the_backoff) {
  reconnect_backoff b(with_mode(jitter_mode::none), seed);
  const auto t0 = std::chrono::steady_clock::time_point{} + 1000h;
  EXPECT_EQ(b.next_delay(), 1s);
  EXPECT_EQ(b.next_delay(), 2s);
  b.on_connection_success(t0);
  b.on_disconnection(t0 + 30s);
  EXPECT_EQ(b.attempts(), 0U);
  EXPECT_EQ(b.previous_delay(), 0ms);
  EXPECT_EQ(b.next_delay(), 1s);
}

TEST(reconnect_backoff, the_connected_time_counts_from_the_latest_success) {
  reconnect_backoff b(with_mode(jitter_mode::none), seed);
  const auto t0 = std::chrono::steady_clock::time_point{} + 1000h;
  b.next_delay();
  b.on_connection_success(t0);
  b.on_disconnection(t0 + 20s);
  b.next_delay();
  b.on_connection_success(t0 + 25s);
  b.on_disconnection(t0 + 50s);  // 25 s connected, although 50 s after the first success
  EXPECT_EQ(b.attempts(), 2U);
  // A failed attempt reported as a disconnection without a new success does not reset either.
  b.on_disconnection(t0 + 200s);
  EXPECT_EQ(b.attempts(), 2U);
  EXPECT_EQ(b.next_delay(), 4s);
}

TEST(reconnect_backoff, a_zero_minimum_connected_time_resets_on_every_disconnection_after_a_success) {
  backoff_options o = with_mode(jitter_mode::none);
  o.min_connected_time_to_reset_reconnect_delay = 0ms;
  reconnect_backoff b(o, seed);
  const auto t0 = std::chrono::steady_clock::time_point{} + 1000h;
  b.next_delay();
  b.next_delay();
  b.on_disconnection(t0);
  EXPECT_EQ(b.attempts(), 2U) << "no success, no reset";
  b.on_connection_success(t0);
  b.on_disconnection(t0);
  EXPECT_EQ(b.attempts(), 0U);
}

TEST(reconnect_backoff, reset_forgets_attempts_and_the_previous_delay) {
  reconnect_backoff b(with_mode(jitter_mode::none), seed);
  for (int i = 0; i < 5; ++i) b.next_delay();
  EXPECT_EQ(b.attempts(), 5U);
  EXPECT_EQ(b.previous_delay(), 16s);
  b.reset();
  EXPECT_EQ(b.attempts(), 0U);
  EXPECT_EQ(b.previous_delay(), 0ms);
  EXPECT_EQ(b.next_delay(), 1s);
}

TEST(reconnect_backoff, the_same_seed_gives_the_same_sequence) {
  for (jitter_mode mode : {jitter_mode::full, jitter_mode::equal, jitter_mode::decorrelated}) {
    const backoff_options o = with_mode(mode);
    const auto first = sequence(reconnect_backoff(o, seed), 200);
    EXPECT_EQ(first, sequence(reconnect_backoff(o, seed), 200)) << "mode " << static_cast<int>(mode);
    EXPECT_NE(first, sequence(reconnect_backoff(o, seed + 1), 200)) << "mode " << static_cast<int>(mode);
  }
}

TEST(reconnect_backoff_options, validate_rejects_a_minimum_that_is_not_positive) {
  for (milliseconds bad : {0ms, -1ms}) {
    backoff_options o;
    o.min_reconnect_delay = bad;
    auto message = validate(o);
    ASSERT_TRUE(message.has_value()) << bad.count();
    EXPECT_THAT(*message, HasSubstr("min_reconnect_delay"));
  }
}

TEST(reconnect_backoff_options, validate_rejects_a_maximum_below_the_minimum) {
  backoff_options o;
  o.min_reconnect_delay = 2s;
  o.max_reconnect_delay = 1999ms;
  auto message = validate(o);
  ASSERT_TRUE(message.has_value());
  EXPECT_THAT(*message, HasSubstr("max_reconnect_delay"));
  EXPECT_THAT(*message, HasSubstr("1999 ms"));
}

TEST(reconnect_backoff_options, validate_rejects_a_negative_minimum_connected_time) {
  backoff_options o;
  o.min_connected_time_to_reset_reconnect_delay = -1ms;
  auto message = validate(o);
  ASSERT_TRUE(message.has_value());
  EXPECT_THAT(*message, HasSubstr("min_connected_time_to_reset_reconnect_delay"));
  o.min_connected_time_to_reset_reconnect_delay = 0ms;
  EXPECT_EQ(validate(o), std::nullopt);
}

TEST(reconnect_backoff_options, validate_rejects_an_unknown_jitter_mode) {
  backoff_options o;
  o.retry_jitter_mode = static_cast<jitter_mode>(42);
  auto message = validate(o);
  ASSERT_TRUE(message.has_value());
  EXPECT_THAT(*message, HasSubstr("retry_jitter_mode"));
}

TEST(reconnect_backoff_options, invalid_options_are_clamped_into_a_valid_range) {
  backoff_options o;
  o.min_reconnect_delay = 0ms;
  o.max_reconnect_delay = -5ms;
  o.min_connected_time_to_reset_reconnect_delay = -1s;
  o.retry_jitter_mode = static_cast<jitter_mode>(42);
  reconnect_backoff b(o, seed);
  EXPECT_EQ(validate(b.options()), std::nullopt);
  for (int i = 0; i < 100; ++i) {
    const milliseconds d = b.next_delay();
    ASSERT_GE(d, 0ms);
    ASSERT_LE(d, b.options().max_reconnect_delay);
  }
}
