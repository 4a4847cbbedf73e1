// Decoder: fixed header, then the body of each packet type, every field checked as it is read.
#include "iotactor/protocol/decoder.hpp"

#include <type_traits>

#include "iotactor/protocol/topic.hpp"
#include "wire.hpp"

namespace iotactor::protocol {

namespace {

using wire::make_error;
using opt_error = std::optional<error>;

/// Bounds-checked reads over one packet body. The first failure is kept; later reads fail quietly.
class reader {
 public:
  reader(const std::uint8_t* data, std::size_t size, const char* packet_name)
      : p_(data), end_(data + size), packet_(packet_name) {}

  std::size_t remaining() const noexcept { return static_cast<std::size_t>(end_ - p_); }
  bool at_end() const noexcept { return p_ == end_; }
  bool failed() const noexcept { return err_.has_value(); }
  opt_error& error() noexcept { return err_; }
  const char* packet_name() const noexcept { return packet_; }

  bool fail(reason_code rc, const std::string& what) {
    if (!err_) err_ = make_error(rc, std::string(packet_) + ": " + what);
    return false;
  }

  bool need(std::size_t n, const char* what) {
    if (failed()) return false;
    if (remaining() >= n) return true;
    return fail(reason_code::malformed_packet, std::string(what) + " runs past the end of the packet");
  }

  bool u8(std::uint8_t& v, const char* what) {
    if (!need(1, what)) return false;
    v = *p_++;
    return true;
  }

  bool u16(std::uint16_t& v, const char* what) {
    if (!need(2, what)) return false;
    v = static_cast<std::uint16_t>((p_[0] << 8U) | p_[1]);
    p_ += 2;
    return true;
  }

  bool u32(std::uint32_t& v, const char* what) {
    if (!need(4, what)) return false;
    v = (std::uint32_t{p_[0]} << 24U) | (std::uint32_t{p_[1]} << 16U) | (std::uint32_t{p_[2]} << 8U) | p_[3];
    p_ += 4;
    return true;
  }

  bool varint(std::uint32_t& v, const char* what) {
    std::uint32_t value = 0;
    for (unsigned i = 0; i < 4; ++i) {
      std::uint8_t byte;
      if (!u8(byte, what)) return false;
      value |= std::uint32_t{byte & 0x7FU} << (7U * i);
      if ((byte & 0x80U) == 0) {
        if (i > 0 && byte == 0)
          return fail(reason_code::malformed_packet,
                      std::string(what) + " is not encoded in the fewest bytes");
        v = value;
        return true;
      }
    }
    return fail(reason_code::malformed_packet,
                std::string(what) + " is a variable byte integer over 4 bytes");
  }

  bool length_prefixed(const std::uint8_t*& data, std::uint16_t& size, const char* what) {
    if (!u16(size, what) || !need(size, what)) return false;
    data = p_;
    p_ += size;
    return true;
  }

  bool str(std::string& out, const char* what) {
    const std::uint8_t* data;
    std::uint16_t size;
    if (!length_prefixed(data, size, what)) return false;
    std::string_view view(reinterpret_cast<const char*>(data), size);
    if (!is_valid_mqtt_utf8(view))
      return fail(reason_code::malformed_packet, std::string(what) + " is not valid UTF-8");
    out.assign(view);
    return true;
  }

  bool bin(bytes& out, const char* what) {
    const std::uint8_t* data;
    std::uint16_t size;
    if (!length_prefixed(data, size, what)) return false;
    out.assign(data, data + size);
    return true;
  }

  bool bin(shared_bytes& out, const char* what) {
    const std::uint8_t* data;
    std::uint16_t size;
    if (!length_prefixed(data, size, what)) return false;
    out = shared_bytes::copy_of(data, size);
    return true;
  }

  /// The rest of the body, consumed.
  std::pair<const std::uint8_t*, std::size_t> rest() {
    auto r = std::make_pair(p_, remaining());
    p_ = end_;
    return r;
  }

