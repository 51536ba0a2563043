// `reasonrec align` end to end: the JSON it prints equals what SciPy 1.10 / scikit-learn 1.2
// compute from the same files (to 1e-9), on synthetic judgments (three raters, two methods,
// skipped answers) and on the real third-party annotations of
// ../shared/data/human_judgments_rec_explanations (two annotators, four criteria, 2,536 items).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "support/paths.hpp"
#include "support/run.hpp"

namespace reasonrec {
namespace {

using nlohmann::json;
using test::run_python;
using test::run_reasonrec;
using test::scratch_dir;
using test::shared_data;

// The reference half: given judgments.jsonl and score files, every number `align` reports
// except Krippendorff's alpha and the bootstrap (tested in align_stats_test.cpp).
constexpr const char* kReferencePrelude = R"PY(
import json, math, sys, itertools
import numpy as np
from scipy import stats
from sklearn.metrics import cohen_kappa_score
def f(v):
    v = float(v)
    return None if math.isnan(v) else v
def reference(judgments_path, criteria, faithful, score_sets):
    items, raters, ratings = [], [], {}
    first = {}
    for line in open(judgments_path):
        j = json.loads(line)
        item = j.get("item") or "%s/%s#%d" % (j.get("method", ""), j["example_id"], j.get("sample", 0))
        if item not in first:
            first[item] = j; items.append(item)
        if j["rater"] not in raters: raters.append(j["rater"])
        for c in criteria:
            v = j.get(c)
            if v is not None: ratings[(c, item, j["rater"])] = float(v)
    out = {"agreement": {}, "correlation": {}, "faithfulness": {}}
    means = {}
    for c in criteria:
        ks, ps = [], []
        for r1, r2 in itertools.combinations(raters, 2):
            common = [i for i in items if (c, i, r1) in ratings and (c, i, r2) in ratings]
            if len(common) < 2: continue
            a = [ratings[(c, i, r1)] for i in common]; b = [ratings[(c, i, r2)] for i in common]
            if len(set(a + b)) > 1:
                ks.append(cohen_kappa_score(np.array(a, int), np.array(b, int), weights="quadratic"))
            if len(set(a)) > 1 and len(set(b)) > 1: ps.append(stats.pearsonr(a, b)[0])
        out["agreement"][c] = {"kappa": f(np.mean(ks)), "pearson": f(np.mean(ps))}
        means[c] = {}
        for i in items:
            v = [ratings[(c, i, r)] for r in raters if (c, i, r) in ratings]
            if v: means[c][i] = float(np.mean(v))
    for name, specs in score_sets.items():
        if not specs: continue
        table, labels = {}, []
        for spec in specs:
            method, path = spec.split("=", 1) if "=" in spec else ("", spec)
            for line in open(path):
                s = json.loads(line)
                if s["scores"] is None: continue
                row = table.setdefault((method, s["example_id"], s.get("sample", 0)), {})
                for k, v in s["scores"].items():
                    if v is None: continue
                    if k not in labels: labels.append(k)
                    row[k] = v
        def scores_of(i):
            j = first[i]; key = (j.get("method", ""), j["example_id"], j.get("sample", 0))
            return table.get(key, table.get(("", j["example_id"], j.get("sample", 0))))
        corr, faith = {}, {}
        for label in labels:
            corr[label] = {}
            for c in criteria:
                if c == faithful: continue
                x, y = [], []
                for i in items:
                    s = scores_of(i)
                    if s is None or label not in s or i not in means[c]: continue
                    x.append(s[label]); y.append(means[c][i])
                p = stats.pearsonr(x, y); sp = stats.spearmanr(x, y); k = stats.kendalltau(x, y)
                corr[label][c] = {"n": len(x), "pearson": [f(p[0]), f(p[1])],
                                  "spearman": [f(sp[0]), f(sp[1])], "kendall": [f(k[0]), f(k[1])]}
            if faithful:
                yes, no = [], []
                for i in items:
                    s = scores_of(i)
                    if s is None or label not in s or i not in means[faithful]: continue
                    (yes if means[faithful][i] > 0.5 else no).append(s[label])
                st = stats.ttest_ind(yes, no, equal_var=True); w = stats.ttest_ind(yes, no, equal_var=False)
                faith[label] = {"yes": [len(yes), float(np.mean(yes))], "no": [len(no), float(np.mean(no))],
                                "student": [f(st[0]), f(st[1])], "welch": [f(w[0]), f(w[1])]}
        out["correlation"][name] = corr
        out["faithfulness"][name] = faith
    return out
)PY";

constexpr const char* kSyntheticScript = R"PY(
d = sys.argv[1]
rng = np.random.RandomState(5)
methods = ["cot", "zs"]
with open(d + "/judgments.jsonl", "w") as out:
    n = 0
    for m in methods:
        for e in range(45):
            quality = rng.uniform(1, 5)
            for r in ["r1", "r2", "r3"]:
                n += 1
                if n % 37 == 0: continue  # a rater skipped this item
                coh = int(np.clip(round(quality + rng.normal(0, 0.8)), 1, 5))
                ins = int(np.clip(round(quality * 0.5 + rng.uniform(0, 3)), 1, 5))
                line = {"item": "%s-%02d" % (m, e), "example_id": "ex%02d" % e, "sample": 0,
                        "method": m, "rater": r, "coherence": coh,
                        "faithful": bool(rng.uniform() < quality / 5),
                        "insightfulness": None if n % 23 == 0 else ins, "note": "", "comment": "c"}
                out.write(json.dumps(line) + "\n")
for kind, noise in [("verified", 0.6), ("unverified", 1.2)]:
    for m in methods:
        with open("%s/%s.%s.jsonl" % (d, m, kind), "w") as out:
            for e in range(45):
                if e == 7 and m == "zs":
                    out.write(json.dumps({"example_id": "ex%02d" % e, "sample": 0, "scores": None}) + "\n")
                    continue
                base = rng.uniform(0, 1)
                out.write(json.dumps({"example_id": "ex%02d" % e, "sample": 0,
                    "scores": {"bleu": round(100 * base * rng.uniform(0.5, 1), 3),
                               "rouge1": float(base + noise * rng.uniform(0, 0.3))}}) + "\n")
sets = {"verified": ["cot=%s/cot.verified.jsonl" % d, "zs=%s/zs.verified.jsonl" % d],
        "unverified": ["cot=%s/cot.unverified.jsonl" % d, "zs=%s/zs.unverified.jsonl" % d]}
print(json.dumps(reference(d + "/judgments.jsonl", ["coherence", "faithful", "insightfulness"],
                           "faithful", sets)))
)PY";

