// offline_queue_state: the three offline queue behaviours, bounds, and in-order admission under a quota.
#include "iotactor/actors/offline_queue_state.hpp"

#include <algorithm>
#include <iterator>

#include "iotactor/actors/errc.hpp"
#include "iotactor/protocol/encoder.hpp"

namespace iotactor {

namespace {

std::string_view behavior_name(offline_queue_behavior b) {
  switch (b) {
    case offline_queue_behavior::fail_qos0_publish_on_disconnect:
      return "FAIL_QOS0_PUBLISH_ON_DISCONNECT";
    case offline_queue_behavior::fail_non_qos1_publish_on_disconnect:
      return "FAIL_NON_QOS1_PUBLISH_ON_DISCONNECT";
    case offline_queue_behavior::fail_all_on_disconnect:
      return "FAIL_ALL_ON_DISCONNECT";
  }
  return "unknown";
}

std::string describe_kind(const operation& op) {
  if (auto* p = std::get_if<publish_operation>(&op))
    return "QoS " + std::to_string(static_cast<unsigned>(p->packet.qos)) + " PUBLISH";
  return std::holds_alternative<subscribe_operation>(op) ? "SUBSCRIBE" : "UNSUBSCRIBE";
}

}  // namespace

offline_queue_state::offline_queue_state(offline_queue_options options, protocol::protocol_version version)
    : options_(options), version_(version) {}

bool offline_queue_state::keeps(const operation& op) const noexcept {
  auto* pub = std::get_if<publish_operation>(&op);
  bool acknowledged_publish = pub != nullptr && pub->packet.qos != protocol::qos::at_most_once;
  switch (options_.behavior) {
    case offline_queue_behavior::fail_qos0_publish_on_disconnect:
      return pub == nullptr || acknowledged_publish;
    case offline_queue_behavior::fail_non_qos1_publish_on_disconnect:
      return acknowledged_publish;
    case offline_queue_behavior::fail_all_on_disconnect:
      return false;
  }
  return false;
}

protocol::result<std::size_t> offline_queue_state::encoded_size(operation& op) const {
  return std::visit(
      [this](auto& o) {
        // The packet identifier is assigned when the session sends the packet; count it as if it were set.
        auto saved = o.packet.packet_id;
        if (saved == 0) o.packet.packet_id = 1;
        auto size = protocol::encoded_size(o.packet, version_);
        o.packet.packet_id = saved;
        return size;
      },
      op);
}

std::size_t offline_queue_state::size_of(operation& op) const {
  if (auto* pub = std::get_if<publish_operation>(&op); pub && pub->encoded_size != 0)
    return pub->encoded_size;
  auto size = encoded_size(op);
  return size ? *size : 0;
}

void offline_queue_state::fail(operation&& op, std::vector<operation_result>& failed) const {
  operation_result r;
  r.id = id_of(op);
  r.error = errc::offline_queue_policy;
  r.message = describe_kind(op) + " failed by the offline queue behaviour " +
              std::string(behavior_name(options_.behavior)) + " on disconnect";
  failed.push_back(std::move(r));
}

std::optional<operation_result> offline_queue_state::submit(operation&& op, bool connected) {
  std::uint32_t no_quota = 0;
  return admit(op, connected, no_quota, nullptr);
}

std::optional<operation_result> offline_queue_state::submit_ready(operation&& op, std::uint32_t& quota,
                                                                  std::vector<operation>& ready) {
  bool taken = false;
  auto refused = admit(op, true, quota, &taken);
  if (taken) ready.push_back(std::move(op));
  return refused;
}

std::optional<operation_result> offline_queue_state::submit_ready(operation& op, std::uint32_t& quota,
                                                                  bool& ready) {
  ready = false;
  return admit(op, true, quota, &ready);
}

std::optional<operation_result> offline_queue_state::admit(operation& op, bool connected,
                                                           std::uint32_t& quota, bool* ready) {
  auto refuse = [&op](errc e, std::string message) {
    operation_result r;
    r.id = id_of(op);
    r.error = e;
    r.message = std::move(message);
    return r;
  };
  if (!connected && !keeps(op))
    return refuse(errc::offline_queue_policy, describe_kind(op) + " submitted while offline is refused by " +
                                                  std::string(behavior_name(options_.behavior)));
  auto encoded = encoded_size(op);
  if (!encoded)
    return refuse(
        version_ == protocol::protocol_version::v5 ? errc::invalid_operation : errc::not_supported_in_3_1_1,
        describe_kind(op) + " cannot be sent: " + encoded.error().message);
  auto size = *encoded;
  if (options_.max_operations != 0 && this->size() >= options_.max_operations)
    return refuse(errc::offline_queue_full, "the offline queue holds its maximum of " +
                                                std::to_string(options_.max_operations) + " operations");
  if (options_.max_bytes != 0 && bytes_ + size > options_.max_bytes)
    return refuse(errc::offline_queue_full, "the offline queue holds " + std::to_string(bytes_) +
                                                " of its maximum " + std::to_string(options_.max_bytes) +
                                                " bytes; this operation needs " + std::to_string(size));
  if (auto* pub = std::get_if<publish_operation>(&op)) pub->encoded_size = size;
  if (ready && empty()) {
    bool quota_bound = uses_publish_quota(op);
    if (!quota_bound || quota > 0) {
      if (quota_bound) --quota;
      *ready = true;
      return std::nullopt;
    }
  }
  bytes_ += size;
  push_back(entry{std::move(op), size});
  return std::nullopt;
}

void offline_queue_state::push_back(entry&& e) {
  if (segments_.empty() || segments_.back().size() >= segment_capacity) {
    // Segments before the first in use are gone: drop their slots once they are half of the list.
    if (first_ >= 16 && first_ * 2 >= segments_.size()) {
      segments_.erase(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(first_));
      first_ = 0;
    }
    // The first segment grows as it fills (a queue of a few holds a few); later ones are made whole.
    auto& segment = segments_.emplace_back();
    if (segments_.size() - first_ > 1) segment.reserve(segment_capacity);
  }
  segments_.back().push_back(std::move(e));
  ++size_;
}

void offline_queue_state::push_front(std::vector<entry>&& front) {
  if (front.empty()) return;
  size_ += front.size();
  if (!segments_.empty() && head_ >= front.size()) {  // into the slots taken from the head: no shifting
    head_ -= front.size();
    std::move(front.begin(), front.end(), segments_[first_].begin() + static_cast<std::ptrdiff_t>(head_));
    return;
  }
  if (!segments_.empty() && head_ > 0) {  // the taken slots of the first segment are dropped first
    auto& first = segments_[first_];
    first.erase(first.begin(), first.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
  if (first_ > 0) {
    segments_[--first_] = std::move(front);
  } else {
    segments_.insert(segments_.begin(), std::move(front));
  }
}

void offline_queue_state::pop_head() {
  --size_;
  if (++head_ < segments_[first_].size()) return;
  if (size_ == 0) return reset();
  segments_[first_] = std::vector<entry>{};  // its memory goes back for the next segment at the tail
  ++first_;
  head_ = 0;
}

template <class F>
void offline_queue_state::for_each(F&& f) {
  for (std::size_t s = first_; s < segments_.size(); ++s) {
    auto& segment = segments_[s];
    for (std::size_t i = s == first_ ? head_ : 0; i < segment.size(); ++i) f(segment[i]);
  }
}

void offline_queue_state::reset() {
  segments_ = std::vector<std::vector<entry>>{};
  first_ = 0;
  head_ = 0;
  size_ = 0;
}

void offline_queue_state::requeue(std::vector<operation>&& ops) {
  if (ops.empty()) return;
  std::vector<entry> front;
  front.reserve(ops.size());
  for (auto& op : ops) {
    auto size = size_of(op);
    bytes_ += size;
    front.push_back(entry{std::move(op), size});
  }
  push_front(std::move(front));
}

void offline_queue_state::take_back(std::vector<operation>&& ops, std::vector<operation_result>& failed) {
  std::vector<operation> kept;
  for (auto& op : ops) {
    if (keeps(op))
      kept.push_back(std::move(op));
    else
      fail(std::move(op), failed);
  }
  requeue(std::move(kept));
}

void offline_queue_state::on_disconnect(std::vector<operation_result>& failed) {
  std::vector<entry> kept;
  for_each([&](entry& e) {
    if (keeps(e.op)) {
      kept.push_back(std::move(e));
    } else {
      bytes_ -= e.size;
      fail(std::move(e.op), failed);
    }
  });
  reset();
  for (auto& e : kept) push_back(std::move(e));
}

void offline_queue_state::take(std::uint32_t& quota, std::size_t max_count, std::vector<operation>& out) {
  // Reserved up front: growing the batch one by one moved every 300-byte operation about twice more.
  out.reserve(out.size() + std::min(max_count, size()));
  while (!empty() && max_count > 0) {
    auto& e = head();
    if (uses_publish_quota(e.op)) {
      if (quota == 0) break;
      --quota;
    }
    bytes_ -= e.size;
    out.push_back(std::move(e.op));
    pop_head();
    --max_count;
  }
}

void offline_queue_state::clear(std::vector<operation_result>& failed) {
  for_each([&](entry& e) {
    operation_result r;
    r.id = id_of(e.op);
    r.error = errc::user_requested_stop;
    r.message = "the client was stopped";
    failed.push_back(std::move(r));
  });
  reset();
  bytes_ = 0;
}

}  // namespace iotactor
