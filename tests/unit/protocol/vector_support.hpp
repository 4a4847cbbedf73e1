// What the hand-written byte-vector tables of both protocol versions share: the row type and byte helpers.
#pragma once

#include <iomanip>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>

#include "iotactor/protocol.hpp"

namespace iotactor::protocol::vector_support {

/// One row: the bytes as the specification lays them out, and the packet they mean.
struct wire_vector {
  std::string name;
  bytes wire;
  packet model;
};

inline void PrintTo(const wire_vector& v, std::ostream* os) {
  *os << v.name;
}

inline std::string hex_of(const bytes& b) {
  std::ostringstream os;
  for (std::size_t i = 0; i < b.size(); ++i)
    os << (i ? " " : "") << std::hex << std::setw(2) << std::setfill('0') << static_cast<unsigned>(b[i]);
  return os.str();
}

inline bytes wire(std::initializer_list<std::uint8_t> b) {
  return bytes(b);
}

inline bytes concat(bytes a, const bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

inline shared_bytes text(std::string_view s) {
  return shared_bytes(s);
}

}  // namespace iotactor::protocol::vector_support
