#include "engine/text_encoder.hpp"

#include <algorithm>
#include <fstream>
#include <span>

#include <nlohmann/json.hpp>

#include "engine/checkpoint/checkpoint_dir.hpp"
#include "engine/model/bert.hpp"
#include "engine/tokenizer/tokenizer.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {

namespace {

std::optional<nlohmann::json> read_json_if_present(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(file.string(), 0, std::string("invalid JSON: ") + e.what());
  }
}

// "cls_token": "[CLS]" or {"content": "[CLS]", ...} in tokenizer_config.json or
// special_tokens_map.json.
std::optional<std::string> special_token_text(const std::filesystem::path& dir,
                                              const std::string& key) {
  for (const char* file : {"special_tokens_map.json", "tokenizer_config.json"}) {
    const auto json = read_json_if_present(dir / file);
    if (!json || !json->is_object()) continue;
    auto it = json->find(key);
    if (it == json->end()) continue;
    if (it->is_string()) return it->get<std::string>();
    if (it->is_object() && it->contains("content") && (*it)["content"].is_string()) {
      return (*it)["content"].get<std::string>();
    }
  }
  return std::nullopt;
}

std::optional<std::int32_t> find_special(const std::filesystem::path& dir, const Tokenizer& tok,
                                         const std::string& key,
                                         std::initializer_list<const char*> fallbacks) {
  if (const auto text = special_token_text(dir, key)) {
    if (const auto id = tok.token_to_id(*text)) return id;
  }
  for (const char* text : fallbacks) {
    if (const auto id = tok.token_to_id(text)) return id;
  }
  return std::nullopt;
}

}  // namespace

struct TextEncoder::Impl {
  std::filesystem::path dir;
  BertModel model;
  std::unique_ptr<Tokenizer> tokenizer;
  std::optional<std::int32_t> cls, sep;
  std::int64_t max_length = 0;
};

TextEncoder::TextEncoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TextEncoder::TextEncoder(TextEncoder&&) noexcept = default;
TextEncoder& TextEncoder::operator=(TextEncoder&&) noexcept = default;
TextEncoder::~TextEncoder() = default;

TextEncoder TextEncoder::open(const std::filesystem::path& dir) {
  at::set_num_threads(1);  // OpenBLAS threads the GEMMs; two pools fight otherwise
  const CheckpointDir checkpoint = CheckpointDir::open(dir);
  auto impl = std::unique_ptr<Impl>(new Impl{dir, BertModel::load(checkpoint), nullptr, {}, {}, 0});
  impl->max_length = impl->model.config().max_input_length();
  const bool has_tokenizer_file = std::filesystem::exists(dir / "tokenizer.json") ||
                                  std::filesystem::exists(dir / "sentencepiece.bpe.model") ||
                                  std::filesystem::exists(dir / "spiece.model") ||
                                  std::filesystem::exists(dir / "tokenizer.model");
  if (has_tokenizer_file) {
    impl->tokenizer = load_tokenizer(dir);
    impl->cls = find_special(dir, *impl->tokenizer, "cls_token", {"[CLS]", "<s>"});
    impl->sep = find_special(dir, *impl->tokenizer, "sep_token", {"[SEP]", "</s>"});
  }
  if (const auto config = read_json_if_present(dir / "tokenizer_config.json")) {
    auto it = config->find("model_max_length");
    // transformers writes 1e30 for "no limit".
    if (it != config->end() && it->is_number() && it->get<double>() > 0 &&
        it->get<double>() < static_cast<double>(impl->max_length)) {
      impl->max_length = static_cast<std::int64_t>(it->get<double>());
    }
  }
  return TextEncoder(std::move(impl));
}

const std::filesystem::path& TextEncoder::dir() const {
  return impl_->dir;
}
const std::string& TextEncoder::model_type() const {
  return impl_->model.config().model_type;
}

std::string TextEncoder::model_name() const {
  std::filesystem::path p = impl_->dir;
  if (p.filename().empty()) p = p.parent_path();  // "dir/"
  return p.filename().string();
}

