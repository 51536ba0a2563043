#include "llm/rating_distribution.hpp"

#include <algorithm>
#include <cmath>
#include <string_view>

namespace reasonrec::llm {

namespace {

// The rating digit a token stands for, 0 when it is not one.
int digit_of(std::string_view token) {
  auto junk = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '*'; };
  while (!token.empty() && junk(token.front())) token.remove_prefix(1);
  while (!token.empty() && junk(token.back())) token.remove_suffix(1);
  if (token.size() != 1 || token[0] < '1' || token[0] > '5') return 0;
  return token[0] - '0';
}

}  // namespace

std::optional<std::array<double, 5>> rating_distribution(const std::vector<TokenLogprob>& tokens,
                                                         int rating) {
  if (rating < 1 || rating > 5) return std::nullopt;
  for (auto it = tokens.rbegin(); it != tokens.rend(); ++it) {
    if (digit_of(it->token) != rating) continue;
    if (it->top.empty()) return std::nullopt;
    std::array<double, 5> p{};
    for (const auto& alt : it->top) {
      if (const int d = digit_of(alt.token))
        p[static_cast<std::size_t>(d - 1)] += std::exp(alt.logprob);
    }
    double sum = 0;
    for (double v : p) sum += v;
    if (!(sum > 0) || !std::isfinite(sum)) return std::nullopt;
    for (double& v : p) v /= sum;
    return p;
  }
  return std::nullopt;
}

double expected_rating(const std::array<double, 5>& probabilities) {
  double e = 0;
  for (std::size_t k = 0; k < 5; ++k) e += static_cast<double>(k + 1) * probabilities[k];
  return std::clamp(e, 1.0, 5.0);  // rounding of a normalised sum may stray past the ends
}

}  // namespace reasonrec::llm
