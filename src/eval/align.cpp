#include "eval/align.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <sstream>
#include <unordered_map>

#include <fmt/format.h>

#include "eval/stats_tests.hpp"
#include "util/error.hpp"
#include "util/jsonl.hpp"

namespace reasonrec::eval {

namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

using ordered_json = nlohmann::ordered_json;

ordered_json number(double v) {
  return std::isfinite(v) ? ordered_json(v) : ordered_json();
}

std::string required_string(const nlohmann::json& j, const char* field, const std::string& path,
                            std::size_t line) {
  const auto it = j.find(field);
  if (it == j.end()) throw InputError(path, line, fmt::format("field '{}': missing", field));
  if (!it->is_string())
    throw InputError(path, line, fmt::format("field '{}': not a string", field));
  return it->get<std::string>();
}

std::string optional_string(const nlohmann::json& j, const char* field, const std::string& path,
                            std::size_t line) {
  const auto it = j.find(field);
  if (it == j.end() || it->is_null()) return {};
  if (!it->is_string())
    throw InputError(path, line, fmt::format("field '{}': not a string", field));
  return it->get<std::string>();
}

int optional_sample(const nlohmann::json& j, const std::string& path, std::size_t line) {
  const auto it = j.find("sample");
  if (it == j.end() || it->is_null()) return 0;
  if (!it->is_number_integer()) throw InputError(path, line, "field 'sample': not an integer");
  return it->get<int>();
}

std::string score_key(const std::string& method, const std::string& example_id, int sample) {
  return method + '\x1f' + example_id + '\x1f' + std::to_string(sample);
}

struct ScoreTable {
  std::vector<std::string> labels;  // in first-seen order
  std::unordered_map<std::string, std::map<std::string, double>> by_key;
};

void read_scores(const std::string& spec, ScoreTable& table) {
  std::string method;
  std::string path = spec;
  const auto eq = spec.find('=');
  if (eq != std::string::npos) {
    method = spec.substr(0, eq);
    path = spec.substr(eq + 1);
  }
  for_each_jsonl(path, [&](const nlohmann::json& j, std::size_t line) {
    if (!j.is_object()) throw InputError(path, line, "not a JSON object");
    const std::string example_id = required_string(j, "example_id", path, line);
    const int sample = optional_sample(j, path, line);
    const auto it = j.find("scores");
    if (it == j.end()) throw InputError(path, line, "field 'scores': missing");
    if (it->is_null()) return;
    if (!it->is_object()) throw InputError(path, line, "field 'scores': not an object");
    auto& row = table.by_key[score_key(method, example_id, sample)];
    for (const auto& [label, value] : it->items()) {
      if (value.is_null()) continue;
      if (!value.is_number()) {
        throw InputError(path, line, fmt::format("field 'scores.{}': not a number", label));
      }
      if (std::find(table.labels.begin(), table.labels.end(), label) == table.labels.end()) {
        table.labels.push_back(label);
      }
      row[label] = value.get<double>();
    }
  });
}

const std::map<std::string, double>* find_scores(const ScoreTable& table, const Judgment& j) {
  auto it = table.by_key.find(score_key(j.method, j.example_id, j.sample));
  if (it == table.by_key.end()) it = table.by_key.find(score_key("", j.example_id, j.sample));
  return it == table.by_key.end() ? nullptr : &it->second;
}

ordered_json with_interval(double value, const Interval& interval, std::size_t resamples) {
  ordered_json out;
  out["value"] = number(value);
  if (resamples > 0 && interval.resamples > 0) {
    out["low"] = interval.low;
    out["high"] = interval.high;
  } else {
    out["low"] = nullptr;
    out["high"] = nullptr;
  }
  return out;
}

ordered_json correlation_json(const Correlation& c) {
  return {{"r", number(c.statistic)}, {"p", number(c.p_value)}};
}

ordered_json ttest_json(const TTest& t) {
  return {{"t", number(t.statistic)}, {"df", number(t.df)}, {"p", number(t.p_value)}};
}

}  // namespace

