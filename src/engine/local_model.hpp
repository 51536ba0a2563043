#pragma once

// The in-process engine behind a torch-free interface: load a Hugging Face model directory,
// generate, score. Safe to include anywhere (no torch headers).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/generation/types.hpp"
#include "engine/tokenizer/tokenizer.hpp"

namespace reasonrec::llm {
class Backend;
}

namespace reasonrec::engine {

struct LocalModelOptions {
  int max_batch_rows = 16;  // sequences decoded together
};

class LocalModel {
 public:
  // Reads config.json, the safetensors weights and the tokenizer of `dir`; InputError naming
  // the file for anything missing or malformed, Error for an architecture the engine lacks.
  static LocalModel load(const std::filesystem::path& dir, LocalModelOptions options = {});
  ~LocalModel();
  LocalModel(LocalModel&&) noexcept;
  LocalModel& operator=(LocalModel&&) noexcept;

  const std::filesystem::path& dir() const;
  const Tokenizer& tokenizer() const;
  std::string model_type() const;
  // End-of-sequence tokens (config.json, generation_config.json and the tokenizer's).
  const std::vector<std::int32_t>& eos_ids() const;
  // Most positions a sequence may use (0: unlimited).
  std::int64_t context_limit() const;

  // Every sample of every spec, [spec][sample]. Error for an empty or over-long prompt.
  std::vector<std::vector<Generation>> generate(std::span<const GenerationSpec> specs) const;
  std::vector<ContinuationScore> score(std::span<const ContinuationSpec> specs) const;
  std::vector<std::vector<float>> next_token_logprobs(
      std::span<const std::vector<std::int32_t>> prompts) const;
  // Logits at every position of one sequence, [position][vocab].
  std::vector<std::vector<float>> logits(std::span<const std::int32_t> ids) const;

  // The engine's own view of the model (engine/local_model_impl.hpp, torch): for the other
  // torch parts of the engine, such as the serving scheduler.
  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit LocalModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// P(rating = k) for k = 1..5 at the position after each prompt: the model's next-token
// probabilities of the tokens "1".."5" (the token whose text is exactly the digit, else one
// that is a space and the digit), normalised over the five (the paper's Flan-T5 AUC method).
struct RatingDistribution {
  std::vector<double> probabilities;  // 5 values summing to 1
  double raw_mass = 0.0;              // their total probability before normalising
};
std::vector<RatingDistribution> rating_distributions(
    const LocalModel& model, std::span<const std::vector<std::int32_t>> prompts);

// Writes config.json and model.safetensors (F32) of a Llama-family model with random weights
// (N(0, 0.02) matrices, norms near 1) drawn from `seed`: tiny models for tests, full-size
// shapes for benchmarks. No tokenizer is written.
void write_random_llama(const std::filesystem::path& dir, const nlohmann::json& config,
                        std::uint64_t seed, double weight_std = 0.02);

// llm::Backend over a local model directory: chat requests are rendered with the model's chat
// template (ChatTemplate::from_model_dir), completion requests take the prompt as is.
std::unique_ptr<llm::Backend> make_local_backend(const std::filesystem::path& dir,
                                                 LocalModelOptions options = {});

}  // namespace reasonrec::engine
