// transport: TCP and TLS 1.2+ over Boost.Asio and OpenSSL, one strand, reports sent to the codec actor.
#include "transport.hpp"

#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "iotactor/actors/io_runtime.hpp"

namespace iotactor::detail {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr std::size_t read_buffer_size = std::size_t{64} * 1024;
constexpr std::size_t initial_tls_buffer_size = std::size_t{2} * 1024;

std::string endpoint_name(const connection_options& o) {
  return o.host + ":" + std::to_string(o.port);
}

/// Sets SNI without the macro (it hides an old-style cast).
void set_sni(SSL* ssl_handle, const std::string& name) {
  SSL_ctrl(ssl_handle, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
           const_cast<char*>(name.c_str()));  // NOLINT: OpenSSL's API is not const-correct here
}

/// What a TLS context is made of: connections whose options agree here can share one.
std::string context_key(const tls_options& t) {
  std::string key;
  for (const auto* part :
       {&t.ca_file, &t.ca_path, &t.ca_pem, &t.cert_file, &t.key_file, &t.cert_pem, &t.key_pem}) {
    key += std::to_string(part->size());
    key += ':';
    key += *part;
  }
  key += t.verify_peer ? "verify" : "no-verify";
  return key;
}

/// A client context with the trust anchors, the client certificate and the verification mode; on failure
/// nothing, and `why` names what could not be loaded.
std::shared_ptr<ssl::context> make_context(const tls_options& t, std::string& why) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  auto* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  auto failed = [&why](std::string message) {
    why = std::move(message);
    return nullptr;
  };
  error_code ec;
  if (!t.ca_file.empty() && (context->load_verify_file(t.ca_file, ec), ec))
    return failed("cannot load the CA file " + t.ca_file + ": " + ec.message());
  if (!t.ca_path.empty() && (context->add_verify_path(t.ca_path, ec), ec))
    return failed("cannot use the CA directory " + t.ca_path + ": " + ec.message());
  if (!t.ca_pem.empty() && (context->add_certificate_authority(asio::buffer(t.ca_pem), ec), ec))
    return failed("cannot load the CA certificate from memory: " + ec.message());
  if (t.ca_file.empty() && t.ca_path.empty() && t.ca_pem.empty() &&
      (context->set_default_verify_paths(ec), ec))
    return failed("cannot load the system's trusted CAs: " + ec.message());
  if (!t.cert_file.empty() && (context->use_certificate_chain_file(t.cert_file, ec), ec))
    return failed("cannot load the client certificate " + t.cert_file + ": " + ec.message());
  if (!t.key_file.empty() && (context->use_private_key_file(t.key_file, ssl::context::pem, ec), ec))
    return failed("cannot load the private key " + t.key_file + ": " + ec.message());
  if (!t.cert_pem.empty() && (context->use_certificate_chain(asio::buffer(t.cert_pem), ec), ec))
    return failed("cannot load the client certificate from memory: " + ec.message());
  if (!t.key_pem.empty() && (context->use_private_key(asio::buffer(t.key_pem), ssl::context::pem, ec), ec))
    return failed("cannot load the private key from memory: " + ec.message());
  context->set_verify_mode(t.verify_peer ? ssl::verify_peer : ssl::verify_none);
  // An idle connection gives its record buffers back (about 34 KiB each).
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
  return context;
}

class asio_transport final : public transport, public std::enable_shared_from_this<asio_transport> {
 public:
  asio_transport(const std::shared_ptr<io_runtime>& runtime, connection_options options, codec_actor owner,
                 data_handler on_data)
      : runtime_(runtime),
        options_(std::move(options)),
        owner_(std::move(owner)),
        on_data_(std::move(on_data)),
        strand_(asio::make_strand(runtime->context())),
        resolver_(strand_),
        socket_(strand_),
        timer_(strand_) {}

  void start() override {
    auto runtime = runtime_.lock();
    if (!runtime) return;
    runtime->begin_connect([self = shared_from_this()] {
      asio::post(self->strand_, [self] {
        self->holds_connect_slot_ = true;
        if (self->closed_) return self->release_connect_slot();  // aborted while it waited
        self->resolve();
      });
    });
  }

  void write(buffer_batch buffers) override {
    asio::post(strand_, [self = shared_from_this(), buffers = std::move(buffers)]() mutable {
      for (auto& b : buffers) self->pending_.push_back(std::move(b));
      self->flush();
    });
  }

  void shutdown() override {
    asio::post(strand_, [self = shared_from_this()] {
      self->shutdown_requested_ = true;
      if (!self->writing_) self->close_socket();
    });
  }

  void abort() override {
    asio::post(strand_, [self = shared_from_this()] {
      self->owner_ = nullptr;  // no more reports
      self->on_data_ = nullptr;
      self->close_socket();
    });
  }

 private:
  // --- connect ---------------------------------------------------------------------------------------------

