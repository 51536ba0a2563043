// T5 v1.0 (ReLU, tied scaled head) and v1.1 (gated GELU, untied head) against an independent
// float64 forward pass written in Python (torch) from the same safetensors file; the KV cache
// and padding invariants; generation and scoring.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "encoder_fixtures.hpp"
#include "engine/seq2seq_model.hpp"
#include "support/paths.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {
namespace {

namespace fx = test_fixtures;

// T5 written from the paper's description: RMS layer norm without bias, unscaled attention
// with a learned bias per relative-position bucket (first layer's table shared by all layers),
// ReLU or gated tanh-GELU feed-forward, tied head scaled by d_model^-0.5.
const char* kT5Reference = R"PY(
def t5_bucket(relative, bidirectional, buckets, max_distance):
    n = -relative
    out = 0
    if bidirectional:
        buckets //= 2
        if n < 0:
            out += buckets
        n = abs(n)
    else:
        n = max(n, 0)
    exact = buckets // 2
    if n < exact:
        return out + n
    large = exact + int(math.log(n / exact) / math.log(max_distance / exact) * (buckets - exact))
    return out + min(large, buckets - 1)

def t5_logits(d, enc_ids, dec_ids):
    cfg = json.load(open(d + '/config.json'))
    W = load_safetensors(d + '/model.safetensors')
    H = cfg['num_heads']; dkv = cfg['d_kv']; eps = cfg['layer_norm_epsilon']
    nb = cfg['relative_attention_num_buckets']; md = cfg['relative_attention_max_distance']
    gated = cfg['feed_forward_proj'].startswith('gated')
    def norm(x, name):
        return W[name] * (x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps))
    def bias(table, q_len, k_len, bidirectional):
        b = torch.zeros(H, q_len, k_len, dtype=torch.float64)
        for i in range(q_len):
            for j in range(k_len):
                b[:, i, j] = W[table][t5_bucket(j - i, bidirectional, nb, md)]
        return b
    def attention(p, x, kv, b):
        q = (x @ W[p + '.q.weight'].T).reshape(x.shape[0], H, dkv).transpose(0, 1)
        k = (kv @ W[p + '.k.weight'].T).reshape(kv.shape[0], H, dkv).transpose(0, 1)
        v = (kv @ W[p + '.v.weight'].T).reshape(kv.shape[0], H, dkv).transpose(0, 1)
        s = q @ k.transpose(1, 2)
        if b is not None:
            s = s + b
        a = torch.softmax(s, dim=-1) @ v
        return a.transpose(0, 1).reshape(x.shape[0], H * dkv) @ W[p + '.o.weight'].T
    def ff(p, x):
        if gated:
            g = x @ W[p + '.wi_0.weight'].T
            g = 0.5 * g * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (g + 0.044715 * g ** 3)))
            h = g * (x @ W[p + '.wi_1.weight'].T)
        else:
            h = torch.relu(x @ W[p + '.wi.weight'].T)
        return h @ W[p + '.wo.weight'].T
    E = W['shared.weight']
    x = E[torch.tensor(enc_ids)]
    n = len(enc_ids)
    eb = bias('encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight', n, n, True)
    for l in range(cfg['num_layers']):
        p = 'encoder.block.%d.layer.' % l
        h = norm(x, p + '0.layer_norm.weight')
        x = x + attention(p + '0.SelfAttention', h, h, eb)
        x = x + ff(p + '1.DenseReluDense', norm(x, p + '1.layer_norm.weight'))
    enc = norm(x, 'encoder.final_layer_norm.weight')
    y = E[torch.tensor(dec_ids)]
    t = len(dec_ids)
    db = bias('decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight', t, t, False)
    db = db + torch.triu(torch.full((t, t), float('-inf'), dtype=torch.float64), diagonal=1)
    for l in range(cfg['num_decoder_layers']):
        p = 'decoder.block.%d.layer.' % l
        h = norm(y, p + '0.layer_norm.weight')
        y = y + attention(p + '0.SelfAttention', h, h, db)
        y = y + attention(p + '1.EncDecAttention', norm(y, p + '1.layer_norm.weight'), enc, None)
        y = y + ff(p + '2.DenseReluDense', norm(y, p + '2.layer_norm.weight'))
    y = norm(y, 'decoder.final_layer_norm.weight')
    if cfg['tie_word_embeddings']:
        return (y * cfg['d_model'] ** -0.5) @ E.T
    return y @ W['lm_head.weight'].T
)PY";

nlohmann::json python(const std::string& body, const std::vector<std::string>& args) {
  return fx::run_python_json(std::string(kT5Reference) + body, args);
}

const std::vector<std::int32_t> kInput = {5, 17, 23, 9, 40, 11, 3, 31, 7, 44, 12, 1};
const std::vector<std::int32_t> kDecoder = {0, 13, 8, 21, 6, 33, 19, 2, 27, 15};

