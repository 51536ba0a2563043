#include "recsaver/references.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <unordered_map>

#include <fmt/format.h>

#include "data/example_io.hpp"
#include "data/sha256.hpp"
#include "eval/prediction.hpp"
#include "prompt/parse_rating.hpp"
#include "recsaver/sentences.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/jsonl.hpp"

namespace reasonrec::recsaver {

namespace {

using nlohmann::ordered_json;

// The audit lists at most this many leaking references (all are counted).
constexpr std::size_t kAuditListed = 20;

std::string dump_line(const ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string dump_pretty(const ordered_json& j) {
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

bool blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  });
}

ordered_json usage_json(const llm::Usage& u) {
  return {{"prompt_tokens", u.prompt_tokens}, {"completion_tokens", u.completion_tokens}};
}

ordered_json scrub_json(const ScrubResult& s, const std::string& rules) {
  ordered_json removed = ordered_json::array();
  for (const auto& r : s.removed) removed.push_back({{"sentence", r.sentence}, {"rule", r.rule}});
  return {{"rules", rules},
          {"sentences", s.sentences},
          {"removed", std::move(removed)},
          {"text", s.text},
          {"empty", s.empty()}};
}

ordered_json verification_json(const Verification& v) {
  if (!v.sent) return nullptr;
  return {{"raw", v.raw},
          {"rating", v.rating ? ordered_json(*v.rating) : ordered_json(nullptr)},
          {"parse_status", v.parse_status},
          {"error", v.ok ? ordered_json(nullptr) : ordered_json(v.error)},
          {"usage", usage_json(v.usage)}};
}

ordered_json optional_seed(const std::optional<std::uint64_t>& seed) {
  return seed ? ordered_json(*seed) : ordered_json(nullptr);
}

ordered_json provenance_json(const Provenance& p) {
  return {{"examples", p.examples},
          {"examples_sha256", p.examples_sha256},
          {"model", p.model},
          {"backend", p.backend},
          {"domain", p.domain},
          {"n", p.n},
          {"temperature", p.temperature},
          {"top_p", p.top_p},
          {"max_tokens", p.max_tokens},
          {"verify_max_tokens", p.verify_max_tokens},
          {"seed", optional_seed(p.seed)},
          {"tolerance", p.tolerance},
          {"rules", p.rules},
          {"rules_sha256", p.rules_sha256}};
}

void read_verification(Verification& v, const llm::Completion& c) {
  v.sent = true;
  v.ok = c.ok;
  if (!c.ok) {
    v.error = c.error;
    v.parse_status = "request_failed";
    return;
  }
  v.raw = c.text;
  v.usage = c.usage;
  const auto parsed = prompt::parse_rating(c.text);
  v.rating = parsed.rating;
  v.parse_status = parsed.parsed()
                       ? std::string(prompt::source_name(parsed.source))
                       : "unparsed:" + std::string(prompt::failure_name(parsed.failure));
}

void validate_common(int tolerance, int verify_max_tokens) {
  if (tolerance < 0 || tolerance > 4) throw UsageError("--tolerance must be 0..4");
  if (verify_max_tokens < 1) throw UsageError("--verify-max-tokens must be at least 1");
}

llm::GenerationParams verify_params(int max_tokens, const std::string& constraint) {
  llm::GenerationParams p;
  p.temperature = 0.0;  // greedy: one answer per explanation
  p.max_tokens = max_tokens;
  p.constraint = constraint;
  return p;
}

// Verifies every explanation whose scrubbed text is not empty (one greedy call each), then
// decides every status.
void verify_all(std::vector<Explanation>& explanations,
                const std::vector<const data::Example*>& examples, BackendSession& session,
                const PromptMaker& maker, int tolerance, ProgressMode progress) {
  std::vector<llm::GenerationRequest> requests;
  std::vector<std::size_t> owner;
  for (std::size_t i = 0; i < explanations.size(); ++i) {
    Explanation& e = explanations[i];
    if (!e.explain_ok || blank(e.text) || e.scrub.empty()) continue;
    requests.push_back(maker.make(*examples[i], e.scrub.text, 1));
    owner.push_back(i);
  }
  const auto slots = generate_with_progress(session, requests, "recsaver verify", progress);
  for (std::size_t r = 0; r < requests.size(); ++r) {
    read_verification(explanations[owner[r]].verification, slots[r][0]);
  }
  for (auto& e : explanations) decide(e, tolerance);
}

std::string ratio(std::size_t a, std::size_t b) {
  return b == 0 ? "-"
                : fmt::format("{:.1f}%", 100.0 * static_cast<double>(a) / static_cast<double>(b));
}

ordered_json rate_or_null(std::size_t a, std::size_t b) {
  if (b == 0) return nullptr;
  return static_cast<double>(a) / static_cast<double>(b);
}

}  // namespace