  void resolve() {
    timer_.expires_after(options_.connect_timeout);
    timer_.async_wait([self = shared_from_this()](const error_code& ec) {
      if (ec || self->up_) return;
      self->timed_out_ = true;
      self->resolver_.cancel();
      self->close_socket();
    });
    // An address needs no resolver: its one thread serialises every lookup of the process, which made a
    // fleet of clients connect one lookup at a time.
    error_code not_an_address;
    auto address = asio::ip::make_address(options_.host, not_an_address);
    if (!not_an_address) {
      socket_.async_connect(tcp::endpoint(address, options_.port),
                            [self = shared_from_this()](const error_code& e) { self->on_connected(e); });
      return;
    }
    resolver_.async_resolve(
        options_.host, std::to_string(options_.port), tcp::resolver::numeric_service,
        [self = shared_from_this()](const error_code& ec, tcp::resolver::results_type results) {
          self->on_resolved(ec, std::move(results));
        });
  }

  void on_resolved(const error_code& ec, tcp::resolver::results_type results) {
    if (timed_out_) return report_down(errc::connect_timeout, "resolving " + options_.host + " timed out");
    if (ec) return report_down(errc::dns_failure, "cannot resolve " + options_.host + ": " + ec.message());
    asio::async_connect(
        socket_, results,
        [self = shared_from_this()](const error_code& e, const tcp::endpoint&) { self->on_connected(e); });
  }

  void on_connected(const error_code& ec) {
    if (timed_out_)
      return report_down(errc::connect_timeout, "connecting to " + endpoint_name(options_) +
                                                    " took longer than " +
                                                    std::to_string(options_.connect_timeout.count()) + " ms");
    if (ec)
      return report_down(errc::connection_refused,
                         "cannot connect to " + endpoint_name(options_) + ": " + ec.message());
    socket_.set_option(tcp::no_delay(true));
    error_code ignored;
    socket_.non_blocking(true, ignored);  // the read side reads only what the socket says is there
    if (!options_.tls.enabled) return on_up();
    if (auto err = setup_tls()) return report_down(errc::tls_failure, *err);
    tls_->async_handshake(ssl::stream_base::client,
                          [self = shared_from_this()](const error_code& e) { self->on_handshake(e); });
  }

  std::optional<std::string> setup_tls() {
    const auto& t = options_.tls;
    auto runtime = runtime_.lock();
    if (!runtime) return "the io_runtime is gone";
    std::string why;
    // Connections with equal TLS options share one context: its trust store and certificates cost tens of
    // KB per connection otherwise. A context is made again once no connection holds it any more.
    auto shared = runtime->shared_object(context_key(t), [&]() -> std::shared_ptr<void> {
      auto made = make_context(t, why);
      return made;
    });
    if (!shared) return why;
    context_ = std::static_pointer_cast<ssl::context>(shared);
    tls_.emplace(socket_, *context_);
    tls_buffer_.resize(initial_tls_buffer_size);
    const std::string& name = t.server_name.empty() ? options_.host : t.server_name;
    set_sni(tls_->native_handle(), name);
    if (t.verify_peer && t.verify_host_name) tls_->set_verify_callback(ssl::host_name_verification(name));
    if (!t.alpn.empty()) {
      std::string wire;
      for (const auto& p : t.alpn) {
        wire += static_cast<char>(p.size());
        wire += p;
      }
      if (SSL_set_alpn_protos(tls_->native_handle(), reinterpret_cast<const unsigned char*>(wire.data()),
                              static_cast<unsigned>(wire.size())) != 0)
        return "cannot set the ALPN protocols";
    }
    return std::nullopt;
  }

  void on_handshake(const error_code& ec) {
    if (timed_out_)
      return report_down(errc::connect_timeout,
                         "the TLS handshake with " + endpoint_name(options_) + " timed out");
    if (ec) {
      std::string why = ec.message();
      auto verify = SSL_get_verify_result(tls_->native_handle());
      if (verify != X509_V_OK)
        why = std::string("certificate verification failed: ") + X509_verify_cert_error_string(verify);
      return report_down(errc::tls_failure,
                         "TLS handshake with " + endpoint_name(options_) + " failed: " + why);
    }
    on_up();
  }

  void on_up() {
    up_ = true;
    timer_.cancel();
    if (owner_) caf::anon_send(owner_, up_atom::value);
    flush();
    read();
  }

  // --- read ------------------------------------------------------------------------------------------------

  // TCP waits for the socket to become readable and then reads into a buffer of the I/O thread, so an
  // idle connection holds no read buffer at all. TLS reads into its own buffer (OpenSSL may hold decrypted
  // bytes the socket no longer shows), which starts small and grows while reads fill it.
  void read() {
    if (tls_) {
      tls_->async_read_some(
          asio::buffer(tls_buffer_),
          [self = shared_from_this()](const error_code& ec, std::size_t n) { self->on_tls_read(ec, n); });
      return;
    }
    socket_.async_wait(tcp::socket::wait_read,
                       [self = shared_from_this()](const error_code& ec) { self->on_readable(ec); });
  }