constexpr const char* kRealDataScript = R"PY(
import csv
src, d = sys.argv[1], sys.argv[2]
criteria = ["persuasiveness", "transparency", "accuracy", "satisfactory"]
with open(src, newline="") as fin, open(d + "/judgments.jsonl", "w") as j, open(d + "/scores.jsonl", "w") as s:
    for row in csv.DictReader(fin):
        item = "row%s" % row[""]
        for a in ["1", "2"]:
            line = {"item": item, "example_id": item, "method": row["explanation_type"], "rater": "annotator" + a}
            for c in criteria: line[c] = int(row[c + "_" + a])
            j.write(json.dumps(line) + "\n")
        s.write(json.dumps({"example_id": item, "sample": 0, "scores":
            {"user_" + c: float(row[c]) for c in criteria}}) + "\n")
print(json.dumps(reference(d + "/judgments.jsonl", criteria, "", {"verified": [d + "/scores.jsonl"]})))
)PY";

void expect_close(const json& expected, const json& actual, const std::string& what) {
  if (expected.is_null()) {
    EXPECT_TRUE(actual.is_null()) << what << ": expected null, got " << actual;
    return;
  }
  ASSERT_TRUE(actual.is_number()) << what << ": " << actual;
  EXPECT_NEAR(actual.get<double>(), expected.get<double>(), 1e-9) << what;
}

