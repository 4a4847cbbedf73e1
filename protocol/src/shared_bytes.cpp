// shared_bytes: construction and content equality.
#include "iotactor/protocol/shared_bytes.hpp"

#include <algorithm>

namespace iotactor::protocol {

shared_bytes::shared_bytes(std::vector<std::uint8_t> data)
    : buf_(data.empty() ? nullptr : std::make_shared<const std::vector<std::uint8_t>>(std::move(data))) {}

shared_bytes::shared_bytes(std::string_view text) : shared_bytes(copy_of(text.data(), text.size())) {}

shared_bytes shared_bytes::copy_of(const void* data, std::size_t size) {
  auto first = static_cast<const std::uint8_t*>(data);
  return size == 0 ? shared_bytes{} : shared_bytes{std::vector<std::uint8_t>(first, first + size)};
}

bool operator==(const shared_bytes& a, const shared_bytes& b) noexcept {
  return a.size() == b.size() && (a.buf_ == b.buf_ || std::equal(a.begin(), a.end(), b.begin()));
}

}  // namespace iotactor::protocol
