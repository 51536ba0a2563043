#include "prompt/template.hpp"

#include <algorithm>

#include "util/error.hpp"

namespace reasonrec::prompt {

namespace {

using Node = Template::Node;

enum class TagKind { Var, Comment, Open, Close };

struct Tag {
  TagKind kind = TagKind::Var;
  std::string keyword;  // "each", "if", "system", "answer" for Open / Close
  std::string name;     // the placeholder or list / flag name
};

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.';
}

bool is_valid_name(std::string_view name) {
  if (name.empty() || name.front() == '.' || (name.front() >= '0' && name.front() <= '9')) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), is_name_char);
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

class Parser {
 public:
  Parser(std::string_view text, const std::string& source) : text_(text), source_(source) {}

  void run(std::vector<Node>& user, std::optional<std::vector<Node>>& system,
           std::optional<std::vector<Node>>& answer) {
    user_ = &user;
    system_ = &system;
    answer_ = &answer;
    // The newline an editor puts at the end of a file is not part of the template.
    if (!text_.empty() && text_.back() == '\n') text_.remove_suffix(1);
    std::size_t pos = 0;
    while (pos <= text_.size()) {
      ++line_;
      auto end = text_.find('\n', pos);
      const bool last = end == std::string_view::npos;
      if (last) end = text_.size();
      parse_line(text_.substr(pos, end - pos), !last);
      pos = end + 1;
    }
    if (!open_.empty()) {
      fail(open_.back().line,
           "{{#" + open_.back().keyword + describe(open_.back().name) + "}} is never closed");
    }
  }

 private:
  struct Open {
    std::string keyword;
    std::string name;
    std::size_t line;
    std::vector<Node>* outer;  // where nodes went before this block opened
  };

  static std::string describe(const std::string& name) { return name.empty() ? "" : " " + name; }

  [[noreturn]] void fail(std::size_t line, const std::string& reason) const {
    throw InputError(source_, line, reason);
  }

  Tag parse_tag(std::string_view inner) const {
    inner = trim(inner);
    Tag tag;
    if (!inner.empty() && inner.front() == '!') {
      tag.kind = TagKind::Comment;
      return tag;
    }
    if (!inner.empty() && (inner.front() == '#' || inner.front() == '/')) {
      tag.kind = inner.front() == '#' ? TagKind::Open : TagKind::Close;
      inner = trim(inner.substr(1));
      const auto space = inner.find_first_of(" \t");
      tag.keyword = std::string(inner.substr(0, space));
      if (space != std::string_view::npos) tag.name = std::string(trim(inner.substr(space)));
      const bool takes_name = tag.keyword == "each" || tag.keyword == "if";
      const bool section = tag.keyword == "system" || tag.keyword == "answer";
      if (!takes_name && !section) {
        fail(line_, "unknown block '{{" + std::string(1, tag.kind == TagKind::Open ? '#' : '/') +
                        tag.keyword + "}}' (blocks: each, if, system, answer)");
      }
      if (tag.kind == TagKind::Open && takes_name && !is_valid_name(tag.name)) {
        fail(line_, "{{#" + tag.keyword + "}} needs a name, e.g. {{#" + tag.keyword +
                        " history}}; got '" + tag.name + "'");
      }
      if ((tag.kind == TagKind::Close || section) && !tag.name.empty()) {
        fail(line_, "unexpected '" + tag.name + "' in {{" +
                        std::string(1, tag.kind == TagKind::Open ? '#' : '/') + tag.keyword + "}}");
      }
      return tag;
    }
    if (!is_valid_name(inner)) {
      fail(line_, "malformed placeholder '{{" + std::string(inner) +
                      "}}' (names use letters, digits, '_' and '.')");
    }
    tag.name = std::string(inner);
    return tag;
  }

  void add_text(std::string_view text) {
    if (text.empty()) return;
    if (!current().empty() && current().back().kind == Node::Kind::Text) {
      current().back().text += text;
      return;
    }
    current().push_back(Node{Node::Kind::Text, std::string(text), line_, {}});
  }

  std::vector<Node>& current() {
    if (!open_.empty()) {
      // Nodes go into the innermost open block: the last node pushed to its outer list, or
      // the section's own list for {{#system}} / {{#answer}}.
      const auto& top = open_.back();
      if (top.keyword == "system") return **system_;
      if (top.keyword == "answer") return **answer_;
      return top.outer->back().children;
    }
    return *user_;
  }

