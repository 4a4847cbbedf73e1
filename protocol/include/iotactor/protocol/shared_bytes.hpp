// An immutable byte buffer shared by reference: a payload travels from caller to socket without copies.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace iotactor::protocol {

/// Copies share one reference-counted block (thread-safe counting); the bytes never change after
/// construction. copy_of() makes one allocation holding both the count and the bytes.
class shared_bytes {
 public:
  using value_type = std::uint8_t;
  using const_iterator = const std::uint8_t*;
  using iterator = const_iterator;
  using size_type = std::size_t;

  shared_bytes() noexcept = default;

  /// Takes ownership of the vector's storage (no copy of the bytes).
  explicit shared_bytes(std::vector<std::uint8_t> data);

  /// Copies the bytes of a string.
  explicit shared_bytes(std::string_view text) : shared_bytes(copy_of(text.data(), text.size())) {}

  static shared_bytes copy_of(const void* data, std::size_t size);

  shared_bytes(const shared_bytes& other) noexcept : block_(other.block_) { retain(); }
  shared_bytes(shared_bytes&& other) noexcept : block_(other.block_) { other.block_ = nullptr; }
  shared_bytes& operator=(const shared_bytes& other) noexcept {
    shared_bytes(other).swap(*this);
    return *this;
  }
  shared_bytes& operator=(shared_bytes&& other) noexcept {
    shared_bytes(std::move(other)).swap(*this);
    return *this;
  }
  ~shared_bytes() { release(); }

  void swap(shared_bytes& other) noexcept {
    auto* b = block_;
    block_ = other.block_;
    other.block_ = b;
  }

  const std::uint8_t* data() const noexcept { return block_ ? block_->data : nullptr; }
  std::size_t size() const noexcept { return block_ ? block_->size : 0; }
  bool empty() const noexcept { return size() == 0; }
  const std::uint8_t* begin() const noexcept { return data(); }
  const std::uint8_t* end() const noexcept { return data() + size(); }

  std::string_view as_string_view() const noexcept { return {reinterpret_cast<const char*>(data()), size()}; }

  /// How many shared_bytes refer to these bytes (0 for an empty one).
  std::size_t use_count() const noexcept { return block_ ? block_->refs.load(std::memory_order_relaxed) : 0; }

  friend bool operator==(const shared_bytes& a, const shared_bytes& b) noexcept;
  friend bool operator!=(const shared_bytes& a, const shared_bytes& b) noexcept { return !(a == b); }

 private:
  struct block {
    std::atomic<std::size_t> refs{1};
    const std::uint8_t* data = nullptr;
    std::size_t size = 0;
    void (*destroy)(block*) noexcept = nullptr;
  };

  void retain() noexcept {
    if (block_) block_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  void release() noexcept {
    if (block_ && block_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) block_->destroy(block_);
    block_ = nullptr;
  }

  block* block_ = nullptr;
};

}  // namespace iotactor::protocol