std::vector<Judgment> read_judgments(const std::string& path,
                                     const std::vector<std::string>& criteria) {
  std::vector<Judgment> out;
  std::set<std::pair<std::string, std::string>> seen;
  for_each_jsonl(path, [&](const nlohmann::json& j, std::size_t line) {
    if (!j.is_object()) throw InputError(path, line, "not a JSON object");
    Judgment judgment;
    judgment.line = line;
    judgment.example_id = optional_string(j, "example_id", path, line);
    judgment.sample = optional_sample(j, path, line);
    // The method the reasoning came from: `method`, else `source` (annotate export: the
    // predictions file's name).
    judgment.method = optional_string(j, "method", path, line);
    if (judgment.method.empty()) judgment.method = optional_string(j, "source", path, line);
    judgment.rater = required_string(j, "rater", path, line);
    if (const auto it = j.find("item"); it != j.end() && it->is_number_integer()) {
      judgment.item = std::to_string(it->get<long long>());
    } else {
      judgment.item = optional_string(j, "item", path, line);
    }
    if (judgment.item.empty()) {
      if (judgment.example_id.empty()) {
        throw InputError(path, line, "neither 'item' nor 'example_id' is given");
      }
      judgment.item =
          fmt::format("{}/{}#{}", judgment.method, judgment.example_id, judgment.sample);
    }
    if (!seen.emplace(judgment.item, judgment.rater).second) {
      throw InputError(
          path, line,
          fmt::format("rater '{}' judges item '{}' twice", judgment.rater, judgment.item));
    }
    for (const auto& criterion : criteria) {
      const auto it = j.find(criterion);
      if (it == j.end() || it->is_null()) continue;
      double value = 0.0;
      if (it->is_boolean()) {
        value = it->get<bool>() ? 1.0 : 0.0;
      } else if (it->is_number()) {
        value = it->get<double>();
      } else {
        throw InputError(path, line, fmt::format("field '{}': not a number", criterion));
      }
      if (!std::isfinite(value)) {
        throw InputError(path, line, fmt::format("field '{}': not finite", criterion));
      }
      if ((criterion == "coherence" || criterion == "insightfulness") &&
          (value < 1 || value > 5 || value != std::floor(value))) {
        throw InputError(path, line, fmt::format("field '{}': not an integer 1-5", criterion));
      }
      if (criterion == "faithful" && value != 0.0 && value != 1.0) {
        throw InputError(path, line, "field 'faithful': not a boolean");
      }
      judgment.values[criterion] = value;
    }
    out.push_back(std::move(judgment));
  });
  return out;
}

RatingMatrix rating_matrix(const std::vector<Judgment>& judgments, const std::string& criterion) {
  RatingMatrix m;
  std::unordered_map<std::string, std::size_t> rater_index;
  std::unordered_map<std::string, std::size_t> item_index;
  for (const auto& j : judgments) {
    if (rater_index.emplace(j.rater, m.raters.size()).second) m.raters.push_back(j.rater);
  }
  for (const auto& j : judgments) {
    const auto [it, added] = item_index.emplace(j.item, m.rows.size());
    if (added) m.rows.emplace_back(m.raters.size(), kNan);
    const auto v = j.values.find(criterion);
    if (v != j.values.end()) m.rows[it->second][rater_index[j.rater]] = v->second;
  }
  return m;
}

