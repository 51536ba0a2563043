#include "eval/meteor.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "eval/nltk_word_tokenizer.hpp"
#include "eval/python_text.hpp"
#include "util/error.hpp"

namespace reasonrec::eval {
namespace {

using Match = std::pair<std::size_t, std::size_t>;  // (hypothesis index, reference index)

void record(std::vector<Match>& matches, std::vector<char>& h_done, std::vector<char>& r_done,
            std::size_t i, std::size_t j) {
  matches.emplace_back(i, j);
  h_done[i] = 1;
  r_done[j] = 1;
}

// NLTK's _match_enums over the unmatched positions, keyed by `h_keys` / `r_keys`: hypothesis
// positions from last to first, each taking the LAST unmatched reference position with an
// equal key. The unmatched reference positions sorted by (key, position) form one run per
// key; taking from the end of a run is taking the highest position. Keys are ordered by
// their hash first, so that nearly every comparison is an integer comparison.
template <typename Key>
void match_equal(const std::vector<Key>& h_keys, const std::vector<std::uint64_t>& h_hashes,
                 const std::vector<Key>& r_keys, const std::vector<std::uint64_t>& r_hashes,
                 std::vector<char>& h_done, std::vector<char>& r_done,
                 std::vector<Match>& matches) {
  struct Entry {
    std::uint64_t hash;
    std::string_view key;
    std::size_t position;
  };
  const auto less = [](const Entry& a, const Entry& b) {
    if (a.hash != b.hash) return a.hash < b.hash;
    if (a.key != b.key) return a.key < b.key;
    return a.position < b.position;
  };
  std::vector<Entry> refs;
  refs.reserve(r_keys.size());
  for (std::size_t j = 0; j < r_keys.size(); ++j) {
    if (!r_done[j]) refs.push_back({r_hashes[j], r_keys[j], j});
  }
  if (refs.empty()) return;
  std::sort(refs.begin(), refs.end(), less);
  // remaining[k]: for the run starting at k, how many of its entries are still unmatched.
  std::vector<std::size_t> remaining(refs.size(), 0);
  for (std::size_t k = 0; k < refs.size();) {
    std::size_t end = k + 1;
    while (end < refs.size() && refs[end].hash == refs[k].hash && refs[end].key == refs[k].key) {
      ++end;
    }
    remaining[k] = end - k;
    k = end;
  }
  for (std::size_t i = h_keys.size(); i-- > 0;) {
    if (h_done[i]) continue;
    const Entry probe{h_hashes[i], h_keys[i], 0};
    const auto it = std::lower_bound(refs.begin(), refs.end(), probe, less);
    if (it == refs.end() || it->hash != probe.hash || it->key != probe.key) continue;
    const auto run = static_cast<std::size_t>(it - refs.begin());
    if (remaining[run] == 0) continue;
    const std::size_t j = refs[run + --remaining[run]].position;
    record(matches, h_done, r_done, i, j);
  }
}

// NLTK's _count_chunks over matches sorted by hypothesis position.
std::size_t count_chunks(const std::vector<Match>& matches) {
  std::size_t chunks = 1;
  for (std::size_t k = 0; k + 1 < matches.size(); ++k) {
    const bool adjacent = matches[k + 1].first == matches[k].first + 1 &&
                          matches[k + 1].second == matches[k].second + 1;
    if (!adjacent) ++chunks;
  }
  return chunks;
}

std::string format_number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

}  // namespace

struct MeteorWordInfo {
  std::uint64_t hash = 0;  // of `word`
  std::string word;        // the lowercased token (the memo's key)
  std::string stem;
  std::uint64_t stem_hash = 0;
  std::vector<std::uint32_t> stem_synsets;       // WordNet::synset_ids(stem)
  const std::vector<std::uint32_t>* stem_named;  // WordNet::synsets_named(stem)
};

class Meteor::WordCache {
 public:
  using Overflow = std::vector<std::unique_ptr<MeteorWordInfo>>;

  explicit WordCache(std::size_t capacity) : per_shard_((capacity + kShards - 1) / kShards) {
    std::size_t slots = 1;
    while (slots < 2 * per_shard_) slots *= 2;  // at most half full: short probes
    for (Shard& shard : shards_) {
      if (per_shard_ == 0) break;
      shard.slots = std::make_unique<std::atomic<const MeteorWordInfo*>[]>(slots);
      shard.mask = slots - 1;
    }
  }

