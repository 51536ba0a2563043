#include "serve/engine_completer.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#include "serve/api_error.hpp"
#include "serve/choice_stream.hpp"
#include "util/error.hpp"

namespace reasonrec::serve {
namespace {

// How often a request waiting on the engine looks whether its client is still there.
constexpr auto kClientPoll = std::chrono::milliseconds(50);

// Without a seed, each request still gets its own: the clock, as OpenAI's unseeded sampling.
std::uint64_t fresh_seed() {
  return static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
}

// What the engine's callbacks (on its thread) hand over to the request's thread, which does
// the slow part (writing to the client) without holding up the running batch.
struct Event {
  int choice = 0;
  std::string text;  // a token's final bytes, or the whole choice when it finishes
  std::optional<engine::GeneratedToken> token;  // when log-probabilities are asked for
  std::optional<std::string> finish_reason;     // set: the choice has finished
};

struct Mailbox {
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<Event> events;
};

void post(Mailbox& mailbox, Event event) {
  {
    std::lock_guard lock(mailbox.mutex);
    mailbox.events.push_back(std::move(event));
  }
  mailbox.ready.notify_one();
}

bool send(const StreamSink& sink, int choice, const ChoicePiece& piece, bool logprobs) {
  StreamPiece out;
  out.index = choice;
  out.text = piece.text;
  out.text_offset = piece.text_offset;
  if (logprobs) out.logprobs = &piece.logprobs;
  return sink.piece(out);
}

bool send_finish(const StreamSink& sink, int choice, const std::string& reason) {
  StreamPiece out;
  out.index = choice;
  out.finish_reason = reason;
  return sink.piece(out);
}

// The refusal with the serve flag that sets the limit, for the operator.
std::string with_flag(const engine::ConstraintLimitError& e) {
  using Limit = engine::ConstraintLimitError::Limit;
  const char* flag = "--constraint-max-mib";
  if (e.limit() == Limit::States) flag = "--constraint-max-states";
  if (e.limit() == Limit::Time) flag = "--constraint-timeout-ms";
  return std::string(e.what()) + " (serve " + flag + ")";
}

}  // namespace

EngineCompleter::EngineCompleter(const engine::LocalModel& model, std::string model_id,
                                 std::optional<engine::ChatTemplate> chat_template,
                                 EngineCompleterOptions options)
    : model_(model),
      model_id_(std::move(model_id)),
      chat_template_(std::move(chat_template)),
      options_(std::move(options)),
      vocabulary_(engine::vocabulary_trie(model.tokenizer())),
      constraints_(
          [this](const std::string& regex, const engine::CompileLimits& limits) {
            return std::make_shared<const engine::TokenConstraint>(regex, vocabulary_,
                                                                   model_.eos_ids(), limits);
          },
          options_.constraints) {
  if (!options_.default_constraint.empty()) {
    // Compiled now and kept for good, so that a bad regex is a usage error at start rather
    // than a 400 later, and no request for it ever waits.
    const std::string& c = options_.default_constraint;
    const std::string regex =
        engine::is_builtin_constraint(c) ? engine::builtin_constraint_regex(c) : c;
    try {
      constraints_.pin(regex);
    } catch (const engine::ConstraintLimitError& e) {
      throw UsageError("--constraint: " + with_flag(e));
    }
  }
  if (engine::ServingEngine::supports(model_)) {
    serving_ = std::make_unique<engine::ServingEngine>(model_, options_.serving);
  } else {
    worker_ = std::thread([this] { work(); });
  }
}

EngineCompleter::~EngineCompleter() {
  if (worker_.joinable()) {
    {
      std::lock_guard lock(queue_mutex_);
      stopping_ = true;
    }
    queue_ready_.notify_all();
    worker_.join();
  }
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
    const ApiRequest& request, const ClientGone& gone) {
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
    return constraints_.get(regex, gone);
  } catch (const engine::ConstraintLimitError& e) {
    throw invalid_request(with_flag(e), request.constraint.empty() ? "guided_regex" : "constraint");
  } catch (const UsageError& e) {
    throw invalid_request(e.what(), request.constraint.empty() ? "guided_regex" : "constraint");
  } catch (const engine::ConstraintCancelled& e) {
    // Nobody reads this answer; 499 is what proxies log for a client that closed the request.
    throw ApiError(499, "client_closed_request", e.what());
  }
}

