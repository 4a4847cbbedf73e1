// packet_writer: encode a batch once into one buffer, queue it on the transport.
#include "packet_writer.hpp"

#include "iotactor/protocol/describe.hpp"
#include "iotactor/protocol/encoder.hpp"

namespace iotactor {

std::optional<std::string> packet_writer::write(const packet_batch& packets) {
  protocol::bytes out;
  for (const auto& p : packets)
    if (auto err = protocol::encode(p, version_, out))
      return "cannot encode " + protocol::describe(p) + ": " + protocol::to_string(*err);
  transport_->write(buffer_batch{protocol::shared_bytes(std::move(out))});
  return std::nullopt;
}

}  // namespace iotactor
