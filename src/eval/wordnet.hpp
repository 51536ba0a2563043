#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace reasonrec::eval {

// Princeton WordNet 3.0 read directly from its WNDB files (index.*, data.*, *.exc; Debian's
// wordnet-base installs them in /usr/share/wordnet), answering the questions NLTK 3.8's
// WordNetCorpusReader answers for METEOR, with NLTK's semantics: morphy with its exception
// lists and detachment rules, synsets() over all parts of speech, lemma names.
//
// Loading reads the files once (about 28 MB) and indexes every synset; lookups are then
// read-only and safe from many threads.
class WordNet {
 public:
  // NLTK's POS_LIST order.
  enum class Pos : std::uint8_t { Noun = 0, Verb = 1, Adj = 2, Adv = 3 };
  static constexpr std::array<Pos, 4> kAllPos{Pos::Noun, Pos::Verb, Pos::Adj, Pos::Adv};

  struct SynsetRef {
    Pos pos;
    std::uint32_t offset;  // byte offset of the synset's line in data.<pos>
    bool operator==(const SynsetRef&) const = default;
  };

  static constexpr const char* kDefaultDirectory = "/usr/share/wordnet";

  // Throws InputError naming the file and line of anything malformed or missing.
  static std::shared_ptr<const WordNet> load(
      const std::filesystem::path& directory = kDefaultDirectory);

  // NLTK's _morphy(form, pos): the base forms of `form` that WordNet lists for `pos`.
  std::vector<std::string> morphy(std::string_view form, Pos pos,
                                  bool check_exceptions = true) const;

  // NLTK's synsets(lemma): Python-lowercases the lemma, then for each part of speech, each
  // morphy form, each sense in index order.
  std::vector<SynsetRef> synsets(std::string_view lemma) const;

  // Synset.lemma_names(): the words of a synset as the data file spells them (case kept,
  // adjective markers such as "(a)" removed). Views into the loaded data.
  std::vector<std::string_view> lemma_names(SynsetRef synset) const;

  // The synonym set NLTK's METEOR builds for a word: the union of lemma names without '_'
  // over synsets(word), plus the word itself. Sorted, unique; views into the loaded data
  // except for `word` itself, which is returned as given.
  std::vector<std::string_view> meteor_synonyms(std::string_view word) const;

  // The same question asked the fast way round, for METEOR's inner loop: synset_ids(word)
  // are the synsets of synsets(word) as sorted internal ids, and synsets_named(name) the
  // sorted ids of the synsets that list `name` (exactly, without '_') among their lemma names.
  // `name` is in meteor_synonyms(word) exactly when name == word or the two lists intersect.
  std::vector<std::uint32_t> synset_ids(std::string_view word) const;
  const std::vector<std::uint32_t>* synsets_named(std::string_view name) const;

  std::size_t lemma_count() const { return index_.size(); }
  std::string version() const { return "3.0"; }

  WordNet(const WordNet&) = delete;
  WordNet& operator=(const WordNet&) = delete;
  ~WordNet();

 private:
  WordNet() = default;

  struct Senses {
    // Range in sense_ids_ per part of speech.
    std::array<std::uint32_t, 4> begin{};
    std::array<std::uint32_t, 4> count{};
  };
  struct Synset {
    SynsetRef ref;
    std::uint32_t names_begin;  // range in names_
    std::uint32_t names_count;
  };

  bool has(std::string_view form, Pos pos) const;
  // Appends the synset ids of synsets(lemma) (NLTK's order, duplicates kept).
  void append_synset_ids(std::string_view lemma, std::vector<std::uint32_t>& out) const;

  std::filesystem::path directory_;
  std::array<std::string, 4> index_text_;
  std::array<std::string, 4> data_text_;
  std::array<std::string, 4> exception_text_;
  std::unordered_map<std::string_view, Senses> index_;
  std::vector<std::uint32_t> sense_ids_;
  std::vector<Synset> synsets_;
  std::vector<std::string_view> names_;
  std::unordered_map<std::string_view, std::vector<std::uint32_t>> named_;
  std::array<std::unordered_map<std::string_view, std::vector<std::string_view>>, 4> exceptions_;
};

}  // namespace reasonrec::eval
