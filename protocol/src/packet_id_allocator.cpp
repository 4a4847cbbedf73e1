// packet_id_allocator: free identifiers as disjoint intervals, searched with the map's ordering.
#include "iotactor/protocol/packet_id_allocator.hpp"

namespace iotactor::protocol {

namespace {
constexpr std::uint16_t max_id = 65535;
}

packet_id_allocator::packet_id_allocator() {
  free_.emplace(1, max_id);
}

std::optional<std::uint16_t> packet_id_allocator::allocate() {
  if (free_.empty()) return std::nullopt;
  // Prefer last_ + 1 (inside an interval that starts at or before last_), then the next interval, then wrap.
  auto next = free_.upper_bound(last_);
  std::uint16_t id;
  if (next != free_.begin() && std::prev(next)->second > last_) {
    id = static_cast<std::uint16_t>(last_ + 1);
  } else if (next != free_.end()) {
    id = next->first;
  } else {
    id = free_.begin()->first;
  }
  reserve(id);
  last_ = id;
  return id;
}

bool packet_id_allocator::reserve(std::uint16_t id) {
  if (id == 0) return false;
  auto it = free_.upper_bound(id);
  if (it == free_.begin()) return false;
  --it;
  auto [first, last] = *it;
  if (last < id) return false;
  free_.erase(it);
  if (first < id) free_.emplace(first, static_cast<std::uint16_t>(id - 1));
  if (id < last) free_.emplace(static_cast<std::uint16_t>(id + 1), last);
  ++used_;
  return true;
}

bool packet_id_allocator::release(std::uint16_t id) {
  if (!in_use(id)) return false;
  std::uint16_t first = id;
  std::uint16_t last = id;
  auto next = free_.upper_bound(id);
  if (next != free_.end() && next->first == id + 1) {
    last = next->second;
    next = free_.erase(next);
  }
  if (next != free_.begin()) {
    auto prev = std::prev(next);
    if (prev->second + 1 == id) {
      first = prev->first;
      free_.erase(prev);
    }
  }
  free_.emplace(first, last);
  --used_;
  return true;
}

bool packet_id_allocator::in_use(std::uint16_t id) const {
  if (id == 0) return false;
  auto it = free_.upper_bound(id);
  if (it == free_.begin()) return true;
  return std::prev(it)->second < id;
}

}  // namespace iotactor::protocol
