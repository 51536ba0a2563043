#include "serve_process.hpp"

#include <sstream>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "engine/local_model.hpp"
#include "support/paths.hpp"
#include "support/run.hpp"
#include "support/tiny_llama.hpp"

namespace reasonrec::test {
namespace {

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t length = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

std::filesystem::path tiny_random_model(const std::filesystem::path& dir) {
  const auto converted = dir / "stories";
  const auto models = shared_dir() / "models" / "stories260K";
  const auto r =
      run_reasonrec({"convert", "llama2c", "--checkpoint", (models / "stories260K.bin").string(),
                     "--tokenizer", (models / "tok512.bin").string(), "--out", converted.string()});
  if (r.exit_code != 0) throw std::runtime_error("convert failed: " + r.err);
  const auto model = dir / "tiny";
  const nlohmann::json config = tiny_llama_config(16384);
  engine::write_random_llama(model, config, 7, 0.5);
  for (const char* file : {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"}) {
    if (std::filesystem::exists(converted / file)) {
      std::filesystem::copy_file(converted / file, model / file,
                                 std::filesystem::copy_options::overwrite_existing);
    }
  }
  return model;
}

ServeProcess::ServeProcess(const std::filesystem::path& model, std::vector<std::string> extra_args,
                           std::vector<std::string> environment)
    : port_(free_port()), log_(model.parent_path() / ("serve-" + std::to_string(port_) + ".log")) {
  std::vector<std::string> args = {reasonrec_bin(), "serve", "--model", model.string(),
                                   "--model-name",  "tiny",  "--port",  std::to_string(port_)};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  pid_ = ::fork();
  if (pid_ == 0) {
    const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 2);
    ::dup2(fd, 1);
    for (const auto& e : environment) ::putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  httplib::Client client("127.0.0.1", port_);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto res = client.Get("/health"); res && res->status == 200) return;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("serve exited at start: " + log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("serve did not answer /health: " + log());
}

ServeProcess::~ServeProcess() {
  terminate();
}

int ServeProcess::terminate() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string ServeProcess::log() const {
  std::ifstream in(log_);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::map<std::string, double> metrics_of(int port) {
  httplib::Client client("127.0.0.1", port);
  const auto res = client.Get("/metrics");
  if (!res || res->status != 200) throw std::runtime_error("GET /metrics failed");
  std::map<std::string, double> out;
  std::istringstream lines(res->body);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.find(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

}  // namespace reasonrec::test
