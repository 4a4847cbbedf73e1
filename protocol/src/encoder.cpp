// Encoder: validate a packet for the target version, count its size, then write it in one pass.
#include "iotactor/protocol/encoder.hpp"

#include <cstring>
#include <type_traits>

#include "iotactor/protocol/topic.hpp"
#include "wire.hpp"

namespace iotactor::protocol {

namespace {

using wire::make_error;
using opt_error = std::optional<error>;

constexpr std::size_t max_string = 65535;

// ---------------------------------------------------------------------------------------------------------
// Sinks: the same emission code runs once to count bytes and once to write them.

struct counter {
  std::size_t n = 0;
  void u8(std::uint8_t) { n += 1; }
  void u16(std::uint16_t) { n += 2; }
  void u32(std::uint32_t) { n += 4; }
  void varint(std::uint32_t v) { n += variable_byte_integer_size(v); }
  void raw(const void*, std::size_t size) { n += size; }
  void str(std::string_view s) { n += 2 + s.size(); }
  void bin(const std::uint8_t*, std::size_t size) { n += 2 + size; }
};

struct writer {
  std::uint8_t* p;
  void u8(std::uint8_t v) { *p++ = v; }
  void u16(std::uint16_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 8U);
    p[1] = static_cast<std::uint8_t>(v);
    p += 2;
  }
  void u32(std::uint32_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 24U);
    p[1] = static_cast<std::uint8_t>(v >> 16U);
    p[2] = static_cast<std::uint8_t>(v >> 8U);
    p[3] = static_cast<std::uint8_t>(v);
    p += 4;
  }
  void varint(std::uint32_t v) {
    do {
      auto byte = static_cast<std::uint8_t>(v & 0x7FU);
      v >>= 7U;
      if (v != 0) byte |= 0x80U;
      *p++ = byte;
    } while (v != 0);
  }
  void raw(const void* data, std::size_t size) {
    if (size != 0) std::memcpy(p, data, size);
    p += size;
  }
  void str(std::string_view s) {
    u16(static_cast<std::uint16_t>(s.size()));
    raw(s.data(), s.size());
  }
  void bin(const std::uint8_t* data, std::size_t size) {
    u16(static_cast<std::uint16_t>(size));
    raw(data, size);
  }
};

// ---------------------------------------------------------------------------------------------------------
// Properties

template <class Sink, class T>
void emit_value(Sink& s, property_id id, const T& v) {
  if constexpr (std::is_same_v<T, bool> || std::is_enum_v<T>) {
    s.u8(static_cast<std::uint8_t>(v));
  } else if constexpr (std::is_same_v<T, std::uint16_t>) {
    s.u16(v);
  } else if constexpr (std::is_same_v<T, std::uint32_t>) {
    if (id == property_id::subscription_identifier)
      s.varint(v);
    else
      s.u32(v);
  } else if constexpr (std::is_same_v<T, std::string>) {
    s.str(v);
  } else {
    static_assert(std::is_same_v<T, bytes>);
    s.bin(v.data(), v.size());
  }
}

template <class Sink, class Props>
void emit_property_list(Sink& s, const Props& props) {
  Props::fields(props, [&s](property_id id, const auto& field) {
    using F = std::decay_t<decltype(field)>;
    auto tag = static_cast<std::uint8_t>(id);
    if constexpr (std::is_same_v<F, user_properties>) {
      for (const auto& [key, value] : field) {
        s.u8(tag);
        s.str(key);
        s.str(value);
      }
    } else if constexpr (std::is_same_v<F, std::vector<std::uint32_t>>) {
      for (auto v : field) {
        s.u8(tag);
        s.varint(v);
      }
    } else if (field) {
      s.u8(tag);
      emit_value(s, id, *field);
    }
  });
}

template <class Props>
std::uint32_t property_list_size(const Props& props) {
  counter c;
  emit_property_list(c, props);
  return static_cast<std::uint32_t>(c.n);
}

