// BERTScore (src/eval/bertscore) on a random tiny BERT against an independent straightforward
// Python implementation of bert_score's rules: greedy cosine matching of one layer's token
// embeddings, special tokens in the similarity matrix but weighted 0, idf from the references
// with log((M+1)/(df+1)), zero-padding per batch of pairs, empty texts scored 0, the maximum
// of each of P/R/F over references, baseline rescaling.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "encoder_fixtures.hpp"
#include "engine/bertscore_embedder.hpp"
#include "engine/text_encoder.hpp"
#include "eval/bertscore.hpp"
#include "eval/python_text.hpp"
#include "support/paths.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {
namespace {

using ::testing::HasSubstr;
namespace fx = test_fixtures;

constexpr std::int32_t kUnk = 1, kCls = 2, kSep = 3;

// Whitespace words -> ids 4..39, [CLS] words [SEP]; embeddings from the encoder's layer.
class WordEmbedder final : public eval::TokenEmbedder {
 public:
  WordEmbedder(const TextEncoder& encoder, int layer, std::map<std::string, std::int32_t> vocab)
      : encoder_(encoder), layer_(layer), vocab_(std::move(vocab)) {}

  std::vector<std::int32_t> tokenize(std::string_view text) const override {
    std::vector<std::int32_t> ids{kCls};
    for (const std::string_view word : eval::pytext::split(text)) {
      const auto it = vocab_.find(std::string(word));
      ids.push_back(it == vocab_.end() ? kUnk : it->second);
    }
    ids.push_back(kSep);
    return ids;
  }
  std::vector<eval::TokenEmbeddings> embed(
      const std::vector<std::vector<std::int32_t>>& sequences) const override {
    auto hidden = encoder_.hidden_states(sequences, layer_, 3);
    std::vector<eval::TokenEmbeddings> out(sequences.size());
    for (std::size_t i = 0; i < sequences.size(); ++i) {
      out[i] = {sequences[i], std::move(hidden[i]), 16};
    }
    return out;
  }
  std::vector<std::int32_t> zero_weight_ids() const override { return {kSep, kCls}; }
  std::string model_name() const override { return "tiny-bert"; }
  int layer() const override { return layer_; }

