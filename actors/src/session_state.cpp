// session_state: CONNECT/CONNACK, QoS 0/1/2 both ways, quotas, keep-alive, ack timeouts, retransmission.
#include "iotactor/actors/session_state.hpp"

#include <algorithm>

#include "iotactor/actors/errc.hpp"
#include "iotactor/protocol/encoder.hpp"
#include "iotactor/protocol/topic.hpp"

namespace iotactor {

namespace proto = iotactor::protocol;

void session_effects::clear() {
  // A buffer of a few packets is given back: an idle client keeps none (a fleet's clients each held their
  // CONNECT's, about 0.5 KB). A burst's larger one is kept for the next.
  if (send.capacity() > small_send_batch)
    send.clear();
  else
    send = std::vector<protocol::packet>{};
  completed.clear();
  received.clear();
  requeue.clear();
  returned.clear();
  credit = 0;
  connected.reset();
  close.reset();
}

namespace {

std::uint16_t inbound_alias_maximum(const topic_alias_options& o) {
  return o.inbound_behavior == inbound_topic_alias_behavior::enabled ? o.inbound_cache_max_size : 0;
}

bool is_v5(const session_options& o) {
  return o.connect.version == proto::protocol_version::v5;
}

std::string reason_text(proto::reason_code rc) {
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned>(rc));
  return std::string(hex) + " " + std::string(to_string(rc));
}

}  // namespace

session_state::session_state(session_options options)
    : session_state(std::make_shared<const session_options>(std::move(options))) {}

session_state::session_state(std::shared_ptr<const session_options> options)
    : options_(std::move(options)),
      outbound_aliases_(options_->topic_aliases.outbound_behavior,
                        options_->topic_aliases.outbound_cache_max_size),
      inbound_aliases_(inbound_alias_maximum(options_->topic_aliases)) {
  settings_.client_id = options_->connect.client_id;
}

std::chrono::milliseconds session_state::keep_alive() const {
  return std::chrono::seconds(settings_.server_keep_alive);
}

// ---------------------------------------------------------------------------------------------------------
// Connection lifecycle

void session_state::start_connection(time_point now, session_effects& fx) {
  phase_ = phase::awaiting_connack;
  switch (options_->session_behavior) {
    case client_session_behavior::clean:
      clean_start_requested_ = true;
      break;
    case client_session_behavior::rejoin_post_success:
      clean_start_requested_ = !has_connected_successfully_;
      break;
    case client_session_behavior::rejoin_always:
      clean_start_requested_ = false;
      break;
  }
  proto::connect c = options_->connect;
  c.client_id = settings_.client_id;  // the server's assigned identifier, once it gave one
  c.clean_start = clean_start_requested_;
  if (is_v5(*options_)) {
    auto inbound = inbound_alias_maximum(options_->topic_aliases);
    if (inbound > 0)
      c.properties.topic_alias_maximum = inbound;
    else
      c.properties.topic_alias_maximum.reset();
  }
  fx.send.emplace_back(std::move(c));
  connack_deadline_ = now + options_->connack_timeout;
}

void session_state::on_connection_lost(session_effects& fx) {
  if (phase_ == phase::disconnected) return;
  phase_ = phase::disconnected;
  connack_deadline_.reset();
  next_ping_.reset();
  ping_deadline_.reset();
  quota_ = 0;
  // Unacknowledged SUBSCRIBE/UNSUBSCRIBE lose their packet identifier and go back to the queue, which applies
  // the offline queue behaviour. Unacknowledged publishes stay here until the next CONNACK tells whether the
  // session was resumed.
  std::vector<std::pair<std::uint64_t, std::uint16_t>> requests;
  for (auto& [id, entry] : inflight_) {
    disarm(id, entry);
    if (entry.awaiting == stage::suback || entry.awaiting == stage::unsuback)
      requests.emplace_back(entry.sequence, id);
  }
  std::sort(requests.begin(), requests.end());
  for (auto [sequence, id] : requests) {
    auto it = inflight_.find(id);
    unacked_.count -= 1;
    unacked_.size -= it->second.size;
    fx.returned.push_back(std::move(it->second.op));
    inflight_.erase(it);
    packet_ids_.release(id);
  }
}

