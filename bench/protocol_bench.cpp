// Micro benchmarks of the wire format: PUBLISH encode and decode, and a 1 MiB stream, beside memcpy.
#include <cstring>
#include <vector>

#include <benchmark/benchmark.h>

#include "iotactor/protocol.hpp"

using namespace iotactor::protocol;

namespace {

/// A PUBLISH with a 20-character topic, a 64-byte payload and two user properties.
publish sample(qos q) {
  publish p;
  p.topic = "devices/dev-0042/tel";  // 20 characters
  p.payload = shared_bytes(std::vector<std::uint8_t>(64, 0x5A));
  p.qos = q;
  p.packet_id = q == qos::at_most_once ? 0 : 4242;
  p.properties.user_properties = {{"site", "berlin"}, {"fw", "1.4.2"}};
  return p;
}

bytes encoded(qos q) {
  bytes out;
  encode(sample(q), protocol_version::v5, out);
  return out;
}

constexpr std::size_t stream_size = 1U << 20U;

bytes stream_of(qos q) {
  auto one = encoded(q);
  bytes s;
  while (s.size() + one.size() <= stream_size) s.insert(s.end(), one.begin(), one.end());
  return s;
}

void encode_publish(benchmark::State& state) {
  auto p = sample(static_cast<qos>(state.range(0)));
  bytes out;
  out.reserve(256);
  for (auto _ : state) {
    out.clear();
    encode(p, protocol_version::v5, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
}

void decode_publish(benchmark::State& state) {
  auto wire_bytes = encoded(static_cast<qos>(state.range(0)));
  for (auto _ : state) {
    auto p = decode_packet(wire_bytes.data(), wire_bytes.size(), protocol_version::v5);
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * wire_bytes.size()));
}

void memcpy_publish(benchmark::State& state) {
  auto wire_bytes = encoded(static_cast<qos>(state.range(0)));
  bytes dst(wire_bytes.size());
  for (auto _ : state) {
    std::memcpy(dst.data(), wire_bytes.data(), wire_bytes.size());
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * wire_bytes.size()));
}

void decode_stream_1mib(benchmark::State& state) {
  auto s = stream_of(static_cast<qos>(state.range(0)));
  std::vector<packet> out;
  std::size_t per_stream = 0;
  for (auto _ : state) {
    stream_decoder d;
    out.clear();
    d.feed(s.data(), s.size(), out);
    per_stream = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * per_stream));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * s.size()));
}

void memcpy_stream_1mib(benchmark::State& state) {
  auto s = stream_of(static_cast<qos>(state.range(0)));
  bytes dst(s.size());
  auto packets = s.size() / encoded(static_cast<qos>(state.range(0))).size();
  for (auto _ : state) {
    std::memcpy(dst.data(), s.data(), s.size());
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * packets));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * s.size()));
}

}  // namespace

BENCHMARK(encode_publish)->ArgName("qos")->Arg(0)->Arg(1);
BENCHMARK(decode_publish)->ArgName("qos")->Arg(0)->Arg(1);
BENCHMARK(memcpy_publish)->ArgName("qos")->Arg(0)->Arg(1);
BENCHMARK(decode_stream_1mib)->ArgName("qos")->Arg(0)->Arg(1);
BENCHMARK(memcpy_stream_1mib)->ArgName("qos")->Arg(0)->Arg(1);

BENCHMARK_MAIN();
