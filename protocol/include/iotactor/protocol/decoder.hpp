// Decoding bytes to packets: one whole packet, or a stream fed in chunks of any size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "iotactor/protocol/error.hpp"
#include "iotactor/protocol/packets.hpp"

namespace iotactor::protocol {

/// Decodes exactly one packet, fixed header included; bytes left over are an error.
/// CONNECT is read at the protocol level it names itself; every other packet at `version`.
result<packet> decode_packet(const std::uint8_t* data, std::size_t size, protocol_version version);

/// Cuts a byte stream into packets. Feed it chunks of any size, one byte at a time included: it yields each
/// packet once whole, copies only the bytes of a packet split across chunks, and never reads past its input.
/// A packet whose size exceeds the maximum is rejected from its fixed header, before its body is buffered.
/// The first error is final: the connection must be closed with the error's reason code.
class stream_decoder {
 public:
  explicit stream_decoder(protocol_version version = protocol_version::v5,
                          std::uint32_t maximum_packet_size = max_packet_size);

  /// Appends every packet completed by these bytes to out; returns the error if the stream is malformed.
  std::optional<error> feed(const std::uint8_t* data, std::size_t size, std::vector<packet>& out);

  void set_version(protocol_version version) noexcept { version_ = version; }
  protocol_version version() const noexcept { return version_; }
  void set_maximum_packet_size(std::uint32_t size) noexcept { maximum_packet_size_ = size; }
  std::uint32_t maximum_packet_size() const noexcept { return maximum_packet_size_; }

  /// Bytes held of a packet not yet complete.
  std::size_t buffered() const noexcept { return partial_.size(); }
  bool failed() const noexcept { return failure_.has_value(); }

  /// Forgets buffered bytes and any failure, for a new connection.
  void reset();

 private:
  std::optional<error> fail(error e);
  std::optional<error> take_partial(const std::uint8_t*& data, std::size_t& size, std::vector<packet>& out);
  /// Complete packets at the start of `data`, counted from their fixed headers.
  std::size_t complete_packets(const std::uint8_t* data, std::size_t size) const;

  protocol_version version_;
  std::uint32_t maximum_packet_size_;
  bytes partial_;
  std::size_t partial_total_ = 0;  // whole size of the packet in partial_, 0 while its header is incomplete
  std::optional<error> failure_;
};

}  // namespace iotactor::protocol