EngineCompleter::Prepared EngineCompleter::prepared_for(const ApiRequest& request,
                                                        const ClientGone& gone) {
  const std::size_t prompts = request.route == Route::Chat ? 1 : request.prompts.size();
  const auto constraint = constraint_for(request, gone);
  const std::uint64_t seed = request.seed.value_or(fresh_seed());
  Prepared prepared;
  prepared.logprobs = request.logprobs;
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
    // A constrained request that names no budget gets room for the constraint: OpenAI's 16-token
    // completion default cannot hold a reason and a rating, and clients that send no extra fields
    // must still get the format they asked for. An explicit max_tokens is honoured (or refused).
    if (constraint && !request.max_tokens) {
      max_tokens = std::max({max_tokens, options_.chat_default_max_tokens,
                             constraint->cost_to_finish(constraint->start())});
    }
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
    prepared.specs.push_back(std::move(spec));
  }
  std::int64_t tokens = 0;
  for (const auto& spec : prepared.specs) {
    tokens += static_cast<std::int64_t>(spec.n) * spec.max_new_tokens;
  }
  if (tokens > options_.max_request_tokens) {
    throw invalid_request("this request may generate " + std::to_string(tokens) +
                              " tokens (prompts x n x max_tokens, defaults included); the server "
                              "allows " +
                              std::to_string(options_.max_request_tokens) +
                              " per request (serve --max-tokens-per-request)",
                          "max_tokens");
  }
  return prepared;
}

Completion EngineCompleter::prepare(const ApiRequest& request, const ClientGone& left) {
  auto prepared = std::make_shared<const Prepared>(prepared_for(request, left));
  return [this, prepared](const StreamSink* sink, const ClientGone& gone) {
    return serving_ ? run_continuous(*prepared, sink, gone) : run_batched(*prepared, sink, gone);
  };
}

TokenLogprobInfo EngineCompleter::logprob_info(const engine::GeneratedToken& token) const {
  const engine::Tokenizer& tokenizer = model_.tokenizer();
  TokenLogprobInfo info{tokenizer.token_bytes(token.id), token.logprob, {}};
  for (const auto& alt : token.top)
    info.top.emplace_back(tokenizer.token_bytes(alt.id), alt.logprob);
  return info;
}

ApiResult EngineCompleter::result_of(
    const Prepared& prepared,
    const std::vector<std::vector<engine::Generation>>& generations) const {
  ApiResult result;
  for (std::size_t p = 0; p < generations.size(); ++p) {
    result.prompt_tokens += static_cast<std::int64_t>(prepared.specs[p].prompt.size());
    for (const engine::Generation& g : generations[p]) {
      ChoiceResult choice;
      choice.text = g.text;
      choice.finish_reason = g.finish_reason;
      if (prepared.logprobs) {
        std::vector<TokenLogprobInfo> tokens;
        for (const auto& t : g.logprobs) tokens.push_back(logprob_info(t));
        choice.logprobs = std::move(tokens);
      }
      result.completion_tokens += static_cast<std::int64_t>(g.tokens.size());
      result.choices.push_back(std::move(choice));
    }
  }
  return result;
}

