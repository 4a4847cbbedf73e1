// Names of the lifecycle events.
#include "iotactor/actors/lifecycle.hpp"

namespace iotactor {

std::string_view to_string(lifecycle_event_type t) noexcept {
  switch (t) {
    case lifecycle_event_type::attempting_connect:
      return "attempting connect";
    case lifecycle_event_type::connection_success:
      return "connection success";
    case lifecycle_event_type::connection_failure:
      return "connection failure";
    case lifecycle_event_type::disconnection:
      return "disconnection";
    case lifecycle_event_type::stopped:
      return "stopped";
  }
  return "unknown lifecycle event";
}

}  // namespace iotactor