 private:
  const TextEncoder& encoder_;
  int layer_;
  std::map<std::string, std::int32_t> vocab_;
};

const char* kBertScoreReference = R"PY(
def bertscore(d, layer, cands, refs, vocab, idf, baseline, batch):
    def tok(s):
        return [2] + [vocab.get(w, 1) for w in s.strip().split()] + [3]
    flat = [(i, c, r) for i, (c, rs) in enumerate(zip(cands, refs)) for r in rs]
    docs = len(flat)
    df = {}
    for _, _, r in flat:
        for t in set(tok(r)):
            df[t] = df.get(t, 0) + 1
    def weight(t):
        if idf:
            return math.log((docs + 1) / (df.get(t, 0) + 1))
        return 0.0 if t in (2, 3) else 1.0
    cache = {}
    def unit(ids):
        key = tuple(ids)
        if key not in cache:
            h = bert_hidden_states(d, '', ids)[layer]
            cache[key] = h / h.norm(dim=-1, keepdim=True)
        return cache[key]
    per_pair = []
    for k, (i, c, r) in enumerate(flat):
        group = flat[k // batch * batch: k // batch * batch + batch]
        longest_c = max(len(tok(g[1])) for g in group)
        longest_r = max(len(tok(g[2])) for g in group)
        ci, ri = tok(c), tok(r)
        sim = unit(ci) @ unit(ri).T
        best_c = sim.max(dim=1).values
        best_r = sim.max(dim=0).values
        if len(ri) < longest_r:
            best_c = best_c.clamp(min=0.0)
        if len(ci) < longest_c:
            best_r = best_r.clamp(min=0.0)
        wc = torch.tensor([weight(t) for t in ci], dtype=torch.float64)
        wr = torch.tensor([weight(t) for t in ri], dtype=torch.float64)
        P = (best_c * (wc / wc.sum())).sum()
        R = (best_r * (wr / wr.sum())).sum()
        F = 2 * P * R / (P + R)
        if len(ci) == 2 or len(ri) == 2:
            P = torch.tensor(0.0, dtype=torch.float64)
            R = torch.tensor(0.0, dtype=torch.float64)
        if torch.isnan(F):
            F = torch.tensor(0.0, dtype=torch.float64)
        per_pair.append((i, [P.item(), R.item(), F.item()]))
    best = {}
    for i, s in per_pair:
        best[i] = s if i not in best else [max(a, b) for a, b in zip(best[i], s)]
    out = []
    for i in range(len(cands)):
        s = best[i]
        if baseline is not None:
            s = [(v - b) / (1 - b) for v, b in zip(s, baseline)]
        out.append(s)
    return out

print(json.dumps([bertscore(sys.argv[1], a['layer'], a['cands'], a['refs'], a['vocab'], a['idf'],
                            a['baseline'], a['batch']) for a in json.loads(sys.argv[2])]))
)PY";

const std::vector<std::string> kWords = {
    "the",  "cream", "was",   "too", "greasy", "for",   "my",   "skin",    "smells", "great",
    "and",  "lasts", "all",   "day", "i",      "love",  "this", "shampoo", "hair",   "feels",
    "soft", "but",   "price", "is",  "high",   "would", "buy",  "again",   "not",    "worth"};

std::map<std::string, std::int32_t> vocabulary() {
  std::map<std::string, std::int32_t> vocab;
  for (std::size_t i = 0; i < kWords.size(); ++i)
    vocab[kWords[i]] = static_cast<std::int32_t>(4 + i);
  return vocab;
}

struct Case {
  std::vector<std::string> candidates;
  std::vector<std::vector<std::string>> references;
};

Case review_case() {
  return {{"the cream was too greasy for my skin", "  smells great and lasts all day ",
           "i love this shampoo", "hair feels soft but the price is high", "would buy again",
           "not worth the price", "great", "the the the skin", "love love", "unknownword cream"},
          {{"this cream is greasy on my skin"},
           {"the smell is great all day"},
           {"i love this shampoo"},
           {"soft hair but high price"},
           {"i would not buy again"},
           {"the price is not worth it"},
           {"great cream"},
           {"skin"},
           {"i love it"},
           {"a cream"}}};
}

class BertScoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scratch_ = test::scratch_dir();
    dir_ = scratch_ / "tiny-bert";
    fx::write_bert(dir_, "bert", "", 23);
    encoder_ = std::make_unique<TextEncoder>(TextEncoder::open(dir_));
  }

  // Every layer in `layers` against one run of the Python reference.
  void expect_matches(const Case& c, const std::vector<int>& layers,
                      const eval::BertScoreOptions& options) {
    nlohmann::json runs = nlohmann::json::array();
    for (const int layer : layers) {
      nlohmann::json args = {{"layer", layer},       {"cands", c.candidates},
                             {"refs", c.references}, {"vocab", vocabulary()},
                             {"idf", options.idf},   {"batch", options.batch_size},
                             {"baseline", nullptr}};
      if (options.baseline) {
        args["baseline"] = {options.baseline->precision, options.baseline->recall,
                            options.baseline->f1};
      }
      runs.push_back(std::move(args));
    }
    const nlohmann::json reference =
        fx::run_python_json(kBertScoreReference, {dir_.string(), runs.dump()});
    ASSERT_EQ(reference.size(), layers.size());
    for (std::size_t run = 0; run < layers.size(); ++run) {
      const WordEmbedder embedder(*encoder_, layers[run], vocabulary());
      const auto ours = eval::BertScorer(embedder, options).score(c.candidates, c.references);
      ASSERT_EQ(reference[run].size(), c.candidates.size());
      ASSERT_EQ(ours.size(), c.candidates.size());
      for (std::size_t i = 0; i < ours.size(); ++i) {
        const auto& r = reference[run][i];
        EXPECT_NEAR(ours[i].precision, r[0].get<double>(), 1e-5)
            << "layer " << layers[run] << " candidate " << i;
        EXPECT_NEAR(ours[i].recall, r[1].get<double>(), 1e-5)
            << "layer " << layers[run] << " candidate " << i;
        EXPECT_NEAR(ours[i].f1, r[2].get<double>(), 1e-5)
            << "layer " << layers[run] << " candidate " << i;
      }
    }
  }

  std::filesystem::path scratch_;
  std::filesystem::path dir_;
  std::unique_ptr<TextEncoder> encoder_;
};

TEST_F(BertScoreTest, MatchesReferenceWithoutIdf) {
  eval::BertScoreOptions options;
  options.batch_size = 4;
  expect_matches(review_case(), {2}, options);
}

