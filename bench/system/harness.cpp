// The workloads P1-P6 over the implementation interface, the clock and CPU readings, and the JSON line.
#include "harness.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <sys/resource.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <CLI/CLI.hpp>

namespace iotactor::bench {

namespace {

using clock_type = std::chrono::steady_clock;

struct options {
  std::string workload;
  endpoint where;
  std::uint64_t n = 1'000'000;
  std::size_t payload = 64;
  std::string topic = "bench/t";
  double rate = 5000;   // P5 messages per second
  double seconds = 10;  // P5 duration
  double stall = 20;    // give up when nothing arrives for this long
};

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto tv = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return tv(u.ru_utime) + tv(u.ru_stime);
}

std::size_t resident_bytes() {
  long pages = 0;
  long resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<std::size_t>(resident) * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

/// CPU time of each thread of the process (ns, from /proc/self/task/*/schedstat: the first field) with its
/// name, and how often it ran (the third field: a thread that blocks runs again once per wake).
struct thread_use {
  std::string name;
  std::uint64_t ns = 0;
  std::uint64_t runs = 0;
};

std::map<int, thread_use> thread_cpu() {
  std::map<int, thread_use> out;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    int tid = std::atoi(task.path().filename().c_str());
    std::ifstream stat(task.path() / "schedstat");
    std::ifstream comm(task.path() / "comm");
    thread_use use;
    std::uint64_t waited = 0;
    if (!(stat >> use.ns >> waited >> use.runs) || !std::getline(comm, use.name)) continue;
    out[tid] = use;
  }
  return out;
}

double since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now().time_since_epoch()).count());
}

/// Counts deliveries; waiters wake when the target is reached or when nothing arrived for `stall` seconds.
class counter {
 public:
  explicit counter(std::uint64_t target) : target_(target) {}

  void add() {
    if (count_.fetch_add(1, std::memory_order_relaxed) + 1 == target_) {
      std::lock_guard<std::mutex> lock(mutex_);
      cv_.notify_all();
    }
  }

  std::uint64_t value() const { return count_.load(std::memory_order_relaxed); }

  /// True when the target was reached.
  bool wait(double stall_seconds, const std::atomic<std::uint64_t>* also = nullptr) {
    auto reached = [&] {
      return value() >= target_ && (also == nullptr || also->load(std::memory_order_relaxed) >= target_);
    };
    auto seen = value() + (also ? also->load() : 0);
    auto last_progress = clock_type::now();
    std::unique_lock<std::mutex> lock(mutex_);
    while (!reached()) {
      cv_.wait_for(lock, std::chrono::milliseconds(50));
      auto now_seen = value() + (also ? also->load() : 0);
      if (now_seen != seen) {
        seen = now_seen;
        last_progress = clock_type::now();
      } else if (since(last_progress) > stall_seconds) {
        return false;
      }
    }
    return true;
  }

 private:
  std::uint64_t target_;
  std::atomic<std::uint64_t> count_{0};
  std::mutex mutex_;
  std::condition_variable cv_;
};

struct figures {
  std::uint64_t messages = 0;
  std::uint64_t lost = 0;
  double seconds = 0;
  double cpu = 0;
  std::vector<double> latencies_us;
  std::size_t clients = 0;
  double rss_per_client = 0;
};

std::vector<std::uint8_t> payload_of(std::size_t size) {
  std::vector<std::uint8_t> p(size);
  for (std::size_t i = 0; i < size; ++i) p[i] = static_cast<std::uint8_t>('a' + i % 26);
  return p;
}

figures egress(implementation& impl, const options& o) {
  auto c = impl.connect(o.where, "bench-" + impl.name() + "-p1");
  auto payload = payload_of(o.payload);
  figures f;
  auto cpu0 = cpu_seconds();
  auto t0 = clock_type::now();
  for (std::uint64_t i = 0; i < o.n; ++i) c->publish(o.topic, payload.data(), payload.size(), 0);
  c->flush();
  c->publish_and_wait(o.topic, payload.data(), payload.size());  // the sink acks it after the rest
  f.seconds = since(t0);
  f.cpu = cpu_seconds() - cpu0;
  f.messages = o.n;
  c->disconnect();
  return f;
}