int TextEncoder::num_layers() const {
  return static_cast<int>(impl_->model.config().num_hidden_layers);
}
int TextEncoder::hidden_size() const {
  return static_cast<int>(impl_->model.config().hidden_size);
}
std::int64_t TextEncoder::max_length() const {
  return impl_->max_length;
}
bool TextEncoder::has_tokenizer() const {
  return impl_->tokenizer != nullptr;
}

const Tokenizer& TextEncoder::tokenizer() const {
  if (!impl_->tokenizer) {
    throw UsageError(impl_->dir.string() +
                     ": no tokenizer (tokenizer.json) in the encoder directory");
  }
  return *impl_->tokenizer;
}

std::optional<std::int32_t> TextEncoder::cls_id() const {
  return impl_->cls;
}
std::optional<std::int32_t> TextEncoder::sep_id() const {
  return impl_->sep;
}

std::vector<std::int32_t> TextEncoder::encode_sentence(std::string_view text) const {
  const Tokenizer& tok = tokenizer();
  if (text.empty()) {
    if (!impl_->cls || !impl_->sep) {
      throw InputError(impl_->dir.string(), 0, "the tokenizer has no cls/sep tokens");
    }
    return {*impl_->cls, *impl_->sep};
  }
  std::vector<std::int32_t> ids;
  if (model_type() == "roberta") {
    ids = tok.encode(" " + std::string(text), true);
  } else {
    ids = tok.encode(text, true);
  }
  const auto limit = static_cast<std::size_t>(impl_->max_length);
  if (ids.size() > limit && limit >= 2) {
    const std::int32_t last = ids.back();
    ids.resize(limit - 1);
    ids.push_back(last);
  }
  return ids;
}

PairEncoding TextEncoder::encode_pair(std::string_view first, std::string_view second) const {
  const Tokenizer& tok = tokenizer();
  std::vector<std::int32_t> a = tok.encode(first, false);
  std::vector<std::int32_t> b = tok.encode(second, false);
  auto join = [&](std::span<const std::int32_t> x,
                  std::span<const std::int32_t> y) -> PairEncoding {
    if (auto joined = tok.join_pair(x, y)) return *joined;
    if (!impl_->cls || !impl_->sep) {
      throw InputError(impl_->dir.string(), 0,
                       "the tokenizer has no pair template and no cls/sep tokens");
    }
    // transformers' slow tokenizers: BERT's segments 0 and 1, RoBERTa's all 0.
    const std::int32_t cls = *impl_->cls, sep = *impl_->sep;
    const bool bert = model_type() == "bert";
    PairEncoding out;
    auto add = [&](std::span<const std::int32_t> ids, std::int32_t type) {
      out.ids.insert(out.ids.end(), ids.begin(), ids.end());
      out.type_ids.insert(out.type_ids.end(), ids.size(), type);
    };
    add(std::span(&cls, 1), 0);
    add(x, 0);
    add(std::span(&sep, 1), 0);
    if (!bert) add(std::span(&sep, 1), 0);
    add(y, bert ? 1 : 0);
    add(std::span(&sep, 1), bert ? 1 : 0);
    return out;
  };
  const std::size_t specials = join({}, {}).ids.size();
  const auto limit = static_cast<std::size_t>(std::max<std::int64_t>(impl_->max_length, 0));
  while (a.size() + b.size() + specials > limit && (!a.empty() || !b.empty())) {
    (a.size() > b.size() ? a : b).pop_back();
  }
  return join(a, b);
}

