// What the hand-written byte-vector tables of both protocol versions share: the row type and byte helpers.
#pragma once

#include <iomanip>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

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

inline std::string vector_name(const ::testing::TestParamInfo<wire_vector>& info) {
  return info.param.name;
}

/// The bytes decode to the model.
inline ::testing::AssertionResult decodes_to_model(const wire_vector& v, protocol_version version) {
  auto decoded = decode_packet(v.wire.data(), v.wire.size(), version);
  if (!decoded.ok())
    return ::testing::AssertionFailure() << to_string(decoded.error()) << "\nbytes: " << hex_of(v.wire);
  if (!(decoded.value() == v.model))
    return ::testing::AssertionFailure()
           << "decoded: " << describe(decoded.value()) << "\nexpected: " << describe(v.model);
  return ::testing::AssertionSuccess();
}

/// The model encodes to exactly the bytes, and encoded_size agrees.
inline ::testing::AssertionResult encodes_to_wire(const wire_vector& v, protocol_version version) {
  bytes out;
  if (auto failure = encode(v.model, version, out))
    return ::testing::AssertionFailure() << to_string(*failure);
  if (out != v.wire)
    return ::testing::AssertionFailure() << "encoded:  " << hex_of(out) << "\nexpected: " << hex_of(v.wire);
  auto size = encoded_size(v.model, version);
  if (!size.ok()) return ::testing::AssertionFailure() << to_string(size.error());
  if (size.value() != v.wire.size())
    return ::testing::AssertionFailure() << "encoded_size " << size.value() << ", bytes " << v.wire.size();
  return ::testing::AssertionSuccess();
}

}  // namespace iotactor::protocol::vector_support
