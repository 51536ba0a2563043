#include "workload.hpp"

#include <algorithm>

#include "data/dataset.hpp"
#include "data/sampling.hpp"
#include "prompt/budget.hpp"
#include "prompt/builtin_templates.hpp"
#include "prompt/domain.hpp"
#include "util/error.hpp"
#include "util/random.hpp"
#include "util/utf8.hpp"

namespace reasonrec::bench {
namespace {

std::vector<std::int32_t> tokenize(const prompt::Template& tmpl,
                                   const prompt::PromptRequest& request,
                                   const engine::Tokenizer& tokenizer) {
  return tokenizer.encode(prompt::to_completion(prompt::build_prompt(tmpl, request)), true);
}

// The model's own token count, for the budget.
class TokenizerCounter final : public prompt::TokenCounter {
 public:
  explicit TokenizerCounter(const engine::Tokenizer& tokenizer) : tokenizer_(tokenizer) {}
  std::size_t count(std::string_view text) const override {
    return tokenizer_.encode(text, true).size();
  }
  std::string_view name() const override { return "model tokenizer"; }

 private:
  const engine::Tokenizer& tokenizer_;
};

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last + 1 - first);
}

}  // namespace

std::vector<prompt::PromptRequest> load_requests(const std::filesystem::path& data_dir, int count,
                                                 std::uint64_t seed) {
  const auto dir = data_dir / "amazon2018_magazine_subscriptions";
  data::LoadOptions load;
  load.progress = ProgressMode::Silent;
  const data::Dataset dataset =
      data::load_dataset({(dir / "Magazine_Subscriptions_5.json.gz").string()},
                         {(dir / "meta_Magazine_Subscriptions.json.gz").string()}, load);
  // Ask for a balanced share per rating first; classes that fall short are made up by asking
  // for more of every class.
  std::vector<data::Example> tests;
  for (int per_rating = (count + 4) / 5; per_rating <= count; per_rating *= 2) {
    data::SamplingOptions sampling;
    sampling.train_per_rating = 0;
    sampling.test_per_rating = per_rating;
    sampling.seed = seed;
    tests.clear();
    for (auto& e : data::sample_examples(dataset, sampling).examples) {
      if (e.split == "test") tests.push_back(std::move(e));
    }
    if (tests.size() >= static_cast<std::size_t>(count)) break;
  }
  if (tests.size() < static_cast<std::size_t>(count)) {
    throw Error(dir.string() + ": only " + std::to_string(tests.size()) +
                " examples with enough history, " + std::to_string(count) + " asked for");
  }
  tests.resize(static_cast<std::size_t>(count));
  std::vector<prompt::PromptRequest> requests;
  for (auto& e : tests) {
    prompt::PromptRequest r;
    r.domain = prompt::domain_by_name("product");
    r.target.example = std::move(e);
    requests.push_back(std::move(r));
  }
  return requests;
}

RecSaverExample make_example(const prompt::PromptRequest& request, std::size_t index,
                             const engine::Tokenizer& tokenizer, const WorkloadOptions& options) {
  RecSaverExample example;
  const prompt::Template cot = prompt::load_builtin_template("cot");
  prompt::BudgetOptions budget;
  budget.max_tokens = options.prompt_budget;
  example.request =
      prompt::fit_to_budget(cot, request, TokenizerCounter(tokenizer), budget).request;
  example.reasoning.prompt = tokenize(cot, example.request, tokenizer);
  example.reasoning.max_new_tokens = options.max_new_tokens;
  example.explanation.prompt =
      tokenize(prompt::load_builtin_template("recsaver_explain"), example.request, tokenizer);
  example.explanation.max_new_tokens = options.max_new_tokens;
  example.explanation.n = options.explanation_samples;
  example.explanation.sampling.temperature = options.explanation_temperature;
  example.explanation.seed =
      derive_seed(options.seed, ("explain:" + std::to_string(index)).c_str());
  return example;
}

engine::GenerationSpec verification_spec(const RecSaverExample& example,
                                         const std::string& explanation,
                                         const engine::Tokenizer& tokenizer,
                                         const WorkloadOptions& options) {
  prompt::PromptRequest request = example.request;
  request.explanation = trimmed(utf8::sanitize(explanation));
  engine::GenerationSpec spec;
  spec.prompt = tokenize(prompt::load_builtin_template("recsaver_verify"), request, tokenizer);
  spec.max_new_tokens = options.max_new_tokens;
  return spec;
}

}  // namespace reasonrec::bench
