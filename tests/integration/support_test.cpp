// The test support itself: generated certificates checked by OpenSSL, MQTT and TLS sessions with mosquitto.
#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <system_error>
#include <thread>
#include <unistd.h>
#include <utility>
#include <variant>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "iotactor/protocol.hpp"
#include "support/certificate_factory.hpp"
#include "support/mosquitto_fixture.hpp"

namespace proto = iotactor::protocol;
using iotactor::testing::broker_options;
using iotactor::testing::certificate_factory;
using iotactor::testing::credential;
using iotactor::testing::mosquitto_broker;

namespace {

// ---- OpenSSL helpers ----

template <class T, void (*Free)(T*)>
struct openssl_free {
  void operator()(T* p) const noexcept { Free(p); }
};
using x509_ptr = std::unique_ptr<X509, openssl_free<X509, X509_free>>;
using pkey_ptr = std::unique_ptr<EVP_PKEY, openssl_free<EVP_PKEY, EVP_PKEY_free>>;
using store_ptr = std::unique_ptr<X509_STORE, openssl_free<X509_STORE, X509_STORE_free>>;
using store_ctx_ptr = std::unique_ptr<X509_STORE_CTX, openssl_free<X509_STORE_CTX, X509_STORE_CTX_free>>;
using ssl_ctx_ptr = std::unique_ptr<SSL_CTX, openssl_free<SSL_CTX, SSL_CTX_free>>;
void free_bio(BIO* b) {
  BIO_free_all(b);
}
using bio_ptr = std::unique_ptr<BIO, openssl_free<BIO, free_bio>>;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
long set_server_name_indication(SSL* ssl, const char* host) {
  return SSL_set_tlsext_host_name(ssl, host);
}
#pragma GCC diagnostic pop

/// The queued OpenSSL errors as text, emptying the queue.
std::string openssl_errors() {
  std::string text;
  char buffer[256];
  while (unsigned long code = ERR_get_error()) {
    ERR_error_string_n(code, buffer, sizeof buffer);
    if (!text.empty()) text += "; ";
    text += buffer;
  }
  return text;
}

template <class T>
T* check(T* p, const char* call) {
  if (p == nullptr) throw std::runtime_error(std::string(call) + " failed: " + openssl_errors());
  return p;
}

void check(int rc, const char* call) {
  if (rc <= 0) throw std::runtime_error(std::string(call) + " failed: " + openssl_errors());
}

bio_ptr memory_bio(const std::string& pem) {
  return bio_ptr(check(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), "BIO_new_mem_buf"));
}

x509_ptr read_certificate(const std::string& pem) {
  auto bio = memory_bio(pem);
  return x509_ptr(check(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), "PEM_read_bio_X509"));
}

pkey_ptr read_key(const std::string& pem) {
  auto bio = memory_bio(pem);
  return pkey_ptr(
      check(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), "PEM_read_bio_PrivateKey"));
}

/// X509_V_OK or the verification error of leaf against the single trust anchor.
int verify(const credential& leaf, const credential& anchor, int purpose) {
  auto leaf_cert = read_certificate(leaf.certificate_pem);
  auto anchor_cert = read_certificate(anchor.certificate_pem);
  store_ptr store(check(X509_STORE_new(), "X509_STORE_new"));
  check(X509_STORE_add_cert(store.get(), anchor_cert.get()), "X509_STORE_add_cert");
  store_ctx_ptr ctx(check(X509_STORE_CTX_new(), "X509_STORE_CTX_new"));
  check(X509_STORE_CTX_init(ctx.get(), store.get(), leaf_cert.get(), nullptr), "X509_STORE_CTX_init");
  check(X509_STORE_CTX_set_purpose(ctx.get(), purpose), "X509_STORE_CTX_set_purpose");
  X509_verify_cert(ctx.get());
  ERR_clear_error();
  return X509_STORE_CTX_get_error(ctx.get());
}

std::string common_name(const credential& c) {
  auto cert = read_certificate(c.certificate_pem);
  X509_NAME* subject = X509_get_subject_name(cert.get());
  int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index < 0) return {};
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     static_cast<std::size_t>(ASN1_STRING_length(data)));
}

