// Where and how to connect: endpoint, connect timeout, and TLS (server verification, client certificate,
// ALPN).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace iotactor {

struct tls_options {
  bool enabled = false;
  /// Trust anchors: a PEM file, a hashed directory, or PEM text; with none of them the system store is used.
  std::string ca_file;
  std::string ca_path;
  std::string ca_pem;
  /// Client certificate chain and private key for mutual TLS: from files or from PEM text.
  std::string cert_file;
  std::string key_file;
  std::string cert_pem;
  std::string key_pem;
  /// Server verification and the host name check are on unless turned off explicitly.
  bool verify_peer = true;
  bool verify_host_name = true;
  /// The name sent as SNI and checked against the certificate; the endpoint host when empty.
  std::string server_name;
  /// ALPN protocols to offer, e.g. "x-amzn-mqtt-ca" for AWS IoT Core on port 443.
  std::vector<std::string> alpn;
};

struct connection_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 1883;
  /// TCP connect plus TLS handshake (SDK v2 socket connect timeout: 10 s).
  std::chrono::milliseconds connect_timeout{10'000};
  /// Read coalescing, for a sustained inbound stream (iotactor's own; the SDK v2 has nothing like it). Once
  /// one turn of reading took at least `coalesce_reads_above` bytes (but less than its 64 KiB buffer: a
  /// faster sender is read on at once), the connection raises the socket's receive low-water mark
  /// (SO_RCVLOWAT, to 16 KiB) and reads again after `coalesce_reads_for`, instead of waiting on the socket:
  /// the sender, usually a broker on the same machine, stops waking this client for every segment it writes.
  /// The first turn below the threshold goes back to waiting on the socket. While a stream lasts, delivery
  /// waits at most `coalesce_reads_for` longer; a client receiving less than the threshold per turn (a few
  /// messages) is not affected. 0 in either, or a threshold of 64 KiB or more, turns it off.
  std::size_t coalesce_reads_above = 1024;
  std::chrono::microseconds coalesce_reads_for{200};
  tls_options tls;
};

/// A message naming what is wrong with the options, or nothing.
std::optional<std::string> validate(const connection_options& options);

}  // namespace iotactor
