// Rec-SAVER's explain -> scrub -> verify -> keep through a scripted model (given to the job as an
// in-process backend): every status, the scrub's effect on what is verified, the leakage audit,
// the tolerance, and a rerun answered entirely from the cache with identical bytes.
#include <gtest/gtest.h>

#include <fstream>
#include <mutex>

#include <nlohmann/json.hpp>

#include "data/example_io.hpp"
#include "data/sha256.hpp"
#include "llm/in_process_backend.hpp"
#include "recsaver/references.hpp"
#include "support/paths.hpp"
#include "test_helpers.hpp"
#include "util/error.hpp"

namespace reasonrec::recsaver {
namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Log {
  std::mutex mutex;
  std::size_t explain = 0;
  std::size_t verify = 0;
  std::vector<std::string> verify_prompts;
};

// Explanation i of an example whose true rating is t. "cue=K" in an explanation is the rating
// the verification reads back ("cue=x": none).
std::string explanation_for(int sample, int t) {
  const std::string T = std::to_string(t);
  const std::string W = std::to_string(t == 5 ? 4 : t + 1);  // one off the truth
  switch (sample % 6) {
    case 0:
      return "### Reason ###\nThe user loves rich creams (cue=" + T +
             "). She would give it five stars.\n### Rating ###\n" + T;
    case 1:
      return "### Reason ###\nThe user is picky (cue=" + T + "). I would rate it 4/5.";
    case 2:
      return "Five stars. It scores well.";
    case 3:
      return "### Reason ###\nShe is unsure (cue=x).";
    case 4:
      return "The user dislikes the scent (cue=" + W + ").";
    default:
      return "";
  }
}

class ScriptedModel final : public llm::InProcessBackend {
 public:
  explicit ScriptedModel(Log& log) : log_(log) {}
  std::size_t context_length() const override { return 0; }
  std::size_t prompt_tokens(const llm::GenerationRequest&) const override { return 0; }
  std::size_t text_tokens(std::string_view) const override { return 0; }
  void validate(const llm::GenerationRequest&) const override {}
  std::string name() const override { return "scripted"; }

  void generate(std::span<const llm::GenerationRequest> requests,
                llm::CompletionSink& sink) override {
    for (std::size_t r = 0; r < requests.size(); ++r) {
      const std::string& prompt = requests[r].messages.back().content;
      for (int s = requests[r].first_sample; s < requests[r].first_sample + requests[r].n; ++s) {
        llm::Completion c;
        c.request = r;
        c.sample = s;
        c.ok = true;
        c.finish_reason = "stop";
        const std::size_t asked = prompt.find("The user rated the new");
        std::lock_guard lock(log_.mutex);
        if (asked != std::string::npos) {
          ++log_.explain;
          const int t = prompt[prompt.find_first_of("12345", asked)] - '0';
          c.text = explanation_for(s, t);
        } else {
          ++log_.verify;
          log_.verify_prompts.push_back(prompt);
          const std::size_t cue = prompt.find("cue=");
          const char k = cue == std::string::npos ? 'x' : prompt[cue + 4];
          c.text = k == 'x' ? "I cannot tell from this." : std::string("### Rating ###\n") + k;
        }
        c.usage.prompt_tokens = 10;
        c.usage.completion_tokens = 5;
        sink.on_completion(std::move(c));
      }
    }
  }

 private:
  Log& log_;
};

struct Fixture {
  std::filesystem::path dir = test::scratch_dir();
  std::filesystem::path examples = dir / "examples.jsonl";
  std::filesystem::path model = dir / "model";
  Log log;

  Fixture() {
    std::ofstream out(examples, std::ios::binary);
    data::write_examples(out, test::synthetic_examples(5));
    std::filesystem::create_directories(model);
    std::ofstream(model / "config.json") << "{}";
  }

  ReferencesJob job(const std::string& name) {
    ReferencesJob j;
    j.examples = examples;
    j.out = dir / (name + ".jsonl");
    j.backend.backend.model = model.string();
    j.backend.load_model = [this](const std::filesystem::path&, const llm::InProcessOptions&) {
      return std::make_unique<ScriptedModel>(log);
    };
    j.n = 6;
    j.seed = 100;
    j.split = "all";
    j.progress = ProgressMode::Silent;
    return j;
  }
};

std::vector<nlohmann::json> lines_of(const std::filesystem::path& p) {
  std::vector<nlohmann::json> out;
  std::ifstream in(p);
  std::string line;
  while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line));
  return out;
}

