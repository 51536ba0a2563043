#include "eval/wordnet.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <sstream>

#include "eval/python_text.hpp"
#include "util/error.hpp"

namespace reasonrec::eval {
namespace {

using Pos = WordNet::Pos;

constexpr std::array<const char*, 4> kFileSuffix{"noun", "verb", "adj", "adv"};

std::size_t pos_index(Pos pos) {
  return static_cast<std::size_t>(pos);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw InputError(path.string(), 0,
                     "cannot open WordNet file (install wordnet-base, or pass the WNDB folder)");
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return std::move(buffer).str();
}

// Python's str.split() over ASCII WordNet lines.
std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  const auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
  };
  while (i < line.size()) {
    while (i < line.size() && space(line[i])) ++i;
    const std::size_t start = i;
    while (i < line.size() && !space(line[i])) ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

template <typename F>
void for_each_line(std::string_view text, F&& f) {
  std::size_t start = 0;
  std::size_t number = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    f(text.substr(start, end - start), ++number);
    start = end + 1;
  }
}

bool parse_uint(std::string_view field, std::uint32_t& value, int base = 10) {
  const auto* first = field.data();
  const auto* last = field.data() + field.size();
  const auto [ptr, ec] = std::from_chars(first, last, value, base);
  return ec == std::errc() && ptr == last && !field.empty();
}

// NLTK strips a trailing syntactic marker from adjective lemmas: r"(.*?)(\(.*\))?$".
std::string_view strip_marker(std::string_view name) {
  if (name.size() >= 2 && name.back() == ')') {
    const std::size_t open = name.find('(');
    if (open != std::string_view::npos && open + 1 < name.size()) return name.substr(0, open);
  }
  return name;
}

}  // namespace

WordNet::~WordNet() = default;

