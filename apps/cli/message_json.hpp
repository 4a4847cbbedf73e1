// One received message as one line of JSON, with every MQTT 5 property that is present.
#pragma once

#include <string>

#include "iotactor/protocol/packets.hpp"

namespace iotactor::cli {

/// {"topic":...,"payload":... or "payload_base64":...,"qos":1,"retain":false,"user_properties":[["k","v"]],
///  "content_type":...,"response_topic":...,"correlation_data":"<hex>","message_expiry_interval":N,
///  "payload_format_indicator":N,"subscription_identifiers":[N]}; absent properties are left out.
std::string to_json(const protocol::publish& p);

/// "0a1b" -> {0x0a, 0x1b}; an error message when the text is not an even number of hex digits.
std::string parse_hex(const std::string& text, protocol::bytes& out);

}  // namespace iotactor::cli
