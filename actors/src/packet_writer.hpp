// packet_writer: the outbound half of a connection's codec. The session encodes with it where its packets
// are made and hands the bytes straight to the transport, which gather-writes them on its strand.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "iotactor/actors/interfaces.hpp"
#include "transport.hpp"

namespace iotactor {

class packet_writer {
 public:
  packet_writer(std::shared_ptr<detail::transport> transport, protocol::protocol_version version)
      : transport_(std::move(transport)), version_(version) {}

  /// Encodes the packets into one buffer and queues it on the transport; an error names a packet that
  /// cannot be encoded (the session validated them: that is a bug), and then nothing is written. A PUBLISH
  /// is not validated again (the session did, when it admitted the operation).
  std::optional<std::string> write(const packet_batch& packets);

 private:
  std::shared_ptr<detail::transport> transport_;
  protocol::protocol_version version_;
  std::size_t bytes_per_packet_ = 0;  // in the last batch: sizes the buffer of the next one
};

}  // namespace iotactor
