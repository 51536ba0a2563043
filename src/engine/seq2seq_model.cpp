#include "engine/seq2seq_model.hpp"

#include <algorithm>
#include <cmath>

#include "engine/checkpoint/checkpoint_dir.hpp"
#include "engine/generation/sampler.hpp"
#include "engine/model/t5.hpp"
#include "engine/tokenizer/tokenizer.hpp"
#include "util/error.hpp"
#include "util/random.hpp"

namespace reasonrec::engine {

struct Seq2SeqModel::Impl {
  std::filesystem::path dir;
  T5Model model;
  std::unique_ptr<Tokenizer> tokenizer;
};

namespace {

// Right-padded [B, T] ids (padding `pad`) and the matching 0/1 mask.
std::pair<torch::Tensor, torch::Tensor> pad_batch(
    const std::vector<std::vector<std::int32_t>>& rows, std::int64_t pad) {
  std::size_t longest = 1;
  for (const auto& r : rows) longest = std::max(longest, r.size());
  const auto batch = static_cast<std::int64_t>(rows.size());
  torch::Tensor ids = torch::full({batch, static_cast<std::int64_t>(longest)}, pad, torch::kLong);
  torch::Tensor mask = torch::zeros({batch, static_cast<std::int64_t>(longest)}, torch::kLong);
  auto id_acc = ids.accessor<std::int64_t, 2>();
  auto mask_acc = mask.accessor<std::int64_t, 2>();
  for (std::size_t b = 0; b < rows.size(); ++b) {
    for (std::size_t t = 0; t < rows[b].size(); ++t) {
      id_acc[static_cast<std::int64_t>(b)][static_cast<std::int64_t>(t)] = rows[b][t];
      mask_acc[static_cast<std::int64_t>(b)][static_cast<std::int64_t>(t)] = 1;
    }
  }
  return {ids, mask};
}

std::vector<float> row_values(const torch::Tensor& logits, std::int64_t b, std::int64_t t) {
  const torch::Tensor row = logits[b][t].contiguous();
  const float* data = row.data_ptr<float>();
  return std::vector<float>(data, data + row.numel());
}

// Rows run through the model together.
constexpr std::size_t kMaxBatchRows = 16;

void require_prompts(std::span<const std::vector<std::int32_t>> prompts) {
  for (const auto& p : prompts) {
    if (p.empty()) throw Error("T5: empty prompt (the encoder needs at least one token)");
  }
}

}  // namespace

Seq2SeqModel::Seq2SeqModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Seq2SeqModel::Seq2SeqModel(Seq2SeqModel&&) noexcept = default;
Seq2SeqModel& Seq2SeqModel::operator=(Seq2SeqModel&&) noexcept = default;
Seq2SeqModel::~Seq2SeqModel() = default;

Seq2SeqModel Seq2SeqModel::load(const std::filesystem::path& dir) {
  at::set_num_threads(1);  // OpenBLAS threads the GEMMs; two pools fight otherwise
  const CheckpointDir checkpoint = CheckpointDir::open(dir);
  auto impl = std::unique_ptr<Impl>(new Impl{dir, T5Model::load(checkpoint), nullptr});
  if (std::filesystem::exists(dir / "tokenizer.json") ||
      std::filesystem::exists(dir / "spiece.model") ||
      std::filesystem::exists(dir / "tokenizer.model")) {
    impl->tokenizer = load_tokenizer(dir);
  }
  return Seq2SeqModel(std::move(impl));
}

const std::filesystem::path& Seq2SeqModel::dir() const {
  return impl_->dir;
}
std::int32_t Seq2SeqModel::vocab_size() const {
  return static_cast<std::int32_t>(impl_->model.config().vocab_size);
}
std::int32_t Seq2SeqModel::eos_id() const {
  return impl_->model.config().eos_token_id;
}
std::int32_t Seq2SeqModel::decoder_start_id() const {
  return impl_->model.config().decoder_start_token_id;
}
bool Seq2SeqModel::has_tokenizer() const {
  return impl_->tokenizer != nullptr;
}
const Tokenizer& Seq2SeqModel::tokenizer() const {
  if (!impl_->tokenizer)
    throw UsageError(impl_->dir.string() + ": no tokenizer in the model directory");
  return *impl_->tokenizer;
}

std::vector<std::vector<float>> Seq2SeqModel::logits(std::span<const std::int32_t> input_ids,
                                                     std::span<const std::int32_t> decoder_ids,
                                                     bool incremental) const {
  require_prompts(std::vector<std::vector<std::int32_t>>{{input_ids.begin(), input_ids.end()}});
  torch::InferenceMode guard;
  const T5Model& m = impl_->model;
  const auto [ids, mask] =
      pad_batch({{input_ids.begin(), input_ids.end()}}, m.config().pad_token_id);
  T5DecoderCache cache = m.start_decoder(m.encode(ids, mask), mask);
  std::vector<std::vector<float>> out;
  if (decoder_ids.empty()) return out;
  if (incremental) {
    for (const std::int32_t id : decoder_ids) {
      const torch::Tensor step = torch::full({1, 1}, static_cast<std::int64_t>(id), torch::kLong);
      out.push_back(row_values(m.decode(step, cache), 0, 0));
    }
  } else {
    const auto [dec, dec_mask] =
        pad_batch({{decoder_ids.begin(), decoder_ids.end()}}, m.config().pad_token_id);
    const torch::Tensor logits = m.decode(dec, cache);
    for (std::int64_t t = 0; t < logits.size(1); ++t) out.push_back(row_values(logits, 0, t));
  }
  return out;
}

std::vector<std::vector<std::vector<float>>> Seq2SeqModel::batch_logits(
    const std::vector<std::vector<std::int32_t>>& inputs,
    const std::vector<std::vector<std::int32_t>>& decoder_ids) const {
  if (inputs.size() != decoder_ids.size()) {
    throw Error("T5: as many decoder sequences as inputs are needed");
  }
  require_prompts(inputs);
  std::vector<std::vector<std::vector<float>>> out(inputs.size());
  torch::InferenceMode guard;
  const T5Model& m = impl_->model;
  // Bounded batches: activations grow with rows x length.
  for (std::size_t begin = 0; begin < inputs.size(); begin += kMaxBatchRows) {
    const std::size_t end = std::min(inputs.size(), begin + kMaxBatchRows);
    const std::vector<std::vector<std::int32_t>> enc_rows(inputs.begin() + begin,
                                                          inputs.begin() + end);
    const std::vector<std::vector<std::int32_t>> dec_rows(decoder_ids.begin() + begin,
                                                          decoder_ids.begin() + end);
    const auto [ids, mask] = pad_batch(enc_rows, m.config().pad_token_id);
    T5DecoderCache cache = m.start_decoder(m.encode(ids, mask), mask);
    const auto [dec, dec_mask] = pad_batch(dec_rows, m.config().pad_token_id);
    const torch::Tensor logits = m.decode(dec, cache);
    for (std::size_t b = begin; b < end; ++b) {
      for (std::size_t t = 0; t < decoder_ids[b].size(); ++t) {
        out[b].push_back(
            row_values(logits, static_cast<std::int64_t>(b - begin), static_cast<std::int64_t>(t)));
      }
    }
  }
  return out;
}

std::vector<std::vector<Generation>> Seq2SeqModel::generate(
    std::span<const GenerationSpec> specs) const {
  for (const GenerationSpec& s : specs) {
    if (!s.stop.empty() && !impl_->tokenizer) {
      throw UsageError("T5: stop strings need the model's tokenizer");
    }
    if (s.prompt.empty()) throw Error("T5: empty prompt (the encoder needs at least one token)");
  }
  // Specs in chunks of at most kMaxBatchRows samples (a larger n runs alone); each sample's
  // tokens do not depend on its chunk.
  std::vector<std::vector<Generation>> out;
  std::size_t begin = 0;
  while (begin < specs.size()) {
    std::size_t end = begin;
    std::size_t rows = 0;
    while (end < specs.size() &&
           (end == begin ||
            rows + static_cast<std::size_t>(std::max(0, specs[end].n)) <= kMaxBatchRows)) {
      rows += static_cast<std::size_t>(std::max(0, specs[end].n));
      ++end;
    }
    auto chunk = generate_chunk(specs.subspan(begin, end - begin));
    for (auto& g : chunk) out.push_back(std::move(g));
    begin = end;
  }
  return out;
}

std::vector<std::vector<Generation>> Seq2SeqModel::generate_chunk(
    std::span<const GenerationSpec> specs) const {
  std::vector<std::vector<std::int32_t>> prompts;
  for (const GenerationSpec& s : specs) prompts.push_back(s.prompt);
  std::vector<std::vector<Generation>> out(specs.size());
  if (specs.empty()) return out;
  torch::InferenceMode guard;
  const T5Model& m = impl_->model;
  const auto [ids, mask] = pad_batch(prompts, m.config().pad_token_id);
  const T5DecoderCache encoded = m.start_decoder(m.encode(ids, mask), mask);

  struct Row {
    std::size_t spec;
    std::size_t sample;
    Rng rng;
    std::int32_t next;
  };
  std::vector<Row> rows;
  std::vector<std::int64_t> cache_rows;
  for (std::size_t s = 0; s < specs.size(); ++s) {
    out[s].resize(static_cast<std::size_t>(std::max(0, specs[s].n)));
    for (int i = 0; i < specs[s].n; ++i) {
      if (specs[s].max_new_tokens <= 0) {
        out[s][static_cast<std::size_t>(i)].finish_reason = "length";
        continue;
      }
      rows.push_back({s, static_cast<std::size_t>(i),
                      Rng(specs[s].seed + static_cast<std::uint64_t>(i)), decoder_start_id()});
      cache_rows.push_back(static_cast<std::int64_t>(s));
    }
  }
  if (rows.empty()) return out;
  T5DecoderCache cache = encoded.select(cache_rows);
  while (!rows.empty()) {
    std::vector<std::int64_t> feed;
    for (const Row& r : rows) feed.push_back(r.next);
    const torch::Tensor step =
        torch::tensor(feed, torch::kLong).view({static_cast<std::int64_t>(rows.size()), 1});
    const torch::Tensor logits = m.decode(step, cache);
    std::vector<Row> still;
    std::vector<std::int64_t> keep;
    for (std::size_t k = 0; k < rows.size(); ++k) {
      Row& r = rows[k];
      const GenerationSpec& spec = specs[r.spec];
      Generation& g = out[r.spec][r.sample];
      const std::vector<float> lg = row_values(logits, static_cast<std::int64_t>(k), 0);
      const std::int32_t token = sample_token(lg, spec.sampling, r.rng);
      const bool is_stop_token = (!spec.ignore_eos && token == eos_id()) ||
                                 std::find(spec.stop_token_ids.begin(), spec.stop_token_ids.end(),
                                           token) != spec.stop_token_ids.end();
      if (spec.top_logprobs >= 0) {
        const std::vector<float> lp = log_softmax(lg);
        GeneratedToken gt{token, lp[static_cast<std::size_t>(token)],
                          top_entries(lp, spec.top_logprobs)};
        if (!is_stop_token) g.logprobs.push_back(std::move(gt));
      }
      if (is_stop_token) {
        g.finish_reason = "stop";
        g.stop_token = token;
        continue;
      }
      g.tokens.push_back(token);
      if (impl_->tokenizer) g.text += impl_->tokenizer->token_bytes(token);
      bool stopped = false;
      for (const std::string& stop : spec.stop) {
        const auto at = stop.empty() ? std::string::npos : g.text.find(stop);
        if (at != std::string::npos) {
          g.text.resize(at);
          stopped = true;
        }
      }
      if (stopped) {
        g.finish_reason = "stop";
        continue;
      }
      if (static_cast<int>(g.tokens.size()) >= spec.max_new_tokens) {
        g.finish_reason = "length";
        continue;
      }
      r.next = token;
      keep.push_back(static_cast<std::int64_t>(k));
      still.push_back(r);
    }
    if (still.size() != rows.size() && !still.empty()) cache = cache.select(keep);
    rows = std::move(still);
  }
  return out;
}

std::vector<ContinuationScore> Seq2SeqModel::score(std::span<const ContinuationSpec> specs) const {
  std::vector<std::vector<std::int32_t>> inputs, decoder_inputs;
  for (const ContinuationSpec& s : specs) {
    inputs.push_back(s.prompt);
    std::vector<std::int32_t> dec{decoder_start_id()};
    if (!s.continuation.empty()) {
      dec.insert(dec.end(), s.continuation.begin(), s.continuation.end() - 1);
    }
    decoder_inputs.push_back(std::move(dec));
  }
  const auto logits = batch_logits(inputs, decoder_inputs);
  std::vector<ContinuationScore> out(specs.size());
  for (std::size_t i = 0; i < specs.size(); ++i) {
    for (std::size_t t = 0; t < specs[i].continuation.size(); ++t) {
      const std::int32_t target = specs[i].continuation[t];
      if (target < 0 || target >= vocab_size()) {
        throw Error("T5: continuation token " + std::to_string(target) +
                    " is outside the vocabulary");
      }
      const float lp = log_softmax(logits[i][t])[static_cast<std::size_t>(target)];
      out[i].token_logprobs.push_back(lp);
      out[i].total_logprob += lp;
    }
  }
  return out;
}

std::vector<std::vector<float>> Seq2SeqModel::next_token_logprobs(
    std::span<const std::vector<std::int32_t>> prompts) const {
  std::vector<std::vector<std::int32_t>> inputs(prompts.begin(), prompts.end());
  const std::vector<std::vector<std::int32_t>> starts(inputs.size(), {decoder_start_id()});
  const auto logits = batch_logits(inputs, starts);
  std::vector<std::vector<float>> out;
  for (const auto& l : logits) out.push_back(log_softmax(l.front()));
  return out;
}

std::vector<Seq2SeqRating> seq2seq_rating_distributions(
    const Seq2SeqModel& model, std::span<const std::vector<std::int32_t>> prompts,
    std::span<const std::int32_t> rating_ids) {
  if (rating_ids.size() != 5) throw Error("rating distributions need the ids of \"1\"..\"5\"");
  std::vector<Seq2SeqRating> out;
  for (const std::vector<float>& lp : model.next_token_logprobs(prompts)) {
    Seq2SeqRating d;
    for (const std::int32_t id : rating_ids) {
      if (id < 0 || static_cast<std::size_t>(id) >= lp.size()) {
        throw Error("rating token id " + std::to_string(id) + " is outside the vocabulary");
      }
      d.probabilities.push_back(std::exp(static_cast<double>(lp[static_cast<std::size_t>(id)])));
      d.raw_mass += d.probabilities.back();
    }
    for (double& p : d.probabilities) p /= d.raw_mass;
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<std::int32_t> rating_token_ids(const Tokenizer& tokenizer) {
  std::vector<std::int32_t> ids;
  for (int k = 1; k <= 5; ++k) {
    const std::string digit = std::to_string(k);
    auto id = tokenizer.token_to_id(digit);
    if (!id) id = tokenizer.token_to_id("\xE2\x96\x81" + digit);  // "▁1"
    if (!id) throw Error("the tokenizer has no token for the rating \"" + digit + "\"");
    ids.push_back(*id);
  }
  return ids;
}

}  // namespace reasonrec::engine