std::filesystem::path summary_path_for(const std::filesystem::path& out) {
  std::filesystem::path p = out;
  if (p.extension() == ".jsonl" || p.extension() == ".json") p.replace_extension();
  p += ".summary.json";
  return p;
}

std::string explanation_text(const std::string& raw) {
  return prompt::parse_rating(raw).reasoning;
}

void decide(Explanation& e, int tolerance) {
  e.kept = false;
  if (!e.explain_ok) {
    e.status = "explain_failed";
  } else if (blank(e.text)) {
    e.status = "empty_explanation";
  } else if (e.scrub.empty()) {
    e.status = "empty_after_scrub";
  } else if (!e.verification.ok) {
    e.status = "verify_failed";
  } else if (!e.verification.rating) {
    e.status = "unparsed";
  } else if (std::abs(*e.verification.rating - e.true_rating) <= tolerance) {
    e.status = "kept";
    e.kept = true;
  } else {
    e.status = "rejected";
  }
}

std::string explanation_to_jsonl_line(const Explanation& e, const Provenance& provenance) {
  ordered_json j;
  j["example_id"] = e.example_id;
  j["split"] = e.split;
  j["true_rating"] = e.true_rating;
  j["sample"] = e.sample;
  j["seed"] = optional_seed(e.seed);
  j["status"] = e.status;
  j["kept"] = e.kept;
  j["explanation"] = {
      {"raw", e.raw},
      {"text", e.text},
      {"finish_reason", e.finish_reason},
      {"error", e.explain_ok ? ordered_json(nullptr) : ordered_json(e.explain_error)},
      {"usage", usage_json(e.usage)}};
  j["scrub"] = scrub_json(e.scrub, provenance.rules);
  j["verification"] = verification_json(e.verification);
  j["provenance"] = provenance_json(provenance);
  return dump_line(j);
}

nlohmann::ordered_json references_summary(const std::vector<Explanation>& explanations,
                                          const Provenance& provenance, int n) {
  struct PerRating {
    std::size_t examples = 0, explanations = 0, verified = 0, kept = 0;
  };
  std::map<int, PerRating> by_rating;
  for (int r = 1; r <= 5; ++r) by_rating[r] = {};
  std::map<std::string, std::size_t> status_counts;
  for (const char* s : {"kept", "rejected", "unparsed", "verify_failed", "empty_after_scrub",
                        "empty_explanation", "explain_failed"}) {
    status_counts[s] = 0;
  }
  std::map<std::string, std::size_t> removed_by_rule;
  std::size_t sentences = 0, removed = 0;
  // Per example, in order: kept count.
  std::vector<std::pair<std::string, std::size_t>> per_example;
  std::map<std::size_t, std::size_t> histogram;
  for (int k = 0; k <= n; ++k) histogram[static_cast<std::size_t>(k)] = 0;
  for (std::size_t i = 0; i < explanations.size(); ++i) {
    const Explanation& e = explanations[i];
    const bool first = i == 0 || explanations[i - 1].example_id != e.example_id;
    PerRating& pr = by_rating[e.true_rating];
    if (first) {
      ++pr.examples;
      per_example.push_back({e.example_id, 0});
    }
    ++pr.explanations;
    if (e.verification.rating) ++pr.verified;
    if (e.kept) {
      ++pr.kept;
      ++per_example.back().second;
    }
    ++status_counts[e.status];
    sentences += e.scrub.sentences;
    removed += e.scrub.removed.size();
    for (const auto& r : e.scrub.removed) ++removed_by_rule[r.rule];
  }
  ordered_json ratings = ordered_json::object();
  std::size_t verified = 0, kept = 0;
  for (const auto& [r, p] : by_rating) {
    verified += p.verified;
    kept += p.kept;
    ratings[std::to_string(r)] = {{"examples", p.examples},
                                  {"explanations", p.explanations},
                                  {"verified", p.verified},
                                  {"kept", p.kept},
                                  {"pass_rate", rate_or_null(p.kept, p.verified)},
                                  {"kept_rate", rate_or_null(p.kept, p.explanations)}};
  }
  ordered_json without = ordered_json::array();
  double kept_sum = 0;
  for (const auto& [id, count] : per_example) {
    ++histogram[count];
    kept_sum += static_cast<double>(count);
    if (count == 0) without.push_back(id);
  }
  ordered_json hist = ordered_json::object();
  for (const auto& [k, count] : histogram) hist[std::to_string(k)] = count;

  // The leakage audit: kept references that the strict rule set still finds a rating in.
  const RuleSet strict = RuleSet::builtin("strict");
  std::size_t leaking = 0;
  std::map<std::string, std::size_t> leak_rules;
  ordered_json listed = ordered_json::array();
  for (const auto& e : explanations) {
    if (!e.kept) continue;
    bool leaks = false;
    for (const auto& s : split_sentences(e.scrub.text)) {
      const ScrubRule* rule = strict.match(s.text);
      if (!rule) continue;
      ++leak_rules[rule->name];
      if (!leaks && listed.size() < kAuditListed) {
        listed.push_back({{"example_id", e.example_id},
                          {"sample", e.sample},
                          {"rule", rule->name},
                          {"sentence", std::string(s.text)}});
      }
      leaks = true;
    }
    leaking += leaks;
  }
  ordered_json leak_rule_json = ordered_json::object();
  for (const auto& [rule, count] : leak_rules) leak_rule_json[rule] = count;
  ordered_json removed_rule_json = ordered_json::object();
  for (const auto& [rule, count] : removed_by_rule) removed_rule_json[rule] = count;
  ordered_json statuses = ordered_json::object();
  for (const auto& [s, count] : status_counts) statuses[s] = count;

  ordered_json j;
  j["examples"] = per_example.size();
  j["explanations"] = explanations.size();
  j["kept"] = kept;
  j["verified"] = verified;
  j["pass_rate"] = rate_or_null(kept, verified);
  j["status"] = std::move(statuses);
  j["by_true_rating"] = std::move(ratings);
  j["references_per_example"] = {
      {"mean", per_example.empty() ? 0.0 : kept_sum / static_cast<double>(per_example.size())},
      {"histogram", std::move(hist)}};
  j["examples_without_references"] = {{"count", without.size()}, {"ids", std::move(without)}};
  j["scrub"] = {{"rules", provenance.rules},
                {"rules_sha256", provenance.rules_sha256},
                {"sentences", sentences},
                {"removed", removed},
                {"removed_by_rule", std::move(removed_rule_json)},
                {"empty_after_scrub", status_counts["empty_after_scrub"]}};
  j["leakage_audit"] = {{"rules", "strict"},
                        {"kept_references", kept},
                        {"leaking", leaking},
                        {"rate", rate_or_null(leaking, kept)},
                        {"sentences_by_rule", std::move(leak_rule_json)},
                        {"listed", std::move(listed)}};
  j["provenance"] = provenance_json(provenance);
  return j;
}

