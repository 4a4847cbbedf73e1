// iotactor::errc works as a std::error_code with readable messages.
#include "iotactor/actors/errc.hpp"

#include <gtest/gtest.h>

TEST(errc, converts_to_std_error_code_in_the_iotactor_category) {
  std::error_code ec = iotactor::errc::ping_timeout;
  EXPECT_STREQ(ec.category().name(), "iotactor");
  EXPECT_EQ(ec.message(), "ping timeout");
  EXPECT_EQ(ec, iotactor::errc::ping_timeout);
  EXPECT_NE(ec, iotactor::errc::ack_timeout);
}

TEST(errc, every_code_has_a_name) {
  for (int v = 1; v <= static_cast<int>(iotactor::errc::stage_failed); ++v)
    EXPECT_NE(to_string(static_cast<iotactor::errc>(v)), "unknown iotactor error") << v;
}

#include "iotactor/actors/lifecycle.hpp"

TEST(lifecycle, every_event_type_has_a_name) {
  EXPECT_EQ(to_string(iotactor::lifecycle_event_type::attempting_connect), "attempting connect");
  EXPECT_EQ(to_string(iotactor::lifecycle_event_type::stopped), "stopped");
  EXPECT_EQ(to_string(iotactor::lifecycle_event_type::disconnection), "disconnection");
}
