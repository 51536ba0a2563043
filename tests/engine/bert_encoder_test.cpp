// The BERT / RoBERTa encoder against an independent float64 forward pass written in Python
// (torch) from the same safetensors file, and the padding invariants.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "encoder_fixtures.hpp"
#include "engine/text_encoder.hpp"
#include "support/paths.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {
namespace {

using ::testing::HasSubstr;
namespace fx = test_fixtures;

const std::vector<std::vector<std::int32_t>> kSequences = {
    {2, 7, 9, 33, 4, 3}, {2, 5, 3}, {2, 11, 12, 13, 14, 15, 16, 17, 18, 19, 39, 3}, {2, 3}};

double max_difference(const std::vector<float>& ours, const nlohmann::json& reference) {
  double worst = 0.0;
  std::size_t k = 0;
  for (const auto& row : reference) {
    for (const auto& v : row) {
      if (k >= ours.size()) return INFINITY;
      worst = std::max(worst, std::abs(static_cast<double>(ours[k++]) - v.get<double>()));
    }
  }
  return k == ours.size() ? worst : INFINITY;
}

void expect_matches_reference(const std::string& model_type, const std::string& prefix,
                              const std::string& act) {
  const auto dir = test::scratch_dir() / model_type;
  fx::write_bert(dir, model_type, prefix, 17, act);
  const TextEncoder encoder = TextEncoder::open(dir);
  EXPECT_EQ(encoder.num_layers(), 3);
  EXPECT_EQ(encoder.hidden_size(), 16);
  EXPECT_EQ(encoder.model_type(), model_type);
  // Padded together in one batch: the reference runs each sequence alone.
  const auto ours = encoder.all_hidden_states(kSequences);
  const nlohmann::json reference = fx::run_python_json(
      R"PY(
out = []
for seq in json.loads(sys.argv[3]):
    out.append([h.tolist() for h in bert_hidden_states(sys.argv[1], sys.argv[2], seq)])
print(json.dumps(out))
)PY",
      {dir.string(), prefix, nlohmann::json(kSequences).dump()});
  ASSERT_EQ(reference.size(), kSequences.size());
  for (std::size_t i = 0; i < kSequences.size(); ++i) {
    ASSERT_EQ(ours[i].size(), 4u);
    for (std::size_t l = 0; l < 4; ++l) {
      EXPECT_LT(max_difference(ours[i][l], reference[i][l]), 2e-5)
          << model_type << " sequence " << i << " layer " << l;
    }
  }
}

TEST(BertEncoder, BertMatchesIndependentReference) {
  expect_matches_reference("bert", "", "gelu");
}

TEST(BertEncoder, BertWithTaskPrefixAndTanhGeluMatchesReference) {
  expect_matches_reference("bert", "bert.", "gelu_new");
}

TEST(BertEncoder, RobertaPositionsMatchIndependentReference) {
  expect_matches_reference("roberta", "roberta.", "gelu");
}

TEST(BertEncoder, PaddedBatchEqualsEachSequenceAlone) {
  const auto scratch = test::scratch_dir();
  for (const char* type_name : {"bert", "roberta"}) {
    const std::string type = type_name;
    const auto dir = scratch / type;
    fx::write_bert(dir, type, "", 5);
    const TextEncoder encoder = TextEncoder::open(dir);
    for (int layer = 0; layer <= 3; ++layer) {
      const auto together = encoder.hidden_states(kSequences, layer, 64);
      const auto alone = encoder.hidden_states(kSequences, layer, 1);
      ASSERT_EQ(together.size(), alone.size());
      for (std::size_t i = 0; i < kSequences.size(); ++i) {
        ASSERT_EQ(together[i].size(), kSequences[i].size() * 16);
        for (std::size_t k = 0; k < together[i].size(); ++k) {
          ASSERT_NEAR(together[i][k], alone[i][k], 1e-5) << type << " layer " << layer;
        }
      }
    }
  }
}

TEST(BertEncoder, LayerChoiceEqualsThatEntryOfAllLayers) {
  const auto dir = test::scratch_dir() / "bert";
  fx::write_bert(dir, "bert", "", 9);
  const TextEncoder encoder = TextEncoder::open(dir);
  const auto all = encoder.all_hidden_states(kSequences);
  const auto second = encoder.hidden_states(kSequences, 2);
  for (std::size_t i = 0; i < kSequences.size(); ++i) EXPECT_EQ(second[i], all[i][2]);
  EXPECT_THROW(encoder.hidden_states(kSequences, 4), UsageError);
  EXPECT_THROW(encoder.hidden_states(kSequences, -1), UsageError);
}

TEST(BertEncoder, MissingOrMisshapenWeightsNameTheTensor) {
  const auto dir = test::scratch_dir() / "bert";
  nlohmann::json config = fx::write_bert(dir, "bert", "", 3);
  config["intermediate_size"] = 25;  // the file has 24
  std::ofstream(dir / "config.json") << config.dump();
  try {
    (void)TextEncoder::open(dir);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("encoder.layer.0.intermediate.dense.weight"));
  }
  config["intermediate_size"] = 24;
  config["num_hidden_layers"] = 4;  // no layer 3 in the file
  std::ofstream(dir / "config.json") << config.dump();
  try {
    (void)TextEncoder::open(dir);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("encoder.layer.3."));
  }
  config["num_hidden_layers"] = 3;
  config["hidden_act"] = "mystery";
  std::ofstream(dir / "config.json") << config.dump();
  EXPECT_THROW((void)TextEncoder::open(dir), InputError);
}

TEST(BertEncoder, OverlongInputIsAnErrorNotACrash) {
  const auto dir = test::scratch_dir() / "bert";
  fx::write_bert(dir, "bert", "", 3);
  const TextEncoder encoder = TextEncoder::open(dir);
  const std::vector<std::vector<std::int32_t>> too_long = {std::vector<std::int32_t>(41, 5)};
  EXPECT_THROW(encoder.hidden_states(too_long, 1), Error);
  const std::vector<std::vector<std::int32_t>> bad_id = {{2, 40, 3}};
  EXPECT_THROW(encoder.hidden_states(bad_id, 1), Error);
}

}  // namespace
}  // namespace reasonrec::engine
