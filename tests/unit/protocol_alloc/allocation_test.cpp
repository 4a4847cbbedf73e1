// Counts heap allocations (global operator new is replaced in this test binary) on the encode and decode
// paths: encoding into a buffer with room allocates nothing, whatever the properties.
#include <atomic>
#include <cstdlib>
#include <new>

#include <gtest/gtest.h>

#include "iotactor/protocol.hpp"

namespace {
std::atomic<std::size_t> allocations{0};
}

void* operator new(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
// GCC cannot see that these operators pair with the operator new above.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
#pragma GCC diagnostic pop

using namespace iotactor::protocol;

namespace {

publish telemetry() {
  publish p;
  p.topic = "devices/dev-0042/telemetry/extra";  // longer than the small-string buffer
  p.payload = shared_bytes(std::string(64, 'x'));
  p.qos = qos::at_least_once;
  p.packet_id = 7;
  p.properties.user_properties = {{"site-of-the-device", "berlin-mitte-north"}, {"fw", "1.4.2"}};
  p.properties.content_type = "application/json; charset=utf-8";
  p.properties.message_expiry_interval = 60;
  p.properties.response_topic = "devices/dev-0042/replies/for/you";
  p.properties.correlation_data = bytes(16, 0x42);
  return p;
}

}  // namespace

TEST(allocation, encoding_a_publish_with_properties_into_a_buffer_with_room_allocates_nothing) {
  auto p = telemetry();
  bytes out;
  out.reserve(1024);
  auto before = allocations.load();
  for (int i = 0; i < 100; ++i) {
    out.clear();
    ASSERT_FALSE(encode(p, protocol_version::v5, out));
  }
  EXPECT_EQ(allocations.load() - before, 0U);
}

TEST(allocation, encoding_a_connect_with_will_and_properties_allocates_nothing) {
  connect c;
  c.client_id = "a-client-identifier-of-some-length";
  c.username = "user-name-longer-than-sso";
  c.password = bytes(20, 1);
  c.properties.authentication_method = "SCRAM-SHA-256-and-more";
  c.properties.user_properties = {{"key-longer-than-sso", "value-longer-than-sso"}};
  auto& w = c.will.emplace();
  w.topic = "devices/dev-0042/status/last-will";
  w.payload = shared_bytes("offline");
  w.properties.content_type = "text/plain; charset=utf-8";
  bytes out;
  out.reserve(1024);
  auto before = allocations.load();
  ASSERT_FALSE(encode(c, protocol_version::v5, out));
  EXPECT_EQ(allocations.load() - before, 0U);
}

namespace {

/// Allocations made by decoding the encoded `p`, which must decode back to `p`.
std::size_t decode_allocations(const publish& p) {
  bytes wire_bytes;
  EXPECT_FALSE(encode(p, protocol_version::v5, wire_bytes));
  stream_decoder d;
  std::vector<packet> out;
  out.reserve(4);
  auto before = allocations.load();
  EXPECT_FALSE(d.feed(wire_bytes.data(), wire_bytes.size(), out));
  auto count = allocations.load() - before;
  EXPECT_EQ(out.size(), 1U);
  if (!out.empty()) {
    EXPECT_EQ(out[0], packet(p));
  }
  return count;
}

}  // namespace

TEST(allocation, decoding_a_publish_allocates_once_per_heap_field_and_not_for_a_small_payload) {
  auto p = telemetry();
  ASSERT_EQ(p.payload.size(), shared_bytes::inline_capacity);  // the largest payload stored inline
  // topic, content type, response topic, correlation data, the user property vector (grown twice: 1 then
  // 2 entries), and the two long user property strings.
  EXPECT_EQ(decode_allocations(p), 8U);
}

TEST(allocation, decoding_a_publish_allocates_once_for_a_payload_too_large_to_store_inline) {
  auto p = telemetry();
  p.payload = shared_bytes(std::string(shared_bytes::inline_capacity + 1, 'x'));
  EXPECT_EQ(decode_allocations(p), 9U);
}
