// shared_bytes: the two kinds of block (bytes stored inline, or an adopted vector) and content equality.
#include "iotactor/protocol/shared_bytes.hpp"

#include <algorithm>
#include <cstring>
#include <new>

namespace iotactor::protocol {

shared_bytes::shared_bytes(std::vector<std::uint8_t> data) {
  if (data.empty()) return;
  struct vector_block : block {
    std::vector<std::uint8_t> bytes;
  };
  auto* b = new vector_block;
  b->bytes = std::move(data);
  b->data = b->bytes.data();
  b->size = b->bytes.size();
  b->destroy = [](block* self) noexcept { delete static_cast<vector_block*>(self); };
  block_ = b;
}

shared_bytes shared_bytes::copy_of(const void* data, std::size_t size) {
  shared_bytes out;
  if (size == 0) return out;
  if (size <= inline_capacity) {
    std::memcpy(out.bytes_, data, size);
    out.inline_size_ = static_cast<std::uint8_t>(size);
    return out;
  }
  // One allocation: the block header, then the bytes.
  void* raw = ::operator new(sizeof(block) + size);
  auto* b = new (raw) block;
  auto* bytes = reinterpret_cast<std::uint8_t*>(b + 1);
  std::memcpy(bytes, data, size);
  b->data = bytes;
  b->size = size;
  b->destroy = [](block* self) noexcept {
    self->~block();
    ::operator delete(self);
  };
  out.block_ = b;
  return out;
}

bool operator==(const shared_bytes& a, const shared_bytes& b) noexcept {
  if (a.size() != b.size()) return false;
  if (!a.is_inline() && !b.is_inline() && a.block_ == b.block_) return true;
  return std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace iotactor::protocol
