// `reasonrec score text`: the shared checker (../shared/metrics/check.py) on our CLI's
// output, and the command's inputs, outputs and errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "eval/bleu_sacre.hpp"
#include "eval/chrf.hpp"
#include "support/paths.hpp"
#include "support/run.hpp"

namespace reasonrec::test {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::vector<json> read_jsonl(const fs::path& path) {
  std::ifstream in(path);
  std::vector<json> rows;
  std::string line;
  while (std::getline(in, line)) rows.push_back(json::parse(line));
  return rows;
}

// Runs our CLI on cases.jsonl (per case) and on every corpus subset (single and multi
// reference), renames our labels to the peers' keys, and runs check.py on the result.
constexpr const char* kCheckScript = R"PY(
import json, os, subprocess, sys
bin, metrics_dir, scratch = sys.argv[1:4]
labels = ["bleu", "chrf", "chrf++", "bleu-nltk"] + ["bleu-nltk:smooth=method%d" % i for i in range(8)]
def run(inp, out_pairs=None):
    cmd = [bin, "score", "text", "--candidates", inp, "--metrics", ",".join(labels), "--json"]
    if out_pairs:
        cmd += ["--out-pairs", out_pairs]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("reasonrec failed: " + p.stderr)
    return {m["label"]: m for m in json.loads(p.stdout)["metrics"]}

cases_path = os.path.join(metrics_dir, "cases.jsonl")
pairs_path = os.path.join(scratch, "pairs.jsonl")
run(cases_path, pairs_path)
with open(os.path.join(scratch, "mine.jsonl"), "w") as out:
    for line in open(pairs_path):
        row = json.loads(line)
        s = row["scores"]
        flat = {}
        b = s["bleu"]
        flat["sacrebleu.sentence_bleu"] = b["score"]
        for k in ["bp", "p1", "p2", "p3", "p4", "sys_len", "ref_len"]:
            flat["sacrebleu.sentence_bleu_" + k] = b[k]
        flat["sacrebleu.sentence_chrf"] = s["chrf"]["score"]
        flat["sacrebleu.sentence_chrfpp"] = s["chrf++"]["score"]
        flat["nltk.sentence_bleu_none"] = s["bleu-nltk"]["score"]
        for i in range(8):
            v = s["bleu-nltk:smooth=method%d" % i]
            flat["nltk.sentence_bleu_method%d" % i] = None if v is None else v["score"]
        out.write(json.dumps({"id": row["id"], "scores": flat}) + "\n")

cases = {}
for line in open(cases_path):
    c = json.loads(line)
    cases[c["id"]] = c
corpus = json.load(open(os.path.join(metrics_dir, "corpus.json")))
flat = {}
for name, sub in corpus["subsets"].items():
    for ref in ["single_ref", "multi_ref"]:
        path = os.path.join(scratch, "%s_%s.jsonl" % (name, ref))
        with open(path, "w") as f:
            for i in sub["ids"]:
                refs = cases[i]["references"]
                if ref == "single_ref":
                    refs = refs[:1]
                f.write(json.dumps({"id": i, "candidate": cases[i]["candidate"],
                                    "references": refs}) + "\n")
        m = run(path)
        pre = "subsets.%s." % name
        b = m["bleu"]["corpus"]
        flat[pre + "sacrebleu.corpus_bleu_" + ref] = b["score"]
        for k in ["bp", "p1", "p2", "p3", "p4", "sys_len", "ref_len"]:
            flat[pre + "sacrebleu.corpus_bleu_%s_%s" % (ref, k)] = b[k]
        flat[pre + "sacrebleu.corpus_chrf_" + ref] = m["chrf"]["corpus"]["score"]
        flat[pre + "sacrebleu.corpus_chrfpp_" + ref] = m["chrf++"]["corpus"]["score"]
        flat[pre + "nltk.corpus_bleu_%s_none" % ref] = m["bleu-nltk"]["corpus"]["score"]
        flat[pre + "nltk.corpus_bleu_%s_method1" % ref] = \
            m["bleu-nltk:smooth=method1"]["corpus"]["score"]
json.dump(flat, open(os.path.join(scratch, "mine_corpus.json"), "w"))
p = subprocess.run(["/usr/bin/python3", os.path.join(metrics_dir, "check.py"),
                    os.path.join(scratch, "mine.jsonl"), "--corpus",
                    os.path.join(scratch, "mine_corpus.json"), "--tol", "1e-4",
                    "--tol-sacrebleu", "1e-2", "--only", "sacrebleu", "nltk.sentence_bleu",
                    "nltk.corpus_bleu"], capture_output=True, text=True)
sys.stdout.write(p.stdout + p.stderr)
sys.exit(p.returncode)
)PY";

