// Operations not yet admitted to the session, and what the offline queue behaviour does to them when the
// connection drops (SDK v2: ClientOperationQueueBehaviorType).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "iotactor/actors/operations.hpp"
#include "iotactor/protocol/error.hpp"
#include "iotactor/protocol/types.hpp"

namespace iotactor {

/// What survives a disconnect. The SDK v2 has no QoS 2; here QoS 2 publishes are kept wherever QoS 1 ones
/// are.
enum class offline_queue_behavior {
  fail_qos0_publish_on_disconnect,      // the default: keep QoS 1/2 publishes, subscribes, unsubscribes
  fail_non_qos1_publish_on_disconnect,  // keep QoS 1/2 publishes only
  fail_all_on_disconnect,               // keep nothing (unacked publishes wait for the next CONNACK only)
};

struct offline_queue_options {
  offline_queue_behavior behavior = offline_queue_behavior::fail_qos0_publish_on_disconnect;
  /// Bounds on what waits in the queue; 0 = unbounded (the SDK v2 has no bound).
  std::size_t max_operations = 0;
  std::size_t max_bytes = 0;
};

class offline_queue_state {
 public:
  offline_queue_state(offline_queue_options options, protocol::protocol_version version);

  /// A new operation from the user. Returns its failure if it is refused: a packet that cannot be encoded
  /// (invalid topic, ..., or what 3.1.1 cannot carry), while offline when the behaviour would fail it on
  /// disconnect anyway, or when a bound is reached. Otherwise it waits at the tail.
  std::optional<operation_result> submit(operation&& op, bool connected);

  /// submit() while connected, where an operation that could be taken at once (the queue is empty and, for
  /// a QoS 1/2 publish, `quota` lasts) goes straight to `ready` instead of through the queue: the same
  /// checks and order as submit() followed by take(), one move of the operation less.
  std::optional<operation_result> submit_ready(operation&& op, std::uint32_t& quota,
                                               std::vector<operation>& ready);

  /// The same for an operation the caller hands on itself: when it could be taken at once, `ready` is set
  /// and `op` is left where it is; when it waits at the tail, it is moved from; when refused, it is kept.
  std::optional<operation_result> submit_ready(operation& op, std::uint32_t& quota, bool& ready);

  /// Operations the session did not admit (no quota yet): back to the head, in their order.
  void requeue(std::vector<operation>&& ops);

  /// Operations left unacknowledged by a lost connection: the behaviour decides; survivors go to the head.
  void take_back(std::vector<operation>&& ops, std::vector<operation_result>& failed);

  /// The connection dropped: fails what the behaviour does not keep, in queue order.
  void on_disconnect(std::vector<operation_result>& failed);

  /// Takes operations from the head in order, at most max_count, while `quota` (QoS 1/2 publishes the
  /// session may still send) lasts; stops at a QoS 1/2 publish when it is 0 so that order is kept.
  void take(std::uint32_t& quota, std::size_t max_count, std::vector<operation>& out);

  /// The client stopped: everything fails with user_requested_stop.
  void clear(std::vector<operation_result>& failed);

  std::size_t size() const noexcept { return size_; }
  std::size_t bytes() const noexcept { return bytes_; }
  bool empty() const noexcept { return size_ == 0; }
  const offline_queue_options& options() const noexcept { return options_; }

  /// Whether the behaviour keeps this operation across a disconnect.
  bool keeps(const operation& op) const noexcept;

 private:
  struct entry {
    operation op;
    std::size_t size;
  };
  protocol::result<std::size_t> encoded_size(operation& op) const;
  std::size_t size_of(operation& op) const;
  /// Checks `op` and queues it (moving from it), or, with `ready` and when it could be taken at once, sets
  /// *ready and leaves it; a refused one is left too.
  std::optional<operation_result> admit(operation& op, bool connected, std::uint32_t& quota, bool* ready);
  void fail(operation&& op, std::vector<operation_result>& failed) const;

  offline_queue_options options_;
  protocol::protocol_version version_;
  /// Entries at the tail, at the head, one off the head; everything, in order.
  void push_back(entry&& e);
  void push_front(std::vector<entry>&& front);
  entry& head() { return segments_[first_][head_]; }
  void pop_head();
  template <class F>
  void for_each(F&& f);
  void reset();

  // The queue is a run of segments of at most segment_capacity entries: the first in use is
  // segments_[first_], from its entry head_. Not one vector: growing that to a burst of 200,000 QoS 1
  // publishes waiting for quota copied each entry about twice more and touched 138 MB of fresh pages for
  // 69 MB of entries (a third of P4's page faults); segments of 44 KB are reused from the heap as the head
  // frees them. Not a deque, whose empty form allocates: an idle client holds nothing.
  static constexpr std::size_t segment_capacity = 128;
  std::vector<std::vector<entry>> segments_;
  std::size_t first_ = 0;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  std::size_t bytes_ = 0;
};

}  // namespace iotactor