template <class Sink, class Props>
void emit_properties(Sink& s, const Props& props) {
  s.varint(property_list_size(props));
  emit_property_list(s, props);
}

// ---------------------------------------------------------------------------------------------------------
// Validation: everything that would make the bytes invalid, checked before anything is written.

opt_error check_string(std::string_view s, const char* what) {
  if (s.size() > max_string)
    return make_error(reason_code::malformed_packet, std::string(what) + " is longer than 65535 bytes");
  if (!is_valid_mqtt_utf8(s))
    return make_error(reason_code::malformed_packet, std::string(what) + " is not valid UTF-8");
  return std::nullopt;
}

opt_error check_binary(std::size_t size, const char* what) {
  if (size > max_string)
    return make_error(reason_code::malformed_packet, std::string(what) + " is longer than 65535 bytes");
  return std::nullopt;
}

template <class Props>
opt_error check_properties(const Props& props, protocol_version v, const char* packet_name) {
  opt_error err;
  auto fail = [&err](reason_code rc, std::string msg) {
    if (!err) err = make_error(rc, std::move(msg));
  };
  Props::fields(props, [&](property_id id, const auto& field) {
    using F = std::decay_t<decltype(field)>;
    bool present;
    if constexpr (std::is_same_v<F, user_properties> || std::is_same_v<F, std::vector<std::uint32_t>>)
      present = !field.empty();
    else
      present = field.has_value();
    if (!present) return;
    const char* name = to_string(id).data();  // a literal: no allocation unless a message is built
    if (v == protocol_version::v3_1_1) {
      fail(reason_code::protocol_error,
           "MQTT 3.1.1 cannot carry the " + std::string(name) + " property of " + packet_name);
      return;
    }
    if constexpr (std::is_same_v<F, user_properties>) {
      for (const auto& [key, value] : field) {
        if (auto e = check_string(key, "user property name")) fail(e->code, e->message);
        if (auto e = check_string(value, "user property value")) fail(e->code, e->message);
      }
    } else if constexpr (std::is_same_v<F, std::vector<std::uint32_t>>) {
      for (auto id_value : field)
        if (id_value == 0 || id_value > max_variable_byte_integer)
          fail(reason_code::protocol_error, "subscription identifier must be 1 to 268435455");
    } else {
      using T = typename F::value_type;
      const T& value = *field;
      if constexpr (std::is_same_v<T, std::string>) {
        if (auto e = check_string(value, name)) fail(e->code, e->message);
        if (id == property_id::response_topic) {
          if (auto e = validate_topic_name(value))
            fail(reason_code::protocol_error, "response topic: " + e->message);
        }
      } else if constexpr (std::is_same_v<T, bytes>) {
        if (auto e = check_binary(value.size(), name)) fail(e->code, e->message);
      } else if constexpr (std::is_same_v<T, qos>) {
        if (static_cast<std::uint8_t>(value) > 1)
          fail(reason_code::protocol_error, "maximum QoS must be 0 or 1");
      } else if constexpr (std::is_same_v<T, payload_format>) {
        if (static_cast<std::uint8_t>(value) > 1)
          fail(reason_code::protocol_error, "payload format indicator must be 0 or 1");
      } else if constexpr (std::is_same_v<T, std::uint16_t>) {
        if (value == 0 && id == property_id::topic_alias)
          fail(reason_code::topic_alias_invalid, "topic alias must not be 0");
        if (value == 0 && id == property_id::receive_maximum)
          fail(reason_code::protocol_error, "receive maximum must not be 0");
      } else if constexpr (std::is_same_v<T, std::uint32_t>) {
        if (value == 0 && id == property_id::maximum_packet_size)
          fail(reason_code::protocol_error, "maximum packet size must not be 0");
        if (id == property_id::subscription_identifier && (value == 0 || value > max_variable_byte_integer))
          fail(reason_code::protocol_error, "subscription identifier must be 1 to 268435455");
      }
    }
  });
  return err;
}