void session_state::stop(session_effects& fx) {
  on_connection_lost(fx);
  for (auto& op : fx.returned) fail(op, errc::user_requested_stop, "the client was stopped", fx);
  fx.returned.clear();
  std::vector<std::pair<std::uint64_t, std::uint16_t>> order;
  for (auto& [id, entry] : inflight_) order.emplace_back(entry.sequence, id);
  std::sort(order.begin(), order.end());
  for (auto [sequence, id] : order)
    fail(inflight_.at(id).op, errc::user_requested_stop, "the client was stopped", fx);
  inflight_.clear();
  ack_deadlines_.clear();
  awaiting_pubrel_.clear();
  packet_ids_ = proto::packet_id_allocator{};
  unacked_ = {};
  has_connected_successfully_ = false;
}

void session_state::close(std::error_code error, std::string message,
                          std::optional<proto::reason_code> disconnect_reason, session_effects& fx) {
  if (!fx.close) fx.close = std::make_unique<connection_close>();
  fx.close->error = error;
  fx.close->message = std::move(message);
  if (disconnect_reason && is_v5(*options_) && phase_ != phase::disconnected) {
    proto::disconnect d;
    d.reason = *disconnect_reason;
    fx.close->disconnect_to_send = d;
  }
  on_connection_lost(fx);
}

void session_state::protocol_violation(proto::reason_code reason, std::string message, session_effects& fx) {
  close(errc::protocol_error, std::move(message), reason, fx);
}

// ---------------------------------------------------------------------------------------------------------
// Inbound packets

void session_state::on_packet(proto::packet&& p, time_point now, session_effects& fx) {
  if (phase_ == phase::disconnected) return;
  if (phase_ == phase::awaiting_connack) {
    if (auto* ack = std::get_if<proto::connack>(&p)) return handle_connack(std::move(*ack), now, fx);
    if (auto* d = std::get_if<proto::disconnect>(&p)) {
      fx.close = std::make_unique<connection_close>();
      fx.close->server_disconnect = *d;
      return close(errc::disconnect_received,
                   "the server sent DISCONNECT " + reason_text(d->reason) + " before CONNACK", std::nullopt,
                   fx);
    }
    return protocol_violation(proto::reason_code::protocol_error,
                              std::string(to_string(proto::type_of(p))) + " received before CONNACK", fx);
  }
  switch (proto::type_of(p)) {
    case proto::packet_type::publish:
      return handle_publish(std::move(std::get<proto::publish>(p)), fx);
    case proto::packet_type::puback:
      return handle_puback(std::get<proto::puback>(p), fx);
    case proto::packet_type::pubrec:
      return handle_pubrec(std::get<proto::pubrec>(p), now, fx);
    case proto::packet_type::pubrel:
      return handle_pubrel(std::get<proto::pubrel>(p), fx);
    case proto::packet_type::pubcomp:
      return handle_pubcomp(std::get<proto::pubcomp>(p), fx);
    case proto::packet_type::suback:
      return handle_request_ack(std::move(std::get<proto::suback>(p)), stage::suback, fx);
    case proto::packet_type::unsuback:
      return handle_request_ack(std::move(std::get<proto::unsuback>(p)), stage::unsuback, fx);
    case proto::packet_type::pingresp:
      ping_deadline_.reset();
      return;
    case proto::packet_type::disconnect: {
      auto& d = std::get<proto::disconnect>(p);
      fx.close = std::make_unique<connection_close>();
      fx.close->server_disconnect = d;
      std::string msg = "the server sent DISCONNECT " + reason_text(d.reason);
      if (d.properties.reason_string) msg += ": " + *d.properties.reason_string;
      return close(errc::disconnect_received, std::move(msg), std::nullopt, fx);
    }
    default:
      return protocol_violation(proto::reason_code::protocol_error,
                                "a client does not accept " + std::string(to_string(proto::type_of(p))), fx);
  }
}

