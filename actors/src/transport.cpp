// transport: TCP and TLS 1.2+ over Boost.Asio and OpenSSL, one strand, reports sent to the codec actor.
#include "transport.hpp"

#include <cerrno>
#include <cstring>
#include <mutex>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "iotactor/actors/inline_unit.hpp"
#include "iotactor/actors/io_runtime.hpp"

namespace iotactor::detail {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr std::size_t read_buffer_size = std::size_t{64} * 1024;

/// SO_RCVLOWAT while coalescing. Linux grows the receive buffer to hold the mark and clamps the receive
/// window to it for good when that buffer was smaller (tcp_set_rcvlowat): 64 KiB clamped the window to
/// 64 KiB, a limit on a long round trip. 16 KiB needs less than the default buffer (tcp_rmem's 128 KiB) and
/// leaves the window alone; it only bounds how often a fast stream still wakes the client.
constexpr int coalescing_low_water_mark = 16 * 1024;

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
  // An idle connection gives its record buffers back (about 34 KiB); writes may be partial and resumed.
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE);
  return context;
}

/// A socket BIO that sends with MSG_NOSIGNAL: OpenSSL's own writes with write(2), and a peer that has gone
/// away would raise SIGPIPE in the process.
BIO_METHOD* socket_bio_method() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "iotactor socket");
    BIO_meth_set_write(m, [](BIO* b, const char* data, int size) -> int {
      BIO_clear_retry_flags(b);
      int fd = *static_cast<const int*>(BIO_get_data(b));
      auto n = ::send(fd, data, static_cast<std::size_t>(size), MSG_NOSIGNAL);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) BIO_set_retry_write(b);
      return static_cast<int>(n);
    });
    BIO_meth_set_read(m, [](BIO* b, char* data, int size) -> int {
      BIO_clear_retry_flags(b);
      int fd = *static_cast<const int*>(BIO_get_data(b));
      auto n = ::recv(fd, data, static_cast<std::size_t>(size), 0);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) BIO_set_retry_read(b);
      return static_cast<int>(n);
    });
    BIO_meth_set_ctrl(
        m, [](BIO*, int command, long, void*) -> long { return command == BIO_CTRL_FLUSH ? 1 : 0; });
    BIO_meth_set_create(m, [](BIO* b) -> int {
      BIO_set_init(b, 1);
      return 1;
    });
    return m;
  }();
  return method;
}

class asio_transport final : public transport, public std::enable_shared_from_this<asio_transport> {
 public:
  asio_transport(const std::shared_ptr<io_runtime>& runtime,
                 std::shared_ptr<const connection_options> options, codec_actor owner, data_handler on_data,
                 std::shared_ptr<inline_gate> inline_reports)
      : runtime_(runtime),
        options_(std::move(options)),
        owner_(std::move(owner)),
        on_data_(std::move(on_data)),
        inline_reports_(std::move(inline_reports)),
        strand_(asio::make_strand(runtime->context())),
        resolver_(strand_),
        socket_(strand_),
        timer_(strand_) {}

  void start() override {
    auto runtime = runtime_.lock();
    if (!runtime) return;
    runtime->begin_connect([self = shared_from_this()] {
      // A slot handed on by another connection's answer comes on an I/O thread: the connect goes to the
      // runtime's connector thread instead (see open_and_connect), and the I/O thread goes on with reads.
      // A free slot connects on the strand. (Connecting on the worker that starts the codec made
      // LeakSanitizer report the I/O thread's OpenSSL thread state as leaked in about one of 30 parallel
      // runs of the TLS tests; the cause was not found.)
      auto rt = self->runtime_.lock();
      if (rt && rt->context().get_executor().running_in_this_thread())
        return rt->offload([self] { self->open_and_connect(); });
      asio::post(self->strand_, [self] { self->open_and_connect(); });
    });
  }

