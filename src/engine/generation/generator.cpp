#include "engine/generation/generator.hpp"

#include <algorithm>
#include <limits>
#include <numeric>
#include <optional>

#include "engine/generation/decode_step.hpp"
#include "engine/generation/sampler.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {
namespace {

// Sequences left-padded to a common width: real tokens sit at the right, padding is invalid
// and every real token's rotary position counts only the real tokens before it.
struct PaddedBatch {
  torch::Tensor tokens, positions, valid;  // [B, W]
  std::int64_t width = 0;
};

PaddedBatch left_padded(const std::vector<const std::vector<std::int32_t>*>& sequences) {
  PaddedBatch batch;
  for (const auto* s : sequences)
    batch.width = std::max<std::int64_t>(batch.width, static_cast<std::int64_t>(s->size()));
  const auto B = static_cast<std::int64_t>(sequences.size());
  batch.tokens = torch::zeros({B, batch.width}, torch::kInt64);
  batch.positions = torch::zeros({B, batch.width}, torch::kInt64);
  batch.valid = torch::zeros({B, batch.width}, torch::kBool);
  auto tokens = batch.tokens.accessor<std::int64_t, 2>();
  auto positions = batch.positions.accessor<std::int64_t, 2>();
  auto valid = batch.valid.accessor<bool, 2>();
  for (std::int64_t b = 0; b < B; ++b) {
    const auto& s = *sequences[static_cast<std::size_t>(b)];
    const std::int64_t pad = batch.width - static_cast<std::int64_t>(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
      const std::int64_t col = pad + static_cast<std::int64_t>(i);
      tokens[b][col] = s[i];
      positions[b][col] = static_cast<std::int64_t>(i);
      valid[b][col] = true;
    }
  }
  return batch;
}

std::vector<float> row_of(const torch::Tensor& matrix, std::int64_t row) {
  const torch::Tensor r = matrix.select(0, row).contiguous();
  const float* p = r.data_ptr<float>();
  return std::vector<float>(p, p + r.numel());
}

}  // namespace

Generator::Generator(const LlamaModel& model, const Tokenizer& tokenizer, GeneratorOptions options)
    : model_(model), tokenizer_(tokenizer), options_(std::move(options)) {
  if (options_.max_batch_rows < 1) options_.max_batch_rows = 1;
}

void Generator::check_prompt(const std::vector<std::int32_t>& prompt) const {
  engine::check_prompt(prompt, model_.config().vocab_size, options_.context_limit);
}

std::vector<std::vector<Generation>> Generator::generate(
    std::span<const GenerationSpec> specs) const {
  std::vector<std::vector<Generation>> out(specs.size());
  for (const auto& spec : specs) check_prompt(spec.prompt);
  // Similar lengths together waste the least padding.
  std::vector<std::size_t> order(specs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return specs[a].prompt.size() < specs[b].prompt.size();
  });
  std::vector<std::size_t> chunk;
  int rows = 0;
  for (std::size_t index : order) {
    const int n = std::max(specs[index].n, 0);
    if (n == 0) continue;
    if (!chunk.empty() && rows + n > options_.max_batch_rows) {
      generate_chunk(specs, chunk, out);
      chunk.clear();
      rows = 0;
    }
    chunk.push_back(index);
    rows += n;
  }
  if (!chunk.empty()) generate_chunk(specs, chunk, out);
  return out;
}

void Generator::generate_chunk(std::span<const GenerationSpec> specs,
                               const std::vector<std::size_t>& chunk,
                               std::vector<std::vector<Generation>>& out) const {
  torch::InferenceMode inference;
  std::vector<const std::vector<std::int32_t>*> prompts;
  int max_new = 0;
  for (std::size_t index : chunk) {
    prompts.push_back(&specs[index].prompt);
    max_new = std::max(max_new, specs[index].max_new_tokens);
  }
  const PaddedBatch batch = left_padded(prompts);
  KvCache cache = model_.make_cache(static_cast<std::int64_t>(chunk.size()),
                                    batch.width + std::min(max_new, 256));
  const torch::Tensor hidden = model_.forward(batch.tokens, batch.positions, batch.valid, cache);
  torch::Tensor logits = model_.logits(hidden.select(1, batch.width - 1));  // [B, V]

  // One row per sample; samples of a prompt share its prefill.
  std::vector<std::int64_t> source_rows;
  std::vector<SampleDecoder> rows;
  std::vector<std::size_t> row_spec;
  for (std::size_t b = 0; b < chunk.size(); ++b) {
    const GenerationSpec& spec = specs[chunk[b]];
    out[chunk[b]].resize(static_cast<std::size_t>(spec.n));
    for (int s = 0; s < spec.n; ++s) {
      source_rows.push_back(static_cast<std::int64_t>(b));
      rows.emplace_back(spec, s);
      row_spec.push_back(chunk[b]);
    }
  }
  bool identity = source_rows.size() == chunk.size();
  if (!identity) {
    cache = cache.select(source_rows);
    logits = logits.index_select(0, torch::tensor(source_rows, torch::kInt64));
  }

  const DecodeRules rules{&tokenizer_, options_.eos_ids, options_.context_limit};
  while (true) {
    const torch::Tensor step_logits = logits.contiguous();
    const auto vocab = static_cast<std::size_t>(step_logits.size(1));
    std::vector<std::int64_t> keep;
    for (std::size_t r = 0; r < rows.size(); ++r) {
      const float* data = step_logits.data_ptr<float>() + r * vocab;
      if (rows[r].step(std::span<const float>(data, vocab), rules)) {
        keep.push_back(static_cast<std::int64_t>(r));
      }
    }
    if (keep.size() != rows.size()) {
      std::vector<SampleDecoder> remaining;
      std::vector<std::size_t> remaining_spec;
      for (std::size_t r = 0; r < rows.size(); ++r) {
        if (rows[r].done()) {
          out[row_spec[r]][static_cast<std::size_t>(rows[r].sample())] = rows[r].take_result();
        } else {
          remaining.push_back(std::move(rows[r]));
          remaining_spec.push_back(row_spec[r]);
        }
      }
      rows = std::move(remaining);
      row_spec = std::move(remaining_spec);
      if (rows.empty()) break;
      cache = cache.select(keep);
    }
    const auto A = static_cast<std::int64_t>(rows.size());
    std::vector<std::int64_t> next_tokens, next_positions;
    for (const SampleDecoder& row : rows) {
      next_tokens.push_back(row.next_token());
      next_positions.push_back(row.next_position());
    }
    const torch::Tensor step_hidden =
        model_.forward(torch::tensor(next_tokens, torch::kInt64).view({A, 1}),
                       torch::tensor(next_positions, torch::kInt64).view({A, 1}),
                       torch::ones({A, 1}, torch::kBool), cache);
    logits = model_.logits(step_hidden.select(1, 0));
  }
}

