// An immutable byte buffer shared by reference: a payload travels from caller to socket without copies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace iotactor::protocol {

class shared_bytes {
 public:
  shared_bytes() = default;

  /// Takes ownership of the vector's storage (no copy of the bytes).
  explicit shared_bytes(std::vector<std::uint8_t> data);

  /// Copies the bytes of a string.
  explicit shared_bytes(std::string_view text);

  static shared_bytes copy_of(const void* data, std::size_t size);

  const std::uint8_t* data() const noexcept { return buf_ ? buf_->data() : nullptr; }
  std::size_t size() const noexcept { return buf_ ? buf_->size() : 0; }
  bool empty() const noexcept { return size() == 0; }
  const std::uint8_t* begin() const noexcept { return data(); }
  const std::uint8_t* end() const noexcept { return data() + size(); }

  std::string_view as_string_view() const noexcept {
    return {reinterpret_cast<const char*>(data()), size()};
  }

  friend bool operator==(const shared_bytes& a, const shared_bytes& b) noexcept;
  friend bool operator!=(const shared_bytes& a, const shared_bytes& b) noexcept { return !(a == b); }

 private:
  std::shared_ptr<const std::vector<std::uint8_t>> buf_;
};

}  // namespace iotactor::protocol
