#include "engine/constraint/regex.hpp"

#include <string>
#include <tuple>
#include <utility>

#include "util/error.hpp"

namespace reasonrec::engine {
namespace {

constexpr int kMaxRepeat = 1000;
constexpr std::size_t kMaxNfaStates = 200'000;
// Parsing, emitting and destroying the syntax tree recurse once per nesting level, so nesting is
// bounded well below what a thread's stack holds (a hostile pattern of 20,000 '(' otherwise
// overflows it).
constexpr int kMaxGroupDepth = 100;

struct Node {
  enum class Kind { Bytes, Concat, Alternation, Repeat };
  Kind kind = Kind::Concat;
  ByteSet bytes;
  std::vector<Node> children;
  int min = 0;
  int max = 0;  // -1: unbounded
};

ByteSet single(unsigned char byte) {
  ByteSet set;
  set.set(byte);
  return set;
}

ByteSet range(unsigned char low, unsigned char high) {
  ByteSet set;
  for (int b = low; b <= high; ++b) set.set(static_cast<std::size_t>(b));
  return set;
}

ByteSet digits() {
  return range('0', '9');
}
ByteSet word() {
  return range('a', 'z') | range('A', 'Z') | digits() | single('_');
}
ByteSet space() {
  return single(' ') | single('\t') | single('\n') | single('\r') | single('\f') | single('\v');
}

class Parser {
 public:
  explicit Parser(std::string_view pattern) : pattern_(pattern) {}

  Node parse() {
    // The pattern must match the whole output, so an anchor at either end changes nothing; an
    // anchor anywhere else could never be honoured and is refused (atom()).
    if (!pattern_.empty() && pattern_.front() == '^') ++pos_;
    if (pattern_.size() > pos_ && pattern_.back() == '$' && !escaped_at(pattern_.size() - 1)) {
      pattern_.remove_suffix(1);
    }
    Node node = alternation();
    if (pos_ < pattern_.size()) fail("unmatched ')'");
    return node;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw UsageError("output constraint regex, position " + std::to_string(pos_ + 1) + ": " + what);
  }

  bool at_end() const { return pos_ >= pattern_.size(); }
  // Whether the character at `i` is escaped by an odd run of backslashes before it.
  bool escaped_at(std::size_t i) const {
    std::size_t slashes = 0;
    while (i > slashes && pattern_[i - 1 - slashes] == '\\') ++slashes;
    return slashes % 2 == 1;
  }
  char peek() const { return pattern_[pos_]; }

  Node alternation() {
    Node first = concatenation();
    if (at_end() || peek() != '|') return first;
    Node alt;
    alt.kind = Node::Kind::Alternation;
    alt.children.push_back(std::move(first));
    while (!at_end() && peek() == '|') {
      ++pos_;
      alt.children.push_back(concatenation());
    }
    return alt;
  }

  Node concatenation() {
    Node concat;
    concat.kind = Node::Kind::Concat;
    while (!at_end() && peek() != '|' && peek() != ')') concat.children.push_back(repetition());
    return concat;
  }

  Node repetition() {
    Node atom_node = atom();
    while (!at_end()) {
      int min = 0;
      int max = 0;
      const char c = peek();
      if (c == '*') {
        min = 0, max = -1;
      } else if (c == '+') {
        min = 1, max = -1;
      } else if (c == '?') {
        min = 0, max = 1;
      } else if (c == '{') {
        std::tie(min, max) = braces();
      } else {
        break;
      }
      if (c != '{') ++pos_;
      if (!at_end() && peek() == '?') fail("lazy quantifiers are not supported");
      if (!at_end() && (peek() == '*' || peek() == '+' || peek() == '{')) {
        fail("a quantifier cannot follow a quantifier (possessive or repeated); use a group");
      }
      Node repeat;
      repeat.kind = Node::Kind::Repeat;
      repeat.min = min;
      repeat.max = max;
      repeat.children.push_back(std::move(atom_node));
      atom_node = std::move(repeat);
    }
    return atom_node;
  }