nlohmann::ordered_json run_align(const AlignRequest& request) {
  const std::vector<Judgment> judgments = read_judgments(request.judgments, request.criteria);
  if (judgments.empty()) throw InputError(request.judgments, 0, "no judgments");
  ordered_json result;
  // Items in first-seen order, with their first judgment (for example_id, sample, method).
  std::vector<const Judgment*> items;
  std::unordered_map<std::string, std::size_t> item_index;
  std::set<std::string> raters;
  for (const auto& j : judgments) {
    raters.insert(j.rater);
    if (item_index.emplace(j.item, items.size()).second) items.push_back(&j);
  }
  result["judgments"] = judgments.size();
  result["items"] = items.size();
  result["raters"] = raters.size();
  result["criteria"] = request.criteria;

  BootstrapOptions boot;
  boot.resamples = request.bootstrap;
  boot.seed = request.seed;
  boot.confidence = request.confidence;

  // Agreement.
  std::map<std::string, std::vector<double>> human_mean;  // criterion -> per item (NaN: none)
  ordered_json agreement = ordered_json::object();
  for (const auto& criterion : request.criteria) {
    const RatingMatrix m = rating_matrix(judgments, criterion);
    std::vector<double>& means = human_mean[criterion];
    std::size_t pairable = 0;
    std::size_t ratings = 0;
    for (const auto& row : m.rows) {
      double sum = 0.0;
      std::size_t count = 0;
      for (double v : row) {
        if (!std::isnan(v)) {
          sum += v;
          ++count;
        }
      }
      ratings += count;
      pairable += count >= 2 ? 1 : 0;
      means.push_back(count ? sum / static_cast<double>(count) : kNan);
    }
    ordered_json c;
    c["ratings"] = ratings;
    c["pairable_items"] = pairable;
    const PairwiseAgreement pw = pairwise_agreement(m);
    c["rater_pairs"] = pw.pairs_kappa;
    auto stat = [&](const std::function<double(const RatingMatrix&)>& f) {
      const double value = f(m);
      const Interval interval = request.bootstrap > 0 ? bootstrap_units(m, f, boot) : Interval{};
      return with_interval(value, interval, request.bootstrap);
    };
    c["kappa_quadratic"] =
        stat([](const RatingMatrix& x) { return pairwise_agreement(x).mean_kappa; });
    c["pearson_pairwise"] =
        stat([](const RatingMatrix& x) { return pairwise_agreement(x).mean_pearson; });
    c["alpha_interval"] =
        stat([](const RatingMatrix& x) { return krippendorff_alpha(x, AlphaMetric::Interval); });
    c["alpha_ordinal"] =
        stat([](const RatingMatrix& x) { return krippendorff_alpha(x, AlphaMetric::Ordinal); });
    agreement[criterion] = std::move(c);
  }
  result["agreement"] = std::move(agreement);

  // Correlation with the mean human score, and faithful vs unfaithful.
  const std::vector<std::pair<std::string, const std::vector<std::string>*>> sets = {
      {"verified", &request.scores}, {"unverified", &request.unverified_scores}};
  ordered_json correlation = ordered_json::object();
  ordered_json faithfulness = ordered_json::object();
  for (const auto& [set_name, specs] : sets) {
    if (specs->empty()) continue;
    ScoreTable table;
    for (const auto& spec : *specs) read_scores(spec, table);
    std::vector<const std::map<std::string, double>*> item_scores;
    std::size_t matched = 0;
    for (const Judgment* item : items) {
      item_scores.push_back(find_scores(table, *item));
      matched += item_scores.back() ? 1 : 0;
    }
    ordered_json set_corr;
    set_corr["items_with_scores"] = matched;
    ordered_json metrics = ordered_json::object();
    ordered_json set_faith = ordered_json::object();
    for (const auto& label : table.labels) {
      ordered_json per_criterion = ordered_json::object();
      for (const auto& criterion : request.criteria) {
        if (criterion == request.faithful_criterion) continue;
        std::vector<double> x;
        std::vector<double> y;
        for (std::size_t i = 0; i < items.size(); ++i) {
          if (!item_scores[i] || std::isnan(human_mean[criterion][i])) continue;
          const auto s = item_scores[i]->find(label);
          if (s == item_scores[i]->end()) continue;
          x.push_back(s->second);
          y.push_back(human_mean[criterion][i]);
        }
        ordered_json c;
        c["n"] = x.size();
        c["pearson"] = correlation_json(pearson(x, y));
        c["spearman"] = correlation_json(spearman(x, y));
        c["kendall_tau_b"] = correlation_json(kendall_tau_b(x, y));
        per_criterion[criterion] = std::move(c);
      }
      metrics[label] = std::move(per_criterion);
      if (!request.faithful_criterion.empty() && human_mean.count(request.faithful_criterion)) {
        const auto& faithful = human_mean[request.faithful_criterion];
        std::vector<double> yes;
        std::vector<double> no;
        for (std::size_t i = 0; i < items.size(); ++i) {
          if (!item_scores[i] || std::isnan(faithful[i])) continue;
          const auto s = item_scores[i]->find(label);
          if (s == item_scores[i]->end()) continue;
          (faithful[i] > 0.5 ? yes : no).push_back(s->second);
        }
        ordered_json f;
        f["faithful"] = {{"n", yes.size()}, {"mean", number(mean(yes))}};
        f["unfaithful"] = {{"n", no.size()}, {"mean", number(mean(no))}};
        f["student"] = ttest_json(two_sample_t_test(yes, no, true));
        f["welch"] = ttest_json(two_sample_t_test(yes, no, false));
        set_faith[label] = std::move(f);
      }
    }
    set_corr["metrics"] = std::move(metrics);
    // Per item: the mean human scores and this set's metric scores (report's scatter plots).
    ordered_json per_item = ordered_json::array();
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (!item_scores[i]) continue;
      ordered_json row;
      row["item"] = items[i]->item;
      ordered_json human = ordered_json::object();
      for (const auto& criterion : request.criteria)
        human[criterion] = number(human_mean[criterion][i]);
      row["human"] = std::move(human);
      row["scores"] = *item_scores[i];
      per_item.push_back(std::move(row));
    }
    set_corr["items"] = std::move(per_item);
    correlation[set_name] = std::move(set_corr);
    if (!set_faith.empty()) faithfulness[set_name] = std::move(set_faith);
  }
  result["correlation"] = std::move(correlation);
  result["faithfulness"] = std::move(faithfulness);
  return result;
}

