#include "engine/constraint/token_constraint.hpp"

#include <algorithm>

#include "engine/tokenizer/tokenizer.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {

TokenTrie::TokenTrie(const std::vector<std::string>& token_bytes) : token_bytes_(token_bytes) {
  nodes_.emplace_back();
  for (std::size_t id = 0; id < token_bytes.size(); ++id) {
    const std::string& bytes = token_bytes[id];
    if (bytes.empty()) continue;
    std::int32_t at = 0;
    for (char c : bytes) {
      const auto byte = static_cast<unsigned char>(c);
      auto& children = nodes_[static_cast<std::size_t>(at)].children;
      auto it =
          std::lower_bound(children.begin(), children.end(), byte,
                           [](const auto& child, unsigned char b) { return child.first < b; });
      if (it != children.end() && it->first == byte) {
        at = it->second;
        continue;
      }
      const auto index = static_cast<std::int32_t>(nodes_.size());
      children.insert(it, {byte, index});
      nodes_.emplace_back();
      at = index;
    }
    nodes_[static_cast<std::size_t>(at)].tokens.push_back(static_cast<std::int32_t>(id));
  }
}

TokenConstraint::TokenConstraint(std::string_view regex,
                                 std::shared_ptr<const TokenTrie> vocabulary,
                                 std::vector<std::int32_t> end_tokens, const CompileLimits& limits)
    : dfa_(compile_regex(regex), limits),
      vocabulary_(std::move(vocabulary)),
      end_tokens_(std::move(end_tokens)) {
  std::sort(end_tokens_.begin(), end_tokens_.end());
}

int TokenConstraint::advance(int state, std::int32_t token) const {
  if (state < 0) return kRejected;
  if (std::binary_search(end_tokens_.begin(), end_tokens_.end(), token)) {
    return dfa_.accepting(state) ? kFinished : kRejected;
  }
  if (token < 0 || static_cast<std::size_t>(token) >= vocabulary_->vocab_size()) return kRejected;
  const std::string& bytes = vocabulary_->bytes(token);
  if (bytes.empty()) return kRejected;
  const int next = dfa_.walk(state, bytes);
  if (next == ByteDfa::kDead) return kRejected;
  return next;
}

std::span<const std::int32_t> TokenConstraint::allowed(int state, int tokens_left) const {
  if (state < 0 || tokens_left <= 0) return {};
  const Masks& m = masks(state);
  // A token is affordable when what remains after it fits in the tokens left after it.
  const auto end = std::upper_bound(m.costs.begin(), m.costs.end(), tokens_left - 1);
  return {m.tokens.data(), static_cast<std::size_t>(end - m.costs.begin())};
}

const TokenConstraint::Masks& TokenConstraint::masks(int state) const {
  std::lock_guard lock(mutex_);
  auto& slot = cache_[state];
  if (!slot) {
    slot = std::make_unique<Masks>(compute(state));
    // The two arrays, the Masks and the map's node.
    cache_bytes_ += slot->tokens.capacity() * sizeof(std::int32_t) +
                    slot->costs.capacity() * sizeof(int) + sizeof(Masks) + 64;
  }
  return *slot;
}

std::size_t TokenConstraint::memory_bytes() const {
  return sizeof(*this) + dfa_.memory_bytes() + end_tokens_.capacity() * sizeof(std::int32_t) +
         cache_bytes_.load();
}

TokenConstraint::Masks TokenConstraint::compute(int state) const {
  std::vector<std::pair<int, std::int32_t>> found;  // (cost after the token, token)
  // Depth-first walk of the trie and the automaton together; a dead automaton state prunes
  // every token below that trie node.
  std::vector<std::pair<std::int32_t, int>> stack{{0, state}};
  while (!stack.empty()) {
    const auto [node_index, dfa_state] = stack.back();
    stack.pop_back();
    const TokenTrie::Node& node = vocabulary_->node(node_index);
    for (std::int32_t token : node.tokens) {
      found.emplace_back(dfa_.cost_to_finish(dfa_state), token);
    }
    for (const auto& [byte, child] : node.children) {
      const int next = dfa_.next(dfa_state, byte);
      if (next == ByteDfa::kDead || dfa_.cost_to_finish(next) == ByteDfa::kUnreachable) continue;
      stack.emplace_back(child, next);
    }
  }
  if (dfa_.accepting(state)) {
    for (std::int32_t token : end_tokens_) found.emplace_back(0, token);
  }
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  Masks out;
  out.costs.reserve(found.size());
  out.tokens.reserve(found.size());
  for (const auto& [cost, token] : found) {
    out.costs.push_back(cost);
    out.tokens.push_back(token);
  }
  return out;
}

std::shared_ptr<const TokenTrie> vocabulary_trie(const Tokenizer& tokenizer) {
  std::vector<std::string> bytes(static_cast<std::size_t>(tokenizer.vocab_size()));
  for (std::int32_t id = 0; id < tokenizer.vocab_size(); ++id) {
    if (!tokenizer.is_special(id)) bytes[static_cast<std::size_t>(id)] = tokenizer.token_bytes(id);
  }
  return std::make_shared<TokenTrie>(bytes);
}

std::string reason_then_rating_regex() {
  // The reasoning may hold single and double '#' but never "###", which would start a
  // heading; it cannot be empty.
  return "### Reason ###\n([^#]|#[^#]|##[^#])+\n### Rating ###\n[1-5]";
}

std::string rating_only_regex() {
  return "[1-5]";
}

std::string json_rating_regex() {
  return R"(\{ ?"reason": ?"([^"\\\n]|\\["\\/nt])*", ?"rating": ?[1-5] ?\})";
}

bool is_builtin_constraint(std::string_view name) {
  return name == "reason-rating" || name == "rating" || name == "json-rating";
}

std::string builtin_constraint_regex(std::string_view name) {
  if (name == "reason-rating") return reason_then_rating_regex();
  if (name == "rating") return rating_only_regex();
  if (name == "json-rating") return json_rating_regex();
  throw UsageError("unknown output constraint '" + std::string(name) +
                   "' (choose reason-rating, rating, json-rating, or give a regex)");
}

}  // namespace reasonrec::engine