std::string format_references_summary(const ordered_json& s) {
  std::string out;
  const auto count = [&](const char* key) { return s.at(key).get<std::size_t>(); };
  out += fmt::format(
      "recsaver references: {} examples, {} explanations, {} kept ({} verified, pass rate {})\n",
      count("examples"), count("explanations"), count("kept"), count("verified"),
      ratio(count("kept"), count("verified")));
  std::string statuses;
  for (const auto& [k, v] : s.at("status").items())
    statuses += fmt::format(" {} {},", k, v.get<std::size_t>());
  if (!statuses.empty()) statuses.pop_back();
  out += "status:" + statuses + "\n";
  out += "true rating | examples | explanations | verified | kept | pass rate\n";
  for (const auto& [r, v] : s.at("by_true_rating").items()) {
    const auto kept = v.at("kept").get<std::size_t>();
    const auto verified = v.at("verified").get<std::size_t>();
    out +=
        fmt::format("{} | {} | {} | {} | {} | {}\n", r, v.at("examples").get<std::size_t>(),
                    v.at("explanations").get<std::size_t>(), verified, kept, ratio(kept, verified));
  }
  const auto& per = s.at("references_per_example");
  std::string hist;
  for (const auto& [k, v] : per.at("histogram").items())
    hist += fmt::format(" {}:{}", k, v.get<std::size_t>());
  out += fmt::format("references per example: mean {:.2f}; examples by count:{}\n",
                     per.at("mean").get<double>(), hist);
  out += fmt::format("examples without a reference: {}\n",
                     s.at("examples_without_references").at("count").get<std::size_t>());
  const auto& sc = s.at("scrub");
  out += fmt::format("scrub ({}): {} of {} sentences removed, {} explanations left empty\n",
                     sc.at("rules").get<std::string>(), sc.at("removed").get<std::size_t>(),
                     sc.at("sentences").get<std::size_t>(),
                     sc.at("empty_after_scrub").get<std::size_t>());
  const auto& a = s.at("leakage_audit");
  std::string rules;
  for (const auto& [k, v] : a.at("sentences_by_rule").items())
    rules += fmt::format(" {} {},", k, v.get<std::size_t>());
  if (!rules.empty()) rules.pop_back();
  out += fmt::format(
      "leakage audit (strict rules): {} of {} kept references still mention a rating{}\n",
      a.at("leaking").get<std::size_t>(), a.at("kept_references").get<std::size_t>(),
      rules.empty() ? "" : " (sentences by rule:" + rules + ")");
  return out;
}