std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

enum class load_from { files, memory };

/// A verifying TLS client context trusting only anchor, presenting identity if given.
ssl_ctx_ptr client_context(const credential& anchor, const credential* identity = nullptr,
                           load_from source = load_from::files) {
  ssl_ctx_ptr ctx(check(SSL_CTX_new(TLS_client_method()), "SSL_CTX_new"));
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  if (source == load_from::files) {
    check(SSL_CTX_load_verify_locations(ctx.get(), anchor.certificate_path.c_str(), nullptr),
          "SSL_CTX_load_verify_locations");
    if (identity != nullptr) {
      check(SSL_CTX_use_certificate_file(ctx.get(), identity->certificate_path.c_str(), SSL_FILETYPE_PEM),
            "SSL_CTX_use_certificate_file");
      check(SSL_CTX_use_PrivateKey_file(ctx.get(), identity->key_path.c_str(), SSL_FILETYPE_PEM),
            "SSL_CTX_use_PrivateKey_file");
    }
  } else {
    auto anchor_cert = read_certificate(anchor.certificate_pem);
    check(X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx.get()), anchor_cert.get()), "X509_STORE_add_cert");
    if (identity != nullptr) {
      auto cert = read_certificate(identity->certificate_pem);
      auto key = read_key(identity->key_pem);
      check(SSL_CTX_use_certificate(ctx.get(), cert.get()), "SSL_CTX_use_certificate");
      check(SSL_CTX_use_PrivateKey(ctx.get(), key.get()), "SSL_CTX_use_PrivateKey");
    }
  }
  if (identity != nullptr) check(SSL_CTX_check_private_key(ctx.get()), "SSL_CTX_check_private_key");
  return ctx;
}

// ---- A blocking MQTT 5 connection, plain or TLS ----

