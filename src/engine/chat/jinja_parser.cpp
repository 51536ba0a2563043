#include <algorithm>
#include <initializer_list>

#include "engine/chat/jinja_ast.hpp"
#include "util/error.hpp"

namespace reasonrec::engine::jinja {
namespace {

// Deep nesting would exhaust the stack of this recursive-descent parser (and of the
// interpreter); real templates nest a handful of levels.
constexpr int kMaxDepth = 128;

struct TokenStream {
  const std::vector<Token>* tokens = nullptr;
  std::size_t pos = 0;
  const Token& peek(std::size_t ahead = 0) const {
    return (*tokens)[std::min(pos + ahead, tokens->size() - 1)];
  }
  const Token& next() {
    const Token& t = peek();
    if (pos + 1 < tokens->size()) ++pos;
    return t;
  }
  bool is_op(std::string_view op, std::size_t ahead = 0) const {
    return peek(ahead).kind == Token::Kind::Operator && peek(ahead).text == op;
  }
  bool is_name(std::string_view name, std::size_t ahead = 0) const {
    return peek(ahead).kind == Token::Kind::Name && peek(ahead).text == name;
  }
  bool at_end() const { return peek().kind == Token::Kind::End; }
};

std::string describe(const Token& t) {
  switch (t.kind) {
    case Token::Kind::End:
      return "end of tag";
    case Token::Kind::String:
      return "string literal";
    case Token::Kind::Integer:
    case Token::Kind::Float:
      return "number " + t.text;
    default:
      return "'" + t.text + "'";
  }
}

ExprPtr make(Expr::Kind kind, std::size_t line) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->line = line;
  return e;
}

class Parser {
 public:
  Parser(const std::vector<Segment>& segments, const std::string& name)
      : segments_(segments), name_(name) {}

  Body parse_template() {
    std::string end;
    Body body = parse_body({}, end, 0);
    return body;
  }

 private:
  [[noreturn]] void fail(std::size_t line, const std::string& reason) const {
    throw InputError(name_, line, reason);
  }

  struct DepthGuard {
    DepthGuard(Parser& p, std::size_t line) : parser(p) {
      if (++parser.depth_ > kMaxDepth) parser.fail(line, "template nested too deeply");
    }
    ~DepthGuard() { --parser.depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
    Parser& parser;
  };

  // Parses statements until one of `ends` (a block keyword such as "endif"); `end` receives
  // it and ts_ is left after the keyword. An empty `ends` parses to the end of the template.
  Body parse_body(std::initializer_list<std::string_view> ends, std::string& end,
                  std::size_t opened_at) {
    DepthGuard guard(*this, opened_at);
    Body body;
    while (index_ < segments_.size()) {
      const Segment& seg = segments_[index_++];
      if (seg.kind == Segment::Kind::Text) {
        Stmt s;
        s.kind = Stmt::Kind::Text;
        s.line = seg.line;
        s.text = seg.text;
        body.push_back(std::move(s));
        continue;
      }
      ts_ = TokenStream{&seg.tokens, 0};
      if (seg.kind == Segment::Kind::Output) {
        Stmt s;
        s.kind = Stmt::Kind::Output;
        s.line = seg.line;
        s.expr = parse_expression(ts_);
        expect_end(ts_);
        body.push_back(std::move(s));
        continue;
      }
      const Token& keyword = ts_.next();
      if (keyword.kind != Token::Kind::Name) fail(keyword.line, "expected a tag name");
      if (std::find(ends.begin(), ends.end(), keyword.text) != ends.end()) {
        end = keyword.text;
        return body;
      }
      body.push_back(parse_statement(keyword));
    }
    if (ends.size() > 0) {
      fail(opened_at, "unexpected end of template: missing '" + std::string(*(ends.end() - 1)) +
                          "' for the block opened here");
    }
    return body;
  }