  // The memo entry for `word`; when the memo is full, a fresh one kept in `overflow`. Entries
  // are never removed or moved, so readers need no lock and the pointer stays valid as long as
  // the memo (or `overflow`).
  const MeteorWordInfo* get(const std::string& word, std::uint64_t hash, const WordNet& wordnet,
                            Overflow& overflow) {
    Shard& shard = shards_[hash % kShards];
    if (const MeteorWordInfo* found = shard.find(hash, word)) return found;
    auto info = std::make_unique<MeteorWordInfo>();
    info->hash = hash;
    info->word = word;
    info->stem = stemmer_.stem(word);
    info->stem_hash = std::hash<std::string_view>{}(info->stem);
    info->stem_synsets = wordnet.synset_ids(info->stem);
    info->stem_named = wordnet.synsets_named(info->stem);
    const std::lock_guard<std::mutex> lock(shard.mutex);
    if (const MeteorWordInfo* found = shard.find(hash, word)) return found;  // a racing thread
    if (shard.owned.size() >= per_shard_) {  // bounded memory on endless vocabularies
      overflow.push_back(std::move(info));
      return overflow.back().get();
    }
    std::size_t k = (hash >> 6) & shard.mask;
    while (shard.slots[k].load(std::memory_order_relaxed) != nullptr) k = (k + 1) & shard.mask;
    const MeteorWordInfo* entry = info.get();
    shard.owned.push_back(std::move(info));
    shard.slots[k].store(entry, std::memory_order_release);  // publish after construction
    return entry;
  }

 private:
  static constexpr std::size_t kShards = 64;

  // A fixed open-addressing table per shard (linear probing over entry pointers): lookups
  // are lock-free; insertions take the shard's mutex and publish with a release store.
  struct Shard {
    std::mutex mutex;
    std::unique_ptr<std::atomic<const MeteorWordInfo*>[]> slots;
    std::size_t mask = 0;
    std::vector<std::unique_ptr<const MeteorWordInfo>> owned;  // guarded by mutex

    const MeteorWordInfo* find(std::uint64_t hash, std::string_view word) const {
      if (!slots) return nullptr;
      for (std::size_t k = (hash >> 6) & mask;; k = (k + 1) & mask) {
        const MeteorWordInfo* entry = slots[k].load(std::memory_order_acquire);
        if (entry == nullptr) return nullptr;
        if (entry->hash == hash && entry->word == word) return entry;
      }
    }
  };

