// MatVec, the batch-1 matrix-vector kernel: exact against a double-precision reference on every
// tail shape, the same bits whatever the thread count, safe under concurrent callers, and the
// same logits as torch::mv inside the model.

#include <cmath>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "engine/model/llama.hpp"
#include "engine/model/matvec.hpp"
#include "util/random.hpp"

namespace reasonrec::engine {
namespace {

struct Problem {
  std::int64_t rows, cols;
  std::vector<float> weight, bias, x, y;
  Problem(std::int64_t r, std::int64_t c, std::uint64_t seed) : rows(r), cols(c) {
    Rng rng(seed);
    auto fill = [&](std::vector<float>& v, std::int64_t n) {
      v.resize(static_cast<std::size_t>(n));
      for (float& f : v) f = static_cast<float>(rng.uniform() * 2.0 - 1.0);
    };
    fill(weight, r * c);
    fill(bias, r);
    fill(x, c);
    y.assign(static_cast<std::size_t>(r), std::nanf(""));
  }
  MatVecProduct product(bool with_bias) {
    return {weight.data(), with_bias ? bias.data() : nullptr, rows, cols, x.data(), y.data()};
  }
  // |y - Wx - b| within float rounding of the terms' magnitudes, for every row.
  void expect_exact(bool with_bias) const {
    for (std::int64_t r = 0; r < rows; ++r) {
      double sum = with_bias ? bias[static_cast<std::size_t>(r)] : 0.0, magnitude = 0.0;
      for (std::int64_t c = 0; c < cols; ++c) {
        const double term = static_cast<double>(weight[static_cast<std::size_t>(r * cols + c)]) *
                            x[static_cast<std::size_t>(c)];
        sum += term;
        magnitude += std::abs(term);
      }
      ASSERT_NEAR(y[static_cast<std::size_t>(r)], sum, 1e-6 * (magnitude + 1.0))
          << "row " << r << " of " << rows << "x" << cols;
    }
  }
};

TEST(MatVec, MatchesDoublePrecisionOnEveryTailShape) {
  MatVec matvec(2);
  for (std::int64_t cols : {1, 7, 8, 9, 31, 32, 33, 63, 896, 4869}) {
    for (bool with_bias : {false, true}) {
      Problem p(37, cols, static_cast<std::uint64_t>(cols));
      const MatVecProduct product = p.product(with_bias);
      matvec.run({&product, 1});
      p.expect_exact(with_bias);
    }
  }
}

TEST(MatVec, SplitJobsGiveTheSameBitsOnAnyThreadCount) {
  // Large enough to be split; three products of different shapes in one job.
  std::vector<Problem> alone{{1152, 896, 1}, {256, 896, 2}, {3001, 129, 3}};
  std::vector<MatVecProduct> products;
  for (Problem& p : alone) products.push_back(p.product(true));
  MatVec(1).run(products);
  for (const Problem& p : alone) p.expect_exact(true);
  for (unsigned threads : {2u, 3u, 0u}) {
    std::vector<Problem> split = alone;
    std::vector<MatVecProduct> split_products;
    for (Problem& p : split) {
      std::fill(p.y.begin(), p.y.end(), std::nanf(""));
      split_products.push_back(p.product(true));
    }
    MatVec matvec(threads);
    for (int repeat = 0; repeat < 3; ++repeat) matvec.run(split_products);
    for (std::size_t i = 0; i < split.size(); ++i) {
      EXPECT_EQ(split[i].y, alone[i].y) << "product " << i << " on " << threads << " threads";
    }
  }
}

TEST(MatVec, ConcurrentCallersEachGetTheirOwnResult) {
  MatVec matvec(2);
  std::vector<Problem> problems;
  for (int i = 0; i < 4; ++i) problems.emplace_back(700, 160 + i, static_cast<std::uint64_t>(i));
  std::vector<std::thread> callers;
  for (Problem& p : problems) {
    callers.emplace_back([&matvec, &p] {
      const MatVecProduct product = p.product(false);
      for (int repeat = 0; repeat < 50; ++repeat) matvec.run({&product, 1});
    });
  }
  for (std::thread& t : callers) t.join();
  for (const Problem& p : problems) p.expect_exact(false);
}

TEST(MatVec, HelpersThatFellAsleepWakeForTheNextJob) {
  MatVec matvec(2);
  Problem p(512, 512, 9);
  const MatVecProduct product = p.product(true);
  matvec.run({&product, 1});
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // past the spin: helpers wait
  std::fill(p.y.begin(), p.y.end(), 0.0f);
  matvec.run({&product, 1});
  p.expect_exact(true);
}

TEST(MatVec, ModelLogitsEqualTheBlasPath) {
  torch::NoGradGuard no_grad;
  const auto config = LlamaConfig::from_json(nlohmann::json::parse(R"({
      "model_type":"qwen2","vocab_size":4096,"hidden_size":96,"intermediate_size":200,
      "num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,
      "tie_word_embeddings":false,"max_position_embeddings":64})"),
                                             "test config");
  LlamaModel model = LlamaModel::random(config, 3, 0.2);
  auto last_logits = [&] {
    KvCache cache = model.make_cache(1, 8);
    const torch::Tensor tokens = torch::tensor({{5, 17, 400, 9}}, torch::kInt64);
    const torch::Tensor positions = torch::arange(4, torch::kInt64).unsqueeze(0);
    const torch::Tensor valid = torch::ones({1, 4}, torch::kBool);
    model.forward(tokens, positions, valid, cache);  // prefill through GEMM
    const torch::Tensor next = torch::tensor({{33}}, torch::kInt64);
    return model.logits(model.forward(next, torch::full({1, 1}, 4, torch::kInt64),
                                      torch::ones({1, 1}, torch::kBool), cache));
  };
  const torch::Tensor with_matvec = last_logits();
  model.set_matvec(false);
  const torch::Tensor with_blas = last_logits();
  EXPECT_TRUE(torch::allclose(with_matvec, with_blas, 1e-5, 1e-5))
      << (with_matvec - with_blas).abs().max().item<float>();
  EXPECT_EQ(with_matvec.argmax().item<std::int64_t>(), with_blas.argmax().item<std::int64_t>());
}

}  // namespace
}  // namespace reasonrec::engine