opt_error check_qos(qos q, const char* what) {
  if (static_cast<std::uint8_t>(q) > 2)
    return make_error(reason_code::protocol_error, std::string(what) + " must be 0, 1 or 2");
  return std::nullopt;
}

opt_error check_packet_id(std::uint16_t id, const char* packet_name) {
  if (id == 0)
    return make_error(reason_code::protocol_error, std::string(packet_name) + " packet identifier is 0");
  return std::nullopt;
}

opt_error check_reason(packet_type t, reason_code rc) {
  if (!wire::reason_allowed(t, rc))
    return make_error(reason_code::protocol_error, "reason code " + wire::reason_name(rc) +
                                                       " is not allowed in " + std::string(to_string(t)));
  return std::nullopt;
}

opt_error v311_cannot(const std::string& what) {
  return make_error(reason_code::protocol_error, "MQTT 3.1.1 cannot carry " + what);
}

#define IOTACTOR_TRY(expr)         \
  if (auto e_ = (expr)) return e_; \
  static_assert(true)

opt_error validate(const connect& p, protocol_version) {
  const auto v = p.version;
  IOTACTOR_TRY(check_string(p.client_id, "client identifier"));
  if (p.username) IOTACTOR_TRY(check_string(*p.username, "user name"));
  if (p.password) IOTACTOR_TRY(check_binary(p.password->size(), "password"));
  if (v == protocol_version::v3_1_1 && p.password && !p.username)
    return v311_cannot("a password without a user name in CONNECT");
  IOTACTOR_TRY(check_properties(p.properties, v, "CONNECT"));
  if (p.will) {
    if (auto e = validate_topic_name(p.will->topic)) return make_error(e->code, "will topic: " + e->message);
    IOTACTOR_TRY(check_qos(p.will->qos, "will QoS"));
    IOTACTOR_TRY(check_binary(p.will->payload.size(), "will payload"));
    IOTACTOR_TRY(check_properties(p.will->properties, v, "the will message"));
  }
  return std::nullopt;
}

opt_error validate(const connack& p, protocol_version v) {
  if (v == protocol_version::v3_1_1) {
    if (!wire::connack_code_to_v311(p.reason))
      return v311_cannot("CONNACK reason code " + wire::reason_name(p.reason));
  } else {
    IOTACTOR_TRY(check_reason(packet_type::connack, p.reason));
  }
  return check_properties(p.properties, v, "CONNACK");
}

opt_error validate(const publish& p, protocol_version v) {
  IOTACTOR_TRY(check_qos(p.qos, "PUBLISH QoS"));
  bool aliased = v == protocol_version::v5 && p.properties.topic_alias.has_value();
  if (!(p.topic.empty() && aliased)) {
    if (auto e = validate_topic_name(p.topic)) return make_error(e->code, "PUBLISH " + e->message);
  }
  if (p.qos != qos::at_most_once) IOTACTOR_TRY(check_packet_id(p.packet_id, "PUBLISH"));
  if (p.qos == qos::at_most_once && p.dup)
    return make_error(reason_code::protocol_error, "PUBLISH with QoS 0 must not have DUP set");
  return check_properties(p.properties, v, "PUBLISH");
}

template <packet_type T>
opt_error validate(const publish_ack<T>& p, protocol_version v) {
  IOTACTOR_TRY(check_packet_id(p.packet_id, to_string(T).data()));
  if (v == protocol_version::v3_1_1) {
    if (p.reason != reason_code::success)
      return v311_cannot(std::string(to_string(T)) + " reason code " + wire::reason_name(p.reason));
  } else {
    IOTACTOR_TRY(check_reason(T, p.reason));
  }
  return check_properties(p.properties, v, to_string(T).data());
}