void session_state::handle_connack(proto::connack&& ack, time_point now, session_effects& fx) {
  connack_deadline_.reset();
  if (is_error(ack.reason)) {
    fx.close = std::make_unique<connection_close>();
    fx.close->connack = ack;
    std::string msg = "the server refused the connection: " + reason_text(ack.reason);
    if (ack.properties.reason_string) msg += ": " + *ack.properties.reason_string;
    return close(errc::connack_refused, std::move(msg), std::nullopt, fx);
  }
  if (clean_start_requested_ && ack.session_present) {
    fx.close = std::make_unique<connection_close>();
    fx.close->connack = ack;
    return close(errc::clean_session_violated,
                 "the CONNACK says a session is present although a clean start was asked", std::nullopt, fx);
  }
  const auto& props = ack.properties;
  negotiated_settings s;
  s.maximum_qos = props.maximum_qos.value_or(proto::qos::exactly_once);
  s.session_expiry_interval = props.session_expiry_interval.value_or(
      options_->connect.properties.session_expiry_interval.value_or(0));
  s.receive_maximum_from_server = props.receive_maximum.value_or(65535);
  s.maximum_packet_size_to_server = props.maximum_packet_size.value_or(proto::max_packet_size);
  s.topic_alias_maximum_to_server = props.topic_alias_maximum.value_or(0);
  s.topic_alias_maximum_to_client = inbound_alias_maximum(options_->topic_aliases);
  s.server_keep_alive = props.server_keep_alive.value_or(options_->connect.keep_alive);
  s.retain_available = props.retain_available.value_or(true);
  s.wildcard_subscriptions_available = props.wildcard_subscription_available.value_or(true);
  s.subscription_identifiers_available = props.subscription_identifiers_available.value_or(true);
  s.shared_subscriptions_available = props.shared_subscription_available.value_or(true);
  s.rejoined_session = ack.session_present;
  s.client_id = props.assigned_client_identifier ? *props.assigned_client_identifier : settings_.client_id;
  settings_ = s;

  phase_ = phase::connected;
  has_connected_successfully_ = true;
  outbound_aliases_.reset(s.topic_alias_maximum_to_server);
  inbound_aliases_.reset();
  arm_keep_alive(now);

  std::uint32_t in_use = 0;
  for (auto& [id, entry] : inflight_)
    if (uses_publish_quota(entry.op)) ++in_use;
  if (s.rejoined_session) {
    retransmit(now, fx);
  } else {
    awaiting_pubrel_.clear();
    requeue_unacked_publishes(fx);
    in_use = 0;
  }
  quota_ = s.receive_maximum_from_server > in_use ? s.receive_maximum_from_server - in_use : 0;
  fx.connected = std::make_unique<connection_success>(connection_success{std::move(ack), settings_, quota_});
}

void session_state::retransmit(time_point now, session_effects& fx) {
  std::vector<std::pair<std::uint64_t, std::uint16_t>> order;
  for (auto& [id, entry] : inflight_) order.emplace_back(entry.sequence, id);
  std::sort(order.begin(), order.end());
  for (auto [sequence, id] : order) {
    auto& entry = inflight_.at(id);
    auto& pub = std::get<publish_operation>(entry.op).packet;
    if (entry.awaiting == stage::pubcomp) {
      proto::pubrel rel;
      rel.packet_id = id;
      fx.send.emplace_back(rel);
    } else {
      proto::publish again = pub;  // the payload is shared, not copied
      again.dup = true;
      again.properties.topic_alias.reset();  // aliases never outlive their connection
      fx.send.emplace_back(std::move(again));
    }
    arm_ack_timeout(id, entry, now);
  }
}

void session_state::requeue_unacked_publishes(session_effects& fx) {
  std::vector<std::pair<std::uint64_t, std::uint16_t>> order;
  for (auto& [id, entry] : inflight_) order.emplace_back(entry.sequence, id);
  std::sort(order.begin(), order.end());
  for (auto [sequence, id] : order) {
    auto& entry = inflight_.at(id);
    disarm(id, entry);
    auto& op = std::get<publish_operation>(entry.op);
    op.packet.dup = false;
    op.packet.packet_id = 0;
    fx.returned.push_back(std::move(entry.op));
    packet_ids_.release(id);
  }
  inflight_.clear();
  unacked_ = {};
}

