// Invariants of the Llama-family decoder and its generator on tiny random checkpoints: the KV
// cache, padding, seeded sampling, n samples, stop conditions, scoring, save/load, dropout.

#include <algorithm>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "engine/checkpoint/checkpoint_dir.hpp"
#include "engine/checkpoint/llama2c_tokenizer.hpp"
#include "engine/checkpoint/safetensors.hpp"
#include "engine/generation/generator.hpp"
#include "engine/model/llama.hpp"
#include "engine/tokenizer/tokenizer.hpp"
#include "support/paths.hpp"
#include "util/error.hpp"
#include "util/random.hpp"

namespace reasonrec::engine {
namespace {

const char* kConfigs[] = {
    // GQA, attention and MLP biases, untied head, linear rope scaling.
    R"({"model_type":"llama","vocab_size":512,"hidden_size":32,"intermediate_size":48,
        "num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,"rms_norm_eps":1e-5,
        "attention_bias":true,"mlp_bias":true,"tie_word_embeddings":false,
        "max_position_embeddings":64,"rope_scaling":{"type":"linear","factor":2.0}})",
    // Qwen2: q/k/v biases, one KV head, explicit head_dim, tied, llama3 rope.
    R"({"model_type":"qwen2","vocab_size":512,"hidden_size":32,"intermediate_size":40,
        "num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":1,"head_dim":16,
        "rope_theta":500000.0,"tie_word_embeddings":true,"max_position_embeddings":128,
        "rope_scaling":{"rope_type":"llama3","factor":8.0,"low_freq_factor":1.0,
                        "high_freq_factor":4.0,"original_max_position_embeddings":8}})",
    // Mistral with yarn.
    R"({"model_type":"mistral","vocab_size":512,"hidden_size":32,"intermediate_size":48,
        "num_hidden_layers":3,"num_attention_heads":4,"num_key_value_heads":4,
        "max_position_embeddings":256,
        "rope_scaling":{"rope_type":"yarn","factor":4.0,"original_max_position_embeddings":32}})",
    // Mistral with a sliding window of 4 tokens, far shorter than the sequences below.
    R"({"model_type":"mistral","vocab_size":512,"hidden_size":32,"intermediate_size":48,
        "num_hidden_layers":3,"num_attention_heads":4,"num_key_value_heads":2,
        "max_position_embeddings":256,"sliding_window":4})",
    // Qwen2 with a window of 3 in layers 1 and up (max_window_layers), full attention in layer 0.
    R"({"model_type":"qwen2","vocab_size":512,"hidden_size":32,"intermediate_size":40,
        "num_hidden_layers":3,"num_attention_heads":4,"num_key_value_heads":1,
        "max_position_embeddings":128,"use_sliding_window":true,"sliding_window":3,
        "max_window_layers":1})",
};

LlamaModel tiny(int variant, std::uint64_t seed = 7) {
  return LlamaModel::random(
      LlamaConfig::from_json(nlohmann::json::parse(kConfigs[variant]), "test config"), seed, 0.3);
}

// tok512's vocabulary as the tokenizer.json `convert llama2c` writes (libsentencepiece cannot
// load a .model in a binary that links torch).
void write_tok512_json(const std::filesystem::path& dir) {
  std::ofstream out(dir / "tokenizer.json");
  out << llama2c_tokenizer_json(
             read_llama2c_tokenizer(test::shared_dir() / "models" / "stories260K" / "tok512.bin",
                                    512))
             .dump();
}

const Tokenizer& tokenizer() {
  static const std::unique_ptr<Tokenizer> tok = [] {
    const auto dir = test::scratch_dir();
    write_tok512_json(dir);
    return load_tokenizer(dir);
  }();
  return *tok;
}

std::vector<std::int32_t> tokens(std::uint64_t seed, int count) {
  Rng rng(seed);
  std::vector<std::int32_t> out = {1};
  while (static_cast<int>(out.size()) < count)
    out.push_back(static_cast<std::int32_t>(3 + rng.below(509)));
  return out;
}

torch::Tensor as_row(const std::vector<std::int32_t>& ids) {
  std::vector<std::int64_t> wide(ids.begin(), ids.end());
  return torch::tensor(wide, torch::kInt64).view({1, -1});
}

