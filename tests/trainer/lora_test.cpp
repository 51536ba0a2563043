// LoRA: the adapter term's gradients against finite differences in float64, a fresh adapter
// (B = 0) leaves the model as it was, LoRA students learn eight pairs and the engine generates
// them with --adapter, the merged model equals base + adapter, PEFT's key names and
// adapter_config fields, and adapters that do not fit are refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "engine/checkpoint/checkpoint_dir.hpp"
#include "engine/checkpoint/safetensors.hpp"
#include "engine/local_model.hpp"
#include "engine/merge_adapter.hpp"
#include "engine/model/peft_adapter.hpp"
#include "engine/model/t5.hpp"
#include "engine/weights.hpp"
#include "student_fixtures.hpp"
#include "support/paths.hpp"
#include "train/lora.hpp"
#include "train/model_init.hpp"
#include "train/trainer.hpp"
#include "util/error.hpp"

namespace reasonrec::train {
namespace {

namespace fs = std::filesystem;

TEST(LowRankDelta, GradientsMatchFiniteDifferencesInFloat64) {
  torch::manual_seed(3);
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  const torch::Tensor x = torch::randn({3, 5}, f64);
  const torch::Tensor w = torch::randn({4, 5}, f64);
  engine::LowRankAdapter adapter;
  adapter.a = torch::randn({2, 5}, f64).requires_grad_(true);
  adapter.b = torch::randn({4, 2}, f64).requires_grad_(true);
  adapter.scaling = 2.5;
  // A smooth scalar of the layer's output, so every entry of A and B matters differently.
  auto objective = [&] {
    const torch::Tensor y = torch::matmul(x, w.t()) + engine::low_rank_delta(x, adapter, true);
    return torch::sin(y).sum();
  };
  objective().backward();
  const torch::Tensor grad_a = adapter.a.grad().clone();
  const torch::Tensor grad_b = adapter.b.grad().clone();
  torch::NoGradGuard no_grad;
  const double eps = 1e-6;
  for (auto [param, grad] : {std::pair{adapter.a, grad_a}, std::pair{adapter.b, grad_b}}) {
    auto flat = param.view({-1});
    for (std::int64_t i = 0; i < flat.numel(); ++i) {
      const double kept = flat[i].item<double>();
      flat[i] = kept + eps;
      const double up = objective().item<double>();
      flat[i] = kept - eps;
      const double down = objective().item<double>();
      flat[i] = kept;
      EXPECT_NEAR(grad.view({-1})[i].item<double>(), (up - down) / (2 * eps), 1e-7) << i;
    }
  }
}

TEST(Lora, AFreshAdapterLeavesTheModelAsItWas) {
  const fs::path root = test::scratch_dir();
  const auto student = load_student(fixtures::write_t5_student(root / "t5", 6), 0.0);
  SftRecord record;
  record.prompt = "the user likes the product";
  record.target = "### Rating ### 5";
  const TokenizedPair pair = student->tokenize(record, 64, 64);
  const double before = student->loss_sum({&pair}).item<double>();
  LoraOptions options;
  options.targets = {"q", "k", "v", "o", "wi_0", "wi_1", "wo"};
  const StudentAdapters adapters = attach_lora(*student, options);
  EXPECT_EQ(adapters.trainable.size(), 2u * (2u * 7u + 3u * 11u));  // A and B per projection
  EXPECT_EQ(student->loss_sum({&pair}).item<double>(), before);
}

TEST(Lora, TargetsFollowPeftsRuleAndUnknownOnesAreRefused) {
  const fs::path root = test::scratch_dir();
  const auto t5 = load_student(fixtures::write_t5_student(root / "t5", 6), 0.0);
  const auto modules = lora_modules(*t5, {"q", "EncDecAttention.v"});
  EXPECT_EQ(modules.size(), 2u + 3u + 3u + 3u);  // q of every attention, v of cross attention
  EXPECT_THAT(modules, testing::Contains("decoder.block.2.layer.1.EncDecAttention.v"));
  EXPECT_THAT(modules, testing::Not(testing::Contains("decoder.block.2.layer.0.SelfAttention.v")));
  EXPECT_THAT([&] { lora_modules(*t5, {"q_proj"}); },
              testing::ThrowsMessage<UsageError>(testing::AllOf(
                  testing::HasSubstr("'q_proj' names no projection"), testing::HasSubstr("wi_0"))));
}

// The model of `dir` with its output head scaled by `factor`, in place. A LoRA student keeps
// the embeddings, norms and head of its base: random ones bound the logits' margins, and so the
// loss (about 2.07 on eight pairs for the T5 fixture, whatever the rank), where a pretrained
// head would not.
fs::path with_confident_head(const fs::path& dir, double factor) {
  const engine::CheckpointDir checkpoint = engine::CheckpointDir::open(dir);
  const auto file = engine::SafetensorsFile::open(dir / "model.safetensors");
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (const auto& view : file.tensors()) {
    torch::Tensor t = engine::load_f32(file, view.name, view.shape).clone();
    if (view.name == "lm_head.weight") t.mul_(factor);
    tensors.emplace_back(view.name, t);
  }
  engine::save_checkpoint(dir, tensors, checkpoint.config());
  return dir;
}

TrainOptions lora_options(const fs::path& data, const fs::path& out) {
  TrainOptions o;
  o.data = data;
  o.out = out;
  o.steps = 150;
  o.batch = 8;
  o.micro_batch = 4;
  o.lr = 3e-3;
  o.warmup = 5;
  o.dropout = 0.0;
  o.seed = 5;
  o.threads = 1;
  LoraOptions lora;
  lora.rank = 8;
  lora.alpha = 16;
  lora.dropout = 0.0;
  lora.targets = {"q", "k", "v", "o", "wi_0", "wi_1", "wo"};
  o.lora = lora;
  return o;
}

void expect_generates(const engine::LocalModel& model, const std::vector<nlohmann::json>& records,
                      const std::string& continuation) {
  for (const auto& r : records) {
    engine::GenerationSpec spec;
    spec.prompt = model.tokenizer().encode(r["prompt"].get<std::string>(), true);
    spec.max_new_tokens = 40;
    EXPECT_EQ(model.generate(std::span(&spec, 1))[0][0].text,
              continuation + r["target"].get<std::string>())
        << r["prompt"];
  }
}

TEST(Lora, T5AdapterLearnsEightPairsAndLoadsAsPeftDirectory) {
  const fs::path root = test::scratch_dir();
  const auto records = fixtures::eight_records();
  TrainOptions o = lora_options(fixtures::write_records(root / "sft.jsonl", records), root / "out");
  o.model = with_confident_head(fixtures::write_t5_student(root / "t5", 8), 8.0);
  const TrainSummary summary = run_training(o, std::cerr);
  EXPECT_LT(summary.final_loss, 0.05);
  EXPECT_FALSE(fs::exists(o.out / "model.safetensors"));  // an adapter, not a model
  engine::LocalModelOptions with_adapter;
  with_adapter.adapter = o.out;
  expect_generates(engine::LocalModel::load(*o.model, with_adapter), records, "");

  // merge writes a plain model that generates the same.
  const engine::MergeResult merged = engine::merge_adapter(*o.model, o.out, root / "merged");
  EXPECT_EQ(merged.adapted_weights, 2u * 7u + 3u * 11u);
  expect_generates(engine::LocalModel::load(root / "merged"), records, "");
}

TEST(Lora, LlamaAdapterLearnsEightPairs) {
  const fs::path root = test::scratch_dir();
  const auto records = fixtures::eight_records();
  const fs::path tokenizer = root / "tokenizer";
  fs::create_directories(tokenizer);
  const std::int64_t vocab = test::write_t5_tokenizer(tokenizer);
  std::ofstream(root / "config.json") << fixtures::llama_config(vocab).dump();
  write_initial_model(root / "config.json", tokenizer, root / "llama", 3);
  TrainOptions o = lora_options(fixtures::write_records(root / "sft.jsonl", records), root / "out");
  o.model = with_confident_head(root / "llama", 50.0);
  o.lora->targets = {"q", "k", "v", "o", "gate", "up", "down"};
  const TrainSummary summary = run_training(o, std::cerr);
  EXPECT_LT(summary.final_loss, 0.05);
  engine::LocalModelOptions with_adapter;
  with_adapter.adapter = o.out;
  expect_generates(engine::LocalModel::load(*o.model, with_adapter), records, " ");
  const auto config = nlohmann::json::parse(test::read_text(o.out / "adapter_config.json"));
  EXPECT_EQ(config.at("task_type"), "CAUSAL_LM");
  EXPECT_EQ(config.at("target_modules"), (nlohmann::json{"down_proj", "gate_proj", "k_proj",
                                                         "o_proj", "q_proj", "up_proj", "v_proj"}));
  const auto file = engine::SafetensorsFile::open(o.out / "adapter_model.safetensors");
  EXPECT_NE(file.find("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight"), nullptr);
  EXPECT_NE(file.find("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"), nullptr);
}

// A few LoRA steps on the T5 fixture (B no longer zero), targets q and v.
fs::path trained_adapter(const fs::path& root, const fs::path& base) {
  TrainOptions o = lora_options(
      fixtures::write_records(root / "sft.jsonl", fixtures::eight_records()), root / "adapter");
  o.model = base;
  o.steps = 3;
  o.warmup = 0;
  o.lr = 0.05;  // large steps, so that the adapter moves the outputs clearly
  o.lora->targets = {"q", "v"};
  std::ostringstream quiet;
  run_training(o, quiet);
  return o.out;
}

TEST(Lora, PeftKeyNamesAndConfigFields) {
  const fs::path root = test::scratch_dir();
  const fs::path base = fixtures::write_t5_student(root / "t5", 9);
  const fs::path adapter = trained_adapter(root, base);
  // PEFT's rules: base_model.model.<module path>.lora_{A,B}.weight for every targeted module;
  // A [r, in], B [out, r].
  std::set<std::string> expected;
  auto add = [&](const std::string& module) {
    expected.insert("base_model.model." + module + ".lora_A.weight");
    expected.insert("base_model.model." + module + ".lora_B.weight");
  };
  for (int l = 0; l < 2; ++l) {
    for (const char* m : {"q", "v"})
      add("encoder.block." + std::to_string(l) + ".layer.0.SelfAttention." + m);
  }
  for (int l = 0; l < 3; ++l) {
    for (const char* m : {"q", "v"}) {
      add("decoder.block." + std::to_string(l) + ".layer.0.SelfAttention." + m);
      add("decoder.block." + std::to_string(l) + ".layer.1.EncDecAttention." + m);
    }
  }
  const auto file = engine::SafetensorsFile::open(adapter / "adapter_model.safetensors");
  std::set<std::string> names;
  for (const auto& t : file.tensors()) {
    names.insert(t.name);
    if (t.name.find("lora_A") != std::string::npos) {
      EXPECT_EQ(t.shape, (std::vector<std::int64_t>{8, 16})) << t.name;
    } else {
      EXPECT_EQ(t.shape, (std::vector<std::int64_t>{24, 8})) << t.name;
    }
  }
  EXPECT_EQ(names, expected);
  const auto config = nlohmann::json::parse(test::read_text(adapter / "adapter_config.json"));
  EXPECT_EQ(config.at("peft_type"), "LORA");
  EXPECT_EQ(config.at("task_type"), "SEQ_2_SEQ_LM");
  EXPECT_EQ(config.at("r"), 8);
  EXPECT_EQ(config.at("lora_alpha"), 16.0);
  EXPECT_EQ(config.at("lora_dropout"), 0.0);
  EXPECT_EQ(config.at("target_modules"), (nlohmann::json{"q", "v"}));
  EXPECT_EQ(config.at("bias"), "none");
  EXPECT_EQ(config.at("fan_in_fan_out"), false);
  EXPECT_EQ(config.at("inference_mode"), true);
  EXPECT_EQ(fs::path(config.at("base_model_name_or_path").get<std::string>()).filename(), "t5");
}

TEST(Lora, MergedModelEqualsBasePlusAdapter) {
  const fs::path root = test::scratch_dir();
  const fs::path base = fixtures::write_t5_student(root / "t5", 10);
  const fs::path adapter = trained_adapter(root, base);
  engine::merge_adapter(base, adapter, root / "merged");

  // Unmerged: the base model computing x W^T + alpha/r x A^T B^T in each adapted projection.
  engine::T5Model unmerged = engine::T5Model::load(engine::CheckpointDir::open(base));
  auto adapters = std::make_shared<engine::LowRankAdapters>();
  for (auto& a : engine::read_peft_adapter(adapter, base, unmerged.named_parameters())) {
    adapters->add(a.base, a.adapter);
  }
  unmerged.set_adapters(adapters);
  const engine::T5Model merged =
      engine::T5Model::load(engine::CheckpointDir::open(root / "merged"));
  const engine::T5Model plain = engine::T5Model::load(engine::CheckpointDir::open(base));

  const torch::Tensor ids = torch::tensor({{5, 9, 12, 7, 1}}, torch::kLong);
  const torch::Tensor mask = torch::ones_like(ids);
  const torch::Tensor dec = torch::tensor({{0, 4, 8}}, torch::kLong);
  torch::NoGradGuard no_grad;
  const torch::Tensor a = unmerged.forward(ids, mask, dec);
  const torch::Tensor b = merged.forward(ids, mask, dec);
  EXPECT_LT((a - b).abs().max().item<double>(), 1e-5);
  EXPECT_GT((a - plain.forward(ids, mask, dec)).abs().max().item<double>(), 1e-4);  // it did change
}

TEST(Lora, AdaptersThatDoNotFitAreRefused) {
  const fs::path root = test::scratch_dir();
  const fs::path base = fixtures::write_t5_student(root / "t5", 11);
  const fs::path adapter = trained_adapter(root, base);
  // Another base model's name.
  fs::copy(base, root / "other");
  engine::LocalModelOptions options;
  options.adapter = adapter;
  EXPECT_THAT([&] { engine::LocalModel::load(root / "other", options); },
              testing::ThrowsMessage<InputError>(testing::HasSubstr("not of")));
  // The right name, the wrong shapes: a Llama model called t5.
  const fs::path tokenizer = root / "tokenizer";
  fs::create_directories(tokenizer);
  const std::int64_t vocab = test::write_t5_tokenizer(tokenizer);
  std::ofstream(root / "config.json") << fixtures::llama_config(vocab).dump();
  write_initial_model(root / "config.json", tokenizer, root / "llama" / "t5", 3);
  EXPECT_THAT([&] { engine::LocalModel::load(root / "llama" / "t5", options); },
              testing::ThrowsMessage<InputError>(testing::HasSubstr("does not have")));
  // A wrong shape for a module that exists.
  fs::create_directories(root / "bad");
  fs::copy_file(adapter / "adapter_config.json", root / "bad" / "adapter_config.json");
  auto config = nlohmann::json::parse(test::read_text(adapter / "adapter_config.json"));
  config["r"] = 4;
  std::ofstream(root / "bad" / "adapter_config.json", std::ios::trunc) << config.dump();
  fs::copy_file(adapter / "adapter_model.safetensors", root / "bad" / "adapter_model.safetensors");
  options.adapter = root / "bad";
  EXPECT_THAT([&] { engine::LocalModel::load(base, options); },
              testing::ThrowsMessage<InputError>(testing::HasSubstr("shape")));
}

}  // namespace
}  // namespace reasonrec::train
