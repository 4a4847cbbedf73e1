// describe(): one line per packet with every field and property that is set.
#include "iotactor/protocol/describe.hpp"

#include <cstdio>
#include <ostream>
#include <type_traits>

#include "iotactor/protocol/topic.hpp"

namespace iotactor::protocol {

namespace {

void append_hex(std::string& out, const std::uint8_t* data, std::size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < size; ++i) {
    out += digits[data[i] >> 4U];
    out += digits[data[i] & 0x0FU];
  }
}

void append_quoted(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\x%02x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += esc;
    } else {
      out += c;
    }
  }
  out += '"';
}

/// Text payloads are shown quoted (cut at 64 bytes), others as hex.
void append_payload(std::string& out, const std::uint8_t* data, std::size_t size) {
  constexpr std::size_t shown = 64;
  std::string_view text(reinterpret_cast<const char*>(data), size < shown ? size : shown);
  bool printable = is_valid_mqtt_utf8(text);
  for (char c : text)
    printable = printable && (static_cast<unsigned char>(c) >= 0x20 || c == '\n' || c == '\t');
  if (printable) {
    append_quoted(out, text);
  } else {
    out += "0x";
    append_hex(out, data, text.size());
  }
  if (size > shown) out += "... (" + std::to_string(size) + " bytes)";
}

template <class T>
void append_value(std::string& out, const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    out += v ? "true" : "false";
  } else if constexpr (std::is_same_v<T, qos> || std::is_same_v<T, payload_format>) {
    out += std::to_string(static_cast<unsigned>(v));
  } else if constexpr (std::is_integral_v<T>) {
    out += std::to_string(v);
  } else if constexpr (std::is_same_v<T, std::string>) {
    append_quoted(out, v);
  } else {
    out += "0x";
    append_hex(out, v.data(), v.size());
  }
}

template <class Props>
void append_properties(std::string& out, const Props& props) {
  if (empty(props)) return;
  out += " {";
  bool first = true;
  auto sep = [&] {
    if (!first) out += ", ";
    first = false;
  };
  Props::fields(props, [&](property_id id, const auto& field) {
    using F = std::decay_t<decltype(field)>;
    std::string name(to_string(id));
    for (auto& c : name)
      if (c == ' ') c = '_';
    if constexpr (std::is_same_v<F, user_properties>) {
      for (const auto& [k, v] : field) {
        sep();
        out += name + "=(";
        append_quoted(out, k);
        out += ", ";
        append_quoted(out, v);
        out += ')';
      }
    } else if constexpr (std::is_same_v<F, std::vector<std::uint32_t>>) {
      for (auto v : field) {
        sep();
        out += name + "=" + std::to_string(v);
      }
    } else if (field) {
      sep();
      out += name + "=";
      append_value(out, *field);
    }
  });
  out += '}';
}

std::string code(reason_code rc) {
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned>(rc));
  return std::string(hex) + " " + std::string(to_string(rc));
}

void describe_into(std::string& out, const connect& p) {
  out += " version=" + std::string(to_string(p.version)) + " client_id=";
  append_quoted(out, p.client_id);
  out += " keep_alive=" + std::to_string(p.keep_alive) + " clean_start=" + (p.clean_start ? "1" : "0");
  if (p.username) {
    out += " username=";
    append_quoted(out, *p.username);
  }
  if (p.password) out += " password=(" + std::to_string(p.password->size()) + " bytes)";
  append_properties(out, p.properties);
  if (p.will) {
    out += " will={topic=";
    append_quoted(out, p.will->topic);
    out += " qos=" + std::to_string(static_cast<unsigned>(p.will->qos)) +
           " retain=" + (p.will->retain ? "1" : "0") + " payload=";
    append_payload(out, p.will->payload.data(), p.will->payload.size());
    append_properties(out, p.will->properties);
    out += '}';
  }
}

void describe_into(std::string& out, const connack& p) {
  out += " session_present=" + std::string(p.session_present ? "1" : "0") + " reason=" + code(p.reason);
  append_properties(out, p.properties);
}

void describe_into(std::string& out, const publish& p) {
  out += " topic=";
  append_quoted(out, p.topic);
  out += " qos=" + std::to_string(static_cast<unsigned>(p.qos));
  if (p.qos != qos::at_most_once) out += " packet_id=" + std::to_string(p.packet_id);
  if (p.retain) out += " retain=1";
  if (p.dup) out += " dup=1";
  out += " payload=";
  append_payload(out, p.payload.data(), p.payload.size());
  append_properties(out, p.properties);
}

template <packet_type T>
void describe_into(std::string& out, const publish_ack<T>& p) {
  out += " packet_id=" + std::to_string(p.packet_id) + " reason=" + code(p.reason);
  append_properties(out, p.properties);
}

void describe_into(std::string& out, const subscribe& p) {
  out += " packet_id=" + std::to_string(p.packet_id);
  for (const auto& s : p.subscriptions) {
    out += ' ';
    append_quoted(out, s.topic_filter);
    out += "(qos=" + std::to_string(static_cast<unsigned>(s.max_qos));
    if (s.no_local) out += " no_local";
    if (s.retain_as_published) out += " retain_as_published";
    if (s.retain_handling != retain_handling::send_on_subscribe)
      out += " retain_handling=" + std::to_string(static_cast<unsigned>(s.retain_handling));
    out += ')';
  }
  append_properties(out, p.properties);
}

template <class P>
void describe_codes(std::string& out, const P& p) {
  out += " packet_id=" + std::to_string(p.packet_id) + " reasons=[";
  for (std::size_t i = 0; i < p.reason_codes.size(); ++i) out += (i ? ", " : "") + code(p.reason_codes[i]);
  out += ']';
  append_properties(out, p.properties);
}

void describe_into(std::string& out, const suback& p) {
  describe_codes(out, p);
}
void describe_into(std::string& out, const unsuback& p) {
  describe_codes(out, p);
}

void describe_into(std::string& out, const unsubscribe& p) {
  out += " packet_id=" + std::to_string(p.packet_id);
  for (const auto& f : p.topic_filters) {
    out += ' ';
    append_quoted(out, f);
  }
  append_properties(out, p.properties);
}

void describe_into(std::string&, const pingreq&) {}
void describe_into(std::string&, const pingresp&) {}

void describe_into(std::string& out, const disconnect& p) {
  out += " reason=" + code(p.reason);
  append_properties(out, p.properties);
}

void describe_into(std::string& out, const auth& p) {
  out += " reason=" + code(p.reason);
  append_properties(out, p.properties);
}

}  // namespace

std::string describe(const packet& p) {
  std::string out(to_string(type_of(p)));
  std::visit([&out](const auto& x) { describe_into(out, x); }, p);
  return out;
}

void PrintTo(const packet& p, std::ostream* os) {
  *os << describe(p);
}

}  // namespace iotactor::protocol