/// Reads time out after 5 s, so a broker that stays silent fails the test instead of hanging it.
class mqtt_link {
 public:
  explicit mqtt_link(std::uint16_t port) {
    // A write to a connection the broker dropped must fail, not kill the test with SIGPIPE (SSL_write
    // cannot pass MSG_NOSIGNAL).
    std::signal(SIGPIPE, SIG_IGN);
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "socket");
    timeval timeout{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    int one = 1;  // a small packet after another must not wait for the broker's delayed ACK
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      int e = errno;
      ::close(fd_);
      throw std::system_error(e, std::generic_category(), "connect to port " + std::to_string(port));
    }
  }

  ~mqtt_link() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    ::close(fd_);
  }

  mqtt_link(const mqtt_link&) = delete;
  mqtt_link& operator=(const mqtt_link&) = delete;

  /// TLS client handshake verifying the server as host; false with error() set if it fails.
  bool handshake(SSL_CTX* ctx, const std::string& host = "localhost") {
    ssl_ = check(SSL_new(ctx), "SSL_new");
    check(SSL_set_fd(ssl_, fd_), "SSL_set_fd");
    check(static_cast<int>(set_server_name_indication(ssl_, host.c_str())), "SSL_set_tlsext_host_name");
    check(SSL_set1_host(ssl_, host.c_str()), "SSL_set1_host");
    ERR_clear_error();
    int rc = SSL_connect(ssl_);
    if (rc == 1) return true;
    fail_tls("SSL_connect", rc);
    return false;
  }

  long verify_result() const { return ssl_ != nullptr ? SSL_get_verify_result(ssl_) : X509_V_OK; }

  bool send(const proto::packet& p) {
    proto::bytes wire;
    if (auto err = proto::encode(p, proto::protocol_version::v5, wire)) {
      error_ = "encode: " + proto::to_string(*err);
      return false;
    }
    std::size_t done = 0;
    while (done < wire.size()) {
      if (ssl_ != nullptr) {
        ERR_clear_error();
        int n = SSL_write(ssl_, wire.data() + done, static_cast<int>(wire.size() - done));
        if (n <= 0) return fail_tls("SSL_write", n);
        done += static_cast<std::size_t>(n);
      } else {
        ssize_t n = ::send(fd_, wire.data() + done, wire.size() - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail_errno("send");
        done += static_cast<std::size_t>(n);
      }
    }
    return true;
  }

  /// The next packet; nothing when the connection ends, fails or stays silent for 5 s (see error()).
  std::optional<proto::packet> receive() {
    std::uint8_t buffer[4096];
    while (pending_.empty()) {
      std::size_t n = 0;
      if (ssl_ != nullptr) {
        ERR_clear_error();
        int rc = SSL_read(ssl_, buffer, sizeof buffer);
        if (rc <= 0) {
          fail_tls("SSL_read", rc);
          return std::nullopt;
        }
        n = static_cast<std::size_t>(rc);
      } else {
        ssize_t rc = ::recv(fd_, buffer, sizeof buffer, 0);
        if (rc < 0 && errno == EINTR) continue;
        if (rc <= 0) {
          rc < 0 ? fail_errno("recv") : fail_closed();
          return std::nullopt;
        }
        n = static_cast<std::size_t>(rc);
      }
      received_.insert(received_.end(), buffer, buffer + n);
      std::vector<proto::packet> decoded;
      if (auto err = decoder_.feed(buffer, n, decoded)) {
        error_ = "malformed stream: " + proto::to_string(*err);
        return std::nullopt;
      }
      for (auto& p : decoded) pending_.push_back(std::move(p));
    }
    auto p = std::move(pending_.front());
    pending_.pop_front();
    return p;
  }

  /// The next packet if it is a T; otherwise nothing, and error() names what came instead.
  template <class T>
  std::optional<T> receive_as() {
    auto p = receive();
    if (!p) return std::nullopt;
    if (auto* t = std::get_if<T>(&*p)) return std::move(*t);
    error_ = "expected " + std::string(proto::to_string(T::type)) + ", got " + proto::describe(*p);
    return std::nullopt;
  }

  /// Every byte received, for assertions on the wire format.
  const proto::bytes& received_bytes() const noexcept { return received_; }
  const std::string& error() const noexcept { return error_; }
  bool timed_out() const noexcept { return timed_out_; }
  bool closed_by_peer() const noexcept { return closed_; }

 private:
  bool fail_errno(const char* call) {
    timed_out_ = errno == EAGAIN || errno == EWOULDBLOCK;
    error_ = std::string(call) + ": " + (timed_out_ ? "no data for 5 s" : std::strerror(errno));
    return false;
  }

  bool fail_closed() {
    closed_ = true;
    error_ = "connection closed by the broker";
    return false;
  }

  bool fail_tls(const char* call, int rc) {
    int saved_errno = errno;
    int code = SSL_get_error(ssl_, rc);
    if (code == SSL_ERROR_ZERO_RETURN) return fail_closed();
    if (code == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
      if (rc == 0 || saved_errno == 0) return fail_closed();  // EOF without close_notify
      errno = saved_errno;
      return fail_errno(call);
    }
    error_ = std::string(call) + ": SSL_get_error " + std::to_string(code) + ": " + openssl_errors();
    long verify = SSL_get_verify_result(ssl_);
    if (verify != X509_V_OK)
      error_ += std::string(" (verify: ") + X509_verify_cert_error_string(verify) + ")";
    return false;
  }

  int fd_ = -1;
  SSL* ssl_ = nullptr;
  proto::stream_decoder decoder_{proto::protocol_version::v5};
  std::deque<proto::packet> pending_;
  proto::bytes received_;
  std::string error_;
  bool timed_out_ = false;
  bool closed_ = false;
};

proto::connect connect_packet(std::string client_id, bool clean_start = true,
                              std::optional<std::uint32_t> session_expiry = std::nullopt) {
  proto::connect c;
  c.client_id = std::move(client_id);
  c.keep_alive = 60;
  c.clean_start = clean_start;
  c.properties.session_expiry_interval = session_expiry;
  return c;
}

proto::subscription subscription(std::string filter) {
  proto::subscription s;
  s.topic_filter = std::move(filter);
  s.max_qos = proto::qos::at_least_once;
  return s;
}

/// CONNECT, then the CONNACK; nothing (see link.error()) if anything else happens.
std::optional<proto::connack> mqtt_connect(mqtt_link& link, const proto::connect& c) {
  if (!link.send(c)) return std::nullopt;
  return link.receive_as<proto::connack>();
}

