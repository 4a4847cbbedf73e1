// Encodes a PINGREQ with the installed library and prints its bytes: "c0 00".
#include <cstdio>

#include "iotactor/protocol.hpp"

int main() {
  iotactor::protocol::bytes out;
  if (encode(iotactor::protocol::pingreq{}, iotactor::protocol::protocol_version::v5, out)) return 1;
  std::printf("%02x %02x\n", out[0], out[1]);
  return 0;
}