  Stmt parse_statement(const Token& keyword) {
    Stmt s;
    s.line = keyword.line;
    const std::string& k = keyword.text;
    std::string end;
    if (k == "if") {
      s.kind = Stmt::Kind::If;
      ExprPtr condition = parse_expression(ts_);
      expect_end(ts_);
      while (true) {
        Body branch = parse_body({"elif", "else", "endif"}, end, s.line);
        s.branches.emplace_back(std::move(condition), std::move(branch));
        if (end == "endif") break;
        if (end == "elif") {
          condition = parse_expression(ts_);
        } else {
          condition = nullptr;
          expect_end(ts_);
          s.branches.emplace_back(nullptr, parse_body({"endif"}, end, s.line));
          break;
        }
        expect_end(ts_);
      }
      expect_end(ts_);
    } else if (k == "for") {
      s.kind = Stmt::Kind::For;
      s.targets.push_back(expect_name(ts_));
      while (ts_.is_op(",")) {
        ts_.next();
        s.targets.push_back(expect_name(ts_));
      }
      if (!ts_.is_name("in")) fail(ts_.peek().line, "expected 'in' in for loop");
      ts_.next();
      s.expr = parse_expression(ts_, /*with_conditional=*/false);
      if (ts_.is_name("if")) {
        ts_.next();
        s.condition = parse_expression(ts_);
      }
      if (ts_.is_name("recursive")) fail(ts_.peek().line, "recursive loops are not supported");
      expect_end(ts_);
      s.body = parse_body({"else", "endfor"}, end, s.line);
      if (end == "else") {
        expect_end(ts_);
        s.else_body = parse_body({"endfor"}, end, s.line);
      }
      expect_end(ts_);
    } else if (k == "set") {
      s.targets.push_back(expect_name(ts_));
      if (ts_.is_op(".")) {
        ts_.next();
        s.attribute = expect_name(ts_);
      }
      if (ts_.is_op("=")) {
        ts_.next();
        s.kind = Stmt::Kind::Set;
        s.expr = parse_expression(ts_);
        expect_end(ts_);
      } else {
        if (!s.attribute.empty()) fail(s.line, "block assignment to an attribute is not supported");
        s.kind = Stmt::Kind::SetBlock;
        expect_end(ts_);
        s.body = parse_body({"endset"}, end, s.line);
        expect_end(ts_);
      }
    } else if (k == "macro") {
      s.kind = Stmt::Kind::Macro;
      s.targets.push_back(expect_name(ts_));
      expect_op(ts_, "(");
      while (!ts_.is_op(")")) {
        std::string param = expect_name(ts_);
        ExprPtr default_value;
        if (ts_.is_op("=")) {
          ts_.next();
          default_value = parse_expression(ts_);
        }
        s.params.emplace_back(std::move(param), std::move(default_value));
        if (!ts_.is_op(",")) break;
        ts_.next();
      }
      expect_op(ts_, ")");
      expect_end(ts_);
      s.body = parse_body({"endmacro"}, end, s.line);
      if (!ts_.at_end()) ts_.next();  // "{% endmacro name %}" is allowed
      expect_end(ts_);
    } else if (k == "break" || k == "continue") {
      s.kind = k == "break" ? Stmt::Kind::Break : Stmt::Kind::Continue;
      expect_end(ts_);
    } else if (k == "generation") {
      // transformers' AssistantTracker extension: marks assistant text, renders its body.
      s.kind = Stmt::Kind::Block;
      expect_end(ts_);
      s.body = parse_body({"endgeneration"}, end, s.line);
      expect_end(ts_);
    } else if (k.rfind("end", 0) == 0 || k == "elif" || k == "else") {
      fail(s.line, "unexpected '" + k + "' tag");
    } else {
      fail(s.line, "unknown or unsupported tag '" + k + "'");
    }
    return s;
  }

  void expect_end(TokenStream& ts) {
    if (!ts.at_end()) fail(ts.peek().line, "expected end of tag, got " + describe(ts.peek()));
  }
  std::string expect_name(TokenStream& ts) {
    const Token& t = ts.peek();
    if (t.kind != Token::Kind::Name) fail(t.line, "expected a name, got " + describe(t));
    ts.next();
    return t.text;
  }
  void expect_op(TokenStream& ts, std::string_view op) {
    if (!ts.is_op(op)) {
      fail(ts.peek().line, "expected '" + std::string(op) + "', got " + describe(ts.peek()));
    }
    ts.next();
  }