figures ingress(implementation& impl, const options& o) {
  auto c = impl.connect(o.where, "bench-" + impl.name() + "-p2");
  counter received(o.n);
  figures f;
  auto cpu0 = cpu_seconds();
  auto t0 = clock_type::now();
  c->subscribe(o.topic, 0, [&](const std::uint8_t*, std::size_t) { received.add(); });
  received.wait(o.stall);
  f.seconds = since(t0);
  f.cpu = cpu_seconds() - cpu0;
  f.messages = received.value();
  f.lost = o.n - std::min(o.n, f.messages);
  c->disconnect();
  return f;
}

/// P3 and P4: publisher -> broker -> subscriber.
figures end_to_end(implementation& impl, const options& o, int qos) {
  auto tag = impl.name() + (qos == 0 ? "-p3" : "-p4");
  auto sub = impl.connect(o.where, "bench-" + tag + "-sub");
  counter received(o.n);
  sub->subscribe(o.topic, qos, [&](const std::uint8_t*, std::size_t) { received.add(); });
  auto pub = impl.connect(o.where, "bench-" + tag + "-pub");
  auto payload = payload_of(o.payload);
  figures f;
  auto cpu0 = cpu_seconds();
  auto t0 = clock_type::now();
  for (std::uint64_t i = 0; i < o.n; ++i) pub->publish(o.topic, payload.data(), payload.size(), qos);
  pub->flush();
  received.wait(o.stall, qos == 0 ? nullptr : &pub->acked);
  f.seconds = since(t0);
  f.cpu = cpu_seconds() - cpu0;
  f.messages = qos == 0 ? received.value() : std::min(received.value(), pub->acked.load());
  f.lost = o.n - std::min(o.n, f.messages);
  pub->disconnect();
  sub->disconnect();
  return f;
}

figures latency(implementation& impl, const options& o) {
  auto total = static_cast<std::uint64_t>(o.rate * o.seconds);
  auto sub = impl.connect(o.where, "bench-" + impl.name() + "-p5-sub");
  std::vector<double> samples(total);
  counter received(total);
  sub->subscribe(o.topic, 0, [&](const std::uint8_t* data, std::size_t size) {
    if (size < 8) return;
    std::uint64_t sent = 0;
    std::memcpy(&sent, data, sizeof sent);
    auto i = received.value();
    if (i < total) samples[i] = static_cast<double>(now_ns() - sent) / 1e3;
    received.add();
  });
  auto pub = impl.connect(o.where, "bench-" + impl.name() + "-p5-pub");
  auto payload = payload_of(std::max<std::size_t>(o.payload, 8));
  auto interval = std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / o.rate));
  figures f;
  auto cpu0 = cpu_seconds();
  auto t0 = clock_type::now();
  auto next = t0;
  for (std::uint64_t i = 0; i < total; ++i) {
    std::this_thread::sleep_until(next);  // pacing the offered load, not waiting for an event
    next += interval;
    auto stamp = now_ns();
    std::memcpy(payload.data(), &stamp, sizeof stamp);
    pub->publish(o.topic, payload.data(), payload.size(), 0);
    pub->flush();
  }
  received.wait(o.stall);
  f.seconds = since(t0);
  f.cpu = cpu_seconds() - cpu0;
  f.messages = std::min(received.value(), total);
  f.lost = total - f.messages;
  samples.resize(f.messages);
  f.latencies_us = std::move(samples);
  pub->disconnect();
  sub->disconnect();
  return f;
}

figures fleet(implementation& impl, const options& o) {
  figures f;
  auto rss0 = resident_bytes();
  // BENCH_THREAD_CPU=1: each thread's CPU time per client on stderr (which thread is the critical path).
  const bool per_thread = std::getenv("BENCH_THREAD_CPU") != nullptr;
  auto threads0 = per_thread ? thread_cpu() : decltype(thread_cpu()){};
  auto cpu0 = cpu_seconds();
  auto t0 = clock_type::now();
  f.clients = impl.connect_fleet(o.where, o.n);
  f.seconds = since(t0);
  f.cpu = cpu_seconds() - cpu0;
  if (per_thread)
    for (const auto& [tid, now] : thread_cpu()) {
      auto before = threads0.count(tid) ? threads0[tid] : thread_use{};
      auto per_client = [&](std::uint64_t a, std::uint64_t b) {
        return static_cast<double>(a - b) / static_cast<double>(o.n);
      };
      std::fprintf(stderr, "thread %d %s: %.1f us and %.2f runs per client\n", tid, now.name.c_str(),
                   per_client(now.ns, before.ns) / 1e3, per_client(now.runs, before.runs));
    }
  auto rss1 = resident_bytes();
  f.messages = f.clients;
  f.lost = o.n - f.clients;
  f.rss_per_client =
      f.clients == 0 ? 0
                     : static_cast<double>(rss1 > rss0 ? rss1 - rss0 : 0) / static_cast<double>(f.clients);
  impl.drop_fleet();
  return f;
}

