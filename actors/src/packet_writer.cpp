// packet_writer: encode a batch once into one buffer, queue it on the transport.
#include "packet_writer.hpp"

#include <variant>

#include "iotactor/protocol/describe.hpp"
#include "iotactor/protocol/encoder.hpp"

namespace iotactor {

std::optional<std::string> packet_writer::write(const packet_batch& packets) {
  protocol::bytes out;
  // Sized from the last batch's bytes per packet: no regrowing (and copying) while encoding a burst, and no
  // large buffer for a lone PINGREQ after one.
  out.reserve(packets.size() * bytes_per_packet_);
  for (const auto& p : packets) {
    // A PUBLISH passed the session's validation (encoded_size) before it got here; the rest, rare and
    // small, are checked again as a net for bugs.
    if (std::holds_alternative<protocol::publish>(p)) {
      protocol::encode_validated(p, version_, out);
      continue;
    }
    if (auto err = protocol::encode(p, version_, out))
      return "cannot encode " + protocol::describe(p) + ": " + protocol::to_string(*err);
  }
  if (!packets.empty()) bytes_per_packet_ = out.size() / packets.size() + 1;
  if (out.empty()) return std::nullopt;
  transport_->write(buffer_batch{protocol::shared_bytes(std::move(out))});
  return std::nullopt;
}

}  // namespace iotactor
