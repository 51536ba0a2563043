// Rating distributions, usage accounting and the config file.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "llm/config.hpp"
#include "llm/predict.hpp"
#include "llm/rating_distribution.hpp"
#include "llm/usage.hpp"
#include "support/paths.hpp"
#include "support/run.hpp"
#include "util/error.hpp"

namespace reasonrec::llm {
namespace {

TEST(RatingDistribution, ReadAtTheLastTokenThatIsTheRating) {
  const std::vector<TokenLogprob> tokens = {
      {"I", -0.1, {{"I", -0.1}}},
      {" 4", -0.5, {{" 4", -0.5}, {" 2", -1.0}}},  // a 4 in the reasoning: not the rating
      {"\n", -0.01, {}},
      {"**4**",
       std::log(0.5),
       {{"**4**", std::log(0.5)},
        {" 4", std::log(0.1)},
        {"5", std::log(0.2)},
        {"three", std::log(0.1)},
        {"\n", std::log(0.05)}}},
  };
  const auto p = rating_distribution(tokens, 4);
  ASSERT_TRUE(p.has_value());
  // " 4" and "**4**" are both the digit 4: 0.6; 5: 0.2; normalised over 0.8.
  EXPECT_NEAR((*p)[3], 0.75, 1e-12);
  EXPECT_NEAR((*p)[4], 0.25, 1e-12);
  EXPECT_EQ((*p)[0], 0.0);
  EXPECT_NEAR(expected_rating(*p), 4.25, 1e-12);
  EXPECT_FALSE(rating_distribution(tokens, 3).has_value());             // no token is the rating
  EXPECT_FALSE(rating_distribution({{"4", -0.1, {}}}, 4).has_value());  // no alternatives
  EXPECT_FALSE(rating_distribution(tokens, 0).has_value());
}

TEST(Usage, PercentilesMatchNumpy) {
  std::vector<double> v;
  for (int i = 0; i < 37; ++i) v.push_back(std::fmod(i * 0.731, 2.3));
  std::string list;
  for (double x : v) list += (list.empty() ? "" : ",") + std::to_string(x);
  const auto r = test::run_python(
      "import sys, numpy as np\nv = np.array([" + list +
      "])\n"
      "print(' '.join(repr(float(np.percentile(v, q))) for q in (0, 50, 90, 99, 100)))\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream in(r.out);
  std::vector<double> rounded;
  for (double x : v) rounded.push_back(std::stod(std::to_string(x)));
  for (double q : {0.0, 50.0, 90.0, 99.0, 100.0}) {
    double want = 0;
    in >> want;
    EXPECT_NEAR(percentile(rounded, q), want, 1e-12) << q;
  }
  EXPECT_EQ(percentile({}, 50), 0.0);
}

TEST(Usage, TotalsThisRunAndCost) {
  UsageAccumulator acc;
  Completion fresh;
  fresh.ok = true;
  fresh.usage = {1000, 200};
  fresh.latency_seconds = 2.0;
  Completion cached = fresh;
  cached.cached = true;
  Completion failed;
  failed.cached = false;
  acc.add(fresh);
  acc.add(cached);
  acc.add(failed);
  PriceTable prices = {{"m", {2.0, 8.0}}};
  const auto s = acc.summary("m", prices);
  EXPECT_EQ(s.completions, 3u);
  EXPECT_EQ(s.cached, 1u);
  EXPECT_EQ(s.failed, 1u);
  EXPECT_EQ(s.prompt_tokens, 2000);
  EXPECT_EQ(s.sent_prompt_tokens, 1000);
  EXPECT_EQ(s.latency_p50, 2.0);
  ASSERT_TRUE(s.cost.has_value());
  EXPECT_NEAR(*s.cost, (2000 * 2.0 + 400 * 8.0) / 1e6, 1e-15);
  EXPECT_NEAR(*s.sent_cost, (1000 * 2.0 + 200 * 8.0) / 1e6, 1e-15);
  EXPECT_FALSE(acc.summary("unpriced", prices).cost.has_value());
  EXPECT_NE(format_usage(s).find("cost $"), std::string::npos);
}

std::filesystem::path write(const std::string& text) {
  const auto p = test::scratch_dir() / "llm.toml";
  std::ofstream(p) << text;
  return p;
}

TEST(Config, ReadsEverySetting) {
  const auto c = load_backend_config(write(R"(
[backend]
base_urls = ["http://a:8000/v1", "http://b:8000/v1"]
model = "llama-3-70b"
api = "completions"
api_key_env = "MY_KEY"
timeout_s = 30
connect_timeout_s = 2.5
concurrency = 64
requests_per_minute = 500
tokens_per_minute = 200000
max_attempts = 9
backoff_initial_s = 0.25
backoff_max_s = 20
max_retry_after_s = 90
endpoint_failures = 4
endpoint_cooldown_s = 3
endpoint_cooldown_max_s = 30
give_up_after_s = 120
stream = true

[prices."llama-3-70b"]
input_per_million = 0.5
output_per_million = 1.5
)"));
  EXPECT_EQ(c.client.base_urls.size(), 2u);
  EXPECT_EQ(c.model, "llama-3-70b");
  EXPECT_EQ(c.api, Api::Completion);
  EXPECT_EQ(c.api_key_env, "MY_KEY");
  EXPECT_TRUE(c.api_key_env_explicit);
  EXPECT_EQ(c.client.timeout, std::chrono::milliseconds(30000));
  EXPECT_EQ(c.client.connect_timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(c.client.concurrency, 64);
  EXPECT_EQ(c.client.requests_per_minute, 500);
  EXPECT_EQ(c.client.tokens_per_minute, 200000);
  EXPECT_EQ(c.client.max_attempts, 9);
  EXPECT_EQ(c.client.backoff.initial, std::chrono::milliseconds(250));
  EXPECT_EQ(c.client.backoff.max, std::chrono::milliseconds(20000));
  EXPECT_EQ(c.client.max_retry_after, std::chrono::milliseconds(90000));
  EXPECT_EQ(c.client.endpoints.failures_before_dead, 4);
  EXPECT_EQ(c.client.endpoints.cooldown, std::chrono::milliseconds(3000));
  EXPECT_EQ(c.client.endpoints.max_cooldown, std::chrono::milliseconds(30000));
  EXPECT_EQ(c.client.give_up_after, std::chrono::milliseconds(120000));
  EXPECT_TRUE(c.client.stream);
  EXPECT_EQ(c.prices.at("llama-3-70b").output_per_million, 1.5);
}

TEST(Config, MistakesNameTheFileAndKey) {
  auto expect_error = [](const std::string& text, const std::string& needle) {
    try {
      load_backend_config(write(text));
      ADD_FAILURE() << "accepted: " << text;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("llm.toml"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error("[backend]\nconcurency = 4\n", "backend.concurency");
  expect_error("[backend]\nconcurrency = \"4\"\n", "backend.concurrency");
  expect_error("[backend]\nconcurrency = 0\n", "backend.concurrency");
  expect_error("[backend]\ntimeout_s = -1\n", "backend.timeout_s");
  expect_error("[backend]\napi = \"rpc\"\n", "backend.api");
  expect_error("[backend]\nbase_urls = []\n", "backend.base_urls");
  expect_error("[backend]\nbase_urls = [1]\n", "backend.base_urls");
  expect_error("[prices.m]\ninput = 1\n", "prices.m.input");
  expect_error("[backnd]\n", "backnd");
  expect_error("[backend\n", ":");  // a TOML syntax error, with its line
}

TEST(Config, ApiKeyFromTheEnvironment) {
  BackendConfig c;
  c.api_key_env = "REASONREC_TEST_KEY_UNSET";
  EXPECT_EQ(resolve_api_key(c), "");  // the default variable may be absent
  c.api_key_env_explicit = true;
  EXPECT_THROW(resolve_api_key(c), UsageError);
  setenv("REASONREC_TEST_KEY_SET", "sk-123", 1);
  c.api_key_env = "REASONREC_TEST_KEY_SET";
  EXPECT_EQ(resolve_api_key(c), "sk-123");
}

TEST(Modes, ResolveToPromptPartsAndLabels) {
  EXPECT_EQ(resolve_mode("cot", "none", std::nullopt).label, "cot");
  EXPECT_EQ(resolve_mode("direct", "none", std::nullopt).label, "direct");
  const auto k = resolve_mode("kshot", "none", std::nullopt);
  EXPECT_EQ(k.shots, 1u);
  EXPECT_EQ(k.label, "one-shot");
  EXPECT_EQ(resolve_mode("kshot", "none", 3).label, "3-shot");
  const auto nr = resolve_mode("no-review", "none", std::nullopt);
  EXPECT_EQ(nr.ablation, prompt::Ablation::NoReview);
  EXPECT_EQ(nr.label, "no-review");
  EXPECT_EQ(resolve_mode("direct", "no-description", std::nullopt).label, "direct+no-description");
  EXPECT_EQ(resolve_mode("cot", "no-review", 1).label, "one-shot+no-review");
  EXPECT_THROW(resolve_mode("no-review", "no-description", std::nullopt), UsageError);
  EXPECT_THROW(resolve_mode("kshot", "none", 0), UsageError);
  EXPECT_THROW(resolve_mode("explain", "none", std::nullopt), UsageError);
}

}  // namespace
}  // namespace reasonrec::llm