class T5Test : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    dir_ = test::scratch_dir() / (GetParam() ? "t5v11" : "t5v10");
    fx::write_t5(dir_, GetParam(), GetParam() ? 101 : 202);
  }
  std::filesystem::path dir_;
};

TEST_P(T5Test, LogitsMatchIndependentReference) {
  const Seq2SeqModel model = Seq2SeqModel::load(dir_);
  const auto ours = model.logits(kInput, kDecoder);
  const nlohmann::json reference = python(
      "print(json.dumps(t5_logits(sys.argv[1], json.loads(sys.argv[2]), "
      "json.loads(sys.argv[3])).tolist()))",
      {dir_.string(), nlohmann::json(kInput).dump(), nlohmann::json(kDecoder).dump()});
  ASSERT_EQ(reference.size(), kDecoder.size());
  ASSERT_EQ(ours.size(), kDecoder.size());
  for (std::size_t t = 0; t < kDecoder.size(); ++t) {
    ASSERT_EQ(ours[t].size(), 48u);
    for (std::size_t v = 0; v < 48; ++v) {
      EXPECT_NEAR(ours[t][v], reference[t][v].get<double>(), 5e-5) << "position " << t;
    }
  }
}

TEST_P(T5Test, IncrementalDecodingEqualsFullPass) {
  const Seq2SeqModel model = Seq2SeqModel::load(dir_);
  const auto full = model.logits(kInput, kDecoder, false);
  const auto step = model.logits(kInput, kDecoder, true);
  ASSERT_EQ(full.size(), step.size());
  for (std::size_t t = 0; t < full.size(); ++t) {
    for (std::size_t v = 0; v < full[t].size(); ++v) ASSERT_NEAR(full[t][v], step[t][v], 1e-5);
  }
}

TEST_P(T5Test, PaddedBatchEqualsEachPairAlone) {
  const Seq2SeqModel model = Seq2SeqModel::load(dir_);
  // 18 pairs: more than one internal batch of 16 rows.
  std::vector<std::vector<std::int32_t>> inputs = {kInput, {4, 9, 1}, {30, 31, 32, 33, 1}};
  std::vector<std::vector<std::int32_t>> decoders = {{0, 5}, kDecoder, {0, 7, 7, 7}};
  for (std::int32_t k = 0; k < 15; ++k) {
    inputs.push_back({static_cast<std::int32_t>(2 + k), 20, static_cast<std::int32_t>(40 - k), 1});
    decoders.push_back({0, static_cast<std::int32_t>(3 + k)});
  }
  const auto together = model.batch_logits(inputs, decoders);
  for (std::size_t b = 0; b < inputs.size(); ++b) {
    const auto alone = model.logits(inputs[b], decoders[b]);
    ASSERT_EQ(together[b].size(), alone.size());
    for (std::size_t t = 0; t < alone.size(); ++t) {
      for (std::size_t v = 0; v < alone[t].size(); ++v) {
        ASSERT_NEAR(together[b][t][v], alone[t][v], 1e-5) << "pair " << b;
      }
    }
  }
}

TEST_P(T5Test, ScoresAndRatingDistributionMatchReference) {
  const Seq2SeqModel model = Seq2SeqModel::load(dir_);
  const std::vector<std::int32_t> continuation = {13, 8, 21, 1};
  const std::vector<ContinuationSpec> specs = {{kInput, continuation}, {{4, 9, 1}, {6}}};
  const auto scores = model.score(specs);
  const std::vector<std::int32_t> rating_ids = {20, 21, 22, 23, 24};
  const std::vector<std::vector<std::int32_t>> prompts = {kInput, {4, 9, 1}};
  const auto ratings = seq2seq_rating_distributions(model, prompts, rating_ids);
  const nlohmann::json reference = python(
      R"PY(
d = sys.argv[1]
out = {'scores': [], 'ratings': []}
for enc, cont in json.loads(sys.argv[2]):
    lp = torch.log_softmax(t5_logits(d, enc, [0] + cont[:-1]), dim=-1)
    out['scores'].append(sum(lp[t, c].item() for t, c in enumerate(cont)))
    first = torch.softmax(t5_logits(d, enc, [0])[0], dim=-1)
    mass = first[20:25]
    out['ratings'].append({'p': (mass / mass.sum()).tolist(), 'mass': mass.sum().item()})
print(json.dumps(out))
)PY",
      {dir_.string(), nlohmann::json::array({
                                                nlohmann::json::array({kInput, continuation}),
                                                nlohmann::json::array({std::vector<int>{4, 9, 1},
                                                                       std::vector<int>{6}}),
                                            })
                          .dump()});
  ASSERT_EQ(scores.size(), 2u);
  EXPECT_NEAR(scores[0].total_logprob, reference["scores"][0].get<double>(), 1e-4);
  EXPECT_NEAR(scores[1].total_logprob, reference["scores"][1].get<double>(), 1e-4);
  EXPECT_EQ(scores[0].token_logprobs.size(), continuation.size());
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_NEAR(ratings[i].raw_mass, reference["ratings"][i]["mass"].get<double>(), 1e-5);
    for (std::size_t k = 0; k < 5; ++k) {
      EXPECT_NEAR(ratings[i].probabilities[k], reference["ratings"][i]["p"][k].get<double>(), 1e-5);
    }
  }
}

