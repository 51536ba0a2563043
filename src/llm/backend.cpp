#include "llm/backend.hpp"

#include <algorithm>

namespace reasonrec::llm {

namespace {

class CollectingSink final : public CompletionSink {
 public:
  void on_completion(Completion completion) override {
    completions.push_back(std::move(completion));
  }
  std::vector<Completion> completions;
};

}  // namespace

std::vector<Completion> generate_all(Backend& backend,
                                     std::span<const GenerationRequest> requests) {
  CollectingSink sink;
  backend.generate(requests, sink);
  std::sort(sink.completions.begin(), sink.completions.end(),
            [](const Completion& a, const Completion& b) {
              return a.request != b.request ? a.request < b.request : a.sample < b.sample;
            });
  return std::move(sink.completions);
}

}  // namespace reasonrec::llm