TEST_F(BertScoreTest, MatchesReferenceWithIdfAtEveryLayer) {
  eval::BertScoreOptions options;
  options.idf = true;
  options.batch_size = 3;
  options.chunk_pairs = 4;  // embedding in chunks must not change anything
  expect_matches(review_case(), {0, 1, 2, 3}, options);
}

TEST_F(BertScoreTest, MultipleReferencesTakeTheMaximumOfEachAndRescale) {
  Case c = review_case();
  c.references[0].push_back("too greasy for my skin");
  c.references[0].push_back("the the");
  c.references[3] = {"soft hair", "price is high", "the hair feels soft but the price is high"};
  c.references[6].push_back("great great great");
  const auto baseline_file = scratch_ / "baseline.tsv";
  std::ofstream(baseline_file) << "LAYER,P,R,F\n0,0.1,0.2,0.3\n1,0.5,0.4,0.45\n2,0.61,0.62,0.6\n";
  eval::BertScoreOptions options;
  options.idf = true;
  options.batch_size = 5;
  options.baseline = eval::read_bertscore_baseline(baseline_file, 1);
  EXPECT_DOUBLE_EQ(options.baseline->precision, 0.5);
  EXPECT_DOUBLE_EQ(options.baseline->recall, 0.4);
  EXPECT_DOUBLE_EQ(options.baseline->f1, 0.45);
  expect_matches(c, {1}, options);
  options.idf = false;
  expect_matches(c, {3}, options);
}

TEST_F(BertScoreTest, EmptyTextsScoreZeroAsBertScoreDoes) {
  const Case c{{"", "great cream", "   ", "the skin"}, {{"great cream"}, {""}, {""}, {"skin"}}};
  eval::BertScoreOptions options;
  expect_matches(c, {2}, options);
  const WordEmbedder embedder(*encoder_, 2, vocabulary());
  const auto ours = eval::BertScorer(embedder, options).score(c.candidates, c.references);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(ours[i].precision, 0.0);
    EXPECT_EQ(ours[i].recall, 0.0);
    EXPECT_EQ(ours[i].f1, 0.0);
  }
  EXPECT_GT(ours[3].f1, 0.0);
}

TEST_F(BertScoreTest, IdenticalTextsScoreOne) {
  const WordEmbedder embedder(*encoder_, 3, vocabulary());
  const Case c = review_case();
  std::vector<std::vector<std::string>> same;
  for (const auto& s : c.candidates) same.push_back({s});
  const auto ours = eval::BertScorer(embedder, {}).score(c.candidates, same);
  for (const auto& s : ours) {
    EXPECT_NEAR(s.precision, 1.0, 1e-6);
    EXPECT_NEAR(s.recall, 1.0, 1e-6);
    EXPECT_NEAR(s.f1, 1.0, 1e-6);
  }
}

TEST_F(BertScoreTest, SignatureRecordsEverySetting) {
  const WordEmbedder embedder(*encoder_, 2, vocabulary());
  eval::BertScoreOptions options;
  EXPECT_EQ(
      eval::BertScorer(embedder, options).signature(),
      "model:tiny-bert|layer:2|idf:no|rescale:no|multiref:max_each|version:bert_score-0.3.13");
  EXPECT_EQ(eval::BertScorer(embedder, options).hash(),
            "tiny-bert_L2_no-idf_version=0.3.13(hug_trans=reasonrec)");
  options.idf = true;
  options.baseline = eval::BertScoreTriple{0.5, 0.5, 0.5};
  options.baseline_name = "roberta-large.tsv";
  EXPECT_THAT(eval::BertScorer(embedder, options).signature(),
              HasSubstr("idf:yes|rescale:roberta-large.tsv"));
  EXPECT_EQ(eval::BertScorer(embedder, options).hash(),
            "tiny-bert_L2_idf_version=0.3.13(hug_trans=reasonrec)-custom-rescaled");
}