  void on_readable(const error_code& ec) {
    if (ec) return report_read_failure(ec);
    thread_local std::vector<std::uint8_t> buffer(read_buffer_size);
    error_code read_ec;
    auto n = socket_.read_some(asio::buffer(buffer), read_ec);
    if (read_ec == asio::error::would_block || read_ec == asio::error::try_again) return read();
    if (on_read(read_ec, buffer.data(), n)) read();
  }

  void on_tls_read(const error_code& ec, std::size_t n) {
    if (!on_read(ec, tls_buffer_.data(), n)) return;
    if (n == tls_buffer_.size() && tls_buffer_.size() < read_buffer_size)
      tls_buffer_.resize(tls_buffer_.size() * 2);
    read();
  }

  /// Reports what was read, or why reading ended; true when reading goes on.
  bool on_read(const error_code& ec, const std::uint8_t* data, std::size_t n) {
    if (ec) {
      report_read_failure(ec);
      return false;
    }
    release_connect_slot();  // the server answered: the attempt no longer counts against the limit
    if (on_data_) on_data_(*this, data, n);
    return !closed_;
  }

  void report_read_failure(const error_code& ec) {
    if (ec == asio::error::eof || ec == ssl::error::stream_truncated)
      return report_down(errc::connection_closed, "the server closed the connection");
    if (ec == asio::error::operation_aborted)
      return report_down(errc::connection_closed, "the connection was closed");
    if (ec.category() ==
        asio::error::get_ssl_category())  // e.g. TLS 1.3 "certificate required" after the handshake
      return report_down(errc::tls_failure,
                         "TLS error from " + endpoint_name(options_) + ": " + ec.message());
    report_down(errc::io_error, "reading from " + endpoint_name(options_) + " failed: " + ec.message());
  }

  // --- write -----------------------------------------------------------------------------------------------

  void flush() {
    if (!up_ || writing_ || pending_.empty() || closed_) return;
    writing_ = true;
    in_flight_.swap(pending_);
    pending_.clear();
    gather_.clear();
    for (const auto& b : in_flight_) gather_.emplace_back(b.data(), b.size());
    auto handler = [self = shared_from_this()](const error_code& ec, std::size_t) { self->on_written(ec); };
    if (tls_)
      asio::async_write(*tls_, gather_, std::move(handler));
    else
      asio::async_write(socket_, gather_, std::move(handler));
  }

  void on_written(const error_code& ec) {
    writing_ = false;
    in_flight_.clear();
    if (ec && ec.category() == asio::error::get_ssl_category())
      return report_down(errc::tls_failure,
                         "TLS error writing to " + endpoint_name(options_) + ": " + ec.message());
    if (ec)
      return report_down(errc::io_error,
                         "writing to " + endpoint_name(options_) + " failed: " + ec.message());
    if (!pending_.empty()) return flush();
    if (shutdown_requested_) close_socket();
  }

  // --- end -------------------------------------------------------------------------------------------------

  void release_connect_slot() {
    if (!holds_connect_slot_) return;
    holds_connect_slot_ = false;
    if (auto runtime = runtime_.lock()) runtime->end_connect();
  }

  void close_socket() {
    release_connect_slot();
    if (closed_) return;
    closed_ = true;
    timer_.cancel();
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  void report_down(errc code, std::string message) {
    close_socket();
    if (reported_) return;
    reported_ = true;
    if (owner_) caf::anon_send(owner_, down_atom::value, failure{code, std::move(message)});
    owner_ = nullptr;  // breaks the cycle transport <-> actor
    on_data_ = nullptr;
  }

  // Not owned: the last owner of a runtime must not be one of its own threads (it joins them).
  std::weak_ptr<io_runtime> runtime_;
  connection_options options_;
  codec_actor owner_;
  data_handler on_data_;
  asio::strand<asio::io_context::executor_type> strand_;
  tcp::resolver resolver_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  std::shared_ptr<ssl::context> context_;
  std::optional<ssl::stream<tcp::socket&>> tls_;
  std::vector<std::uint8_t> tls_buffer_;
  buffer_batch pending_;
  buffer_batch in_flight_;
  std::vector<asio::const_buffer> gather_;
  bool up_ = false;
  bool writing_ = false;
  bool timed_out_ = false;
  bool shutdown_requested_ = false;
  bool closed_ = false;
  bool reported_ = false;
  bool holds_connect_slot_ = false;
};

}  // namespace

std::shared_ptr<transport> make_transport(std::shared_ptr<io_runtime> runtime, connection_options options,
                                          codec_actor owner, data_handler on_data) {
  return std::make_shared<asio_transport>(runtime, std::move(options), std::move(owner), std::move(on_data));
}

}  // namespace iotactor::detail
