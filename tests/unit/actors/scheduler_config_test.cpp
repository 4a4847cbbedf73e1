// configure_scheduler: the CAF scheduler settings the client is measured with.
#include <gtest/gtest.h>

#include "iotactor/actors/client.hpp"

TEST(configure_scheduler, sets_the_sharing_policy_and_two_workers_by_default) {
  caf::actor_system_config cfg;
  iotactor::configure_scheduler(cfg);
  EXPECT_EQ(caf::get_or(cfg, "scheduler.policy", caf::atom("stealing")), caf::atom("sharing"));
  EXPECT_EQ(caf::get_or(cfg, "scheduler.max-threads", std::size_t{0}), 2U);
}

TEST(configure_scheduler, takes_the_worker_count_and_never_zero) {
  caf::actor_system_config cfg;
  iotactor::configure_scheduler(cfg, 3);
  EXPECT_EQ(caf::get_or(cfg, "scheduler.max-threads", std::size_t{0}), 3U);
  iotactor::configure_scheduler(cfg, 0);
  EXPECT_EQ(caf::get_or(cfg, "scheduler.max-threads", std::size_t{0}), 1U);
}

TEST(configure_scheduler, an_actor_system_starts_with_the_settings) {
  caf::actor_system_config cfg;
  iotactor::configure_scheduler(cfg, 1);
  caf::actor_system sys{cfg};
  EXPECT_EQ(sys.scheduler().num_workers(), 1U);
}