// Logits of every position of one sequence, computed alone in one pass.
torch::Tensor full_logits(const LlamaModel& model, const std::vector<std::int32_t>& ids) {
  const auto T = static_cast<std::int64_t>(ids.size());
  KvCache cache = model.make_cache(1, T);
  return model
      .logits(model.forward(as_row(ids), torch::arange(T).view({1, T}),
                            torch::ones({1, T}, torch::kBool), cache))
      .select(0, 0);
}

double max_abs(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

// 1e-5 of the logits' scale (float32 sums over wide layers round at that level).
double tolerance(const torch::Tensor& reference) {
  return 1e-5 * std::max(1.0, reference.abs().max().item<double>());
}

class Variants : public ::testing::TestWithParam<int> {};

TEST_P(Variants, IncrementalDecodingWithTheCacheEqualsAFullForwardPass) {
  torch::NoGradGuard no_grad;
  const LlamaModel model = tiny(GetParam());
  const auto ids = tokens(3, 14);
  const torch::Tensor full = full_logits(model, ids);
  KvCache cache = model.make_cache(1, 2);  // grows as needed
  std::vector<torch::Tensor> steps;
  const std::int64_t prefill = 5;
  const std::vector<std::int32_t> head(ids.begin(), ids.begin() + prefill);
  steps.push_back(model
                      .logits(model.forward(as_row(head), torch::arange(prefill).view({1, -1}),
                                            torch::ones({1, prefill}, torch::kBool), cache))
                      .select(0, 0));
  for (std::size_t t = prefill; t < ids.size(); ++t) {
    steps.push_back(
        model
            .logits(model.forward(as_row({ids[t]}),
                                  torch::full({1, 1}, static_cast<std::int64_t>(t), torch::kInt64),
                                  torch::ones({1, 1}, torch::kBool), cache))
            .select(0, 0));
  }
  EXPECT_EQ(cache.length(), static_cast<std::int64_t>(ids.size()));
  EXPECT_LE(max_abs(torch::cat(steps, 0), full), tolerance(full));
  EXPECT_GT(full.abs().max().item<double>(), 0.1);  // not a degenerate model
}

TEST_P(Variants, EachSequenceOfAPaddedBatchEqualsItselfAlone) {
  torch::NoGradGuard no_grad;
  const LlamaModel model = tiny(GetParam());
  const std::vector<std::vector<std::int32_t>> seqs = {tokens(1, 3), tokens(2, 9), tokens(3, 6)};
  const std::int64_t W = 9, B = 3;
  for (const bool left : {true, false}) {
    SCOPED_TRACE(left ? "left padding" : "right padding");
    torch::Tensor ids = torch::zeros({B, W}, torch::kInt64);
    torch::Tensor pos = torch::zeros({B, W}, torch::kInt64);
    torch::Tensor valid = torch::zeros({B, W}, torch::kBool);
    for (std::int64_t b = 0; b < B; ++b) {
      const auto& s = seqs[static_cast<std::size_t>(b)];
      const std::int64_t offset = left ? W - static_cast<std::int64_t>(s.size()) : 0;
      for (std::size_t i = 0; i < s.size(); ++i) {
        ids[b][offset + static_cast<std::int64_t>(i)] = s[i];
        pos[b][offset + static_cast<std::int64_t>(i)] = static_cast<std::int64_t>(i);
        valid[b][offset + static_cast<std::int64_t>(i)] = true;
      }
    }
    KvCache cache = model.make_cache(B, W + 1);
    const torch::Tensor batch = model.logits(model.forward(ids, pos, valid, cache));
    // One more decode step for every row, at its own next position.
    const torch::Tensor next = torch::tensor({5, 6, 7}, torch::kInt64).view({B, 1});
    torch::Tensor next_pos = torch::empty({B, 1}, torch::kInt64);
    for (std::int64_t b = 0; b < B; ++b)
      next_pos[b][0] = static_cast<std::int64_t>(seqs[static_cast<std::size_t>(b)].size());
    const torch::Tensor step =
        model.logits(model.forward(next, next_pos, torch::ones({B, 1}, torch::kBool), cache));
    for (std::int64_t b = 0; b < B; ++b) {
      auto alone_ids = seqs[static_cast<std::size_t>(b)];
      const auto n = static_cast<std::int64_t>(alone_ids.size());
      alone_ids.push_back(static_cast<std::int32_t>(5 + b));
      const torch::Tensor alone = full_logits(model, alone_ids);
      const std::int64_t offset = left ? W - n : 0;
      EXPECT_LE(max_abs(batch[b].narrow(0, offset, n), alone.narrow(0, 0, n)), tolerance(alone))
          << "row " << b;
      EXPECT_LE(max_abs(step[b][0], alone[n]), tolerance(alone)) << "row " << b;
    }
  }
}

TEST_P(Variants, GreedyGenerationOfABatchEqualsEachPromptAlone) {
  const LlamaModel model = tiny(GetParam());
  std::vector<GenerationSpec> specs;
  for (int i = 0; i < 5; ++i) {
    GenerationSpec spec;
    spec.prompt = tokens(10 + static_cast<std::uint64_t>(i), 2 + 3 * i);
    spec.max_new_tokens = 12;
    specs.push_back(spec);
  }
  const Generator batched(model, tokenizer(), {{2}, 0, 16});
  const Generator single(model, tokenizer(), {{2}, 0, 1});
  const auto together = batched.generate(specs);
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const auto alone = single.generate(std::span(&specs[i], 1));
    EXPECT_EQ(together[i][0].tokens, alone[0][0].tokens) << "prompt " << i;
    EXPECT_EQ(together[i][0].finish_reason, alone[0][0].finish_reason);
  }
}