void compare(const json& expected, const json& got) {
  for (const auto& [criterion, e] : expected["agreement"].items()) {
    const json& g = got["agreement"][criterion];
    expect_close(e["kappa"], g["kappa_quadratic"]["value"], criterion + " kappa");
    expect_close(e["pearson"], g["pearson_pairwise"]["value"], criterion + " pearson");
  }
  for (const auto& [set, metrics] : expected["correlation"].items()) {
    for (const auto& [label, criteria] : metrics.items()) {
      for (const auto& [criterion, e] : criteria.items()) {
        const json& g = got["correlation"][set]["metrics"][label][criterion];
        const std::string what = set + " " + label + " " + criterion;
        EXPECT_EQ(g["n"], e["n"]) << what;
        for (const auto& [name, key] :
             {std::pair{"pearson", "pearson"}, std::pair{"spearman", "spearman"},
              std::pair{"kendall", "kendall_tau_b"}}) {
          expect_close(e[name][0], g[key]["r"], what + " " + name + " r");
          expect_close(e[name][1], g[key]["p"], what + " " + name + " p");
        }
      }
    }
  }
  for (const auto& [set, metrics] : expected["faithfulness"].items()) {
    for (const auto& [label, e] : metrics.items()) {
      const json& g = got["faithfulness"][set][label];
      const std::string what = set + " " + label + " faithful";
      EXPECT_EQ(g["faithful"]["n"], e["yes"][0]) << what;
      EXPECT_EQ(g["unfaithful"]["n"], e["no"][0]) << what;
      expect_close(e["yes"][1], g["faithful"]["mean"], what + " mean yes");
      expect_close(e["no"][1], g["unfaithful"]["mean"], what + " mean no");
      expect_close(e["student"][0], g["student"]["t"], what + " student t");
      expect_close(e["student"][1], g["student"]["p"], what + " student p");
      expect_close(e["welch"][0], g["welch"]["t"], what + " welch t");
      expect_close(e["welch"][1], g["welch"]["p"], what + " welch p");
    }
  }
}

