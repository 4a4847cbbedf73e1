// An immutable byte buffer shared by reference: a payload travels from caller to socket without copies.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

namespace iotactor::protocol {

/// Copies share one reference-counted block (thread-safe counting); the bytes never change after
/// construction. copy_of() makes one allocation holding both the count and the bytes, except for at most
/// inline_capacity bytes, which it stores in the object itself: a small payload costs no allocation where
/// it is made and no free on the thread that writes it (P1 spent a fifth of its CPU in malloc and free,
/// half of it on payload blocks made on one thread and freed on another). A copy of inline bytes copies
/// them: data() of an inline value is valid only as long as that value is, and changes when it is moved.
class shared_bytes {
 public:
  using value_type = std::uint8_t;
  using const_iterator = const std::uint8_t*;
  using iterator = const_iterator;
  using size_type = std::size_t;
  static constexpr std::size_t inline_capacity = 64;

  shared_bytes() noexcept = default;

  /// Takes ownership of the vector's storage (no copy of the bytes).
  explicit shared_bytes(std::vector<std::uint8_t> data);

  /// Copies the bytes of a string.
  explicit shared_bytes(std::string_view text) : shared_bytes(copy_of(text.data(), text.size())) {}

  static shared_bytes copy_of(const void* data, std::size_t size);

  shared_bytes(const shared_bytes& other) noexcept { copy_from(other); }
  shared_bytes(shared_bytes&& other) noexcept { take(std::move(other)); }
  // Assignments release and take over directly: a swap of inline values copies their bytes three times.
  shared_bytes& operator=(const shared_bytes& other) noexcept {
    if (this == &other) return *this;
    release();
    copy_from(other);
    return *this;
  }
  shared_bytes& operator=(shared_bytes&& other) noexcept {
    if (this != &other) take(std::move(other));
    return *this;
  }
  ~shared_bytes() { release(); }

  void swap(shared_bytes& other) noexcept {
    shared_bytes tmp(std::move(other));
    other.take(std::move(*this));
    take(std::move(tmp));
  }

  const std::uint8_t* data() const noexcept {
    if (inline_size_ > 0) return bytes_;
    return block_ ? block_->data : nullptr;
  }
  std::size_t size() const noexcept {
    if (inline_size_ > 0) return inline_size_;
    return block_ ? block_->size : 0;
  }
  bool empty() const noexcept { return size() == 0; }
  const std::uint8_t* begin() const noexcept { return data(); }
  const std::uint8_t* end() const noexcept { return data() + size(); }

  std::string_view as_string_view() const noexcept { return {reinterpret_cast<const char*>(data()), size()}; }

  /// How many shared_bytes refer to these bytes (0 for an empty one, 1 for bytes stored inline).
  std::size_t use_count() const noexcept {
    if (inline_size_ > 0) return 1;
    return block_ ? block_->refs.load(std::memory_order_relaxed) : 0;
  }

  /// Whether the bytes are stored in the object (copy_of of at most inline_capacity bytes).
  bool is_inline() const noexcept { return inline_size_ > 0; }

  friend bool operator==(const shared_bytes& a, const shared_bytes& b) noexcept;
  friend bool operator!=(const shared_bytes& a, const shared_bytes& b) noexcept { return !(a == b); }

 private:
  struct block {
    std::atomic<std::size_t> refs{1};
    const std::uint8_t* data = nullptr;
    std::size_t size = 0;
    void (*destroy)(block*) noexcept = nullptr;
  };

  void copy_inline(const shared_bytes& other) noexcept { std::memcpy(bytes_, other.bytes_, inline_size_); }
  /// Into an empty *this: the same bytes as `other` (a copy of inline ones, another reference to a block).
  void copy_from(const shared_bytes& other) noexcept {
    inline_size_ = other.inline_size_;
    if (inline_size_ > 0) {
      copy_inline(other);
      return;
    }
    block_ = other.block_;
    retain();
  }
  /// Releases what this holds and takes what `other` holds, leaving it empty.
  void take(shared_bytes&& other) noexcept {
    release();
    inline_size_ = other.inline_size_;
    if (inline_size_ > 0) {
      copy_inline(other);
      other.inline_size_ = 0;
      other.block_ = nullptr;
    } else {
      block_ = other.block_;
      other.block_ = nullptr;
    }
  }
  void retain() noexcept {
    if (block_) block_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  void release() noexcept {
    if (inline_size_ > 0) {
      inline_size_ = 0;
      block_ = nullptr;
      return;
    }
    if (block_ && block_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) block_->destroy(block_);
    block_ = nullptr;
  }

  union {
    block* block_ = nullptr;               // when inline_size_ == 0: the shared block, or none
    std::uint8_t bytes_[inline_capacity];  // when inline_size_ > 0
  };
  std::uint8_t inline_size_ = 0;
};

}  // namespace iotactor::protocol