INSTANTIATE_TEST_SUITE_P(Tiny, Variants, ::testing::Values(0, 1, 2, 3, 4));

// One layer with a window of w: the token at position i sees only positions i-w+1..i, and rotary
// embeddings depend only on the distance between positions, so its logits are those of the
// same weights without a window run over just those w tokens (at positions 0..w-1).
TEST(SlidingWindow, OneLayerSeesExactlyTheLastWindowTokens) {
  torch::NoGradGuard no_grad;
  const char* shape = R"({"model_type":"mistral","vocab_size":512,"hidden_size":32,
      "intermediate_size":48,"num_hidden_layers":1,"num_attention_heads":4,
      "num_key_value_heads":2,"max_position_embeddings":64)";
  const std::int64_t window = 4;
  const LlamaModel windowed = LlamaModel::random(
      LlamaConfig::from_json(nlohmann::json::parse(std::string(shape) + R"(,"sliding_window":4})"),
                             "windowed"),
      21, 0.3);
  const LlamaModel full = LlamaModel::random(
      LlamaConfig::from_json(nlohmann::json::parse(std::string(shape) + "}"), "full"), 21, 0.3);
  const auto ids = tokens(8, 20);
  const torch::Tensor logits = full_logits(windowed, ids);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const std::size_t first = i + 1 >= static_cast<std::size_t>(window) ? i + 1 - window : 0;
    const std::vector<std::int32_t> seen(ids.begin() + static_cast<std::ptrdiff_t>(first),
                                         ids.begin() + static_cast<std::ptrdiff_t>(i) + 1);
    const torch::Tensor reference = full_logits(full, seen);
    EXPECT_LE(max_abs(logits[static_cast<std::int64_t>(i)], reference[reference.size(0) - 1]),
              1e-4 * std::max(1.0, reference.abs().max().item<double>()))
        << "position " << i;
  }
  // Beyond the window the band really differs from full attention; within it, it does not.
  const torch::Tensor unbanded = full_logits(full, ids);
  EXPECT_LE(max_abs(logits.narrow(0, 0, window), unbanded.narrow(0, 0, window)),
            tolerance(unbanded));
  EXPECT_GT(max_abs(logits.narrow(0, window, 16), unbanded.narrow(0, window, 16)), 1e-3);
}

