#include <algorithm>

#include "engine/model/llama.hpp"
#include "train/students.hpp"
#include "util/error.hpp"

namespace reasonrec::train {
namespace {

// Prompt + target in one causal sequence; the loss is taken on the target's tokens only.
class DecoderStudent final : public Student {
 public:
  DecoderStudent(const engine::CheckpointDir& checkpoint,
                 std::shared_ptr<const engine::Tokenizer> tokenizer, std::optional<double> dropout)
      : model_(engine::LlamaModel::load(checkpoint)), config_(checkpoint.config()) {
    tokenizer_ = std::move(tokenizer);
    source_dir_ = checkpoint.dir();
    if (!model_.config().eos_token_ids.empty()) {
      eos_ = model_.config().eos_token_ids.front();
    } else if (const auto eos = tokenizer_->eos_id()) {
      eos_ = *eos;
    } else {
      throw InputError((checkpoint.dir() / "config.json").string(), 0,
                       "no eos_token_id: a decoder student must learn where its answer ends");
    }
    if (dropout) {
      dropout_ = *dropout;
      config_["attention_dropout"] = *dropout;
    }
  }

  std::string architecture() const override { return model_.config().model_type; }

  TokenizedPair tokenize(const SftRecord& record, int max_input, int max_target) const override {
    TokenizedPair pair;
    pair.input = tokenizer_->encode(record.prompt, true);
    const auto in_limit = static_cast<std::size_t>(std::max(1, max_input));
    if (pair.input.size() > in_limit) {
      // Keep a leading BOS: the model was trained with it.
      const bool bos = tokenizer_->bos_id() && pair.input.front() == *tokenizer_->bos_id();
      const std::size_t cut = pair.input.size() - in_limit;
      pair.input.erase(pair.input.begin() + (bos ? 1 : 0),
                       pair.input.begin() + (bos ? 1 : 0) + static_cast<std::ptrdiff_t>(cut));
      pair.input_truncated = true;
    }
    pair.labels = tokenizer_->encode(record.target, false);
    pair.labels.push_back(eos_);
    const auto out_limit = static_cast<std::size_t>(std::max(1, max_target));
    if (pair.labels.size() > out_limit) {
      pair.labels.resize(out_limit);
      pair.labels_truncated = true;
    }
    return pair;
  }

  NamedTensors weights() const override { return model_.named_parameters(); }

  void set_adapters(std::shared_ptr<const engine::LowRankAdapters> adapters) override {
    model_.set_adapters(std::move(adapters));
  }
  std::string peft_task_type() const override { return "CAUSAL_LM"; }

  void set_training(bool training) override {
    // Hugging Face's Llama-family models drop out attention probabilities only
    // (attention_dropout); there is no residual dropout to set.
    model_.set_dropout({training, training ? dropout_ : 0.0, 0.0});
  }

  torch::Tensor loss_sum(const std::vector<const TokenizedPair*>& pairs) const override {
    std::vector<std::vector<std::int32_t>> rows, label_rows;
    for (const TokenizedPair* p : pairs) {
      std::vector<std::int32_t> row = p->input;
      row.insert(row.end(), p->labels.begin(), p->labels.end());
      std::vector<std::int32_t> labels(p->input.size(), -100);
      labels.insert(labels.end(), p->labels.begin(), p->labels.end());
      rows.push_back(std::move(row));
      label_rows.push_back(std::move(labels));
    }
    const auto [tokens, mask] = pad_rows(rows, 0);
    const auto [label_ids, label_mask] = pad_rows(label_rows, -100);
    const torch::Tensor positions =
        torch::arange(tokens.size(1), torch::kLong).unsqueeze(0).expand_as(tokens).contiguous();
    engine::KvCache cache = model_.make_cache(tokens.size(0), tokens.size(1));
    const torch::Tensor hidden = model_.forward(tokens, positions, mask.to(torch::kBool), cache);
    const std::int64_t t = tokens.size(1);
    const torch::Tensor logits = model_.logits(hidden.narrow(1, 0, t - 1));
    const torch::Tensor targets = label_ids.narrow(1, 1, t - 1);
    return torch::nn::functional::cross_entropy(
        logits.reshape({-1, logits.size(-1)}), targets.reshape({-1}),
        torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-100).reduction(torch::kSum));
  }

  nlohmann::json config_json() const override { return config_; }

 private:
  engine::LlamaModel model_;
  nlohmann::json config_;
  std::int32_t eos_ = 0;
  double dropout_ = 0.0;
};

}  // namespace

std::unique_ptr<Student> make_decoder_student(const engine::CheckpointDir& checkpoint,
                                              std::shared_ptr<const engine::Tokenizer> tokenizer,
                                              std::optional<double> dropout) {
  return std::make_unique<DecoderStudent>(checkpoint, std::move(tokenizer), dropout);
}

}  // namespace reasonrec::train