  int number() {
    if (at_end() || peek() < '0' || peek() > '9') fail("expected a number in {m,n}");
    int value = 0;
    while (!at_end() && peek() >= '0' && peek() <= '9') {
      value = value * 10 + (peek() - '0');
      if (value > kMaxRepeat) fail("repetition count above " + std::to_string(kMaxRepeat));
      ++pos_;
    }
    return value;
  }

  std::pair<int, int> braces() {
    ++pos_;  // '{'
    const int min = number();
    int max = min;
    if (!at_end() && peek() == ',') {
      ++pos_;
      max = (!at_end() && peek() == '}') ? -1 : number();
    }
    if (at_end() || peek() != '}') fail("expected '}'");
    ++pos_;
    if (max != -1 && max < min) fail("{m,n} with n < m");
    return {min, max};
  }

  Node bytes_node(ByteSet set) {
    Node node;
    node.kind = Node::Kind::Bytes;
    node.bytes = set;
    return node;
  }

  Node atom() {
    const char c = peek();
    if (c == '(') {
      if (depth_ >= kMaxGroupDepth) {
        fail("groups nested deeper than " + std::to_string(kMaxGroupDepth));
      }
      ++pos_;
      if (pattern_.substr(pos_, 2) == "?:") {
        pos_ += 2;
      } else if (!at_end() && peek() == '?') {
        fail("lookaround and other (?...) groups are not supported");
      }
      ++depth_;
      Node inner = alternation();
      --depth_;
      if (at_end() || peek() != ')') fail("missing ')'");
      ++pos_;
      return inner;
    }
    if (c == '^' || c == '$') {
      fail(std::string("anchor '") + c +
           "' is supported only at the very start ('^') or end ('$') of the pattern");
    }
    if (c == '*' || c == '+' || c == '?' || c == '{') fail("quantifier without anything to repeat");
    ++pos_;
    if (c == '.') return bytes_node(~single('\n'));
    if (c == '[') return bytes_node(byte_class());
    if (c == '\\') return bytes_node(escape(false));
    const auto lead = static_cast<unsigned char>(c);
    if (lead >= 0xC0) return utf8_character(lead);
    return bytes_node(single(lead));
  }

  // A multi-byte UTF-8 character is one atom, so that a quantifier repeats all of it.
  Node utf8_character(unsigned char lead) {
    Node sequence;
    sequence.kind = Node::Kind::Concat;
    sequence.children.push_back(bytes_node(single(lead)));
    while (!at_end() && (static_cast<unsigned char>(peek()) & 0xC0) == 0x80) {
      sequence.children.push_back(bytes_node(single(static_cast<unsigned char>(peek()))));
      ++pos_;
    }
    return sequence;
  }

  ByteSet escape(bool in_class) {
    if (at_end()) fail("pattern ends with '\\'");
    const char c = pattern_[pos_++];
    switch (c) {
      case 'n':
        return single('\n');
      case 't':
        return single('\t');
      case 'r':
        return single('\r');
      case 'f':
        return single('\f');
      case 'v':
        return single('\v');
      case 'd':
        return digits();
      case 'D':
        return ~digits();
      case 'w':
        return word();
      case 'W':
        return ~word();
      case 's':
        return space();
      case 'S':
        return ~space();
      default:
        break;
    }
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9')) {
      --pos_;
      fail(std::string("unsupported escape '\\") + c + "'" + (in_class ? " in a class" : ""));
    }
    return single(byte);
  }