TEST(SlidingWindow, GeneratesPastTheWindowAndTheConfigRoundTrips) {
  const LlamaModel model = tiny(3);  // window 4
  ASSERT_EQ(model.config().sliding_window, 4);
  const Generator generator(model, tokenizer(), {{}, 256, 16});
  GenerationSpec spec;
  spec.prompt = tokens(30, 12);
  spec.max_new_tokens = 20;
  spec.ignore_eos = true;
  const Generation g = generator.generate(std::span(&spec, 1))[0][0];
  EXPECT_EQ(g.tokens.size(), 20u);
  EXPECT_EQ(g.finish_reason, "length");
  // Saved and loaded, the window stays (Qwen2's first windowed layer too).
  for (const int variant : {3, 4}) {
    const LlamaModel original = tiny(variant);
    const auto dir = test::scratch_dir() / ("saved" + std::to_string(variant));
    original.save(dir);
    const LlamaConfig loaded = LlamaModel::load(CheckpointDir::open(dir)).config();
    EXPECT_EQ(loaded.sliding_window, original.config().sliding_window);
    EXPECT_EQ(loaded.window_first_layer, original.config().window_first_layer);
  }
  EXPECT_EQ(tiny(4).config().window_first_layer, 1);
  EXPECT_THROW(LlamaConfig::from_json(nlohmann::json::parse(R"({"model_type":"mistral",
      "vocab_size":8,"hidden_size":8,"intermediate_size":8,"num_hidden_layers":1,
      "num_attention_heads":2,"sliding_window":0})"),
                                      "bad"),
               InputError);
}

GenerationSpec sampled(std::uint64_t prompt_seed, std::uint64_t seed, int n) {
  GenerationSpec spec;
  spec.prompt = tokens(prompt_seed, 4 + static_cast<int>(prompt_seed % 5));
  spec.max_new_tokens = 16;
  spec.sampling = {1.0, 0.9, 50};
  spec.seed = seed;
  spec.n = n;
  return spec;
}

TEST(Sampling, SeededSamplesAreReproducibleAndIndependentOfTheBatch) {
  const LlamaModel model = tiny(0);
  const GenerationSpec target = sampled(1, 42, 3);
  const Generator generator(model, tokenizer(), {{}, 0, 16});
  const auto alone = generator.generate(std::span(&target, 1))[0];
  const auto again = generator.generate(std::span(&target, 1))[0];
  std::vector<GenerationSpec> crowd = {sampled(2, 1, 2), target, sampled(3, 9, 4),
                                       sampled(4, 5, 1)};
  const auto in_crowd = generator.generate(crowd)[1];
  const Generator narrow(model, tokenizer(), {{}, 0, 2});  // different batch boundaries
  const auto in_narrow = narrow.generate(crowd)[1];
  std::set<std::vector<std::int32_t>> distinct;
  for (int s = 0; s < 3; ++s) {
    EXPECT_EQ(alone[static_cast<std::size_t>(s)].tokens, again[static_cast<std::size_t>(s)].tokens);
    EXPECT_EQ(alone[static_cast<std::size_t>(s)].tokens,
              in_crowd[static_cast<std::size_t>(s)].tokens);
    EXPECT_EQ(alone[static_cast<std::size_t>(s)].tokens,
              in_narrow[static_cast<std::size_t>(s)].tokens);
    EXPECT_EQ(alone[static_cast<std::size_t>(s)].tokens.size(), 16u);
    distinct.insert(alone[static_cast<std::size_t>(s)].tokens);
  }
  EXPECT_GT(distinct.size(), 1u);  // different seeds, different samples
}

TEST(Sampling, SampleIOfNEqualsASingleSampleWithSeedPlusI) {
  const LlamaModel model = tiny(1);
  const Generator generator(model, tokenizer(), {{}, 0, 16});
  const GenerationSpec three = sampled(5, 100, 3);
  const auto shared = generator.generate(std::span(&three, 1))[0];
  for (int s = 0; s < 3; ++s) {
    GenerationSpec one = three;
    one.n = 1;
    one.seed = 100 + static_cast<std::uint64_t>(s);
    EXPECT_EQ(generator.generate(std::span(&one, 1))[0][0].tokens,
              shared[static_cast<std::size_t>(s)].tokens);
  }
}

