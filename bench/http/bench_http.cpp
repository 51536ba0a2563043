// bench/http: what the LLM client itself costs. A local OpenAI-protocol server (the tests'
// server, in a process of its own, answering every request at once with the same body) takes
// `requests` chat requests with 256 in flight from reasonrec's libcurl-multi client, from the
// same client with the SQLite cache/journal in front, and from a Python client made of
// standard-library threads + http.client (bench/http/python_client.py), in the same run.
// Reports requests per second and client CPU per request, and records them in BENCHMARKS.md
// (its own section, between markers).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "benchmarks_md.hpp"
#include "fake_openai_server.hpp"
#include "llm/cache.hpp"
#include "llm/cached_backend.hpp"
#include "llm/openai_client.hpp"
#include "spread.hpp"
#include "util/format.hpp"

namespace {

using namespace reasonrec;
using Clock = std::chrono::steady_clock;

struct Options {
  std::size_t requests = 20000;
  std::size_t python_requests = 0;  // 0: as many as reasonrec's (the same input)
  int concurrency = 256;
  int repeats = 3;
  std::size_t prompt_bytes = 2000;
  std::string benchmarks_md = std::string(REASONREC_SOURCE_DIR) + "/BENCHMARKS.md";
  bool write_md = true;
};

// A chat completion as a server returns it: ~250 tokens of reasoning and a rating.
std::string canned_response() {
  std::string text = "### Reason ###\\n";
  for (int i = 0; i < 40; ++i) text += "The user likes gentle floral scents. ";
  text += "\\n### Rating ###\\n4";
  return R"({"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"bench","choices":[{"index":0,"message":{"role":"assistant","content":")" +
         text +
         R"("},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":512,"completion_tokens":250,"total_tokens":762}})";
}

std::string prompt_text(std::size_t bytes) {
  std::string p;
  while (p.size() < bytes)
    p += "Product Title: Rose Water Toner. User Rating: 5. User Review: lovely. ";
  p.resize(bytes);
  return p;
}

// The server in a child process, so that the client's CPU is all the parent's.
class ServerProcess {
 public:
  ServerProcess() {
    int port_pipe[2], stop_pipe[2];
    if (pipe(port_pipe) != 0 || pipe(stop_pipe) != 0) throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork");
    if (pid_ == 0) {
      ::close(port_pipe[0]);
      ::close(stop_pipe[1]);
      {
        test::FakeServerOptions so;
        so.canned_response = canned_response();
        so.record = false;
        test::FakeOpenAIServer server(so);
        const int port = server.port();
        if (::write(port_pipe[1], &port, sizeof port) != sizeof port) _exit(1);
        char c;
        while (::read(stop_pipe[0], &c, 1) > 0) {
        }
      }
      _exit(0);
    }
    ::close(port_pipe[1]);
    ::close(stop_pipe[0]);
    stop_fd_ = stop_pipe[1];
    if (::read(port_pipe[0], &port_, sizeof port_) != sizeof port_)
      throw std::runtime_error("server");
    ::close(port_pipe[0]);
  }
  ~ServerProcess() {
    ::close(stop_fd_);
    waitpid(pid_, nullptr, 0);
  }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int stop_fd_ = -1;
  int port_ = 0;
};

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

struct Result {
  std::size_t requests = 0;
  std::size_t ok = 0;
  double wall = 0;
  double cpu = 0;
  double rate() const { return static_cast<double>(requests) / wall; }
  double cpu_us() const { return cpu / static_cast<double>(requests) * 1e6; }
};

class CountingSink final : public llm::CompletionSink {
 public:
  void on_completion(llm::Completion c) override { ok += c.ok ? 1 : 0; }
  std::size_t ok = 0;
};

Result run_reasonrec(const Options& o, int port, const std::filesystem::path* cache_path) {
  const std::string prompt = prompt_text(o.prompt_bytes);
  const auto wall0 = Clock::now();
  const double cpu0 = cpu_seconds();
  std::vector<llm::GenerationRequest> requests(o.requests);
  for (std::size_t i = 0; i < o.requests; ++i) {
    auto& r = requests[i];
    r.model = "bench";
    r.messages = {{"user", fmt::format("Request {}. {}", i, prompt)}};
    r.params.seed = 0;
  }
  llm::ClientOptions co;
  co.base_urls = {fmt::format("http://127.0.0.1:{}/v1", port)};
  co.concurrency = o.concurrency;
  co.timeout = std::chrono::seconds(60);
  llm::OpenAIClient client(co);
  CountingSink sink;
  if (cache_path) {
    std::filesystem::remove(*cache_path);
    llm::ResponseCache cache(*cache_path);
    llm::CachedBackend cached(client, cache);
    cached.generate(requests, sink);
  } else {
    client.generate(requests, sink);
  }
  Result r;
  r.requests = o.requests;
  r.ok = sink.ok;
  r.cpu = cpu_seconds() - cpu0;
  r.wall = std::chrono::duration<double>(Clock::now() - wall0).count();
  return r;
}

std::string capture(const std::string& command) {
  std::string out;
  if (FILE* p = popen(command.c_str(), "r")) {
    char buffer[4096];
    while (std::size_t n = fread(buffer, 1, sizeof buffer, p)) out.append(buffer, n);
    pclose(p);
  }
  return out;
}

Result run_python(const Options& o, int port, const std::filesystem::path& prompt_file) {
  const std::string out = capture(fmt::format(
      "/usr/bin/python3 {}/bench/http/python_client.py {} {} {} {}", REASONREC_SOURCE_DIR, port,
      o.python_requests, o.concurrency, prompt_file.string()));
  const auto j = nlohmann::json::parse(out);
  Result r;
  r.requests = j["requests"].get<std::size_t>();
  r.ok = j["ok"].get<std::size_t>();
  r.wall = j["wall_s"].get<double>();
  r.cpu = j["cpu_s"].get<double>();
  return r;
}

// The runs of one client: requests per second and client CPU per request, min / median / max.
struct Runs {
  std::size_t requests = 0;
  bench::Spread rate;
  bench::Spread cpu_us;
};

Runs summarise(const std::vector<Result>& runs) {
  Runs out;
  std::vector<double> rate, cpu;
  for (const auto& r : runs) {
    out.requests = r.requests;
    rate.push_back(r.rate());
    cpu.push_back(r.cpu_us());
  }
  out.rate = bench::spread_of(rate);
  out.cpu_us = bench::spread_of(cpu);
  return out;
}

nlohmann::json to_json(const Runs& r) {
  return {{"requests", r.requests},
          {"requests_per_s", bench::to_json(r.rate)},
          {"cpu_us_per_request", bench::to_json(r.cpu_us)}};
}

std::string first_line(const std::string& s) {
  return s.substr(0, s.find('\n'));
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string first;
  in >> first;
  return first.empty() ? "unknown" : first;
}

int run(const Options& o) {
  ServerProcess server;  // first, before this process starts any thread
  const auto dir =
      std::filesystem::temp_directory_path() / fmt::format("reasonrec-bench-http-{}", ::getpid());
  std::filesystem::create_directories(dir);
  const auto prompt_file = dir / "prompt.txt";
  std::ofstream(prompt_file) << prompt_text(o.prompt_bytes);
  const auto cache_path = dir / "cache.sqlite";
  const std::string load_before = load_average();

  std::vector<Result> plain, cached, python;
  for (int i = 0; i < o.repeats; ++i) {
    plain.push_back(run_reasonrec(o, server.port(), nullptr));
    cached.push_back(run_reasonrec(o, server.port(), &cache_path));
    python.push_back(run_python(o, server.port(), prompt_file));
    std::cerr << fmt::format(
        "run {}: reasonrec {:.0f}/s {:.1f} us CPU; + cache {:.0f}/s {:.1f} us; python {:.0f}/s "
        "{:.1f} us\n",
        i + 1, plain.back().rate(), plain.back().cpu_us(), cached.back().rate(),
        cached.back().cpu_us(), python.back().rate(), python.back().cpu_us());
  }
  std::filesystem::remove_all(dir);
  for (const auto* runs : {&plain, &cached, &python}) {
    for (const Result& r : *runs) {
      if (r.ok != r.requests) {
        std::cerr << fmt::format("error: {} of {} requests failed\n", r.requests - r.ok,
                                 r.requests);
        return 1;
      }
    }
  }
  const Runs p = summarise(plain), c = summarise(cached), py = summarise(python);
  const std::string load_after = load_average();
  const std::string python_version = first_line(capture("/usr/bin/python3 --version 2>&1"));
  auto row = [](const std::string& name, const Runs& r) {
    return fmt::format("| {} | {} | {} | {} µs |\n", name, with_commas(r.requests),
                       bench::show(r.rate, 0), bench::show(r.cpu_us, 1));
  };
  // Requests per second: ours over Python's. CPU per request: Python's over ours (less is better).
  const bench::Ratio rate_ratio = bench::ratio_of(p.rate, py.rate);
  const bench::Ratio cpu_ratio = bench::ratio_of(py.cpu_us, p.cpu_us);
  const bench::Ratio cached_rate_ratio = bench::ratio_of(c.rate, py.rate);
  const bench::Ratio cached_cpu_ratio = bench::ratio_of(py.cpu_us, c.cpu_us);
  std::string section = fmt::format(
      "## bench/http: LLM client orchestration overhead\n\n"
      "Chat requests to a local OpenAI-protocol server that answers at once (the tests' fault "
      "server in a process of its own, one epoll thread, the same {}-byte completion for every "
      "request), {} in flight, {}-byte prompts. Client CPU is the client process's user + system "
      "time per request (the server's is not counted). Baseline: Python standard-library threads "
      "+ http.client, one keep-alive connection per thread, building and parsing the same JSON "
      "(`bench/http/python_client.py`), run in the same process tree against the same server. "
      "Each client ran {} times, taking turns (reasonrec, reasonrec + cache, Python, then "
      "again); cells are median (min–max) over the runs, ratios median over median with the "
      "range the runs allow (worst against best either way).\n\n"
      "| client | requests per run | requests/s | client CPU per request |\n|---|---|---|---|\n",
      canned_response().size(), o.concurrency, o.prompt_bytes, o.repeats);
  section += row("reasonrec `OpenAIClient` (libcurl multi, one thread)", p);
  section += row("reasonrec `OpenAIClient` + SQLite cache/journal", c);
  section += row(fmt::format("Python ({}) threads + http.client", python_version.substr(7)), py);
  const bool rate_met = p.rate.median >= 1000;
  const bool ratio_met = rate_ratio.median >= 10;
  section += fmt::format(
      "\nreasonrec vs Python: {} requests per second, {} less CPU per request "
      "(with the cache: {}, {}). Target: at least 1,000 requests/s ({}) and at least "
      "10x the Python client ({}).{}\n\n"
      "Machine: {}, {} hardware threads shared with other work (1-minute load average {} at the "
      "start, {} at the end). {}. Command: `build/bench/http/bench_http`.\n",
      bench::show(rate_ratio, 1), bench::show(cpu_ratio, 1), bench::show(cached_rate_ratio, 1),
      bench::show(cached_cpu_ratio, 1), rate_met ? "met" : "not met",
      ratio_met ? "met" : "not met on this machine",
      ratio_met
          ? ""
          : " On two shared hardware threads the server and the client compete for the same "
            "cores, so requests per second measure the pair more than the client; CPU per request "
            "is the client's own. Of that, a profile (perf) puts about half in the kernel's "
            "loopback TCP work and a fifth in libcurl; building and parsing JSON no longer show.",
      cpu_model(), std::thread::hardware_concurrency(), load_before, load_after,
      reasonrec::bench::today_utc());
  std::cout << section;
  if (o.write_md) {
    reasonrec::bench::record_section(o.benchmarks_md, "http", section);
    const nlohmann::json record = {
        {"bench", "http"},
        {"date", bench::today_utc()},
        {"repeats", o.repeats},
        {"concurrency", o.concurrency},
        {"prompt_bytes", o.prompt_bytes},
        {"reasonrec", to_json(p)},
        {"reasonrec_cached", to_json(c)},
        {"python", to_json(py)},
        {"ratio",
         {{"requests_per_s", bench::to_json(rate_ratio)},
          {"cpu_per_request_python_over_reasonrec", bench::to_json(cpu_ratio)},
          {"cached_requests_per_s", bench::to_json(cached_rate_ratio)},
          {"cached_cpu_per_request_python_over_reasonrec", bench::to_json(cached_cpu_ratio)}}},
        {"load_average", {{"start", load_before}, {"end", load_after}}},
        {"machine", {{"cpu", cpu_model()}, {"threads", std::thread::hardware_concurrency()}}},
    };
    std::cerr << "recorded in " << o.benchmarks_md << " and "
              << bench::write_results("http", record) << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"bench/http: LLM client overhead against a Python standard-library client"};
  app.add_option("--requests", o.requests, "Requests per reasonrec run")->capture_default_str();
  app.add_option("--python-requests", o.python_requests,
                 "Requests per Python run (0: as --requests)")
      ->capture_default_str();
  app.add_option("--concurrency", o.concurrency, "Requests in flight")->capture_default_str();
  app.add_option("--repeats", o.repeats, "Runs of each client")->capture_default_str();
  app.add_option("--prompt-bytes", o.prompt_bytes, "Prompt size")->capture_default_str();
  app.add_option("--benchmarks-md", o.benchmarks_md, "BENCHMARKS.md to update");
  bool no_write = false;
  app.add_flag("--no-write", no_write, "Print only; leave BENCHMARKS.md alone");
  CLI11_PARSE(app, argc, argv);
  o.write_md = !no_write;
  if (o.python_requests == 0) o.python_requests = o.requests;
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::cerr << "bench_http: " << e.what() << "\n";
    return 1;
  }
}