TEST(References, EveryStatusAndTheLeakageAudit) {
  Fixture f;
  const ReferencesResult r = run_references_job(f.job("refs"));
  const auto examples = test::synthetic_examples(5);
  ASSERT_EQ(r.explanations.size(), 30u);
  const std::vector<std::string> want = {"kept",     "kept",     "empty_after_scrub",
                                         "unparsed", "rejected", "empty_explanation"};
  for (std::size_t i = 0; i < r.explanations.size(); ++i) {
    const Explanation& e = r.explanations[i];
    EXPECT_EQ(e.example_id, examples[i / 6].id);
    EXPECT_EQ(e.true_rating, examples[i / 6].rating);
    EXPECT_EQ(e.sample, static_cast<int>(i % 6));
    EXPECT_EQ(e.seed, 100u + i % 6);
    EXPECT_EQ(e.status, want[i % 6]) << i;
    EXPECT_EQ(e.kept, e.status == "kept");
  }
  // Sample 0: the rating section is not part of the explanation, the scrub removed one
  // sentence, and only what is left was verified.
  const Explanation& first = r.explanations[0];
  EXPECT_EQ(first.text, "The user loves rich creams (cue=1). She would give it five stars.");
  EXPECT_EQ(first.scrub.text, "The user loves rich creams (cue=1).");
  ASSERT_EQ(first.scrub.removed.size(), 1u);
  EXPECT_EQ(first.scrub.removed[0].rule, "stars");
  EXPECT_EQ(first.verification.rating, 1);
  // Explanations left empty (by the model or the scrub) are never sent to verification.
  EXPECT_EQ(f.log.explain, 30u);
  EXPECT_EQ(f.log.verify, 20u);
  for (const auto& prompt : f.log.verify_prompts) {
    EXPECT_EQ(prompt.find("five stars"), std::string::npos);
    EXPECT_EQ(prompt.find("scores well"), std::string::npos);
  }
  EXPECT_FALSE(r.explanations[2].verification.sent);
  EXPECT_EQ(r.explanations[3].verification.parse_status, "unparsed:no_rating");

  const auto& s = r.summary;
  EXPECT_EQ(s["examples"], 5);
  EXPECT_EQ(s["explanations"], 30);
  EXPECT_EQ(s["kept"], 10);
  EXPECT_EQ(s["verified"], 15);
  EXPECT_EQ(s["status"]["empty_after_scrub"], 5);
  EXPECT_EQ(s["status"]["empty_explanation"], 5);
  EXPECT_EQ(s["status"]["unparsed"], 5);
  EXPECT_EQ(s["status"]["rejected"], 5);
  for (int t = 1; t <= 5; ++t) {
    const auto& row = s["by_true_rating"][std::to_string(t)];
    EXPECT_EQ(row["examples"], 1);
    EXPECT_EQ(row["explanations"], 6);
    EXPECT_EQ(row["kept"], 2);
    EXPECT_NEAR(row["pass_rate"].get<double>(), 2.0 / 3.0, 1e-12);
  }
  EXPECT_EQ(s["references_per_example"]["histogram"]["2"], 5);
  EXPECT_EQ(s["examples_without_references"]["count"], 0);
  EXPECT_EQ(s["scrub"]["removed_by_rule"]["stars"], 10);  // samples 0 and 2
  EXPECT_EQ(s["scrub"]["removed_by_rule"]["scores"], 5);
  // Sample 1 ("I would rate it 4/5.") passes the paper's rules and is kept: the audit finds it.
  EXPECT_EQ(s["leakage_audit"]["leaking"], 5);
  EXPECT_EQ(s["leakage_audit"]["sentences_by_rule"]["rating-word-number"], 5);
  EXPECT_EQ(s["leakage_audit"]["listed"][0]["sentence"], "I would rate it 4/5.");

  // references.jsonl: one line per explanation with its provenance.
  const auto lines = lines_of(f.dir / "refs.jsonl");
  ASSERT_EQ(lines.size(), 30u);
  EXPECT_EQ(lines[0]["provenance"]["examples_sha256"], data::sha256_file(f.examples));
  EXPECT_EQ(lines[0]["provenance"]["rules"], "paper");
  EXPECT_EQ(lines[0]["provenance"]["backend"], "scripted");
  EXPECT_EQ(lines[0]["scrub"]["removed"][0]["sentence"], "She would give it five stars.");
  EXPECT_EQ(lines[2]["scrub"]["empty"], true);
  EXPECT_TRUE(lines[2]["verification"].is_null());
  EXPECT_EQ(lines[4]["verification"]["rating"], 2);
  EXPECT_EQ(nlohmann::json::parse(slurp(f.dir / "refs.summary.json")), r.summary);
}

TEST(References, StrictScrubToleranceAndAnIdenticalRerunFromTheCache) {
  Fixture f;
  ReferencesJob job = f.job("strict");
  job.scrub = "strict";
  job.tolerance = 1;
  const ReferencesResult r = run_references_job(job);
  EXPECT_EQ(r.explanations[1].scrub.text, "The user is picky (cue=1).");
  EXPECT_EQ(r.explanations[1].scrub.removed.at(0).rule, "rating-word-number");
  EXPECT_EQ(r.explanations[4].status, "kept");  // one off, within the tolerance
  EXPECT_EQ(r.summary["kept"], 15);
  EXPECT_EQ(r.summary["leakage_audit"]["leaking"], 0);
  const std::string refs = slurp(job.out);
  const std::string summary = slurp(f.dir / "strict.summary.json");

  const std::size_t explain = f.log.explain, verify = f.log.verify;
  const ReferencesResult again = run_references_job(job);
  EXPECT_EQ(f.log.explain, explain);  // nothing was generated again
  EXPECT_EQ(f.log.verify, verify);
  EXPECT_EQ(again.explain_cache.sent, 0u);
  EXPECT_EQ(again.verify_cache.sent, 0u);
  EXPECT_EQ(slurp(job.out), refs);
  EXPECT_EQ(slurp(f.dir / "strict.summary.json"), summary);
}

TEST(References, BadSettingsFailBeforeAnythingIsGenerated) {
  Fixture f;
  ReferencesJob job = f.job("bad");
  job.scrub = (f.dir / "missing.toml").string();
  EXPECT_THROW(run_references_job(job), InputError);
  job = f.job("bad");
  job.tolerance = 5;
  EXPECT_THROW(run_references_job(job), UsageError);
  job = f.job("bad");
  job.backend.load_model = nullptr;
  EXPECT_THROW(run_references_job(job), UsageError);
  EXPECT_EQ(f.log.explain + f.log.verify, 0u);
}

}  // namespace
}  // namespace reasonrec::recsaver
