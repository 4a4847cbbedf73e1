// Human-readable one-line descriptions of packets, for logs, tools and test failure messages.
#pragma once

#include <iosfwd>
#include <string>

#include "iotactor/protocol/packets.hpp"

namespace iotactor::protocol {

/// E.g. `PUBLISH topic="a/b" qos=1 packet_id=7 payload="hi" {message_expiry_interval=10}`.
std::string describe(const packet& p);

/// Lets GoogleTest print packets.
void PrintTo(const packet& p, std::ostream* os);

}  // namespace iotactor::protocol
