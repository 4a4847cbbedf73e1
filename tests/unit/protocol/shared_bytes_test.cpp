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