TEST(ScoreTextCli, SharedCheckerAcceptsOurOutput) {
  const fs::path scratch = scratch_dir();
  const RunResult r = run_python(
      kCheckScript, {reasonrec_bin(), (shared_dir() / "metrics").string(), scratch.string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::cout << r.out.substr(0, r.out.find("== corpus-level"));
  EXPECT_NE(r.out.find("RESULT: OK"), std::string::npos);
  // Every per-case BLEU/chrF key was compared on all 256 cases (check.py's "n" column).
  for (const std::string key :
       {"sacrebleu.sentence_bleu ", "sacrebleu.sentence_chrf ", "sacrebleu.sentence_chrfpp ",
        "nltk.sentence_bleu_none ", "nltk.sentence_bleu_method5 "}) {
    const auto at = r.out.find(key);
    ASSERT_NE(at, std::string::npos) << key;
    std::istringstream row(r.out.substr(at + key.size()));
    int n = 0;
    row >> n;
    EXPECT_EQ(n, 256) << key;
  }
}

TEST(ScoreTextCli, PlainTextWithSeveralReferenceFiles) {
  const fs::path dir = scratch_dir();
  write_file(dir / "cand.txt", "the cat sat on the mat\nhello world\n\nan extra line here\n");
  write_file(dir / "ref1.txt", "the cat is on the mat\nhello there world\nnothing\n\n");
  // An empty line means "no second reference for this candidate", as in sacreBLEU.
  write_file(dir / "ref2.txt", "a cat sat on a mat\n\nempty candidate\nan extra line\n");
  const RunResult r = run_reasonrec({"score", "text", "--candidates", (dir / "cand.txt").string(),
                                     "--references", (dir / "ref1.txt").string(), "--references",
                                     (dir / "ref2.txt").string(), "--metrics", "bleu,chrf",
                                     "--json", "--out-pairs", (dir / "pairs.jsonl").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json summary = json::parse(r.out);
  EXPECT_EQ(summary.at("pairs"), 4);

  const std::vector<std::string> cands = {"the cat sat on the mat", "hello world", "",
                                          "an extra line here"};
  const std::vector<std::vector<std::string>> refs = {
      {"the cat is on the mat", "a cat sat on a mat"},
      {"hello there world"},
      {"nothing", "empty candidate"},
      {"an extra line"}};
  const eval::SacreBleu bleu;
  const eval::Chrf chrf;
  const json& m = summary.at("metrics");
  EXPECT_DOUBLE_EQ(m[0].at("corpus").at("score").get<double>(), bleu.corpus(cands, refs).score);
  EXPECT_DOUBLE_EQ(m[1].at("corpus").at("score").get<double>(), chrf.corpus(cands, refs).score);
  EXPECT_EQ(m[0].at("signature").at("corpus"),
            "nrefs:var|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0");

  const auto rows = read_jsonl(dir / "pairs.jsonl");
  ASSERT_EQ(rows.size(), 4u);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].at("id"), std::to_string(i + 1));
    EXPECT_DOUBLE_EQ(rows[i].at("scores").at("bleu").at("score").get<double>(),
                     bleu.sentence(cands[i], refs[i]).score);
  }
}

TEST(ScoreTextCli, MarkdownSummaryAndCustomJsonlFields) {
  const fs::path dir = scratch_dir();
  write_file(dir / "c.jsonl",
             "{\"key\": 7, \"text\": \"Caf\\u00e9 au lait \\ud83d\\ude00, tr\\u00e8s bon.\", "
             "\"gold\": [\"Caf\\u00e9 au lait, tr\\u00e8s bon !\"]}\n\n"
             "{\"key\": \"b\", \"text\": \"\\u4e2d\\u6587\\u6d4b\\u8bd5\", \"gold\": "
             "\"\\u4e2d\\u6587\"}\n");
  const RunResult r = run_reasonrec(
      {"score", "text", "--candidates", (dir / "c.jsonl").string(), "--candidate-field", "text",
       "--references-field", "gold", "--id-field", "key", "--metrics",
       "bleu:tokenize=none:lowercase=yes,chrf++", "--out-pairs", (dir / "p.jsonl").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("| bleu:tokenize=none:lowercase=yes |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("nrefs:1|case:lc|eff:yes|tok:none|smooth:exp|version:2.6.0"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("nrefs:1|case:mixed|eff:yes|nc:6|nw:2|space:no|version:2.6.0"),
            std::string::npos);
  const auto rows = read_jsonl(dir / "p.jsonl");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].at("id"), "7");
  EXPECT_EQ(rows[1].at("id"), "b");
}

TEST(ScoreTextCli, Method6ErrorsAreRecordedPerPair) {
  const fs::path dir = scratch_dir();
  write_file(dir / "c.jsonl",
             "{\"candidate\": \"one two three four\", \"references\": [\"one two three four\"]}\n"
             "{\"candidate\": \"one two\", \"references\": [\"one two three\"]}\n");
  const RunResult r =
      run_reasonrec({"score", "text", "--candidates", (dir / "c.jsonl").string(), "--metrics",
                     "bleu-nltk:smooth=method6", "--out-pairs", (dir / "p.jsonl").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = read_jsonl(dir / "p.jsonl");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_DOUBLE_EQ(rows[0]["scores"]["bleu-nltk:smooth=method6"]["score"].get<double>(), 1.0);
  EXPECT_TRUE(rows[1]["scores"]["bleu-nltk:smooth=method6"].is_null());
  EXPECT_NE(rows[1]["errors"]["bleu-nltk:smooth=method6"].get<std::string>().find("trigram"),
            std::string::npos);
  EXPECT_NE(r.out.find("| 1 | 1 |"), std::string::npos) << r.out;
}

TEST(ScoreTextCli, ThreadsDoNotChangeResults) {
  const fs::path dir = scratch_dir();
  const std::string cases = (shared_dir() / "metrics" / "cases.jsonl").string();
  std::vector<std::string> outputs;
  for (const std::string threads : {"1", "3"}) {
    const fs::path out = dir / ("pairs" + threads + ".jsonl");
    const RunResult r = run_reasonrec({"score", "text", "--candidates", cases, "--metrics",
                                       "bleu,chrf++,bleu-nltk:smooth=method7", "--threads", threads,
                                       "--out-pairs", out.string(), "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::ifstream in(out);
    std::stringstream text;
    text << in.rdbuf();
    outputs.push_back(text.str() + r.out);
  }
  EXPECT_EQ(outputs[0], outputs[1]);
}

struct BadInput {
  std::string name;
  std::string candidates;  // file content
  std::string references;  // empty: none given
  std::string expected;    // in stderr
};

TEST(ScoreTextCli, BadInputNamesFileAndLine) {
  const fs::path dir = scratch_dir();
  const std::vector<BadInput> cases = {
      {"bad_json.jsonl", "{\"candidate\": \"a\", \"references\": [\"a\"]}\n\n{oops\n", "",
       "bad_json.jsonl:3: bad JSON"},
      {"missing.jsonl",
       "{\"candidate\": \"a\", \"references\": [\"a\"]}\n{\"references\": [\"a\"]}\n", "",
       "missing.jsonl:2: missing field 'candidate'"},
      {"type.jsonl", "{\"candidate\": 5, \"references\": [\"a\"]}\n", "",
       "type.jsonl:1: field 'candidate' must be a string"},
      {"refs_type.jsonl", "{\"candidate\": \"a\", \"references\": [\"a\", 3]}\n", "",
       "refs_type.jsonl:1: field 'references' must hold only strings"},
      {"no_refs.jsonl", "{\"candidate\": \"a\", \"references\": []}\n", "",
       "no_refs.jsonl:1: field 'references' is empty"},
      {"utf8.txt", "fine\nbad \xff byte\n", "x\ny\n", "utf8.txt:2: invalid UTF-8"},
      {"count.txt", "a\nb\nc\n", "x\ny\n", "has 2 records but"},
      {"empty_ref.txt", "a\nb\n", "x\n\n",
       "empty_ref.txt:2: candidate 2 has no non-empty reference"},
  };
  for (const BadInput& c : cases) {
    write_file(dir / c.name, c.candidates);
    std::vector<std::string> args = {"score", "text", "--candidates", (dir / c.name).string()};
    if (!c.references.empty()) {
      write_file(dir / ("ref_" + c.name), c.references);
      args.push_back("--references");
      args.push_back((dir / ("ref_" + c.name)).string());
    }
    const RunResult r = run_reasonrec(args);
    EXPECT_EQ(r.exit_code, 1) << c.name << ": " << r.err;
    EXPECT_NE(r.err.find(c.expected), std::string::npos) << c.name << ": " << r.err;
  }
}

TEST(ScoreTextCli, UsageErrorsExitWithTwo) {
  const fs::path dir = scratch_dir();
  write_file(dir / "c.txt", "a b c\n");
  write_file(dir / "c.jsonl", "{\"candidate\": \"a\", \"references\": [\"a\"]}\n");
  const std::string c = (dir / "c.jsonl").string();
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"score", "text"}, "--candidates"},
      {{"score", "text", "--candidates", c, "--metrics", "bleu,nosuch"}, "unknown text metric"},
      {{"score", "text", "--candidates", c, "--metrics", "bleu:smoth=floor"}, "smoth"},
      {{"score", "text", "--candidates", c, "--metrics", "bleu:smooth=sometimes"}, "smooth"},
      {{"score", "text", "--candidates", c, "--metrics", "bleu,bleu"}, "twice"},
      {{"score", "text", "--candidates", c, "--metrics", "bleu-nltk:smooth=method9"}, "method9"},
      {{"score", "text", "--candidates", (dir / "c.txt").string()}, "--references"},
      {{"score", "text", "--candidates", c, "--format", "xml"}, "--format"},
  };
  for (const auto& [args, expected] : cases) {
    const RunResult r = run_reasonrec(args);
    EXPECT_EQ(r.exit_code, 2) << args.back() << ": " << r.err;
    EXPECT_NE(r.err.find(expected), std::string::npos) << args.back() << ": " << r.err;
  }
  // A missing input file is bad input (exit 1), named with the option that gave it.
  const RunResult missing =
      run_reasonrec({"score", "text", "--candidates", (dir / "nope.jsonl").string()});
  EXPECT_EQ(missing.exit_code, 1) << missing.err;
  EXPECT_NE(missing.err.find("nope.jsonl: no such file"), std::string::npos) << missing.err;
  const RunResult help = run_reasonrec({"score", "text", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("chrf++"), std::string::npos);
}

}  // namespace
}  // namespace reasonrec::test