ApiResult EngineCompleter::run_continuous(const Prepared& prepared, const StreamSink* sink,
                                          const ClientGone& gone) {
  // Shared with the callbacks, which the engine may hold until its requests are gone.
  const auto mailbox = std::make_shared<Mailbox>();
  const bool logprobs = prepared.logprobs;
  std::vector<std::shared_ptr<engine::PendingGeneration>> pending;
  auto stop_all = [&pending] {
    for (const auto& p : pending) p->cancel();
  };
  int choices = 0;
  try {
    for (const engine::GenerationSpec& spec : prepared.specs) {
      const int first = choices;  // the choice index of this prompt's sample 0
      engine::GenerationCallbacks callbacks;
      if (sink) {
        callbacks.on_token = [mailbox, first, logprobs](const engine::TokenEvent& e) {
          Event event{first + e.sample, std::string(e.text), std::nullopt, std::nullopt};
          if (logprobs && e.has_token) event.token = e.token;
          post(*mailbox, std::move(event));
        };
      }
      const bool keep_text = sink != nullptr;
      callbacks.on_finish = [mailbox, first, keep_text](int sample, const engine::Generation& g) {
        post(*mailbox, Event{first + sample, keep_text ? g.text : std::string(), std::nullopt,
                             g.finish_reason});
      };
      pending.push_back(serving_->submit(spec, std::move(callbacks)));
      choices += spec.n;
    }
  } catch (...) {
    stop_all();
    for (const auto& p : pending) {
      try {
        p->wait();
      } catch (...) {  // the first error is the one to report
      }
    }
    throw;
  }

  std::vector<ChoiceStream> streams(static_cast<std::size_t>(choices));
  bool client_here = true;
  int finished = 0;
  auto settled = [&pending] {
    for (const auto& p : pending) {
      if (!p->ready()) return false;
    }
    return true;
  };
  while (finished < choices) {
    // Every event of a request is posted before it is ready, so once all are ready, the
    // mailbox holds the rest (a failed request posts no finish: wait() rethrows its error).
    const bool last_round = settled();
    std::deque<Event> events;
    {
      std::unique_lock lock(mailbox->mutex);
      mailbox->ready.wait_for(lock, kClientPoll, [&] { return !mailbox->events.empty(); });
      events.swap(mailbox->events);
    }
    for (Event& e : events) {
      ChoiceStream& stream = streams[static_cast<std::size_t>(e.choice)];
      if (e.finish_reason) ++finished;
      if (!sink || !client_here) continue;
      if (!e.finish_reason) {
        std::optional<TokenLogprobInfo> info;
        if (e.token) info = logprob_info(*e.token);
        if (auto piece = stream.add(e.text, std::move(info))) {
          client_here = send(*sink, e.choice, *piece, logprobs);
        }
        continue;
      }
      if (auto piece = stream.finish(e.text)) client_here = send(*sink, e.choice, *piece, logprobs);
      if (client_here) client_here = send_finish(*sink, e.choice, *e.finish_reason);
    }
    if (last_round) break;
    if (finished < choices && (!client_here || (gone && gone()))) {
      stop_all();  // the samples end at the engine's next step; wait() below collects them
      break;
    }
  }
  std::vector<std::vector<engine::Generation>> generations;
  for (const auto& p : pending) generations.push_back(p->wait());
  return result_of(prepared, generations);
}