  /// A reader over the next n bytes (already checked to exist); this one skips past them.
  reader sub(std::size_t n) {
    reader r(p_, n, packet_);
    p_ += n;
    return r;
  }

  bool expect_end() {
    if (failed() || at_end()) return !failed();
    return fail(reason_code::malformed_packet,
                std::to_string(remaining()) + " bytes left over after the last field");
  }

 private:
  const std::uint8_t* p_;
  const std::uint8_t* end_;
  const char* packet_;
  opt_error err_;
};

// ---------------------------------------------------------------------------------------------------------
// Properties

template <class T>
bool read_value(reader& r, property_id id, T& out) {
  const char* name = to_string(id).data();  // a literal: no allocation unless a message is built
  if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, qos> || std::is_same_v<T, payload_format>) {
    std::uint8_t b;
    if (!r.u8(b, name)) return false;
    if (b > 1)
      return r.fail(reason_code::protocol_error,
                    std::string(name) + " must be 0 or 1, not " + std::to_string(b));
    out = static_cast<T>(b);
  } else if constexpr (std::is_same_v<T, std::uint16_t>) {
    if (!r.u16(out, name)) return false;
    if (out == 0 && id == property_id::topic_alias)
      return r.fail(reason_code::topic_alias_invalid, "topic alias must not be 0");
    if (out == 0 && id == property_id::receive_maximum)
      return r.fail(reason_code::protocol_error, "receive maximum must not be 0");
  } else if constexpr (std::is_same_v<T, std::uint32_t>) {
    if (id == property_id::subscription_identifier) {
      if (!r.varint(out, name)) return false;
      if (out == 0) return r.fail(reason_code::protocol_error, "subscription identifier must not be 0");
    } else {
      if (!r.u32(out, name)) return false;
      if (out == 0 && id == property_id::maximum_packet_size)
        return r.fail(reason_code::protocol_error, "maximum packet size must not be 0");
    }
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!r.str(out, name)) return false;
    if (id == property_id::response_topic) {
      if (auto e = validate_topic_name(out))
        return r.fail(reason_code::protocol_error, "response " + e->message);
    }
  } else {
    static_assert(std::is_same_v<T, bytes>);
    if (!r.bin(out, name)) return false;
  }
  return true;
}

