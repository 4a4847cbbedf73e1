// Random valid packets for round-trip and stream tests: every field and property exercised.
#pragma once

#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "iotactor/protocol.hpp"

namespace iotactor::protocol::testing {

class packet_generator {
 public:
  packet_generator(std::uint32_t seed, protocol_version version) : rng_(seed), version_(version) {}

  /// One packet of the given type (1..15), valid for the generator's version.
  packet make(packet_type t);

  /// A packet of a random type that the version has.
  packet any() {
    auto last = version_ == protocol_version::v5 ? 15 : 14;
    return make(static_cast<packet_type>(uniform(1, last)));
  }

  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool coin() { return uniform(0, 1) == 1; }

 private:
  bool v5() const { return version_ == protocol_version::v5; }

  std::string text(int max_chars) {
    static const char* pieces[] = {"a", "b", "z", "0", "9", "-", "_", " ", "$", "é", "€", "😀", "ü", "x"};
    std::string s;
    int n = uniform(0, max_chars);
    for (int i = 0; i < n; ++i) s += pieces[uniform(0, static_cast<int>(std::size(pieces)) - 1)];
    return s;
  }

  bytes blob(int max_size) {
    bytes b(static_cast<std::size_t>(uniform(0, max_size)));
    for (auto& x : b) x = static_cast<std::uint8_t>(uniform(0, 255));
    return b;
  }

  std::string topic() {
    std::string t = "t" + text(6);
    int levels = uniform(0, 3);
    for (int i = 0; i < levels; ++i) t += "/" + text(5);
    return t;
  }

  std::string filter() {
    std::string f;
    int levels = uniform(1, 4);
    for (int i = 0; i < levels; ++i) {
      if (i) f += '/';
      int kind = uniform(0, 4);
      f += kind == 0 ? "+" : "l" + text(4);
    }
    if (coin()) f += "/#";
    if (uniform(0, 3) == 0) f = "$share/g" + text(3) + "/" + f;
    return f;
  }

  template <class Props>
  void fill(Props& props) {
    if (!v5()) return;
    Props::fields(props, [this](property_id id, auto& field) {
      using F = std::decay_t<decltype(field)>;
      if constexpr (std::is_same_v<F, user_properties>) {
        int n = uniform(0, 3);
        for (int i = 0; i < n; ++i) field.emplace_back(text(5), text(8));
      } else if constexpr (std::is_same_v<F, std::vector<std::uint32_t>>) {
        int n = uniform(0, 3);
        for (int i = 0; i < n; ++i) field.push_back(static_cast<std::uint32_t>(uniform(1, 268'435'455)));
      } else {
        if (!coin()) return;
        using T = typename F::value_type;
        if constexpr (std::is_same_v<T, bool>) {
          field = coin();
        } else if constexpr (std::is_same_v<T, qos> || std::is_same_v<T, payload_format>) {
          field = static_cast<T>(uniform(0, 1));
        } else if constexpr (std::is_same_v<T, std::uint16_t>) {
          field = static_cast<std::uint16_t>(uniform(1, 65535));
        } else if constexpr (std::is_same_v<T, std::uint32_t>) {
          field = id == property_id::subscription_identifier
                      ? static_cast<std::uint32_t>(uniform(1, 268'435'455))
                      : static_cast<std::uint32_t>(uniform(1, 0x7FFFFFFF)) * 2U;
        } else if constexpr (std::is_same_v<T, std::string>) {
          field = id == property_id::response_topic ? topic() : text(10);
        } else {
          field = blob(12);
        }
      }
    });
  }

  reason_code pick(std::initializer_list<std::uint8_t> codes) {
    auto i = static_cast<std::size_t>(uniform(0, static_cast<int>(codes.size()) - 1));
    return static_cast<reason_code>(*(codes.begin() + i));
  }

  template <class Ack>
  Ack ack(std::initializer_list<std::uint8_t> codes) {
    Ack a;
    a.packet_id = static_cast<std::uint16_t>(uniform(1, 65535));
    if (v5()) a.reason = pick(codes);
    fill(a.properties);
    return a;
  }

