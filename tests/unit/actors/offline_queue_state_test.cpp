// offline_queue_state: the three behaviours' rules, bounds, order, and the byte accounting.
#include "iotactor/actors/offline_queue_state.hpp"

#include <gtest/gtest.h>

#include "iotactor/actors/errc.hpp"
#include "iotactor/actors/interfaces.hpp"
#include "iotactor/protocol/encoder.hpp"

using namespace iotactor;
namespace proto = iotactor::protocol;

namespace {

operation publish(operation_id id, proto::qos q) {
  publish_operation op;
  op.id = id;
  op.packet.topic = "t";
  op.packet.qos = q;
  op.packet.payload = proto::shared_bytes("0123456789");
  return op;
}

operation subscribe(operation_id id) {
  subscribe_operation op;
  op.id = id;
  op.packet.subscriptions.push_back({"a/#", proto::qos::at_least_once, false, false, {}});
  return op;
}

operation unsubscribe(operation_id id) {
  unsubscribe_operation op;
  op.id = id;
  op.packet.topic_filters = {"a/#"};
  return op;
}

/// One of each kind: ids 1 (QoS 0), 2 (QoS 1), 3 (QoS 2), 4 (SUBSCRIBE), 5 (UNSUBSCRIBE).
std::vector<operation> one_of_each() {
  return {publish(1, proto::qos::at_most_once), publish(2, proto::qos::at_least_once),
          publish(3, proto::qos::exactly_once), subscribe(4), unsubscribe(5)};
}

std::vector<operation_id> ids(const std::vector<operation_result>& rs) {
  std::vector<operation_id> out;
  for (const auto& r : rs) out.push_back(r.id);
  return out;
}

std::vector<operation_id> ids(const std::vector<operation>& ops) {
  std::vector<operation_id> out;
  for (const auto& op : ops) out.push_back(id_of(op));
  return out;
}

struct behavior_case {
  offline_queue_behavior behavior;
  std::vector<operation_id> failed_on_disconnect;
};

class offline_queue_behaviors : public ::testing::TestWithParam<behavior_case> {};

}  // namespace

TEST_P(offline_queue_behaviors, disconnect_fails_exactly_what_the_behaviour_does_not_keep) {
  offline_queue_state q({GetParam().behavior, 0, 0}, proto::protocol_version::v5);
  for (auto& op : one_of_each()) ASSERT_FALSE(q.submit(std::move(op), true));
  std::vector<operation_result> failed;
  q.on_disconnect(failed);
  EXPECT_EQ(ids(failed), GetParam().failed_on_disconnect);
  for (const auto& r : failed) {
    EXPECT_EQ(r.error, errc::offline_queue_policy);
    EXPECT_NE(r.message.find("on disconnect"), std::string::npos);
  }
  EXPECT_EQ(q.size(), 5U - failed.size());
}

TEST_P(offline_queue_behaviors, submission_while_offline_refuses_what_would_fail_on_disconnect) {
  offline_queue_state q({GetParam().behavior, 0, 0}, proto::protocol_version::v5);
  std::vector<operation_id> refused;
  for (auto& op : one_of_each()) {
    if (auto r = q.submit(std::move(op), false)) {
      EXPECT_EQ(r->error, errc::offline_queue_policy);
      refused.push_back(r->id);
    }
  }
  EXPECT_EQ(refused, GetParam().failed_on_disconnect);
}

TEST_P(offline_queue_behaviors, unacked_operations_taken_back_are_filtered_the_same_way) {
  offline_queue_state q({GetParam().behavior, 0, 0}, proto::protocol_version::v5);
  ASSERT_FALSE(q.submit(publish(9, proto::qos::at_least_once), true));
  std::vector<operation_result> failed;
  q.take_back(one_of_each(), failed);
  EXPECT_EQ(ids(failed), GetParam().failed_on_disconnect);
  std::uint32_t quota = 100;
  std::vector<operation> out;
  q.take(quota, 100, out);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(id_of(out.back()), 9U);  // survivors went to the head, before what was queued
}

INSTANTIATE_TEST_SUITE_P(
    every_behaviour, offline_queue_behaviors,
    ::testing::Values(behavior_case{offline_queue_behavior::fail_qos0_publish_on_disconnect, {1}},
                      behavior_case{offline_queue_behavior::fail_non_qos1_publish_on_disconnect, {1, 4, 5}},
                      behavior_case{offline_queue_behavior::fail_all_on_disconnect, {1, 2, 3, 4, 5}}));

