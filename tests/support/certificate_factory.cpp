// Certificates made with the OpenSSL 3 C API: EC P-256 keys, X.509 v3 extensions, SHA-256 signatures.
#include "support/certificate_factory.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <stdexcept>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>
#include <utility>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace iotactor::testing {

namespace {

constexpr long one_hour = 3600;
constexpr long one_day = 24 * one_hour;

/// Drains the OpenSSL error queue into the message, so the next failure does not report this one's causes.
[[noreturn]] void fail(const char* call) {
  std::string details;
  char buffer[256];
  while (unsigned long code = ERR_get_error()) {
    ERR_error_string_n(code, buffer, sizeof buffer);
    if (!details.empty()) details += "; ";
    details += buffer;
  }
  if (details.empty()) details = "no OpenSSL error queued";
  throw std::runtime_error(std::string("certificate_factory: ") + call + " failed: " + details);
}

template <class T>
T* check(T* p, const char* call) {
  if (p == nullptr) fail(call);
  return p;
}

void check(int rc, const char* call) {
  if (rc <= 0) fail(call);
}

template <class T, void (*Free)(T*)>
struct openssl_free {
  void operator()(T* p) const noexcept { Free(p); }
};

using pkey_ptr = std::unique_ptr<EVP_PKEY, openssl_free<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, openssl_free<X509, X509_free>>;
using extension_ptr = std::unique_ptr<X509_EXTENSION, openssl_free<X509_EXTENSION, X509_EXTENSION_free>>;
using bignum_ptr = std::unique_ptr<BIGNUM, openssl_free<BIGNUM, BN_free>>;

void free_bio(BIO* b) {
  BIO_free_all(b);
}
using bio_ptr = std::unique_ptr<BIO, openssl_free<BIO, free_bio>>;

pkey_ptr make_key() {
  return pkey_ptr(check(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), "EVP_PKEY_Q_keygen(EC P-256)"));
}

/// What differs between the certificates made here.
struct certificate_spec {
  std::string common_name;
  bool is_ca = false;
  const char* extended_key_usage = nullptr;  // leaves only
  const char* subject_alt_name = nullptr;
  long not_before = -one_hour;  // seconds from now
  long not_after = 7 * one_day;
};

certificate_spec ca_spec(std::string common_name) {
  certificate_spec s;
  s.common_name = std::move(common_name);
  s.is_ca = true;
  return s;
}

certificate_spec leaf_spec(std::string common_name, const char* extended_key_usage,
                           const char* subject_alt_name = nullptr) {
  certificate_spec s;
  s.common_name = std::move(common_name);
  s.extended_key_usage = extended_key_usage;
  s.subject_alt_name = subject_alt_name;
  return s;
}

void add_extension(X509* certificate, X509V3_CTX& ctx, int nid, const char* value) {
  extension_ptr ext(check(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value), "X509V3_EXT_conf_nid"));
  check(X509_add_ext(certificate, ext.get(), -1), "X509_add_ext");
}

void add_name_entry(X509_NAME* name, const char* field, const std::string& value) {
  check(X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0),
        "X509_NAME_add_entry_by_txt");
}

/// A certificate for key, signed by issuer_key; self-signed when issuer is null.
x509_ptr make_certificate(const certificate_spec& spec, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key) {
  x509_ptr certificate(check(X509_new(), "X509_new"));
  X509* x = certificate.get();
  check(X509_set_version(x, X509_VERSION_3), "X509_set_version");

  // Random serials: a verifier caching by issuer and serial must never mix up two test certificates.
  bignum_ptr serial(check(BN_new(), "BN_new"));
  check(BN_rand(serial.get(), 64, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY), "BN_rand");
  check(BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(x)), "BN_to_ASN1_INTEGER");

  check(X509_gmtime_adj(X509_getm_notBefore(x), spec.not_before), "X509_gmtime_adj(notBefore)");
  check(X509_gmtime_adj(X509_getm_notAfter(x), spec.not_after), "X509_gmtime_adj(notAfter)");
  check(X509_set_pubkey(x, key), "X509_set_pubkey");

  X509_NAME* subject = X509_get_subject_name(x);
  add_name_entry(subject, "O", "iotactor tests");
  add_name_entry(subject, "CN", spec.common_name);
  check(X509_set_issuer_name(x, issuer != nullptr ? X509_get_subject_name(issuer) : subject),
        "X509_set_issuer_name");

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : x, x, nullptr, nullptr, 0);
  if (spec.is_ca) {
    add_extension(x, ctx, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(x, ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_extension(x, ctx, NID_basic_constraints, "critical,CA:FALSE");
    // ECDHE-ECDSA suites sign the handshake with the leaf key: digitalSignature is all it needs.
    add_extension(x, ctx, NID_key_usage, "critical,digitalSignature");
  }
  if (spec.extended_key_usage != nullptr) add_extension(x, ctx, NID_ext_key_usage, spec.extended_key_usage);
  if (spec.subject_alt_name != nullptr) add_extension(x, ctx, NID_subject_alt_name, spec.subject_alt_name);
  // The subject key identifier comes first: a self-signed authority key identifier is copied from it.
  add_extension(x, ctx, NID_subject_key_identifier, "hash");
  add_extension(x, ctx, NID_authority_key_identifier, "keyid:always");

  check(X509_sign(x, issuer_key != nullptr ? issuer_key : key, EVP_sha256()), "X509_sign");
  return certificate;
}

std::string bio_contents(BIO* bio) {
  char* data = nullptr;
  long size = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &data);  // BIO_get_mem_data without its C cast
  if (size < 0 || data == nullptr) fail("BIO_get_mem_data");
  return std::string(data, static_cast<std::size_t>(size));
}

