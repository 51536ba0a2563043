#include "llm/cached_backend.hpp"

#include <map>
#include <vector>

namespace reasonrec::llm {

namespace {

// Where a sample sent to the inner backend came from, and who else waits for the same key.
struct Origin {
  std::size_t request = 0;
  std::string key;
  std::vector<std::pair<std::size_t, int>> also;  // (request, sample) with the same key
};

class CachingSink final : public CompletionSink {
 public:
  CachingSink(CompletionSink& outer, ResponseCache& cache,
              std::span<const GenerationRequest> requests,
              std::map<std::pair<std::size_t, int>, Origin>& origins)
      : outer_(outer), cache_(cache), requests_(requests), origins_(origins) {}

  void on_completion(Completion c) override {
    const Origin& origin = origins_.at({c.request, c.sample});
    c.request = origin.request;
    cache_.put(origin.key, requests_[origin.request].model, c);
    for (const auto& [request, sample] : origin.also) {
      Completion copy = c;
      copy.request = request;
      copy.sample = sample;
      outer_.on_completion(std::move(copy));
    }
    outer_.on_completion(std::move(c));
  }
  void on_idle() override {
    cache_.flush_if_due();
    outer_.on_idle();
  }

 private:
  CompletionSink& outer_;
  ResponseCache& cache_;
  std::span<const GenerationRequest> requests_;
  std::map<std::pair<std::size_t, int>, Origin>& origins_;
};

}  // namespace

void CachedBackend::generate(std::span<const GenerationRequest> requests, CompletionSink& sink) {
  // Sub-requests for the missing samples: one per run of consecutive missing samples of a
  // request, so a request with nothing cached is sent as it is.
  std::vector<GenerationRequest> missing;
  std::map<std::pair<std::size_t, int>, Origin> origins;  // (sub-request, sample) -> origin
  std::map<std::string, std::pair<std::size_t, int>> first_by_key;  // key -> (sub, sample)
  for (std::size_t r = 0; r < requests.size(); ++r) {
    const GenerationRequest& req = requests[r];
    bool extending = false;
    for (int s = req.first_sample; s < req.first_sample + req.n; ++s) {
      std::string key = cache_key(req, s);
      if (auto hit = cache_.find(key)) {
        ++stats_.hits;
        hit->request = r;
        hit->sample = s;
        sink.on_completion(std::move(*hit));
        extending = false;
        continue;
      }
      if (auto it = first_by_key.find(key); it != first_by_key.end()) {
        ++stats_.duplicates;
        origins.at(it->second).also.push_back({r, s});
        extending = false;
        continue;
      }
      ++stats_.sent;
      if (extending) {
        ++missing.back().n;
      } else {
        GenerationRequest sub = req;
        sub.first_sample = s;
        sub.n = 1;
        missing.push_back(std::move(sub));
        extending = true;
      }
      first_by_key.emplace(key, std::make_pair(missing.size() - 1, s));
      origins[{missing.size() - 1, s}] = Origin{r, std::move(key), {}};
    }
  }
  if (!missing.empty()) {
    CachingSink caching(sink, cache_, requests, origins);
    inner_.generate(missing, caching);
  }
  cache_.flush();
}

}  // namespace reasonrec::llm