template <class Props>
bool read_properties(reader& r, Props& props) {
  std::uint32_t length;
  if (!r.varint(length, "property length")) return false;
  if (length > r.remaining())
    return r.fail(reason_code::malformed_packet, "property length " + std::to_string(length) +
                                                     " exceeds the " + std::to_string(r.remaining()) +
                                                     " bytes left in the packet");
  reader pr = r.sub(length);
  while (!pr.at_end() && !pr.failed()) {
    std::uint32_t id;
    if (!pr.varint(id, "property identifier")) break;
    bool known = false;
    Props::fields(props, [&](property_id pid, auto& field) {
      if (known || static_cast<std::uint32_t>(pid) != id) return;
      known = true;
      using F = std::decay_t<decltype(field)>;
      if constexpr (std::is_same_v<F, user_properties>) {
        string_pair kv;
        if (pr.str(kv.first, "user property name") && pr.str(kv.second, "user property value"))
          field.push_back(std::move(kv));
      } else if constexpr (std::is_same_v<F, std::vector<std::uint32_t>>) {
        std::uint32_t v;
        if (read_value(pr, pid, v)) field.push_back(v);
      } else {
        if (field.has_value()) {
          pr.fail(reason_code::protocol_error, "duplicate " + std::string(to_string(pid)) + " property");
          return;
        }
        typename F::value_type v{};
        if (read_value(pr, pid, v)) field = std::move(v);
      }
    });
    if (!known)
      pr.fail(reason_code::malformed_packet, "property " + wire::property_name(id) + " is not allowed here");
  }
  if (pr.failed())
    return r.fail(pr.error()->code, pr.error()->message.substr(pr.error()->message.find(": ") + 2));
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// Packet bodies

bool read_packet_id(reader& r, std::uint16_t& id) {
  if (!r.u16(id, "packet identifier")) return false;
  if (id == 0) return r.fail(reason_code::protocol_error, "packet identifier must not be 0");
  return true;
}

bool read_reason(reader& r, packet_type t, reason_code& rc) {
  std::uint8_t b;
  if (!r.u8(b, "reason code")) return false;
  rc = static_cast<reason_code>(b);
  if (!wire::reason_allowed(t, rc))
    return r.fail(reason_code::protocol_error,
                  "reason code " + wire::reason_name(rc) + " is not allowed here");
  return true;
}

bool check_filter(reader& r, const std::string& filter) {
  if (auto e = validate_topic_filter(filter)) return r.fail(reason_code::malformed_packet, e->message);
  return true;
}

opt_error read_body(reader& r, std::uint8_t, protocol_version, connect& p) {
  std::string name;
  if (!r.str(name, "protocol name")) return r.error();
  std::uint8_t level;
  if (!r.u8(level, "protocol level")) return r.error();
  if (name != "MQTT") {
    r.fail(reason_code::unsupported_protocol_version, "protocol name \"" + name + "\" is not \"MQTT\"");
    return r.error();
  }
  if (level != 4 && level != 5) {
    r.fail(reason_code::unsupported_protocol_version,
           "protocol level " + std::to_string(level) + " is neither 4 (3.1.1) nor 5");
    return r.error();
  }
  p.version = static_cast<protocol_version>(level);
  const bool v5 = p.version == protocol_version::v5;
  std::uint8_t flags;
  if (!r.u8(flags, "connect flags")) return r.error();
  if (flags & 0x01U)
    return r.fail(reason_code::malformed_packet, "reserved connect flag bit 0 is set"), r.error();
  const bool has_will = flags & 0x04U;
  const unsigned will_qos = (flags >> 3U) & 0x03U;
  const bool will_retain = flags & 0x20U;
  if (!has_will && (will_qos != 0 || will_retain))
    return r.fail(reason_code::malformed_packet, "will QoS or will retain is set without the will flag"),
           r.error();
  if (will_qos == 3) return r.fail(reason_code::malformed_packet, "will QoS is 3"), r.error();
  const bool has_user = flags & 0x80U;
  const bool has_password = flags & 0x40U;
  if (!v5 && has_password && !has_user)
    return r.fail(reason_code::malformed_packet, "password flag is set without the user name flag"),
           r.error();
  p.clean_start = flags & 0x02U;
  if (!r.u16(p.keep_alive, "keep alive")) return r.error();
  if (v5 && !read_properties(r, p.properties)) return r.error();
  if (!r.str(p.client_id, "client identifier")) return r.error();
  if (has_will) {
    auto& w = p.will.emplace();
    w.qos = static_cast<qos>(will_qos);
    w.retain = will_retain;
    if (v5 && !read_properties(r, w.properties)) return r.error();
    if (!r.str(w.topic, "will topic")) return r.error();
    if (auto e = validate_topic_name(w.topic))
      return r.fail(reason_code::malformed_packet, "will " + e->message), r.error();
    if (!r.bin(w.payload, "will payload")) return r.error();
  }
  if (has_user && !r.str(p.username.emplace(), "user name")) return r.error();
  if (has_password && !r.bin(p.password.emplace(), "password")) return r.error();
  r.expect_end();
  return r.error();
}

opt_error read_body(reader& r, std::uint8_t, protocol_version v, connack& p) {
  std::uint8_t flags;
  if (!r.u8(flags, "acknowledge flags")) return r.error();
  if (flags & 0xFEU)
    return r.fail(reason_code::malformed_packet, "reserved acknowledge flag bits are set"), r.error();
  p.session_present = flags & 0x01U;
  if (v == protocol_version::v3_1_1) {
    std::uint8_t code;
    if (!r.u8(code, "return code")) return r.error();
    auto rc = wire::connack_code_from_v311(code);
    if (!rc)
      return r.fail(reason_code::protocol_error, "return code " + std::to_string(code) + " is not 0 to 5"),
             r.error();
    p.reason = *rc;
  } else {
    if (!read_reason(r, packet_type::connack, p.reason) || !read_properties(r, p.properties))
      return r.error();
  }
  r.expect_end();
  return r.error();
}

opt_error read_body(reader& r, std::uint8_t first, protocol_version v, publish& p) {
  p.dup = first & 0x08U;
  p.qos = static_cast<qos>((first >> 1U) & 0x03U);
  p.retain = first & 0x01U;
  if (p.qos == qos::at_most_once && p.dup)
    return r.fail(reason_code::protocol_error, "DUP is set on a QoS 0 message"), r.error();
  if (!r.str(p.topic, "topic name")) return r.error();
  if (has_wildcard(p.topic))
    return r.fail(reason_code::malformed_packet, "topic name \"" + p.topic + "\" contains a wildcard"),
           r.error();
  if (p.qos != qos::at_most_once && !read_packet_id(r, p.packet_id)) return r.error();
  if (v == protocol_version::v5 && !read_properties(r, p.properties)) return r.error();
  if (p.topic.empty() && !p.properties.topic_alias)
    return r.fail(reason_code::protocol_error, "topic name is empty and no topic alias is set"), r.error();
  auto [data, size] = r.rest();
  p.payload = shared_bytes::copy_of(data, size);
  return std::nullopt;
}

template <packet_type T>
opt_error read_body(reader& r, std::uint8_t, protocol_version v, publish_ack<T>& p) {
  if (!read_packet_id(r, p.packet_id)) return r.error();
  if (v == protocol_version::v5 && !r.at_end()) {
    if (!read_reason(r, T, p.reason)) return r.error();
    if (!r.at_end() && !read_properties(r, p.properties)) return r.error();
  }
  r.expect_end();
  return r.error();
}

opt_error read_body(reader& r, std::uint8_t, protocol_version v, subscribe& p) {
  const bool v5 = v == protocol_version::v5;
  if (!read_packet_id(r, p.packet_id)) return r.error();
  if (v5 && !read_properties(r, p.properties)) return r.error();
  while (!r.at_end()) {
    auto& s = p.subscriptions.emplace_back();
    std::uint8_t options;
    if (!r.str(s.topic_filter, "topic filter") || !check_filter(r, s.topic_filter) ||
        !r.u8(options, "subscription options"))
      return r.error();
    if (options & (v5 ? 0xC0U : 0xFCU))
      return r.fail(reason_code::malformed_packet, "reserved subscription option bits are set"), r.error();
    if ((options & 0x03U) == 3)
      return r.fail(reason_code::malformed_packet, "subscription QoS is 3"), r.error();
    if (((options >> 4U) & 0x03U) == 3)
      return r.fail(reason_code::malformed_packet, "retain handling is 3"), r.error();
    s.max_qos = static_cast<qos>(options & 0x03U);
    s.no_local = options & 0x04U;
    s.retain_as_published = options & 0x08U;
    s.retain_handling = static_cast<retain_handling>((options >> 4U) & 0x03U);
    if (s.no_local && parse_shared_subscription(s.topic_filter))
      return r.fail(reason_code::protocol_error,
                    "no local is set on shared subscription \"" + s.topic_filter + "\""),
             r.error();
  }
  if (p.subscriptions.empty())
    return r.fail(reason_code::protocol_error, "no subscription in the payload"), r.error();
  return std::nullopt;
}

opt_error read_body(reader& r, std::uint8_t, protocol_version v, suback& p) {
  if (!read_packet_id(r, p.packet_id)) return r.error();
  const bool v5 = v == protocol_version::v5;
  if (v5 && !read_properties(r, p.properties)) return r.error();
  if (r.at_end()) return r.fail(reason_code::protocol_error, "no reason code in the payload"), r.error();
  while (!r.at_end()) {
    if (v5) {
      if (!read_reason(r, packet_type::suback, p.reason_codes.emplace_back())) return r.error();
    } else {
      std::uint8_t code = 0;
      if (!r.u8(code, "return code")) return r.error();
      auto rc = wire::suback_code_from_v311(code);
      if (!rc)
        return r.fail(reason_code::protocol_error,
                      "return code " + std::to_string(code) + " is not 0, 1, 2 or 0x80"),
               r.error();
      p.reason_codes.push_back(*rc);
    }
  }
  return std::nullopt;
}

opt_error read_body(reader& r, std::uint8_t, protocol_version v, unsubscribe& p) {
  if (!read_packet_id(r, p.packet_id)) return r.error();
  if (v == protocol_version::v5 && !read_properties(r, p.properties)) return r.error();
  while (!r.at_end()) {
    auto& f = p.topic_filters.emplace_back();
    if (!r.str(f, "topic filter") || !check_filter(r, f)) return r.error();
  }
  if (p.topic_filters.empty())
    return r.fail(reason_code::protocol_error, "no topic filter in the payload"), r.error();
  return std::nullopt;
}

opt_error read_body(reader& r, std::uint8_t, protocol_version v, unsuback& p) {
  if (!read_packet_id(r, p.packet_id)) return r.error();
  if (v == protocol_version::v5) {
    if (!read_properties(r, p.properties)) return r.error();
    if (r.at_end()) return r.fail(reason_code::protocol_error, "no reason code in the payload"), r.error();
    while (!r.at_end())
      if (!read_reason(r, packet_type::unsuback, p.reason_codes.emplace_back())) return r.error();
  }
  r.expect_end();
  return r.error();
}

opt_error read_body(reader& r, std::uint8_t, protocol_version, pingreq&) {
  return r.expect_end(), r.error();
}
opt_error read_body(reader& r, std::uint8_t, protocol_version, pingresp&) {
  return r.expect_end(), r.error();
}

template <class P>
opt_error read_reason_and_properties(reader& r, P& p) {
  if (!r.at_end()) {
    if (!read_reason(r, P::type, p.reason)) return r.error();
    if (!r.at_end() && !read_properties(r, p.properties)) return r.error();
  }
  r.expect_end();
  return r.error();
}

opt_error read_body(reader& r, std::uint8_t, protocol_version v, disconnect& p) {
  if (v == protocol_version::v3_1_1) return r.expect_end(), r.error();
  return read_reason_and_properties(r, p);
}

opt_error read_body(reader& r, std::uint8_t, protocol_version, auth& p) {
  return read_reason_and_properties(r, p);
}

// ---------------------------------------------------------------------------------------------------------
// Fixed header

struct fixed_header {
  std::uint8_t first;
  std::uint32_t remaining;
  std::size_t header_size;
  std::size_t total() const { return header_size + remaining; }
};

enum class header_status { complete, incomplete, invalid };

opt_error check_first_byte(std::uint8_t first, protocol_version v) {
  auto type = static_cast<packet_type>(first >> 4U);
  unsigned flags = first & 0x0FU;
  if (first >> 4U == 0) return make_error(reason_code::malformed_packet, "packet type 0 is reserved");
  if (type == packet_type::auth && v == protocol_version::v3_1_1)
    return make_error(reason_code::malformed_packet, "packet type 15 (AUTH) does not exist in MQTT 3.1.1");
  if (type == packet_type::publish) {
    if (((flags >> 1U) & 0x03U) == 3) return make_error(reason_code::malformed_packet, "PUBLISH: QoS is 3");
    return std::nullopt;
  }
  if (flags != wire::required_flags(type))
    return make_error(reason_code::malformed_packet,
                      std::string(to_string(type)) + ": reserved fixed header flags are " +
                          std::to_string(flags) + ", must be " + std::to_string(wire::required_flags(type)));
  return std::nullopt;
}

header_status parse_header(const std::uint8_t* data, std::size_t size, protocol_version v, fixed_header& h,
                           opt_error& err) {
  if (size == 0) return header_status::incomplete;
  if ((err = check_first_byte(data[0], v))) return header_status::invalid;
  std::uint32_t value = 0;
  for (std::size_t i = 1; i <= 4; ++i) {
    if (i >= size) return header_status::incomplete;
    std::uint8_t byte = data[i];
    value |= std::uint32_t{byte & 0x7FU} << (7U * (i - 1));
    if ((byte & 0x80U) == 0) {
      if (i > 1 && byte == 0) {
        err =
            make_error(reason_code::malformed_packet, "remaining length is not encoded in the fewest bytes");
        return header_status::invalid;
      }
      h = fixed_header{data[0], value, i + 1};
      return header_status::complete;
    }
  }
  err = make_error(reason_code::malformed_packet, "remaining length is a variable byte integer over 4 bytes");
  return header_status::invalid;
}

/// Decodes the body of a packet whose fixed header has been checked; out receives the packet.
opt_error decode_body(const fixed_header& h, const std::uint8_t* body, protocol_version v, packet& out) {
  auto type = static_cast<packet_type>(h.first >> 4U);
  reader r(body, h.remaining, to_string(type).data());
  auto read = [&](auto tag) -> opt_error {
    using P = typename decltype(tag)::type;
    return read_body(r, h.first, v, out.emplace<P>());
  };
  switch (type) {
    case packet_type::connect:
      return read(std::common_type<connect>{});
    case packet_type::connack:
      return read(std::common_type<connack>{});
    case packet_type::publish:
      return read(std::common_type<publish>{});
    case packet_type::puback:
      return read(std::common_type<puback>{});
    case packet_type::pubrec:
      return read(std::common_type<pubrec>{});
    case packet_type::pubrel:
      return read(std::common_type<pubrel>{});
    case packet_type::pubcomp:
      return read(std::common_type<pubcomp>{});
    case packet_type::subscribe:
      return read(std::common_type<subscribe>{});
    case packet_type::suback:
      return read(std::common_type<suback>{});
    case packet_type::unsubscribe:
      return read(std::common_type<unsubscribe>{});
    case packet_type::unsuback:
      return read(std::common_type<unsuback>{});
    case packet_type::pingreq:
      return read(std::common_type<pingreq>{});
    case packet_type::pingresp:
      return read(std::common_type<pingresp>{});
    case packet_type::disconnect:
      return read(std::common_type<disconnect>{});
    case packet_type::auth:
      return read(std::common_type<auth>{});
  }
  return make_error(reason_code::malformed_packet, "packet type 0 is reserved");
}

}  // namespace