// A BERT WordPiece tokenizer.json over the test vocabulary ([PAD] [UNK] [CLS] [SEP] first).
void write_wordpiece_tokenizer(const std::filesystem::path& dir) {
  nlohmann::json vocab = {{"[PAD]", 0}, {"[UNK]", kUnk}, {"[CLS]", kCls}, {"[SEP]", kSep}};
  for (const auto& [word, id] : vocabulary()) vocab[word] = id;
  nlohmann::json added = nlohmann::json::array();
  for (const auto& [text, id] : std::vector<std::pair<std::string, int>>{
           {"[PAD]", 0}, {"[UNK]", kUnk}, {"[CLS]", kCls}, {"[SEP]", kSep}}) {
    added.push_back({{"id", id},
                     {"content", text},
                     {"single_word", false},
                     {"lstrip", false},
                     {"rstrip", false},
                     {"normalized", false},
                     {"special", true}});
  }
  const nlohmann::json cls = {{"SpecialToken", {{"id", "[CLS]"}, {"type_id", 0}}}};
  const nlohmann::json sep = {{"SpecialToken", {{"id", "[SEP]"}, {"type_id", 0}}}};
  const nlohmann::json tokenizer = {
      {"version", "1.0"},
      {"truncation", nullptr},
      {"padding", nullptr},
      {"added_tokens", added},
      {"normalizer",
       {{"type", "BertNormalizer"},
        {"clean_text", true},
        {"handle_chinese_chars", true},
        {"strip_accents", nullptr},
        {"lowercase", true}}},
      {"pre_tokenizer", {{"type", "BertPreTokenizer"}}},
      {"post_processor",
       {{"type", "TemplateProcessing"},
        {"single", {cls, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}, sep}},
        {"pair",
         {cls,
          {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
          sep,
          {{"Sequence", {{"id", "B"}, {"type_id", 1}}}},
          {{"SpecialToken", {{"id", "[SEP]"}, {"type_id", 1}}}}}},
        {"special_tokens",
         {{"[CLS]", {{"id", "[CLS]"}, {"ids", {kCls}}, {"tokens", {"[CLS]"}}}},
          {"[SEP]", {{"id", "[SEP]"}, {"ids", {kSep}}, {"tokens", {"[SEP]"}}}}}}}},
      {"decoder", {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}}},
      {"model",
       {{"type", "WordPiece"},
        {"unk_token", "[UNK]"},
        {"continuing_subword_prefix", "##"},
        {"max_input_chars_per_word", 100},
        {"vocab", vocab}}}};
  std::ofstream(dir / "tokenizer.json") << tokenizer.dump(1);
  std::ofstream(dir / "tokenizer_config.json") << nlohmann::json{
      {"model_max_length", 8},
      {"cls_token", "[CLS]"},
      {"sep_token", "[SEP]"}}.dump();
}

TEST(BertScoreTokenizer, EncodesSentencesAsBertScoreAndScoresThroughTheEngineEmbedder) {
  const auto dir = test::scratch_dir() / "tiny-bert";
  fx::write_bert(dir, "bert", "", 23);
  write_wordpiece_tokenizer(dir);
  const TextEncoder encoder = TextEncoder::open(dir);
  ASSERT_TRUE(encoder.has_tokenizer());
  EXPECT_EQ(encoder.cls_id(), kCls);
  EXPECT_EQ(encoder.sep_id(), kSep);
  EXPECT_EQ(encoder.max_length(), 8);
  const auto& vocab = vocabulary();
  EXPECT_EQ(encoder.encode_sentence("Great Cream"),
            (std::vector<std::int32_t>{kCls, vocab.at("great"), vocab.at("cream"), kSep}));
  EXPECT_EQ(encoder.encode_sentence(""), (std::vector<std::int32_t>{kCls, kSep}));
  // Truncated to model_max_length keeping the final [SEP].
  const auto long_ids = encoder.encode_sentence("i love this shampoo and the cream smells great");
  EXPECT_EQ(long_ids, (std::vector<std::int32_t>{kCls, vocab.at("i"), vocab.at("love"),
                                                 vocab.at("this"), vocab.at("shampoo"),
                                                 vocab.at("and"), vocab.at("the"), kSep}));

  // The engine's embedder (as the CLI uses it) equals the word-level one on in-vocabulary
  // lowercase texts of at most 6 words.
  const EncoderTokenEmbedder engine_embedder(encoder, 2);
  const WordEmbedder word_embedder(encoder, 2, vocabulary());
  const std::vector<std::string> candidates = {"the cream was too greasy", "I LOVE this shampoo",
                                               ""};
  const std::vector<std::vector<std::string>> references = {
      {"cream is greasy on my skin"}, {"i love this", "love this shampoo"}, {"great"}};
  eval::BertScoreOptions options;
  options.idf = true;
  std::vector<std::string> lowered;
  for (const auto& c : candidates) lowered.push_back(eval::pytext::lower(c));
  const auto ours = eval::BertScorer(engine_embedder, options).score(candidates, references);
  const auto words = eval::BertScorer(word_embedder, options).score(lowered, references);
  for (std::size_t i = 0; i < ours.size(); ++i) {
    EXPECT_NEAR(ours[i].precision, words[i].precision, 1e-5);
    EXPECT_NEAR(ours[i].recall, words[i].recall, 1e-5);
    EXPECT_NEAR(ours[i].f1, words[i].f1, 1e-5);
  }
  EXPECT_EQ(engine_embedder.model_name(), "tiny-bert");
  EXPECT_THROW(EncoderTokenEmbedder(encoder, 4), UsageError);
  EXPECT_EQ(bertscore_default_layer("roberta-large"), 17);
  EXPECT_EQ(bertscore_default_layer("tiny-bert"), std::nullopt);
}

