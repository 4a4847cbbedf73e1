// What the samples share: SDK-style connection flags and a builder made from them.
#pragma once

#include <iostream>
#include <mutex>
#include <sstream>
#include <string>

#include <CLI/CLI.hpp>

#include "iotactor/client.hpp"

namespace iotactor::samples {

/// Prints one line to stdout: the callbacks run on the client's threads beside main, and two of them printing
/// at once interleaved their words.
template <class... Parts>
void say(const Parts&... parts) {
  static std::mutex out;
  std::ostringstream line;
  (line << ... << parts);
  std::lock_guard<std::mutex> guard(out);
  std::cout << line.str() << std::endl;
}

struct connection_flags {
  std::string endpoint = "127.0.0.1";
  std::uint16_t port = 0;  // 8883 with a certificate, else 1883
  std::string cert;
  std::string key;
  std::string ca_file;
  std::string client_id;
};

inline void add_connection_flags(CLI::App& app, connection_flags& f) {
  app.add_option("--endpoint", f.endpoint, "broker host (an AWS IoT endpoint, or a local broker)")
      ->capture_default_str();
  app.add_option("--port", f.port, "port (default 8883 with --cert, 1883 without)");
  app.add_option("--cert", f.cert, "client certificate (PEM) for mutual TLS")->check(CLI::ExistingFile);
  app.add_option("--key", f.key, "private key (PEM) of --cert")->check(CLI::ExistingFile);
  app.add_option("--ca_file", f.ca_file, "CA certificates (PEM) to trust")->check(CLI::ExistingFile);
  app.add_option("--client_id", f.client_id, "MQTT client identifier");
}

/// mtls_from_path with a certificate, TLS with only a CA file, plain TCP otherwise (a local broker).
inline client_builder builder_for(const connection_flags& f) {
  if (!f.cert.empty()) {
    auto b = client_builder::mtls_from_path(f.endpoint, f.cert, f.key);
    if (f.port != 0) b.with_port(f.port);
    if (!f.ca_file.empty()) b.with_ca_filepath(f.ca_file);
    return b;
  }
  if (!f.ca_file.empty()) {
    auto b = client_builder::new_default_builder(f.endpoint);
    b.with_ca_filepath(f.ca_file);
    if (f.port != 0) b.with_port(f.port);
    return b;
  }
  return client_builder::new_tcp_builder(f.endpoint, f.port != 0 ? f.port : 1883);
}

}  // namespace iotactor::samples