  /// From any thread. On a plain TCP connection that is up, with nothing queued before them, the bytes go
  /// straight to the socket from the calling thread, as far as it takes them without waiting: no wake of
  /// the I/O thread, no hop (a PUBLISH from a quiet post_publish leaves on the caller's thread). The rest,
  /// and everything while the strand writes (TLS, before the connection is up, after the socket was
  /// full), queues for the strand, behind what it has.
  void write(buffer_batch buffers) override {
    if (buffers.empty()) return;
    std::unique_lock<std::mutex> lock(write_mutex_);
    if (writes_ended_) return;  // after shutdown() or abort(): the connection takes nothing more
    if (!strand_writes_ && direct_fd_ >= 0 && send_now(buffers)) return;
    for (auto& b : buffers) queued_.push_back(std::move(b));
    if (strand_writes_) return;  // the strand takes them with what it has
    strand_writes_ = true;
    lock.unlock();
    asio::post(strand_, [self = shared_from_this()] {
      self->take_queued();
      self->flush();
    });
  }

  void shutdown() override {
    end_writes();  // what was written before goes out first; nothing written after it
    asio::post(strand_, [self = shared_from_this()] {
      self->shutdown_requested_ = true;
      // What write() queued and the strand has not taken yet (its task may come after this one) goes out
      // first.
      self->take_queued();
      self->flush();
      if (self->writing_) return;
      // Still waiting for a connect slot: nothing else would report the end before the slot comes, which
      // can be as long as another connection's CONNACK timeout, and a stop() would wait that long.
      bool waiting_for_slot = !self->up_ && !self->holds_connect_slot_;
      self->close_socket();
      if (waiting_for_slot)
        self->report_down(errc::connection_closed, "the connection was closed before it was made");
    });
  }

  void abort() override {
    end_writes();  // closes now: nothing more goes to the socket meanwhile
    asio::post(strand_, [self = shared_from_this()] {
      self->owner_ = nullptr;  // no more reports
      self->on_data_ = nullptr;
      self->close_socket();
    });
  }

 private:
  void end_writes() {
    std::lock_guard<std::mutex> lock(write_mutex_);
    writes_ended_ = true;
    direct_fd_ = -1;
  }

  // --- connect ---------------------------------------------------------------------------------------------