TEST(BertScoreCli, ScoreTextWithEncoderMatchesTheLibrary) {
  const auto scratch = test::scratch_dir();
  const auto dir = scratch / "tiny-bert";
  fx::write_bert(dir, "bert", "", 31);
  write_wordpiece_tokenizer(dir);
  const std::vector<std::string> candidates = {"the cream was too greasy", "I love this shampoo",
                                               "great"};
  const std::vector<std::vector<std::string>> references = {
      {"cream is greasy on my skin"}, {"i love this", "love this shampoo"}, {"great price"}};
  {
    std::ofstream out(scratch / "pairs.jsonl");
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      out << nlohmann::json{{"candidate", candidates[i]}, {"references", references[i]}}.dump()
          << "\n";
    }
  }
  const auto baseline = scratch / "baseline.csv";
  std::ofstream(baseline) << "LAYER,P,R,F\n0,0.1,0.1,0.1\n1,0.2,0.3,0.25\n2,0.3,0.3,0.3\n";
  const test::RunResult r = test::run_reasonrec(
      {"score", "text", "--candidates", (scratch / "pairs.jsonl").string(), "--metrics",
       "bleu,bertscore,bertscore:layer=1:baseline=" + baseline.string(), "--encoder", dir.string(),
       "--layer", "2", "--idf", "--json", "--out-pairs", (scratch / "scores.jsonl").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  const TextEncoder encoder = TextEncoder::open(dir);
  eval::BertScoreOptions options;
  options.idf = true;
  const auto layer2 =
      eval::BertScorer(EncoderTokenEmbedder(encoder, 2), options).score(candidates, references);
  options.baseline = eval::read_bertscore_baseline(baseline, 1);
  const auto layer1 =
      eval::BertScorer(EncoderTokenEmbedder(encoder, 1), options).score(candidates, references);
  std::ifstream in(scratch / "scores.jsonl");
  std::string line;
  std::size_t i = 0;
  for (; std::getline(in, line); ++i) {
    ASSERT_LT(i, candidates.size());
    const auto j = nlohmann::json::parse(line);
    const auto& plain = j["scores"]["bertscore"];
    EXPECT_NEAR(plain["score"].get<double>(), layer2[i].f1, 1e-9);
    EXPECT_NEAR(plain["precision"].get<double>(), layer2[i].precision, 1e-9);
    EXPECT_NEAR(plain["recall"].get<double>(), layer2[i].recall, 1e-9);
    const auto& rescaled = j["scores"]["bertscore:layer=1:baseline=" + baseline.string()];
    EXPECT_NEAR(rescaled["f1"].get<double>(), layer1[i].f1, 1e-9);
    EXPECT_TRUE(j["scores"].contains("bleu"));
  }
  EXPECT_EQ(i, candidates.size());
  const auto summary = nlohmann::json::parse(r.out);
  bool found = false;
  for (const auto& m : summary["metrics"]) {
    if (m["label"] != "bertscore") continue;
    found = true;
    EXPECT_EQ(m["signature"]["sentence"],
              "model:tiny-bert|layer:2|idf:yes|rescale:no|multiref:max_each|"
              "version:bert_score-0.3.13");
    EXPECT_NEAR(m["corpus"]["f1"].get<double>(), (layer2[0].f1 + layer2[1].f1 + layer2[2].f1) / 3.0,
                1e-9);
  }
  EXPECT_TRUE(found);

  // Usage errors: no encoder; no layer for a model bert_score does not know.
  const auto no_encoder =
      test::run_reasonrec({"score", "text", "--candidates", (scratch / "pairs.jsonl").string(),
                           "--metrics", "bertscore"});
  EXPECT_EQ(no_encoder.exit_code, 2);
  EXPECT_THAT(no_encoder.err, HasSubstr("--encoder"));
  const auto no_layer =
      test::run_reasonrec({"score", "text", "--candidates", (scratch / "pairs.jsonl").string(),
                           "--metrics", "bertscore", "--encoder", dir.string()});
  EXPECT_EQ(no_layer.exit_code, 2);
  EXPECT_THAT(no_layer.err, HasSubstr("--layer"));
}

TEST(BertScoreBaseline, BadFilesNameTheFileAndLine) {
  const auto file = test::scratch_dir() / "b.tsv";
  std::ofstream(file) << "LAYER,P,R,F\n0,0.1,0.2,0.3\n1,0.1,x,0.3\n";
  EXPECT_DOUBLE_EQ(eval::read_bertscore_baseline(file, 0).f1, 0.3);
  try {
    (void)eval::read_bertscore_baseline(file, 1);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("b.tsv:3"));
  }
  try {
    (void)eval::read_bertscore_baseline(file, 7);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("layer 7"));
  }
  std::ofstream(file) << "LAYER,P\n0,0.1\n";
  EXPECT_THROW((void)eval::read_bertscore_baseline(file, 0), InputError);
  EXPECT_THROW((void)eval::read_bertscore_baseline(test::scratch_dir() / "missing.tsv", 0),
               InputError);
}

