#include "engine/serving/scheduler.hpp"

#include <algorithm>
#include <limits>

#include "engine/serving/stream_text.hpp"

namespace reasonrec::engine {
namespace {

// Free cache columns allocated beyond the current length whenever the batch is re-laid out:
// steps until then write in place.
constexpr std::int64_t kHeadroom = 64;

std::size_t saturating_multiply(std::size_t a, std::size_t b) {
  if (a != 0 && b > std::numeric_limits<std::size_t>::max() / a) {
    return std::numeric_limits<std::size_t>::max();
  }
  return a * b;
}

std::size_t saturating_add(std::size_t a, std::size_t b) {
  return b > std::numeric_limits<std::size_t>::max() - a ? std::numeric_limits<std::size_t>::max()
                                                         : a + b;
}

}  // namespace

Scheduler::Scheduler(const LlamaModel& model, const Tokenizer& tokenizer,
                     std::vector<std::int32_t> eos_ids, std::int64_t context_limit,
                     ServingOptions options)
    : model_(model),
      tokenizer_(tokenizer),
      eos_ids_(std::move(eos_ids)),
      rules_{&tokenizer_, eos_ids_, context_limit},
      options_(options) {
  if (options_.max_batch_rows < 1) options_.max_batch_rows = 1;
  const LlamaConfig& c = model_.config();
  bytes_per_token_ =
      static_cast<std::size_t>(2 * c.num_hidden_layers * c.num_key_value_heads * c.head_dim) *
      sizeof(float);
}

std::size_t Scheduler::reservation(const GenerationSpec& spec) const {
  // Each sample's keys and values at their longest: the prompt and every new token.
  std::size_t tokens = saturating_add(spec.prompt.size(),
                                      static_cast<std::size_t>(std::max(spec.max_new_tokens, 1)));
  if (rules_.context_limit > 0) {
    tokens = std::min(tokens, static_cast<std::size_t>(rules_.context_limit));
  }
  return saturating_multiply(tokens, bytes_per_token_);
}

bool Scheduler::fits(const ServingRequest& request) const {
  if (idle()) return true;  // alone, a request always runs
  const auto n = static_cast<std::size_t>(std::max(request.spec().n, 0));
  if (rows_.size() + joining_rows_ + n > static_cast<std::size_t>(options_.max_batch_rows)) {
    return false;
  }
  const std::size_t need = saturating_multiply(n, reservation(request.spec()));
  return saturating_add(reserved_, need) <= options_.kv_budget_bytes;
}

void Scheduler::admit(const std::shared_ptr<ServingRequest>& request) {
  const GenerationSpec& spec = request->spec();
  const int n = std::max(spec.n, 0);
  if (n == 0) return;
  const auto P = static_cast<std::int64_t>(spec.prompt.size());
  try {
    // At least the last prompt token is computed: its output is the first next-token logits.
    std::int64_t reused = 0;
    std::optional<KvCache> cache;
    if (options_.prefix_cache) {
      const PrefixCache::Match match = prefix_cache_.longest_prefix(spec.prompt, P - 1);
      if (match.length > 0) {
        reused = match.length;
        cache = match.cache->prefix(reused, P);
      }
    }
    if (!cache) cache = model_.make_cache(1, P);
    const std::int64_t T = P - reused;
    std::vector<std::int64_t> tokens(spec.prompt.begin() + reused, spec.prompt.end());
    const torch::Tensor positions = torch::arange(reused, P, torch::kInt64).view({1, T});
    const torch::Tensor hidden =
        model_.forward(torch::tensor(tokens, torch::kInt64).view({1, T}), positions,
                       torch::ones({1, T}, torch::kBool), *cache);
    const torch::Tensor logits = model_.logits(hidden.select(1, T - 1));  // [1, vocab]
    update_stats([&](ServingStats& s) {
      s.prompt_tokens_computed += static_cast<std::uint64_t>(T);
      s.prompt_tokens_reused += static_cast<std::uint64_t>(reused);
    });
    if (options_.prefix_cache) {
      prefix_cache_.insert(spec.prompt, cache->prefix(P, P));
      fit_cache_to_budget();
    }

    Joining joining{n == 1 ? *cache : cache->select(std::vector<std::int64_t>(n, 0)),
                    n == 1 ? logits : logits.expand({n, logits.size(1)}),
                    {}};
    const std::size_t per_row = reservation(spec);
    for (int s = 0; s < n; ++s) {
      joining.rows.push_back({request, SampleDecoder(spec, s), 0, per_row});
      reserved_ += per_row;
    }
    joining_rows_ += static_cast<std::size_t>(n);
    joining_.push_back(std::move(joining));
  } catch (...) {
    request->fail(std::current_exception());
  }
}

void Scheduler::fit_cache_to_budget() {
  const std::size_t budget =
      options_.kv_budget_bytes > reserved_ ? options_.kv_budget_bytes - reserved_ : 0;
  const std::size_t dropped = prefix_cache_.evict_to(budget);
  update_stats([&](ServingStats& s) {
    s.evictions += dropped;
    s.cached_prefixes = prefix_cache_.entries();
    s.cache_bytes = prefix_cache_.bytes();
  });
}

void Scheduler::merge_joining() {
  if (joining_.empty()) return;
  std::vector<KvCache> parts;
  std::vector<torch::Tensor> logits;
  if (batch_) {
    parts.push_back(*batch_);
    logits.push_back(logits_);
  }
  for (Joining& j : joining_) {
    parts.push_back(std::move(j.cache));
    logits.push_back(j.logits);
    for (Row& row : j.rows) rows_.push_back(std::move(row));
  }
  joining_.clear();
  joining_rows_ = 0;
  batch_ = parts.size() == 1 ? std::move(parts.front()) : KvCache::concat(parts, kHeadroom);
  logits_ = torch::cat(logits, 0).contiguous();
}

void Scheduler::stream(Row& row) {
  const Generation& g = row.decoder.result();
  const std::size_t end =
      row.decoder.done() ? g.text.size()
                         : std::max(row.released, final_bytes(g.text, row.request->spec().stop));
  const std::size_t from = std::min(row.released, g.text.size());
  const std::string_view piece = std::string_view(g.text).substr(from, end > from ? end - from : 0);
  if (row.decoder.appended()) {
    TokenEvent event;
    event.sample = row.decoder.sample();
    if (!g.logprobs.empty() && g.logprobs.back().id == g.tokens.back() &&
        g.logprobs.size() == g.tokens.size()) {
      event.token = g.logprobs.back();
    } else {
      event.token.id = g.tokens.back();
    }
    event.text = piece;
    row.request->emit(event);
  } else if (!piece.empty()) {
    TokenEvent event;
    event.sample = row.decoder.sample();
    event.text = piece;
    event.has_token = false;
    row.request->emit(event);
  }
  row.released = std::max(row.released, end);
}

void Scheduler::finish(Row& row) {
  reserved_ -= std::min(reserved_, row.reserved);
  row.reserved = 0;
  if (row.decoder.result().finish_reason == "cancelled" && row.request->take_cancellation()) {
    count_cancelled();
  }
  const int sample = row.decoder.sample();
  row.request->finish_sample(sample, row.decoder.take_result());
}

void Scheduler::decode(std::vector<std::int64_t>& keep) {
  const auto vocab = static_cast<std::size_t>(logits_.size(1));
  const float* data = logits_.data_ptr<float>();
  std::uint64_t generated = 0;
  for (std::size_t r = 0; r < rows_.size(); ++r) {
    SampleDecoder& decoder = rows_[r].decoder;
    if (rows_[r].request->stopping()) {
      decoder.stop("cancelled");
    } else {
      decoder.step(std::span<const float>(data + r * vocab, vocab), rules_);
      if (decoder.appended()) ++generated;
    }
  }
  // Counted before any request can complete: a caller's wait() then sees its tokens counted.
  update_stats([&](ServingStats& s) { s.generated_tokens += generated; });
  for (std::size_t r = 0; r < rows_.size(); ++r) {
    Row& row = rows_[r];
    stream(row);
    if (row.decoder.done()) {
      finish(row);
    } else {
      keep.push_back(static_cast<std::int64_t>(r));
    }
  }
}

void Scheduler::step() {
  try {
    merge_joining();
    if (rows_.empty()) return;
    std::vector<std::int64_t> keep;
    decode(keep);
    if (keep.size() != rows_.size()) {
      std::vector<Row> remaining;
      for (std::int64_t r : keep)
        remaining.push_back(std::move(rows_[static_cast<std::size_t>(r)]));
      rows_ = std::move(remaining);
      if (rows_.empty()) {
        batch_.reset();
        logits_ = torch::Tensor();
        return;
      }
      // Only when the row set changes is the cache laid out again.
      batch_ = batch_->select(keep).without_unused_columns(kHeadroom);
    }
    const auto A = static_cast<std::int64_t>(rows_.size());
    std::vector<std::int64_t> tokens, positions;
    tokens.reserve(rows_.size());
    positions.reserve(rows_.size());
    for (const Row& row : rows_) {
      tokens.push_back(row.decoder.next_token());
      positions.push_back(row.decoder.next_position());
    }
    const torch::Tensor hidden =
        model_.forward(torch::tensor(tokens, torch::kInt64).view({A, 1}),
                       torch::tensor(positions, torch::kInt64).view({A, 1}),
                       torch::ones({A, 1}, torch::kBool), *batch_);
    logits_ = model_.logits(hidden.select(1, 0)).contiguous();
    update_stats([](ServingStats& s) { ++s.decode_steps; });
  } catch (...) {
    fail_batch(std::current_exception());
  }
}

void Scheduler::fail_batch(const std::exception_ptr& error) {
  for (Row& row : rows_) row.request->fail(error);
  for (Joining& j : joining_) {
    for (Row& row : j.rows) row.request->fail(error);
  }
  rows_.clear();
  joining_.clear();
  joining_rows_ = 0;
  reserved_ = 0;
  batch_.reset();
  logits_ = torch::Tensor();
}

void Scheduler::cancel_all() {
  for (Joining& j : joining_) {
    for (Row& row : j.rows) rows_.push_back(std::move(row));
  }
  joining_.clear();
  joining_rows_ = 0;
  for (Row& row : rows_) {
    row.request->cancel();
    row.decoder.stop("cancelled");
    stream(row);
    finish(row);
  }
  rows_.clear();
  reserved_ = 0;
  batch_.reset();
  logits_ = torch::Tensor();
}

void Scheduler::count_submitted(std::size_t prompt_tokens) {
  update_stats([&](ServingStats& s) {
    ++s.requests;
    s.prompt_tokens += prompt_tokens;
  });
}

void Scheduler::count_cancelled() {
  update_stats([](ServingStats& s) { ++s.cancelled; });
}

ServingStats Scheduler::stats() const {
  std::lock_guard lock(stats_mutex_);
  return stats_;
}

}  // namespace reasonrec::engine
