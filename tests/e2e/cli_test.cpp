// End-to-end tests of the `iotactor` command line: the real program against a real mosquitto, its output
// read through pipes and its JSON parsed with RapidJSON.
#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <memory>
#include <netinet/in.h>
#include <optional>
#include <poll.h>
#include <set>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "support/certificate_factory.hpp"
#include "support/mosquitto_fixture.hpp"

extern char** environ;

namespace {

using iotactor::testing::broker_options;
using iotactor::testing::certificate_factory;
using iotactor::testing::mosquitto_broker;
using clock_type = std::chrono::steady_clock;

const std::string cli_path = IOTACTOR_CLI;
const std::string mosquitto_pub_path = "/usr/bin/mosquitto_pub";
constexpr std::chrono::seconds process_deadline{15};
const std::string subscribed_line = "iotactor sub: subscribed to";

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

/// How a child process ended, with everything it wrote.
struct outcome {
  int exit_code = -1;  // -1 when it did not exit normally
  int signal = 0;
  bool killed_at_deadline = false;
  std::string out;
  std::string err;

  std::vector<std::string> out_lines() const { return split_lines(out); }
  std::vector<std::string> err_lines() const { return split_lines(err); }
};

std::ostream& operator<<(std::ostream& os, const outcome& o) {
  os << "exit " << o.exit_code;
  if (o.signal != 0) os << ", signal " << o.signal;
  if (o.killed_at_deadline) os << ", killed at the deadline";
  return os << "\n--- stdout:\n" << o.out << "\n--- stderr:\n" << o.err << "\n---";
}

/// One child process with its stdout and stderr on pipes (and stdin on a pipe when given data, else
/// /dev/null). Reads with poll() against a deadline; kills the child when the deadline passes.
class process {
 public:
  explicit process(const std::vector<std::string>& args, const std::optional<std::string>& input = {})
      : deadline_(clock_type::now() + process_deadline) {
    std::signal(SIGPIPE, SIG_IGN);  // a child that exits early must not kill the test while we write
    int out[2];
    int err[2];
    int in[2] = {-1, -1};
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0 ||
        (input && ::pipe2(in, O_CLOEXEC) != 0))
      throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (input)
      posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    else
      posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);

    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
    // A sanitized program stops at the first report, so a report cannot pass unnoticed.
    if (std::getenv("UBSAN_OPTIONS") == nullptr)
      env.emplace_back("UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1");
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::vector<std::string> argv_storage = args;
    std::vector<char*> argv;
    for (auto& a : argv_storage) argv.push_back(a.data());
    argv.push_back(nullptr);

    int rc = ::posix_spawn(&pid_, argv[0], &actions, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    ::close(out[1]);
    ::close(err[1]);
    if (input) ::close(in[0]);
    if (rc != 0) {
      ::close(out[0]);
      ::close(err[0]);
      if (input) ::close(in[1]);
      throw std::runtime_error("posix_spawn " + args[0] + ": " + std::strerror(rc));
    }
    out_fd_ = out[0];
    err_fd_ = err[0];
    if (input) {
      // Small inputs only (below the pipe's capacity): written at once, then EOF.
      std::size_t done = 0;
      while (done < input->size()) {
        auto n = ::write(in[1], input->data() + done, input->size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
      }
      ::close(in[1]);
    }
  }

  ~process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    close_fds();
  }

  process(const process&) = delete;
  process& operator=(const process&) = delete;

  /// Reads until `done` holds, both pipes are at EOF, or the deadline; returns whether `done` held.
  bool read_until(const std::function<bool()>& done) {
    while (!done()) {
      if (out_fd_ < 0 && err_fd_ < 0) return false;
      if (!read_some()) return false;
    }
    return true;
  }

  /// Waits for a whole stderr line containing `text` (e.g. the subscriber's "subscribed" line).
  bool wait_for_stderr(const std::string& text) {
    return read_until([&] {
      auto at = err_.find(text);
      return at != std::string::npos && err_.find('\n', at) != std::string::npos;
    });
  }

