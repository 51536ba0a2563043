#include "serve/engine_completer.hpp"

#include <chrono>

#include "serve/api_error.hpp"
#include "util/error.hpp"

namespace reasonrec::serve {
namespace {

std::shared_ptr<const engine::TokenTrie> vocabulary_of(const engine::Tokenizer& tokenizer) {
  std::vector<std::string> bytes(static_cast<std::size_t>(tokenizer.vocab_size()));
  for (std::int32_t id = 0; id < tokenizer.vocab_size(); ++id) {
    if (!tokenizer.is_special(id)) bytes[static_cast<std::size_t>(id)] = tokenizer.token_bytes(id);
  }
  return std::make_shared<engine::TokenTrie>(bytes);
}

// Without a seed, each request still gets its own: the clock, as OpenAI's unseeded sampling.
std::uint64_t fresh_seed() {
  return static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
}

}  // namespace

EngineCompleter::EngineCompleter(const engine::LocalModel& model, std::string model_id,
                                 std::optional<engine::ChatTemplate> chat_template,
                                 EngineCompleterOptions options)
    : model_(model),
      model_id_(std::move(model_id)),
      chat_template_(std::move(chat_template)),
      options_(options),
      vocabulary_(vocabulary_of(model.tokenizer())) {
  if (!options_.default_constraint.empty()) {
    // Compiled now, so that a bad regex is a usage error at start rather than a 400 later.
    const std::string& c = options_.default_constraint;
    const std::string regex =
        engine::is_builtin_constraint(c) ? engine::builtin_constraint_regex(c) : c;
    constraints_[regex] =
        std::make_shared<engine::TokenConstraint>(regex, vocabulary_, model_.eos_ids());
  }
  worker_ = std::thread([this] { work(); });
}

EngineCompleter::~EngineCompleter() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  queue_ready_.notify_all();
  worker_.join();
}

std::vector<std::int32_t> EngineCompleter::prompt_ids(const ApiRequest& request,
                                                      std::size_t prompt) const {
  if (request.route == Route::Completion) {
    return model_.tokenizer().encode(request.prompts[prompt], true);
  }
  if (!chat_template_) {
    throw invalid_request("this model has no chat template; use /v1/completions", "messages");
  }
  std::vector<engine::ChatMessage> messages;
  for (const auto& m : request.messages) messages.push_back({m.role, m.content});
  std::string text;
  try {
    text = chat_template_->render(messages, true);
  } catch (const std::exception& e) {
    throw invalid_request(e.what(), "messages");  // e.g. the template's raise_exception
  }
  // The template writes the special tokens itself, as apply_chat_template does.
  return model_.tokenizer().encode(text, false);
}

std::shared_ptr<const engine::TokenConstraint> EngineCompleter::constraint_for(
    const ApiRequest& request) {
  std::string regex;
  try {
    if (!request.constraint.empty()) regex = engine::builtin_constraint_regex(request.constraint);
    if (!request.guided_regex.empty()) regex = request.guided_regex;
    if (regex.empty() && !options_.default_constraint.empty()) {
      regex = engine::is_builtin_constraint(options_.default_constraint)
                  ? engine::builtin_constraint_regex(options_.default_constraint)
                  : options_.default_constraint;
    }
    if (regex.empty()) return nullptr;
    std::lock_guard lock(constraints_mutex_);
    auto& slot = constraints_[regex];
    if (!slot) {
      slot = std::make_shared<engine::TokenConstraint>(regex, vocabulary_, model_.eos_ids());
    }
    return slot;
  } catch (const UsageError& e) {
    throw invalid_request(e.what(), request.constraint.empty() ? "guided_regex" : "constraint");
  }
}