TEST(Generation, StopsAtStopStringsMaxTokensAndEndOfSequence) {
  const LlamaModel model = tiny(0);
  GenerationSpec spec;
  spec.prompt = tokens(8, 5);
  spec.max_new_tokens = 30;
  const Generator plain(model, tokenizer(), {{}, 0, 16});
  const Generation full = plain.generate(std::span(&spec, 1))[0][0];
  ASSERT_EQ(full.finish_reason, "length");
  ASSERT_EQ(full.tokens.size(), 30u);
  ASSERT_GT(full.text.size(), 12u);

  GenerationSpec with_stop = spec;
  const std::string stop = full.text.substr(full.text.size() / 2, 3);
  with_stop.stop = {"never appears \x01", stop};
  const Generation cut = plain.generate(std::span(&with_stop, 1))[0][0];
  EXPECT_EQ(cut.finish_reason, "stop");
  EXPECT_EQ(cut.text, full.text.substr(0, full.text.find(stop)));

  GenerationSpec short_spec = spec;
  short_spec.max_new_tokens = 3;
  const Generation three = plain.generate(std::span(&short_spec, 1))[0][0];
  EXPECT_EQ(three.finish_reason, "length");
  EXPECT_EQ(three.tokens, std::vector<std::int32_t>(full.tokens.begin(), full.tokens.begin() + 3));

  // The 5th greedy token declared end-of-sequence: generation stops before it.
  const Generator with_eos(model, tokenizer(), {{full.tokens[4]}, 0, 16});
  const Generation stopped = with_eos.generate(std::span(&spec, 1))[0][0];
  EXPECT_EQ(stopped.finish_reason, "stop");
  EXPECT_EQ(stopped.stop_token, full.tokens[4]);
  const auto first = std::find(full.tokens.begin(), full.tokens.end(), full.tokens[4]);
  EXPECT_EQ(stopped.tokens, std::vector<std::int32_t>(full.tokens.begin(), first));

  // The context limit ends a generation too.
  const Generator limited(model, tokenizer(), {{}, 10, 16});
  const Generation capped = limited.generate(std::span(&spec, 1))[0][0];
  EXPECT_EQ(capped.finish_reason, "length");
  EXPECT_EQ(capped.tokens.size(), 10u - spec.prompt.size() + 1);
  GenerationSpec too_long = spec;
  too_long.prompt = tokens(9, 11);
  EXPECT_THROW(limited.generate(std::span(&too_long, 1)), Error);
}

TEST(Scoring, LogprobsOfGenerationAgreeWithScoringTheContinuation) {
  const LlamaModel model = tiny(1);
  const Generator generator(model, tokenizer(), {{}, 0, 16});
  GenerationSpec spec;
  spec.prompt = tokens(12, 6);
  spec.max_new_tokens = 8;
  spec.top_logprobs = 3;
  const Generation g = generator.generate(std::span(&spec, 1))[0][0];
  ASSERT_EQ(g.logprobs.size(), 8u);
  for (const GeneratedToken& t : g.logprobs) {
    ASSERT_EQ(t.top.size(), 3u);
    EXPECT_EQ(t.top[0].id, t.id);  // greedy picks the most likely
    EXPECT_EQ(t.top[0].logprob, t.logprob);
    EXPECT_GE(t.top[0].logprob, t.top[1].logprob);
    EXPECT_LT(t.logprob, 0.0f);
  }
  // Scoring the same continuation in one pass, batched with another of a different length.
  const std::vector<ContinuationSpec> specs = {{tokens(3, 9), {7, 8, 9}}, {spec.prompt, g.tokens}};
  const auto scores = generator.score(specs);
  ASSERT_EQ(scores[1].token_logprobs.size(), 8u);
  double total = 0.0;
  for (std::size_t i = 0; i < 8; ++i) {
    EXPECT_NEAR(scores[1].token_logprobs[i], g.logprobs[i].logprob, 1e-4);
    total += g.logprobs[i].logprob;
  }
  EXPECT_NEAR(scores[1].total_logprob, total, 1e-3);
  // And the next-token distribution after the prompt holds the first token's log-probability.
  const auto next =
      generator.next_token_logprobs(std::vector<std::vector<std::int32_t>>{spec.prompt});
  EXPECT_NEAR(next[0][static_cast<std::size_t>(g.tokens[0])], g.logprobs[0].logprob, 1e-4);
}