std::string certificate_pem(X509* certificate) {
  bio_ptr bio(check(BIO_new(BIO_s_mem()), "BIO_new"));
  check(PEM_write_bio_X509(bio.get(), certificate), "PEM_write_bio_X509");
  return bio_contents(bio.get());
}

std::string key_pem(EVP_PKEY* key) {
  bio_ptr bio(check(BIO_new(BIO_s_mem()), "BIO_new"));
  check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr),
        "PEM_write_bio_PrivateKey");
  return bio_contents(bio.get());
}

void write_file(const std::string& path, const std::string& content, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "certificate_factory: open " + path);
  std::size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      throw std::system_error(e, std::generic_category(), "certificate_factory: write " + path);
    }
    written += static_cast<std::size_t>(n);
  }
  ::close(fd);
}

credential save(const std::string& directory, const std::string& stem, X509* certificate, EVP_PKEY* key) {
  credential c;
  c.certificate_path = directory + "/" + stem + ".crt";
  c.key_path = directory + "/" + stem + ".key";
  c.certificate_pem = certificate_pem(certificate);
  c.key_pem = key_pem(key);
  write_file(c.certificate_path, c.certificate_pem, 0644);
  write_file(c.key_path, c.key_pem, 0600);
  return c;
}

}  // namespace

struct certificate_factory::issuer {
  pkey_ptr key;
  x509_ptr certificate;
};

certificate_factory::certificate_factory(std::string client_common_name)
    : client_common_name_(std::move(client_common_name)) {
  std::string dir_template = "/tmp/iotactor-certs-XXXXXX";
  if (::mkdtemp(dir_template.data()) == nullptr)
    throw std::system_error(errno, std::generic_category(), "certificate_factory: mkdtemp");
  directory_ = dir_template;

  // The destructor does not run when the constructor throws: the directory must go here.
  try {
    ca_issuer_ = std::make_unique<issuer>();
    ca_issuer_->key = make_key();
    ca_issuer_->certificate =
        make_certificate(ca_spec("iotactor test CA"), ca_issuer_->key.get(), nullptr, nullptr);
    ca_ = save(directory_, "ca", ca_issuer_->certificate.get(), ca_issuer_->key.get());

    auto server_spec = leaf_spec("localhost", "serverAuth", "DNS:localhost,IP:127.0.0.1");
    auto server_key = make_key();
    auto server_cert =
        make_certificate(server_spec, server_key.get(), ca_issuer_->certificate.get(), ca_issuer_->key.get());
    server_ = save(directory_, "server", server_cert.get(), server_key.get());

    client_ = issue_client(client_common_name_, "client");

    // A distinct subject name matters: with the same name a verifier would find this CA for the other's
    // certificates and report a bad signature instead of an unknown issuer.
    auto unrelated_key = make_key();
    auto unrelated_cert =
        make_certificate(ca_spec("iotactor unrelated test CA"), unrelated_key.get(), nullptr, nullptr);
    unrelated_ca_ = save(directory_, "unrelated_ca", unrelated_cert.get(), unrelated_key.get());

    auto unrelated_client_key = make_key();
    auto unrelated_client_cert =
        make_certificate(leaf_spec(client_common_name_, "clientAuth"), unrelated_client_key.get(),
                         unrelated_cert.get(), unrelated_key.get());
    unrelated_client_ =
        save(directory_, "unrelated_client", unrelated_client_cert.get(), unrelated_client_key.get());

    auto expired_spec = server_spec;
    expired_spec.not_before = -2 * one_day;
    expired_spec.not_after = -one_day;
    auto expired_key = make_key();
    auto expired_cert = make_certificate(expired_spec, expired_key.get(), ca_issuer_->certificate.get(),
                                         ca_issuer_->key.get());
    expired_server_ = save(directory_, "expired_server", expired_cert.get(), expired_key.get());
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
    throw;
  }
}

certificate_factory::~certificate_factory() {
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

credential certificate_factory::issue_client(const std::string& common_name, const std::string& file_stem) {
  auto key = make_key();
  auto certificate = make_certificate(leaf_spec(common_name, "clientAuth"), key.get(),
                                      ca_issuer_->certificate.get(), ca_issuer_->key.get());
  return save(directory_, file_stem, certificate.get(), key.get());
}

}  // namespace iotactor::testing
