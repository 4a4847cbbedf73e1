// Names and the std::error_category of iotactor::errc.
#include "iotactor/actors/errc.hpp"

#include <string>

namespace iotactor {

std::string_view to_string(errc e) noexcept {
  switch (e) {
    case errc::invalid_option:
      return "invalid option";
    case errc::invalid_operation:
      return "invalid operation";
    case errc::dns_failure:
      return "DNS failure";
    case errc::connection_refused:
      return "connection refused";
    case errc::connect_timeout:
      return "connect timeout";
    case errc::tls_failure:
      return "TLS failure";
    case errc::connection_closed:
      return "connection closed";
    case errc::io_error:
      return "I/O error";
    case errc::connack_timeout:
      return "CONNACK timeout";
    case errc::connack_refused:
      return "connection refused by CONNACK";
    case errc::clean_session_violated:
      return "session present although a clean start was asked";
    case errc::ping_timeout:
      return "ping timeout";
    case errc::ack_timeout:
      return "ack timeout";
    case errc::disconnect_received:
      return "DISCONNECT received";
    case errc::protocol_error:
      return "protocol error";
    case errc::packet_too_large:
      return "packet too large";
    case errc::offline_queue_policy:
      return "failed by the offline queue behaviour";
    case errc::offline_queue_full:
      return "offline queue full";
    case errc::user_requested_stop:
      return "stopped by the user";
    case errc::not_supported_by_server:
      return "not supported by the server";
    case errc::not_supported_in_3_1_1:
      return "not supported in MQTT 3.1.1";
    case errc::client_stopped:
      return "client stopped";
    case errc::stage_failed:
      return "a pipeline stage failed and was restarted";
  }
  return "unknown iotactor error";
}

namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "iotactor"; }
  std::string message(int value) const override { return std::string(to_string(static_cast<errc>(value))); }
};

}  // namespace

const std::error_category& error_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace iotactor