  /// Runs on the strand (a free slot) or on the runtime's connector thread (a slot handed on by another
  /// connection's answer): a connect() to a server on this machine does the whole TCP handshake,
  /// both sides of it, inside the call, and that was a third of the I/O thread's time in a fleet's connect.
  /// It touches nothing of the transport's but the descriptor it makes; on_opened takes that to the strand.
  void open_and_connect() {
    // On the strand its state can be read: a connection closed while it waited for the slot connects not
    // at all, and what follows runs here without another hop. The connector thread posts it.
    const bool on_strand = strand_.running_in_this_thread();
    if (on_strand && closed_) {
      take_connect_slot();  // reports the end
      return;
    }
    auto on_the_strand = [this, on_strand](auto next) {
      if (on_strand) return next();
      asio::post(strand_, std::move(next));
    };
    error_code not_an_address;
    auto address = asio::ip::make_address(options_->host, not_an_address);
    if (not_an_address) {  // a name: resolve() looks it up and connects on the strand
      on_the_strand([self = shared_from_this()] {
        if (self->take_connect_slot()) self->resolve();
      });
      return;
    }
    tcp::endpoint where(address, options_->port);
    int fd = ::socket(where.protocol().family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    int error = fd < 0 ? errno : 0;
    bool connected = false;
    if (fd >= 0) {
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      // A second connect() tells how the first went: 0 once established (a local server has answered
      // before the first returns), EALREADY while the handshake goes on, the error once refused.
      auto attempt = [&] { return ::connect(fd, where.data(), static_cast<socklen_t>(where.size())) == 0; };
      connected = attempt() || (errno == EINPROGRESS && attempt());
      if (!connected && errno != EALREADY && errno != EINPROGRESS) error = errno;
    }
    on_the_strand([self = shared_from_this(), fd, error, connected, protocol = where.protocol()] {
      self->on_opened(protocol, fd, error, connected);
    });
  }

  /// On the strand, with the slot: false (and the end reported) when the connection was closed meanwhile.
  bool take_connect_slot() {
    holds_connect_slot_ = true;
    if (!closed_) return true;
    // Shut down or aborted while it waited: say so (an abort has no owner any more).
    report_down(errc::connection_closed, "the connection was closed before it was made");
    return false;
  }

  /// Arms the connect timeout: resolving, the TCP connect and the TLS handshake together.
  void arm_connect_timer() {
    timer_.expires_after(options_->connect_timeout);
    timer_.async_wait([self = shared_from_this()](const error_code& ec) {
      if (ec || self->up_) return;
      self->timed_out_ = true;
      self->resolver_.cancel();
      self->close_socket();
    });
  }

  void on_opened(const tcp& protocol, int fd, int error, bool connected) {
    if (!take_connect_slot()) {
      if (fd >= 0) ::close(fd);
      return;
    }
    error_code ec;
    if (fd >= 0) {
      socket_.assign(protocol, fd, ec);
      if (ec) ::close(fd);
    }
    if (!ec && fd >= 0) socket_.non_blocking(true, ec);  // asio's flag: reads report would_block
    if (!ec && error != 0) ec = error_code(error, boost::system::system_category());
    if (ec || (connected && !options_->tls.enabled)) return on_connected(ec);  // no wait: no timer either
    arm_connect_timer();
    if (connected) return on_connected({});
    wait(tcp::socket::wait_write, [](asio_transport& self, const error_code& wec) {
      if (wec) return self.on_connected(wec);  // a timeout closed the socket: on_connected says so
      int so_error = 0;
      socklen_t size = sizeof(so_error);
      if (::getsockopt(self.socket_.native_handle(), SOL_SOCKET, SO_ERROR, &so_error, &size) != 0)
        so_error = errno;
      self.on_connected(so_error == 0 ? error_code()
                                      : error_code(so_error, boost::system::system_category()));
    });
  }

  void resolve() {
    arm_connect_timer();
    resolver_.async_resolve(
        options_->host, std::to_string(options_->port), tcp::resolver::numeric_service,
        [self = shared_from_this()](const error_code& ec, tcp::resolver::results_type results) {
          self->on_resolved(ec, std::move(results));
        });
  }

  void on_resolved(const error_code& ec, tcp::resolver::results_type results) {
    if (timed_out_) return report_down(errc::connect_timeout, "resolving " + options_->host + " timed out");
    if (ec) return report_down(errc::dns_failure, "cannot resolve " + options_->host + ": " + ec.message());
    asio::async_connect(
        socket_, results,
        [self = shared_from_this()](const error_code& e, const tcp::endpoint&) { self->on_connected(e); });
  }

  void on_connected(const error_code& ec) {
    if (timed_out_)
      return report_down(errc::connect_timeout,
                         "connecting to " + endpoint_name(*options_) + " took longer than " +
                             std::to_string(options_->connect_timeout.count()) + " ms");
    if (ec)
      return report_down(errc::connection_refused,
                         "cannot connect to " + endpoint_name(*options_) + ": " + ec.message());
    error_code ignored;
    if (!socket_.non_blocking()) {  // connected by asio's connect (a resolved name): set as on_opened does
      socket_.set_option(tcp::no_delay(true), ignored);
      socket_.non_blocking(true, ignored);  // the read side reads only what the socket says is there
    }
    if (!options_->tls.enabled) return on_up();
    if (auto err = setup_tls()) return report_down(errc::tls_failure, *err);
    handshake();
  }

  std::optional<std::string> setup_tls() {
    const auto& t = options_->tls;
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
    // OpenSSL straight on the socket, not asio::ssl::stream: the stream keeps 68 KiB of fixed buffers per
    // connection (two 17 KiB record buffers and a 2 x 17 KiB BIO pair), more than the rest of a client.
    ssl_.reset(SSL_new(context_->native_handle()));
    BIO* bio = ssl_ ? BIO_new(socket_bio_method()) : nullptr;
    if (bio == nullptr) return "cannot make a TLS session";
    tls_fd_ = socket_.native_handle();
    BIO_set_data(bio, &tls_fd_);
    SSL_set_bio(ssl_.get(), bio, bio);
    SSL_set_connect_state(ssl_.get());
    const std::string& name = t.server_name.empty() ? options_->host : t.server_name;
    set_sni(ssl_.get(), name);
    if (t.verify_peer && t.verify_host_name) {
      error_code not_an_address;
      asio::ip::make_address(name, not_an_address);
      int ok = not_an_address ? SSL_set1_host(ssl_.get(), name.c_str())
                              : X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_.get()), name.c_str());
      if (ok != 1) return "cannot check the server's certificate against " + name;
    }
    if (!t.alpn.empty()) {
      std::string wire;
      for (const auto& p : t.alpn) {
        wire += static_cast<char>(p.size());
        wire += p;
      }
      if (SSL_set_alpn_protos(ssl_.get(), reinterpret_cast<const unsigned char*>(wire.data()),
                              static_cast<unsigned>(wire.size())) != 0)
        return "cannot set the ALPN protocols";
    }
    return std::nullopt;
  }

  /// Waits until the socket is ready for `what`, then runs `next` (unless the connection timed out or
  /// closed).
  template <class Next>
  void wait(tcp::socket::wait_type what, Next next) {
    socket_.async_wait(what, [self = shared_from_this(), next](const error_code& ec) { next(*self, ec); });
  }

  void handshake() {
    ERR_clear_error();
    errno = 0;  // so that a failure reported as SSL_ERROR_SYSCALL names its own cause
    int r = SSL_do_handshake(ssl_.get());
    if (r == 1) return on_up();
    int e = SSL_get_error(ssl_.get(), r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
      return wait(e == SSL_ERROR_WANT_READ ? tcp::socket::wait_read : tcp::socket::wait_write,
                  [](asio_transport& self, const error_code& ec) {
                    if (self.timed_out_)
                      return self.report_down(
                          errc::connect_timeout,
                          "the TLS handshake with " + endpoint_name(*self.options_) + " timed out");
                    if (ec) return self.report_read_failure(ec);
                    self.handshake();
                  });
    std::string why = ssl_error_text(e);
    auto verify = SSL_get_verify_result(ssl_.get());
    if (verify != X509_V_OK)
      why = std::string("certificate verification failed: ") + X509_verify_cert_error_string(verify);
    report_down(errc::tls_failure, "TLS handshake with " + endpoint_name(*options_) + " failed: " + why);
  }

  /// What OpenSSL's error queue (or errno) says about the last call that failed with `code`.
  static std::string ssl_error_text(int code) {
    std::string text;
    while (auto e = ERR_get_error()) {
      const char* reason = ERR_reason_error_string(e);
      if (!text.empty()) text += "; ";
      text += reason != nullptr ? reason : "error " + std::to_string(e);
    }
    if (!text.empty()) return text;
    if (code == SSL_ERROR_SYSCALL)
      return errno != 0 ? std::strerror(errno) : "the connection ended unexpectedly";
    return "TLS error " + std::to_string(code);
  }

  void on_up() {
    up_ = true;
    if (!ssl_) {
      std::lock_guard<std::mutex> lock(write_mutex_);
      if (!writes_ended_) direct_fd_ = socket_.native_handle();
    }
    timer_.cancel();
    report(owner_, up_atom::value);
    flush();
    read();
  }

  // --- read ------------------------------------------------------------------------------------------------

  // Both wait for the socket to become readable and then read into a buffer of the I/O thread, so an idle
  // connection holds no read buffer at all. TLS reads until OpenSSL wants more from the socket: decrypted
  // bytes it still holds would not make the socket readable again.
  void read() {
    socket_.async_wait(tcp::socket::wait_read,
                       [self = shared_from_this()](const error_code& ec) { self->on_readable(ec); });
  }

  static std::vector<std::uint8_t>& io_buffer() {
    thread_local std::vector<std::uint8_t> buffer(read_buffer_size);
    return buffer;
  }

  /// Reads of one turn at most, each up to the buffer's size: a full buffer reads again at once.
  static constexpr int max_reads_per_turn = 16;

  void on_readable(const error_code& ec) {
    if (ec) return report_read_failure(ec);
    if (ssl_) return read_tls();
    auto& buffer = io_buffer();
    std::size_t turn = 0;
    for (int i = 0; i < max_reads_per_turn; ++i) {
      error_code read_ec;
      auto n = socket_.read_some(asio::buffer(buffer), read_ec);
      if (read_ec == asio::error::would_block || read_ec == asio::error::try_again) break;
      if (!on_read(read_ec, buffer.data(), n)) return;
      turn += n;
      if (n < buffer.size()) break;
    }
    next_read(turn);
  }

  /// After a turn of reading: wait on the socket, or, in a stream (coalesce_reads_above, but less than a
  /// buffer), read again after coalesce_reads_for with the socket's low-water mark raised so that the
  /// sender's segments wake nobody.
  void next_read(std::size_t turn) {
    const auto above = options_->coalesce_reads_above;
    const auto delay = options_->coalesce_reads_for;
    // A turn that filled the buffer is behind a sender faster than this client: waiting would only slow the
    // stream down (P2, a packet source, halved). Coalescing is for a sender that pays to wake the client.
    if (above == 0 || delay.count() == 0 || turn < above || turn >= read_buffer_size) {
      if (coalescing_) set_low_water_mark(1);
      return read();
    }
    if (!coalescing_) set_low_water_mark(coalescing_low_water_mark);
    // The connect timeout's timer: it has no other use once the connection is up.
    timer_.expires_after(delay);
    timer_.async_wait([self = shared_from_this()](const error_code& ec) {
      // Only close_socket() cancels it now; the pending socket wait would have reported that.
      if (ec || self->closed_) return self->report_read_failure(asio::error::operation_aborted);
      self->on_readable({});
    });
  }

  void set_low_water_mark(int bytes) {
    coalescing_ = bytes > 1;
    error_code ignored;
    socket_.set_option(asio::socket_base::receive_low_watermark(bytes), ignored);
  }

  void read_tls() {
    auto& buffer = io_buffer();
    std::size_t have = 0;
    std::size_t turn = 0;
    for (;;) {
      ERR_clear_error();
      errno = 0;  // so that a failure reported as SSL_ERROR_SYSCALL names its own cause
      int r = SSL_read(ssl_.get(), buffer.data() + have, static_cast<int>(buffer.size() - have));
      if (r > 0) {
        have += static_cast<std::size_t>(r);
        turn += static_cast<std::size_t>(r);
        if (have < buffer.size()) continue;
        if (!on_read({}, buffer.data(), have)) return;
        have = 0;
        continue;
      }
      int e = SSL_get_error(ssl_.get(), r);
      if (have > 0 && !on_read({}, buffer.data(), have)) return;
      resume_write_waiting_for_read();
      if (e == SSL_ERROR_WANT_READ) return next_read(turn);
      if (e == SSL_ERROR_WANT_WRITE)  // a handshake message of the server wants an answer first
        return wait(tcp::socket::wait_write, [](asio_transport& self, const error_code& wec) {
          if (wec) return self.report_read_failure(wec);
          self.read_tls();
        });
      if (e == SSL_ERROR_ZERO_RETURN)
        return report_down(errc::connection_closed, "the server closed the connection");
      auto why = ssl_error_text(e);
      if (e == SSL_ERROR_SYSCALL)
        return report_down(errc::connection_closed, "the server closed the connection (" + why + ")");
      // e.g. TLS 1.3 "certificate required", which arrives after the client's side of the handshake
      return report_down(errc::tls_failure, "TLS error from " + endpoint_name(*options_) + ": " + why);
    }
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
    if (ec == asio::error::eof)
      return report_down(errc::connection_closed, "the server closed the connection");
    if (ec == asio::error::operation_aborted)
      return report_down(errc::connection_closed, "the connection was closed");
    report_down(errc::io_error, "reading from " + endpoint_name(*options_) + " failed: " + ec.message());
  }

  // --- write -----------------------------------------------------------------------------------------------

  /// With write_mutex_, on a plain TCP socket that is up: sends what the socket takes now, and drops it
  /// from `buffers`; true when all of it went. A full socket or an error leaves the rest to the strand (its
  /// write reports the error).
  bool send_now(buffer_batch& buffers) {
    constexpr std::size_t max_iov = 64;
    std::size_t count = std::min(buffers.size(), max_iov);
    iovec iov[max_iov];
    for (std::size_t i = 0; i < count; ++i)
      iov[i] = {const_cast<std::uint8_t*>(buffers[i].data()), buffers[i].size()};
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = count;
    auto n = ::sendmsg(direct_fd_, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n <= 0) return false;
    auto sent = static_cast<std::size_t>(n);
    std::size_t done = 0;
    while (done < count && sent >= buffers[done].size()) sent -= buffers[done++].size();
    if (done < count && sent > 0)  // the socket took part of this one: the rest is copied for the strand
      buffers[done] =
          protocol::shared_bytes::copy_of(buffers[done].data() + sent, buffers[done].size() - sent);
    buffers.erase(buffers.begin(), buffers.begin() + static_cast<std::ptrdiff_t>(done));
    return buffers.empty();
  }

  /// On the strand: takes what write() queued; with nothing to write and no write in flight, hands writing
  /// back to write().
  void take_queued() {
    std::lock_guard<std::mutex> lock(write_mutex_);
    for (auto& b : queued_) pending_.push_back(std::move(b));
    queued_.clear();
    if (pending_.empty() && !writing_) strand_writes_ = false;
  }

  void flush() {
    if (!up_ || writing_ || pending_.empty() || closed_) return;
    writing_ = true;
    in_flight_.swap(pending_);
    pending_.clear();
    if (ssl_) {
      // One contiguous buffer for SSL_write: encryption copies the bytes anyway.
      tls_out_.clear();
      for (const auto& b : in_flight_) tls_out_.insert(tls_out_.end(), b.begin(), b.end());
      in_flight_.clear();
      tls_written_ = 0;
      return write_tls();
    }
    gather_.clear();
    for (const auto& b : in_flight_) gather_.emplace_back(b.data(), b.size());
    asio::async_write(socket_, gather_, [self = shared_from_this()](const error_code& ec, std::size_t) {
      self->on_written(ec);
    });
  }

  void write_tls() {
    while (tls_written_ < tls_out_.size()) {
      ERR_clear_error();
      errno = 0;  // so that a failure reported as SSL_ERROR_SYSCALL names its own cause
      int r = SSL_write(ssl_.get(), tls_out_.data() + tls_written_,
                        static_cast<int>(tls_out_.size() - tls_written_));
      if (r > 0) {
        tls_written_ += static_cast<std::size_t>(r);
        continue;
      }
      int e = SSL_get_error(ssl_.get(), r);
      if (e == SSL_ERROR_WANT_WRITE)
        return wait(tcp::socket::wait_write, [](asio_transport& self, const error_code& ec) {
          if (ec) return self.on_written(ec);
          self.write_tls();
        });
      if (e == SSL_ERROR_WANT_READ) {  // the read side, always waiting, resumes the write
        write_waits_for_read_ = true;
        return;
      }
      writing_ = false;
      auto why = ssl_error_text(e);
      // A server that refuses us (TLS 1.3 "certificate required") sends an alert and closes; our write can
      // fail on the reset before the read side has seen the alert, which names the cause.
      if (auto alert = pending_alert())
        return report_down(errc::tls_failure, "TLS error from " + endpoint_name(*options_) + ": " + *alert);
      return report_down(errc::tls_failure, "TLS error writing to " + endpoint_name(*options_) + ": " + why);
    }
    tls_out_.clear();
    tls_out_.shrink_to_fit();  // an idle connection keeps no write buffer
    on_written({});
  }

  /// Reads what the server sent before it went away; the reason of an alert among it, if any.
  std::optional<std::string> pending_alert() {
    auto& buffer = io_buffer();
    for (;;) {
      ERR_clear_error();
      int r = SSL_read(ssl_.get(), buffer.data(), static_cast<int>(buffer.size()));
      if (r > 0) continue;  // application data before the alert: the connection is failing anyway
      int e = SSL_get_error(ssl_.get(), r);
      if (e != SSL_ERROR_SSL) return std::nullopt;
      return ssl_error_text(e);
    }
  }

  void resume_write_waiting_for_read() {
    if (!write_waits_for_read_) return;
    write_waits_for_read_ = false;
    write_tls();
  }

  void on_written(const error_code& ec) {
    writing_ = false;
    in_flight_.clear();
    if (ec)
      return report_down(errc::io_error,
                         "writing to " + endpoint_name(*options_) + " failed: " + ec.message());
    take_queued();
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
    {
      std::lock_guard<std::mutex> lock(write_mutex_);  // no write() is sending to the descriptor now
      direct_fd_ = -1;
    }
    timer_.cancel();
    if (ssl_ && up_) SSL_shutdown(ssl_.get());  // close_notify, best effort: the socket closes next
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    tls_fd_ = -1;  // the descriptor's number may be given to another socket now
  }

  void report_down(errc code, std::string message) {
    close_socket();
    if (reported_) return;
    reported_ = true;
    auto owner = std::move(owner_);  // breaks the cycle transport <-> actor
    owner_ = nullptr;
    on_data_ = nullptr;
    report(owner, down_atom::value, failure{code, std::move(message)});
  }

  /// Tells the codec; with inline_reports_ it runs here, on the I/O thread, and so does what it makes ready
  /// (the session writing CONNECT after up_atom): no worker is woken for it. A fleet's connects otherwise
  /// waited in the workers' queues behind the start of every client not yet connecting.
  template <class... Ts>
  void report(const codec_actor& to, Ts&&... xs) {
    if (!to) return;
    if (!inline_reports_) return caf::anon_send(to, std::forward<Ts>(xs)...);
    send_inline(*inline_reports_, nullptr, caf::actor_cast<caf::strong_actor_ptr>(to),
                caf::make_message(std::forward<Ts>(xs)...));
  }

  // Not owned: the last owner of a runtime must not be one of its own threads (it joins them).
  std::weak_ptr<io_runtime> runtime_;
  std::shared_ptr<const connection_options> options_;  // the client's: one copy for every attempt
  codec_actor owner_;
  data_handler on_data_;
  std::shared_ptr<inline_gate> inline_reports_;  // the codec's, when it runs on the I/O thread
  asio::strand<asio::io_context::executor_type> strand_;
  tcp::resolver resolver_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  std::shared_ptr<ssl::context> context_;
  int tls_fd_ = -1;  // what the socket BIO reads and writes; -1 once the socket is closed
  struct ssl_free {
    void operator()(SSL* s) const noexcept { SSL_free(s); }
  };
  std::unique_ptr<SSL, ssl_free> ssl_;
  std::vector<std::uint8_t> tls_out_;
  std::size_t tls_written_ = 0;
  bool write_waits_for_read_ = false;
  // write() meets the strand here. While the strand owns writing (bytes queued for it, in flight, or waiting
  // for the connection), new bytes queue behind; otherwise they may go straight to direct_fd_.
  std::mutex write_mutex_;
  buffer_batch queued_;         // with write_mutex_: for the strand to take
  bool strand_writes_ = false;  // with write_mutex_
  int direct_fd_ = -1;          // with write_mutex_: a plain TCP socket that is up and not shut down
  bool writes_ended_ = false;   // with write_mutex_: shut down or aborted, write() takes nothing more
  buffer_batch pending_;
  buffer_batch in_flight_;
  std::vector<asio::const_buffer> gather_;
  bool up_ = false;
  bool coalescing_ = false;  // the socket's low-water mark is raised: reads follow the timer
  bool writing_ = false;
  bool timed_out_ = false;
  bool shutdown_requested_ = false;
  bool closed_ = false;
  bool reported_ = false;
  bool holds_connect_slot_ = false;
};

}  // namespace

std::shared_ptr<transport> make_transport(std::shared_ptr<io_runtime> runtime,
                                          std::shared_ptr<const connection_options> options,
                                          codec_actor owner, data_handler on_data,
                                          std::shared_ptr<inline_gate> inline_reports) {
  return std::make_shared<asio_transport>(runtime, std::move(options), std::move(owner), std::move(on_data),
                                          std::move(inline_reports));
}

}  // namespace iotactor::detail
