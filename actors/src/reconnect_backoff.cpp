// reconnect_backoff: the AWS IoT SDK v2 formulas in saturating integer milliseconds.
#include "iotactor/actors/reconnect_backoff.hpp"

#include <algorithm>
#include <limits>

namespace iotactor {

namespace {

using rep = std::chrono::milliseconds::rep;

std::string ms(std::chrono::milliseconds d) {
  return std::to_string(d.count()) + " ms";
}

bool is_jitter_mode(jitter_mode m) {
  switch (m) {
    case jitter_mode::none:
    case jitter_mode::full:
    case jitter_mode::equal:
    case jitter_mode::decorrelated:
      return true;
  }
  return false;
}

/// min(max, min_delay * 2^n) without overflow, for 0 <= min_delay <= max.
rep exponential(rep min_delay, rep max, unsigned n) {
  if (min_delay == 0) return 0;
  // max >> n is exact in the comparison: min_delay * 2^n <= max  <=>  min_delay <= floor(max / 2^n).
  if (n >= static_cast<unsigned>(std::numeric_limits<rep>::digits) || min_delay > (max >> n)) return max;
  return min_delay << n;
}

/// Invalid options still get defined arithmetic: every bound is put in order.
backoff_options sanitized(backoff_options o) {
  using std::chrono::milliseconds;
  o.min_reconnect_delay = std::max(o.min_reconnect_delay, milliseconds{1});
  o.max_reconnect_delay = std::max(o.max_reconnect_delay, o.min_reconnect_delay);
  o.min_connected_time_to_reset_reconnect_delay =
      std::max(o.min_connected_time_to_reset_reconnect_delay, milliseconds{0});
  if (!is_jitter_mode(o.retry_jitter_mode)) o.retry_jitter_mode = jitter_mode::full;
  return o;
}

}  // namespace

std::optional<std::string> validate(const backoff_options& options) {
  if (options.min_reconnect_delay.count() <= 0)
    return "min_reconnect_delay must be positive, got " + ms(options.min_reconnect_delay);
  if (options.max_reconnect_delay < options.min_reconnect_delay)
    return "max_reconnect_delay (" + ms(options.max_reconnect_delay) +
           ") must not be less than min_reconnect_delay (" + ms(options.min_reconnect_delay) + ")";
  if (options.min_connected_time_to_reset_reconnect_delay.count() < 0)
    return "min_connected_time_to_reset_reconnect_delay must not be negative, got " +
           ms(options.min_connected_time_to_reset_reconnect_delay);
  if (!is_jitter_mode(options.retry_jitter_mode))
    return "retry_jitter_mode is not a jitter_mode value (" +
           std::to_string(static_cast<int>(options.retry_jitter_mode)) + ")";
  return std::nullopt;
}

reconnect_backoff::reconnect_backoff(backoff_options options, std::uint64_t seed)
    : options_(sanitized(options)), random_{seed} {}

rep reconnect_backoff::uniform(rep low, rep high) {
  return std::uniform_int_distribution<rep>(low, high)(random_);
}

std::chrono::milliseconds reconnect_backoff::next_delay() {
  const rep min_delay = options_.min_reconnect_delay.count();
  const rep max = options_.max_reconnect_delay.count();
  rep delay = 0;
  switch (options_.retry_jitter_mode) {
    case jitter_mode::none:
      delay = exponential(min_delay, max, attempts_);
      break;
    case jitter_mode::full:
      delay = uniform(0, exponential(min_delay, max, attempts_));
      break;
    case jitter_mode::equal: {
      const rep base = exponential(min_delay, max, attempts_);
      const rep half = base / 2;
      // base - half rather than half, so an odd base can still be reached.
      delay = half + uniform(0, base - half);
      break;
    }
    case jitter_mode::decorrelated: {
      // AWS's C client never stores the delay it computed, so its "decorrelated" is full jitter; here the
      // result feeds the next draw, which is the point of the mode.
      const rep previous = previous_delay_.count() > 0 ? previous_delay_.count() : min_delay;
      const rep upper = previous > max / 3 ? max : std::min(max, 3 * previous);
      delay = uniform(min_delay, std::max(upper, min_delay));
      break;
    }
  }
  delay = std::clamp<rep>(delay, 0, max);
  previous_delay_ = std::chrono::milliseconds{delay};
  if (attempts_ != std::numeric_limits<unsigned>::max()) ++attempts_;
  return previous_delay_;
}

void reconnect_backoff::on_connection_success(std::chrono::steady_clock::time_point now) {
  connected_since_ = now;
}

void reconnect_backoff::on_disconnection(std::chrono::steady_clock::time_point now) {
  if (connected_since_ && now - *connected_since_ >= options_.min_connected_time_to_reset_reconnect_delay)
    reset();
  connected_since_.reset();
}

void reconnect_backoff::reset() {
  attempts_ = 0;
  previous_delay_ = std::chrono::milliseconds{0};
}

}  // namespace iotactor