opt_error validate(const subscribe& p, protocol_version v) {
  IOTACTOR_TRY(check_packet_id(p.packet_id, "SUBSCRIBE"));
  if (p.subscriptions.empty())
    return make_error(reason_code::protocol_error, "SUBSCRIBE must carry at least one subscription");
  for (const auto& s : p.subscriptions) {
    if (auto e = validate_topic_filter(s.topic_filter)) return make_error(e->code, "SUBSCRIBE " + e->message);
    IOTACTOR_TRY(check_qos(s.max_qos, "subscription QoS"));
    if (static_cast<std::uint8_t>(s.retain_handling) > 2)
      return make_error(reason_code::protocol_error, "retain handling must be 0, 1 or 2");
    if (v == protocol_version::v3_1_1 &&
        (s.no_local || s.retain_as_published || s.retain_handling != retain_handling::send_on_subscribe))
      return v311_cannot("the subscription options no local, retain as published or retain handling");
    if (s.no_local && parse_shared_subscription(s.topic_filter))
      return make_error(reason_code::protocol_error,
                        "no local must not be set on the shared subscription \"" + s.topic_filter + "\"");
  }
  return check_properties(p.properties, v, "SUBSCRIBE");
}

opt_error validate(const suback& p, protocol_version v) {
  IOTACTOR_TRY(check_packet_id(p.packet_id, "SUBACK"));
  if (p.reason_codes.empty())
    return make_error(reason_code::protocol_error, "SUBACK must carry at least one reason code");
  for (auto rc : p.reason_codes) {
    if (v == protocol_version::v3_1_1) {
      if (!wire::suback_code_to_v311(rc)) return v311_cannot("SUBACK reason code " + wire::reason_name(rc));
    } else {
      IOTACTOR_TRY(check_reason(packet_type::suback, rc));
    }
  }
  return check_properties(p.properties, v, "SUBACK");
}

opt_error validate(const unsubscribe& p, protocol_version v) {
  IOTACTOR_TRY(check_packet_id(p.packet_id, "UNSUBSCRIBE"));
  if (p.topic_filters.empty())
    return make_error(reason_code::protocol_error, "UNSUBSCRIBE must carry at least one topic filter");
  for (const auto& f : p.topic_filters)
    if (auto e = validate_topic_filter(f)) return make_error(e->code, "UNSUBSCRIBE " + e->message);
  return check_properties(p.properties, v, "UNSUBSCRIBE");
}

opt_error validate(const unsuback& p, protocol_version v) {
  IOTACTOR_TRY(check_packet_id(p.packet_id, "UNSUBACK"));
  for (auto rc : p.reason_codes) {
    if (v == protocol_version::v3_1_1) {
      if (rc != reason_code::success) return v311_cannot("UNSUBACK reason code " + wire::reason_name(rc));
    } else {
      IOTACTOR_TRY(check_reason(packet_type::unsuback, rc));
    }
  }
  if (v == protocol_version::v5 && p.reason_codes.empty())
    return make_error(reason_code::protocol_error, "UNSUBACK must carry at least one reason code");
  return check_properties(p.properties, v, "UNSUBACK");
}

opt_error validate(const pingreq&, protocol_version) {
  return std::nullopt;
}
opt_error validate(const pingresp&, protocol_version) {
  return std::nullopt;
}

opt_error validate(const disconnect& p, protocol_version v) {
  if (v == protocol_version::v3_1_1) {
    if (p.reason != reason_code::success)
      return v311_cannot("DISCONNECT reason code " + wire::reason_name(p.reason));
  } else {
    IOTACTOR_TRY(check_reason(packet_type::disconnect, p.reason));
  }
  return check_properties(p.properties, v, "DISCONNECT");
}

opt_error validate(const auth& p, protocol_version v) {
  if (v == protocol_version::v3_1_1) return v311_cannot("AUTH (it has no such packet)");
  IOTACTOR_TRY(check_reason(packet_type::auth, p.reason));
  return check_properties(p.properties, v, "AUTH");
}