std::shared_ptr<const WordNet> WordNet::load(const std::filesystem::path& directory) {
  std::shared_ptr<WordNet> wn(new WordNet());
  wn->directory_ = directory;
  for (const Pos pos : kAllPos) {
    const std::size_t p = pos_index(pos);
    const std::string suffix = kFileSuffix[p];
    wn->index_text_[p] = read_file(directory / ("index." + suffix));
    wn->data_text_[p] = read_file(directory / ("data." + suffix));
    wn->exception_text_[p] = read_file(directory / (suffix + ".exc"));
  }
  // Data files: "offset lex_filenum ss_type w_cnt word lex_id [word lex_id...] ...". Only the
  // words are kept; NLTK reads nothing else for METEOR. License lines start with a space.
  std::array<std::vector<std::pair<std::uint32_t, std::uint32_t>>, 4> by_offset;  // offset, id
  for (const Pos pos : kAllPos) {
    const std::size_t p = pos_index(pos);
    const std::string file = (directory / ("data." + std::string(kFileSuffix[p]))).string();
    const std::string& text = wn->data_text_[p];
    for_each_line(text, [&](std::string_view line, std::size_t number) {
      if (line.empty() || line.front() == ' ') return;
      const auto fail = [&](const std::string& why) { throw InputError(file, number, why); };
      const auto fields = split_fields(line.substr(0, line.find('|')));
      std::uint32_t offset = 0;
      std::uint32_t n_lemmas = 0;
      if (fields.size() < 4 || fields[0].size() != 8 || !parse_uint(fields[0], offset)) {
        fail("bad synset_offset");
      }
      if (offset != static_cast<std::uint32_t>(line.data() - text.data())) {
        fail("synset_offset differs from the line's byte offset");
      }
      if (!parse_uint(fields[3], n_lemmas, 16) || fields.size() < 4 + 2 * std::size_t{n_lemmas}) {
        fail("malformed synset");
      }
      const auto id = static_cast<std::uint32_t>(wn->synsets_.size());
      wn->synsets_.push_back(
          {{pos, offset}, static_cast<std::uint32_t>(wn->names_.size()), n_lemmas});
      for (std::size_t k = 0; k < n_lemmas; ++k) {
        const std::string_view name = strip_marker(fields[4 + 2 * k]);
        wn->names_.push_back(name);
        if (name.find('_') == std::string_view::npos) {
          auto& ids = wn->named_[name];
          if (ids.empty() || ids.back() != id) ids.push_back(id);
        }
      }
      by_offset[p].emplace_back(offset, id);
    });
  }
  // Index files: "lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt
  // synset_offset...".
  for (const Pos pos : kAllPos) {
    const std::size_t p = pos_index(pos);
    const std::string file = (directory / ("index." + std::string(kFileSuffix[p]))).string();
    for_each_line(wn->index_text_[p], [&](std::string_view line, std::size_t number) {
      if (line.empty() || line.front() == ' ') return;
      const auto fields = split_fields(line);
      const auto fail = [&](const std::string& why) { throw InputError(file, number, why); };
      if (fields.size() < 4) fail("truncated index entry");
      std::uint32_t n_synsets = 0;
      std::uint32_t n_pointers = 0;
      if (!parse_uint(fields[2], n_synsets) || n_synsets == 0) fail("bad synset_cnt");
      if (!parse_uint(fields[3], n_pointers)) fail("bad p_cnt");
      const std::size_t senses_at = 4 + n_pointers;
      if (fields.size() < senses_at + 2 + n_synsets) fail("truncated index entry");
      std::uint32_t n_senses = 0;
      if (!parse_uint(fields[senses_at], n_senses) || n_senses != n_synsets) {
        fail("sense_cnt differs from synset_cnt");
      }
      Senses& senses = wn->index_[fields[0]];  // a repeated lemma replaces the earlier one
      senses.begin[p] = static_cast<std::uint32_t>(wn->sense_ids_.size());
      senses.count[p] = n_synsets;
      for (std::size_t k = 0; k < n_synsets; ++k) {
        std::uint32_t offset = 0;
        if (!parse_uint(fields[senses_at + 2 + k], offset)) fail("bad synset_offset");
        const auto& table = by_offset[p];  // ascending: data lines are in file order
        const auto it =
            std::lower_bound(table.begin(), table.end(), std::make_pair(offset, std::uint32_t{0}));
        if (it == table.end() || it->first != offset) {
          fail("no synset at offset " + std::to_string(offset) + " in data." + kFileSuffix[p]);
        }
        wn->sense_ids_.push_back(it->second);
      }
    });
  }
  // Exception lists: "inflected base...". A repeated form replaces the earlier one, as in NLTK.
  for (const Pos pos : kAllPos) {
    const std::size_t p = pos_index(pos);
    for_each_line(wn->exception_text_[p], [&](std::string_view line, std::size_t) {
      auto fields = split_fields(line);
      if (fields.empty()) return;
      const std::string_view form = fields.front();
      fields.erase(fields.begin());
      wn->exceptions_[p][form] = std::move(fields);
    });
  }
  return wn;
}

bool WordNet::has(std::string_view form, Pos pos) const {
  const auto it = index_.find(form);
  return it != index_.end() && it->second.count[pos_index(pos)] > 0;
}

