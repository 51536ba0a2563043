#include <filesystem>

#include "engine/tokenizer/json_tokenizer.hpp"
#include "engine/tokenizer/sentencepiece_tokenizer.hpp"
#include "engine/tokenizer/special_tokens.hpp"
#include "engine/tokenizer/tokenizer.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {

std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& model_dir) {
  const SpecialTokenConfig special = read_special_token_config(model_dir);
  if (std::filesystem::exists(model_dir / "tokenizer.json")) {
    return JsonTokenizer::from_file(model_dir / "tokenizer.json", special);
  }
  for (const char* name : {"tokenizer.model", "spiece.model"}) {
    if (std::filesystem::exists(model_dir / name)) {
      return SentencePieceTokenizer::from_file(model_dir / name, special);
    }
  }
  throw InputError(model_dir.string(), 0,
                   "no tokenizer.json, tokenizer.model or spiece.model in the model directory");
}

}  // namespace reasonrec::engine