  ExprPtr parse_expression(TokenStream& ts, bool with_conditional = true) {
    DepthGuard guard(*this, ts.peek().line);
    ExprPtr e = parse_or(ts);
    while (with_conditional && ts.is_name("if")) {
      const std::size_t line = ts.next().line;
      auto c = make(Expr::Kind::Conditional, line);
      ExprPtr condition = parse_or(ts);
      ExprPtr otherwise;
      if (ts.is_name("else")) {
        ts.next();
        otherwise = parse_expression(ts);
      }
      c->args.push_back(std::move(e));
      c->args.push_back(std::move(condition));
      c->args.push_back(std::move(otherwise));
      e = std::move(c);
    }
    return e;
  }

  ExprPtr parse_or(TokenStream& ts) {
    ExprPtr e = parse_and(ts);
    while (ts.is_name("or")) {
      auto o = make(Expr::Kind::Or, ts.next().line);
      o->args.push_back(std::move(e));
      o->args.push_back(parse_and(ts));
      e = std::move(o);
    }
    return e;
  }

  ExprPtr parse_and(TokenStream& ts) {
    ExprPtr e = parse_not(ts);
    while (ts.is_name("and")) {
      auto a = make(Expr::Kind::And, ts.next().line);
      a->args.push_back(std::move(e));
      a->args.push_back(parse_not(ts));
      e = std::move(a);
    }
    return e;
  }

  ExprPtr parse_not(TokenStream& ts) {
    if (ts.is_name("not")) {
      DepthGuard guard(*this, ts.peek().line);
      auto n = make(Expr::Kind::Unary, ts.next().line);
      n->name = "not";
      n->args.push_back(parse_not(ts));
      return n;
    }
    return parse_compare(ts);
  }

  ExprPtr parse_compare(TokenStream& ts) {
    ExprPtr first = parse_math1(ts);
    ExprPtr c;
    while (true) {
      std::string op;
      const Token& t = ts.peek();
      if (t.kind == Token::Kind::Operator && (t.text == "==" || t.text == "!=" || t.text == "<" ||
                                              t.text == ">" || t.text == "<=" || t.text == ">=")) {
        op = t.text;
        ts.next();
      } else if (ts.is_name("in")) {
        op = "in";
        ts.next();
      } else if (ts.is_name("not") && ts.is_name("in", 1)) {
        op = "not in";
        ts.next();
        ts.next();
      } else {
        break;
      }
      if (!c) {
        c = make(Expr::Kind::Compare, t.line);
        c->args.push_back(std::move(first));
      }
      c->ops.push_back(op);
      c->args.push_back(parse_math1(ts));
    }
    return c ? std::move(c) : std::move(first);
  }

  ExprPtr binary(std::string op, ExprPtr left, ExprPtr right, std::size_t line) {
    auto b = make(Expr::Kind::Binary, line);
    b->name = std::move(op);
    b->args.push_back(std::move(left));
    b->args.push_back(std::move(right));
    return b;
  }

  ExprPtr parse_math1(TokenStream& ts) {
    ExprPtr e = parse_concat(ts);
    while (ts.is_op("+") || ts.is_op("-")) {
      const Token& t = ts.next();
      e = binary(t.text, std::move(e), parse_concat(ts), t.line);
    }
    return e;
  }

  ExprPtr parse_concat(TokenStream& ts) {
    ExprPtr e = parse_math2(ts);
    while (ts.is_op("~")) {
      const Token& t = ts.next();
      e = binary("~", std::move(e), parse_math2(ts), t.line);
    }
    return e;
  }

  ExprPtr parse_math2(TokenStream& ts) {
    ExprPtr e = parse_pow(ts);
    while (ts.is_op("*") || ts.is_op("/") || ts.is_op("//") || ts.is_op("%")) {
      const Token& t = ts.next();
      e = binary(t.text, std::move(e), parse_pow(ts), t.line);
    }
    return e;
  }

  ExprPtr parse_pow(TokenStream& ts) {
    ExprPtr e = parse_unary(ts, true);
    while (ts.is_op("**")) {
      const Token& t = ts.next();
      e = binary("**", std::move(e), parse_unary(ts, true), t.line);
    }
    return e;
  }

