// Delay before each reconnect attempt: exponential backoff with jitter, reset only after a stable connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>

namespace iotactor {

/// How randomness spreads the reconnect delays of many clients that lost the same broker at once.
enum class jitter_mode {
  none,          // min_delay * 2^n: every client retries in lockstep (tests, single devices)
  full,          // uniform(0, base)
  equal,         // base/2 + uniform(0, base/2): never sooner than half the backoff
  decorrelated,  // uniform(min_delay, 3 * previous delay): grows from the last delay, not from n
};

/// Names and defaults of the AWS IoT Device SDK v2 (ReconnectOptions).
struct backoff_options {
  std::chrono::milliseconds min_reconnect_delay{1000};
  std::chrono::milliseconds max_reconnect_delay{120000};
  /// A connection that drops sooner keeps growing the backoff, which damps reconnect storms caused by a
  /// server that accepts the connection and then closes it (permission failures, duplicate client ids).
  std::chrono::milliseconds min_connected_time_to_reset_reconnect_delay{30000};
  jitter_mode retry_jitter_mode = jitter_mode::full;
};

/// Nothing if the options are usable, else a message naming the offending field.
std::optional<std::string> validate(const backoff_options& options);

class reconnect_backoff {
 public:
  /// The options must pass validate(); invalid ones are clamped into range rather than causing undefined
  /// behaviour. The seed makes the jitter reproducible.
  explicit reconnect_backoff(backoff_options options, std::uint64_t seed);

  /// The delay before the next attempt, always within [0, max_reconnect_delay]; each call counts an attempt.
  std::chrono::milliseconds next_delay();

  /// A connection attempt succeeded (CONNACK accepted) at `now`.
  void on_connection_success(std::chrono::steady_clock::time_point now);

  /// The connection was lost at `now`. Resets the backoff only if it had stayed up at least
  /// min_connected_time_to_reset_reconnect_delay since on_connection_success().
  void on_disconnection(std::chrono::steady_clock::time_point now);

  /// Back to the first attempt: no attempts counted, no previous delay.
  void reset();

  /// Attempts counted since the last reset (saturates instead of wrapping).
  unsigned attempts() const noexcept { return attempts_; }

  /// The delay last returned by next_delay() in any mode, zero before the first call and after a reset;
  /// only decorrelated jitter uses it to compute the next one.
  std::chrono::milliseconds previous_delay() const noexcept { return previous_delay_; }

  const backoff_options& options() const noexcept { return options_; }

 private:
  std::chrono::milliseconds::rep uniform(std::chrono::milliseconds::rep low,
                                         std::chrono::milliseconds::rep high);

  /// splitmix64: 8 bytes of state instead of a Mersenne Twister's 2.5 KB, which mattered for fleets of
  /// thousands of clients in one process; jitter needs no more than this.
  struct splitmix64 {
    using result_type = std::uint64_t;
    std::uint64_t state;
    static constexpr result_type min() noexcept { return 0; }
    static constexpr result_type max() noexcept { return ~result_type{0}; }
    result_type operator()() noexcept {
      std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
      z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
      return z ^ (z >> 31U);
    }
  };

  backoff_options options_;
  splitmix64 random_;
  unsigned attempts_ = 0;
  std::chrono::milliseconds previous_delay_{0};
  std::optional<std::chrono::steady_clock::time_point> connected_since_;
};

}  // namespace iotactor