ReferencesResult run_references_job(const ReferencesJob& job) {
  if (job.n < 1) throw UsageError("--n must be at least 1");
  if (job.max_tokens < 1) throw UsageError("--max-tokens must be at least 1");
  if (!(job.temperature >= 0.0)) throw UsageError("--temperature must be at least 0");
  if (!(job.top_p > 0.0 && job.top_p <= 1.0)) throw UsageError("--top-p must be in (0, 1]");
  if (job.split != "all" && job.split != "train" && job.split != "test") {
    throw UsageError("--split must be all, train or test");
  }
  validate_common(job.tolerance, job.verify_max_tokens);
  const RuleSet rules = RuleSet::resolve(job.scrub);
  const std::vector<data::Example> examples = data::read_examples(job.examples.string());

  ReferencesResult result;
  Provenance& prov = result.provenance;
  prov.examples = job.examples.string();
  prov.examples_sha256 = data::sha256_file(job.examples);
  prov.domain = job.prompts.domain;
  prov.n = job.n;
  prov.temperature = job.temperature;
  prov.top_p = job.top_p;
  prov.max_tokens = job.max_tokens;
  prov.verify_max_tokens = job.verify_max_tokens;
  prov.seed = job.seed;
  prov.tolerance = job.tolerance;
  prov.rules = rules.name();
  prov.rules_sha256 = rules.sha256();

  std::vector<const data::Example*> targets;
  for (const auto& e : examples) {
    if (job.split != "all" && e.split != job.split) continue;
    targets.push_back(&e);
    if (job.limit > 0 && targets.size() == job.limit) break;
  }

  BackendSettings settings = job.backend;
  if (settings.cache.empty()) settings.cache = job.out.parent_path() / "llm-cache.sqlite";
  settings.jitter_seed = job.seed;
  BackendSession session(settings);
  result.cache = session.cache_path();
  prov.model = session.model();
  prov.backend = session.backend_name();

  // Step 1: N explanations of the true rating per example, sample i with seed + i.
  llm::GenerationParams explain;
  explain.temperature = job.temperature;
  explain.top_p = job.top_p;
  explain.max_tokens = job.max_tokens;
  explain.seed = job.seed;
  const PromptMaker explain_maker(prompt::Mode::Explain, job.prompts, session, explain);
  std::vector<llm::GenerationRequest> requests;
  for (const data::Example* e : targets) requests.push_back(explain_maker.make(*e, "", job.n));
  const auto slots = generate_with_progress(session, requests, "recsaver explain", job.progress);
  result.explain_cache = session.cache_stats();

  // Step 2: the scrub.
  std::vector<const data::Example*> owners;
  for (std::size_t r = 0; r < targets.size(); ++r) {
    for (const llm::Completion& c : slots[r]) {
      Explanation e;
      e.example_id = targets[r]->id;
      e.split = targets[r]->split;
      e.true_rating = targets[r]->rating;
      e.sample = c.sample;
      e.seed = llm::sample_seed(explain, c.sample);
      e.explain_ok = c.ok;
      if (c.ok) {
        e.raw = c.text;
        e.finish_reason = c.finish_reason;
        e.usage = c.usage;
        e.text = explanation_text(c.text);
        e.scrub = scrub(e.text, rules);
      } else {
        e.explain_error = c.error;
      }
      result.explanations.push_back(std::move(e));
      owners.push_back(targets[r]);
    }
  }

  // Step 3: self-verification, and step 4's decision.
  const PromptMaker verify_maker(prompt::Mode::Verify, job.prompts, session,
                                 verify_params(job.verify_max_tokens, job.verify_constraint));
  verify_all(result.explanations, owners, session, verify_maker, job.tolerance, job.progress);
  const llm::CacheStats total = session.cache_stats();
  result.verify_cache.hits = total.hits - result.explain_cache.hits;
  result.verify_cache.sent = total.sent - result.explain_cache.sent;
  result.verify_cache.duplicates = total.duplicates - result.explain_cache.duplicates;
  result.client = session.client_stats();

  std::string lines;
  for (const auto& e : result.explanations) lines += explanation_to_jsonl_line(e, prov) + "\n";
  write_file_atomically(job.out, lines);
  result.summary = references_summary(result.explanations, prov, job.n);
  result.summary_path = job.summary.empty() ? summary_path_for(job.out) : job.summary;
  write_file_atomically(result.summary_path, dump_pretty(result.summary));
  return result;
}

