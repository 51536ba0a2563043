#include <nlohmann/json.hpp>

#include "engine/tokenizer/json_fields.hpp"
#include "engine/tokenizer/model.hpp"
#include "util/utf8.hpp"

namespace reasonrec::engine {

namespace {

namespace jf = json_fields;

// BERT's greedy longest-match-first WordPiece; a word with any unmatched rest is one unk.
class WordPieceModel final : public Model {
 public:
  explicit WordPieceModel(const nlohmann::json& config) {
    const auto& vocab = jf::require(config, "vocab");
    if (!vocab.is_object()) throw Error("WordPiece 'vocab' must be an object of token: id");
    for (const auto& [token, id] : vocab.items()) {
      if (!id.is_number_integer())
        throw Error("WordPiece vocab entry '" + token + "' has no integer id");
      vocab_.add(token, id.get<std::int32_t>());
    }
    const std::string unk = jf::string_or(config, "unk_token", "[UNK]");
    unk_id_ = vocab_.find(unk);
    prefix_ = jf::string_or(config, "continuing_subword_prefix", "##");
    max_chars_ = static_cast<std::size_t>(
        std::max<long long>(0, jf::int_or(config, "max_input_chars_per_word", 100)));
  }

  void tokenize(std::string_view word, std::vector<std::int32_t>& out) const override {
    if (word.empty()) return;
    if (utf8::length(word) > max_chars_) {
      if (unk_id_) out.push_back(*unk_id_);
      return;
    }
    std::vector<std::int32_t> pieces;
    std::string candidate;
    for (std::size_t start = 0; start < word.size();) {
      std::size_t end = word.size();
      std::optional<std::int32_t> found;
      while (start < end) {
        candidate.assign(start > 0 ? prefix_ : std::string());
        candidate.append(word.substr(start, end - start));
        if ((found = vocab_.find(candidate))) break;
        do {
          --end;
        } while (end > start && (static_cast<unsigned char>(word[end]) & 0xC0u) == 0x80u);
      }
      if (!found) {
        if (unk_id_) out.push_back(*unk_id_);
        return;
      }
      pieces.push_back(*found);
      start = end;
    }
    out.insert(out.end(), pieces.begin(), pieces.end());
  }

  const Vocab& vocab() const override { return vocab_; }

 private:
  Vocab vocab_;
  std::optional<std::int32_t> unk_id_;
  std::string prefix_;
  std::size_t max_chars_ = 100;
};

}  // namespace

std::unique_ptr<Model> make_wordpiece_model(const nlohmann::json& config) {
  return std::make_unique<WordPieceModel>(config);
}

}  // namespace reasonrec::engine