result<packet> decode_packet(const std::uint8_t* data, std::size_t size, protocol_version version) {
  fixed_header h{};
  opt_error err;
  switch (parse_header(data, size, version, h, err)) {
    case header_status::invalid:
      return std::move(*err);
    case header_status::incomplete:
      return make_error(reason_code::malformed_packet, "the fixed header is incomplete");
    case header_status::complete:
      break;
  }
  if (h.total() != size)
    return make_error(reason_code::malformed_packet,
                      std::string(to_string(static_cast<packet_type>(h.first >> 4U))) +
                          ": remaining length " + std::to_string(h.remaining) + " does not match the " +
                          std::to_string(size - h.header_size) + " bytes given");
  packet p;
  if (auto e = decode_body(h, data + h.header_size, version, p)) return std::move(*e);
  return p;
}

stream_decoder::stream_decoder(protocol_version version, std::uint32_t maximum_packet_size)
    : version_(version), maximum_packet_size_(maximum_packet_size) {}

void stream_decoder::reset() {
  partial_.clear();
  partial_total_ = 0;
  failure_.reset();
}

std::optional<error> stream_decoder::fail(error e) {
  failure_ = std::move(e);
  partial_.clear();
  partial_total_ = 0;
  return failure_;
}

namespace {

opt_error check_size(const fixed_header& h, std::uint32_t maximum) {
  if (h.total() <= maximum) return std::nullopt;
  return make_error(reason_code::packet_too_large,
                    std::string(to_string(static_cast<packet_type>(h.first >> 4U))) + " of " +
                        std::to_string(h.total()) + " bytes exceeds the maximum packet size of " +
                        std::to_string(maximum));
}

opt_error decode_into(const fixed_header& h, const std::uint8_t* body, protocol_version v,
                      std::vector<packet>& out) {
  auto& p = out.emplace_back();
  if (auto e = decode_body(h, body, v, p)) {
    out.pop_back();
    return e;
  }
  return std::nullopt;
}

}  // namespace