TEST(AlignCli, SyntheticStudyMatchesScipy) {
  const auto d = scratch_dir();
  const auto ref = run_python(std::string(kReferencePrelude) + kSyntheticScript, {d.string()});
  ASSERT_EQ(ref.exit_code, 0) << ref.err;
  const json expected = json::parse(ref.out);
  const std::string dir = d.string();
  const auto r =
      run_reasonrec({"align", "--judgments", dir + "/judgments.jsonl", "--scores",
                     "cot=" + dir + "/cot.verified.jsonl", "zs=" + dir + "/zs.verified.jsonl",
                     "--unverified-scores", "cot=" + dir + "/cot.unverified.jsonl",
                     "zs=" + dir + "/zs.unverified.jsonl", "--bootstrap", "200", "--json", "--out",
                     dir + "/align.json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json got = json::parse(r.out);
  EXPECT_EQ(got["items"], 90);
  EXPECT_EQ(got["raters"], 3);
  EXPECT_EQ(got["correlation"]["verified"]["items_with_scores"], 89);
  compare(expected, got);
  for (const auto& [criterion, c] : got["agreement"].items()) {
    for (const char* stat :
         {"kappa_quadratic", "pearson_pairwise", "alpha_interval", "alpha_ordinal"}) {
      ASSERT_TRUE(c[stat]["low"].is_number()) << criterion << " " << stat;
      EXPECT_LE(c[stat]["low"].get<double>(), c[stat]["high"].get<double>());
    }
  }
  std::ifstream saved(dir + "/align.json");
  EXPECT_EQ(json::parse(saved), got);
  // The markdown tables.
  const auto md = run_reasonrec({"align", "--judgments", dir + "/judgments.jsonl", "--scores",
                                 "cot=" + dir + "/cot.verified.jsonl", "--bootstrap", "50"});
  ASSERT_EQ(md.exit_code, 0) << md.err;
  EXPECT_NE(md.out.find("## Agreement among raters"), std::string::npos) << md.out;
  EXPECT_NE(md.out.find("## Metric vs mean human score (verified references"), std::string::npos);
  EXPECT_NE(md.out.find("## Faithful vs unfaithful reasoning"), std::string::npos);
}

TEST(AlignCli, BadInputs) {
  const auto d = scratch_dir();
  const std::string dir = d.string();
  std::ofstream(dir + "/twice.jsonl")
      << R"({"item":"a","example_id":"e","rater":"r","coherence":3})"
         "\n"
      << R"({"item":"a","example_id":"e","rater":"r","coherence":4})"
         "\n";
  auto r = run_reasonrec({"align", "--judgments", dir + "/twice.jsonl"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("twice.jsonl:2"), std::string::npos) << r.err;
  std::ofstream(dir + "/range.jsonl")
      << R"({"item":"a","example_id":"e","rater":"r","coherence":6})"
         "\n";
  r = run_reasonrec({"align", "--judgments", dir + "/range.jsonl"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("range.jsonl:1: field 'coherence'"), std::string::npos) << r.err;
  r = run_reasonrec({"align", "--judgments", dir + "/missing.jsonl"});
  EXPECT_EQ(r.exit_code, 1);
  r = run_reasonrec({"align"});
  EXPECT_EQ(r.exit_code, 2);
}

// The lines `annotate export` writes (src/annotate/study.cpp): integer item ids, the
// predictions file's name as `source`, unanswered questions as null, extra fields.
TEST(AlignCli, ReadsTheAnnotateExport) {
  const auto d = scratch_dir();
  const std::string dir = d.string();
  {
    std::ofstream j(dir + "/judgments.jsonl");
    int item = 0;
    for (const std::string source : {"cot.jsonl", "zs.jsonl"}) {
      for (int e = 0; e < 6; ++e) {
        ++item;
        for (int r = 0; r < 2; ++r) {
          json line = {{"item", item},
                       {"domain", "beauty"},
                       {"example_id", "ex" + std::to_string(e)},
                       {"source", source},
                       {"model", "m"},
                       {"mode", "cot"},
                       {"true_rating", 1 + e % 5},
                       {"predicted_rating", nullptr},
                       {"rater", "rater" + std::to_string(r + 1)},
                       {"coherence", 1 + (e + r + item) % 5},
                       {"faithful", (e + r) % 3 != 0},
                       {"fabricated_note", ""},
                       {"insightfulness", e == 5 && r == 1 ? json() : json(1 + (e * 3 + r) % 5)},
                       {"comment", ""},
                       {"complete", true},
                       {"revision", 1},
                       {"updated_at_ms", 1}};
          j << line.dump() << "\n";
        }
      }
    }
    for (const std::string m : {"cot", "zs"}) {
      std::ofstream s(dir + "/" + m + ".scores.jsonl");
      for (int e = 0; e < 6; ++e) {
        s << json{{"example_id", "ex" + std::to_string(e)},
                  {"sample", 0},
                  {"scores", {{"bleu", (m == "cot" ? 10.0 : 50.0) + e}}}}
                 .dump()
          << "\n";
      }
    }
  }
  const auto r =
      run_reasonrec({"align", "--judgments", dir + "/judgments.jsonl", "--scores",
                     "cot.jsonl=" + dir + "/cot.scores.jsonl",
                     "zs.jsonl=" + dir + "/zs.scores.jsonl", "--bootstrap", "20", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json got = json::parse(r.out);
  EXPECT_EQ(got["items"], 12);
  EXPECT_EQ(got["raters"], 2);
  EXPECT_EQ(got["agreement"]["insightfulness"]["ratings"], 22);  // two left unanswered
  const json& items = got["correlation"]["verified"]["items"];
  ASSERT_EQ(items.size(), 12u);
  // Each item got its own method's score: cot items 10..15, zs items 50..55.
  EXPECT_EQ(items[0]["scores"]["bleu"], 10.0);
  EXPECT_EQ(items[6]["scores"]["bleu"], 50.0);
  EXPECT_EQ(items[11]["scores"]["bleu"], 55.0);
}

TEST(AlignCli, RealThirdPartyAnnotations) {
  const auto csv = shared_data("human_judgments_rec_explanations/third_party.csv");
  if (!std::filesystem::exists(csv)) GTEST_SKIP() << csv << " not present";
  const auto d = scratch_dir();
  const auto ref =
      run_python(std::string(kReferencePrelude) + kRealDataScript, {csv.string(), d.string()});
  ASSERT_EQ(ref.exit_code, 0) << ref.err;
  const json expected = json::parse(ref.out);
  const std::string dir = d.string();
  const std::vector<std::string> args = {"align",
                                         "--judgments",
                                         dir + "/judgments.jsonl",
                                         "--scores",
                                         dir + "/scores.jsonl",
                                         "--criteria",
                                         "persuasiveness,transparency,accuracy,satisfactory",
                                         "--faithful",
                                         "",
                                         "--bootstrap",
                                         "200",
                                         "--seed",
                                         "1"};
  auto json_args = args;
  json_args.push_back("--json");
  const auto r = run_reasonrec(json_args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json got = json::parse(r.out);
  EXPECT_EQ(got["items"], 2536);
  EXPECT_EQ(got["judgments"], 5072);
  compare(expected, got);
  // The numbers recorded in docs/align.md.
  const auto md = run_reasonrec(args);
  ASSERT_EQ(md.exit_code, 0) << md.err;
  std::cout << md.out;
}

}  // namespace
}  // namespace reasonrec