  void apply(const Tag& tag) {
    switch (tag.kind) {
      case TagKind::Comment:
        return;
      case TagKind::Var:
        current().push_back(Node{Node::Kind::Var, tag.name, line_, {}});
        return;
      case TagKind::Open:
        if (tag.keyword == "system" || tag.keyword == "answer") {
          if (!open_.empty()) fail(line_, "{{#" + tag.keyword + "}} must be at the top level");
          auto& section = tag.keyword == "system" ? *system_ : *answer_;
          if (section.has_value()) fail(line_, "a second {{#" + tag.keyword + "}} section");
          section.emplace();
          open_.push_back(Open{tag.keyword, "", line_, nullptr});
          return;
        }
        {
          auto& outer = current();
          outer.push_back(
              Node{tag.keyword == "each" ? Node::Kind::Each : Node::Kind::If, tag.name, line_, {}});
          open_.push_back(Open{tag.keyword, tag.name, line_, &outer});
        }
        return;
      case TagKind::Close:
        if (open_.empty())
          fail(line_, "{{/" + tag.keyword + "}} without a matching {{#" + tag.keyword + "}}");
        if (open_.back().keyword != tag.keyword) {
          fail(line_, "{{/" + tag.keyword + "}} closes {{#" + open_.back().keyword +
                          describe(open_.back().name) + "}} opened on line " +
                          std::to_string(open_.back().line));
        }
        open_.pop_back();
        return;
    }
  }

  void parse_line(std::string_view line, bool has_newline) {
    // A line holding nothing but one block or comment tag vanishes with its newline.
    const auto trimmed = trim(line);
    if (trimmed.size() >= 4 && trimmed.substr(0, 2) == "{{" &&
        trimmed.substr(trimmed.size() - 2) == "}}" &&
        trimmed.find("{{", 2) == std::string_view::npos) {
      const Tag tag = parse_tag(trimmed.substr(2, trimmed.size() - 4));
      if (tag.kind != TagKind::Var) {
        apply(tag);
        return;
      }
    }
    std::size_t pos = 0;
    while (pos < line.size()) {
      const auto open = line.find("{{", pos);
      if (open == std::string_view::npos) break;
      add_text(line.substr(pos, open - pos));
      const auto close = line.find("}}", open + 2);
      if (close == std::string_view::npos) {
        fail(line_, "'{{' without a closing '}}' on the same line");
      }
      apply(parse_tag(line.substr(open + 2, close - open - 2)));
      pos = close + 2;
    }
    if (pos < line.size()) add_text(line.substr(pos));
    if (has_newline) add_text("\n");
  }

  std::string_view text_;
  const std::string& source_;
  std::size_t line_ = 0;
  std::vector<Open> open_;
  std::vector<Node>* user_ = nullptr;
  std::optional<std::vector<Node>>* system_ = nullptr;
  std::optional<std::vector<Node>>* answer_ = nullptr;
};

// Names visible at one nesting level: a real scope, or (while checking an {{#each}} body
// whose list may be empty) just the field names its elements define.
struct Layer {
  const Scope* scope = nullptr;
  const std::vector<std::string>* fields = nullptr;
};

enum class Found { None, Value, List, Field };

struct Lookup {
  Found found = Found::None;
  const std::string* value = nullptr;
  const ListValue* list = nullptr;
};

Lookup lookup(const std::vector<Layer>& chain, const std::string& name) {
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if (it->scope != nullptr) {
      if (auto v = it->scope->values.find(name); v != it->scope->values.end()) {
        return {Found::Value, &v->second, nullptr};
      }
      if (auto l = it->scope->lists.find(name); l != it->scope->lists.end()) {
        return {Found::List, nullptr, &l->second};
      }
    } else if (std::find(it->fields->begin(), it->fields->end(), name) != it->fields->end()) {
      return {Found::Field, nullptr, nullptr};
    }
  }
  return {};
}

