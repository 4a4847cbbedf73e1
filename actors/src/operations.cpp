// Small helpers on operations.
#include "iotactor/actors/operations.hpp"

#include <mutex>

#include "iotactor/actors/interfaces.hpp"

namespace iotactor {

operation_id id_of(const operation& op) noexcept {
  return std::visit([](const auto& o) { return o.id; }, op);
}

bool uses_publish_quota(const operation& op) noexcept {
  auto* p = std::get_if<publish_operation>(&op);
  return p != nullptr && p->packet.qos != protocol::qos::at_most_once;
}

namespace {

constexpr std::size_t small_batch = 32;  // below it, a vector of its own: small batches cost little

struct batch_pool {
  std::mutex mutex;
  std::vector<operation_batch> spares;
};

batch_pool& pool() {
  static auto* instance = new batch_pool;  // never destroyed: a session may give one back at static exit
  return *instance;
}

}  // namespace

operation_batch take_batch(std::size_t capacity) {
  operation_batch out;
  if (capacity >= small_batch) {
    auto& p = pool();
    std::lock_guard<std::mutex> lock(p.mutex);
    if (!p.spares.empty()) {
      out = std::move(p.spares.back());
      p.spares.pop_back();
    }
  }
  out.reserve(capacity);
  return out;
}

void give_back_batch(operation_batch&& batch) {
  if (batch.capacity() < small_batch) return;  // freed with the message
  batch.clear();
  auto& p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  if (p.spares.size() < spare_batches) p.spares.push_back(std::move(batch));
}

}  // namespace iotactor
