#include "engine/seq2seq_model.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/checkpoint/checkpoint_dir.hpp"
#include "engine/generation/decode_step.hpp"
#include "engine/generation/sampler.hpp"
#include "engine/model/peft_adapter.hpp"
#include "engine/model/t5.hpp"
#include "engine/tokenizer/tokenizer.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {

struct Seq2SeqModel::Impl {
  std::filesystem::path dir;
  T5Model model;
  std::shared_ptr<const Tokenizer> tokenizer;
  std::vector<std::int32_t> eos;
  std::size_t max_batch_rows = 16;
};

namespace {

// Stands in for the tokenizer of a directory without one: tokens add no text (stop strings
// are refused before decoding starts), so generation still yields token ids.
class NoText final : public Tokenizer {
 public:
  std::vector<std::int32_t> encode(std::string_view, bool) const override { return {}; }
  std::string decode(std::span<const std::int32_t>, bool) const override { return {}; }
  std::int32_t vocab_size() const override { return 0; }
  std::optional<std::int32_t> token_to_id(std::string_view) const override { return std::nullopt; }
  std::string id_to_token(std::int32_t) const override { return {}; }
  std::string token_bytes(std::int32_t) const override { return {}; }
  bool is_special(std::int32_t) const override { return true; }
  std::optional<std::int32_t> bos_id() const override { return std::nullopt; }
  std::optional<std::int32_t> eos_id() const override { return std::nullopt; }
  std::optional<std::int32_t> pad_id() const override { return std::nullopt; }
};

void add_id(std::vector<std::int32_t>& ids, std::int32_t id) {
  if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
}

// generation_config.json's eos_token_id: an int or a list of ints.
void add_ids(const nlohmann::json* config, std::vector<std::int32_t>& ids) {
  if (config == nullptr || !config->is_object()) return;
  const auto it = config->find("eos_token_id");
  if (it == config->end()) return;
  const auto add = [&](const nlohmann::json& id) {
    if (id.is_number_integer()) add_id(ids, id.get<std::int32_t>());
  };
  if (it->is_array()) {
    for (const auto& id : *it) add(id);
  } else {
    add(*it);
  }
}

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

// The decoder's output is a text of its own, not the continuation of one (drop_start_space).
// Not under a constraint, whose regex matched the text as generated.

void require_prompts(std::span<const std::vector<std::int32_t>> prompts, std::int64_t vocab_size) {
  for (const auto& p : prompts) check_prompt(p, vocab_size, 0);  // relative positions: no limit
}

}  // namespace

Seq2SeqModel::Seq2SeqModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Seq2SeqModel::Seq2SeqModel(Seq2SeqModel&&) noexcept = default;
Seq2SeqModel& Seq2SeqModel::operator=(Seq2SeqModel&&) noexcept = default;
Seq2SeqModel::~Seq2SeqModel() = default;