std::vector<std::string> WordNet::morphy(std::string_view form, Pos pos,
                                         bool check_exceptions) const {
  struct Substitution {
    std::string_view old_suffix;
    std::string_view new_suffix;
  };
  static constexpr Substitution kNoun[] = {{"s", ""},      {"ses", "s"},   {"ves", "f"},
                                           {"xes", "x"},   {"zes", "z"},   {"ches", "ch"},
                                           {"shes", "sh"}, {"men", "man"}, {"ies", "y"}};
  static constexpr Substitution kVerb[] = {{"s", ""},   {"ies", "y"}, {"es", "e"},  {"es", ""},
                                           {"ed", "e"}, {"ed", ""},   {"ing", "e"}, {"ing", ""}};
  static constexpr Substitution kAdj[] = {{"er", ""}, {"est", ""}, {"er", "e"}, {"est", "e"}};
  const Substitution* rules = nullptr;
  std::size_t rule_count = 0;
  switch (pos) {
    case Pos::Noun:
      rules = kNoun;
      rule_count = std::size(kNoun);
      break;
    case Pos::Verb:
      rules = kVerb;
      rule_count = std::size(kVerb);
      break;
    case Pos::Adj:
      rules = kAdj;
      rule_count = std::size(kAdj);
      break;
    case Pos::Adv:
      break;
  }

  const auto filter = [&](const std::vector<std::string>& forms) {
    std::vector<std::string> result;
    for (const auto& f : forms) {
      if (has(f, pos) && std::find(result.begin(), result.end(), f) == result.end()) {
        result.push_back(f);
      }
    }
    return result;
  };
  const auto apply_rules = [&](const std::vector<std::string>& forms) {
    std::vector<std::string> out;
    for (const auto& f : forms) {
      for (std::size_t r = 0; r < rule_count; ++r) {
        const auto& rule = rules[r];
        if (std::string_view(f).ends_with(rule.old_suffix)) {
          std::string next = f.substr(0, f.size() - rule.old_suffix.size());
          next += rule.new_suffix;
          out.push_back(std::move(next));
        }
      }
    }
    // Later copies of a form change neither which round finds it nor the order of the
    // results (first occurrences), so drop them to stay small.
    std::vector<std::string> unique;
    for (auto& f : out) {
      if (std::find(unique.begin(), unique.end(), f) == unique.end())
        unique.push_back(std::move(f));
    }
    return unique;
  };

  if (check_exceptions) {
    const auto& exceptions = exceptions_[pos_index(pos)];
    if (const auto it = exceptions.find(form); it != exceptions.end()) {
      std::vector<std::string> candidates{std::string(form)};
      for (const auto base : it->second) candidates.emplace_back(base);
      return filter(candidates);
    }
  }
  std::vector<std::string> forms = apply_rules({std::string(form)});
  std::vector<std::string> first{std::string(form)};
  first.insert(first.end(), forms.begin(), forms.end());
  std::vector<std::string> results = filter(first);
  if (!results.empty()) return results;
  while (!forms.empty()) {
    forms = apply_rules(forms);
    results = filter(forms);
    if (!results.empty()) return results;
  }
  return {};
}

void WordNet::append_synset_ids(std::string_view lemma, std::vector<std::uint32_t>& out) const {
  const std::string lowered = pytext::lower(lemma);
  for (const Pos pos : kAllPos) {
    const std::size_t p = pos_index(pos);
    for (const auto& form : morphy(lowered, pos)) {
      const Senses& senses = index_.find(form)->second;
      out.insert(out.end(), sense_ids_.begin() + senses.begin[p],
                 sense_ids_.begin() + senses.begin[p] + senses.count[p]);
    }
  }
}

std::vector<WordNet::SynsetRef> WordNet::synsets(std::string_view lemma) const {
  std::vector<std::uint32_t> ids;
  append_synset_ids(lemma, ids);
  std::vector<SynsetRef> out;
  out.reserve(ids.size());
  for (const std::uint32_t id : ids) out.push_back(synsets_[id].ref);
  return out;
}

std::vector<std::uint32_t> WordNet::synset_ids(std::string_view word) const {
  std::vector<std::uint32_t> ids;
  append_synset_ids(word, ids);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

const std::vector<std::uint32_t>* WordNet::synsets_named(std::string_view name) const {
  const auto it = named_.find(name);
  return it == named_.end() ? nullptr : &it->second;
}

std::vector<std::string_view> WordNet::lemma_names(SynsetRef synset) const {
  const auto p = pos_index(synset.pos);
  // Synsets are stored in file order, so each part of speech is an ascending run of offsets.
  const auto it = std::lower_bound(synsets_.begin(), synsets_.end(), synset,
                                   [](const Synset& s, const SynsetRef& ref) {
                                     const auto sp = pos_index(s.ref.pos);
                                     const auto rp = pos_index(ref.pos);
                                     return sp != rp ? sp < rp : s.ref.offset < ref.offset;
                                   });
  if (it == synsets_.end() || !(it->ref == synset)) {
    throw InputError((directory_ / ("data." + std::string(kFileSuffix[p]))).string(), 0,
                     "no synset at offset " + std::to_string(synset.offset));
  }
  return {names_.begin() + it->names_begin, names_.begin() + it->names_begin + it->names_count};
}

std::vector<std::string_view> WordNet::meteor_synonyms(std::string_view word) const {
  std::vector<std::string_view> out;
  for (const std::uint32_t id : synset_ids(word)) {
    const Synset& s = synsets_[id];
    for (std::uint32_t k = 0; k < s.names_count; ++k) {
      const std::string_view name = names_[s.names_begin + k];
      if (name.find('_') == std::string_view::npos) out.push_back(name);
    }
  }
  out.push_back(word);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace reasonrec::eval
