#include "prompt/budget.hpp"

#include <algorithm>
#include <functional>

namespace reasonrec::prompt {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f';
}
bool is_utf8_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

std::string with_marker(std::string_view prefix) {
  if (prefix.empty()) return std::string(kTruncationMarker);
  return std::string(prefix) + " " + std::string(kTruncationMarker);
}

// The budget's texts: descriptions and reviews the ablation shows, in every shown example,
// and the worked examples' reasons.
void for_each_field(PromptRequest& request, const std::function<void(std::string&)>& fn) {
  const bool reviews =
      request.ablation == Ablation::None || request.ablation == Ablation::NoDescription;
  const bool descriptions = request.ablation != Ablation::NoDescription;
  auto visit = [&](ShownExample& shown) {
    if (descriptions) fn(shown.example.target.meta.description);
    for (auto& h : shown.example.history) {
      if (descriptions) fn(h.item.meta.description);
      if (reviews) fn(h.review);
    }
  };
  for (auto& shot : request.shots) {
    visit(shot);
    fn(shot.reason);  // a worked answer's reasoning is as trimmable as a review
  }
  visit(request.target);
}

std::size_t measure(const Template& tmpl, const PromptRequest& request,
                    const PromptCounter& counter) {
  return counter.count(build_prompt(tmpl, request));
}

// The request with every field cut to `cap` tokens, and how many fields that changed.
std::pair<PromptRequest, std::size_t> capped(const PromptRequest& request, std::size_t cap,
                                             const TokenCounter& counter) {
  PromptRequest out = request;
  std::size_t changed = 0;
  for_each_field(out, [&](std::string& text) {
    std::string cut = truncate_text(text, cap, counter);
    if (cut != text) {
      text = std::move(cut);
      ++changed;
    }
  });
  return {std::move(out), changed};
}

// Drops the oldest history item of the example with the most items (above min_history);
// worked examples come before the target on ties. False when none can lose an item.
bool drop_oldest_item(PromptRequest& request, std::size_t min_history) {
  std::vector<ShownExample*> order;
  for (auto& shot : request.shots) order.push_back(&shot);
  order.push_back(&request.target);
  ShownExample* chosen = nullptr;
  for (auto* shown : order) {
    const auto n = shown->example.history.size();
    if (n > min_history && (chosen == nullptr || n > chosen->example.history.size())) {
      chosen = shown;
    }
  }
  if (chosen == nullptr) return false;
  chosen->example.history.erase(chosen->example.history.begin());
  ++chosen->history_omitted;
  return true;
}

}  // namespace

std::string truncate_text(std::string_view text, std::size_t max_tokens,
                          const TokenCounter& counter) {
  if (counter.count(text) <= max_tokens) return std::string(text);
  // Candidate cuts: the end of every word. Counts grow with the prefix, so binary-search the
  // last word end whose prefix still fits.
  std::vector<std::size_t> word_ends;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!is_space(text[i]) && (i + 1 == text.size() || is_space(text[i + 1]))) {
      word_ends.push_back(i + 1);
    }
  }
  std::size_t lo = 0, hi = word_ends.size();  // answer: number of words kept, in [0, hi)
  while (lo < hi) {
    const std::size_t mid = (lo + hi + 1) / 2;
    if (counter.count(text.substr(0, word_ends[mid - 1])) <= max_tokens) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  if (lo > 0) return with_marker(text.substr(0, word_ends[lo - 1]));
  if (word_ends.empty()) return std::string(kTruncationMarker);
  // Not even the first word fits: cut inside it, between UTF-8 characters.
  const std::size_t start = text.find_first_not_of(" \n\t\r\f");
  std::vector<std::size_t> cuts;
  for (std::size_t i = start + 1; i <= word_ends[0]; ++i) {
    if (i == text.size() || !is_utf8_continuation(text[i])) cuts.push_back(i);
  }
  std::size_t keep = 0;  // characters kept
  hi = cuts.size();
  while (keep < hi) {
    const std::size_t mid = (keep + hi + 1) / 2;
    if (counter.count(text.substr(start, cuts[mid - 1] - start)) <= max_tokens) {
      keep = mid;
    } else {
      hi = mid - 1;
    }
  }
  return with_marker(keep == 0 ? std::string_view() : text.substr(start, cuts[keep - 1] - start));
}

std::size_t CompletionFormCounter::count(const Prompt& prompt) const {
  return counter_.count(to_completion(prompt));
}

FittedPrompt fit_to_budget(const Template& tmpl, const PromptRequest& request,
                           const TokenCounter& counter, const BudgetOptions& options) {
  return fit_to_budget(tmpl, request, counter, CompletionFormCounter(counter), options);
}

FittedPrompt fit_to_budget(const Template& tmpl, const PromptRequest& request,
                           const TokenCounter& counter, const PromptCounter& prompt_counter,
                           const BudgetOptions& options) {
  FittedPrompt result{build_prompt(tmpl, request), request, {}};
  result.report.tokens_before = prompt_counter.count(result.prompt);
  result.report.tokens_after = result.report.tokens_before;
  if (result.report.tokens_before <= options.max_tokens) return result;

  PromptRequest working = request;
  std::size_t dropped = 0;
  while (true) {
    std::size_t longest = 0;
    for_each_field(working,
                   [&](std::string& text) { longest = std::max(longest, counter.count(text)); });
    auto fits = [&](std::size_t cap) {
      return measure(tmpl, capped(working, cap, counter).first, prompt_counter) <=
             options.max_tokens;
    };
    const std::size_t floor = options.min_field_tokens;
    if (longest > floor && fits(floor)) {
      // The largest cap in [floor, longest) that fits; `longest` itself does not (or the
      // untrimmed prompt would have fitted).
      std::size_t lo = floor, hi = longest - 1;
      while (lo < hi) {
        const std::size_t mid = lo + (hi - lo + 1) / 2;
        if (fits(mid)) {
          lo = mid;
        } else {
          hi = mid - 1;
        }
      }
      auto [final_request, changed] = capped(working, lo, counter);
      result.report.field_cap = lo;
      result.report.fields_trimmed = changed;
      result.request = std::move(final_request);
      break;
    }
    if (longest <= floor && measure(tmpl, working, prompt_counter) <= options.max_tokens) {
      result.request = working;  // dropping items alone was enough
      break;
    }
    if (!drop_oldest_item(working, options.min_history)) {
      auto [final_request, changed] = capped(working, floor, counter);
      result.report.fits = false;
      result.report.field_cap = changed > 0 ? std::optional<std::size_t>(floor) : std::nullopt;
      result.report.fields_trimmed = changed;
      result.request = std::move(final_request);
      break;
    }
    ++dropped;
  }
  result.report.items_dropped = dropped;
  result.prompt = build_prompt(tmpl, result.request);
  result.report.tokens_after = prompt_counter.count(result.prompt);
  return result;
}

}  // namespace reasonrec::prompt
