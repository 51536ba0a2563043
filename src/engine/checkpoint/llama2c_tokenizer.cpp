#include "engine/checkpoint/llama2c_tokenizer.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <numeric>
#include <unordered_map>

#include "util/error.hpp"

namespace reasonrec::engine {
namespace {

const std::string kMetaspace = "\xE2\x96\x81";  // U+2581 "▁"

std::string to_metaspace(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == ' ') {
      out += kMetaspace;
    } else {
      out += c;
    }
  }
  return out;
}

bool is_byte_piece(const std::string& text) {
  return text.size() == 6 && text.rfind("<0x", 0) == 0 && text.back() == '>';
}

}  // namespace

std::vector<Llama2cPiece> read_llama2c_tokenizer(const std::filesystem::path& path,
                                                 int vocab_size) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string(), 0, "cannot open tokenizer file");
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  std::size_t offset = 0;
  auto read = [&](void* out, std::size_t n, const char* what, int id) {
    if (bytes.size() - offset < n) {
      throw InputError(path.string(), 0,
                       "truncated at byte " + std::to_string(offset) + " reading the " + what +
                           " of token " + std::to_string(id) + " (expected " +
                           std::to_string(vocab_size) + " tokens)");
    }
    std::memcpy(out, bytes.data() + offset, n);
    offset += n;
  };
  std::int32_t max_token_length = 0;
  read(&max_token_length, 4, "header", -1);
  if (max_token_length <= 0 || max_token_length > 1024) {
    throw InputError(path.string(), 0,
                     "implausible max_token_length " + std::to_string(max_token_length) +
                         ": not a llama2.c tokenizer.bin");
  }
  std::vector<Llama2cPiece> pieces;
  pieces.reserve(static_cast<std::size_t>(vocab_size));
  for (int id = 0; id < vocab_size; ++id) {
    Llama2cPiece piece;
    std::int32_t length = 0;
    read(&piece.score, 4, "score", id);
    read(&length, 4, "length", id);
    if (length < 0 || length > max_token_length) {
      throw InputError(path.string(), 0,
                       "token " + std::to_string(id) + " has length " + std::to_string(length) +
                           " (max_token_length " + std::to_string(max_token_length) + ")");
    }
    piece.text.resize(static_cast<std::size_t>(length));
    read(piece.text.data(), static_cast<std::size_t>(length), "bytes", id);
    pieces.push_back(std::move(piece));
  }
  if (offset != bytes.size()) {
    throw InputError(path.string(), 0,
                     std::to_string(bytes.size() - offset) + " bytes left after " +
                         std::to_string(vocab_size) +
                         " tokens: the vocabulary size does not match the model");
  }
  return pieces;
}

nlohmann::json llama2c_tokenizer_json(const std::vector<Llama2cPiece>& pieces) {
  using nlohmann::json;
  const std::vector<std::string> special = {"<unk>", "<s>", "</s>"};
  std::vector<std::string> vocab_text(pieces.size());
  std::unordered_map<std::string, int> id_of;
  for (std::size_t id = 0; id < pieces.size(); ++id) {
    vocab_text[id] = id < special.size() ? special[id] : to_metaspace(pieces[id].text);
    id_of.emplace(vocab_text[id], static_cast<int>(id));  // first id wins, as in run.c's lookup
  }
  json vocab = json::object();
  for (std::size_t id = 0; id < pieces.size(); ++id) {
    if (!vocab.contains(vocab_text[id])) vocab[vocab_text[id]] = id;
  }

  // Every way a learned piece splits into two learned pieces is a merge. run.c merges the
  // pair whose result scores highest, so a merge's rank is its result's score (descending);
  // ties keep vocabulary order, and splits of one piece go left-shortest first.
  struct Merge {
    float score;
    int result;
    std::size_t left_length;
    std::string left, right;
  };
  std::vector<Merge> merges;
  for (std::size_t id = special.size(); id < pieces.size(); ++id) {
    const std::string& text = vocab_text[id];
    if (is_byte_piece(pieces[id].text)) continue;
    for (std::size_t cut = 1; cut < text.size(); ++cut) {
      std::string left = text.substr(0, cut);
      std::string right = text.substr(cut);
      auto l = id_of.find(left);
      auto r = id_of.find(right);
      if (l == id_of.end() || r == id_of.end()) continue;
      if (l->second < static_cast<int>(special.size()) ||
          r->second < static_cast<int>(special.size()) || is_byte_piece(pieces[l->second].text) ||
          is_byte_piece(pieces[r->second].text)) {
        continue;
      }
      merges.push_back({pieces[id].score, static_cast<int>(id), cut, left, right});
    }
  }
  std::stable_sort(merges.begin(), merges.end(), [](const Merge& a, const Merge& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.result != b.result) return a.result < b.result;
    return a.left_length < b.left_length;
  });
  json merge_list = json::array();
  for (const Merge& merge : merges) merge_list.push_back(merge.left + " " + merge.right);

  json added = json::array();
  for (std::size_t id = 0; id < special.size() && id < pieces.size(); ++id) {
    added.push_back({{"id", id},
                     {"content", special[id]},
                     {"single_word", false},
                     {"lstrip", false},
                     {"rstrip", false},
                     {"normalized", false},
                     {"special", true}});
  }
  json bos_template = {{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}};
  json seq_a = {{"Sequence", {{"id", "A"}, {"type_id", 0}}}};
  json seq_b = {{"Sequence", {{"id", "B"}, {"type_id", 1}}}};
  json bos_b = {{"SpecialToken", {{"id", "<s>"}, {"type_id", 1}}}};
  return json{
      {"version", "1.0"},
      {"truncation", nullptr},
      {"padding", nullptr},
      {"added_tokens", added},
      {"normalizer",
       {{"type", "Sequence"},
        {"normalizers",
         json::array(
             {{{"type", "Prepend"}, {"prepend", kMetaspace}},
              {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", kMetaspace}}})}}},
      {"pre_tokenizer", nullptr},
      {"post_processor",
       {{"type", "TemplateProcessing"},
        {"single", json::array({bos_template, seq_a})},
        {"pair", json::array({bos_template, seq_a, bos_b, seq_b})},
        {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {1}}, {"tokens", {"<s>"}}}}}}}},
      // Byte tokens back to bytes, then "▁" to spaces with the first token's leading space
      // dropped (run.c drops it after BOS).
      {"decoder",
       {{"type", "Sequence"},
        {"decoders", json::array({{{"type", "ByteFallback"}},
                                  {{"type", "Metaspace"},
                                   {"replacement", kMetaspace},
                                   {"prepend_scheme", "always"},
                                   {"split", false}}})}}},
      {"model",
       {{"type", "BPE"},
        {"dropout", nullptr},
        {"unk_token", "<unk>"},
        {"continuing_subword_prefix", nullptr},
        {"end_of_word_suffix", nullptr},
        {"fuse_unk", true},
        {"byte_fallback", true},
        {"ignore_merges", false},
        {"vocab", vocab},
        {"merges", merge_list}}}};
}

}  // namespace reasonrec::engine