TEST(offline_queue, the_default_behaviour_is_fail_qos0_publish_on_disconnect) {
  EXPECT_EQ(offline_queue_options{}.behavior, offline_queue_behavior::fail_qos0_publish_on_disconnect);
}

TEST(offline_queue, take_keeps_order_and_stops_at_a_qos1_publish_when_the_quota_is_used_up) {
  offline_queue_state q({}, proto::protocol_version::v5);
  ASSERT_FALSE(q.submit(publish(1, proto::qos::at_least_once), true));
  ASSERT_FALSE(q.submit(publish(2, proto::qos::at_least_once), true));
  ASSERT_FALSE(q.submit(publish(3, proto::qos::at_most_once), true));
  std::uint32_t quota = 1;
  std::vector<operation> out;
  q.take(quota, 10, out);
  EXPECT_EQ(ids(out), (std::vector<operation_id>{1}));
  EXPECT_EQ(quota, 0U);
  EXPECT_EQ(q.size(), 2U);
  quota = 5;
  out.clear();
  q.take(quota, 10, out);
  EXPECT_EQ(ids(out), (std::vector<operation_id>{2, 3}));
  EXPECT_EQ(quota, 4U);
  EXPECT_EQ(q.bytes(), 0U);
}

// The session and the writer trust this size instead of validating the PUBLISH again.
TEST(offline_queue, an_admitted_publish_carries_its_encoded_size_with_the_packet_identifier_counted) {
  offline_queue_state q({}, proto::protocol_version::v5);
  ASSERT_FALSE(q.submit(publish(1, proto::qos::at_most_once), true));
  ASSERT_FALSE(q.submit(publish(2, proto::qos::at_least_once), true));
  ASSERT_FALSE(q.submit(subscribe(3), true));
  std::uint32_t quota = 5;
  std::vector<operation> out;
  q.take(quota, 10, out);
  ASSERT_EQ(out.size(), 3U);
  auto& qos0 = std::get<publish_operation>(out[0]);
  EXPECT_EQ(qos0.encoded_size, *proto::encoded_size(qos0.packet, proto::protocol_version::v5));
  auto& qos1 = std::get<publish_operation>(out[1]);
  auto with_id = qos1.packet;
  with_id.packet_id = 7;  // what the session sets: two bytes the queue counted already
  EXPECT_EQ(qos1.encoded_size, *proto::encoded_size(with_id, proto::protocol_version::v5));
  EXPECT_EQ(qos1.encoded_size, qos0.encoded_size + 2);
}

// The queue is a vector with a moving head: operations taken back go into the freed slots, in front of
// what waits; taking compacts it. Order and byte accounting hold through all of it.
TEST(offline_queue, order_and_bytes_hold_through_requeues_and_compaction) {
  offline_queue_state q({}, proto::protocol_version::v5);
  for (operation_id i = 1; i <= 300; ++i) ASSERT_FALSE(q.submit(publish(i, proto::qos::at_most_once), true));
  const auto one = q.bytes() / 300;
  std::uint32_t quota = 0;
  std::vector<operation> taken;
  q.take(quota, 100, taken);  // 1..100 out
  EXPECT_EQ(q.size(), 200U);
  std::vector<operation> back(std::make_move_iterator(taken.begin() + 89),
                              std::make_move_iterator(taken.end()));
  q.requeue(std::move(back));  // 90..100 back in front, into the slots taken from the head
  EXPECT_EQ(q.size(), 211U);
  EXPECT_EQ(q.bytes(), 211 * one);
  std::vector<operation> first;
  q.take(quota, 160, first);  // 90..249; the head passes the middle: the vector compacts
  std::vector<operation> more_back;
  more_back.push_back(publish(1000, proto::qos::at_most_once));
  more_back.push_back(publish(1001, proto::qos::at_most_once));
  q.requeue(std::move(more_back));  // head at 0 after compaction: inserted in front
  for (operation_id i = 301; i <= 305; ++i)
    ASSERT_FALSE(q.submit(publish(i, proto::qos::at_most_once), true));
  std::vector<operation> rest;
  q.take(quota, 1000, rest);
  std::vector<operation_id> expected_first;
  for (operation_id i = 90; i <= 249; ++i) expected_first.push_back(i);
  EXPECT_EQ(ids(first), expected_first);
  std::vector<operation_id> expected_rest{1000, 1001};
  for (operation_id i = 250; i <= 305; ++i) expected_rest.push_back(i);
  EXPECT_EQ(ids(rest), expected_rest);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0U);
}

