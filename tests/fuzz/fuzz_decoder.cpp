// libFuzzer target: the stream decoder and decode_packet on arbitrary bytes, for both protocol versions.
// Whatever decodes must encode again and decode to an equal packet.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "iotactor/protocol.hpp"

using namespace iotactor::protocol;

namespace {

void check_round_trip(const packet& p, protocol_version v) {
  bytes again;
  if (auto err = encode(p, v, again)) std::abort();  // a decoded packet must be encodable
  auto back = decode_packet(again.data(), again.size(), v);
  if (!back || !(*back == p)) std::abort();
}

void run(const std::uint8_t* data, std::size_t size, protocol_version v, std::size_t chunk) {
  stream_decoder d(v, 4096);
  std::vector<packet> out;
  for (std::size_t pos = 0; pos < size; pos += chunk) {
    std::size_t n = size - pos < chunk ? size - pos : chunk;
    if (d.feed(data + pos, n, out)) break;
  }
  for (const auto& p : out) {
    // CONNECT carries its own version; everything else is encoded at the stream's version.
    auto pv = std::holds_alternative<connect>(p) ? std::get<connect>(p).version : v;
    check_round_trip(p, pv);
    (void)describe(p);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the chunk size, so that splits inside headers and bodies are explored.
  std::size_t chunk = 1 + data[0] % 64;
  run(data + 1, size - 1, protocol_version::v5, chunk);
  run(data + 1, size - 1, protocol_version::v3_1_1, chunk);
  (void)decode_packet(data + 1, size - 1, protocol_version::v5);
  return 0;
}
