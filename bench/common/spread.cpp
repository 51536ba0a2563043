#include "spread.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

namespace reasonrec::bench {

Spread spread_of(std::vector<double> runs) {
  Spread s;
  s.runs = runs;
  if (runs.empty()) return s;
  std::sort(runs.begin(), runs.end());
  const std::size_t n = runs.size();
  s.min = runs.front();
  s.max = runs.back();
  s.median = n % 2 ? runs[n / 2] : (runs[n / 2 - 1] + runs[n / 2]) / 2.0;
  return s;
}

Spread rates_of(const Spread& seconds, double scale) {
  std::vector<double> rates;
  for (const double s : seconds.runs) rates.push_back(scale / s);
  return spread_of(rates);
}

Ratio ratio_of(const Spread& numerator, const Spread& denominator) {
  return {numerator.median / denominator.median, numerator.min / denominator.max,
          numerator.max / denominator.min};
}

std::string show(const Spread& s, int decimals) {
  return fmt::format("{:.{}f} ({:.{}f}–{:.{}f})", s.median, decimals, s.min, decimals, s.max,
                     decimals);
}

std::string show(const Ratio& r, int decimals) {
  return fmt::format("**{:.{}f}x** ({:.{}f}–{:.{}f})", r.median, decimals, r.low, decimals, r.high,
                     decimals);
}

nlohmann::json to_json(const Spread& s) {
  return {{"runs", s.runs}, {"min", s.min}, {"median", s.median}, {"max", s.max}};
}

nlohmann::json to_json(const Ratio& r) {
  return {{"median", r.median}, {"low", r.low}, {"high", r.high}};
}

std::string write_results(const std::string& name, const nlohmann::json& record,
                          const std::string& path) {
  const std::filesystem::path out = path.empty() ? std::filesystem::path(REASONREC_SOURCE_DIR) /
                                                       "bench" / "results" / (name + ".json")
                                                 : std::filesystem::path(path);
  if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());
  std::ofstream file(out);
  if (!file) throw std::runtime_error("cannot write " + out.string());
  file << record.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return out.string();
}

}  // namespace reasonrec::bench