// ---------------------------------------------------------------------------------------------------------
// Emission of the variable header and payload (everything after the remaining length).

template <class Sink>
void emit_body(Sink& s, const connect& p, protocol_version) {
  const bool v5 = p.version == protocol_version::v5;
  s.str("MQTT");
  s.u8(static_cast<std::uint8_t>(p.version));
  std::uint8_t flags = 0;
  if (p.username) flags |= 0x80U;
  if (p.password) flags |= 0x40U;
  if (p.will) {
    flags |= 0x04U;
    flags |= static_cast<std::uint8_t>(static_cast<unsigned>(p.will->qos) << 3U);
    if (p.will->retain) flags |= 0x20U;
  }
  if (p.clean_start) flags |= 0x02U;
  s.u8(flags);
  s.u16(p.keep_alive);
  if (v5) emit_properties(s, p.properties);
  s.str(p.client_id);
  if (p.will) {
    if (v5) emit_properties(s, p.will->properties);
    s.str(p.will->topic);
    s.bin(p.will->payload.data(), p.will->payload.size());
  }
  if (p.username) s.str(*p.username);
  if (p.password) s.bin(p.password->data(), p.password->size());
}

template <class Sink>
void emit_body(Sink& s, const connack& p, protocol_version v) {
  s.u8(p.session_present ? 1 : 0);
  if (v == protocol_version::v3_1_1) {
    s.u8(*wire::connack_code_to_v311(p.reason));
    return;
  }
  s.u8(static_cast<std::uint8_t>(p.reason));
  emit_properties(s, p.properties);
}

template <class Sink>
void emit_body(Sink& s, const publish& p, protocol_version v) {
  s.str(p.topic);
  if (p.qos != qos::at_most_once) s.u16(p.packet_id);
  if (v == protocol_version::v5) emit_properties(s, p.properties);
  s.raw(p.payload.data(), p.payload.size());
}

/// PUBACK-like and DISCONNECT/AUTH: the reason code and properties are left out when they say nothing.
template <class Sink, class Props>
void emit_short_reason(Sink& s, reason_code rc, const Props& props) {
  bool has_props = !empty(props);
  if (rc == reason_code::success && !has_props) return;
  s.u8(static_cast<std::uint8_t>(rc));
  if (has_props) emit_properties(s, props);
}

template <class Sink, packet_type T>
void emit_body(Sink& s, const publish_ack<T>& p, protocol_version v) {
  s.u16(p.packet_id);
  if (v == protocol_version::v5) emit_short_reason(s, p.reason, p.properties);
}

template <class Sink>
void emit_body(Sink& s, const subscribe& p, protocol_version v) {
  s.u16(p.packet_id);
  if (v == protocol_version::v5) emit_properties(s, p.properties);
  for (const auto& sub : p.subscriptions) {
    s.str(sub.topic_filter);
    auto options = static_cast<std::uint8_t>(sub.max_qos);
    if (sub.no_local) options |= 0x04U;
    if (sub.retain_as_published) options |= 0x08U;
    options |= static_cast<std::uint8_t>(static_cast<unsigned>(sub.retain_handling) << 4U);
    s.u8(options);
  }
}

template <class Sink>
void emit_body(Sink& s, const suback& p, protocol_version v) {
  s.u16(p.packet_id);
  if (v == protocol_version::v5) {
    emit_properties(s, p.properties);
    for (auto rc : p.reason_codes) s.u8(static_cast<std::uint8_t>(rc));
  } else {
    for (auto rc : p.reason_codes) s.u8(*wire::suback_code_to_v311(rc));
  }
}

template <class Sink>
void emit_body(Sink& s, const unsubscribe& p, protocol_version v) {
  s.u16(p.packet_id);
  if (v == protocol_version::v5) emit_properties(s, p.properties);
  for (const auto& f : p.topic_filters) s.str(f);
}

