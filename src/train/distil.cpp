#include "train/distil.hpp"

#include <map>
#include <set>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "data/example_io.hpp"
#include "prompt/builtin_templates.hpp"
#include "prompt/domain.hpp"
#include "prompt/parse_rating.hpp"
#include "train/distil_teacher.hpp"
#include "train/distil_verification.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace reasonrec::train {

namespace {

using ordered_json = nlohmann::ordered_json;

std::filesystem::path summary_path_for(const std::filesystem::path& out) {
  // NAME.summary.json beside NAME.jsonl, as the other stages name their summaries.
  std::filesystem::path p = out;
  if (p.extension() == ".jsonl" || p.extension() == ".json") p.replace_extension();
  p += ".summary.json";
  return p;
}

// The template predict renders the prompt with, whose answer section is the target's format.
prompt::Template prompt_template(const llm::PredictOptions& o) {
  return o.template_file.empty() ? prompt::load_builtin_template(prompt::template_name(o.spec.mode))
                                 : prompt::load_template_file(o.template_file);
}

// What the verification file says about one sample, after checking that it describes this
// very teacher sample (same true rating, same teacher rating).
enum class Verdict { Missing, Verified, NotVerified };

Verdict verdict(const VerificationTable& v, const TeacherSample& s, std::set<SampleKey>& used) {
  const SampleKey key{s.prediction.example_id, s.prediction.sample};
  const auto it = v.records.find(key);
  if (it == v.records.end()) return Verdict::Missing;
  const VerificationRecord& r = it->second;
  const std::string file = v.file.string();
  if (r.true_rating != s.prediction.true_rating) {
    throw InputError(file, r.line,
                     fmt::format("true_rating {} but the teacher file says {} for example {} "
                                 "(verification of another examples file?)",
                                 r.true_rating, s.prediction.true_rating, key.first));
  }
  if (r.rating != s.prediction.rating) {
    throw InputError(file, r.line,
                     fmt::format("rating of example {} sample {} differs from the teacher file's "
                                 "line {} (verification of another predictions file?)",
                                 key.first, key.second, s.line));
  }
  used.insert(key);
  return r.verified ? Verdict::Verified : Verdict::NotVerified;
}

ordered_json messages_json(const std::vector<llm::Message>& messages) {
  ordered_json out = ordered_json::array();
  for (const auto& m : messages) out.push_back({{"role", m.role}, {"content", m.content}});
  return out;
}

std::string dump_line(const ordered_json& j) {
  // Reviews may hold invalid UTF-8: replaced, as in every other JSONL the project writes.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace

DistilTarget parse_distil_target(std::string_view name) {
  if (name == "reasoning") return DistilTarget::Reasoning;
  if (name == "rating-only") return DistilTarget::RatingOnly;
  throw UsageError("unknown target '" + std::string(name) + "': expected reasoning or rating-only");
}

std::string_view distil_target_name(DistilTarget target) {
  return target == DistilTarget::Reasoning ? "reasoning" : "rating-only";
}

llm::PredictOptions distil_prompt_options(const DistilOptions& options, llm::Api api) {
  const bool reasoning = options.target == DistilTarget::Reasoning;
  const std::string mode = options.mode.empty() ? (reasoning ? "cot" : "direct") : options.mode;
  llm::PredictOptions o;
  o.spec = llm::resolve_mode(mode, options.ablation, options.shots);
  if (reasoning && o.spec.mode == prompt::Mode::Direct) {
    throw UsageError("--target reasoning needs a prompt that asks for reasoning; --mode " + mode +
                     " asks for the rating alone (use --target rating-only)");
  }
  if (!reasoning && o.spec.mode != prompt::Mode::Direct) {
    throw UsageError("--target rating-only answers in the direct prompt's format; --mode " + mode +
                     " asks for reasoning (use --mode direct)");
  }
  o.domain = options.domain;
  o.template_file = options.template_file;
  o.budget = options.budget;
  o.shot_seed = options.shot_seed;
  o.split = options.split;
  o.api = api;
  o.samples = 1;
  return o;
}

std::string distil_target_text(const prompt::Template& tmpl, const prompt::PromptRequest& request,
                               DistilTarget target, const std::string& reasoning) {
  prompt::Scope answer;
  answer.set("reason", target == DistilTarget::Reasoning ? reasoning : "");
  answer.set("rating", std::to_string(request.target.example.rating));
  return tmpl.render_answer(prompt::example_scope(request, request.target), answer);
}

DistilResult run_distil(const DistilOptions& options) {
  if (options.split != "train" && options.split != "test" && options.split != "all") {
    throw UsageError("--split must be train, test or all");
  }
  if (options.filter == DistilFilter::Verified && options.verification.empty()) {
    throw UsageError(
        "--filter verified needs --verification V.jsonl (the output of `reasonrec recsaver "
        "verify` over the teacher file)");
  }
  const llm::PredictOptions chat = distil_prompt_options(options, llm::Api::Chat);
  const llm::PredictOptions completion = distil_prompt_options(options, llm::Api::Completion);
  const prompt::Template tmpl = prompt_template(chat);

  const std::vector<data::Example> examples = data::read_examples(options.examples.string());
  const TeacherSamples teacher = read_teacher_samples(options.teacher, options.examples, examples,
                                                      options.split, options.skip_missing);
  std::optional<VerificationTable> verification;
  if (!options.verification.empty()) verification = read_verification(options.verification);

  DistilSummary s;
  s.examples_file = options.examples.string();
  s.teacher_file = options.teacher.string();
  s.verification_file = options.verification.string();
  s.out_file = options.out.string();
  s.filter = std::string(distil_filter_name(options.filter));
  s.target = std::string(distil_target_name(options.target));
  s.mode = chat.spec.label;
  s.split = options.split;
  s.input_samples = teacher.samples.size();
  s.skipped_missing = teacher.skipped_missing;
  for (const DistilFilter f : kAllDistilFilters) {
    if (f != DistilFilter::Verified || verification) s.retained_by_filter[f] = 0;
  }

  // Decide every sample; remember the kept ones and the examples they need prompts for.
  const bool reasoning = options.target == DistilTarget::Reasoning;
  std::vector<const TeacherSample*> kept;
  std::vector<std::size_t> example_order;          // examples in teacher-file order
  std::map<std::size_t, std::size_t> retained_of;  // example -> lines written
  std::set<SampleKey> used;
  for (const TeacherSample& t : teacher.samples) {
    const eval::Prediction& p = t.prediction;
    if (retained_of.emplace(t.example, 0).second) example_order.push_back(t.example);
    ++s.by_true_rating.at(static_cast<std::size_t>(p.true_rating - 1)).input;
    if (!p.rating) {
      ++s.unparsed;
      continue;
    }
    // A reasoning target teaches the teacher's reasoning; a sample without any teaches none.
    if (reasoning && p.reasoning.empty()) {
      ++s.empty_reasoning;
      continue;
    }
    const Verdict v = verification ? verdict(*verification, t, used) : Verdict::Missing;
    for (auto& [f, n] : s.retained_by_filter) {
      const bool pass = f == DistilFilter::Verified
                            ? v == Verdict::Verified
                            : passes_rating_filter(f, *p.rating, p.true_rating);
      if (pass) ++n;
    }
    if (options.filter == DistilFilter::Verified) {
      if (v == Verdict::Missing) {
        ++s.unverified;
        continue;
      }
      if (v == Verdict::NotVerified) {
        ++s.filtered_out;
        continue;
      }
    } else if (!passes_rating_filter(options.filter, *p.rating, p.true_rating)) {
      ++s.filtered_out;
      continue;
    }
    kept.push_back(&t);
  }
  s.examples = example_order.size();
  if (verification) s.verification_unmatched = verification->records.size() - used.size();

  // The prompts, one per example with a kept sample, rendered by predict's own code.
  std::vector<data::Example> targets;
  std::map<std::size_t, std::size_t> request_of;  // example -> index into targets
  for (const TeacherSample* t : kept) {
    if (request_of.emplace(t->example, targets.size()).second) {
      targets.push_back(examples[t->example]);
    }
  }
  const auto chat_requests = llm::build_requests(examples, targets, chat);
  const auto completion_requests = llm::build_requests(examples, targets, completion);
  const prompt::Domain domain = prompt::domain_by_name(options.domain);

  std::string lines;
  for (const TeacherSample* t : kept) {
    const eval::Prediction& p = t->prediction;
    const data::Example& e = examples[t->example];
    prompt::PromptRequest request;
    request.domain = domain;
    request.ablation = chat.spec.ablation;
    request.target.example = e;
    const std::string target = distil_target_text(tmpl, request, options.target, p.reasoning);
    // The student must learn the truth in a form the project's parser reads back.
    const prompt::ParsedRating back = prompt::parse_rating(target);
    if (back.rating != e.rating || (reasoning && back.reasoning.empty())) {
      if (s.unreadable_target++ == 0) {
        s.first_unreadable = fmt::format("example {} sample {}", e.id, p.sample);
      }
      continue;
    }
    const std::size_t r = request_of.at(t->example);
    ordered_json j;
    j["id"] = e.id;
    j["sample"] = p.sample;
    j["domain"] = options.domain;
    j["split"] = e.split;
    j["rating"] = e.rating;
    j["teacher_rating"] = *p.rating;
    j["filter"] = s.filter;
    j["mode"] = s.mode;
    j["messages"] = messages_json(chat_requests.at(r).messages);
    j["prompt"] = completion_requests.at(r).prompt;
    j["target"] = target;
    lines += dump_line(j);
    ++s.retained;
    ++s.by_true_rating.at(static_cast<std::size_t>(e.rating - 1)).retained;
    ++retained_of[t->example];
  }
  for (const std::size_t ex : example_order) {
    if (retained_of[ex] == 0) s.examples_without_retained.push_back(examples[ex].id);
  }

  write_file_atomically(options.out, lines);
  DistilResult result;
  result.summary = std::move(s);
  result.summary_path = summary_path_for(options.out);
  write_file_atomically(result.summary_path,
                        summary_to_json(result.summary)
                                .dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
                            "\n");
  return result;
}

}  // namespace reasonrec::train