TEST_P(T5Test, GreedyGenerationMatchesReferenceArgmaxLoop) {
  const Seq2SeqModel model = Seq2SeqModel::load(dir_);
  GenerationSpec spec;
  spec.prompt = kInput;
  spec.max_new_tokens = 8;
  spec.ignore_eos = true;  // random weights: keep going for a fixed length
  const auto ours = model.generate(std::span<const GenerationSpec>(&spec, 1));
  const nlohmann::json reference = python(R"PY(
dec = [0]
for _ in range(8):
    dec.append(int(torch.argmax(t5_logits(sys.argv[1], json.loads(sys.argv[2]), dec)[-1])))
print(json.dumps(dec[1:]))
)PY",
                                          {dir_.string(), nlohmann::json(kInput).dump()});
  ASSERT_EQ(ours.size(), 1u);
  ASSERT_EQ(ours[0].size(), 1u);
  EXPECT_EQ(ours[0][0].finish_reason, "length");
  EXPECT_EQ(nlohmann::json(ours[0][0].tokens), reference);
}

TEST_P(T5Test, SeededSamplingIsReproducibleAndIndependentOfTheBatch) {
  const Seq2SeqModel model = Seq2SeqModel::load(dir_);
  GenerationSpec spec;
  spec.prompt = kInput;
  spec.max_new_tokens = 6;
  spec.ignore_eos = true;
  spec.sampling.temperature = 1.5;
  spec.n = 3;
  spec.seed = 77;
  GenerationSpec other = spec;
  other.prompt = {4, 9, 1};
  other.seed = 5;
  other.max_new_tokens = 2;
  other.n = 14;  // 14 + 3 samples: two internal batches
  const auto alone = model.generate(std::span<const GenerationSpec>(&spec, 1));
  const std::vector<GenerationSpec> both = {other, spec};
  const auto together = model.generate(both);
  ASSERT_EQ(alone[0].size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(alone[0][i].tokens.size(), 6u);
    EXPECT_EQ(alone[0][i].tokens, together[1][i].tokens) << "sample " << i;
  }
  EXPECT_EQ(together[0][0].tokens.size(), 2u);
  // Different seeds of the samples draw differently (48-token vocabulary, temperature 1.5).
  EXPECT_TRUE(alone[0][0].tokens != alone[0][1].tokens || alone[0][1].tokens != alone[0][2].tokens);
}

TEST_P(T5Test, StopsAtEndOfSequenceAndStopTokens) {
  const Seq2SeqModel model = Seq2SeqModel::load(dir_);
  GenerationSpec spec;
  spec.prompt = kInput;
  spec.max_new_tokens = 8;
  spec.ignore_eos = true;
  const auto free_run = model.generate(std::span<const GenerationSpec>(&spec, 1))[0][0];
  ASSERT_EQ(free_run.tokens.size(), 8u);
  spec.stop_token_ids = {free_run.tokens[3]};
  const auto stopped = model.generate(std::span<const GenerationSpec>(&spec, 1))[0][0];
  const auto first = std::find(free_run.tokens.begin(), free_run.tokens.end(), free_run.tokens[3]);
  EXPECT_EQ(stopped.finish_reason, "stop");
  EXPECT_EQ(stopped.stop_token, free_run.tokens[3]);
  EXPECT_EQ(stopped.tokens, std::vector<std::int32_t>(free_run.tokens.begin(), first));
}

INSTANTIATE_TEST_SUITE_P(Versions, T5Test, ::testing::Values(false, true),
                         [](const auto& version) { return version.param ? "v1_1" : "v1_0"; });

TEST(T5Config, BadConfigNamesTheField) {
  const auto dir = test::scratch_dir() / "t5";
  nlohmann::json config = fx::write_t5(dir, false, 1);
  config["feed_forward_proj"] = "gated-mystery";
  std::ofstream(dir / "config.json") << config.dump();
  try {
    (void)Seq2SeqModel::load(dir);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("feed_forward_proj"));
  }
  config["feed_forward_proj"] = "gated-gelu";  // the file has wi, not wi_0 / wi_1
  std::ofstream(dir / "config.json") << config.dump();
  try {
    (void)Seq2SeqModel::load(dir);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("wi_0"));
  }
}

}  // namespace
}  // namespace reasonrec::engine
