#include "eval/meteor.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unordered_map>
#include <utility>

#include "eval/nltk_word_tokenizer.hpp"
#include "eval/python_text.hpp"
#include "util/error.hpp"

namespace reasonrec::eval {
namespace {

using Match = std::pair<std::size_t, std::size_t>;  // (hypothesis index, reference index)

// Unmatched reference positions grouped by key, ascending. NLTK scans the unmatched reference
// list from its end and takes the first equal entry, i.e. the highest unmatched position with
// that key: the back of the key's stack.
using Stacks = std::unordered_map<std::string_view, std::vector<std::size_t>>;

Stacks unmatched_stacks(const std::vector<std::string>& keys, const std::vector<char>& done) {
  Stacks stacks;
  for (std::size_t j = 0; j < keys.size(); ++j) {
    if (!done[j]) stacks[keys[j]].push_back(j);
  }
  return stacks;
}

void record(std::vector<Match>& matches, std::vector<char>& h_done, std::vector<char>& r_done,
            std::size_t i, std::size_t j) {
  matches.emplace_back(i, j);
  h_done[i] = 1;
  r_done[j] = 1;
}

// NLTK's _match_enums over the unmatched positions, keyed by `h_keys` / `r_keys`.
void match_equal(const std::vector<std::string>& h_keys, const std::vector<std::string>& r_keys,
                 std::vector<char>& h_done, std::vector<char>& r_done,
                 std::vector<Match>& matches) {
  Stacks stacks = unmatched_stacks(r_keys, r_done);
  for (std::size_t i = h_keys.size(); i-- > 0;) {
    if (h_done[i]) continue;
    const auto it = stacks.find(h_keys[i]);
    if (it == stacks.end() || it->second.empty()) continue;
    const std::size_t j = it->second.back();
    it->second.pop_back();
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

std::vector<std::string> lowercase_all(const std::vector<std::string>& tokens) {
  std::vector<std::string> out;
  out.reserve(tokens.size());
  for (const auto& t : tokens) out.push_back(pytext::lower(t));
  return out;
}

std::string format_number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

}  // namespace

Meteor::Meteor(std::shared_ptr<const WordNet> wordnet, MeteorParams params)
    : wordnet_(std::move(wordnet)), params_(params) {
  if (!wordnet_) throw Error("meteor: no WordNet given");
}

MeteorAlignment Meteor::single(const std::vector<std::string>& reference,
                               const std::vector<std::string>& hypothesis) const {
  const std::vector<std::string> h = lowercase_all(hypothesis);
  const std::vector<std::string> r = lowercase_all(reference);
  std::vector<char> h_done(h.size(), 0);
  std::vector<char> r_done(r.size(), 0);
  std::vector<Match> matches;

  // 1. exact
  match_equal(h, r, h_done, r_done, matches);

  // 2. Porter stems of what is left; from here on the leftovers ARE their stems
  std::vector<std::string> h_stems(h.size());
  std::vector<std::string> r_stems(r.size());
  for (std::size_t i = 0; i < h.size(); ++i) {
    if (!h_done[i]) h_stems[i] = stemmer_.stem(h[i]);
  }
  for (std::size_t j = 0; j < r.size(); ++j) {
    if (!r_done[j]) r_stems[j] = stemmer_.stem(r[j]);
  }
  match_equal(h_stems, r_stems, h_done, r_done, matches);

  // 3. WordNet synonyms of the hypothesis stems: the reference stem must be one of them
  {
    Stacks stacks = unmatched_stacks(r_stems, r_done);
    for (std::size_t i = h.size(); i-- > 0 && !stacks.empty();) {
      if (h_done[i]) continue;
      std::vector<std::size_t>* best = nullptr;
      for (const std::string_view synonym : wordnet_->meteor_synonyms(h_stems[i])) {
        const auto it = stacks.find(synonym);
        if (it == stacks.end() || it->second.empty()) continue;
        if (best == nullptr || it->second.back() > best->back()) best = &it->second;
      }
      if (best == nullptr) continue;
      const std::size_t j = best->back();
      best->pop_back();
      record(matches, h_done, r_done, i, j);
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
  a.fmean = (a.precision * a.recall) / (alpha * a.precision + (1 - alpha) * a.recall);
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
  const std::vector<std::string> hypothesis = tokenize(candidate);
  MeteorAlignment best;
  for (std::size_t k = 0; k < references.size(); ++k) {
    const MeteorAlignment a = meteor_.single(tokenize(references[k]), hypothesis);
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