TEST(Checkpoint, SaveThenLoadRoundTripsExactly) {
  torch::NoGradGuard no_grad;
  const LlamaModel model = tiny(0);
  const auto dir = test::scratch_dir() / "saved";
  model.save(dir);
  const LlamaModel loaded = LlamaModel::load(CheckpointDir::open(dir));
  EXPECT_EQ(loaded.config().to_json(), model.config().to_json());
  const auto a = model.named_parameters();
  const auto b = loaded.named_parameters();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].first, b[i].first);
    EXPECT_TRUE(torch::equal(a[i].second, b[i].second)) << a[i].first;
  }
  const auto ids = tokens(4, 7);
  EXPECT_TRUE(torch::equal(full_logits(model, ids), full_logits(loaded, ids)));
}

TEST(Checkpoint, Bfloat16WeightsAreWidenedToFloat32AtLoad) {
  torch::NoGradGuard no_grad;
  const LlamaModel model = tiny(1);
  const auto dir = test::scratch_dir() / "bf16";
  std::filesystem::create_directories(dir);
  std::vector<torch::Tensor> halves;
  std::vector<TensorToWrite> tensors;
  for (const auto& [name, t] : model.named_parameters()) {
    halves.push_back(t.to(torch::kBFloat16).contiguous());
    const auto& h = halves.back();
    tensors.push_back({name, DType::BF16, h.sizes().vec(),
                       std::span(static_cast<const std::byte*>(h.data_ptr()),
                                 static_cast<std::size_t>(h.nbytes()))});
  }
  write_safetensors(dir / "model.safetensors", tensors);
  {
    std::ofstream out(dir / "config.json");
    out << model.config().to_json().dump();
  }
  const LlamaModel loaded = LlamaModel::load(CheckpointDir::open(dir));
  const auto original = model.named_parameters();
  const auto widened = loaded.named_parameters();
  for (std::size_t i = 0; i < original.size(); ++i) {
    EXPECT_TRUE(torch::equal(widened[i].second,
                             original[i].second.to(torch::kBFloat16).to(torch::kFloat32)))
        << original[i].first;
  }
}

TEST(Checkpoint, MissingAndMisshapenTensorsNameTheTensor) {
  const LlamaConfig config = tiny(0).config();
  auto params = tiny(0).named_parameters();
  params.erase(params.begin() + 3);
  try {
    LlamaModel::from_tensors(config, params, "weights.safetensors");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("model.layers.0"), std::string::npos) << e.what();
  }
  auto wrong = tiny(0).named_parameters();
  wrong[0].second = torch::zeros({3, 3});
  try {
    LlamaModel::from_tensors(config, wrong, "weights.safetensors");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("[3, 3]"), std::string::npos) << e.what();
  }
}

TEST(Training, DropoutHookAndGradientsReachTheWeights) {
  LlamaModel model = tiny(0);
  const auto ids = tokens(6, 8);
  torch::Tensor reference;
  {
    torch::NoGradGuard no_grad;
    reference = full_logits(model, ids);
  }
  model.set_dropout({true, 0.5, 0.5});
  torch::Tensor dropped;
  {
    torch::NoGradGuard no_grad;
    dropped = full_logits(model, ids);
  }
  EXPECT_GT(max_abs(dropped, reference), 1e-3);
  model.set_dropout({});
  for (auto& [name, t] : model.named_parameters()) t.requires_grad_(true);
  const torch::Tensor logits = full_logits(model, ids);
  EXPECT_LE(max_abs(logits.detach(), reference), 1e-6);
  logits.log_softmax(-1).select(1, 9).sum().backward();
  for (const auto& [name, t] : model.named_parameters()) {
    ASSERT_TRUE(t.grad().defined()) << name;
  }
  EXPECT_GT(model.named_parameters()[1].second.grad().abs().sum().item<double>(), 0.0);
}

}  // namespace
}  // namespace reasonrec::engine