  std::size_t per_shard_;
  PorterStemmer stemmer_;
  std::array<Shard, kShards> shards_;
};

Meteor::Meteor(std::shared_ptr<const WordNet> wordnet, MeteorParams params, std::size_t cache_words)
    : wordnet_(std::move(wordnet)),
      params_(params),
      cache_(std::make_shared<WordCache>(cache_words)) {
  if (!wordnet_) throw Error("meteor: no WordNet given");
}

void Meteor::lowercase_tokens(std::vector<std::string>& tokens) {
  for (std::string& t : tokens) {
    bool ascii = true;
    for (char& c : t) {
      if (static_cast<unsigned char>(c) >= 0x80) {
        ascii = false;
        break;
      }
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    if (!ascii) t = pytext::lower(t);  // lowering the ASCII prefix first changes nothing
  }
}

MeteorAlignment Meteor::single(const std::vector<std::string>& reference,
                               const std::vector<std::string>& hypothesis) const {
  std::vector<std::string> h = hypothesis;
  std::vector<std::string> r = reference;
  lowercase_tokens(h);
  lowercase_tokens(r);
  return single_lowercased(r, h);
}

MeteorAlignment Meteor::single_lowercased(const std::vector<std::string>& r,
                                          const std::vector<std::string>& h) const {
  std::vector<char> h_done(h.size(), 0);
  std::vector<char> r_done(r.size(), 0);
  std::vector<Match> matches;

  // 1. exact
  const std::hash<std::string_view> hasher;
  std::vector<std::uint64_t> h_hashes(h.size());
  std::vector<std::uint64_t> r_hashes(r.size());
  for (std::size_t i = 0; i < h.size(); ++i) h_hashes[i] = hasher(h[i]);
  for (std::size_t j = 0; j < r.size(); ++j) r_hashes[j] = hasher(r[j]);
  match_equal(h, h_hashes, r, r_hashes, h_done, r_done, matches);

  // 2. Porter stems of what is left; from here on the leftovers ARE their stems
  std::vector<const MeteorWordInfo*> h_info(h.size(), nullptr);
  std::vector<const MeteorWordInfo*> r_info(r.size(), nullptr);
  WordCache::Overflow overflow;  // only used once the memo is full
  std::vector<std::string_view> h_stems(h.size());
  std::vector<std::string_view> r_stems(r.size());
  for (std::size_t i = 0; i < h.size(); ++i) {
    if (h_done[i]) continue;
    h_info[i] = cache_->get(h[i], h_hashes[i], *wordnet_, overflow);
    h_stems[i] = h_info[i]->stem;
    h_hashes[i] = h_info[i]->stem_hash;
  }
  for (std::size_t j = 0; j < r.size(); ++j) {
    if (r_done[j]) continue;
    r_info[j] = cache_->get(r[j], r_hashes[j], *wordnet_, overflow);
    r_stems[j] = r_info[j]->stem;
    r_hashes[j] = r_info[j]->stem_hash;
  }
  match_equal(h_stems, h_hashes, r_stems, r_hashes, h_done, r_done, matches);

  // 3. WordNet synonyms of the hypothesis stems: the reference stem must be one of them.
  // A reference stem r is among the lemma names of the synsets of h exactly when the synsets
  // listing r meet synsets(h) (r == h cannot happen here: stage 2 matched equal stems). So
  // only reference stems that WordNet lists as a lemma name can match, and when none is left
  // no hypothesis word needs its synsets at all.
  {
    // (synset, reference position) for every synset that lists an unmatched reference stem,
    // sorted: one run of ascending positions per synset. top[k] is the end of the run that
    // starts at k; matched positions are dropped lazily from the end.
    // 4096-bit filters over synset ids: `wanted` of the unmatched hypothesis stems' synsets
    // (only those can ever be looked up), `present` of what ends up in `listed`.
    using Filter = std::array<std::uint64_t, 64>;
    const auto set_bit = [](Filter& f, std::uint32_t id) {
      f[(id >> 6) & 63] |= 1ULL << (id & 63);
    };
    const auto has_bit = [](const Filter& f, std::uint32_t id) {
      return ((f[(id >> 6) & 63] >> (id & 63)) & 1U) != 0;
    };
    Filter wanted{};
    for (std::size_t i = 0; i < h.size(); ++i) {
      if (h_done[i]) continue;
      for (const std::uint32_t id : h_info[i]->stem_synsets) set_bit(wanted, id);
    }
    std::vector<std::pair<std::uint32_t, std::size_t>> listed;
    listed.reserve(2 * r.size());
    for (std::size_t j = 0; j < r.size(); ++j) {
      if (r_done[j] || r_info[j]->stem_named == nullptr) continue;
      for (const std::uint32_t id : *r_info[j]->stem_named) {
        if (has_bit(wanted, id)) listed.emplace_back(id, j);
      }
    }
    std::sort(listed.begin(), listed.end());
    Filter present{};
    for (const auto& entry : listed) set_bit(present, entry.first);
    std::vector<std::size_t> top(listed.size(), 0);
    for (std::size_t k = 0; k < listed.size();) {
      std::size_t end = k + 1;
      while (end < listed.size() && listed[end].first == listed[k].first) ++end;
      top[k] = end;
      k = end;
    }
    for (std::size_t i = h.size(); i-- > 0 && !listed.empty();) {
      if (h_done[i]) continue;
      std::size_t best = r.size();  // none
      for (const std::uint32_t id : h_info[i]->stem_synsets) {
        if (!has_bit(present, id)) continue;
        const auto it =
            std::lower_bound(listed.begin(), listed.end(), std::make_pair(id, std::size_t{0}));
        if (it == listed.end() || it->first != id) continue;
        const auto run = static_cast<std::size_t>(it - listed.begin());
        std::size_t& end = top[run];
        while (end > run && r_done[listed[end - 1].second]) --end;
        if (end > run && (best == r.size() || listed[end - 1].second > best)) {
          best = listed[end - 1].second;
        }
      }
      if (best != r.size()) record(matches, h_done, r_done, i, best);
    }
  }

  std::sort(matches.begin(), matches.end());
  MeteorAlignment a;
  a.hypothesis_length = h.size();
  a.reference_length = r.size();
  a.matches = matches.size();
  // NLTK returns 0 on any ZeroDivisionError: empty hypothesis, empty reference, no match.
  if (h.empty() || r.empty()) return a;
  const double m = static_cast<double>(matches.size());
  a.precision = m / static_cast<double>(h.size());
  a.recall = m / static_cast<double>(r.size());
  if (matches.empty()) return a;
  const double alpha = params_.alpha;
  const double denominator = alpha * a.precision + (1 - alpha) * a.recall;
  if (denominator == 0.0) return a;  // NLTK: ZeroDivisionError -> 0 (only with odd alphas)
  a.fmean = (a.precision * a.recall) / denominator;
  a.chunks = count_chunks(matches);
  const double fragmentation = static_cast<double>(a.chunks) / m;
  a.penalty = params_.gamma * std::pow(fragmentation, params_.beta);
  a.score = (1 - a.penalty) * a.fmean;
  return a;
}

double Meteor::score(const std::vector<std::vector<std::string>>& references,
                     const std::vector<std::string>& hypothesis) const {
  if (references.empty()) throw Error("meteor: at least one reference is needed");
  double best = 0.0;
  for (std::size_t k = 0; k < references.size(); ++k) {
    const double s = single(references[k], hypothesis).score;
    if (k == 0 || s > best) best = s;
  }
  return best;
}

MeteorMetric::MeteorMetric(std::shared_ptr<const WordNet> wordnet, MeteorTokenizer tokenizer,
                           MeteorParams params)
    : meteor_(std::move(wordnet), params), tokenizer_(tokenizer) {}

std::string MeteorMetric::signature() const {
  const MeteorParams& p = meteor_.params();
  return std::string("tok:") +
         (tokenizer_ == MeteorTokenizer::NltkWordTokenize ? "nltk_word_tokenize_preserve_line"
                                                          : "lower_split") +
         "|case:lc|stem:porter_nltk_extensions|syn:wordnet-3.0|alpha:" + format_number(p.alpha) +
         "|beta:" + format_number(p.beta) + "|gamma:" + format_number(p.gamma) +
         "|multiref:max|version:nltk-3.8";
}

std::vector<std::string> MeteorMetric::tokenize(std::string_view text) const {
  if (tokenizer_ == MeteorTokenizer::NltkWordTokenize) return nltk_word_tokenize(text);
  std::vector<std::string> tokens;
  const std::string lowered = pytext::lower(text);
  for (const std::string_view piece : pytext::split(lowered)) tokens.emplace_back(piece);
  return tokens;
}

TextScore MeteorMetric::sentence(std::string_view candidate,
                                 const std::vector<std::string>& references) const {
  if (references.empty()) throw Error("meteor: at least one reference is needed");
  std::vector<std::string> hypothesis = tokenize(candidate);
  Meteor::lowercase_tokens(hypothesis);
  MeteorAlignment best;
  for (std::size_t k = 0; k < references.size(); ++k) {
    std::vector<std::string> reference = tokenize(references[k]);
    Meteor::lowercase_tokens(reference);
    const MeteorAlignment a = meteor_.single_lowercased(reference, hypothesis);
    if (k == 0 || a.score > best.score) best = a;
  }
  TextScore out;
  out.score = best.score;
  out.parts = {{"precision", best.precision},
               {"recall", best.recall},
               {"fmean", best.fmean},
               {"penalty", best.penalty}};
  return out;
}

std::unique_ptr<TextMetric> make_meteor(const MetricOptions& options) {
  const std::string tokenize = options.get_string("tokenize", "nltk");
  MeteorTokenizer tokenizer = MeteorTokenizer::NltkWordTokenize;
  if (tokenize == "split") {
    tokenizer = MeteorTokenizer::Whitespace;
  } else if (tokenize != "nltk") {
    throw UsageError("meteor: tokenize=" + tokenize + ": expected nltk or split");
  }
  MeteorParams params;
  params.alpha = options.get_double("alpha", params.alpha);
  params.beta = options.get_double("beta", params.beta);
  params.gamma = options.get_double("gamma", params.gamma);
  const std::string directory = options.get_string("wordnet", WordNet::kDefaultDirectory);
  return std::make_unique<MeteorMetric>(WordNet::load(directory), tokenizer, params);
}

}  // namespace reasonrec::eval