std::string known_names(const std::vector<Layer>& chain) {
  std::vector<std::string> names;
  for (const auto& layer : chain) {
    if (layer.scope != nullptr) {
      for (const auto& [k, v] : layer.scope->values) names.push_back(k);
      for (const auto& [k, v] : layer.scope->lists) names.push_back(k);
    } else {
      names.insert(names.end(), layer.fields->begin(), layer.fields->end());
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

void check_nodes(const std::vector<Node>& nodes, std::vector<Layer>& chain,
                 const std::string& source) {
  for (const auto& node : nodes) {
    if (node.kind == Node::Kind::Text) continue;
    const auto found = lookup(chain, node.text);
    if (found.found == Found::None) {
      const std::string tag = node.kind == Node::Kind::Var    ? "{{" + node.text + "}}"
                              : node.kind == Node::Kind::Each ? "{{#each " + node.text + "}}"
                                                              : "{{#if " + node.text + "}}";
      throw InputError(source, node.line,
                       "unknown placeholder '" + node.text + "' in " + tag +
                           "; known here: " + known_names(chain));
    }
    if (node.kind == Node::Kind::Var && found.found == Found::List) {
      throw InputError(source, node.line,
                       "'" + node.text + "' is a list; write {{#each " + node.text + "}}");
    }
    if (node.kind == Node::Kind::Each) {
      if (found.found != Found::List) {
        throw InputError(source, node.line, "{{#each " + node.text + "}}: not a list");
      }
      chain.push_back(Layer{nullptr, &found.list->fields});
      check_nodes(node.children, chain, source);
      chain.pop_back();
    } else if (node.kind == Node::Kind::If) {
      check_nodes(node.children, chain, source);
    }
  }
}

void render_nodes(const std::vector<Node>& nodes, std::vector<Layer>& chain, std::string& out) {
  for (const auto& node : nodes) {
    switch (node.kind) {
      case Node::Kind::Text:
        out += node.text;
        break;
      case Node::Kind::Var:
        out += *lookup(chain, node.text).value;  // check() guaranteed a value
        break;
      case Node::Kind::If: {
        const auto found = lookup(chain, node.text);
        const bool on =
            found.found == Found::Value ? !found.value->empty() : !found.list->items.empty();
        if (on) render_nodes(node.children, chain, out);
        break;
      }
      case Node::Kind::Each:
        for (const auto& item : lookup(chain, node.text).list->items) {
          chain.push_back(Layer{&item, nullptr});
          render_nodes(node.children, chain, out);
          chain.pop_back();
        }
        break;
    }
  }
}

std::string strip_newlines(std::string s) {
  const auto first = s.find_first_not_of('\n');
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of('\n');
  return s.substr(first, last - first + 1);
}

const std::vector<std::string>& answer_names() {
  static const std::vector<std::string> names{"reason", "rating"};
  return names;
}

}  // namespace

Template Template::parse(std::string_view text, std::string source) {
  Template t;
  t.source_ = std::move(source);
  Parser(text, t.source_).run(t.user_, t.system_, t.answer_);
  return t;
}

void Template::check(const Scope& scope) const {
  std::vector<Layer> chain{Layer{&scope, nullptr}};
  check_nodes(user_, chain, source_);
  if (system_) check_nodes(*system_, chain, source_);
  if (answer_) {
    chain.push_back(Layer{nullptr, &answer_names()});
    check_nodes(*answer_, chain, source_);
  }
}

std::string Template::render_user(const Scope& scope) const {
  check(scope);
  std::vector<Layer> chain{Layer{&scope, nullptr}};
  std::string out;
  render_nodes(user_, chain, out);
  return strip_newlines(std::move(out));
}

std::optional<std::string> Template::render_system(const Scope& scope) const {
  if (!system_) return std::nullopt;
  check(scope);
  std::vector<Layer> chain{Layer{&scope, nullptr}};
  std::string out;
  render_nodes(*system_, chain, out);
  return strip_newlines(std::move(out));
}

std::string Template::render_answer(const Scope& scope, const Scope& answer) const {
  if (!answer_) {
    throw Error(source_ + ": this template has no {{#answer}} section, so it cannot show " +
                "worked examples");
  }
  check(scope);
  std::vector<Layer> chain{Layer{&scope, nullptr}, Layer{&answer, nullptr}};
  std::string out;
  render_nodes(*answer_, chain, out);
  return strip_newlines(std::move(out));
}

}  // namespace reasonrec::prompt