std::vector<ContinuationScore> Generator::score(std::span<const ContinuationSpec> specs) const {
  torch::InferenceMode inference;
  std::vector<ContinuationScore> out(specs.size());
  std::vector<std::vector<std::int32_t>> full(specs.size());
  for (std::size_t i = 0; i < specs.size(); ++i) {
    check_prompt(specs[i].prompt);
    full[i] = specs[i].prompt;
    full[i].insert(full[i].end(), specs[i].continuation.begin(), specs[i].continuation.end());
    check_prompt(full[i]);
  }
  const auto step = static_cast<std::size_t>(options_.max_batch_rows);
  for (std::size_t begin = 0; begin < specs.size(); begin += step) {
    const std::size_t end = std::min(specs.size(), begin + step);
    std::vector<const std::vector<std::int32_t>*> sequences;
    for (std::size_t i = begin; i < end; ++i) sequences.push_back(&full[i]);
    const PaddedBatch batch = left_padded(sequences);
    KvCache cache = model_.make_cache(static_cast<std::int64_t>(sequences.size()), batch.width);
    const torch::Tensor hidden = model_.forward(batch.tokens, batch.positions, batch.valid, cache);
    for (std::size_t i = begin; i < end; ++i) {
      const auto& spec = specs[i];
      const auto b = static_cast<std::int64_t>(i - begin);
      const std::int64_t pad = batch.width - static_cast<std::int64_t>(full[i].size());
      const auto count = static_cast<std::int64_t>(spec.continuation.size());
      if (count == 0) continue;
      // Position p predicts token p + 1.
      const std::int64_t first = pad + static_cast<std::int64_t>(spec.prompt.size()) - 1;
      const torch::Tensor lp = torch::log_softmax(
          model_.logits(hidden.select(0, b).narrow(0, first, count)).to(torch::kFloat64), -1);
      for (std::int64_t t = 0; t < count; ++t) {
        const double value = lp[t][spec.continuation[static_cast<std::size_t>(t)]].item<double>();
        out[i].token_logprobs.push_back(static_cast<float>(value));
        out[i].total_logprob += value;
      }
    }
  }
  return out;
}

std::vector<std::vector<float>> Generator::next_token_logprobs(
    std::span<const std::vector<std::int32_t>> prompts) const {
  torch::InferenceMode inference;
  std::vector<std::vector<float>> out;
  const auto step = static_cast<std::size_t>(options_.max_batch_rows);
  for (std::size_t begin = 0; begin < prompts.size(); begin += step) {
    const std::size_t end = std::min(prompts.size(), begin + step);
    std::vector<const std::vector<std::int32_t>*> sequences;
    for (std::size_t i = begin; i < end; ++i) {
      check_prompt(prompts[i]);
      sequences.push_back(&prompts[i]);
    }
    const PaddedBatch batch = left_padded(sequences);
    KvCache cache = model_.make_cache(static_cast<std::int64_t>(sequences.size()), batch.width);
    const torch::Tensor hidden = model_.forward(batch.tokens, batch.positions, batch.valid, cache);
    const torch::Tensor logits = model_.logits(hidden.select(1, batch.width - 1));
    for (std::int64_t b = 0; b < logits.size(0); ++b) out.push_back(log_softmax(row_of(logits, b)));
  }
  return out;
}

std::vector<std::vector<float>> Generator::logits(std::span<const std::int32_t> ids) const {
  torch::InferenceMode inference;
  const std::vector<std::int32_t> sequence(ids.begin(), ids.end());
  check_prompt(sequence);
  const PaddedBatch batch = left_padded({&sequence});
  KvCache cache = model_.make_cache(1, batch.width);
  const torch::Tensor all =
      model_.logits(model_.forward(batch.tokens, batch.positions, batch.valid, cache)).select(0, 0);
  std::vector<std::vector<float>> out;
  for (std::int64_t t = 0; t < all.size(0); ++t) out.push_back(row_of(all, t));
  return out;
}

}  // namespace reasonrec::engine