TEST(offline_queue, take_respects_the_batch_size) {
  offline_queue_state q({}, proto::protocol_version::v5);
  for (operation_id i = 1; i <= 5; ++i) ASSERT_FALSE(q.submit(subscribe(i), true));
  std::uint32_t quota = 0;
  std::vector<operation> out;
  q.take(quota, 2, out);
  EXPECT_EQ(ids(out), (std::vector<operation_id>{1, 2}));
}

TEST(offline_queue, take_sizes_the_batch_once_for_what_it_takes) {
  // 100 operations, a batch of at most 256: the batch holds room for exactly 100 (grown one by one it would
  // have 128, after moving its operations seven times over).
  offline_queue_state q({}, proto::protocol_version::v5);
  for (operation_id i = 1; i <= 100; ++i) ASSERT_FALSE(q.submit(publish(i, proto::qos::at_most_once), true));
  std::uint32_t quota = 0;
  std::vector<operation> out;
  q.take(quota, 256, out);
  EXPECT_EQ(out.size(), 100U);
  EXPECT_EQ(out.capacity(), 100U);
  // At most the batch size, when more are queued.
  for (operation_id i = 101; i <= 400; ++i)
    ASSERT_FALSE(q.submit(publish(i, proto::qos::at_most_once), true));
  std::vector<operation> next;
  q.take(quota, 256, next);
  EXPECT_EQ(next.size(), 256U);
  EXPECT_EQ(next.capacity(), 256U);
  EXPECT_EQ(ids(next).front(), 101U);
}

TEST(offline_queue, requeued_operations_go_back_to_the_head_in_their_order) {
  offline_queue_state q({}, proto::protocol_version::v5);
  ASSERT_FALSE(q.submit(subscribe(3), true));
  q.requeue({subscribe(1), subscribe(2)});
  std::uint32_t quota = 0;
  std::vector<operation> out;
  q.take(quota, 10, out);
  EXPECT_EQ(ids(out), (std::vector<operation_id>{1, 2, 3}));
}

TEST(offline_queue, the_count_bound_refuses_with_offline_queue_full) {
  offline_queue_state q({offline_queue_behavior::fail_qos0_publish_on_disconnect, 2, 0},
                        proto::protocol_version::v5);
  ASSERT_FALSE(q.submit(subscribe(1), false));
  ASSERT_FALSE(q.submit(subscribe(2), false));
  auto r = q.submit(subscribe(3), false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, 3U);
  EXPECT_EQ(r->error, errc::offline_queue_full);
  EXPECT_NE(r->message.find("maximum of 2"), std::string::npos);
}

TEST(offline_queue, the_byte_bound_counts_encoded_packet_sizes) {
  auto op = publish(1, proto::qos::at_least_once);
  std::get<publish_operation>(op).packet.packet_id = 1;  // encoded with an identifier
  auto one = *proto::encoded_size(std::get<publish_operation>(op).packet, proto::protocol_version::v5);
  offline_queue_state q({offline_queue_behavior::fail_qos0_publish_on_disconnect, 0, 2 * one},
                        proto::protocol_version::v5);
  ASSERT_FALSE(q.submit(publish(1, proto::qos::at_least_once), true));
  EXPECT_EQ(q.bytes(), one);
  ASSERT_FALSE(q.submit(publish(2, proto::qos::at_least_once), true));
  auto r = q.submit(publish(3, proto::qos::at_least_once), true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, errc::offline_queue_full);
  EXPECT_EQ(q.bytes(), 2 * one);
}

TEST(offline_queue, clear_fails_everything_with_user_requested_stop) {
  offline_queue_state q({}, proto::protocol_version::v5);
  ASSERT_FALSE(q.submit(subscribe(1), true));
  ASSERT_FALSE(q.submit(publish(2, proto::qos::at_least_once), true));
  std::vector<operation_result> failed;
  q.clear(failed);
  EXPECT_EQ(ids(failed), (std::vector<operation_id>{1, 2}));
  for (const auto& r : failed) EXPECT_EQ(r.error, errc::user_requested_stop);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0U);
}

TEST(offline_queue, an_operation_that_cannot_be_encoded_is_refused_at_submission_naming_the_fault) {
  offline_queue_state q({}, proto::protocol_version::v5);
  auto bad = publish(1, proto::qos::at_least_once);
  std::get<publish_operation>(bad).packet.topic = "a/+/b";
  auto r = q.submit(std::move(bad), true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, errc::invalid_operation);
  EXPECT_NE(r->message.find("wildcard"), std::string::npos) << r->message;
  EXPECT_TRUE(q.empty());
}

