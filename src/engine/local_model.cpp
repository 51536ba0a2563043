#include "engine/local_model.hpp"

#include <algorithm>

#include "engine/checkpoint/checkpoint_dir.hpp"
#include "engine/local_model_impl.hpp"
#include "engine/model/peft_adapter.hpp"
#include "engine/model/t5_config.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {
namespace {

void add_ids(const nlohmann::json* value, std::vector<std::int32_t>& ids) {
  if (value == nullptr) return;
  auto add = [&](const nlohmann::json& id) {
    if (!id.is_number_integer()) return;
    const auto v = id.get<std::int32_t>();
    if (std::find(ids.begin(), ids.end(), v) == ids.end()) ids.push_back(v);
  };
  if (value->is_array()) {
    for (const auto& id : *value) add(id);
  } else {
    add(*value);
  }
}

const nlohmann::json* field(const nlohmann::json* object, const char* name) {
  if (object == nullptr || !object->is_object()) return nullptr;
  auto it = object->find(name);
  return it == object->end() ? nullptr : &*it;
}

}  // namespace

namespace {

std::unique_ptr<LocalModel::Impl> load_t5(CheckpointDir checkpoint,
                                          const LocalModelOptions& options) {
  const std::filesystem::path dir = checkpoint.dir();
  Seq2SeqModel model =
      Seq2SeqModel::load(dir, Seq2SeqOptions{options.max_batch_rows, options.adapter});
  if (!model.has_tokenizer()) {
    throw InputError((dir / "tokenizer.json").string(), 0,
                     "no tokenizer (tokenizer.json, spiece.model or tokenizer.model) beside the "
                     "T5 model");
  }
  return std::make_unique<LocalModel::Impl>(std::move(checkpoint), std::move(model));
}

std::unique_ptr<LocalModel::Impl> load_llama(CheckpointDir checkpoint,
                                             const LocalModelOptions& options) {
  const std::filesystem::path dir = checkpoint.dir();
  LlamaModel model = LlamaModel::load(checkpoint);
  if (!options.adapter.empty()) {
    merge_adapters(read_peft_adapter(options.adapter, dir, model.named_parameters()));
  }
  std::shared_ptr<const Tokenizer> tokenizer = load_tokenizer(dir);

  GeneratorOptions generator;
  generator.max_batch_rows = options.max_batch_rows;
  const LlamaConfig& config = model.config();
  generator.eos_ids = config.eos_token_ids;
  add_ids(field(checkpoint.generation_config(), "eos_token_id"), generator.eos_ids);
  if (auto tokenizer_eos = tokenizer->eos_id();
      tokenizer_eos && std::find(generator.eos_ids.begin(), generator.eos_ids.end(),
                                 *tokenizer_eos) == generator.eos_ids.end()) {
    generator.eos_ids.push_back(*tokenizer_eos);
  }
  generator.context_limit = config.max_position_embeddings;
  if (config.rope_scaling.kind == RopeScaling::Kind::Dynamic) {
    generator.context_limit = static_cast<std::int64_t>(
        static_cast<double>(generator.context_limit) * config.rope_scaling.factor);
  }
  return std::make_unique<LocalModel::Impl>(std::move(checkpoint), std::move(model),
                                            std::move(tokenizer), std::move(generator));
}

}  // namespace

LocalModel LocalModel::load(const std::filesystem::path& dir, LocalModelOptions options) {
  if (!std::filesystem::is_directory(dir)) {
    throw InputError(dir.string(), 0, "not a model directory");
  }
  CheckpointDir checkpoint = CheckpointDir::open(dir);
  if (is_t5(checkpoint.config())) {
    return LocalModel(load_t5(std::move(checkpoint), options));
  }
  if (!is_llama_family(checkpoint.config())) {
    const auto* type = field(&checkpoint.config(), "model_type");
    throw InputError((dir / "config.json").string(), 0,
                     "model_type " + (type ? type->dump() : std::string("(missing)")) +
                         " is not supported by the local engine (llama, qwen2, mistral, t5)");
  }
  return LocalModel(load_llama(std::move(checkpoint), options));
}

LocalModel::LocalModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LocalModel::~LocalModel() = default;
LocalModel::LocalModel(LocalModel&&) noexcept = default;
LocalModel& LocalModel::operator=(LocalModel&&) noexcept = default;

const std::filesystem::path& LocalModel::dir() const {
  return impl_->checkpoint.dir();
}
const Tokenizer& LocalModel::tokenizer() const {
  return *impl_->tokenizer;
}
std::string LocalModel::model_type() const {
  if (impl_->seq2seq) return "t5";
  return impl_->llama->config().model_type;
}
bool LocalModel::encoder_decoder() const {
  return impl_->seq2seq != nullptr;
}
const std::vector<std::int32_t>& LocalModel::eos_ids() const {
  return impl_->eos;
}
std::int64_t LocalModel::context_limit() const {
  return impl_->context_limit;
}

std::vector<std::vector<Generation>> LocalModel::generate(
    std::span<const GenerationSpec> specs) const {
  if (impl_->seq2seq) return impl_->seq2seq->generate(specs);
  return impl_->generator->generate(specs);
}

std::vector<ContinuationScore> LocalModel::score(std::span<const ContinuationSpec> specs) const {
  if (impl_->seq2seq) return impl_->seq2seq->score(specs);
  return impl_->generator->score(specs);
}

std::vector<std::vector<float>> LocalModel::next_token_logprobs(
    std::span<const std::vector<std::int32_t>> prompts) const {
  if (impl_->seq2seq) return impl_->seq2seq->next_token_logprobs(prompts);
  return impl_->generator->next_token_logprobs(prompts);
}

std::vector<std::vector<float>> LocalModel::logits(std::span<const std::int32_t> ids) const {
  if (impl_->seq2seq) {
    // One sequence has no single meaning for an encoder-decoder (is it the input or the
    // output?); Seq2SeqModel::logits takes both.
    throw UsageError(dir().string() +
                     ": logits(ids) is for decoder-only models; a T5 model scores an "
                     "output given an input (score, next_token_logprobs)");
  }
  return impl_->generator->logits(ids);
}

std::shared_ptr<const TokenConstraint> make_constraint(const LocalModel& model,
                                                       std::string_view name_or_regex) {
  const std::string regex = is_builtin_constraint(name_or_regex)
                                ? builtin_constraint_regex(name_or_regex)
                                : std::string(name_or_regex);
  return std::make_shared<TokenConstraint>(regex, vocabulary_trie(model.tokenizer()),
                                           model.eos_ids());
}

void write_random_llama(const std::filesystem::path& dir, const nlohmann::json& config,
                        std::uint64_t seed, double weight_std) {
  LlamaModel::random(LlamaConfig::from_json(config, "<random model config>"), seed, weight_std)
      .save(dir);
}

}  // namespace reasonrec::engine