VerifyResult run_verify_job(const VerifyJob& job) {
  validate_common(job.tolerance, job.verify_max_tokens);
  const RuleSet rules = RuleSet::resolve(job.scrub);
  const std::vector<data::Example> examples = data::read_examples(job.examples.string());
  std::unordered_map<std::string, const data::Example*> by_id;
  for (const auto& e : examples) by_id.emplace(e.id, &e);

  std::vector<eval::Prediction> predictions;
  std::vector<Explanation> items;
  std::vector<const data::Example*> owners;
  const std::string file = job.predictions.string();
  for_each_jsonl(file, [&](const nlohmann::json& j, std::size_t line) {
    eval::Prediction p = eval::prediction_from_json(j, file, line);
    const auto it = by_id.find(p.example_id);
    if (it == by_id.end()) {
      throw InputError(file, line,
                       "example_id: '" + p.example_id + "' is not in the examples file " +
                           job.examples.string());
    }
    const data::Example& ex = *it->second;
    if (p.true_rating != ex.rating) {
      throw InputError(file, line,
                       fmt::format("true_rating: {} but the examples file {} says {} for {} "
                                   "(predictions made from another examples file?)",
                                   p.true_rating, job.examples.string(), ex.rating, ex.id));
    }
    Explanation e;
    e.example_id = p.example_id;
    e.split = p.split;
    e.true_rating = ex.rating;
    e.sample = p.sample;
    e.seed = p.seed;
    e.explain_ok = true;
    e.text = p.reasoning;
    e.scrub = scrub(p.reasoning, rules);
    items.push_back(std::move(e));
    owners.push_back(&ex);
    predictions.push_back(std::move(p));
  });

  BackendSettings settings = job.backend;
  if (settings.cache.empty()) settings.cache = job.out.parent_path() / "llm-cache.sqlite";
  BackendSession session(settings);
  const PromptMaker maker(prompt::Mode::Verify, job.prompts, session,
                          verify_params(job.verify_max_tokens, job.verify_constraint));
  verify_all(items, owners, session, maker, job.tolerance, job.progress);

  VerifyResult result;
  result.predictions = items.size();
  result.cache = session.cache_path();
  result.cache_stats = session.cache_stats();
  std::string lines;
  for (std::size_t i = 0; i < items.size(); ++i) {
    Explanation& e = items[i];
    const eval::Prediction& p = predictions[i];
    std::string status = e.status;
    if (status == "empty_explanation") status = "empty_reasoning";
    if (status == "kept") status = "verified";
    if (status == "verified") ++result.verified;
    if (status == "rejected") ++result.rejected;
    if (status == "unparsed") ++result.unparsed;
    if (status == "verify_failed") ++result.failed;
    if (status == "empty_reasoning") ++result.empty_reasoning;
    if (status == "empty_after_scrub") ++result.empty_after_scrub;
    ordered_json j;
    j["example_id"] = e.example_id;
    j["sample"] = e.sample;
    j["seed"] = optional_seed(e.seed);
    j["rating"] = p.rating ? ordered_json(*p.rating) : ordered_json(nullptr);
    j["true_rating"] = e.true_rating;
    j["status"] = status;
    j["verified"] = e.kept;
    j["scrub"] = scrub_json(e.scrub, rules.name());
    j["verification"] = verification_json(e.verification);
    lines += dump_line(j) + "\n";
  }
  write_file_atomically(job.out, lines);
  ordered_json s;
  s["predictions"] = result.predictions;
  s["verified"] = result.verified;
  s["rejected"] = result.rejected;
  s["unparsed"] = result.unparsed;
  s["verify_failed"] = result.failed;
  s["empty_reasoning"] = result.empty_reasoning;
  s["empty_after_scrub"] = result.empty_after_scrub;
  s["pass_rate"] = rate_or_null(result.verified, result.verified + result.rejected);
  s["tolerance"] = job.tolerance;
  s["rules"] = rules.name();
  s["rules_sha256"] = rules.sha256();
  s["examples_sha256"] = data::sha256_file(job.examples);
  s["model"] = session.model();
  result.summary = std::move(s);
  result.summary_path = job.summary.empty() ? summary_path_for(job.out) : job.summary;
  write_file_atomically(result.summary_path, dump_pretty(result.summary));
  return result;
}

}  // namespace reasonrec::recsaver
