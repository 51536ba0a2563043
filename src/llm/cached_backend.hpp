#pragma once

#include <cstddef>
#include <string>

#include "llm/backend.hpp"
#include "llm/cache.hpp"

namespace reasonrec::llm {

struct CacheStats {
  std::size_t hits = 0;        // samples served from the cache
  std::size_t sent = 0;        // samples handed to the inner backend
  std::size_t duplicates = 0;  // samples whose key another sample of the batch already had
};

// A Backend in front of another: samples whose key is in the cache are answered from it,
// the rest go to the inner backend (once per distinct key, even when a batch repeats a
// prompt) and every answer is written to the cache as it arrives.
class CachedBackend final : public Backend {
 public:
  CachedBackend(Backend& inner, ResponseCache& cache) : inner_(inner), cache_(cache) {}

  void generate(std::span<const GenerationRequest> requests, CompletionSink& sink) override;
  std::string name() const override { return inner_.name(); }
  const CacheStats& stats() const { return stats_; }

 private:
  Backend& inner_;
  ResponseCache& cache_;
  CacheStats stats_;
};

}  // namespace reasonrec::llm