ApiResult EngineCompleter::run_batched(const Prepared& prepared, const StreamSink* sink,
                                       const ClientGone& gone) {
  if (gone && gone()) {
    std::lock_guard lock(queue_mutex_);
    batched_stats_.cancelled += prepared.specs.size();
    return {};
  }
  auto job = std::make_shared<Job>();
  job->specs = prepared.specs;
  auto future = job->done.get_future();
  {
    std::lock_guard lock(queue_mutex_);
    queue_.push_back(job);
  }
  queue_ready_.notify_one();
  // LocalModel::generate cannot be interrupted: a batch that started finishes.
  const ApiResult result = result_of(prepared, future.get());
  if (sink) {
    for (std::size_t i = 0; i < result.choices.size(); ++i) {
      const ChoiceResult& c = result.choices[i];
      ChoicePiece piece{c.text, 0, c.logprobs.value_or(std::vector<TokenLogprobInfo>{})};
      const int index = static_cast<int>(i);
      if (!send(*sink, index, piece, c.logprobs.has_value())) break;
      if (!send_finish(*sink, index, c.finish_reason)) break;
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
      const auto max_specs = static_cast<std::size_t>(std::max(1, options_.serving.max_batch_rows));
      std::size_t specs = 0;
      while (!queue_.empty() &&
             (batch.empty() || specs + queue_.front()->specs.size() <= max_specs)) {
        specs += queue_.front()->specs.size();
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    std::vector<engine::GenerationSpec> all;
    for (const auto& job : batch) all.insert(all.end(), job->specs.begin(), job->specs.end());
    try {
      auto generations = model_.generate(all);
      {
        std::lock_guard lock(queue_mutex_);
        for (std::size_t s = 0; s < all.size(); ++s) {
          ++batched_stats_.requests;
          batched_stats_.prompt_tokens += all[s].prompt.size();
          batched_stats_.prompt_tokens_computed +=
              all[s].prompt.size() * static_cast<std::size_t>(all[s].n);
          for (const auto& g : generations[s]) batched_stats_.generated_tokens += g.tokens.size();
        }
      }
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

engine::ServingStats EngineCompleter::stats() const {
  if (serving_) return serving_->stats();
  std::lock_guard lock(queue_mutex_);
  return batched_stats_;
}

std::vector<Metric> EngineCompleter::metrics() const {
  const engine::ServingStats s = stats();
  const engine::ConstraintCacheStats c = constraints_.stats();
  auto count = [](std::uint64_t v) { return static_cast<double>(v); };
  using K = Metric::Kind;
  return {
      {"reasonrec_constraint_cache_entries", "Compiled output constraints kept", K::Gauge,
       count(c.entries)},
      {"reasonrec_constraint_cache_bytes",
       "Bytes held by the compiled output constraints kept (automata and token masks)", K::Gauge,
       count(c.bytes)},
      {"reasonrec_constraint_cache_evictions_total",
       "Compiled output constraints dropped to stay within the cache's limits", K::Counter,
       count(c.evictions)},
      {"reasonrec_constraint_compiles_total", "Output constraints compiled (or tried)", K::Counter,
       count(c.compiles)},
      {"reasonrec_constraint_refusals_total",
       "Output constraints refused: bad or over a compile limit", K::Counter, count(c.failures)},
      {"reasonrec_constraint_compiles_cancelled_total",
       "Constraint compiles (or waits for one) stopped because the client left", K::Counter,
       count(c.cancelled)},
      {"reasonrec_generation_requests_total", "Prompts submitted (each with its n samples)",
       K::Counter, count(s.requests)},
      {"reasonrec_prompt_tokens_total", "Prompt tokens of the submitted prompts", K::Counter,
       count(s.prompt_tokens)},
      {"reasonrec_prompt_tokens_computed_total", "Prompt tokens that went through the model",
       K::Counter, count(s.prompt_tokens_computed)},
      {"reasonrec_prompt_tokens_reused_total", "Prompt tokens read from the prefix cache",
       K::Counter, count(s.prompt_tokens_reused)},
      {"reasonrec_prompt_tokens_reused_fraction",
       "Fraction of prompt tokens read from the prefix cache", K::Gauge, s.reuse_fraction()},
      {"reasonrec_generated_tokens_total", "Tokens generated", K::Counter,
       count(s.generated_tokens)},
      {"reasonrec_cancelled_total", "Prompts cancelled before they finished (client gone)",
       K::Counter, count(s.cancelled)},
      {"reasonrec_decode_steps_total", "Batched decoding steps", K::Counter, count(s.decode_steps)},
      {"reasonrec_prefix_cache_entries", "Prefixes in the prefix cache", K::Gauge,
       count(s.cached_prefixes)},
      {"reasonrec_prefix_cache_bytes", "Bytes of keys and values in the prefix cache", K::Gauge,
       count(s.cache_bytes)},
      {"reasonrec_prefix_cache_evictions_total",
       "Prefix cache entries dropped to stay within the KV budget", K::Counter, count(s.evictions)},
  };
}

}  // namespace reasonrec::serve
