#include "test_helpers.hpp"

namespace reasonrec::test {

std::vector<llm::GenerationRequest> chat_requests(std::size_t count, int samples,
                                                  const std::string& model) {
  std::vector<llm::GenerationRequest> out;
  for (std::size_t i = 0; i < count; ++i) {
    llm::GenerationRequest r;
    r.model = model;
    r.messages = {{"system", "You predict ratings."},
                  {"user", "Example " + std::to_string(i) + ": how would the user rate it?"}};
    r.params.max_tokens = 64;
    r.params.seed = 7;
    r.n = samples;
    out.push_back(std::move(r));
  }
  return out;
}

llm::ClientOptions fast_options(const std::vector<std::string>& base_urls, int concurrency) {
  llm::ClientOptions o;
  o.base_urls = base_urls;
  o.concurrency = concurrency;
  o.timeout = std::chrono::milliseconds(1500);
  o.connect_timeout = std::chrono::milliseconds(1000);
  o.max_attempts = 6;
  o.backoff.initial = std::chrono::milliseconds(5);
  o.backoff.max = std::chrono::milliseconds(50);
  o.endpoints.cooldown = std::chrono::milliseconds(100);
  o.endpoints.max_cooldown = std::chrono::milliseconds(400);
  o.give_up_after = std::chrono::milliseconds(5000);
  return o;
}

std::string compare_completions(const std::vector<llm::Completion>& a,
                                const std::vector<llm::Completion>& b) {
  if (a.size() != b.size()) {
    return "sizes differ: " + std::to_string(a.size()) + " vs " + std::to_string(b.size());
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto& x = a[i];
    const auto& y = b[i];
    const std::string where = "completion " + std::to_string(i) + ": ";
    if (x.request != y.request || x.sample != y.sample) return where + "identity differs";
    if (x.ok != y.ok) return where + "ok differs (" + x.error + " | " + y.error + ")";
    if (x.text != y.text) return where + "text differs";
    if (x.finish_reason != y.finish_reason) return where + "finish reason differs";
    if (x.usage.prompt_tokens != y.usage.prompt_tokens ||
        x.usage.completion_tokens != y.usage.completion_tokens) {
      return where + "usage differs";
    }
    if (x.logprobs.has_value() != y.logprobs.has_value()) return where + "logprobs presence";
    if (x.logprobs) {
      if (x.logprobs->size() != y.logprobs->size()) return where + "logprobs size";
      for (std::size_t t = 0; t < x.logprobs->size(); ++t) {
        const auto& p = (*x.logprobs)[t];
        const auto& q = (*y.logprobs)[t];
        if (p.token != q.token || p.logprob != q.logprob || p.top.size() != q.top.size()) {
          return where + "logprob token " + std::to_string(t);
        }
        for (std::size_t k = 0; k < p.top.size(); ++k) {
          if (p.top[k].token != q.top[k].token || p.top[k].logprob != q.top[k].logprob) {
            return where + "top logprob at token " + std::to_string(t);
          }
        }
      }
    }
  }
  return "";
}

std::vector<data::Example> synthetic_examples(std::size_t count) {
  static const char* kTitles[] = {"Rose Water Toner", "Argan Hair Oil",  "Matte Lipstick",
                                  "SPF 50 Sunscreen", "Vitamin C Serum", "Clay Mask"};
  std::vector<data::Example> out;
  for (std::size_t i = 0; i < count; ++i) {
    data::Example e;
    e.user = "U" + std::to_string(i);
    e.split = i % 2 == 0 ? "train" : "test";
    e.rating = static_cast<int>(i % 5) + 1;
    e.time = 1500000000 + static_cast<std::int64_t>(i);
    e.target.has_meta = true;
    e.target.meta.item = "T" + std::to_string(i);
    e.target.meta.title = kTitles[i % 6];
    e.review = "Review of the target " + std::to_string(i);
    for (int h = 0; h < 3; ++h) {
      data::HistoryEntry entry;
      entry.item.has_meta = true;
      entry.item.meta.item = "H" + std::to_string(i) + "_" + std::to_string(h);
      entry.item.meta.title = kTitles[(i + static_cast<std::size_t>(h) + 1) % 6];
      entry.rating = static_cast<int>((i + static_cast<std::size_t>(h)) % 5) + 1;
      entry.review = "I found it " + std::string(h % 2 ? "lovely" : "just fine") + ", item " +
                     std::to_string(h);
      entry.time = e.time - 1000 + h;
      e.history.push_back(std::move(entry));
    }
    e.id = e.user + "/" + e.target.meta.item + "/" + std::to_string(e.time);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace reasonrec::test
