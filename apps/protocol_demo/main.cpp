// iotactor-protocol-demo: decodes MQTT byte streams from files and prints every packet, one per line.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "iotactor/protocol.hpp"

using namespace iotactor::protocol;

namespace {

int usage() {
  std::cerr << "usage: iotactor-protocol-demo [--protocol 5|3.1.1] [--max-packet-size N] FILE...\n"
               "Decodes each FILE as a raw MQTT byte stream (one direction of a connection) and prints\n"
               "its packets. Exit status 1 if a stream is malformed, 2 on bad usage or unreadable file.\n";
  return 2;
}

/// Decodes the stream at once and again one byte at a time; both must give the same packets.
bool show(const std::string& path, const bytes& data, protocol_version version, std::uint32_t max_size) {
  std::cout << path << " (" << data.size() << " bytes):\n";
  stream_decoder whole(version, max_size);
  std::vector<packet> packets;
  auto err = whole.feed(data.data(), data.size(), packets);
  for (const auto& p : packets) std::cout << "  " << describe(p) << "\n";
  if (err) {
    std::cout << "  error: " << to_string(*err) << "\n";
    return false;
  }
  if (whole.buffered() != 0) {
    std::cout << "  error: the stream ends inside a packet (" << whole.buffered() << " bytes left)\n";
    return false;
  }
  stream_decoder bytewise(version, max_size);
  std::vector<packet> again;
  for (auto b : data) bytewise.feed(&b, 1, again);
  std::cout << "  " << packets.size() << " packets; fed one byte at a time: "
            << (again == packets ? "the same packets" : "DIFFERENT packets") << "\n";
  return again == packets;
}

}  // namespace

int main(int argc, char** argv) {
  protocol_version version = protocol_version::v5;
  std::uint32_t max_size = max_packet_size;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--protocol" && i + 1 < argc) {
      std::string v = argv[++i];
      if (v == "5") {
        version = protocol_version::v5;
      } else if (v == "3.1.1") {
        version = protocol_version::v3_1_1;
      } else {
        std::cerr << "iotactor-protocol-demo: --protocol must be 5 or 3.1.1, not \"" << v << "\"\n";
        return 2;
      }
    } else if (arg == "--max-packet-size" && i + 1 < argc) {
      max_size = static_cast<std::uint32_t>(std::stoul(argv[++i]));
    } else if (arg == "--help" || arg == "-h" || arg.rfind("--", 0) == 0) {
      return usage();
    } else {
      files.push_back(arg);
    }
  }
  if (files.empty()) return usage();
  bool all_ok = true;
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::cerr << "iotactor-protocol-demo: cannot read " << path << ": " << std::strerror(errno) << "\n";
      return 2;
    }
    bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    all_ok = show(path, data, version, max_size) && all_ok;
  }
  return all_ok ? 0 : 1;
}
