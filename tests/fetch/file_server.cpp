
#include "file_server.hpp"

#include <httplib.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace reasonrec::test {

struct FileServer::State {
  mutable std::mutex mutex;
  std::map<std::string, std::shared_ptr<const std::string>> files;
  std::map<std::string, std::string> redirects;
  std::map<std::string, FaultPlan> faults;
  std::vector<RequestRecord> requests;
  std::uint64_t total_sent = 0;

  // Records one request; returns its index for later byte counting.
  std::size_t record(const httplib::Request& req, int status) {
    std::lock_guard<std::mutex> lock(mutex);
    requests.push_back({req.path, req.get_header_value("Range"), status, 0});
    return requests.size() - 1;
  }
  void count(std::size_t index, std::uint64_t n) {
    std::lock_guard<std::mutex> lock(mutex);
    requests[index].body_bytes_sent += n;
    total_sent += n;
  }
  // The fault for this request, if any is left, using one of its `times`.
  FaultPlan take_fault(const std::string& path) {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = faults.find(path);
    if (it == faults.end() || it->second.times == 0) return {};
    FaultPlan plan = it->second;
    if (it->second.times > 0) --it->second.times;
    return plan;
  }
};

namespace {

constexpr std::size_t kChunk = 16 * 1024;

}  // namespace

FileServer::FileServer()
    : state_(std::make_shared<State>()), server_(std::make_unique<httplib::Server>()) {
  // libcurl honours http_proxy & co.; a proxy must never see the requests to this server.
  setenv("NO_PROXY", "127.0.0.1,localhost", 1);
  setenv("no_proxy", "127.0.0.1,localhost", 1);
  server_->new_task_queue = [] { return new httplib::ThreadPool(8); };
  auto state = state_;
  server_->Get(R"(/.*)", [state](const httplib::Request& req, httplib::Response& res) {
    std::shared_ptr<const std::string> content;
    {
      std::lock_guard<std::mutex> lock(state->mutex);
      if (auto r = state->redirects.find(req.path); r != state->redirects.end()) {
        res.set_redirect(r->second, 302);
        state->requests.push_back({req.path, req.get_header_value("Range"), 302, 0});
        return;
      }
      if (auto f = state->files.find(req.path); f != state->files.end()) content = f->second;
    }
    if (!content) {
      res.status = 404;
      state->record(req, 404);
      return;
    }
    const FaultPlan plan = state->take_fault(req.path);
    if (plan.fault == Fault::Status) {
      res.status = plan.status;
      state->record(req, plan.status);
      return;
    }
    if (plan.fault == Fault::IgnoreRange) {
      res.status = 200;
      const std::size_t index = state->record(req, 200);
      res.set_chunked_content_provider(
          "application/octet-stream",
          [state, content, index](std::size_t offset, httplib::DataSink& sink) {
            if (offset >= content->size()) {
              sink.done();
              return true;
            }
            const std::size_t n = std::min(kChunk, content->size() - offset);
            if (!sink.write(content->data() + offset, n)) return false;
            state->count(index, n);
            return true;
          });
      return;
    }
    if (!req.ranges.empty() && req.ranges.front().first >= 0 &&
        static_cast<std::uint64_t>(req.ranges.front().first) >= content->size()) {
      res.status = 416;
      res.set_header("Content-Range", "bytes */" + std::to_string(content->size()));
      state->record(req, 416);
      return;
    }
    const std::size_t index = state->record(req, req.ranges.empty() ? 200 : 206);
    if (content->empty()) {
      res.set_content("", "application/octet-stream");  // a content provider needs a length
      return;
    }
    // cpp-httplib applies the Range: it asks the provider for [offset, offset + length).
    auto sent = std::make_shared<std::uint64_t>(0);
    res.set_content_provider(
        content->size(), "application/octet-stream",
        [state, content, index, plan, sent](std::size_t offset, std::size_t length,
                                            httplib::DataSink& sink) {
          std::size_t n = std::min(kChunk, length);
          const bool cut = plan.fault == Fault::DropAfter || plan.fault == Fault::Stall;
          if (cut) {
            if (*sent >= plan.bytes) {
              if (plan.fault == Fault::Stall) std::this_thread::sleep_for(plan.stall);
              return false;  // closes the connection mid-body
            }
            n = static_cast<std::size_t>(std::min<std::uint64_t>(n, plan.bytes - *sent));
          }
          if (!sink.write(content->data() + offset, n)) return false;
          *sent += n;
          state->count(index, n);
          return true;
        });
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("FileServer: cannot bind 127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() is a no-op until the accept loop runs, so wait for it before handing out the URL.
  for (int i = 0; i < 5000 && !server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

FileServer::~FileServer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

void FileServer::serve_file(const std::string& url_path, const std::filesystem::path& file) {
  serve_bytes(url_path, read_file(file));
}

void FileServer::serve_bytes(const std::string& url_path, std::string content) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->files[url_path] = std::make_shared<const std::string>(std::move(content));
}

void FileServer::redirect(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->redirects[from] = to;
}

void FileServer::set_fault(const std::string& url_path, FaultPlan plan) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->faults[url_path] = plan;
}

std::string FileServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

// The client can hold every byte before the server thread has counted its last write, so the
// counters are read once they have stopped moving (at most 2 s), not at the first look.
void FileServer::settle() const {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  std::uint64_t last = UINT64_MAX;
  while (std::chrono::steady_clock::now() < deadline) {
    std::uint64_t now_sent;
    {
      std::lock_guard<std::mutex> lock(state_->mutex);
      now_sent = state_->total_sent;
    }
    if (now_sent == last) return;
    last = now_sent;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::vector<RequestRecord> FileServer::requests() const {
  settle();
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->requests;
}

std::uint64_t FileServer::body_bytes_sent() const {
  settle();
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->total_sent;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace reasonrec::test
