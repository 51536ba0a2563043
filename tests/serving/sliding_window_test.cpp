// A Mistral-style sliding window through the serving engine: prompts far longer than the
// window, rows joining a batch already decoding (so their cache columns are padded) and the
// prefix cache all give every sample what LocalModel::generate gives its spec alone.

#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/checkpoint/llama2c_tokenizer.hpp"
#include "engine/serving_engine.hpp"
#include "serving_fixture.hpp"
#include "support/paths.hpp"
#include "support/tiny_llama.hpp"

namespace reasonrec::engine::test {
namespace {

const LocalModel& windowed_model() {
  static const LocalModel model = [] {
    nlohmann::json config = reasonrec::test::tiny_llama_config(512);
    config["architectures"] = {"MistralForCausalLM"};
    config["model_type"] = "mistral";
    config["sliding_window"] = 6;
    const auto dir = reasonrec::test::scratch_dir() / "windowed";
    write_random_llama(dir, config, 13, 0.5);
    std::ofstream(dir / "config.json") << config.dump();  // exactly this config
    const auto pieces = read_llama2c_tokenizer(
        reasonrec::test::shared_dir() / "models" / "stories260K" / "tok512.bin", 512);
    std::ofstream(dir / "tokenizer.json") << llama2c_tokenizer_json(pieces).dump();
    return LocalModel::load(dir);
  }();
  return model;
}

std::vector<GenerationSpec> window_specs() {
  const auto history = joined({1}, random_tokens(300, 40));
  std::vector<GenerationSpec> specs;
  for (int i = 0; i < 6; ++i) {
    GenerationSpec spec;
    spec.prompt = joined(history, random_tokens(310 + static_cast<std::uint64_t>(i), 2 + 5 * i));
    spec.max_new_tokens = 12 + 3 * i;
    spec.ignore_eos = true;
    if (i % 2 == 1) {
      spec.sampling = {1.0, 0.9, 0};
      spec.seed = 40 + static_cast<std::uint64_t>(i);
      spec.n = 2;
    }
    specs.push_back(spec);
  }
  GenerationSpec short_prompt;  // shorter than the window, then decoding well past it
  short_prompt.prompt = {1, 300, 301};
  short_prompt.max_new_tokens = 20;
  short_prompt.ignore_eos = true;
  specs.push_back(short_prompt);
  return specs;
}

class WindowCacheModes : public ::testing::TestWithParam<bool> {};

TEST_P(WindowCacheModes, EverySampleEqualsItsSpecGeneratedAlone) {
  const LocalModel& model = windowed_model();
  EXPECT_EQ(model.context_limit(), 512);  // the window does not cap the context
  const auto specs = window_specs();
  std::vector<std::vector<Generation>> expected;
  for (const auto& spec : specs) expected.push_back(model.generate(std::span(&spec, 1)).front());

  ServingOptions options;
  options.prefix_cache = GetParam();
  options.max_batch_rows = 3;  // rows join while others decode
  ServingEngine engine(model, options);
  for (int round = 0; round < 2; ++round) {  // the second round reuses cached prefixes
    std::vector<std::shared_ptr<PendingGeneration>> pending;
    for (const auto& spec : specs) pending.push_back(engine.submit(spec));
    for (std::size_t i = 0; i < specs.size(); ++i) {
      expect_same(pending[i]->wait(), expected[i],
                  "spec " + std::to_string(i) + ", round " + std::to_string(round));
    }
  }
  if (GetParam()) {
    EXPECT_GT(engine.stats().prompt_tokens_reused, 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(PrefixCache, WindowCacheModes, ::testing::Bool(),
                         [](const auto& param_info) { return param_info.param ? "On" : "Off"; });

}  // namespace
}  // namespace reasonrec::engine::test
