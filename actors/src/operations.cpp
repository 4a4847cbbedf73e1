// Small helpers on operations.
#include "iotactor/actors/operations.hpp"

namespace iotactor {

operation_id id_of(const operation& op) noexcept {
  return std::visit([](const auto& o) { return o.id; }, op);
}

bool uses_publish_quota(const operation& op) noexcept {
  auto* p = std::get_if<publish_operation>(&op);
  return p != nullptr && p->packet.qos != protocol::qos::at_most_once;
}

}  // namespace iotactor
