#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "llm/types.hpp"

namespace reasonrec::llm {

// The cache key of one sample: SHA-256 (hex) of the model, the API, the rendered messages or
// prompt, every generation parameter, the seed sent and the sample index. The endpoint is not
// part of it: every server of a fleet serves the same model.
std::string cache_key(const GenerationRequest& request, int sample);

struct CacheOptions {
  std::size_t batch_size = 256;                 // rows per transaction at most
  std::chrono::milliseconds max_batch_age{50};  // a row waits at most this long to be committed
};

// Completions on disk (SQLite, WAL, synchronous=NORMAL), keyed by cache_key. It is the
// journal of a run too: every completion is committed within max_batch_age of arriving, and a
// committed row survives kill -9, so a rerun sends only what is missing. Successes are kept
// for good; a failure is kept (with its reason) until a success replaces it.
class ResponseCache {
 public:
  explicit ResponseCache(const std::filesystem::path& path, CacheOptions options = {});
  ~ResponseCache();
  ResponseCache(const ResponseCache&) = delete;
  ResponseCache& operator=(const ResponseCache&) = delete;

  // The stored success for `key` (request and sample are left 0; cached is true).
  std::optional<Completion> find(const std::string& key);
  // Queues one completion; commits when the batch is full or old enough.
  void put(const std::string& key, const std::string& model, const Completion& completion);
  void flush_if_due();
  void flush();

  struct Entry {
    std::string key;
    std::string model;
    Completion completion;
  };
  // Every stored row, in key order (flushes first).
  std::vector<Entry> entries();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace reasonrec::llm