Seq2SeqModel Seq2SeqModel::load(const std::filesystem::path& dir, Seq2SeqOptions options) {
  at::set_num_threads(1);  // OpenBLAS threads the GEMMs; two pools fight otherwise
  const CheckpointDir checkpoint = CheckpointDir::open(dir);
  auto impl = std::unique_ptr<Impl>(
      new Impl{dir,
               T5Model::load(checkpoint),
               nullptr,
               {},
               static_cast<std::size_t>(std::max(1, options.max_batch_rows))});
  if (!options.adapter.empty()) {
    merge_adapters(read_peft_adapter(options.adapter, dir, impl->model.named_parameters()));
  }
  if (std::filesystem::exists(dir / "tokenizer.json") ||
      std::filesystem::exists(dir / "spiece.model") ||
      std::filesystem::exists(dir / "tokenizer.model")) {
    impl->tokenizer = load_tokenizer(dir);
  }
  impl->eos.push_back(impl->model.config().eos_token_id);
  add_ids(checkpoint.generation_config(), impl->eos);
  if (impl->tokenizer) {
    if (const auto eos = impl->tokenizer->eos_id()) add_id(impl->eos, *eos);
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
const std::vector<std::int32_t>& Seq2SeqModel::eos_ids() const {
  return impl_->eos;
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
std::shared_ptr<const Tokenizer> Seq2SeqModel::shared_tokenizer() const {
  return impl_->tokenizer;
}

std::vector<std::vector<float>> Seq2SeqModel::logits(std::span<const std::int32_t> input_ids,
                                                     std::span<const std::int32_t> decoder_ids,
                                                     bool incremental) const {
  require_prompts(std::vector<std::vector<std::int32_t>>{{input_ids.begin(), input_ids.end()}},
                  vocab_size());
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
  require_prompts(inputs, vocab_size());
  std::vector<std::vector<std::vector<float>>> out(inputs.size());
  torch::InferenceMode guard;
  const T5Model& m = impl_->model;
  // Bounded batches: activations grow with rows x length.
  for (std::size_t begin = 0; begin < inputs.size(); begin += impl_->max_batch_rows) {
    const std::size_t end = std::min(inputs.size(), begin + impl_->max_batch_rows);
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
    check_prompt(s.prompt, vocab_size(), 0);
  }
  // Specs in chunks of at most max_batch_rows samples (a larger n runs alone); each sample's
  // tokens do not depend on its chunk.
  const std::size_t max_rows = impl_->max_batch_rows;
  std::vector<std::vector<Generation>> out;
  std::size_t begin = 0;
  while (begin < specs.size()) {
    std::size_t end = begin;
    std::size_t rows = 0;
    while (
        end < specs.size() &&
        (end == begin || rows + static_cast<std::size_t>(std::max(0, specs[end].n)) <= max_rows)) {
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

  // One SampleDecoder per sample: the decoder-only Generator's per-step logic (constraint
  // mask and budget, sampling, end and stop tokens, log-probabilities, text, stop strings).
  // Decoder positions are T5's own, so no context limit applies.
  static const NoText kNoText;
  const DecodeRules rules{impl_->tokenizer ? impl_->tokenizer.get() : &kNoText, impl_->eos, 0};
  std::vector<SampleDecoder> rows;
  std::vector<std::size_t> row_spec;
  std::vector<std::int64_t> cache_rows;
  for (std::size_t s = 0; s < specs.size(); ++s) {
    out[s].resize(static_cast<std::size_t>(std::max(0, specs[s].n)));
    for (int i = 0; i < specs[s].n; ++i) {
      if (specs[s].max_new_tokens <= 0) {
        out[s][static_cast<std::size_t>(i)].finish_reason = "length";
        continue;
      }
      rows.emplace_back(specs[s], i);
      row_spec.push_back(s);
      cache_rows.push_back(static_cast<std::int64_t>(s));
    }
  }
  if (rows.empty()) return out;
  T5DecoderCache cache = encoded.select(cache_rows);
  std::vector<std::int64_t> feed(rows.size(), decoder_start_id());
  while (!rows.empty()) {
    const torch::Tensor step =
        torch::tensor(feed, torch::kLong).view({static_cast<std::int64_t>(rows.size()), 1});
    const torch::Tensor logits = m.decode(step, cache).select(1, 0).contiguous();  // [B, V]
    const auto vocab = static_cast<std::size_t>(logits.size(1));
    std::vector<SampleDecoder> still;
    std::vector<std::size_t> still_spec;
    std::vector<std::int64_t> keep;
    feed.clear();
    for (std::size_t k = 0; k < rows.size(); ++k) {
      const float* data = logits.data_ptr<float>() + k * vocab;
      if (rows[k].step(std::span<const float>(data, vocab), rules)) {
        feed.push_back(rows[k].next_token());
        keep.push_back(static_cast<std::int64_t>(k));
        still.push_back(std::move(rows[k]));
        still_spec.push_back(row_spec[k]);
      } else {
        Generation g = rows[k].take_result();
        if (impl_->tokenizer && !rows[k].spec().constraint) {
          drop_start_space(*impl_->tokenizer, g);
        }
        out[row_spec[k]][static_cast<std::size_t>(rows[k].sample())] = std::move(g);
      }
    }
    if (still.size() != rows.size() && !still.empty()) cache = cache.select(keep);
    rows = std::move(still);
    row_spec = std::move(still_spec);
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
    std::optional<std::int32_t> id;
    if (const auto encoded = tokenizer.encode(digit, false); encoded.size() == 1) {
      id = encoded.front();
    }
    if (!id) id = tokenizer.token_to_id(digit);
    if (!id) id = tokenizer.token_to_id("\xE2\x96\x81" + digit);  // "▁1"
    if (!id) throw Error("the tokenizer has no token for the rating \"" + digit + "\"");
    ids.push_back(*id);
  }
  return ids;
}

}  // namespace reasonrec::engine
