#include "engine/generation/sampler.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace reasonrec::engine {
namespace {

std::int32_t argmax(std::span<const float> logits) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < logits.size(); ++i) {
    if (logits[i] > logits[best]) best = i;
  }
  return static_cast<std::int32_t>(best);
}

}  // namespace

std::vector<TokenChoice> top_entries(std::span<const float> values, int k) {
  std::vector<std::int32_t> ids(values.size());
  std::iota(ids.begin(), ids.end(), 0);
  const auto count = std::min<std::size_t>(static_cast<std::size_t>(std::max(k, 0)), ids.size());
  auto better = [&](std::int32_t a, std::int32_t b) {
    const float va = values[static_cast<std::size_t>(a)], vb = values[static_cast<std::size_t>(b)];
    return va != vb ? va > vb : a < b;
  };
  std::partial_sort(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(count), ids.end(),
                    better);
  std::vector<TokenChoice> out;
  for (std::size_t i = 0; i < count; ++i)
    out.push_back({ids[i], values[static_cast<std::size_t>(ids[i])]});
  return out;
}

std::vector<float> log_softmax(std::span<const float> logits) {
  double max = -INFINITY;
  for (float v : logits) max = std::max(max, static_cast<double>(v));
  double sum = 0.0;
  for (float v : logits) sum += std::exp(static_cast<double>(v) - max);
  const double log_sum = max + std::log(sum);
  std::vector<float> out(logits.size());
  for (std::size_t i = 0; i < logits.size(); ++i) {
    out[i] = static_cast<float>(static_cast<double>(logits[i]) - log_sum);
  }
  return out;
}

std::int32_t sample_token(std::span<const float> logits, const SamplingParams& params, Rng& rng) {
  if (params.temperature <= 0.0 || logits.size() == 1) return argmax(logits);
  double max = -INFINITY;
  for (float v : logits) max = std::max(max, static_cast<double>(v));
  std::vector<double> weight(logits.size());
  for (std::size_t i = 0; i < logits.size(); ++i) {
    weight[i] = std::exp((static_cast<double>(logits[i]) - max) / params.temperature);
  }
  const bool restrict_k =
      params.top_k > 0 && static_cast<std::size_t>(params.top_k) < logits.size();
  const bool restrict_p = params.top_p > 0.0 && params.top_p < 1.0;
  const double u = rng.uniform();
  if (!restrict_k && !restrict_p) {
    const double total = std::accumulate(weight.begin(), weight.end(), 0.0);
    double target = u * total, running = 0.0;
    for (std::size_t i = 0; i < weight.size(); ++i) {
      running += weight[i];
      if (target < running) return static_cast<std::int32_t>(i);
    }
    return static_cast<std::int32_t>(weight.size() - 1);
  }
  // Candidates by descending probability (ties by id), cut by top-k, then by top-p.
  std::vector<std::int32_t> order(weight.size());
  std::iota(order.begin(), order.end(), 0);
  auto better = [&](std::int32_t a, std::int32_t b) {
    const double wa = weight[static_cast<std::size_t>(a)], wb = weight[static_cast<std::size_t>(b)];
    return wa != wb ? wa > wb : a < b;
  };
  const std::size_t k = restrict_k ? static_cast<std::size_t>(params.top_k) : order.size();
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                    better);
  order.resize(k);
  double total = 0.0;
  for (std::int32_t id : order) total += weight[static_cast<std::size_t>(id)];
  if (restrict_p) {
    double running = 0.0;
    std::size_t keep = 0;
    while (keep < order.size()) {
      running += weight[static_cast<std::size_t>(order[keep])];
      ++keep;
      if (running >= params.top_p * total) break;
    }
    order.resize(keep);
    total = running;
  }
  double target = u * total, running = 0.0;
  for (std::int32_t id : order) {
    running += weight[static_cast<std::size_t>(id)];
    if (target < running) return id;
  }
  return order.back();
}

}  // namespace reasonrec::engine
