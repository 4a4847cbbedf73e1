// JSON lines for `iotactor sub --format json`, written with RapidJSON.
#include "message_json.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "iotactor/protocol/topic.hpp"

namespace iotactor::cli {

namespace {

std::string base64(const std::uint8_t* data, std::size_t size) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((size + 2) / 3 * 4);
  for (std::size_t i = 0; i < size; i += 3) {
    std::uint32_t n = std::uint32_t{data[i]} << 16U;
    if (i + 1 < size) n |= std::uint32_t{data[i + 1]} << 8U;
    if (i + 2 < size) n |= data[i + 2];
    out += alphabet[(n >> 18U) & 63U];
    out += alphabet[(n >> 12U) & 63U];
    out += i + 1 < size ? alphabet[(n >> 6U) & 63U] : '=';
    out += i + 2 < size ? alphabet[n & 63U] : '=';
  }
  return out;
}

std::string hex(const protocol::bytes& b) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (auto x : b) {
    out += digits[x >> 4U];
    out += digits[x & 15U];
  }
  return out;
}

}  // namespace

std::string to_json(const protocol::publish& p) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  auto str = [&w](const std::string& s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); };
  w.StartObject();
  w.Key("topic");
  str(p.topic);
  auto text = p.payload.as_string_view();
  if (protocol::is_valid_mqtt_utf8(text)) {
    w.Key("payload");
    w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  } else {
    w.Key("payload_base64");
    str(base64(p.payload.data(), p.payload.size()));
  }
  w.Key("qos");
  w.Uint(static_cast<unsigned>(p.qos));
  w.Key("retain");
  w.Bool(p.retain);
  const auto& props = p.properties;
  if (!props.user_properties.empty()) {
    w.Key("user_properties");
    w.StartArray();
    for (const auto& [k, v] : props.user_properties) {
      w.StartArray();
      str(k);
      str(v);
      w.EndArray();
    }
    w.EndArray();
  }
  if (props.content_type) {
    w.Key("content_type");
    str(*props.content_type);
  }
  if (props.response_topic) {
    w.Key("response_topic");
    str(*props.response_topic);
  }
  if (props.correlation_data) {
    w.Key("correlation_data");
    str(hex(*props.correlation_data));
  }
  if (props.message_expiry_interval) {
    w.Key("message_expiry_interval");
    w.Uint(*props.message_expiry_interval);
  }
  if (props.payload_format_indicator) {
    w.Key("payload_format_indicator");
    w.Uint(static_cast<unsigned>(*props.payload_format_indicator));
  }
  if (!props.subscription_identifiers.empty()) {
    w.Key("subscription_identifiers");
    w.StartArray();
    for (auto id : props.subscription_identifiers) w.Uint(id);
    w.EndArray();
  }
  w.EndObject();
  return buffer.GetString();
}

std::string parse_hex(const std::string& text, protocol::bytes& out) {
  if (text.size() % 2 != 0) return "hex text \"" + text + "\" has an odd number of digits";
  out.clear();
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < text.size(); i += 2) {
    int hi = digit(text[i]);
    int lo = digit(text[i + 1]);
    if (hi < 0 || lo < 0) return "\"" + text + "\" is not hex";
    out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
  }
  return "";
}

}  // namespace iotactor::cli
