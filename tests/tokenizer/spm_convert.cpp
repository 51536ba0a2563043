#include "spm_convert.hpp"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <fstream>
#include <map>
#include <stdexcept>

#include "engine/tokenizer/base64.hpp"
#include "reference.hpp"

namespace reasonrec::test {

namespace {

const std::string kSpace = "\xE2\x96\x81";

std::string base64(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(v >> shift) & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::unique_ptr<sentencepiece::SentencePieceProcessor> load(const std::filesystem::path& model) {
  auto sp = std::make_unique<sentencepiece::SentencePieceProcessor>();
  if (!sp->Load(model.string()).ok()) throw std::runtime_error("cannot load " + model.string());
  return sp;
}

nlohmann::json added_control_tokens(const sentencepiece::SentencePieceProcessor& sp) {
  nlohmann::json added = nlohmann::json::array();
  for (int id = 0; id < sp.GetPieceSize(); ++id) {
    if (!sp.IsControl(id) && !sp.IsUnknown(id)) continue;
    added.push_back({{"id", id},
                     {"content", sp.IdToPiece(id)},
                     {"single_word", false},
                     {"lstrip", false},
                     {"rstrip", false},
                     {"normalized", false},
                     {"special", true}});
  }
  return added;
}

nlohmann::json template_with(const std::string& token, int id, bool before) {
  nlohmann::json single = nlohmann::json::array();
  const nlohmann::json special = {{"SpecialToken", {{"id", token}, {"type_id", 0}}}};
  const nlohmann::json sequence = {{"Sequence", {{"id", "A"}, {"type_id", 0}}}};
  if (before)
    single = {special, sequence};
  else
    single = {sequence, special};
  return {{"type", "TemplateProcessing"},
          {"single", single},
          {"pair", nlohmann::json::array()},
          {"special_tokens", {{token, {{"id", token}, {"ids", {id}}, {"tokens", {token}}}}}}};
}

}  // namespace

std::filesystem::path train_sentencepiece(const std::filesystem::path& dir,
                                          const std::vector<std::string>& texts,
                                          const std::string& model_type, int vocab_size,
                                          const std::string& extra_flags) {
  const auto input = dir / "train.txt";
  {
    std::ofstream out(input, std::ios::binary);
    for (const auto& text : texts) {
      std::string line = text;
      for (char& c : line) {
        if (c == '\n' || c == '\r') c = ' ';
      }
      out << line << '\n';
    }
  }
  const auto prefix = dir / model_type;
  const auto status = sentencepiece::SentencePieceTrainer::Train(
      "--input=" + input.string() + " --model_prefix=" + prefix.string() +
      " --model_type=" + model_type + " --vocab_size=" + std::to_string(vocab_size) +
      " --num_threads=1 --minloglevel=2 --seed_sentencepiece_size=20000 " + extra_flags);
  if (!status.ok()) throw std::runtime_error("sentencepiece training failed: " + status.ToString());
  return prefix.string() + ".model";
}

std::string precompiled_charsmap(const std::string& model) {
  // Walks the protobuf wire format: ModelProto field 3 is NormalizerSpec, whose field 2 is
  // precompiled_charsmap.
  const auto varint = [](const std::string& s, std::size_t& pos) {
    std::uint64_t value = 0;
    for (int shift = 0; pos < s.size(); shift += 7) {
      const auto byte = static_cast<unsigned char>(s[pos++]);
      value |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) break;
    }
    return value;
  };
  const auto find_field = [&](const std::string& message, std::uint64_t wanted) -> std::string {
    for (std::size_t pos = 0; pos < message.size();) {
      const std::uint64_t key = varint(message, pos);
      const auto wire = key & 7;
      if (wire == 0) {
        varint(message, pos);
      } else if (wire == 1) {
        pos += 8;
      } else if (wire == 5) {
        pos += 4;
      } else if (wire == 2) {
        const auto length = varint(message, pos);
        if ((key >> 3) == wanted) return message.substr(pos, length);
        pos += length;
      } else {
        throw std::runtime_error("unexpected protobuf wire type");
      }
    }
    return {};
  };
  return find_field(find_field(model, 3), 2);
}

nlohmann::json unigram_tokenizer_json(const std::filesystem::path& model, bool byte_fallback) {
  const auto loaded = load(model);
  const auto& sp = *loaded;
  nlohmann::json vocab = nlohmann::json::array();
  for (int id = 0; id < sp.GetPieceSize(); ++id)
    vocab.push_back({sp.IdToPiece(id), sp.GetScore(id)});
  const std::string charsmap = precompiled_charsmap(read_file(model));
  const nlohmann::json metaspace = {{"type", "Metaspace"},
                                    {"replacement", kSpace},
                                    {"prepend_scheme", "always"},
                                    {"split", true}};
  return {{"version", "1.0"},
          {"added_tokens", added_control_tokens(sp)},
          {"normalizer",
           {{"type", "Sequence"},
            {"normalizers",
             {{{"type", "Precompiled"}, {"precompiled_charsmap", base64(charsmap)}},
              {{"type", "Replace"}, {"pattern", {{"Regex", " {2,}"}}}, {"content", " "}}}}}},
          {"pre_tokenizer", metaspace},
          {"post_processor", template_with("</s>", sp.eos_id(), false)},
          {"decoder", metaspace},
          {"model",
           {{"type", "Unigram"},
            {"unk_id", sp.unk_id()},
            {"vocab", vocab},
            {"byte_fallback", byte_fallback}}}};
}

nlohmann::json bpe_tokenizer_json(const std::filesystem::path& model) {
  const auto loaded = load(model);
  const auto& sp = *loaded;
  nlohmann::json vocab = nlohmann::json::object();
  std::map<std::string, int> ids;
  for (int id = 0; id < sp.GetPieceSize(); ++id) {
    vocab[sp.IdToPiece(id)] = id;
    ids[sp.IdToPiece(id)] = id;
  }
  // HF's SentencePieceExtractor: every split of a piece into two known pieces is a merge,
  // ranked by the merged piece's score (ids ascend as BPE scores descend).
  nlohmann::json merges = nlohmann::json::array();
  for (int id = 0; id < sp.GetPieceSize(); ++id) {
    if (!sp.IsUnused(id) && (sp.IsControl(id) || sp.IsUnknown(id) || sp.IsByte(id))) continue;
    const std::string piece = sp.IdToPiece(id);
    std::vector<std::tuple<int, int, std::string, std::string>> local;
    for (std::size_t cut = 1; cut < piece.size(); ++cut) {
      if ((static_cast<unsigned char>(piece[cut]) & 0xC0) == 0x80) continue;
      const auto left = ids.find(piece.substr(0, cut));
      const auto right = ids.find(piece.substr(cut));
      if (left != ids.end() && right != ids.end())
        local.emplace_back(left->second, right->second, left->first, right->first);
    }
    std::sort(local.begin(), local.end());
    for (const auto& [l, r, left, right] : local) merges.push_back({left, right});
  }
  return {{"version", "1.0"},
          {"added_tokens", added_control_tokens(sp)},
          {"normalizer",
           {{"type", "Sequence"},
            {"normalizers",
             {{{"type", "Prepend"}, {"prepend", kSpace}},
              {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", kSpace}}}}}},
          {"pre_tokenizer", nullptr},
          {"post_processor", template_with("<s>", sp.bos_id(), true)},
          {"decoder",
           {{"type", "Sequence"},
            {"decoders",
             {{{"type", "Replace"}, {"pattern", {{"String", kSpace}}}, {"content", " "}},
              {{"type", "ByteFallback"}},
              {{"type", "Fuse"}},
              {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}}},
          {"model",
           {{"type", "BPE"},
            {"dropout", nullptr},
            {"unk_token", sp.IdToPiece(sp.unk_id())},
            {"continuing_subword_prefix", nullptr},
            {"end_of_word_suffix", nullptr},
            {"fuse_unk", true},
            {"byte_fallback", true},
            {"ignore_merges", false},
            {"vocab", vocab},
            {"merges", merges}}}};
}

}  // namespace reasonrec::test
