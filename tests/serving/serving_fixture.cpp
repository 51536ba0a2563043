#include "serving_fixture.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/checkpoint/llama2c_tokenizer.hpp"
#include "support/paths.hpp"
#include "support/tiny_llama.hpp"
#include "util/random.hpp"

namespace reasonrec::engine::test {
namespace {

const nlohmann::json& tiny_config() {
  static const nlohmann::json config = reasonrec::test::tiny_llama_config(4096);
  return config;
}

// 1e-5 of the value's scale: float32 sums in batches of other shapes round at that level.
double tolerance(float logprob) {
  return 1e-5 * std::max(1.0, std::abs(static_cast<double>(logprob)));
}

}  // namespace

const LocalModel& tiny_model() {
  static const LocalModel model = [] {
    const auto dir = reasonrec::test::scratch_dir() / "tiny";
    write_random_llama(dir, tiny_config(), 11, 0.5);
    const auto pieces = read_llama2c_tokenizer(
        reasonrec::test::shared_dir() / "models" / "stories260K" / "tok512.bin", 512);
    std::ofstream(dir / "tokenizer.json") << llama2c_tokenizer_json(pieces).dump();
    return LocalModel::load(dir);
  }();
  return model;
}

std::size_t tiny_bytes_per_token() {
  const auto& c = tiny_config();
  const auto head_dim =
      c["hidden_size"].get<std::size_t>() / c["num_attention_heads"].get<std::size_t>();
  return 2 * c["num_hidden_layers"].get<std::size_t>() *
         c["num_key_value_heads"].get<std::size_t>() * head_dim * sizeof(float);
}

std::vector<std::int32_t> random_tokens(std::uint64_t seed, int count) {
  Rng rng(seed);
  std::vector<std::int32_t> out;
  while (static_cast<int>(out.size()) < count) {
    out.push_back(static_cast<std::int32_t>(3 + rng.below(509)));
  }
  return out;
}

std::vector<std::int32_t> joined(std::vector<std::int32_t> a, const std::vector<std::int32_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::shared_ptr<const TokenConstraint> rating_constraint() {
  const Tokenizer& tokenizer = tiny_model().tokenizer();
  std::vector<std::string> bytes(static_cast<std::size_t>(tokenizer.vocab_size()));
  for (std::int32_t id = 0; id < tokenizer.vocab_size(); ++id) {
    if (!tokenizer.is_special(id)) bytes[static_cast<std::size_t>(id)] = tokenizer.token_bytes(id);
  }
  return std::make_shared<TokenConstraint>(rating_only_regex(), std::make_shared<TokenTrie>(bytes),
                                           tiny_model().eos_ids());
}

std::vector<Generation> alone(const GenerationSpec& spec) {
  return tiny_model().generate(std::span(&spec, 1)).front();
}

void expect_same(const std::vector<Generation>& got, const std::vector<Generation>& expected,
                 const std::string& what) {
  ASSERT_EQ(got.size(), expected.size()) << what;
  for (std::size_t s = 0; s < got.size(); ++s) {
    SCOPED_TRACE(what + ", sample " + std::to_string(s));
    const Generation& a = got[s];
    const Generation& b = expected[s];
    EXPECT_EQ(a.tokens, b.tokens);
    EXPECT_EQ(a.text, b.text);
    EXPECT_EQ(a.finish_reason, b.finish_reason);
    EXPECT_EQ(a.stop_token, b.stop_token);
    ASSERT_EQ(a.logprobs.size(), b.logprobs.size());
    for (std::size_t t = 0; t < a.logprobs.size(); ++t) {
      EXPECT_EQ(a.logprobs[t].id, b.logprobs[t].id);
      EXPECT_NEAR(a.logprobs[t].logprob, b.logprobs[t].logprob, tolerance(b.logprobs[t].logprob));
      ASSERT_EQ(a.logprobs[t].top.size(), b.logprobs[t].top.size());
      for (std::size_t k = 0; k < a.logprobs[t].top.size(); ++k) {
        EXPECT_EQ(a.logprobs[t].top[k].id, b.logprobs[t].top[k].id);
        EXPECT_NEAR(a.logprobs[t].top[k].logprob, b.logprobs[t].top[k].logprob,
                    tolerance(b.logprobs[t].top[k].logprob));
      }
    }
  }
}

}  // namespace reasonrec::engine::test
