// NLTK's own sentence_bleu / corpus_bleu (Debian's python3-nltk 3.8, run live) against ours,
// on candidate/reference pairs built from real Amazon review texts, for every smoothing
// method. The pairs cover natural overlaps (other reviews of the same item), heavy overlaps
// (edited copies of a reference), very short candidates and multiple references.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "eval/bleu_nltk.hpp"
#include "eval/python_text.hpp"
#include "support/paths.hpp"
#include "support/run.hpp"
#include "util/error.hpp"

namespace reasonrec::test {
namespace {

using nlohmann::json;

// Builds the pairs deterministically and scores them with NLTK. Output: one JSON document
// {"pairs": [...], "corpora": [...]}; a null score means NLTK raised.
constexpr const char* kNltkScript = R"PY(
import sys, json, gzip, random, warnings
warnings.filterwarnings("ignore")
from nltk.translate.bleu_score import sentence_bleu, corpus_bleu, SmoothingFunction

path = sys.argv[1]
by_item = {}
with gzip.open(path, "rt", encoding="utf-8") as f:
    for line in f:
        r = json.loads(line)
        t = r.get("reviewText")
        if t and t.strip():
            by_item.setdefault(r["asin"], []).append(t)
items = sorted(k for k, v in by_item.items() if len(v) >= 4)
rng = random.Random(20240607)

def edit(text):
    words = text.split()
    kind = rng.randrange(4)
    if kind == 0:   # drop some words
        words = [w for w in words if rng.random() > 0.2]
    elif kind == 1: # swap neighbours
        for _ in range(max(1, len(words) // 6)):
            if len(words) > 1:
                i = rng.randrange(len(words) - 1)
                words[i], words[i + 1] = words[i + 1], words[i]
    elif kind == 2: # truncate
        words = words[: max(1, int(len(words) * rng.uniform(0.3, 0.9)))]
    else:           # lowercase and repeat a phrase
        words = [w.lower() for w in words]
        if len(words) > 3:
            i = rng.randrange(len(words) - 2)
            words = words[: i + 3] + words[i: i + 3] + words[i + 3:]
    return " ".join(words)

pairs = []
for n in range(360):
    reviews = by_item[rng.choice(items)]
    sample = rng.sample(reviews, min(len(reviews), 1 + rng.randrange(4)))
    kind = n % 4
    if kind == 0:    # another review of the same item
        cand, refs = sample[0], sample[1:] or [sample[0]]
    elif kind == 1:  # an edited copy of a reference
        refs = sample[:-1] or sample
        cand = edit(rng.choice(refs))
    elif kind == 2:  # a few words only
        refs = sample
        words = rng.choice(refs).split()
        start = rng.randrange(len(words))
        cand = " ".join(words[start:start + rng.randrange(1, 6)])
    else:            # unrelated item
        cand = rng.choice(by_item[rng.choice(items)])
        refs = sample
    pairs.append({"candidate": cand, "references": refs})

methods = ["none"] + ["method%d" % i for i in range(8)]
sm = SmoothingFunction()
def score(fn, *args, method):
    kw = {} if method == "none" else {"smoothing_function": getattr(sm, method)}
    try:
        return float(fn(*args, **kw))
    except (AssertionError, ZeroDivisionError, ValueError, IndexError):
        return None

for p in pairs:
    refs = [r.split() for r in p["references"]]
    hyp = p["candidate"].split()
    p["nltk"] = {m: score(sentence_bleu, refs, hyp, method=m) for m in methods}

corpora = []
for start in range(0, len(pairs), 45):
    chunk = list(range(start, min(len(pairs), start + 45)))
    refs = [[r.split() for r in pairs[i]["references"]] for i in chunk]
    hyps = [pairs[i]["candidate"].split() for i in chunk]
    corpora.append({"ids": chunk,
                    "nltk": {m: score(corpus_bleu, refs, hyps, method=m) for m in methods}})
# A corpus of short candidates only, where method6 must fail at the corpus level too.
short = [i for i, p in enumerate(pairs) if len(p["candidate"].split()) <= 2][:20]
refs = [[r.split() for r in pairs[i]["references"]] for i in short]
hyps = [pairs[i]["candidate"].split() for i in short]
corpora.append({"ids": short, "nltk": {m: score(corpus_bleu, refs, hyps, method=m) for m in methods}})
json.dump({"pairs": pairs, "corpora": corpora}, sys.stdout)
)PY";

int smoothing_of(const std::string& method) {
  return method == "none" ? -1 : method.back() - '0';
}

// Equal up to floating-point rounding: we reproduce NLTK's arithmetic operation by operation,
// so anything beyond a couple of ulps is a real difference (and tiny scores count too).
void expect_same(double nltk, double ours, const std::string& what, double& worst) {
  const double diff = std::fabs(nltk - ours);
  const double rel = nltk != 0.0 ? diff / std::fabs(nltk) : diff;
  worst = std::max(worst, rel);
  EXPECT_LE(diff, 1e-4) << what;
  EXPECT_LE(rel, 1e-12) << what << ": NLTK " << nltk << " ours " << ours;
}

TEST(BleuNltkLive, SentenceAndCorpusBleuMatchNltkOnReviewTexts) {
  const auto data = shared_data("amazon2018_all_beauty_5core/All_Beauty_5.json.gz");
  const RunResult r = run_python(kNltkScript, {data.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json out = json::parse(r.out);
  const json& pairs = out.at("pairs");
  ASSERT_EQ(pairs.size(), 360u);

  // Keep the texts alive for the token views.
  std::vector<std::string> candidates;
  std::vector<std::vector<std::string>> references;
  for (const json& p : pairs) {
    candidates.push_back(p.at("candidate"));
    references.push_back(p.at("references").get<std::vector<std::string>>());
  }
  std::vector<eval::Tokens> hyps;
  std::vector<std::vector<eval::Tokens>> refs;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    hyps.push_back(eval::pytext::split(candidates[i]));
    std::vector<eval::Tokens> rs;
    for (const auto& ref : references[i]) rs.push_back(eval::pytext::split(ref));
    refs.push_back(rs);
  }

  double worst = 0.0;
  int compared = 0;
  int errors = 0;
  int tiny = 0;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    for (const auto& [method, expected] : pairs[i].at("nltk").items()) {
      eval::NltkBleuOptions options;
      options.smoothing = smoothing_of(method);
      const std::string what = "pair " + std::to_string(i) + " " + method;
      if (expected.is_null()) {
        EXPECT_THROW(eval::nltk_sentence_bleu(refs[i], hyps[i], options), Error) << what;
        ++errors;
        continue;
      }
      const double v = expected.get<double>();
      if (v > 0 && v < 1e-10) ++tiny;
      expect_same(v, eval::nltk_sentence_bleu(refs[i], hyps[i], options), what, worst);
      ++compared;
    }
  }
  // The pairs must exercise the quirks, or this test proves less than it claims.
  EXPECT_GT(errors, 10);
  EXPECT_GT(tiny, 10);

  int corpora = 0;
  int corpus_errors = 0;
  for (const json& c : out.at("corpora")) {
    std::vector<eval::Tokens> ch;
    std::vector<std::vector<eval::Tokens>> cr;
    for (const json& id : c.at("ids")) {
      ch.push_back(hyps[id.get<std::size_t>()]);
      cr.push_back(refs[id.get<std::size_t>()]);
    }
    for (const auto& [method, expected] : c.at("nltk").items()) {
      eval::NltkBleuOptions options;
      options.smoothing = smoothing_of(method);
      const std::string what = "corpus " + std::to_string(corpora) + " " + method;
      if (expected.is_null()) {
        EXPECT_THROW(eval::nltk_corpus_bleu(cr, ch, options), Error) << what;
        ++corpus_errors;
        continue;
      }
      expect_same(expected.get<double>(), eval::nltk_corpus_bleu(cr, ch, options), what, worst);
    }
    ++corpora;
  }
  EXPECT_GE(corpus_errors, 1);
  std::cout << "NLTK live: " << compared << " sentence scores (" << errors << " NLTK errors, "
            << tiny << " tiny scores), " << corpora << " corpora x 9 methods, worst relative "
            << "difference " << worst << "\n";
}

TEST(BleuNltkLive, VeryLongAndUnicodeTextsMatchNltk) {
  // 10,000-word texts (exact Fraction arithmetic of method5/6 on large denominators) and
  // texts full of emoji, accents, curly quotes, CJK and odd whitespace.
  const auto data = shared_data("amazon2018_all_beauty_5core/All_Beauty_5.json.gz");
  const RunResult r = run_python(R"PY(
import sys, json, gzip, random, warnings
warnings.filterwarnings("ignore")
from nltk.translate.bleu_score import sentence_bleu, SmoothingFunction
words = []
with gzip.open(sys.argv[1], "rt", encoding="utf-8") as f:
    for line in f:
        words += (json.loads(line).get("reviewText") or "").split()
rng = random.Random(5)
long_ref = words[:10000]
long_cand = [w if rng.random() > 0.1 else rng.choice(words) for w in long_ref]
odd = ["café", "café", "“quoted”", "👍🏽", "👨‍👩",
       "中文", "日本語", "naïve", "—", "…", " ", "　",
       "İstanbul", "ΣΟΦΙΑ"]
def mix(n):
    return " ".join(rng.choice(odd + words[:300]) for _ in range(n))
texts = [(" ".join(long_cand), [" ".join(long_ref)]),
         (" ".join(long_ref[:9000]), [" ".join(long_ref), " ".join(long_cand[:5000])])]
for _ in range(60):
    ref = mix(rng.randrange(1, 40))
    cand = " ".join(w for w in ref.split() if rng.random() > 0.3) + " " + mix(rng.randrange(0, 5))
    texts.append((cand, [ref, mix(rng.randrange(1, 20))][: 1 + rng.randrange(2)]))
texts.append(("", ["中文"]))
texts.append((" 	　 ", ["x"]))
sm = SmoothingFunction()
out = []
for cand, refs in texts:
    scores = {}
    for m in ["none"] + ["method%d" % i for i in range(8)]:
        kw = {} if m == "none" else {"smoothing_function": getattr(sm, m)}
        try:
            scores[m] = float(sentence_bleu([r.split() for r in refs], cand.split(), **kw))
        except AssertionError:
            scores[m] = None
    out.append({"candidate": cand, "references": refs, "nltk": scores})
json.dump(out, sys.stdout)
)PY",
                                 {data.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json cases = json::parse(r.out);
  ASSERT_GE(cases.size(), 60u);
  ASSERT_GE(eval::pytext::split(cases[0].at("candidate").get<std::string>()).size(), 10000u);
  double worst = 0.0;
  int compared = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string cand = cases[i].at("candidate");
    const auto ref_texts = cases[i].at("references").get<std::vector<std::string>>();
    std::vector<eval::Tokens> refs;
    for (const auto& t : ref_texts) refs.push_back(eval::pytext::split(t));
    const eval::Tokens hyp = eval::pytext::split(cand);
    for (const auto& [method, expected] : cases[i].at("nltk").items()) {
      eval::NltkBleuOptions options;
      options.smoothing = smoothing_of(method);
      const std::string what = "text " + std::to_string(i) + " " + method;
      if (expected.is_null()) {
        EXPECT_THROW(eval::nltk_sentence_bleu(refs, hyp, options), Error) << what;
        continue;
      }
      expect_same(expected.get<double>(), eval::nltk_sentence_bleu(refs, hyp, options), what,
                  worst);
      ++compared;
    }
  }
  std::cout << "NLTK live, long and Unicode texts: " << compared
            << " scores, worst relative difference " << worst << "\n";
}

TEST(BleuNltkLive, WeightsReweighingAndSmoothingParametersMatchNltk) {
  const RunResult r = run_python(R"PY(
import sys, json, random, warnings
warnings.filterwarnings("ignore")
from nltk.translate.bleu_score import sentence_bleu, SmoothingFunction
rng = random.Random(9)
vocab = "the a cream skin smells great works well my face dry oily not good bad price".split()
weights = [[0.5, 0.5], [1/3, 1/3, 1/3], [0.25] * 4, [0.2] * 5, [0.1, 0.3, 0.5, 0.1]]
out = []
for n in range(150):
    ref = " ".join(rng.choice(vocab) for _ in range(rng.randrange(1, 12)))
    cand = " ".join(w for w in ref.split() if rng.random() > 0.25) + " " + rng.choice(vocab)
    if n % 5 == 0:
        cand = " ".join(cand.split()[:rng.randrange(1, 4)])
    w = weights[n % len(weights)]
    method = n % 8
    params = {"epsilon": rng.choice([0.1, 0.2]), "alpha": rng.choice([5, 3]), "k": rng.choice([5, 2])}
    fn = getattr(SmoothingFunction(**params), "method%d" % method)
    reweigh = n % 3 == 0
    try:
        v = float(sentence_bleu([ref.split()], cand.split(), tuple(w), fn, reweigh))
    except (AssertionError, IndexError, ZeroDivisionError):
        v = None
    out.append({"cand": cand, "ref": ref, "weights": w, "method": method, "params": params,
                "reweigh": reweigh, "nltk": v})
json.dump(out, sys.stdout)
)PY");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  double worst = 0.0;
  int compared = 0;
  for (const json& c : json::parse(r.out)) {
    const std::string cand = c.at("cand");
    const std::string ref = c.at("ref");
    eval::NltkBleuOptions o;
    o.smoothing = c.at("method");
    o.weights = c.at("weights").get<std::vector<double>>();
    o.auto_reweigh = c.at("reweigh");
    o.epsilon = c.at("params").at("epsilon");
    o.alpha = c.at("params").at("alpha");
    o.k = c.at("params").at("k");
    const std::vector<eval::Tokens> refs = {eval::pytext::split(ref)};
    const eval::Tokens hyp = eval::pytext::split(cand);
    const std::string what = cand + " | " + ref + " | method" + std::to_string(o.smoothing);
    if (c.at("nltk").is_null()) {
      EXPECT_THROW(eval::nltk_sentence_bleu(refs, hyp, o), Error) << what;
      continue;
    }
    expect_same(c.at("nltk").get<double>(), eval::nltk_sentence_bleu(refs, hyp, o), what, worst);
    ++compared;
  }
  EXPECT_GT(compared, 120);
}

}  // namespace
}  // namespace reasonrec::test