std::vector<engine::GenerationSpec> EngineCompleter::specs_for(const ApiRequest& request) {
  const std::size_t prompts = request.route == Route::Chat ? 1 : request.prompts.size();
  const auto constraint = constraint_for(request);
  const std::uint64_t seed = request.seed.value_or(fresh_seed());
  std::vector<engine::GenerationSpec> specs;
  for (std::size_t p = 0; p < prompts; ++p) {
    engine::GenerationSpec spec;
    spec.prompt = prompt_ids(request, p);
    if (spec.prompt.empty()) throw invalid_request("the prompt is empty", "prompt");
    const std::int64_t context = model_.context_limit();
    const auto prompt_length = static_cast<std::int64_t>(spec.prompt.size());
    if (context > 0 && prompt_length >= context) {
      throw invalid_request("the prompt has " + std::to_string(prompt_length) +
                                " tokens; this model's context is " + std::to_string(context),
                            request.route == Route::Chat ? "messages" : "prompt");
    }
    int max_tokens = request.max_tokens.value_or(request.route == Route::Chat
                                                     ? options_.chat_default_max_tokens
                                                     : options_.completion_default_max_tokens);
    if (context > 0)
      max_tokens = static_cast<int>(std::min<std::int64_t>(max_tokens, context - prompt_length));
    spec.max_new_tokens = max_tokens;
    spec.sampling.temperature = request.temperature;
    spec.sampling.top_p = request.top_p;
    spec.sampling.top_k = request.top_k;
    spec.stop = request.stop;
    spec.ignore_eos = request.ignore_eos;
    spec.n = request.n;
    spec.seed = seed + p * static_cast<std::uint64_t>(request.n);
    spec.top_logprobs = request.logprobs ? request.top_logprobs : -1;
    spec.constraint = constraint;
    if (constraint && constraint->cost_to_finish(constraint->start()) > max_tokens) {
      throw invalid_request("max_tokens " + std::to_string(max_tokens) +
                                " is too small for the output constraint (it needs up to " +
                                std::to_string(constraint->cost_to_finish(constraint->start())) +
                                " tokens)",
                            "max_tokens");
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

ApiResult EngineCompleter::complete(const ApiRequest& request, const StreamSink* sink,
                                    const std::atomic<bool>& cancelled) {
  auto job = std::make_shared<Job>();
  job->specs = specs_for(request);
  ApiResult result;
  if (cancelled.load()) return result;
  auto future = job->done.get_future();
  {
    std::lock_guard lock(queue_mutex_);
    queue_.push_back(job);
  }
  queue_ready_.notify_one();
  const auto generations = future.get();

  const engine::Tokenizer& tokenizer = model_.tokenizer();
  for (std::size_t p = 0; p < generations.size(); ++p) {
    result.prompt_tokens += static_cast<std::int64_t>(job->specs[p].prompt.size());
    for (const engine::Generation& g : generations[p]) {
      ChoiceResult choice;
      choice.text = g.text;
      choice.finish_reason = g.finish_reason;
      if (job->specs[p].top_logprobs >= 0) {
        std::vector<TokenLogprobInfo> tokens;
        for (const auto& t : g.logprobs) {
          TokenLogprobInfo info{tokenizer.token_bytes(t.id), t.logprob, {}};
          for (const auto& alt : t.top)
            info.top.emplace_back(tokenizer.token_bytes(alt.id), alt.logprob);
          tokens.push_back(std::move(info));
        }
        choice.logprobs = std::move(tokens);
      }
      result.completion_tokens += static_cast<std::int64_t>(g.tokens.size());
      result.choices.push_back(std::move(choice));
    }
  }
  if (sink) {
    for (std::size_t i = 0; i < result.choices.size(); ++i) {
      const ChoiceResult& c = result.choices[i];
      const auto* logprobs = c.logprobs ? &*c.logprobs : nullptr;
      if (!sink->piece(static_cast<int>(i), c.text, logprobs, std::nullopt)) break;
      if (!sink->piece(static_cast<int>(i), "", nullptr, c.finish_reason)) break;
    }
  }
  return result;
}

void EngineCompleter::work() {
  while (true) {
    std::vector<std::shared_ptr<Job>> batch;
    {
      std::unique_lock lock(queue_mutex_);
      queue_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping with nothing left
      std::size_t specs = 0;
      while (!queue_.empty() &&
             (batch.empty() || specs + queue_.front()->specs.size() <= options_.max_batch_specs)) {
        specs += queue_.front()->specs.size();
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    std::vector<engine::GenerationSpec> all;
    for (const auto& job : batch) all.insert(all.end(), job->specs.begin(), job->specs.end());
    try {
      auto generations = model_.generate(all);
      std::size_t at = 0;
      for (const auto& job : batch) {
        std::vector<std::vector<engine::Generation>> mine(
            std::make_move_iterator(generations.begin() + static_cast<std::ptrdiff_t>(at)),
            std::make_move_iterator(generations.begin() +
                                    static_cast<std::ptrdiff_t>(at + job->specs.size())));
        at += job->specs.size();
        job->done.set_value(std::move(mine));
      }
    } catch (...) {
      for (const auto& job : batch) job->done.set_exception(std::current_exception());
    }
  }
}

}  // namespace reasonrec::serve