namespace {

// Runs one padded batch through the encoder and returns its hidden states up to `last_layer`.
std::vector<torch::Tensor> run_batch(const BertModel& model,
                                     const std::vector<std::vector<std::int32_t>>& sequences,
                                     const std::vector<std::vector<std::int32_t>>& token_types,
                                     std::size_t begin, std::size_t end, std::int64_t last_layer) {
  std::size_t longest = 1;
  for (std::size_t i = begin; i < end; ++i) longest = std::max(longest, sequences[i].size());
  const auto rows = static_cast<std::int64_t>(end - begin);
  const auto cols = static_cast<std::int64_t>(longest);
  torch::Tensor ids = torch::full({rows, cols}, model.config().pad_token_id, torch::kLong);
  torch::Tensor mask = torch::zeros({rows, cols}, torch::kLong);
  auto id_acc = ids.accessor<std::int64_t, 2>();
  auto mask_acc = mask.accessor<std::int64_t, 2>();
  for (std::size_t i = begin; i < end; ++i) {
    for (std::size_t t = 0; t < sequences[i].size(); ++t) {
      id_acc[static_cast<std::int64_t>(i - begin)][static_cast<std::int64_t>(t)] = sequences[i][t];
      mask_acc[static_cast<std::int64_t>(i - begin)][static_cast<std::int64_t>(t)] = 1;
    }
  }
  torch::Tensor types;
  if (!token_types.empty()) {
    types = torch::zeros({rows, cols}, torch::kLong);
    auto type_acc = types.accessor<std::int64_t, 2>();
    for (std::size_t i = begin; i < end; ++i) {
      for (std::size_t t = 0; t < sequences[i].size(); ++t) {
        type_acc[static_cast<std::int64_t>(i - begin)][static_cast<std::int64_t>(t)] =
            token_types[i][t];
      }
    }
  }
  return model.forward(ids, mask, last_layer, types);
}

void check_token_types(const std::vector<std::vector<std::int32_t>>& sequences,
                       const std::vector<std::vector<std::int32_t>>& token_types) {
  if (token_types.empty()) return;
  if (token_types.size() != sequences.size()) {
    throw UsageError("token types for " + std::to_string(token_types.size()) +
                     " sequences, but there are " + std::to_string(sequences.size()));
  }
  for (std::size_t i = 0; i < sequences.size(); ++i) {
    if (token_types[i].size() != sequences[i].size()) {
      throw UsageError("sequence " + std::to_string(i) + " has " +
                       std::to_string(sequences[i].size()) + " tokens but " +
                       std::to_string(token_types[i].size()) + " token types");
    }
  }
}

std::vector<float> rows_of(const torch::Tensor& hidden, std::int64_t row, std::size_t length) {
  const torch::Tensor slice =
      hidden[row].slice(0, 0, static_cast<std::int64_t>(length)).contiguous();
  const float* data = slice.data_ptr<float>();
  return std::vector<float>(data, data + slice.numel());
}

}  // namespace

std::vector<std::vector<float>> TextEncoder::hidden_states(
    const std::vector<std::vector<std::int32_t>>& sequences, int layer, std::size_t batch_size,
    const std::vector<std::vector<std::int32_t>>& token_types) const {
  check_token_types(sequences, token_types);
  if (layer < 0 || layer > num_layers()) {
    throw UsageError("layer " + std::to_string(layer) + " is out of range: " + model_name() +
                     " has layers 0.." + std::to_string(num_layers()));
  }
  batch_size = std::max<std::size_t>(1, batch_size);
  torch::InferenceMode guard;
  std::vector<std::vector<float>> out(sequences.size());
  for (std::size_t begin = 0; begin < sequences.size(); begin += batch_size) {
    const std::size_t end = std::min(sequences.size(), begin + batch_size);
    const auto hidden = run_batch(impl_->model, sequences, token_types, begin, end, layer);
    for (std::size_t i = begin; i < end; ++i) {
      out[i] = rows_of(hidden[static_cast<std::size_t>(layer)],
                       static_cast<std::int64_t>(i - begin), sequences[i].size());
    }
  }
  return out;
}

std::vector<std::vector<std::vector<float>>> TextEncoder::all_hidden_states(
    const std::vector<std::vector<std::int32_t>>& sequences, std::size_t batch_size,
    const std::vector<std::vector<std::int32_t>>& token_types) const {
  check_token_types(sequences, token_types);
  batch_size = std::max<std::size_t>(1, batch_size);
  torch::InferenceMode guard;
  std::vector<std::vector<std::vector<float>>> out(sequences.size());
  for (std::size_t begin = 0; begin < sequences.size(); begin += batch_size) {
    const std::size_t end = std::min(sequences.size(), begin + batch_size);
    const auto hidden = run_batch(impl_->model, sequences, token_types, begin, end, -1);
    for (std::size_t i = begin; i < end; ++i) {
      for (const torch::Tensor& h : hidden) {
        out[i].push_back(rows_of(h, static_cast<std::int64_t>(i - begin), sequences[i].size()));
      }
    }
  }
  return out;
}

}  // namespace reasonrec::engine
