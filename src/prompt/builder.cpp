#include "prompt/builder.hpp"

#include <algorithm>

#include "util/error.hpp"

namespace reasonrec::prompt {

namespace {

std::string normalise(std::string_view name) {
  std::string out(name);
  std::replace(out.begin(), out.end(), '_', '-');
  return out;
}

std::string join_categories(const std::vector<std::string>& categories) {
  std::string out;
  for (const auto& c : categories) out += (out.empty() ? "" : ", ") + c;
  return out;
}

const std::vector<std::string>& history_fields() {
  static const std::vector<std::string> fields{"number",     "item_id",     "title", "brand",
                                               "categories", "description", "price", "rating",
                                               "review",     "summary"};
  return fields;
}

void set_item(Scope& scope, const std::string& prefix, const data::ItemInfo& item) {
  scope.set(prefix + "item_id", item.meta.item);
  scope.set(prefix + "title", item.meta.title);
  scope.set(prefix + "brand", item.meta.brand);
  scope.set(prefix + "categories", join_categories(item.meta.categories));
  scope.set(prefix + "description", item.meta.description);
  scope.set(prefix + "price", item.meta.price);
}

}  // namespace

Mode parse_mode(std::string_view name) {
  if (name == "cot") return Mode::Cot;
  if (name == "direct") return Mode::Direct;
  if (name == "explain") return Mode::Explain;
  if (name == "verify") return Mode::Verify;
  throw UsageError("unknown prompt mode '" + std::string(name) +
                   "' (expected cot, direct, explain or verify)");
}

std::string_view mode_name(Mode mode) {
  switch (mode) {
    case Mode::Cot:
      return "cot";
    case Mode::Direct:
      return "direct";
    case Mode::Explain:
      return "explain";
    case Mode::Verify:
      return "verify";
  }
  return "cot";
}

std::string_view template_name(Mode mode) {
  switch (mode) {
    case Mode::Cot:
      return "cot";
    case Mode::Direct:
      return "direct";
    case Mode::Explain:
      return "recsaver_explain";
    case Mode::Verify:
      return "recsaver_verify";
  }
  return "cot";
}

Ablation parse_ablation(std::string_view name) {
  const std::string n = normalise(name);
  if (n == "none") return Ablation::None;
  if (n == "no-review") return Ablation::NoReview;
  if (n == "no-review-rating") return Ablation::NoReviewRating;
  if (n == "no-description") return Ablation::NoDescription;
  throw UsageError("unknown ablation '" + std::string(name) +
                   "' (expected none, no-review, no-review-rating or no-description)");
}

std::string_view ablation_name(Ablation ablation) {
  switch (ablation) {
    case Ablation::None:
      return "none";
    case Ablation::NoReview:
      return "no-review";
    case Ablation::NoReviewRating:
      return "no-review-rating";
    case Ablation::NoDescription:
      return "no-description";
  }
  return "none";
}

Scope example_scope(const PromptRequest& request, const ShownExample& shown) {
  Scope scope;
  scope.set("item_kind", request.domain.item_kind);
  scope.set("Item_kind", request.domain.Item_kind);
  scope.set("item_kind_long", request.domain.item_kind_long);
  scope.set("history_kind", request.domain.history_kind);
  const Ablation a = request.ablation;
  scope.set_flag("with_review", a == Ablation::None || a == Ablation::NoDescription);
  scope.set_flag("with_rating", a != Ablation::NoReviewRating);
  scope.set_flag("with_description", a != Ablation::NoDescription);

  const data::Example& e = shown.example;
  ListValue history{history_fields(), {}};
  for (std::size_t i = 0; i < e.history.size(); ++i) {
    const auto& h = e.history[i];
    Scope item;
    item.set("number", std::to_string(shown.history_omitted + i + 1));
    set_item(item, "", h.item);
    item.set("rating", std::to_string(h.rating));
    item.set("review", h.review);
    item.set("summary", h.summary);
    history.items.push_back(std::move(item));
  }
  scope.lists["history"] = std::move(history);
  scope.set("history_omitted",
            shown.history_omitted == 0 ? "" : std::to_string(shown.history_omitted));
  set_item(scope, "target.", e.target);
  scope.set("true_rating", std::to_string(e.rating));
  scope.set("explanation", request.explanation);
  return scope;
}

Prompt build_prompt(const Template& tmpl, const PromptRequest& request) {
  Prompt prompt;
  const Scope target = example_scope(request, request.target);
  if (auto system = tmpl.render_system(target)) {
    prompt.messages.push_back({Role::System, std::move(*system)});
  }
  for (const auto& shot : request.shots) {
    const Scope scope = example_scope(request, shot);
    Scope answer;
    answer.set("reason", shot.reason);
    answer.set("rating", std::to_string(shot.example.rating));
    prompt.messages.push_back({Role::User, tmpl.render_user(scope)});
    prompt.messages.push_back({Role::Assistant, tmpl.render_answer(scope, answer)});
  }
  prompt.messages.push_back({Role::User, tmpl.render_user(target)});
  return prompt;
}

}  // namespace reasonrec::prompt
