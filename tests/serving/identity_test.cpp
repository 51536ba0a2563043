// Continuous batching with and without the prefix cache gives every sample what
// LocalModel::generate gives its spec alone, whatever shares the batch and whenever it
// arrives; the prefix cache's statistics are what the shared prefixes imply.

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "engine/serving_engine.hpp"
#include "serving_fixture.hpp"
#include "util/error.hpp"

namespace reasonrec::engine::test {
namespace {

GenerationSpec spec_of(std::vector<std::int32_t> prompt, int max_new) {
  GenerationSpec spec;
  spec.prompt = std::move(prompt);
  spec.max_new_tokens = max_new;
  return spec;
}

// A Rec-SAVER-like mix: two long shared histories, several different instructions after
// each, n > 1, greedy and seeded nucleus sampling, stop strings, a constraint, logprobs.
std::vector<GenerationSpec> mixed_specs() {
  const auto bos = std::vector<std::int32_t>{1};
  const auto history_a = joined(bos, random_tokens(100, 90));
  const auto history_b = joined(bos, random_tokens(200, 70));
  std::vector<GenerationSpec> specs;

  specs.push_back(spec_of(joined(history_a, random_tokens(1, 12)), 24));  // greedy

  GenerationSpec sampled = spec_of(joined(history_a, random_tokens(2, 8)), 20);
  sampled.sampling = {1.0, 0.9, 0};
  sampled.seed = 77;
  sampled.n = 3;
  specs.push_back(sampled);

  GenerationSpec with_logprobs = spec_of(joined(history_a, random_tokens(3, 15)), 16);
  with_logprobs.top_logprobs = 3;
  specs.push_back(with_logprobs);

  // The same prompt again, sampled with top-k: everything but one token is reusable.
  GenerationSpec again = specs[0];
  again.sampling = {0.8, 1.0, 40};
  again.seed = 5;
  again.n = 2;
  again.top_logprobs = 0;
  specs.push_back(again);

  GenerationSpec constrained = spec_of(joined(history_b, random_tokens(4, 10)), 6);
  constrained.constraint = rating_constraint();
  constrained.sampling = {1.0, 1.0, 0};
  constrained.seed = 3;
  constrained.n = 2;
  specs.push_back(constrained);

  // A stop string the generation alone really meets: a piece of its own text.
  GenerationSpec stopping = spec_of(joined(history_b, random_tokens(5, 9)), 40);
  const std::string text = alone(stopping).front().text;
  if (text.size() > 12) stopping.stop = {"\x01never", text.substr(8, 3)};
  specs.push_back(stopping);

  GenerationSpec ignoring = spec_of(joined(history_b, random_tokens(6, 20)), 30);
  ignoring.ignore_eos = true;
  ignoring.stop_token_ids = {7, 9};
  ignoring.sampling = {1.2, 0.95, 0};
  ignoring.seed = 11;
  specs.push_back(ignoring);

  specs.push_back(spec_of(bos, 10));                                     // nothing to reuse
  specs.push_back(spec_of(joined(history_a, random_tokens(1, 5)), 12));  // a prefix of specs[0]
  specs.push_back(spec_of(random_tokens(7, 30), 18));                    // shares nothing
  return specs;
}

// Submits every spec from `threads` threads at staggered times and waits for all.
std::vector<std::vector<Generation>> serve(ServingEngine& engine,
                                           const std::vector<GenerationSpec>& specs, int threads) {
  std::vector<std::shared_ptr<PendingGeneration>> pending(specs.size());
  std::vector<std::thread> submitters;
  for (int t = 0; t < threads; ++t) {
    submitters.emplace_back([&, t] {
      for (std::size_t i = static_cast<std::size_t>(t); i < specs.size();
           i += static_cast<std::size_t>(threads)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(3 * t + static_cast<int>(i % 4)));
        pending[i] = engine.submit(specs[i]);
      }
    });
  }
  for (auto& thread : submitters) thread.join();
  std::vector<std::vector<Generation>> out;
  for (auto& p : pending) out.push_back(p->wait());
  return out;
}

class CacheModes : public ::testing::TestWithParam<bool> {};

TEST_P(CacheModes, EverySampleEqualsItsSpecGeneratedAlone) {
  const auto specs = mixed_specs();
  std::vector<std::vector<Generation>> expected;
  for (const auto& spec : specs) expected.push_back(alone(spec));

  ServingOptions options;
  options.prefix_cache = GetParam();
  options.max_batch_rows = 6;  // some requests wait for rows to free up
  ServingEngine engine(tiny_model(), options);
  const auto got = serve(engine, specs, 3);
  for (std::size_t i = 0; i < specs.size(); ++i) {
    expect_same(got[i], expected[i], "spec " + std::to_string(i));
  }
  // Submitting the whole mix again, now that the cache is warm, changes nothing either.
  const auto again = serve(engine, specs, 4);
  for (std::size_t i = 0; i < specs.size(); ++i) {
    expect_same(again[i], expected[i], "spec " + std::to_string(i) + ", second round");
  }

  const ServingStats stats = engine.stats();
  EXPECT_EQ(stats.requests, 2 * specs.size());
  std::uint64_t prompt_tokens = 0, generated = 0;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    prompt_tokens += specs[i].prompt.size();
    for (const auto& g : expected[i]) generated += g.tokens.size();
  }
  EXPECT_EQ(stats.prompt_tokens, 2 * prompt_tokens);
  EXPECT_EQ(stats.generated_tokens, 2 * generated);
  EXPECT_EQ(stats.prompt_tokens_computed + stats.prompt_tokens_reused, stats.prompt_tokens);
  EXPECT_EQ(stats.cancelled, 0u);
  EXPECT_GT(stats.decode_steps, 0u);
  if (GetParam()) {
    EXPECT_GT(stats.reuse_fraction(), 0.5);  // the second round is nearly all reused
  } else {
    EXPECT_EQ(stats.prompt_tokens_reused, 0u);
    EXPECT_EQ(stats.cached_prefixes, 0u);
    EXPECT_EQ(stats.cache_bytes, 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(PrefixCache, CacheModes, ::testing::Bool(),
                         [](const auto& param_info) { return param_info.param ? "On" : "Off"; });

TEST(PrefixCache, ReusesExactlyTheLongestCachedPrefix) {
  ServingEngine engine(tiny_model());
  const auto history = joined({1}, random_tokens(300, 49));  // 50 tokens
  auto suffix_a = random_tokens(301, 10);
  auto suffix_b = random_tokens(302, 10);
  suffix_b[0] = suffix_a[0] == 3 ? 4 : 3;                      // they part right after the history
  const auto a = joined(history, suffix_a);                    // 60
  const auto b = joined(history, suffix_b);                    // 60
  const auto a_longer = joined(a, random_tokens(303, 5));      // 65
  const auto unrelated = joined({2}, random_tokens(304, 29));  // 30, not even the first token

  struct Step {
    std::vector<std::int32_t> prompt;
    int n;
    std::uint64_t reused;  // what the earlier prompts imply
    std::uint64_t entries;
  };
  const std::vector<Step> steps = {
      {a, 1, 0, 1},          // nothing cached yet
      {b, 1, 50, 2},         // the history
      {a, 4, 59, 2},         // all of a but its last token, which must be computed; n = 4
                             // samples share one prefill; a is stored already
      {a_longer, 1, 60, 2},  // all of a; a_longer replaces the entry of a, its prefix
      {unrelated, 2, 0, 3},
  };
  std::uint64_t reused = 0, computed = 0, prompt_tokens = 0;
  std::size_t cached_tokens = 0;
  for (const Step& step : steps) {
    GenerationSpec spec = spec_of(step.prompt, 4);
    spec.n = step.n;
    const auto result = engine.submit(spec)->wait();
    ASSERT_EQ(result.size(), static_cast<std::size_t>(step.n));
    reused += step.reused;
    computed += step.prompt.size() - step.reused;
    prompt_tokens += step.prompt.size();
    const ServingStats stats = engine.stats();
    EXPECT_EQ(stats.prompt_tokens_reused, reused);
    EXPECT_EQ(stats.prompt_tokens_computed, computed);
    EXPECT_EQ(stats.prompt_tokens, prompt_tokens);
    EXPECT_EQ(stats.cached_prefixes, step.entries);
    EXPECT_EQ(stats.evictions, 0u);
  }
  cached_tokens = b.size() + a_longer.size() + unrelated.size();
  EXPECT_EQ(engine.stats().cache_bytes, cached_tokens * tiny_bytes_per_token());
  EXPECT_DOUBLE_EQ(engine.stats().reuse_fraction(),
                   static_cast<double>(reused) / static_cast<double>(prompt_tokens));
}

TEST(PrefixCache, ATinyBudgetEvictsAndChangesNoResult) {
  const auto specs = mixed_specs();
  ServingOptions options;
  // Room for about two prompts' keys and values: running requests crowd the cache out.
  options.kv_budget_bytes = 250 * tiny_bytes_per_token();
  options.max_batch_rows = 4;
  ServingEngine engine(tiny_model(), options);
  const auto got = serve(engine, specs, 2);
  for (std::size_t i = 0; i < specs.size(); ++i) {
    expect_same(got[i], alone(specs[i]), "spec " + std::to_string(i));
  }
  const ServingStats stats = engine.stats();
  EXPECT_GT(stats.evictions, 0u);
  EXPECT_LE(stats.cache_bytes, options.kv_budget_bytes);
}

TEST(ServingEngine, RefusesWhatGenerateRefusesAtOnce) {
  ServingEngine engine(tiny_model());
  EXPECT_TRUE(ServingEngine::supports(tiny_model()));
  EXPECT_THROW(engine.submit(spec_of({}, 4)), Error);
  EXPECT_THROW(engine.submit(spec_of({1, 600}, 4)), Error);
  EXPECT_THROW(engine.try_submit(spec_of(random_tokens(9, 5000), 4)), Error);
  GenerationSpec none = spec_of({1, 5}, 4);
  none.n = 0;
  const auto pending = engine.submit(none);
  EXPECT_TRUE(pending->ready());
  EXPECT_TRUE(pending->wait().empty());
}

}  // namespace
}  // namespace reasonrec::engine::test