void session_state::handle_publish(proto::publish&& p, session_effects& fx) {
  if (is_v5(*options_)) {
    if (auto err = inbound_aliases_.resolve(p)) return protocol_violation(err->code, err->message, fx);
  }
  switch (p.qos) {
    case proto::qos::at_most_once:
      fx.received.push_back(std::move(p));
      return;
    case proto::qos::at_least_once: {
      proto::puback ack;
      ack.packet_id = p.packet_id;
      fx.received.push_back(std::move(p));
      fx.send.emplace_back(ack);
      return;
    }
    case proto::qos::exactly_once: {
      proto::pubrec rec;
      rec.packet_id = p.packet_id;
      if (awaiting_pubrel_.count(p.packet_id) == 0) {
        auto limit = options_->connect.properties.receive_maximum.value_or(65535);
        if (awaiting_pubrel_.size() >= limit)
          return protocol_violation(
              proto::reason_code::receive_maximum_exceeded,
              "the server sent more than " + std::to_string(limit) + " unacknowledged QoS 2 messages", fx);
        awaiting_pubrel_.insert(p.packet_id);
        fx.received.push_back(std::move(p));
      }
      fx.send.emplace_back(rec);  // a duplicate is acknowledged again but not delivered twice
      return;
    }
  }
}

void session_state::handle_pubrel(const proto::pubrel& rel, session_effects& fx) {
  proto::pubcomp comp;
  comp.packet_id = rel.packet_id;
  if (awaiting_pubrel_.erase(rel.packet_id) == 0 && is_v5(*options_))
    comp.reason = proto::reason_code::packet_identifier_not_found;
  fx.send.emplace_back(comp);
}

void session_state::handle_puback(const proto::puback& ack, session_effects& fx) {
  auto it = inflight_.find(ack.packet_id);
  if (it == inflight_.end() || it->second.awaiting != stage::puback) return;  // e.g. after an ack timeout
  operation_result r;
  r.id = id_of(it->second.op);
  r.ack = ack;
  complete(ack.packet_id, std::move(r), fx);
}

void session_state::handle_pubrec(const proto::pubrec& ack, time_point now, session_effects& fx) {
  auto it = inflight_.find(ack.packet_id);
  if (it == inflight_.end() || it->second.awaiting != stage::pubrec) {
    if (it == inflight_.end()) {
      proto::pubrel rel;
      rel.packet_id = ack.packet_id;
      if (is_v5(*options_)) rel.reason = proto::reason_code::packet_identifier_not_found;
      fx.send.emplace_back(rel);
    }
    return;
  }
  if (is_error(ack.reason)) {  // the server refused the message: the flow ends here
    operation_result r;
    r.id = id_of(it->second.op);
    r.ack = ack;
    return complete(ack.packet_id, std::move(r), fx);
  }
  it->second.awaiting = stage::pubcomp;
  disarm(ack.packet_id, it->second);
  arm_ack_timeout(ack.packet_id, it->second, now);
  proto::pubrel rel;
  rel.packet_id = ack.packet_id;
  fx.send.emplace_back(rel);
}

void session_state::handle_pubcomp(const proto::pubcomp& ack, session_effects& fx) {
  auto it = inflight_.find(ack.packet_id);
  if (it == inflight_.end() || it->second.awaiting != stage::pubcomp) return;
  operation_result r;
  r.id = id_of(it->second.op);
  r.ack = ack;
  complete(ack.packet_id, std::move(r), fx);
}

template <class Ack>
void session_state::handle_request_ack(Ack&& ack, stage expected, session_effects& fx) {
  auto it = inflight_.find(ack.packet_id);
  if (it == inflight_.end() || it->second.awaiting != expected) return;
  operation_result r;
  r.id = id_of(it->second.op);
  auto id = ack.packet_id;
  r.ack = std::forward<Ack>(ack);
  complete(id, std::move(r), fx);
}

void session_state::complete(std::uint16_t packet_id, operation_result&& result, session_effects& fx) {
  auto it = inflight_.find(packet_id);
  disarm(packet_id, it->second);
  if (uses_publish_quota(it->second.op)) {
    ++quota_;
    ++fx.credit;
  }
  unacked_.count -= 1;
  unacked_.size -= it->second.size;
  inflight_.erase(it);
  packet_ids_.release(packet_id);
  fx.completed.push_back(std::move(result));
}

void session_state::fail(const operation& op, std::error_code error, std::string message,
                         session_effects& fx) {
  operation_result r;
  r.id = id_of(op);
  r.error = error;
  r.message = std::move(message);
  fx.completed.push_back(std::move(r));
}