  ExprPtr parse_unary(TokenStream& ts, bool with_filter) {
    DepthGuard guard(*this, ts.peek().line);
    ExprPtr e;
    if (ts.is_op("-") || ts.is_op("+")) {
      const Token& t = ts.next();
      e = make(Expr::Kind::Unary, t.line);
      e->name = t.text;
      e->args.push_back(parse_unary(ts, false));
    } else {
      e = parse_primary(ts);
    }
    e = parse_postfix(ts, std::move(e));
    if (with_filter) e = parse_filter_expr(ts, std::move(e));
    return e;
  }

  ExprPtr parse_primary(TokenStream& ts) {
    const Token& t = ts.peek();
    switch (t.kind) {
      case Token::Kind::Name: {
        ts.next();
        auto e = make(Expr::Kind::Literal, t.line);
        if (t.text == "true" || t.text == "True") {
          e->literal = Value::boolean(true);
        } else if (t.text == "false" || t.text == "False") {
          e->literal = Value::boolean(false);
        } else if (t.text == "none" || t.text == "None") {
          e->literal = Value::none();
        } else {
          e->kind = Expr::Kind::Name;
          e->name = t.text;
        }
        return e;
      }
      case Token::Kind::String: {
        std::string s;
        while (ts.peek().kind == Token::Kind::String) s += ts.next().text;  // 'a' 'b' == 'ab'
        auto e = make(Expr::Kind::Literal, t.line);
        e->literal = Value::string(std::move(s));
        return e;
      }
      case Token::Kind::Integer: {
        ts.next();
        auto e = make(Expr::Kind::Literal, t.line);
        e->literal = Value::integer(t.integer);
        return e;
      }
      case Token::Kind::Float: {
        ts.next();
        auto e = make(Expr::Kind::Literal, t.line);
        e->literal = Value::number(t.floating);
        return e;
      }
      case Token::Kind::Operator:
        if (t.text == "(") {
          ts.next();
          if (ts.is_op(")")) {
            ts.next();
            return make(Expr::Kind::TupleLit, t.line);
          }
          ExprPtr first = parse_expression(ts);
          if (!ts.is_op(",")) {
            expect_op(ts, ")");
            return first;
          }
          auto tuple = make(Expr::Kind::TupleLit, t.line);
          tuple->args.push_back(std::move(first));
          while (ts.is_op(",")) {
            ts.next();
            if (ts.is_op(")")) break;
            tuple->args.push_back(parse_expression(ts));
          }
          expect_op(ts, ")");
          return tuple;
        }
        if (t.text == "[") {
          ts.next();
          auto list = make(Expr::Kind::ListLit, t.line);
          while (!ts.is_op("]")) {
            list->args.push_back(parse_expression(ts));
            if (!ts.is_op(",")) break;
            ts.next();
          }
          expect_op(ts, "]");
          return list;
        }
        if (t.text == "{") {
          ts.next();
          auto dict = make(Expr::Kind::DictLit, t.line);
          while (!ts.is_op("}")) {
            dict->args.push_back(parse_expression(ts));
            expect_op(ts, ":");
            dict->args.push_back(parse_expression(ts));
            if (!ts.is_op(",")) break;
            ts.next();
          }
          expect_op(ts, "}");
          return dict;
        }
        break;
      default:
        break;
    }
    fail(t.line, "expected an expression, got " + describe(t));
  }

  ExprPtr parse_postfix(TokenStream& ts, ExprPtr e) {
    while (true) {
      if (ts.is_op(".")) {
        const std::size_t line = ts.next().line;
        const Token& attr = ts.next();
        if (attr.kind == Token::Kind::Integer) {
          auto item = make(Expr::Kind::Item, line);
          auto index = make(Expr::Kind::Literal, line);
          index->literal = Value::integer(attr.integer);
          item->args.push_back(std::move(e));
          item->args.push_back(std::move(index));
          e = std::move(item);
          continue;
        }
        if (attr.kind != Token::Kind::Name) fail(line, "expected an attribute name after '.'");
        auto a = make(Expr::Kind::Attribute, line);
        a->name = attr.text;
        a->args.push_back(std::move(e));
        e = std::move(a);
      } else if (ts.is_op("[")) {
        e = parse_subscript(ts, std::move(e));
      } else if (ts.is_op("(")) {
        e = parse_call(ts, std::move(e), Expr::Kind::Call, "");
      } else {
        return e;
      }
    }
  }

