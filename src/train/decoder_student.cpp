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

  torch::Tensor label_logits(const std::vector<const TokenizedPair*>& pairs) const override {
    std::vector<std::vector<std::int32_t>> rows;
    std::size_t longest_labels = 1;
    for (const TokenizedPair* p : pairs) {
      std::vector<std::int32_t> row = p->input;
      row.insert(row.end(), p->labels.begin(), p->labels.end());
      rows.push_back(std::move(row));
      longest_labels = std::max(longest_labels, p->labels.size());
    }
    const auto [tokens, mask] = pad_rows(rows, 0);
    const torch::Tensor positions =
        torch::arange(tokens.size(1), torch::kLong).unsqueeze(0).expand_as(tokens).contiguous();
    engine::KvCache cache = model_.make_cache(tokens.size(0), tokens.size(1));
    const torch::Tensor hidden = model_.forward(tokens, positions, mask.to(torch::kBool), cache);
    // Row b's labels are predicted from the positions just before them: input - 1 onwards.
    std::vector<torch::Tensor> aligned;
    const auto width = static_cast<std::int64_t>(longest_labels);
    for (std::size_t b = 0; b < pairs.size(); ++b) {
      const auto start = static_cast<std::int64_t>(pairs[b]->input.size()) - 1;
      const auto count = static_cast<std::int64_t>(pairs[b]->labels.size());
      torch::Tensor h = hidden[static_cast<std::int64_t>(b)].narrow(0, start, count);
      if (count < width) {
        h = torch::cat({h, torch::zeros({width - count, h.size(1)}, h.options())});
      }
      aligned.push_back(h);
    }
    return model_.logits(torch::stack(aligned));
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