// ---------------------------------------------------------------------------------------------------------
// Outbound operations

void session_state::submit(operation&& op, time_point now, session_effects& fx) {
  if (phase_ != phase::connected) {
    fx.requeue.push_back(std::move(op));
    return;
  }
  if (auto* pub = std::get_if<publish_operation>(&op)) return send_publish(std::move(*pub), now, fx);
  send_request(std::move(op), now, fx);
}

void session_state::send_publish(publish_operation&& op, time_point now, session_effects& fx) {
  auto& p = op.packet;
  const auto v = options_->connect.version;
  if (p.qos > settings_.maximum_qos)
    return fail(op, errc::not_supported_by_server,
                "QoS " + std::to_string(static_cast<unsigned>(p.qos)) + " exceeds the server's maximum QoS " +
                    std::to_string(static_cast<unsigned>(settings_.maximum_qos)),
                fx);
  if (p.retain && !settings_.retain_available)
    return fail(op, errc::not_supported_by_server, "the server does not support retained messages", fx);
  if (p.qos != proto::qos::at_most_once) {
    if (quota_ == 0) return void(fx.requeue.emplace_back(std::move(op)));
    auto id = packet_ids_.allocate();
    if (!id) return void(fx.requeue.emplace_back(std::move(op)));
    p.packet_id = *id;
  }
  p.dup = false;
  // Validated by the offline queue (the packet identifier does not change the size), or validate it now.
  auto size = op.encoded_size != 0 ? proto::result<std::size_t>(op.encoded_size) : proto::encoded_size(p, v);
  if (!size || *size > settings_.maximum_packet_size_to_server) {
    if (p.qos != proto::qos::at_most_once) packet_ids_.release(p.packet_id);
    if (!size)
      return fail(op, errc::invalid_operation, "PUBLISH cannot be sent: " + size.error().message, fx);
    return fail(op, errc::packet_too_large,
                "PUBLISH of " + std::to_string(*size) +
                    " bytes exceeds the server's maximum packet size of " +
                    std::to_string(settings_.maximum_packet_size_to_server),
                fx);
  }
  // Topic aliases apply to what goes on the wire, never to the stored packet (a retransmission carries the
  // full topic).
  // A QoS 0 publish is not kept: it goes out as it is, without a copy.
  const bool keep = p.qos != proto::qos::at_most_once;
  proto::publish wire = keep ? p : std::move(p);
  if (v == proto::protocol_version::v5) {
    auto d = outbound_aliases_.apply(wire.topic, wire.properties.topic_alias);
    wire.topic = std::move(d.topic);
    wire.properties.topic_alias = d.alias;
  }
  if (!keep) {
    fx.send.emplace_back(std::move(wire));
    if (op.notify) {
      operation_result r;
      r.id = op.id;
      fx.completed.push_back(std::move(r));
    }
    return;
  }
  fx.send.emplace_back(std::move(wire));
  --quota_;
  auto id = p.packet_id;
  auto awaiting = p.qos == proto::qos::at_least_once ? stage::puback : stage::pubrec;
  auto [it, inserted] = inflight_.emplace(id, inflight{std::move(op), awaiting, next_sequence_++, *size, {}});
  unacked_.count += 1;
  unacked_.size += *size;
  arm_ack_timeout(id, it->second, now);
}

