#include "train/student.hpp"

#include <algorithm>

#include "engine/checkpoint/checkpoint_dir.hpp"
#include "train/students.hpp"
#include "util/error.hpp"

namespace reasonrec::train {

std::pair<torch::Tensor, torch::Tensor> pad_rows(const std::vector<std::vector<std::int32_t>>& rows,
                                                 std::int64_t pad) {
  std::size_t longest = 1;
  for (const auto& r : rows) longest = std::max(longest, r.size());
  const auto batch = static_cast<std::int64_t>(rows.size());
  const auto width = static_cast<std::int64_t>(longest);
  torch::Tensor ids = torch::full({batch, width}, pad, torch::kLong);
  torch::Tensor mask = torch::zeros({batch, width}, torch::kLong);
  auto id_acc = ids.accessor<std::int64_t, 2>();
  auto mask_acc = mask.accessor<std::int64_t, 2>();
  for (std::int64_t b = 0; b < batch; ++b) {
    const auto& row = rows[static_cast<std::size_t>(b)];
    for (std::size_t t = 0; t < row.size(); ++t) {
      id_acc[b][static_cast<std::int64_t>(t)] = row[t];
      mask_acc[b][static_cast<std::int64_t>(t)] = 1;
    }
  }
  return {ids, mask};
}

torch::Tensor Student::loss_sum(const std::vector<const TokenizedPair*>& pairs) const {
  std::vector<std::vector<std::int32_t>> labels;
  for (const TokenizedPair* p : pairs) labels.push_back(p->labels);
  const auto [label_ids, label_mask] = pad_rows(labels, 0);
  const torch::Tensor targets =
      torch::where(label_mask.to(torch::kBool), label_ids, torch::full({}, -100, torch::kLong));
  const torch::Tensor logits = label_logits(pairs);
  return torch::nn::functional::cross_entropy(
      logits.reshape({-1, logits.size(-1)}), targets.reshape({-1}),
      torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-100).reduction(torch::kSum));
}

std::vector<std::string> Student::projection_modules() const {
  std::vector<std::string> out;
  const std::string suffix = ".weight";
  for (const auto& [name, tensor] : weights()) {
    if (tensor.dim() != 2 || name.size() <= suffix.size() ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;
    }
    const std::string module = name.substr(0, name.size() - suffix.size());
    if (module == "shared" || module == "lm_head" || module == "model.embed_tokens" ||
        module.find("relative_attention_bias") != std::string::npos) {
      continue;
    }
    out.push_back(module);
  }
  return out;
}

std::unique_ptr<Student> load_student(const std::filesystem::path& dir,
                                      std::optional<double> dropout) {
  const engine::CheckpointDir checkpoint = engine::CheckpointDir::open(dir);
  const auto type = checkpoint.config().value("model_type", std::string());
  std::shared_ptr<const engine::Tokenizer> tokenizer = engine::load_tokenizer(dir);
  if (type == "t5") return make_t5_student(checkpoint, std::move(tokenizer), dropout);
  if (type == "llama" || type == "qwen2" || type == "mistral") {
    return make_decoder_student(checkpoint, std::move(tokenizer), dropout);
  }
  throw InputError((dir / "config.json").string(), 0,
                   "model_type '" + type + "' cannot be trained (t5, llama, qwen2, mistral)");
}

}  // namespace reasonrec::train