TEST(offline_queue, an_mqtt5_only_feature_on_a_3_1_1_client_is_refused_at_submission) {
  offline_queue_state q({}, proto::protocol_version::v3_1_1);
  auto op = publish(1, proto::qos::at_least_once);
  std::get<publish_operation>(op).packet.properties.user_properties = {{"k", "v"}};
  auto r = q.submit(std::move(op), true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, errc::not_supported_in_3_1_1);
  EXPECT_NE(r->message.find("3.1.1"), std::string::npos) << r->message;
}

TEST(offline_queue, submit_ready_passes_what_could_be_taken_at_once_straight_on) {
  offline_queue_state q({}, proto::protocol_version::v5);
  std::uint32_t quota = 1;
  std::vector<operation> ready;
  ASSERT_FALSE(q.submit_ready(publish(1, proto::qos::at_most_once), quota, ready));
  ASSERT_FALSE(q.submit_ready(publish(2, proto::qos::at_least_once), quota, ready));  // takes the quota
  EXPECT_EQ(quota, 0U);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0U);
  // Validated on the way: the encoded size is recorded as submit() does.
  auto expected = proto::encoded_size(
      std::get<publish_operation>(publish(1, proto::qos::at_most_once)).packet, proto::protocol_version::v5);
  ASSERT_TRUE(expected);
  EXPECT_EQ(std::get<publish_operation>(ready[0]).encoded_size, *expected);
  // No quota for the next QoS 1 publish: it waits, and so does everything after it, whatever its kind.
  ASSERT_FALSE(q.submit_ready(publish(3, proto::qos::at_least_once), quota, ready));
  ASSERT_FALSE(q.submit_ready(publish(4, proto::qos::at_most_once), quota, ready));
  ASSERT_FALSE(q.submit_ready(subscribe(5), quota, ready));
  EXPECT_EQ(ids(ready), (std::vector<operation_id>{1, 2}));
  EXPECT_EQ(q.size(), 3U);
  quota = 5;
  std::vector<operation> later;
  q.take(quota, 256, later);
  EXPECT_EQ(ids(later), (std::vector<operation_id>{3, 4, 5}));
}

TEST(offline_queue, submit_ready_refuses_as_submit_does) {
  offline_queue_state q({}, proto::protocol_version::v5);
  auto bad = publish(1, proto::qos::at_most_once);
  std::get<publish_operation>(bad).packet.topic = "a/#";
  std::uint32_t quota = 0;
  std::vector<operation> ready;
  auto r = q.submit_ready(std::move(bad), quota, ready);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, errc::invalid_operation);
  EXPECT_TRUE(ready.empty());
  EXPECT_TRUE(q.empty());
}

/// The in-place form the queue actor uses to hand a batch on in the vector it came in: a ready operation is
/// left where it is (with its encoded size recorded), a waiting one is moved into the queue, a refused one is
/// left for its result.
TEST(offline_queue, submit_ready_in_place_leaves_what_goes_on_and_takes_what_waits) {
  offline_queue_state q({}, proto::protocol_version::v5);
  std::uint32_t quota = 0;
  bool ready = false;
  auto now = publish(1, proto::qos::at_most_once);
  ASSERT_FALSE(q.submit_ready(now, quota, ready));
  EXPECT_TRUE(ready);
  EXPECT_EQ(std::get<publish_operation>(now).id, 1U);
  EXPECT_EQ(std::get<publish_operation>(now).packet.topic,
            std::get<publish_operation>(publish(1, proto::qos::at_most_once)).packet.topic);
  EXPECT_NE(std::get<publish_operation>(now).encoded_size, 0U);
  EXPECT_TRUE(q.empty());
  auto waits = publish(2, proto::qos::at_least_once);  // no quota: it waits, and what follows it too
  ASSERT_FALSE(q.submit_ready(waits, quota, ready));
  EXPECT_FALSE(ready);
  auto behind = publish(3, proto::qos::at_most_once);
  ASSERT_FALSE(q.submit_ready(behind, quota, ready));
  EXPECT_FALSE(ready);
  EXPECT_EQ(q.size(), 2U);
  auto bad = publish(4, proto::qos::at_most_once);
  std::get<publish_operation>(bad).packet.topic = "a/+";
  auto r = q.submit_ready(bad, quota, ready);
  ASSERT_TRUE(r);
  EXPECT_FALSE(ready);
  EXPECT_EQ(r->id, 4U);
  EXPECT_EQ(std::get<publish_operation>(bad).packet.topic, "a/+");
  quota = 1;
  std::vector<operation> later;
  q.take(quota, 256, later);
  EXPECT_EQ(ids(later), (std::vector<operation_id>{2, 3}));
}

