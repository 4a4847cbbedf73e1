// Hand-laid MQTT bytes for the raw ceiling and the benchmark servers: varints, strings, and a framer that
// hands each whole packet of a byte stream to a callback. Deliberately separate from iotactor::protocol, so
// that the ceiling and the servers share no code with the client under test.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <vector>

namespace iotactor::bench::wire {

using bytes = std::vector<std::uint8_t>;

inline void put_varint(bytes& out, std::size_t v) {
  do {
    auto b = static_cast<std::uint8_t>(v % 128);
    v /= 128;
    out.push_back(static_cast<std::uint8_t>(v > 0 ? b | 0x80U : b));
  } while (v > 0);
}

inline void put_string(bytes& out, const std::string& s) {
  out.push_back(static_cast<std::uint8_t>(s.size() >> 8U));
  out.push_back(static_cast<std::uint8_t>(s.size() & 0xFFU));
  out.insert(out.end(), s.begin(), s.end());
}

/// Reads a variable byte integer at `at`; false when the buffer ends first.
inline bool get_varint(const std::uint8_t* data, std::size_t size, std::size_t& at, std::size_t& value) {
  value = 0;
  for (std::size_t shift = 0; at < size && shift < 28; shift += 7) {
    auto d = data[at++];
    value |= static_cast<std::size_t>(d & 0x7FU) << shift;
    if ((d & 0x80U) == 0) return true;
  }
  return false;
}

/// A whole PUBLISH laid out: the fixed header, topic, packet id (QoS > 0), empty properties, payload.
inline bytes publish_packet(const std::string& topic, std::size_t payload_size, int qos, std::uint16_t id) {
  bytes p = {static_cast<std::uint8_t>(0x30U | (static_cast<unsigned>(qos) << 1U))};
  put_varint(p, 2 + topic.size() + (qos > 0 ? 2 : 0) + 1 + payload_size);
  put_string(p, topic);
  if (qos > 0) {
    p.push_back(static_cast<std::uint8_t>(id >> 8U));
    p.push_back(static_cast<std::uint8_t>(id & 0xFFU));
  }
  p.push_back(0);
  for (std::size_t i = 0; i < payload_size; ++i) p.push_back(static_cast<std::uint8_t>('a' + i % 26));
  return p;
}

inline void write_all(int fd, const std::uint8_t* data, std::size_t size) {
  while (size > 0) {
    auto n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n <= 0) throw std::runtime_error("send: " + std::string(std::strerror(errno)));
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

/// Reads from a socket and calls on_packet(first_byte, body, body_size) for every whole packet, and
/// drained() after the packets of each read, until the stream ends or on_packet returns false.
template <class OnPacket, class Drained>
void read_packets(int fd, OnPacket&& on_packet, Drained&& drained) {
  constexpr std::size_t buffer_size = std::size_t{256} * 1024;
  bytes buffer(buffer_size);
  std::size_t have = 0;
  for (;;) {
    if (have == buffer.size()) buffer.resize(buffer.size() * 2);  // one packet larger than the buffer
    auto n = ::recv(fd, buffer.data() + have, buffer.size() - have, 0);
    if (n <= 0) return;
    have += static_cast<std::size_t>(n);
    std::size_t at = 0;
    for (;;) {
      std::size_t i = at + 1;
      std::size_t length = 0;
      if (have - at < 2 || !get_varint(buffer.data(), have, i, length) || have - i < length) break;
      if (!on_packet(buffer[at], buffer.data() + i, length)) return;
      at = i + length;
    }
    drained();
    std::memmove(buffer.data(), buffer.data() + at, have - at);
    have -= at;
  }
}

}  // namespace iotactor::bench::wire
