// Packet identifiers 1..65535 kept as a set of free intervals: allocation and release in O(log n).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>

namespace iotactor::protocol {

class packet_id_allocator {
 public:
  packet_id_allocator();

  /// The next free identifier after the one allocated last (wrapping), so a released identifier is not
  /// reused at once; nothing when all 65535 are in use.
  std::optional<std::uint16_t> allocate();

  /// Marks a given identifier as used (restoring a session); false if it is 0 or already in use.
  bool reserve(std::uint16_t id);

  /// Frees an identifier; false if it was not in use.
  bool release(std::uint16_t id);

  bool in_use(std::uint16_t id) const;
  std::size_t used() const noexcept { return used_; }

 private:
  std::map<std::uint16_t, std::uint16_t>
      free_;  // first -> last of each free interval, disjoint, unmerged gaps
  std::uint16_t last_ = 0;
  std::size_t used_ = 0;
};

}  // namespace iotactor::protocol
