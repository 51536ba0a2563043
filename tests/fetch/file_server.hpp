#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace reasonrec::test {

// Misbehaviour a FileServer can be told to show on one path.
enum class Fault {
  None,
  DropAfter,    // send `bytes` bytes of the body, then close the connection
  Status,       // answer with `status` (e.g. 500) and no body
  IgnoreRange,  // answer with 200 and the whole file whatever Range was asked for
  Stall,        // send `bytes` bytes, go silent for `stall`, then close the connection
};

struct FaultPlan {
  Fault fault = Fault::None;
  std::uint64_t bytes = 0;
  int status = 500;
  std::chrono::milliseconds stall{0};
  int times = 1;  // requests the fault applies to; then the path is served normally. -1: all
};

// One request as the server saw it.
struct RequestRecord {
  std::string path;
  std::string range;  // the Range header, empty when absent
  int status = 0;     // the status the handler chose (206 for a served Range)
  std::uint64_t body_bytes_sent = 0;
};

// A real HTTP server on 127.0.0.1 and an ephemeral port (so parallel tests never clash),
// serving files from memory with Range support (cpp-httplib's), redirects, and injected
// faults. It counts every body byte it sends, per request.
class FileServer {
 public:
  FileServer();
  ~FileServer();
  FileServer(const FileServer&) = delete;
  FileServer& operator=(const FileServer&) = delete;

  void serve_file(const std::string& url_path, const std::filesystem::path& file);
  void serve_bytes(const std::string& url_path, std::string content);
  void redirect(const std::string& from, const std::string& to);
  void set_fault(const std::string& url_path, FaultPlan plan);

  std::string base_url() const;  // "http://127.0.0.1:PORT"
  std::string url(const std::string& url_path) const { return base_url() + url_path; }
  std::vector<RequestRecord> requests() const;
  std::uint64_t body_bytes_sent() const;

 private:
  void settle() const;

  struct State;
  std::shared_ptr<State> state_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

// The whole content of a file.
std::string read_file(const std::filesystem::path& path);

}  // namespace reasonrec::test