double percentile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  auto k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

std::string to_json(const std::string& impl, const options& o, figures& f) {
  std::ostringstream out;
  out.precision(6);
  out << "{\"implementation\":\"" << impl << "\",\"workload\":\"" << o.workload
      << "\",\"tls\":" << (o.where.tls ? "true" : "false") << ",\"n\":" << o.n
      << ",\"messages\":" << f.messages << ",\"lost\":" << f.lost << ",\"seconds\":" << f.seconds
      << ",\"cpu_seconds\":" << f.cpu;
  if (f.seconds > 0) out << ",\"per_second\":" << static_cast<double>(f.messages) / f.seconds;
  if (f.messages > 0) out << ",\"cpu_seconds_per_million\":" << f.cpu * 1e6 / static_cast<double>(f.messages);
  if (!f.latencies_us.empty())
    out << ",\"p50_us\":" << percentile(f.latencies_us, 0.5)
        << ",\"p99_us\":" << percentile(f.latencies_us, 0.99)
        << ",\"p999_us\":" << percentile(f.latencies_us, 0.999);
  if (o.workload == "p6")
    out << ",\"clients\":" << f.clients << ",\"rss_per_client_bytes\":" << f.rss_per_client;
  out << "}";
  return out.str();
}

}  // namespace

int run(int argc, char** argv, implementation& impl) {
  options o;
  CLI::App app{"System benchmark of " + impl.name() + ": one workload of shared/bench/WORKLOADS.md"};
  app.add_option("--workload", o.workload,
                 "p1 egress, p2 ingress, p3 end to end, p4 QoS 1, p5 latency, p6 fleet")
      ->required()
      ->check(CLI::IsMember({"p1", "p2", "p3", "p4", "p5", "p6"}));
  app.add_option("--host", o.where.host, "broker, sink or source address");
  app.add_option("--port", o.where.port, "broker, sink or source port")->required();
  app.add_flag("--tls", o.where.tls, "connect with TLS (P6)");
  app.add_option("--ca-file", o.where.ca_file, "the broker's CA certificate, with --tls")
      ->check(CLI::ExistingFile);
  app.add_option("--n", o.n, "messages (P1-P4) or clients (P6)")->check(CLI::PositiveNumber);
  app.add_option("--payload", o.payload, "payload bytes")->check(CLI::Range(1, 1 << 20));
  app.add_option("--topic", o.topic, "topic to publish and subscribe to");
  app.add_option("--rate", o.rate, "P5 messages per second")->check(CLI::PositiveNumber);
  app.add_option("--seconds", o.seconds, "P5 duration")->check(CLI::PositiveNumber);
  app.add_option("--stall", o.stall, "seconds without progress before giving up")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  if (o.where.tls && o.where.ca_file.empty()) {
    std::fprintf(stderr, "%s: --tls needs --ca-file\n", impl.name().c_str());
    return 2;
  }
  try {
    figures f;
    if (o.workload == "p1") f = egress(impl, o);
    if (o.workload == "p2") f = ingress(impl, o);
    if (o.workload == "p3") f = end_to_end(impl, o, 0);
    if (o.workload == "p4") f = end_to_end(impl, o, 1);
    if (o.workload == "p5") f = latency(impl, o);
    if (o.workload == "p6") f = fleet(impl, o);
    std::printf("%s\n", to_json(impl.name(), o, f).c_str());
    std::fflush(stdout);
    return f.lost == 0 ? 0 : 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s %s: %s\n", impl.name().c_str(), o.workload.c_str(), e.what());
    return 1;
  }
}

}  // namespace iotactor::bench