/// A queue far longer than one storage segment keeps its order through takes, a requeue at the head (into
/// taken slots, and larger than them), a disconnect that fails some of it, and its byte count; emptied, it
/// starts over.
TEST(offline_queue, a_long_queue_keeps_order_and_bytes_across_takes_requeues_and_a_disconnect) {
  offline_queue_state q({offline_queue_behavior::fail_qos0_publish_on_disconnect, 0, 0},
                        proto::protocol_version::v5);
  constexpr operation_id n = 1000;
  for (operation_id id = 1; id <= n; ++id)  // every fifth a QoS 0 publish, the rest QoS 1
    ASSERT_FALSE(
        q.submit(publish(id, id % 5 == 0 ? proto::qos::at_most_once : proto::qos::at_least_once), true));
  auto size_of = [](proto::qos qos) {
    offline_queue_state one({}, proto::protocol_version::v5);
    EXPECT_FALSE(one.submit(publish(1, qos), true));
    return one.bytes();
  };
  const auto qos0 = size_of(proto::qos::at_most_once);
  const auto qos1 = size_of(proto::qos::at_least_once);
  auto bytes_of = [&](operation_id from, operation_id to) {  // of ids [from, to]
    std::size_t sum = 0;
    for (auto id = from; id <= to; ++id) sum += id % 5 == 0 ? qos0 : qos1;
    return sum;
  };
  ASSERT_EQ(q.bytes(), bytes_of(1, n));
  std::uint32_t quota = 1000;
  std::vector<operation> taken;
  q.take(quota, 300, taken);  // ids 1-300, across segments
  ASSERT_EQ(taken.size(), 300U);
  EXPECT_EQ(q.size(), 700U);
  EXPECT_EQ(q.bytes(), bytes_of(301, n));
  // Back to the head: the last 20 (into the taken slots), then 200 more than the slots of a segment.
  std::vector<operation> back(std::make_move_iterator(taken.end() - 20),
                              std::make_move_iterator(taken.end()));
  taken.erase(taken.end() - 20, taken.end());
  q.requeue(std::move(back));
  std::vector<operation> more(std::make_move_iterator(taken.end() - 200),
                              std::make_move_iterator(taken.end()));
  q.requeue(std::move(more));
  EXPECT_EQ(q.size(), 920U);
  EXPECT_EQ(q.bytes(), bytes_of(81, n));
  std::vector<operation_result> failed;
  q.on_disconnect(failed);  // fails the QoS 0 publishes among ids 81-1000, in order
  std::vector<operation_id> failed_ids;
  for (const auto& r : failed) failed_ids.push_back(r.id);
  std::vector<operation_id> expected_failed;
  std::vector<operation_id> expected_kept;
  for (operation_id id = 81; id <= n; ++id) (id % 5 == 0 ? expected_failed : expected_kept).push_back(id);
  EXPECT_EQ(failed_ids, expected_failed);
  std::vector<operation> rest;
  quota = 1000;
  q.take(quota, 2000, rest);
  EXPECT_EQ(ids(rest), expected_kept);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0U);
  ASSERT_FALSE(q.submit(publish(5000, proto::qos::at_least_once), true));  // empty, it starts over
  std::vector<operation> last;
  q.take(quota, 10, last);
  EXPECT_EQ(ids(last), (std::vector<operation_id>{5000}));
}

/// The process-wide spares for batches: a vector given back is handed out again (no new allocation for the
/// next burst's batch), at most spare_batches are kept, and small ones are not kept at all.
TEST(operation_batches, given_back_vectors_are_reused_up_to_the_spare_count) {
  for (std::size_t i = 0; i <= spare_batches; ++i) (void)take_batch(32);  // whatever other tests left
  operation_batch used;
  used.reserve(100);
  used.push_back(publish(1, proto::qos::at_most_once));
  const auto* storage = used.data();
  give_back_batch(std::move(used));
  auto again = take_batch(50);
  EXPECT_EQ(again.data(), storage) << "a fresh vector, not the one given back";
  EXPECT_TRUE(again.empty());
  EXPECT_GE(again.capacity(), 100U);

  std::vector<operation_batch> many(spare_batches + 2);
  for (auto& b : many) {
    b.reserve(64);
    give_back_batch(std::move(b));
  }
  std::size_t reused = 0;
  for (std::size_t i = 0; i < spare_batches + 2; ++i) reused += take_batch(40).capacity() >= 64 ? 1 : 0;
  EXPECT_EQ(reused, spare_batches);

  operation_batch small;
  small.reserve(8);
  give_back_batch(std::move(small));
  EXPECT_EQ(take_batch(40).capacity(), 40U) << "a small vector was kept";
}