std::optional<error> stream_decoder::take_partial(const std::uint8_t*& data, std::size_t& size,
                                                  std::vector<packet>& out) {
  fixed_header h{};
  if (partial_total_ == 0) {
    // The header is split: add bytes one at a time until it parses (at most 5 bytes in all).
    while (size > 0) {
      partial_.push_back(*data++);
      --size;
      opt_error err;
      auto st = parse_header(partial_.data(), partial_.size(), version_, h, err);
      if (st == header_status::invalid) return fail(std::move(*err));
      if (st == header_status::complete) {
        if (auto e = check_size(h, maximum_packet_size_)) return fail(std::move(*e));
        partial_total_ = h.total();
        partial_.reserve(partial_total_);
        break;
      }
    }
    if (partial_total_ == 0) return std::nullopt;
  }
  auto take = std::min(size, partial_total_ - partial_.size());
  partial_.insert(partial_.end(), data, data + take);
  data += take;
  size -= take;
  if (partial_.size() < partial_total_) return std::nullopt;
  opt_error err;
  parse_header(partial_.data(), partial_.size(), version_, h, err);
  if (auto e = decode_into(h, partial_.data() + h.header_size, version_, out)) return fail(std::move(*e));
  partial_.clear();
  partial_total_ = 0;
  return std::nullopt;
}

