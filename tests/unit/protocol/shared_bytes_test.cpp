// shared_bytes: copies share storage, equality compares content.
#include <gtest/gtest.h>

#include "iotactor/protocol.hpp"

using namespace iotactor::protocol;

TEST(shared_bytes, copies_share_the_same_storage) {
  shared_bytes a(std::vector<std::uint8_t>{1, 2, 3});
  shared_bytes b = a;
  EXPECT_EQ(a.data(), b.data());
  EXPECT_EQ(b.size(), 3U);
}

TEST(shared_bytes, equality_compares_content_not_identity) {
  EXPECT_EQ(shared_bytes("abc"), shared_bytes::copy_of("abc", 3));
  EXPECT_NE(shared_bytes("abc"), shared_bytes("abd"));
  EXPECT_NE(shared_bytes("abc"), shared_bytes("ab"));
  EXPECT_EQ(shared_bytes(), shared_bytes(std::string_view{}));
  EXPECT_TRUE(shared_bytes().empty());
}

namespace {

std::string text_of(const shared_bytes& b) {
  return std::string(b.as_string_view());
}

}  // namespace

TEST(shared_bytes, stores_up_to_inline_capacity_bytes_in_the_object) {
  std::string small(shared_bytes::inline_capacity, 's');
  std::string large(shared_bytes::inline_capacity + 1, 'l');
  auto a = shared_bytes::copy_of(small.data(), small.size());
  auto b = shared_bytes::copy_of(large.data(), large.size());
  EXPECT_TRUE(a.is_inline());
  EXPECT_EQ(a.use_count(), 1U);
  EXPECT_EQ(text_of(a), small);
  EXPECT_FALSE(b.is_inline());
  EXPECT_EQ(text_of(b), large);
  // An adopted vector is never copied, whatever its size.
  EXPECT_FALSE(shared_bytes(std::vector<std::uint8_t>{1, 2}).is_inline());
}

TEST(shared_bytes, copies_and_moves_of_inline_bytes_carry_the_bytes) {
  auto a = shared_bytes::copy_of("hello", 5);
  shared_bytes copy = a;
  EXPECT_NE(copy.data(), a.data());  // their own bytes
  EXPECT_EQ(text_of(copy), "hello");
  EXPECT_EQ(text_of(a), "hello");
  shared_bytes moved = std::move(a);
  EXPECT_EQ(text_of(moved), "hello");
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): a moved-from value is empty, as for blocks
  EXPECT_EQ(a.data(), nullptr);
}

TEST(shared_bytes, assignment_and_swap_work_across_inline_and_shared_storage) {
  std::string large(100, 'L');
  auto small = shared_bytes::copy_of("tiny", 4);
  auto big = shared_bytes::copy_of(large.data(), large.size());
  auto big_copy = big;
  EXPECT_EQ(big.use_count(), 2U);
  small.swap(big);
  EXPECT_EQ(text_of(small), large);
  EXPECT_EQ(text_of(big), "tiny");
  EXPECT_EQ(small.data(), big_copy.data());  // the block moved, not its bytes
  big = small;                               // inline <- shared: shares the block
  EXPECT_EQ(big.use_count(), 3U);
  small = shared_bytes::copy_of("x", 1);  // shared <- inline: releases its reference
  EXPECT_EQ(big.use_count(), 2U);
  EXPECT_EQ(text_of(small), "x");
  const auto& same = small;
  small = same;  // self-assignment keeps the bytes
  EXPECT_EQ(text_of(small), "x");
  big = std::move(small);
  EXPECT_EQ(text_of(big), "x");
  EXPECT_EQ(big_copy.use_count(), 1U);
}