  ExprPtr parse_subscript(TokenStream& ts, ExprPtr target) {
    const std::size_t line = ts.next().line;  // '['
    ExprPtr parts[3];
    int part = 0;
    bool is_slice = false;
    while (!ts.is_op("]")) {
      if (ts.is_op(":")) {
        ts.next();
        is_slice = true;
        if (++part > 2) fail(line, "invalid slice");
        continue;
      }
      if (parts[part]) fail(ts.peek().line, "expected ']' , got " + describe(ts.peek()));
      parts[part] = parse_expression(ts);
    }
    ts.next();  // ']'
    if (!is_slice) {
      if (!parts[0]) fail(line, "expected a subscript expression");
      auto item = make(Expr::Kind::Item, line);
      item->args.push_back(std::move(target));
      item->args.push_back(std::move(parts[0]));
      return item;
    }
    auto slice = make(Expr::Kind::Slice, line);
    slice->args.push_back(std::move(target));
    for (auto& p : parts) slice->args.push_back(std::move(p));
    return slice;
  }

  // Parses "(args, key=value)" after a callee / filter / test.
  ExprPtr parse_call(TokenStream& ts, ExprPtr callee, Expr::Kind kind, std::string name) {
    auto call = make(kind, ts.peek().line);
    call->name = std::move(name);
    call->args.push_back(std::move(callee));
    if (!ts.is_op("(")) return call;
    ts.next();
    while (!ts.is_op(")")) {
      if (ts.peek().kind == Token::Kind::Name && ts.is_op("=", 1)) {
        std::string key = ts.next().text;
        ts.next();
        call->keyword.emplace_back(std::move(key), parse_expression(ts));
      } else {
        if (!call->keyword.empty()) {
          fail(ts.peek().line, "positional argument follows keyword argument");
        }
        call->args.push_back(parse_expression(ts));
      }
      if (!ts.is_op(",")) break;
      ts.next();
    }
    expect_op(ts, ")");
    return call;
  }

  ExprPtr parse_filter_expr(TokenStream& ts, ExprPtr e) {
    while (true) {
      if (ts.is_op("|")) {
        ts.next();
        std::string name = expect_name(ts);
        while (ts.is_op(".")) {
          ts.next();
          name += "." + expect_name(ts);
        }
        e = parse_call(ts, std::move(e), Expr::Kind::Filter, std::move(name));
      } else if (ts.is_name("is")) {
        const std::size_t line = ts.next().line;
        bool negated = false;
        if (ts.is_name("not")) {
          ts.next();
          negated = true;
        }
        std::string name = expect_name(ts);
        ExprPtr test;
        if (ts.is_op("(")) {
          test = parse_call(ts, std::move(e), Expr::Kind::Test, std::move(name));
        } else {
          test = make(Expr::Kind::Test, line);
          test->name = std::move(name);
          test->args.push_back(std::move(e));
          const Token& t = ts.peek();
          const bool starts_argument =
              t.kind == Token::Kind::String || t.kind == Token::Kind::Integer ||
              t.kind == Token::Kind::Float || ts.is_op("[") || ts.is_op("{") ||
              (t.kind == Token::Kind::Name && t.text != "else" && t.text != "or" &&
               t.text != "and" && t.text != "if" && t.text != "is");
          if (starts_argument) test->args.push_back(parse_postfix(ts, parse_primary(ts)));
        }
        test->negated = negated;
        e = std::move(test);
      } else if (ts.is_op("(")) {
        e = parse_call(ts, std::move(e), Expr::Kind::Call, "");
      } else {
        return e;
      }
    }
  }

  const std::vector<Segment>& segments_;
  const std::string& name_;
  std::size_t index_ = 0;
  TokenStream ts_;
  int depth_ = 0;
};

}  // namespace

Body parse(const std::vector<Segment>& segments, const std::string& source_name) {
  return Parser(segments, source_name).parse_template();
}

}  // namespace reasonrec::engine::jinja