  std::mt19937 rng_;
  protocol_version version_;
};

inline packet packet_generator::make(packet_type t) {
  switch (t) {
    case packet_type::connect: {
      connect c;
      c.version = version_;
      c.client_id = text(12);
      c.keep_alive = static_cast<std::uint16_t>(uniform(0, 65535));
      c.clean_start = coin();
      if (coin()) c.username = text(8);
      if (coin() && (v5() || c.username)) c.password = blob(10);
      if (coin()) {
        auto& w = c.will.emplace();
        w.topic = topic();
        w.payload = shared_bytes(blob(20));
        w.qos = static_cast<qos>(uniform(0, 2));
        w.retain = coin();
        fill(w.properties);
      }
      fill(c.properties);
      return c;
    }
    case packet_type::connack: {
      connack c;
      c.session_present = coin();
      c.reason =
          v5() ? pick({0x00, 0x80, 0x85, 0x87, 0x8C, 0x9F}) : pick({0x00, 0x84, 0x85, 0x86, 0x87, 0x88});
      fill(c.properties);
      return c;
    }
    case packet_type::publish: {
      publish p;
      p.topic = topic();
      p.payload = shared_bytes(blob(uniform(0, 1) ? 40 : 300));
      p.qos = static_cast<qos>(uniform(0, 2));
      p.retain = coin();
      if (p.qos != qos::at_most_once) {
        p.packet_id = static_cast<std::uint16_t>(uniform(1, 65535));
        p.dup = coin();
      }
      fill(p.properties);
      if (p.properties.topic_alias && coin()) p.topic.clear();
      return p;
    }
    case packet_type::puback:
      return ack<puback>({0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99});
    case packet_type::pubrec:
      return ack<pubrec>({0x00, 0x10, 0x80, 0x97});
    case packet_type::pubrel:
      return ack<pubrel>({0x00, 0x92});
    case packet_type::pubcomp:
      return ack<pubcomp>({0x00, 0x92});
    case packet_type::subscribe: {
      subscribe s;
      s.packet_id = static_cast<std::uint16_t>(uniform(1, 65535));
      int n = uniform(1, 4);
      for (int i = 0; i < n; ++i) {
        subscription sub;
        sub.topic_filter = filter();
        sub.max_qos = static_cast<qos>(uniform(0, 2));
        if (v5()) {
          sub.no_local = !parse_shared_subscription(sub.topic_filter) && coin();
          sub.retain_as_published = coin();
          sub.retain_handling = static_cast<retain_handling>(uniform(0, 2));
        }
        s.subscriptions.push_back(sub);
      }
      fill(s.properties);
      return s;
    }
    case packet_type::suback: {
      suback s;
      s.packet_id = static_cast<std::uint16_t>(uniform(1, 65535));
      int n = uniform(1, 5);
      for (int i = 0; i < n; ++i)
        s.reason_codes.push_back(v5() ? pick({0x00, 0x01, 0x02, 0x80, 0x87, 0x8F, 0x9E, 0xA1, 0xA2})
                                      : pick({0x00, 0x01, 0x02, 0x80}));
      fill(s.properties);
      return s;
    }
    case packet_type::unsubscribe: {
      unsubscribe u;
      u.packet_id = static_cast<std::uint16_t>(uniform(1, 65535));
      int n = uniform(1, 4);
      for (int i = 0; i < n; ++i) u.topic_filters.push_back(filter());
      fill(u.properties);
      return u;
    }
    case packet_type::unsuback: {
      unsuback u;
      u.packet_id = static_cast<std::uint16_t>(uniform(1, 65535));
      if (v5()) {
        int n = uniform(1, 4);
        for (int i = 0; i < n; ++i)
          u.reason_codes.push_back(pick({0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91}));
      }
      fill(u.properties);
      return u;
    }
    case packet_type::pingreq:
      return pingreq{};
    case packet_type::pingresp:
      return pingresp{};
    case packet_type::disconnect: {
      disconnect d;
      if (v5()) d.reason = pick({0x00, 0x04, 0x80, 0x81, 0x8E, 0x93, 0x98, 0xA2});
      fill(d.properties);
      return d;
    }
    case packet_type::auth: {
      auth a;
      a.reason = pick({0x00, 0x18, 0x19});
      fill(a.properties);
      return a;
    }
  }
  return pingreq{};
}

}  // namespace iotactor::protocol::testing