std::string format_align(const nlohmann::ordered_json& result, int digits) {
  auto num = [&](const ordered_json& v) {
    return v.is_number() ? fmt::format("{:.{}f}", v.get<double>(), digits) : std::string("-");
  };
  auto pval = [&](const ordered_json& v) {
    return v.is_number() ? fmt::format("{:.2g}", v.get<double>()) : std::string("-");
  };
  auto with_ci = [&](const ordered_json& s) {
    std::string out = num(s["value"]);
    if (s["low"].is_number()) out += fmt::format(" [{}, {}]", num(s["low"]), num(s["high"]));
    return out;
  };
  std::ostringstream os;
  os << fmt::format("{} judgments, {} items, {} raters\n\n", result["judgments"].get<std::size_t>(),
                    result["items"].get<std::size_t>(), result["raters"].get<std::size_t>());
  os << "## Agreement among raters\n\n";
  os << "| criterion | items (2+ raters) | kappa (quadratic, mean of pairs) | Pearson (mean of "
        "pairs) | alpha (interval) | alpha (ordinal) |\n";
  os << "|---|---|---|---|---|---|\n";
  for (const auto& [criterion, c] : result["agreement"].items()) {
    os << fmt::format("| {} | {} | {} | {} | {} | {} |\n", criterion,
                      c["pairable_items"].get<std::size_t>(), with_ci(c["kappa_quadratic"]),
                      with_ci(c["pearson_pairwise"]), with_ci(c["alpha_interval"]),
                      with_ci(c["alpha_ordinal"]));
  }
  for (const auto& [set_name, set] : result["correlation"].items()) {
    os << fmt::format("\n## Metric vs mean human score ({} references, {} items scored)\n\n",
                      set_name, set["items_with_scores"].get<std::size_t>());
    os << "| metric | criterion | n | Pearson (p) | Spearman (p) | Kendall tau-b (p) |\n";
    os << "|---|---|---|---|---|---|\n";
    for (const auto& [label, per_criterion] : set["metrics"].items()) {
      for (const auto& [criterion, c] : per_criterion.items()) {
        os << fmt::format("| {} | {} | {} | {} ({}) | {} ({}) | {} ({}) |\n", label, criterion,
                          c["n"].get<std::size_t>(), num(c["pearson"]["r"]),
                          pval(c["pearson"]["p"]), num(c["spearman"]["r"]),
                          pval(c["spearman"]["p"]), num(c["kendall_tau_b"]["r"]),
                          pval(c["kendall_tau_b"]["p"]));
      }
    }
  }
  for (const auto& [set_name, set] : result["faithfulness"].items()) {
    os << fmt::format("\n## Faithful vs unfaithful reasoning ({} references)\n\n", set_name);
    os << "| metric | faithful (n) | unfaithful (n) | Student t (p) | Welch t (p) |\n";
    os << "|---|---|---|---|---|\n";
    for (const auto& [label, f] : set.items()) {
      os << fmt::format("| {} | {} ({}) | {} ({}) | {} ({}) | {} ({}) |\n", label,
                        num(f["faithful"]["mean"]), f["faithful"]["n"].get<std::size_t>(),
                        num(f["unfaithful"]["mean"]), f["unfaithful"]["n"].get<std::size_t>(),
                        num(f["student"]["t"]), pval(f["student"]["p"]), num(f["welch"]["t"]),
                        pval(f["welch"]["p"]));
    }
  }
  return os.str();
}

}  // namespace reasonrec::eval