TEST(BertScoreMatching, NegativeBestMatchesAndBatchPadding) {
  // [CLS] w [SEP] against [CLS] v [SEP] in two dimensions; only w and v carry weight.
  const double s = 1.0 / std::sqrt(1.25);
  const eval::TokenEmbeddings candidate{
      {2, 10, 3}, {1, 0, static_cast<float>(-s), static_cast<float>(0.5 * s), 1, 0}, 2};
  const double r = 1.0 / std::sqrt(2.0);
  const eval::TokenEmbeddings reference{
      {2, 11, 3}, {1, 0, static_cast<float>(r), static_cast<float>(r), 1, 0}, 2};
  const std::vector<double> weights = {0.0, 1.0, 0.0};
  // w's best match is v: cos = (-1 + 0.5) / (sqrt(1.25) sqrt(2)), negative.
  const double p = -0.5 / std::sqrt(1.25 * 2.0);
  const double rec = r;  // v's best match is [CLS] / [SEP]: cos 1/sqrt(2)
  auto t = eval::greedy_cosine_match(candidate, weights, reference, weights);
  EXPECT_NEAR(t.precision, p, 1e-7);
  EXPECT_NEAR(t.recall, rec, 1e-7);
  EXPECT_NEAR(t.f1, 2 * p * rec / (p + rec), 1e-6);
  // bert_score's zero padding: a shorter reference in the batch lifts w's best match to 0.
  t = eval::greedy_cosine_match(candidate, weights, reference, weights, true, false);
  EXPECT_EQ(t.precision, 0.0);
  EXPECT_NEAR(t.recall, rec, 1e-7);
  EXPECT_EQ(t.f1, 0.0);
  t = eval::greedy_cosine_match(candidate, weights, reference, weights, false, true);
  EXPECT_NEAR(t.precision, p, 1e-7);
  EXPECT_NEAR(t.recall, rec, 1e-7);
}

TEST(BertScoreIdf, FollowsBertScoreSmoothing) {
  const auto w = eval::TokenWeights::idf({{2, 5, 5, 3}, {2, 6, 3}, {2, 5, 3}});
  EXPECT_DOUBLE_EQ(w.weight(5), std::log(4.0 / 3.0));  // in 2 of 3 references
  EXPECT_DOUBLE_EQ(w.weight(6), std::log(4.0 / 2.0));
  EXPECT_DOUBLE_EQ(w.weight(2), 0.0);             // in every reference
  EXPECT_DOUBLE_EQ(w.weight(99), std::log(4.0));  // never seen
  const std::vector<std::int32_t> zero = {3, 2};
  const auto u = eval::TokenWeights::uniform(zero);
  EXPECT_EQ(u.weight(2), 0.0);
  EXPECT_EQ(u.weight(7), 1.0);
}

}  // namespace
}  // namespace reasonrec::engine
