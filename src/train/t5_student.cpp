#include <algorithm>

#include "engine/model/t5.hpp"
#include "train/students.hpp"

namespace reasonrec::train {
namespace {

// Encoder input = the prompt; decoder reads decoder_start + labels[:-1] (teacher forcing).
class T5Student final : public Student {
 public:
  T5Student(const engine::CheckpointDir& checkpoint,
            std::shared_ptr<const engine::Tokenizer> tokenizer, std::optional<double> dropout)
      : model_(engine::T5Model::load(checkpoint)), config_(checkpoint.config()) {
    tokenizer_ = std::move(tokenizer);
    source_dir_ = checkpoint.dir();
    if (dropout) {
      model_.set_dropout_rate(*dropout);
      config_["dropout_rate"] = *dropout;
    }
  }

  std::string architecture() const override { return "t5"; }

  TokenizedPair tokenize(const SftRecord& record, int max_input, int max_target) const override {
    TokenizedPair pair;
    pair.input = tokenizer_->encode(record.prompt, true);  // T5's tokenizer appends </s>
    const auto in_limit = static_cast<std::size_t>(std::max(2, max_input));
    if (pair.input.size() > in_limit) {
      const std::int32_t last = pair.input.back();
      pair.input.erase(pair.input.begin(), pair.input.begin() + static_cast<std::ptrdiff_t>(
                                                                    pair.input.size() - in_limit));
      pair.input.back() = last;
      pair.input_truncated = true;
    }
    pair.labels = tokenizer_->encode(record.target, true);
    const std::int32_t eos = model_.config().eos_token_id;
    if (pair.labels.empty() || pair.labels.back() != eos) pair.labels.push_back(eos);
    const auto out_limit = static_cast<std::size_t>(std::max(1, max_target));
    if (pair.labels.size() > out_limit) {
      pair.labels.resize(out_limit);
      pair.labels_truncated = true;
    }
    return pair;
  }

  NamedTensors weights() const override { return model_.named_parameters(); }
  void set_training(bool training) override { model_.set_training(training); }
  void set_adapters(std::shared_ptr<const engine::LowRankAdapters> adapters) override {
    model_.set_adapters(std::move(adapters));
  }
  std::string peft_task_type() const override { return "SEQ_2_SEQ_LM"; }

  torch::Tensor label_logits(const std::vector<const TokenizedPair*>& pairs) const override {
    std::vector<std::vector<std::int32_t>> inputs, decoder_inputs;
    const std::int32_t start = model_.config().decoder_start_token_id;
    for (const TokenizedPair* p : pairs) {
      inputs.push_back(p->input);
      std::vector<std::int32_t> shifted{start};
      shifted.insert(shifted.end(), p->labels.begin(), p->labels.end() - 1);
      decoder_inputs.push_back(std::move(shifted));
    }
    const auto pad = static_cast<std::int64_t>(model_.config().pad_token_id);
    const auto [ids, mask] = pad_rows(inputs, pad);
    const auto [dec_ids, dec_mask] = pad_rows(decoder_inputs, pad);
    // The decoder reads as many tokens as there are labels: its positions are the labels'.
    return model_.forward(ids, mask, dec_ids);
  }

  nlohmann::json config_json() const override { return config_; }

 private:
  engine::T5Model model_;
  nlohmann::json config_;
};

}  // namespace

std::unique_ptr<Student> make_t5_student(const engine::CheckpointDir& checkpoint,
                                         std::shared_ptr<const engine::Tokenizer> tokenizer,
                                         std::optional<double> dropout) {
  return std::make_unique<T5Student>(checkpoint, std::move(tokenizer), dropout);
}

}  // namespace reasonrec::train