void session_state::send_request(operation&& op, time_point now, session_effects& fx) {
  const bool v5 = is_v5(*options_);
  if (auto* sub = std::get_if<subscribe_operation>(&op)) {
    for (const auto& s : sub->packet.subscriptions) {
      bool shared = proto::parse_shared_subscription(s.topic_filter).has_value();
      if (shared && !settings_.shared_subscriptions_available)
        return fail(op, errc::not_supported_by_server, "the server does not support shared subscriptions",
                    fx);
      if (s.topic_filter.find_first_of("+#") != std::string::npos &&
          !settings_.wildcard_subscriptions_available)
        return fail(op, errc::not_supported_by_server, "the server does not support wildcard subscriptions",
                    fx);
    }
    if (sub->packet.properties.subscription_identifier && !settings_.subscription_identifiers_available)
      return fail(op, errc::not_supported_by_server, "the server does not support subscription identifiers",
                  fx);
  }
  auto id = packet_ids_.allocate();
  if (!id) return fx.requeue.push_back(std::move(op));
  proto::packet wire;
  stage awaiting;
  if (auto* sub = std::get_if<subscribe_operation>(&op)) {
    sub->packet.packet_id = *id;
    wire = sub->packet;
    awaiting = stage::suback;
  } else {
    auto& unsub = std::get<unsubscribe_operation>(op);
    unsub.packet.packet_id = *id;
    wire = unsub.packet;
    awaiting = stage::unsuback;
  }
  auto size = proto::encoded_size(wire, options_->connect.version);
  if (!size || *size > settings_.maximum_packet_size_to_server) {
    packet_ids_.release(*id);
    if (!size)
      return fail(op, v5 ? errc::invalid_operation : errc::not_supported_in_3_1_1,
                  std::string(to_string(proto::type_of(wire))) + " cannot be sent: " + size.error().message,
                  fx);
    return fail(op, errc::packet_too_large,
                std::string(to_string(proto::type_of(wire))) + " exceeds the server's maximum packet size",
                fx);
  }
  fx.send.push_back(std::move(wire));
  auto [it, inserted] =
      inflight_.emplace(*id, inflight{std::move(op), awaiting, next_sequence_++, *size, {}});
  unacked_.count += 1;
  unacked_.size += *size;
  arm_ack_timeout(*id, it->second, now);
}

// ---------------------------------------------------------------------------------------------------------
// Time

void session_state::arm_ack_timeout(std::uint16_t packet_id, inflight& entry, time_point now) {
  disarm(packet_id, entry);
  auto timeout =
      std::visit([](const auto& o) { return o.ack_timeout; }, entry.op).value_or(options_->ack_timeout);
  if (timeout.count() == 0) return;
  entry.deadline = now + timeout;
  ack_deadlines_.emplace(*entry.deadline, packet_id);
}

void session_state::disarm(std::uint16_t packet_id, inflight& entry) {
  if (!entry.deadline) return;
  ack_deadlines_.erase({*entry.deadline, packet_id});
  entry.deadline.reset();
}

void session_state::arm_keep_alive(time_point now) {
  ping_deadline_.reset();
  if (settings_.server_keep_alive == 0) {
    next_ping_.reset();
    return;
  }
  next_ping_ = now + keep_alive();
}

void session_state::on_timer(time_point now, session_effects& fx) {
  if (connack_deadline_ && now >= *connack_deadline_)
    return close(errc::connack_timeout,
                 "no CONNACK within " + std::to_string(options_->connack_timeout.count()) + " ms",
                 std::nullopt, fx);
  if (ping_deadline_ && now >= *ping_deadline_)
    return close(errc::ping_timeout, "no PINGRESP within the ping timeout",
                 proto::reason_code::keep_alive_timeout, fx);
  if (next_ping_ && now >= *next_ping_) {
    fx.send.emplace_back(proto::pingreq{});
    auto half = keep_alive() / 2;
    ping_deadline_ = now + std::min<std::chrono::milliseconds>(options_->ping_timeout, half);
    next_ping_ = now + keep_alive();
  }
  while (!ack_deadlines_.empty() && ack_deadlines_.begin()->first <= now) {
    auto id = ack_deadlines_.begin()->second;
    auto& entry = inflight_.at(id);
    entry.deadline.reset();
    ack_deadlines_.erase(ack_deadlines_.begin());
    operation_result r;
    r.id = id_of(entry.op);
    r.error = errc::ack_timeout;
    r.message = "no acknowledgement for packet identifier " + std::to_string(id) + " within the ack timeout";
    complete(id, std::move(r), fx);
  }
}

bool must_arm(const std::optional<time_point>& armed, const std::optional<time_point>& next) noexcept {
  if (!next) return false;
  return !armed || *next < *armed;
}

std::optional<time_point> session_state::next_deadline() const {
  std::optional<time_point> next;
  auto consider = [&next](const std::optional<time_point>& t) {
    if (t && (!next || *t < *next)) next = t;
  };
  consider(connack_deadline_);
  consider(ping_deadline_);
  consider(next_ping_);
  if (!ack_deadlines_.empty()) consider(ack_deadlines_.begin()->first);
  return next;
}

}  // namespace iotactor