template <class Sink>
void emit_body(Sink& s, const unsuback& p, protocol_version v) {
  s.u16(p.packet_id);
  if (v == protocol_version::v3_1_1) return;
  emit_properties(s, p.properties);
  for (auto rc : p.reason_codes) s.u8(static_cast<std::uint8_t>(rc));
}

template <class Sink>
void emit_body(Sink&, const pingreq&, protocol_version) {}
template <class Sink>
void emit_body(Sink&, const pingresp&, protocol_version) {}

template <class Sink>
void emit_body(Sink& s, const disconnect& p, protocol_version v) {
  if (v == protocol_version::v5) emit_short_reason(s, p.reason, p.properties);
}

template <class Sink>
void emit_body(Sink& s, const auth& p, protocol_version) {
  emit_short_reason(s, p.reason, p.properties);
}

// ---------------------------------------------------------------------------------------------------------

template <class P>
std::uint8_t first_byte(const P& p) {
  auto type_bits = static_cast<std::uint8_t>(static_cast<unsigned>(P::type) << 4U);
  if constexpr (std::is_same_v<P, publish>) {
    std::uint8_t flags = static_cast<std::uint8_t>(static_cast<unsigned>(p.qos) << 1U);
    if (p.dup) flags |= 0x08U;
    if (p.retain) flags |= 0x01U;
    return type_bits | flags;
  } else {
    (void)p;
    return type_bits | wire::required_flags(P::type);
  }
}

/// Validates and sizes the packet: the remaining length and the whole size.
struct frame {
  std::uint32_t remaining;
  std::size_t total;
};

template <class P>
result<frame> frame_of(const P& p, protocol_version v) {
  if (auto e = validate(p, v)) return std::move(*e);
  counter c;
  emit_body(c, p, v);
  if (c.n > max_variable_byte_integer)
    return make_error(reason_code::packet_too_large,
                      std::string(to_string(P::type)) + " of " + std::to_string(c.n) +
                          " bytes exceeds the largest remaining length MQTT can frame (268435455)");
  auto remaining = static_cast<std::uint32_t>(c.n);
  return frame{remaining, 1 + variable_byte_integer_size(remaining) + remaining};
}

template <class P>
void write_packet(const P& p, protocol_version v, const frame& f, std::uint8_t* dst) {
  writer w{dst};
  w.u8(first_byte(p));
  w.varint(f.remaining);
  emit_body(w, p, v);
}

template <class P>
std::optional<error> encode_one(const P& p, protocol_version v, bytes& out, std::uint32_t maximum_size) {
  auto f = frame_of(p, v);
  if (!f) return f.error();
  if (f->total > maximum_size)
    return make_error(reason_code::packet_too_large,
                      std::string(to_string(P::type)) + " of " + std::to_string(f->total) +
                          " bytes exceeds the maximum packet size of " + std::to_string(maximum_size));
  auto old_size = out.size();
  out.resize(old_size + f->total);
  write_packet(p, v, *f, out.data() + old_size);
  return std::nullopt;
}

}  // namespace

result<std::size_t> encoded_size(const packet& p, protocol_version version) {
  return std::visit(
      [version](const auto& x) -> result<std::size_t> {
        auto f = frame_of(x, version);
        if (!f) return f.error();
        return f->total;
      },
      p);
}

template <class Packet>
result<std::size_t> encoded_size(const Packet& p, protocol_version version) {
  auto f = frame_of(p, version);
  if (!f) return f.error();
  return f->total;
}

std::optional<error> encode(const packet& p, protocol_version version, bytes& out,
                            std::uint32_t maximum_size) {
  return std::visit([&](const auto& x) { return encode_one(x, version, out, maximum_size); }, p);
}