  ByteSet byte_class() {
    ByteSet set;
    bool negated = false;
    if (!at_end() && peek() == '^') {
      negated = true;
      ++pos_;
    }
    bool first = true;
    while (true) {
      if (at_end()) fail("missing ']'");
      char c = peek();
      if (c == ']' && !first) {
        ++pos_;
        break;
      }
      first = false;
      ++pos_;
      if (static_cast<unsigned char>(c) >= 0x80) {
        --pos_;
        fail("non-ASCII characters inside [...] are not supported; use alternation");
      }
      ByteSet item = c == '\\' ? escape(true) : single(static_cast<unsigned char>(c));
      const bool is_single_char = c != '\\' || item.count() == 1;
      if (is_single_char && pos_ + 1 < pattern_.size() && peek() == '-' &&
          pattern_[pos_ + 1] != ']') {
        ++pos_;
        char high = pattern_[pos_++];
        ByteSet high_set = high == '\\' ? escape(true) : single(static_cast<unsigned char>(high));
        if (high_set.count() != 1) fail("a class range must end in one character");
        int low_byte = 0;
        int high_byte = 0;
        for (int b = 0; b < 256; ++b) {
          if (item.test(static_cast<std::size_t>(b))) low_byte = b;
          if (high_set.test(static_cast<std::size_t>(b))) high_byte = b;
        }
        if (high_byte < low_byte) fail("class range out of order");
        item = range(static_cast<unsigned char>(low_byte), static_cast<unsigned char>(high_byte));
      }
      set |= item;
    }
    if (negated) {
      set = ~set;
    }
    return set;
  }

  std::string_view pattern_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

class Emitter {
 public:
  explicit Emitter(Nfa& nfa) : nfa_(nfa) {}

  // Returns (entry, exit) of a fragment whose exit has no edges yet.
  std::pair<int, int> emit(const Node& node) {
    switch (node.kind) {
      case Node::Kind::Bytes: {
        const int in = add();
        const int out = add();
        nfa_.states[static_cast<std::size_t>(in)].edges.emplace_back(node.bytes, out);
        return {in, out};
      }
      case Node::Kind::Concat: {
        const int in = add();
        int tail = in;
        for (const Node& child : node.children) {
          auto [child_in, child_out] = emit(child);
          link(tail, child_in);
          tail = child_out;
        }
        return {in, tail};
      }
      case Node::Kind::Alternation: {
        const int in = add();
        const int out = add();
        for (const Node& child : node.children) {
          auto [child_in, child_out] = emit(child);
          link(in, child_in);
          link(child_out, out);
        }
        return {in, out};
      }
      case Node::Kind::Repeat:
        return emit_repeat(node);
    }
    return {0, 0};
  }

 private:
  std::pair<int, int> emit_repeat(const Node& node) {
    const Node& child = node.children.front();
    const int in = add();
    int tail = in;
    for (int i = 0; i < node.min; ++i) {
      auto [child_in, child_out] = emit(child);
      link(tail, child_in);
      tail = child_out;
    }
    const int out = add();
    link(tail, out);
    if (node.max == -1) {
      auto [child_in, child_out] = emit(child);
      link(tail, child_in);
      link(child_out, tail);
    } else {
      for (int i = node.min; i < node.max; ++i) {
        auto [child_in, child_out] = emit(child);
        link(tail, child_in);
        link(child_out, out);
        tail = child_out;
      }
    }
    return {in, out};
  }

  int add() {
    if (nfa_.states.size() >= kMaxNfaStates) {
      throw UsageError("output constraint regex is too large (over " +
                       std::to_string(kMaxNfaStates) + " automaton states)");
    }
    nfa_.states.emplace_back();
    return static_cast<int>(nfa_.states.size() - 1);
  }

  void link(int from, int to) { nfa_.states[static_cast<std::size_t>(from)].epsilon.push_back(to); }

  Nfa& nfa_;
};

}  // namespace

Nfa compile_regex(std::string_view pattern) {
  const Node root = Parser(pattern).parse();
  Nfa nfa;
  Emitter emitter(nfa);
  const auto [in, out] = emitter.emit(root);
  nfa.start = in;
  nfa.accept = out;
  return nfa;
}

}  // namespace reasonrec::engine