  /// Reads to EOF and reaps the child; kills it when the deadline passes first.
  outcome finish() {
    outcome o;
    while (out_fd_ >= 0 || err_fd_ >= 0) {
      if (!read_some()) {
        ::kill(pid_, SIGKILL);
        o.killed_at_deadline = true;
        break;
      }
    }
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    close_fds();
    if (WIFEXITED(status)) o.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) o.signal = WTERMSIG(status);
    o.out = out_;
    o.err = err_;
    return o;
  }

  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

 private:
  /// One poll() and the reads it allows; false when the deadline passed.
  bool read_some() {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - clock_type::now());
    if (left.count() <= 0) return false;
    pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};  // negative fds are ignored
    int n = ::poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno != EINTR) throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
    if (n <= 0) return clock_type::now() < deadline_;
    drain(fds[0], out_fd_, out_);
    drain(fds[1], err_fd_, err_);
    return true;
  }

  static void drain(const pollfd& p, int& fd, std::string& into) {
    if (fd < 0 || (p.revents & (POLLIN | POLLHUP | POLLERR)) == 0) return;
    char buffer[4096];
    auto n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      into.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      ::close(fd);
      fd = -1;
    }
  }

  void close_fds() {
    if (out_fd_ >= 0) ::close(out_fd_);
    if (err_fd_ >= 0) ::close(err_fd_);
    out_fd_ = err_fd_ = -1;
  }

  clock_type::time_point deadline_;
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_;
  std::string err_;
};

/// The groups one after the other: keeps long command lines readable, one option (and its values) a group.
std::vector<std::string> concat(std::initializer_list<std::vector<std::string>> groups) {
  std::vector<std::string> out;
  for (const auto& g : groups) out.insert(out.end(), g.begin(), g.end());
  return out;
}

outcome run(const std::vector<std::string>& args, const std::optional<std::string>& input = {}) {
  return process(args, input).finish();
}

/// `iotactor <command> --endpoint <host> --port <port> <more...>`.
std::vector<std::string> cli(const std::string& command, const std::string& host, std::uint16_t port,
                             std::vector<std::string> more) {
  std::vector<std::string> args = {cli_path, command, "--endpoint", host, "--port", std::to_string(port)};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

std::vector<std::string> cli(const std::string& command, const mosquitto_broker& broker,
                             std::vector<std::string> more) {
  return cli(command, broker.host(), broker.port(), std::move(more));
}

/// Starts `iotactor sub` and waits until it reports its SUBACK; the test asserts started() afterwards.
struct subscriber {
  explicit subscriber(std::vector<std::string> args) : p(std::make_unique<process>(args)) {
    ready = p->wait_for_stderr(subscribed_line);
  }

  ::testing::AssertionResult started() const {
    if (ready) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "the subscriber did not report its subscription\n--- stdout:\n"
                                         << p->out() << "\n--- stderr:\n"
                                         << p->err();
  }

  outcome finish() { return p->finish(); }

  std::unique_ptr<process> p;
  bool ready = false;
};

// --- JSON

rapidjson::Document parse_json(const std::string& line) {
  rapidjson::Document d;
  d.Parse(line.c_str());
  return d;
}

std::set<std::string> keys(const rapidjson::Value& object) {
  std::set<std::string> out;
  if (!object.IsObject()) return out;
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) out.emplace(it->name.GetString());
  return out;
}

/// The member as JSON text ("\"x\"", "1", "[[\"a\",\"1\"]]"), or "<absent>".
std::string member(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject() || !object.HasMember(name)) return "<absent>";
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  object[name].Accept(w);
  return buffer.GetString();
}

/// The single JSON line of a subscriber that was asked for one message, parsed; a failure when it is not.
::testing::AssertionResult one_json_object(const outcome& o, rapidjson::Document& d) {
  auto lines = o.out_lines();
  if (o.exit_code != 0 || lines.size() != 1)
    return ::testing::AssertionFailure() << "expected exit 0 and one line: " << o;
  d = parse_json(lines[0]);
  if (d.HasParseError() || !d.IsObject())
    return ::testing::AssertionFailure() << "not a JSON object: " << lines[0];
  return ::testing::AssertionSuccess();
}

using key_set = std::set<std::string>;

// --- helpers

/// A TCP port on 127.0.0.1 that is bound but not listening, so connecting to it is refused.
class refused_port {
 public:
  refused_port() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::runtime_error(std::string("refused_port: ") + std::strerror(errno));
    port_ = ntohs(a.sin_port);
  }
  ~refused_port() { ::close(fd_); }
  refused_port(const refused_port&) = delete;
  refused_port& operator=(const refused_port&) = delete;

  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