/// The broker refused the client: TLS failed, or the connection ended before a CONNACK. A silence of 5 s
/// is not a refusal.
::testing::AssertionResult refused_before_connack(mqtt_link& link, SSL_CTX* ctx) {
  if (!link.handshake(ctx)) return ::testing::AssertionSuccess() << "handshake: " << link.error();
  // TLS 1.3 completes the client's side before the server has judged the client certificate: the
  // refusal arrives as an alert on the first read.
  if (!link.send(connect_packet("refused"))) return ::testing::AssertionSuccess() << link.error();
  auto p = link.receive();
  if (p) return ::testing::AssertionFailure() << "the broker answered with " << proto::describe(*p);
  if (link.timed_out()) return ::testing::AssertionFailure() << "the broker neither answered nor closed";
  return ::testing::AssertionSuccess() << link.error();
}

/// Polls for up to 5 s: mosquitto may log a refusal just after the client has seen it.
bool log_shows(const mosquitto_broker& broker, const std::string& text) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (broker.log().find(text) == std::string::npos) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

constexpr std::uint8_t connack_type_byte = 0x20;

std::string payload_text(const proto::shared_bytes& b) {
  return std::string(b.as_string_view());
}

}  // namespace

// ---- certificate_factory ----

TEST(certificate_factory, writes_the_pem_strings_to_files_and_keeps_the_keys_private) {
  certificate_factory certs;
  for (const credential* c : {&certs.ca(), &certs.server(), &certs.client(), &certs.unrelated_ca(),
                              &certs.unrelated_client(), &certs.expired_server()}) {
    EXPECT_EQ(read_whole_file(c->certificate_path), c->certificate_pem) << c->certificate_path;
    EXPECT_EQ(read_whole_file(c->key_path), c->key_pem) << c->key_path;
    EXPECT_EQ(c->certificate_pem.rfind("-----BEGIN CERTIFICATE-----\n", 0), 0U);
    EXPECT_EQ(c->key_pem.rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0U);
    struct stat st {};
    ASSERT_EQ(::stat(c->key_path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777U, 0600U) << c->key_path;
    // Each key belongs to its certificate and is an EC P-256 key.
    auto cert = read_certificate(c->certificate_pem);
    auto key = read_key(c->key_pem);
    EXPECT_EQ(X509_check_private_key(cert.get(), key.get()), 1) << c->certificate_path;
    EXPECT_EQ(EVP_PKEY_get_bits(key.get()), 256);
    EXPECT_TRUE(EVP_PKEY_is_a(key.get(), "EC"));
    EXPECT_EQ(X509_get_signature_nid(cert.get()), NID_ecdsa_with_SHA256);
  }
  EXPECT_EQ(certs.ca().certificate_path, certs.directory() + "/ca.crt");
  EXPECT_EQ(certs.ca().key_path, certs.directory() + "/ca.key");
  EXPECT_EQ(certs.directory().rfind("/tmp/", 0), 0U);
}

TEST(certificate_factory, leaves_verify_against_their_own_ca_only) {
  certificate_factory certs;
  EXPECT_EQ(verify(certs.server(), certs.ca(), X509_PURPOSE_SSL_SERVER), X509_V_OK);
  EXPECT_EQ(verify(certs.client(), certs.ca(), X509_PURPOSE_SSL_CLIENT), X509_V_OK);
  EXPECT_EQ(verify(certs.unrelated_client(), certs.unrelated_ca(), X509_PURPOSE_SSL_CLIENT), X509_V_OK);

  EXPECT_EQ(verify(certs.server(), certs.unrelated_ca(), X509_PURPOSE_SSL_SERVER),
            X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  EXPECT_EQ(verify(certs.unrelated_client(), certs.ca(), X509_PURPOSE_SSL_CLIENT),
            X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  EXPECT_EQ(verify(certs.expired_server(), certs.ca(), X509_PURPOSE_SSL_SERVER), X509_V_ERR_CERT_HAS_EXPIRED);
  // Extended key usage: a client certificate cannot serve, and the server's cannot be a client's.
  EXPECT_EQ(verify(certs.client(), certs.ca(), X509_PURPOSE_SSL_SERVER), X509_V_ERR_INVALID_PURPOSE);
  EXPECT_EQ(verify(certs.server(), certs.ca(), X509_PURPOSE_SSL_CLIENT), X509_V_ERR_INVALID_PURPOSE);

  auto ca = read_certificate(certs.ca().certificate_pem);
  auto server = read_certificate(certs.server().certificate_pem);
  EXPECT_EQ(X509_check_ca(ca.get()), 1);
  EXPECT_EQ(X509_check_ca(server.get()), 0);
}

TEST(certificate_factory, server_certificate_names_localhost_and_127_0_0_1) {
  certificate_factory certs;
  auto server = read_certificate(certs.server().certificate_pem);
  EXPECT_EQ(X509_check_host(server.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(server.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_host(server.get(), "example.com", 0, 0, nullptr), 0);
  EXPECT_EQ(X509_check_ip_asc(server.get(), "127.0.0.2", 0), 0);
  EXPECT_EQ(common_name(certs.server()), "localhost");

  auto expired = read_certificate(certs.expired_server().certificate_pem);
  EXPECT_LT(X509_cmp_current_time(X509_get0_notAfter(expired.get())), 0);
  EXPECT_GT(X509_cmp_current_time(X509_get0_notAfter(server.get())), 0);
}

TEST(certificate_factory, client_certificates_carry_the_given_common_name) {
  certificate_factory certs("device-7");
  EXPECT_EQ(common_name(certs.client()), "device-7");
  EXPECT_EQ(certs.client_common_name(), "device-7");
  EXPECT_EQ(common_name(certs.unrelated_client()), "device-7");
  EXPECT_EQ(common_name(certs.ca()), "iotactor test CA");
  EXPECT_EQ(common_name(certs.unrelated_ca()), "iotactor unrelated test CA");

  auto other = certs.issue_client("device-8", "device8");
  EXPECT_EQ(other.certificate_path, certs.directory() + "/device8.crt");
  EXPECT_EQ(common_name(other), "device-8");
  EXPECT_EQ(verify(other, certs.ca(), X509_PURPOSE_SSL_CLIENT), X509_V_OK);
  auto cert = read_certificate(other.certificate_pem);
  EXPECT_NE(X509_get_extended_key_usage(cert.get()) & XKU_SSL_CLIENT, 0U);
}

TEST(certificate_factory, removes_its_directory_when_destroyed) {
  std::string directory;
  {
    certificate_factory certs;
    directory = certs.directory();
    ASSERT_TRUE(std::filesystem::exists(directory + "/server.key"));
  }
  EXPECT_FALSE(std::filesystem::exists(directory));
}

// ---- mosquitto_broker, plain TCP ----

TEST(mosquitto_broker, plain_connect_subscribe_and_qos1_publish_come_back) {
  mosquitto_broker broker;
  EXPECT_EQ(broker.host(), "127.0.0.1");
  mqtt_link link(broker.port());

  auto connack = mqtt_connect(link, connect_packet("support-plain"));
  ASSERT_TRUE(connack) << link.error() << "\n" << broker.log();
  EXPECT_EQ(connack->reason, proto::reason_code::success);
  EXPECT_FALSE(connack->session_present);
  ASSERT_GE(link.received_bytes().size(), 5U);
  EXPECT_EQ(link.received_bytes()[0], connack_type_byte);
  EXPECT_EQ(link.received_bytes()[2], 0x00);  // acknowledge flags: no session
  EXPECT_EQ(link.received_bytes()[3], 0x00);  // reason code: success

  proto::subscribe sub;
  sub.packet_id = 1;
  sub.subscriptions.push_back(subscription("iotactor/support/echo"));
  ASSERT_TRUE(link.send(sub)) << link.error();
  auto suback = link.receive_as<proto::suback>();
  ASSERT_TRUE(suback) << link.error() << "\n" << broker.log();
  EXPECT_EQ(suback->packet_id, 1);
  EXPECT_EQ(suback->reason_codes, std::vector<proto::reason_code>{proto::reason_code::granted_qos_1});

  proto::publish pub;
  pub.topic = "iotactor/support/echo";
  pub.payload = proto::shared_bytes(std::string_view("hello \x00\xff mosquitto", 18));
  pub.qos = proto::qos::at_least_once;
  pub.packet_id = 2;
  ASSERT_TRUE(link.send(pub)) << link.error();

  // The PUBACK and our own message may come in either order.
  std::optional<proto::puback> puback;
  std::optional<proto::publish> echo;
  while (!puback || !echo) {
    auto p = link.receive();
    ASSERT_TRUE(p) << link.error() << "\n" << broker.log();
    if (auto* a = std::get_if<proto::puback>(&*p)) {
      ASSERT_FALSE(puback) << "second PUBACK";
      puback = *a;
    } else if (auto* m = std::get_if<proto::publish>(&*p)) {
      ASSERT_FALSE(echo) << "second PUBLISH";
      echo = *m;
    } else {
      FAIL() << "unexpected " << proto::describe(*p);
    }
  }
  EXPECT_EQ(puback->packet_id, 2);
  EXPECT_EQ(puback->reason, proto::reason_code::success);
  EXPECT_EQ(echo->topic, "iotactor/support/echo");
  EXPECT_EQ(echo->qos, proto::qos::at_least_once);
  EXPECT_NE(echo->packet_id, 0);
  EXPECT_EQ(echo->payload, pub.payload) << payload_text(echo->payload);
  EXPECT_EQ(echo->payload.size(), 18U);

  proto::puback ack;
  ack.packet_id = echo->packet_id;
  EXPECT_TRUE(link.send(ack)) << link.error();
  EXPECT_TRUE(link.send(proto::disconnect{})) << link.error();
  // After DISCONNECT the broker closes the connection without a word.
  EXPECT_FALSE(link.receive());
  EXPECT_TRUE(link.closed_by_peer()) << link.error();
}

TEST(mosquitto_broker, instances_have_their_own_ports_and_directories) {
  mosquitto_broker first;
  mosquitto_broker second;
  EXPECT_NE(first.port(), second.port());
  EXPECT_NE(first.directory(), second.directory());
  for (auto* broker : {&first, &second}) {
    mqtt_link link(broker->port());
    auto connack = mqtt_connect(link, connect_packet("support-two"));
    ASSERT_TRUE(connack) << link.error() << "\n" << broker->log();
    EXPECT_EQ(connack->reason, proto::reason_code::success);
    EXPECT_NE(broker->log().find("mosquitto version"), std::string::npos) << broker->log();
  }
  std::string directory = first.directory();
  first.stop();
  EXPECT_TRUE(std::filesystem::exists(directory + "/mosquitto.log"));
}

TEST(mosquitto_broker, stop_frees_the_port_and_start_listens_on_it_again) {
  mosquitto_broker broker;
  const auto port = broker.port();
  mqtt_link before(port);
  ASSERT_TRUE(mqtt_connect(before, connect_packet("support-before"))) << before.error();

  broker.stop();
  EXPECT_FALSE(broker.running());
  // The old connection went with the process, and nothing listens any more.
  EXPECT_FALSE(before.receive());
  EXPECT_FALSE(before.timed_out()) << before.error();
  EXPECT_THROW(mqtt_link refused(port), std::system_error);

  broker.start();
  EXPECT_TRUE(broker.running());
  EXPECT_EQ(broker.port(), port);
  mqtt_link after(port);
  auto connack = mqtt_connect(after, connect_packet("support-after"));
  ASSERT_TRUE(connack) << after.error() << "\n" << broker.log();
  EXPECT_EQ(connack->reason, proto::reason_code::success);

  broker.restart();
  EXPECT_EQ(broker.port(), port);
  mqtt_link again(port);
  ASSERT_TRUE(mqtt_connect(again, connect_packet("support-again"))) << again.error() << "\n" << broker.log();
}

TEST(mosquitto_broker, persistent_session_and_its_subscription_survive_restart) {
  broker_options options;
  options.persistence = true;
  mosquitto_broker broker(options);
  {
    mqtt_link link(broker.port());
    auto connack = mqtt_connect(link, connect_packet("support-persistent", false, 300));
    ASSERT_TRUE(connack) << link.error() << "\n" << broker.log();
    EXPECT_FALSE(connack->session_present);
    proto::subscribe sub;
    sub.packet_id = 1;
    sub.subscriptions.push_back(subscription("iotactor/support/kept"));
    ASSERT_TRUE(link.send(sub));
    ASSERT_TRUE(link.receive_as<proto::suback>()) << link.error();
    ASSERT_TRUE(link.send(proto::disconnect{}));
  }
  broker.restart();

  mqtt_link link(broker.port());
  auto connack = mqtt_connect(link, connect_packet("support-persistent", false, 300));
  ASSERT_TRUE(connack) << link.error() << "\n" << broker.log();
  EXPECT_EQ(connack->reason, proto::reason_code::success);
  EXPECT_TRUE(connack->session_present) << broker.log();
  EXPECT_EQ(link.received_bytes().at(2), 0x01);  // acknowledge flags: session present

  // The subscription came back with the session: a message to its topic reaches us without subscribing.
  proto::publish pub;
  pub.topic = "iotactor/support/kept";
  pub.payload = proto::shared_bytes(std::string_view("after restart"));
  ASSERT_TRUE(link.send(pub));
  auto echo = link.receive_as<proto::publish>();
  ASSERT_TRUE(echo) << link.error() << "\n" << broker.log();
  EXPECT_EQ(payload_text(echo->payload), "after restart");
}

TEST(mosquitto_broker, without_persistence_restart_forgets_the_session) {
  mosquitto_broker broker;
  {
    mqtt_link link(broker.port());
    auto connack = mqtt_connect(link, connect_packet("support-forgotten", false, 300));
    ASSERT_TRUE(connack) << link.error() << "\n" << broker.log();
    ASSERT_TRUE(link.send(proto::disconnect{}));
  }
  {
    // Control: without a restart the session is there.
    mqtt_link link(broker.port());
    auto connack = mqtt_connect(link, connect_packet("support-forgotten", false, 300));
    ASSERT_TRUE(connack) << link.error() << "\n" << broker.log();
    EXPECT_TRUE(connack->session_present);
    ASSERT_TRUE(link.send(proto::disconnect{}));
  }
  broker.restart();
  mqtt_link link(broker.port());
  auto connack = mqtt_connect(link, connect_packet("support-forgotten", false, 300));
  ASSERT_TRUE(connack) << link.error() << "\n" << broker.log();
  EXPECT_FALSE(connack->session_present);
}

TEST(mosquitto_broker, a_config_error_fails_the_constructor_with_the_log) {
  broker_options options;
  options.extra_config_lines = {"no_such_option 1"};
  try {
    mosquitto_broker broker(options);
    FAIL() << "mosquitto started with an unknown option";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_option"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("exited with status"), std::string::npos) << e.what();
  }
}

TEST(mosquitto_broker, start_fails_if_the_port_was_taken_while_stopped) {
  mosquitto_broker broker;
  broker.stop();

  int squatter = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(squatter, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(broker.port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(squatter, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << std::strerror(errno);
  ASSERT_EQ(::listen(squatter, 1), 0);

  try {
    broker.start();
    ADD_FAILURE() << "mosquitto started on a port in use";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("Address already in use"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(broker.running());

  ::close(squatter);
  broker.start();
  mqtt_link link(broker.port());
  ASSERT_TRUE(mqtt_connect(link, connect_packet("support-squatter"))) << link.error() << "\n" << broker.log();
}

// ---- TLS ----

TEST(tls_broker, handshake_with_the_ca_from_memory_then_connack) {
  certificate_factory certs;
  broker_options options;
  options.tls = true;
  options.certs = &certs;
  mosquitto_broker broker(options);

  auto ctx = client_context(certs.ca(), nullptr, load_from::memory);
  mqtt_link link(broker.port());
  ASSERT_TRUE(link.handshake(ctx.get())) << link.error() << "\n" << broker.log();
  EXPECT_EQ(link.verify_result(), X509_V_OK);
  auto connack = mqtt_connect(link, connect_packet("support-tls"));
  ASSERT_TRUE(connack) << link.error() << "\n" << broker.log();
  EXPECT_EQ(connack->reason, proto::reason_code::success);
  EXPECT_EQ(link.received_bytes().at(0), connack_type_byte);
}

TEST(tls_broker, a_client_trusting_an_unrelated_ca_fails_verification) {
  certificate_factory certs;
  broker_options options;
  options.tls = true;
  options.certs = &certs;
  mosquitto_broker broker(options);

  auto ctx = client_context(certs.unrelated_ca());
  mqtt_link link(broker.port());
  EXPECT_FALSE(link.handshake(ctx.get()));
  // mosquitto sends the chain up to its root, which the client finds self-signed and not trusted; a server
  // sending only its own certificate would give "unable to get local issuer certificate" instead.
  const long verify = link.verify_result();
  EXPECT_TRUE(verify == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
              verify == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY)
      << X509_verify_cert_error_string(verify) << "; " << link.error();
  EXPECT_NE(link.error().find("certificate verify failed"), std::string::npos) << link.error();
}

TEST(tls_broker, a_client_expecting_another_host_name_fails_verification) {
  certificate_factory certs;
  broker_options options;
  options.tls = true;
  options.certs = &certs;
  mosquitto_broker broker(options);

  auto ctx = client_context(certs.ca());
  mqtt_link link(broker.port());
  EXPECT_FALSE(link.handshake(ctx.get(), "broker.example.com"));
  EXPECT_EQ(link.verify_result(), X509_V_ERR_HOSTNAME_MISMATCH) << link.error();
}

TEST(tls_broker, an_expired_server_certificate_fails_verification) {
  certificate_factory certs;
  broker_options options;
  options.certs = &certs;
  options.expired_server_certificate = true;
  mosquitto_broker broker(options);

  auto ctx = client_context(certs.ca());
  mqtt_link link(broker.port());
  EXPECT_FALSE(link.handshake(ctx.get()));
  EXPECT_EQ(link.verify_result(), X509_V_ERR_CERT_HAS_EXPIRED) << link.error();
}

TEST(mutual_tls_broker, a_client_certificate_from_the_ca_connects_and_names_the_user) {
  certificate_factory certs("device-42");
  broker_options options;
  options.require_client_certificate = true;
  options.certs = &certs;
  options.extra_config_lines = {"use_identity_as_username true"};
  mosquitto_broker broker(options);

  for (auto source : {load_from::files, load_from::memory}) {
    auto ctx = client_context(certs.ca(), &certs.client(), source);
    mqtt_link link(broker.port());
    ASSERT_TRUE(link.handshake(ctx.get())) << link.error() << "\n" << broker.log();
    auto connack = mqtt_connect(link, connect_packet("support-mtls"));
    ASSERT_TRUE(connack) << link.error() << "\n" << broker.log();
    EXPECT_EQ(connack->reason, proto::reason_code::success);
    ASSERT_TRUE(link.send(proto::disconnect{}));
    EXPECT_FALSE(link.receive());  // the broker closes after DISCONNECT: its log is complete
  }
  // mosquitto took the certificate's common name as the user name.
  EXPECT_TRUE(log_shows(broker, "u'device-42'")) << broker.log();
}

TEST(mutual_tls_broker, refuses_a_client_without_certificate) {
  certificate_factory certs;
  broker_options options;
  options.require_client_certificate = true;
  options.certs = &certs;
  mosquitto_broker broker(options);

  auto ctx = client_context(certs.ca());
  mqtt_link link(broker.port());
  EXPECT_TRUE(refused_before_connack(link, ctx.get())) << broker.log();
  EXPECT_TRUE(log_shows(broker, "peer did not return a certificate")) << broker.log();
}

TEST(mutual_tls_broker, refuses_a_client_certificate_from_an_unrelated_ca) {
  certificate_factory certs;
  broker_options options;
  options.require_client_certificate = true;
  options.certs = &certs;
  mosquitto_broker broker(options);

  auto ctx = client_context(certs.ca(), &certs.unrelated_client());
  mqtt_link link(broker.port());
  EXPECT_TRUE(refused_before_connack(link, ctx.get())) << broker.log();
  EXPECT_TRUE(log_shows(broker, "certificate verify failed")) << broker.log();
}
