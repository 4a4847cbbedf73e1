// Runs mosquitto as a child process: config file, free port, readiness by connecting, SIGTERM to stop.
#include "support/mosquitto_fixture.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <netinet/in.h>
#include <pwd.h>
#include <sstream>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <system_error>
#include <thread>
#include <unistd.h>

#include "support/certificate_factory.hpp"

namespace iotactor::testing {

namespace {

using std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto start_deadline = 10s;
constexpr auto stop_deadline = 10s;
constexpr auto poll_interval = 10ms;  // of the bounded polling loops, not a wait for anything in itself
constexpr int port_attempts = 5;

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), "mosquitto_broker: " + what);
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

/// A port the kernel just called free. Another process may take it before mosquitto binds it: launch()
/// notices that and the constructor asks again.
std::uint16_t pick_free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw_errno("socket");
  auto addr = loopback(0);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    int e = errno;
    ::close(fd);
    throw std::system_error(e, std::generic_category(), "mosquitto_broker: bind 127.0.0.1:0");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool accepts_connections(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw_errno("socket");
  auto addr = loopback(port);
  // On loopback a refused connect fails at once, so this blocking connect does not stall the poll.
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

std::string read_file_from(const std::string& path, std::size_t offset) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  in.seekg(static_cast<std::streamoff>(offset));
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::size_t file_size(const std::string& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<std::size_t>(size);
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by signal ") + ::strsignal(WTERMSIG(status));
  return "stopped";
}

std::string mosquitto_executable() {
  const char* path = std::getenv("IOTACTOR_MOSQUITTO");
  return path != nullptr && *path != '\0' ? path : "/usr/sbin/mosquitto";
}

}  // namespace

mosquitto_broker::mosquitto_broker(broker_options options) : options_(std::move(options)) {
  if (options_.require_client_certificate || options_.expired_server_certificate) options_.tls = true;
  if (options_.tls && options_.certs == nullptr)
    throw std::invalid_argument("mosquitto_broker: TLS needs broker_options::certs");

  std::string dir_template = "/tmp/iotactor-mosquitto-XXXXXX";
  if (::mkdtemp(dir_template.data()) == nullptr) throw_errno("mkdtemp");
  directory_ = dir_template;
  config_path_ = directory_ + "/mosquitto.conf";
  log_path_ = directory_ + "/mosquitto.log";

  // The destructor does not run when the constructor throws: clean up here.
  try {
    for (int attempt = 1;; ++attempt) {
      port_ = pick_free_port();
      write_config();
      if (launch() == launch_result::ready) return;
      if (attempt == port_attempts)
        throw std::runtime_error("mosquitto_broker: every port tried was taken before mosquitto bound it\n" +
                                 log());
    }
  } catch (...) {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
    throw;
  }
}

mosquitto_broker::~mosquitto_broker() {
  stop();
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

void mosquitto_broker::write_config() const {
  std::ostringstream conf;
  conf << "# Written by iotactor::testing::mosquitto_broker.\n";
  // As root mosquitto would switch to the user "mosquitto", which can read neither this directory nor the
  // keys; naming the current user keeps it as it is (and means nothing to a non-root mosquitto).
  if (const passwd* pw = ::getpwuid(::geteuid()); pw != nullptr) conf << "user " << pw->pw_name << "\n";
  // The fixture captures stderr into the log file, which also catches errors from before logging starts.
  conf << "log_dest stderr\n"
       << "log_type all\n"
       << "log_timestamp_format %H:%M:%S\n";
  if (options_.persistence) {
    conf << "persistence true\n"
         << "persistence_location " << directory_ << "/\n"
         << "persistence_file mosquitto.db\n";
  }
  conf << "allow_anonymous true\n"
       << "listener " << port_ << " 127.0.0.1\n";
  if (options_.tls) {
    const auto& server =
        options_.expired_server_certificate ? options_.certs->expired_server() : options_.certs->server();
    conf << "cafile " << options_.certs->ca().certificate_path << "\n"
         << "certfile " << server.certificate_path << "\n"
         << "keyfile " << server.key_path << "\n"
         << "require_certificate " << (options_.require_client_certificate ? "true" : "false") << "\n";
  }
  for (const auto& line : options_.extra_config_lines) conf << line << "\n";

  std::ofstream out(config_path_, std::ios::trunc);
  out << conf.str();
  out.close();
  if (!out) throw std::runtime_error("mosquitto_broker: cannot write " + config_path_);
}

void mosquitto_broker::start() {
  if (running()) return;
  if (launch() == launch_result::port_taken)
    throw std::runtime_error("mosquitto_broker: port " + std::to_string(port_) +
                             " is taken, mosquitto could not start again on it\n" + log());
}

mosquitto_broker::launch_result mosquitto_broker::launch() {
  const std::size_t log_offset = file_size(log_path_);
  // Built before fork: the child may not allocate.
  std::string executable = mosquitto_executable();
  std::string dash_c = "-c";
  std::string config = config_path_;
  char* argv[] = {executable.data(), dash_c.data(), config.data(), nullptr};

  int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw_errno("open " + log_path_);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) {
    int e = errno;
    ::close(log_fd);
    throw std::system_error(e, std::generic_category(), "mosquitto_broker: open /dev/null");
  }

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Child of a possibly multi-threaded process: async-signal-safe calls only until exec.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl took effect
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // a thread may block SIGTERM; mosquitto must not
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    // Test sockets without CLOEXEC must not live on in the broker, or closing them would not close them.
    ::close_range(3, ~0U, 0);
    ::execv(argv[0], argv);
    constexpr char message[] = "mosquitto_broker: execv failed\n";
    [[maybe_unused]] auto ignored = ::write(STDERR_FILENO, message, sizeof message - 1);
    ::_exit(127);
  }
  int fork_errno = errno;
  ::close(log_fd);
  ::close(null_fd);
  if (pid < 0) throw std::system_error(fork_errno, std::generic_category(), "mosquitto_broker: fork");
  pid_ = pid;

  const auto deadline = steady_clock::now() + start_deadline;
  for (;;) {
    int status = 0;
    pid_t waited = ::waitpid(pid_, &status, WNOHANG);
    if (waited == pid_ || (waited < 0 && errno == ECHILD)) {
      pid_ = -1;
      auto this_run = read_file_from(log_path_, log_offset);
      if (this_run.find("Address already in use") != std::string::npos) return launch_result::port_taken;
      throw std::runtime_error("mosquitto_broker: mosquitto " +
                               (waited == pid ? describe_status(status) : std::string("vanished")) +
                               " while starting on port " + std::to_string(port_) + "\n" + log());
    }
    // A connection alone could reach another process that took the port first; the "running" line says
    // mosquitto has bound and listens.
    if (read_file_from(log_path_, log_offset).find(" running") != std::string::npos &&
        accepts_connections(port_))
      return launch_result::ready;
    if (steady_clock::now() >= deadline) {
      stop();
      throw std::runtime_error("mosquitto_broker: mosquitto did not accept connections on port " +
                               std::to_string(port_) + " within 10 s\n" + log());
    }
    std::this_thread::sleep_for(poll_interval);
  }
}

void mosquitto_broker::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  const auto deadline = steady_clock::now() + stop_deadline;
  for (;;) {
    int status = 0;
    pid_t waited = ::waitpid(pid_, &status, WNOHANG);
    if (waited == pid_ || (waited < 0 && errno != EINTR)) break;
    if (steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    std::this_thread::sleep_for(poll_interval);
  }
  pid_ = -1;
}

std::string mosquitto_broker::log() const {
  return read_file_from(log_path_, 0);
}

}  // namespace iotactor::testing