std::size_t stream_decoder::complete_packets(const std::uint8_t* data, std::size_t size) const {
  // Headers only (a few bytes each): sizing `out` once saves moving every decoded packet as it grows (a
  // 64 KiB read holds hundreds of PUBLISHes). What is malformed or incomplete is left to the decoding.
  std::size_t count = 0;
  while (size > 0) {
    fixed_header h{};
    opt_error err;
    if (parse_header(data, size, version_, h, err) != header_status::complete || size < h.total()) break;
    ++count;
    data += h.total();
    size -= h.total();
  }
  return count;
}

std::optional<error> stream_decoder::feed(const std::uint8_t* data, std::size_t size,
                                          std::vector<packet>& out) {
  if (failure_) return failure_;
  if (!partial_.empty()) {
    if (auto e = take_partial(data, size, out)) return e;
  }
  out.reserve(out.size() + complete_packets(data, size));
  while (size > 0) {
    fixed_header h{};
    opt_error err;
    auto st = parse_header(data, size, version_, h, err);
    if (st == header_status::invalid) return fail(std::move(*err));
    if (st == header_status::complete) {
      if (auto e = check_size(h, maximum_packet_size_)) return fail(std::move(*e));
      if (size >= h.total()) {
        if (auto e = decode_into(h, data + h.header_size, version_, out)) return fail(std::move(*e));
        data += h.total();
        size -= h.total();
        continue;
      }
      partial_total_ = h.total();
      partial_.reserve(partial_total_);
    }
    partial_.assign(data, data + size);
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace iotactor::protocol
