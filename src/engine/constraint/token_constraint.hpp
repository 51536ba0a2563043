#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/constraint/byte_dfa.hpp"

namespace reasonrec::engine {

// What each token of a vocabulary spells, as a byte trie, so that the tokens allowed in an
// automaton state are found in one pruned walk instead of one walk per token.
class TokenTrie {
 public:
  // token_bytes[id]: the bytes token `id` adds to the text (Tokenizer::token_bytes). Empty
  // entries (special tokens) are never allowed by a constraint, except the end tokens.
  explicit TokenTrie(const std::vector<std::string>& token_bytes);

  struct Node {
    std::vector<std::pair<unsigned char, std::int32_t>> children;  // sorted by byte
    std::vector<std::int32_t> tokens;                              // ending here
  };
  const Node& node(std::int32_t index) const { return nodes_[static_cast<std::size_t>(index)]; }
  const std::string& bytes(std::int32_t token) const {
    return token_bytes_[static_cast<std::size_t>(token)];
  }
  std::size_t vocab_size() const { return token_bytes_.size(); }

 private:
  std::vector<Node> nodes_;
  std::vector<std::string> token_bytes_;
};

// A regex over the output text, enforced token by token (docs/constraints.md). The state of
// one generation is an int; the constraint itself is immutable but for its cache of allowed
// tokens per state, which is guarded, so one constraint serves concurrent generations.
class TokenConstraint {
 public:
  static constexpr int kRejected = -1;
  static constexpr int kFinished = -2;  // an end token was taken in an accepting state

  // Throws UsageError for a bad regex, ConstraintLimitError (a UsageError) past a limit and
  // ConstraintCancelled when limits.cancelled says so.
  TokenConstraint(std::string_view regex, std::shared_ptr<const TokenTrie> vocabulary,
                  std::vector<std::int32_t> end_tokens, const CompileLimits& limits = {});

  int start() const { return dfa_.start(); }
  // The state after `token`, kRejected if the token is not allowed, kFinished after an end
  // token once the text is complete.
  int advance(int state, std::int32_t token) const;
  // The tokens that keep the text a prefix of a match (plus the end tokens once it is one)
  // and still leave a way to finish within `tokens_left` tokens, this one included; so an
  // output cut by max_tokens still matches. Without a limit: every such token.
  std::span<const std::int32_t> allowed(int state, int tokens_left = kNoLimit) const;
  // Tokens the shortest way to finish needs from here (an upper bound when the vocabulary has
  // a token for every byte). A budget below this for the whole output cannot be met.
  int cost_to_finish(int state) const { return dfa_.cost_to_finish(state); }
  bool accepting(int state) const { return dfa_.accepting(state); }
  // Nothing can follow: stop now.
  bool complete(int state) const { return dfa_.final(state); }
  // What the constraint holds in memory (an estimate): the automaton plus the tokens allowed
  // in each state visited so far, which grow as generations reach new states. The vocabulary
  // is shared and not counted.
  std::size_t memory_bytes() const;

  static constexpr int kNoLimit = 1 << 30;

 private:
  // The allowed tokens sorted by the cost to finish after them, so that the tokens within a
  // budget are a prefix; costs[i] belongs to tokens[i].
  struct Masks {
    std::vector<std::int32_t> tokens;
    std::vector<int> costs;
  };
  const Masks& masks(int state) const;
  Masks compute(int state) const;

  ByteDfa dfa_;
  std::shared_ptr<const TokenTrie> vocabulary_;
  std::vector<std::int32_t> end_tokens_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<int, std::unique_ptr<Masks>> cache_;
  mutable std::atomic<std::size_t> cache_bytes_{0};
};

// The paper's answer format: "### Reason ###\n<text without ###>\n### Rating ###\n<1-5>".
class Tokenizer;
// The trie of what each token of `tokenizer` writes (special tokens write nothing), which every
// constraint over that vocabulary is built on.
std::shared_ptr<const TokenTrie> vocabulary_trie(const Tokenizer& tokenizer);

std::string reason_then_rating_regex();
// Direct prediction: one digit 1-5.
std::string rating_only_regex();
// {"reason": "<JSON string>", "rating": <1-5>} with optional single spaces.
std::string json_rating_regex();
// "reason-rating" | "rating" | "json-rating" → the regex; UsageError names the choices.
std::string builtin_constraint_regex(std::string_view name);
bool is_builtin_constraint(std::string_view name);

}  // namespace reasonrec::engine
