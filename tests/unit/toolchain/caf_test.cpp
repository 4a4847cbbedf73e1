// Pins the toolchain the actor layers build on: cmake/FindCAF.cmake finds Debian's CAF 0.17.6 and links it.
#include <chrono>
#include <string>

#include <caf/all.hpp>
#include <gtest/gtest.h>

namespace {

using echo_actor = caf::typed_actor<caf::replies_to<std::string>::with<std::string>>;

echo_actor::behavior_type echo(echo_actor::pointer, std::string prefix) {
  return {[prefix](const std::string& text) { return prefix + text; }};
}

}  // namespace

TEST(toolchain, caf_version_is_the_debian_0_17_6) {
  EXPECT_EQ(CAF_VERSION, 1706);
}

TEST(toolchain, a_typed_caf_actor_answers_a_request) {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto actor = sys.spawn(echo, std::string("echo: "));
  caf::scoped_actor self{sys};
  std::string answer;
  self->request(actor, std::chrono::seconds(10), std::string("hello"))
      .receive([&](const std::string& reply) { answer = reply; },
               [&](const caf::error& err) { FAIL() << sys.render(err); });
  EXPECT_EQ(answer, "echo: hello");
  self->send_exit(actor, caf::exit_reason::user_shutdown);
}
