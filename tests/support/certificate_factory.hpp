// A throwaway PKI for TLS tests: CAs, server and client certificates as PEM files in a temporary directory.
#pragma once

#include <memory>
#include <string>

namespace iotactor::testing {

/// One certificate and its private key (EC P-256), both as PEM files and as PEM text.
struct credential {
  std::string certificate_path;
  std::string key_path;
  std::string certificate_pem;
  std::string key_pem;
};

/// Generates every credential in the constructor, so a test pays for the keys once and any OpenSSL
/// failure surfaces before a broker is started. Files live in a fresh mkdtemp directory under /tmp, removed
/// by the destructor. Errors throw std::runtime_error naming the OpenSSL call.
class certificate_factory {
 public:
  explicit certificate_factory(std::string client_common_name = "iotactor-test-client");
  ~certificate_factory();

  certificate_factory(const certificate_factory&) = delete;
  certificate_factory& operator=(const certificate_factory&) = delete;

  /// Self-signed root (ca.crt, ca.key): the trust anchor of the server and the client.
  const credential& ca() const noexcept { return ca_; }

  /// For the broker: CN=localhost, subjectAltName DNS:localhost and IP:127.0.0.1, serverAuth.
  const credential& server() const noexcept { return server_; }

  /// Signed by ca(), CN as given to the constructor, clientAuth.
  const credential& client() const noexcept { return client_; }

  /// A root with a different name and key that signed nothing else here, for "wrong CA" tests.
  const credential& unrelated_ca() const noexcept { return unrelated_ca_; }

  /// A client certificate signed by unrelated_ca(), which a broker trusting ca() must refuse.
  const credential& unrelated_client() const noexcept { return unrelated_client_; }

  /// Like server() and signed by ca(), but its validity ended yesterday.
  const credential& expired_server() const noexcept { return expired_server_; }

  /// Another client certificate signed by ca(), written as <file_stem>.crt and <file_stem>.key.
  credential issue_client(const std::string& common_name, const std::string& file_stem);

  /// The temporary directory holding the files.
  const std::string& directory() const noexcept { return directory_; }

  const std::string& client_common_name() const noexcept { return client_common_name_; }

 private:
  struct issuer;  // the CA's certificate and key, kept in memory to sign on demand

  std::string directory_;
  std::string client_common_name_;
  std::unique_ptr<issuer> ca_issuer_;
  credential ca_;
  credential server_;
  credential client_;
  credential unrelated_ca_;
  credential unrelated_client_;
  credential expired_server_;
};

}  // namespace iotactor::testing