std::string write_temp_file(const std::string& bytes) {
  std::string path = ::testing::TempDir() + "iotactor_cli_test_XXXXXX";
  int fd = ::mkstemp(path.data());
  if (fd < 0) throw std::runtime_error(std::string("mkstemp: ") + std::strerror(errno));
  ::close(fd);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  return path;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// Exit 1 with exactly one stderr line "iotactor <command>: ..." and nothing on stdout.
::testing::AssertionResult failed_with_one_line(const outcome& o, const std::string& command) {
  auto lines = o.err_lines();
  if (o.exit_code != 1 || lines.size() != 1 || lines[0].rfind("iotactor " + command + ": ", 0) != 0 ||
      !o.out.empty())
    return ::testing::AssertionFailure()
           << "expected exit 1 and one line \"iotactor " << command << ": <reason>\": " << o;
  return ::testing::AssertionSuccess();
}

class cli_test : public ::testing::Test {
 protected:
  mosquitto_broker broker_;
};

// --- 1. MQTT 5 properties from `iotactor pub`

TEST_F(cli_test, sub_json_shows_every_property_sent_by_iotactor_pub) {
  subscriber sub(cli("sub", broker_,
                     {"--topic", "cli/props/+", "--qos", "1", "--format", "json", "--subscription-id", "42",
                      "--count", "1", "--timeout", "10"}));
  ASSERT_TRUE(sub.started());
  auto pub = run(cli("pub", broker_,
                     concat({{"--topic", "cli/props/one", "--message", "hello properties", "--qos", "1"},
                             {"--user-property", "a=1"},
                             {"--user-property", "a=2"},
                             {"--content-type", "text/plain"},
                             {"--response-topic", "cli/reply"},
                             {"--correlation-data", "c0ffee00"},
                             {"--message-expiry", "300"},
                             {"--payload-format", "utf8"}})));
  EXPECT_EQ(pub.exit_code, 0) << pub;
  EXPECT_TRUE(contains(pub.err, "iotactor pub: published 1 message(s)")) << pub;

  auto o = sub.finish();
  rapidjson::Document d;
  ASSERT_TRUE(one_json_object(o, d));
  EXPECT_EQ(keys(d), (key_set{"topic", "payload", "qos", "retain", "user_properties", "content_type",
                              "response_topic", "correlation_data", "message_expiry_interval",
                              "payload_format_indicator", "subscription_identifiers"}));
  EXPECT_EQ(member(d, "topic"), R"("cli/props/one")");
  EXPECT_EQ(member(d, "payload"), R"("hello properties")");
  EXPECT_EQ(member(d, "qos"), "1");
  EXPECT_EQ(member(d, "retain"), "false");
  EXPECT_EQ(member(d, "user_properties"), R"([["a","1"],["a","2"]])");
  EXPECT_EQ(member(d, "content_type"), R"("text/plain")");
  EXPECT_EQ(member(d, "response_topic"), R"("cli/reply")");
  EXPECT_EQ(member(d, "correlation_data"), R"("c0ffee00")");
  ASSERT_TRUE(d.HasMember("message_expiry_interval") && d["message_expiry_interval"].IsUint());
  EXPECT_LE(d["message_expiry_interval"].GetUint(), 300U);
  EXPECT_GE(d["message_expiry_interval"].GetUint(), 298U);
  EXPECT_EQ(member(d, "payload_format_indicator"), "1");
  EXPECT_EQ(member(d, "subscription_identifiers"), "[42]");
}

TEST_F(cli_test, correlation_data_in_upper_case_hex_is_shown_in_lower_case) {
  subscriber sub(cli("sub", broker_, {"--topic", "cli/hex", "--format", "json", "--count", "1"}));
  ASSERT_TRUE(sub.started());
  auto pub =
      run(cli("pub", broker_,
              {"--topic", "cli/hex", "--qos", "1", "--message", "x", "--correlation-data", "DEADbeef"}));
  EXPECT_EQ(pub.exit_code, 0) << pub;
  auto o = sub.finish();
  rapidjson::Document d;
  ASSERT_TRUE(one_json_object(o, d));
  EXPECT_EQ(member(d, "correlation_data"), R"("deadbeef")");
  EXPECT_EQ(keys(d), (key_set{"topic", "payload", "qos", "retain", "correlation_data"}));
}

TEST_F(cli_test, pub_rejects_correlation_data_that_is_not_hex) {
  auto pub = run(cli("pub", broker_, {"--topic", "cli/hex", "--message", "x", "--correlation-data", "abc"}));
  EXPECT_TRUE(failed_with_one_line(pub, "pub"));
  EXPECT_TRUE(contains(pub.err, "--correlation-data")) << pub;
}

TEST(cli_errors, pub_rejects_a_user_property_that_is_not_key_value) {
  auto pub =
      run({cli_path, "pub", "--port", "1", "--topic", "t", "--message", "x", "--user-property", "novalue"});
  EXPECT_TRUE(failed_with_one_line(pub, "pub"));
  EXPECT_TRUE(contains(pub.err, "\"novalue\" is not key=value")) << pub;
}

TEST_F(cli_test, sub_without_subscription_id_shows_no_subscription_identifiers) {
  // The client library numbers subscriptions itself for routing; those identifiers are not the user's.
  subscriber sub(
      cli("sub", broker_, {"--topic", "cli/no-id", "--qos", "1", "--format", "json", "--count", "1"}));
  ASSERT_TRUE(sub.started());
  auto pub = run(cli("pub", broker_, {"--topic", "cli/no-id", "--qos", "1", "--message", "plain"}));
  EXPECT_EQ(pub.exit_code, 0) << pub;
  auto o = sub.finish();
  rapidjson::Document d;
  ASSERT_TRUE(one_json_object(o, d));
  EXPECT_EQ(keys(d), (key_set{"topic", "payload", "qos", "retain"})) << o.out;
}

// --- The end of `iotactor pub`: what it reports as published has been sent, and it says goodbye.

TEST_F(cli_test, every_qos0_message_reported_as_published_arrives) {
  // One run of `pub --file <300 kB> --count 3`, then ten runs of `pub --message --count 20`, all at QoS 0:
  // every message that pub reports as published must arrive.
  const std::string big(300'000, 'b');
  const std::string path = write_temp_file(big);
  constexpr int big_count = 3;
  constexpr int runs = 10;
  constexpr int per_run = 20;
  constexpr int total = big_count + runs * per_run;
  // The subscriber ends as soon as it has every message; the timeout only bounds a failing run. Eleven pub
  // processes under ASan on a slow machine took more than the 3 s it had before (the harness kills at 15 s).
  subscriber sub(
      cli("sub", broker_, {"--topic", "cli/qos0", "--count", std::to_string(total), "--timeout", "10"}));
  ASSERT_TRUE(sub.started());
  auto pub =
      run(cli("pub", broker_, {"--topic", "cli/qos0", "--file", path, "--count", std::to_string(big_count)}));
  std::remove(path.c_str());
  EXPECT_EQ(pub.exit_code, 0) << pub;
  EXPECT_TRUE(contains(pub.err, "iotactor pub: published 3 message(s)")) << pub;
  for (int i = 0; i < runs; ++i) {
    pub = run(cli("pub", broker_,
                  {"--topic", "cli/qos0", "--message", "small", "--count", std::to_string(per_run)}));
    EXPECT_EQ(pub.exit_code, 0) << pub;
    EXPECT_TRUE(contains(pub.err, "iotactor pub: published 20 message(s)")) << pub;
  }
  auto o = sub.finish();
  int bigs = 0;
  int smalls = 0;
  int others = 0;
  for (const auto& line : o.out_lines()) {
    if (line == "cli/qos0 " + big)
      ++bigs;
    else if (line == "cli/qos0 small")
      ++smalls;
    else
      ++others;
  }
  EXPECT_EQ(o.exit_code, 0) << "stderr: " << o.err;
  EXPECT_EQ(bigs, big_count);
  EXPECT_EQ(smalls, runs * per_run);
  EXPECT_EQ(others, 0);
}

TEST_F(cli_test, pub_sends_disconnect_before_it_exits) {
  // Five runs, each with its own client id; mosquitto logs "Client <id> disconnected." after a DISCONNECT,
  // "Client <id> closed its connection." without one: wait (with a deadline) for either, then look for the
  // DISCONNECT.
  for (int i = 0; i < 5; ++i) {
    const std::string id = "cli-e2e-goodbye-" + std::to_string(i);
    auto pub =
        run(cli("pub", broker_, {"--client-id", id, "--topic", "cli/bye", "--qos", "1", "--message", "m"}));
    EXPECT_EQ(pub.exit_code, 0) << pub;
    auto deadline = clock_type::now() + std::chrono::seconds(5);
    std::string log = broker_.log();
    while (!contains(log, "Client " + id + " disconnected") &&
           !contains(log, "Client " + id + " closed its connection") && clock_type::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      log = broker_.log();
    }
    if (!contains(log, "Received DISCONNECT from " + id + "\n")) {
      ADD_FAILURE() << "no DISCONNECT from " << id << " (run " << i + 1 << " of 5); the broker's log:\n"
                    << log;
      break;
    }
  }
}

// --- 2. MQTT 5 properties from mosquitto_pub

TEST_F(cli_test, sub_json_shows_every_property_sent_by_mosquitto_pub) {
  subscriber sub(cli("sub", broker_,
                     {"--topic", "cli/mosquitto", "--qos", "1", "--format", "json", "--subscription-id", "7",
                      "--count", "1"}));
  ASSERT_TRUE(sub.started());
  auto pub = run(concat({{mosquitto_pub_path, "-h", broker_.host(), "-p", std::to_string(broker_.port())},
                         {"-V", "5", "-q", "1", "-t", "cli/mosquitto", "-m", "from mosquitto"},
                         {"-D", "publish", "user-property", "a", "1"},
                         {"-D", "publish", "user-property", "a", "2"},
                         {"-D", "publish", "content-type", "application/json"},
                         {"-D", "publish", "response-topic", "cli/answer"},
                         {"-D", "publish", "correlation-data", "corr-1"},
                         {"-D", "publish", "message-expiry-interval", "120"},
                         {"-D", "publish", "payload-format-indicator", "1"}}));
  EXPECT_EQ(pub.exit_code, 0) << pub;

  auto o = sub.finish();
  rapidjson::Document d;
  ASSERT_TRUE(one_json_object(o, d));
  EXPECT_EQ(keys(d), (key_set{"topic", "payload", "qos", "retain", "user_properties", "content_type",
                              "response_topic", "correlation_data", "message_expiry_interval",
                              "payload_format_indicator", "subscription_identifiers"}));
  EXPECT_EQ(member(d, "topic"), R"("cli/mosquitto")");
  EXPECT_EQ(member(d, "payload"), R"("from mosquitto")");
  EXPECT_EQ(member(d, "qos"), "1");
  EXPECT_EQ(member(d, "retain"), "false");
  EXPECT_EQ(member(d, "user_properties"), R"([["a","1"],["a","2"]])");
  EXPECT_EQ(member(d, "content_type"), R"("application/json")");
  EXPECT_EQ(member(d, "response_topic"), R"("cli/answer")");
  EXPECT_EQ(member(d, "correlation_data"), R"("636f72722d31")");  // "corr-1"
  ASSERT_TRUE(d.HasMember("message_expiry_interval") && d["message_expiry_interval"].IsUint());
  EXPECT_LE(d["message_expiry_interval"].GetUint(), 120U);
  EXPECT_GE(d["message_expiry_interval"].GetUint(), 118U);
  EXPECT_EQ(member(d, "payload_format_indicator"), "1");
  EXPECT_EQ(member(d, "subscription_identifiers"), "[7]");
}

// --- 3. Payloads that are not UTF-8

TEST_F(cli_test, a_payload_that_is_not_utf8_is_shown_as_base64) {
  const std::string path = write_temp_file(std::string("\x00\xff\x10", 3));
  subscriber sub(cli("sub", broker_, {"--topic", "cli/bytes", "--format", "json", "--count", "1"}));
  ASSERT_TRUE(sub.started());
  auto pub = run(cli("pub", broker_, {"--topic", "cli/bytes", "--qos", "1", "--file", path}));
  std::remove(path.c_str());
  EXPECT_EQ(pub.exit_code, 0) << pub;

  auto o = sub.finish();
  rapidjson::Document d;
  ASSERT_TRUE(one_json_object(o, d));
  EXPECT_EQ(keys(d), (key_set{"topic", "payload_base64", "qos", "retain"}));
  EXPECT_EQ(member(d, "payload_base64"), R"("AP8Q")");
  EXPECT_EQ(member(d, "payload"), "<absent>");
  EXPECT_EQ(member(d, "qos"), "0");
}

// --- 4. Several messages, text format

TEST_F(cli_test, pub_stdin_lines_sends_each_line_and_sub_prints_topic_and_payload) {
  subscriber sub(cli("sub", broker_, {"--topic", "cli/lines", "--qos", "1", "--count", "3"}));
  ASSERT_TRUE(sub.started());
  auto pub = run(cli("pub", broker_, {"--topic", "cli/lines", "--qos", "1", "--stdin-lines"}),
                 std::string("first line\nsecond\nthird one\n"));
  EXPECT_EQ(pub.exit_code, 0) << pub;
  EXPECT_TRUE(contains(pub.err, "iotactor pub: published 3 message(s)")) << pub;

  auto o = sub.finish();
  EXPECT_EQ(o.exit_code, 0) << o;
  EXPECT_EQ(o.out, "cli/lines first line\ncli/lines second\ncli/lines third one\n") << o;
}

TEST_F(cli_test, pub_count_sends_the_message_that_many_times_and_sub_count_stops_after_that_many) {
  subscriber three(cli("sub", broker_,
                       {"--topic", "cli/count", "--topic", "cli/elsewhere/#", "--qos", "1", "--count", "3"}));
  subscriber two(cli("sub", broker_, {"--topic", "cli/count", "--qos", "1", "-C", "2"}));
  ASSERT_TRUE(three.started());
  ASSERT_TRUE(two.started());
  EXPECT_TRUE(contains(three.p->err(), "iotactor sub: subscribed to 2 filter(s)")) << three.p->err();
  auto pub =
      run(cli("pub", broker_, {"--topic", "cli/count", "--qos", "1", "--message", "again", "--count", "3"}));
  EXPECT_EQ(pub.exit_code, 0) << pub;
  EXPECT_TRUE(contains(pub.err, "iotactor pub: published 3 message(s)")) << pub;

  auto o3 = three.finish();
  EXPECT_EQ(o3.exit_code, 0) << o3;
  EXPECT_EQ(o3.out, "cli/count again\ncli/count again\ncli/count again\n") << o3;
  auto o2 = two.finish();
  EXPECT_EQ(o2.exit_code, 0) << o2;
  EXPECT_EQ(o2.out, "cli/count again\ncli/count again\n") << o2;
}

// --- 5. QoS 2 and retained messages

TEST_F(cli_test, qos2_round_trip) {
  subscriber sub(
      cli("sub", broker_, {"--topic", "cli/q2", "--qos", "2", "--format", "json", "--count", "1"}));
  ASSERT_TRUE(sub.started());
  auto pub = run(cli("pub", broker_, {"--topic", "cli/q2", "--qos", "2", "--message", "exactly once"}));
  EXPECT_EQ(pub.exit_code, 0) << pub;
  EXPECT_TRUE(contains(pub.err, "iotactor pub: published 1 message(s)")) << pub;

  auto o = sub.finish();
  rapidjson::Document d;
  ASSERT_TRUE(one_json_object(o, d));
  EXPECT_EQ(keys(d), (key_set{"topic", "payload", "qos", "retain"}));
  EXPECT_EQ(member(d, "payload"), R"("exactly once")");
  EXPECT_EQ(member(d, "qos"), "2");
  EXPECT_EQ(member(d, "retain"), "false");
}

TEST_F(cli_test, retained_message_reaches_later_subscribers_unless_retain_handling_2) {
  // Live subscribers: retain is kept only with --retain-as-published.
  subscriber as_published(cli("sub", broker_,
                              {"--topic", "cli/retained", "--qos", "1", "--format", "json", "--count", "1",
                               "--retain-as-published"}));
  subscriber plain(
      cli("sub", broker_, {"--topic", "cli/retained", "--qos", "1", "--format", "json", "--count", "1"}));
  ASSERT_TRUE(as_published.started());
  ASSERT_TRUE(plain.started());
  auto pub =
      run(cli("pub", broker_, {"--topic", "cli/retained", "--qos", "1", "--retain", "--message", "kept"}));
  ASSERT_EQ(pub.exit_code, 0) << pub;
  rapidjson::Document d;
  auto o = as_published.finish();
  ASSERT_TRUE(one_json_object(o, d));
  EXPECT_EQ(member(d, "payload"), R"("kept")");
  EXPECT_EQ(member(d, "retain"), "true");
  o = plain.finish();
  ASSERT_TRUE(one_json_object(o, d));
  EXPECT_EQ(member(d, "payload"), R"("kept")");
  EXPECT_EQ(member(d, "retain"), "false");

  // A later subscriber gets the retained message with the retain flag.
  o = run(
      cli("sub", broker_,
          {"--topic", "cli/retained", "--qos", "1", "--format", "json", "--count", "1", "--timeout", "10"}));
  ASSERT_TRUE(one_json_object(o, d));
  EXPECT_EQ(keys(d), (key_set{"topic", "payload", "qos", "retain"}));
  EXPECT_EQ(member(d, "topic"), R"("cli/retained")");
  EXPECT_EQ(member(d, "payload"), R"("kept")");
  EXPECT_EQ(member(d, "qos"), "1");
  EXPECT_EQ(member(d, "retain"), "true");

  // Retain handling 1: a new subscription still gets it.
  o = run(cli("sub", broker_,
              {"--topic", "cli/retained", "--format", "json", "--count", "1", "--timeout", "10",
               "--retain-handling", "1"}));
  ASSERT_TRUE(one_json_object(o, d));
  EXPECT_EQ(member(d, "retain"), "true");

  // Retain handling 2: never.
  o = run(cli("sub", broker_,
              {"--topic", "cli/retained", "--count", "1", "--timeout", "1", "--retain-handling", "2"}));
  EXPECT_TRUE(contains(o.err, subscribed_line)) << o;
  EXPECT_EQ(o.exit_code, 1) << o;
  EXPECT_EQ(o.out, "") << o;
  EXPECT_TRUE(contains(o.err, "iotactor sub: timeout: received 0 of 1")) << o;
}

// --- 6. Errors

TEST(cli_errors, pub_to_a_port_without_broker_reports_connection_refused) {
  refused_port port;
  auto o = run(cli("pub", "127.0.0.1", port.port(), {"--topic", "t", "--message", "m"}));
  EXPECT_TRUE(failed_with_one_line(o, "pub"));
  EXPECT_TRUE(contains(o.err, "connection refused")) << o;
}

TEST(cli_errors, sub_to_a_port_without_broker_reports_connection_refused) {
  refused_port port;
  auto o = run(cli("sub", "127.0.0.1", port.port(), {"--topic", "t"}));
  EXPECT_TRUE(failed_with_one_line(o, "sub"));
  EXPECT_TRUE(contains(o.err, "connection refused")) << o;
}

TEST_F(cli_test, sub_with_an_invalid_filter_names_it) {
  auto o = run(cli("sub", broker_, {"--topic", "ok/#", "--topic", "a/+b", "--count", "1", "--timeout", "5"}));
  EXPECT_TRUE(failed_with_one_line(o, "sub"));
  EXPECT_TRUE(contains(o.err, "a/+b")) << o;
}

TEST_F(cli_test, pub_of_an_mqtt5_property_over_3_1_1_fails_naming_the_version) {
  auto o = run(
      cli("pub", broker_,
          {"--topic", "cli/v311", "--message", "m", "--protocol", "3.1.1", "--content-type", "text/plain"}));
  EXPECT_TRUE(failed_with_one_line(o, "pub"));
  EXPECT_TRUE(contains(o.err, "3.1.1")) << o;
}

TEST(cli_errors, missing_topic_is_a_usage_error) {
  auto pub = run({cli_path, "pub", "--port", "1", "--message", "m"});
  EXPECT_EQ(pub.exit_code, 2) << pub;
  EXPECT_TRUE(contains(pub.err, "--topic")) << pub;
  auto sub = run({cli_path, "sub", "--port", "1"});
  EXPECT_EQ(sub.exit_code, 2) << sub;
  EXPECT_TRUE(contains(sub.err, "--topic")) << sub;
}

TEST(cli_errors, pub_without_a_message_is_a_usage_error) {
  auto o = run({cli_path, "pub", "--port", "1", "--topic", "t"});
  EXPECT_EQ(o.exit_code, 2) << o;
  EXPECT_TRUE(contains(o.err, "--message")) << o;
}

TEST(cli_errors, bad_option_values_are_usage_errors) {
  auto qos = run({cli_path, "pub", "--port", "1", "--topic", "t", "--message", "m", "--qos", "3"});
  EXPECT_EQ(qos.exit_code, 2) << qos;
  auto both = run({cli_path, "pub", "--port", "1", "--topic", "t", "--message", "m", "--stdin-lines"});
  EXPECT_EQ(both.exit_code, 2) << both;
  auto format = run({cli_path, "sub", "--port", "1", "--topic", "t", "--format", "xml"});
  EXPECT_EQ(format.exit_code, 2) << format;
}

TEST_F(cli_test, sub_timeout_without_messages_fails) {
  auto o = run(cli("sub", broker_, {"--topic", "cli/silence", "--timeout", "1", "--count", "5"}));
  EXPECT_EQ(o.exit_code, 1) << o;
  EXPECT_EQ(o.out, "") << o;
  auto lines = o.err_lines();
  ASSERT_FALSE(lines.empty()) << o;
  EXPECT_EQ(lines.back().rfind("iotactor sub: timeout: received 0 of 5", 0), 0U) << o;
}

// --- 7. TLS

broker_options tls_options(const certificate_factory& certs, bool mutual) {
  broker_options o;
  o.tls = true;
  o.require_client_certificate = mutual;
  o.certs = &certs;
  return o;
}

TEST(cli_tls, pub_and_sub_trust_the_broker_with_ca_file) {
  certificate_factory certs;
  mosquitto_broker broker(tls_options(certs, false));
  const auto& ca = certs.ca().certificate_path;
  subscriber sub(cli("sub", "localhost", broker.port(),
                     {"--ca-file", ca, "--topic", "cli/tls", "--qos", "1", "--count", "1"}));
  ASSERT_TRUE(sub.started());
  auto pub = run(cli("pub", "127.0.0.1", broker.port(),
                     {"--ca-file", ca, "--topic", "cli/tls", "--qos", "1", "--message", "secret"}));
  EXPECT_EQ(pub.exit_code, 0) << pub;
  auto o = sub.finish();
  EXPECT_EQ(o.exit_code, 0) << o;
  EXPECT_EQ(o.out, "cli/tls secret\n") << o;
}

TEST(cli_tls, pub_with_an_unrelated_ca_fails_certificate_verification) {
  certificate_factory certs;
  mosquitto_broker broker(tls_options(certs, false));
  auto o =
      run(cli("pub", "localhost", broker.port(),
              {"--ca-file", certs.unrelated_ca().certificate_path, "--topic", "cli/tls", "--message", "m"}));
  EXPECT_TRUE(failed_with_one_line(o, "pub"));
  EXPECT_TRUE(contains(o.err, "certificate verification failed")) << o;
}

TEST(cli_tls, mutual_tls_with_cert_and_key) {
  certificate_factory certs;
  mosquitto_broker broker(tls_options(certs, true));
  const std::vector<std::string> credentials = {"--ca-file", certs.ca().certificate_path,
                                                "--cert",    certs.client().certificate_path,
                                                "--key",     certs.client().key_path};
  std::vector<std::string> sub_args = credentials;
  sub_args.insert(sub_args.end(), {"--topic", "cli/mtls", "--count", "1"});
  subscriber sub(cli("sub", "localhost", broker.port(), sub_args));
  ASSERT_TRUE(sub.started());
  std::vector<std::string> pub_args = credentials;
  pub_args.insert(pub_args.end(), {"--topic", "cli/mtls", "--qos", "1", "--message", "mutual"});
  auto pub = run(cli("pub", "localhost", broker.port(), pub_args));
  EXPECT_EQ(pub.exit_code, 0) << pub;
  auto o = sub.finish();
  EXPECT_EQ(o.exit_code, 0) << o;
  EXPECT_EQ(o.out, "cli/mtls mutual\n") << o;

  // Without a client certificate the broker refuses the connection.
  auto refused =
      run(cli("pub", "localhost", broker.port(),
              {"--ca-file", certs.ca().certificate_path, "--topic", "cli/mtls", "--message", "m"}));
  EXPECT_TRUE(failed_with_one_line(refused, "pub"));
}

// --- 8. MQTT 3.1.1

TEST_F(cli_test, protocol_3_1_1_round_trip_has_no_mqtt5_properties) {
  subscriber sub(
      cli("sub", broker_,
          {"--protocol", "3.1.1", "--topic", "cli/old", "--qos", "1", "--format", "json", "--count", "1"}));
  ASSERT_TRUE(sub.started());
  auto pub = run(
      cli("pub", broker_, {"--protocol", "3.1.1", "--topic", "cli/old", "--qos", "1", "--message", "v4"}));
  EXPECT_EQ(pub.exit_code, 0) << pub;
  auto o = sub.finish();
  rapidjson::Document d;
  ASSERT_TRUE(one_json_object(o, d));
  EXPECT_EQ(keys(d), (key_set{"topic", "payload", "qos", "retain"}));
  EXPECT_EQ(member(d, "topic"), R"("cli/old")");
  EXPECT_EQ(member(d, "payload"), R"("v4")");
  EXPECT_EQ(member(d, "qos"), "1");
  EXPECT_EQ(member(d, "retain"), "false");
}

TEST_F(cli_test, protocol_3_1_1_subscriber_gets_no_properties_from_an_mqtt5_publisher) {
  subscriber sub(cli("sub", broker_,
                     {"--protocol", "3.1.1", "--topic", "cli/mixed", "--format", "json", "--count", "1"}));
  ASSERT_TRUE(sub.started());
  auto pub = run(cli("pub", broker_,
                     {"--topic", "cli/mixed", "--qos", "1", "--message", "m", "--user-property", "k=v",
                      "--content-type", "c", "--message-expiry", "60"}));
  EXPECT_EQ(pub.exit_code, 0) << pub;
  auto o = sub.finish();
  rapidjson::Document d;
  ASSERT_TRUE(one_json_object(o, d));
  EXPECT_EQ(keys(d), (key_set{"topic", "payload", "qos", "retain"}));
}

}  // namespace