template <class Packet>
std::optional<error> encode(const Packet& p, protocol_version version, bytes& out,
                            std::uint32_t maximum_size) {
  return encode_one(p, version, out, maximum_size);
}

template std::optional<error> encode(const connect&, protocol_version, bytes&, std::uint32_t);
template std::optional<error> encode(const connack&, protocol_version, bytes&, std::uint32_t);
template std::optional<error> encode(const publish&, protocol_version, bytes&, std::uint32_t);
template std::optional<error> encode(const puback&, protocol_version, bytes&, std::uint32_t);
template std::optional<error> encode(const pubrec&, protocol_version, bytes&, std::uint32_t);
template std::optional<error> encode(const pubrel&, protocol_version, bytes&, std::uint32_t);
template std::optional<error> encode(const pubcomp&, protocol_version, bytes&, std::uint32_t);
template std::optional<error> encode(const subscribe&, protocol_version, bytes&, std::uint32_t);
template std::optional<error> encode(const suback&, protocol_version, bytes&, std::uint32_t);
template std::optional<error> encode(const unsubscribe&, protocol_version, bytes&, std::uint32_t);
template std::optional<error> encode(const unsuback&, protocol_version, bytes&, std::uint32_t);
template std::optional<error> encode(const pingreq&, protocol_version, bytes&, std::uint32_t);
template std::optional<error> encode(const pingresp&, protocol_version, bytes&, std::uint32_t);
template std::optional<error> encode(const disconnect&, protocol_version, bytes&, std::uint32_t);
template std::optional<error> encode(const auth&, protocol_version, bytes&, std::uint32_t);
template result<std::size_t> encoded_size(const connect&, protocol_version);
template result<std::size_t> encoded_size(const connack&, protocol_version);
template result<std::size_t> encoded_size(const publish&, protocol_version);
template result<std::size_t> encoded_size(const puback&, protocol_version);
template result<std::size_t> encoded_size(const pubrec&, protocol_version);
template result<std::size_t> encoded_size(const pubrel&, protocol_version);
template result<std::size_t> encoded_size(const pubcomp&, protocol_version);
template result<std::size_t> encoded_size(const subscribe&, protocol_version);
template result<std::size_t> encoded_size(const suback&, protocol_version);
template result<std::size_t> encoded_size(const unsubscribe&, protocol_version);
template result<std::size_t> encoded_size(const unsuback&, protocol_version);
template result<std::size_t> encoded_size(const pingreq&, protocol_version);
template result<std::size_t> encoded_size(const pingresp&, protocol_version);
template result<std::size_t> encoded_size(const disconnect&, protocol_version);
template result<std::size_t> encoded_size(const auth&, protocol_version);

std::size_t encode_validated(const packet& p, protocol_version version, bytes& out) {
  return std::visit(
      [&](const auto& x) -> std::size_t {
        counter c;
        emit_body(c, x, version);
        auto remaining = static_cast<std::uint32_t>(c.n);
        frame f{remaining, 1 + variable_byte_integer_size(remaining) + remaining};
        auto old_size = out.size();
        out.resize(old_size + f.total);
        write_packet(x, version, f, out.data() + old_size);
        return f.total;
      },
      p);
}

result<std::size_t> encode_to(const packet& p, protocol_version version, std::uint8_t* dst,
                              std::size_t capacity) {
  return std::visit(
      [&](const auto& x) -> result<std::size_t> {
        auto f = frame_of(x, version);
        if (!f) return f.error();
        if (f->total > capacity)
          return make_error(reason_code::implementation_specific_error,
                            std::string(to_string(std::decay_t<decltype(x)>::type)) + " needs " +
                                std::to_string(f->total) + " bytes but the buffer holds " +
                                std::to_string(capacity));
        write_packet(x, version, *f, dst);
        return f->total;
      },
      p);
}

packet_type type_of(const packet& p) noexcept {
  return static_cast<packet_type>(p.index() + 1);
}

}  // namespace iotactor::protocol
