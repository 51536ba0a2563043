#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "engine/chat/chat_template.hpp"
#include "engine/constraint/token_constraint.hpp"
#include "engine/local_model.hpp"
#include "engine/model/t5_config.hpp"
#include "engine/seq2seq_model.hpp"
#include "llm/backend.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {
namespace {

// The token that writes exactly `text` ("4"), else one that writes a space and it (" 4",
// SentencePiece's "▁4").
std::optional<std::int32_t> digit_token(const Tokenizer& tokenizer, const std::string& text) {
  std::optional<std::int32_t> spaced;
  for (std::int32_t id = 0; id < tokenizer.vocab_size(); ++id) {
    if (tokenizer.is_special(id)) continue;
    const std::string bytes = tokenizer.token_bytes(id);
    if (bytes == text) return id;
    if (!spaced && bytes == " " + text) spaced = id;
  }
  return spaced;
}

class LocalBackend : public llm::InProcessBackend {
 public:
  LocalBackend(const std::filesystem::path& dir, LocalModelOptions options,
               const std::string& constraint)
      : model_(LocalModel::load(dir, options)),
        default_constraint_(constraint),
        endpoint_("local:" + dir.string()) {
    // Compiled now, so that a bad default is a usage error before anything is generated.
    if (!default_constraint_.empty()) (void)constraint_for(default_constraint_);
  }

  std::string name() const override { return "local"; }

  std::size_t context_length() const override {
    return static_cast<std::size_t>(std::max<std::int64_t>(model_.context_limit(), 0));
  }
  std::size_t prompt_tokens(const llm::GenerationRequest& request) const override {
    return prompt_of(request).size();
  }
  std::size_t text_tokens(std::string_view text) const override {
    return model_.tokenizer().encode(text, false).size();
  }
  void validate(const llm::GenerationRequest& request) const override {
    if (request.api == llm::Api::Chat && !chat_template_) {
      chat_template_.emplace(model_chat_template(model_));
    }
    (void)constraint_of(request.params);
  }

  void generate(std::span<const llm::GenerationRequest> requests,
                llm::CompletionSink& sink) override {
    // Requests go to the model in groups so that completions reach the sink as they finish.
    constexpr std::size_t kGroup = 16;
    for (std::size_t begin = 0; begin < requests.size(); begin += kGroup) {
      const std::size_t end = std::min(requests.size(), begin + kGroup);
      std::vector<GenerationSpec> specs;
      std::vector<std::size_t> owners;
      for (std::size_t i = begin; i < end; ++i) {
        const llm::GenerationRequest& request = requests[i];
        try {
          specs.push_back(spec_of(request));
          owners.push_back(i);
        } catch (const std::exception& e) {
          fail(request, i, e.what(), sink);
        }
      }
      const auto started = std::chrono::steady_clock::now();
      std::vector<std::vector<Generation>> results;
      try {
        results = model_.generate(specs);
      } catch (const std::exception& e) {
        for (std::size_t k = 0; k < owners.size(); ++k)
          fail(requests[owners[k]], owners[k], e.what(), sink);
        continue;
      }
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      for (std::size_t k = 0; k < owners.size(); ++k) {
        const llm::GenerationRequest& request = requests[owners[k]];
        for (std::size_t s = 0; s < results[k].size(); ++s) {
          sink.on_completion(completion_of(request, owners[k], static_cast<int>(s), specs[k],
                                           std::move(results[k][s]), seconds));
        }
      }
      sink.on_idle();
    }
  }

 private:
  // The token ids the model is fed for a request's prompt.
  std::vector<std::int32_t> prompt_of(const llm::GenerationRequest& request) const {
    if (request.api == llm::Api::Chat) {
      if (!chat_template_) chat_template_.emplace(model_chat_template(model_));
      std::vector<ChatMessage> messages;
      for (const auto& m : request.messages) messages.push_back({m.role, m.content});
      // The template writes the special tokens itself (a BOS included), as transformers'
      // apply_chat_template does.
      return model_.tokenizer().encode(chat_template_->render(messages, true), false);
    }
    return model_.tokenizer().encode(request.prompt, true);
  }

  GenerationSpec spec_of(const llm::GenerationRequest& request) const {
    GenerationSpec spec;
    spec.prompt = prompt_of(request);
    if (spec.prompt.empty()) throw Error("empty prompt");
    if (model_.context_limit() > 0 &&
        static_cast<std::int64_t>(spec.prompt.size()) > model_.context_limit()) {
      throw Error("prompt of " + std::to_string(spec.prompt.size()) +
                  " tokens exceeds the model's context of " +
                  std::to_string(model_.context_limit()));
    }
    const llm::GenerationParams& p = request.params;
    spec.max_new_tokens = p.max_tokens;
    spec.sampling.temperature = p.temperature;
    spec.sampling.top_p = p.top_p;
    spec.stop = p.stop;
    spec.n = request.n;
    spec.seed = p.seed.value_or(0) + static_cast<std::uint64_t>(request.first_sample);
    spec.top_logprobs = p.top_logprobs > 0 ? p.top_logprobs : -1;
    spec.constraint = constraint_of(p);
    return spec;
  }

  llm::Completion completion_of(const llm::GenerationRequest& request, std::size_t index,
                                int sample, const GenerationSpec& spec, Generation g,
                                double seconds) const {
    llm::Completion c;
    c.request = index;
    c.sample = request.first_sample + sample;
    c.ok = true;
    c.text = std::move(g.text);
    c.finish_reason = g.finish_reason;
    c.usage.prompt_tokens = static_cast<std::int64_t>(spec.prompt.size());
    c.usage.completion_tokens = static_cast<std::int64_t>(g.tokens.size());
    c.latency_seconds = seconds;
    c.attempts = 1;
    c.endpoint = endpoint_;
    if (spec.top_logprobs >= 0) {
      std::vector<llm::TokenLogprob> tokens;
      const Tokenizer& tok = model_.tokenizer();
      for (const GeneratedToken& t : g.logprobs) {
        llm::TokenLogprob out{tok.token_bytes(t.id), t.logprob, {}};
        for (const TokenChoice& alt : t.top)
          out.top.push_back({tok.token_bytes(alt.id), alt.logprob});
        tokens.push_back(std::move(out));
      }
      c.logprobs = std::move(tokens);
    }
    return c;
  }

  void fail(const llm::GenerationRequest& request, std::size_t index, const std::string& why,
            llm::CompletionSink& sink) const {
    for (int s = 0; s < request.n; ++s) {
      llm::Completion c;
      c.request = index;
      c.sample = request.first_sample + s;
      c.ok = false;
      c.error = why;
      c.endpoint = endpoint_;
      sink.on_completion(std::move(c));
    }
  }

  LocalModel model_;
  mutable std::optional<ChatTemplate> chat_template_;  // loaded at the first chat request
  // The request's constraint (or the default), checked against its max_tokens; UsageError for
  // a bad regex or a budget it cannot be finished in.
  std::shared_ptr<const TokenConstraint> constraint_of(const llm::GenerationParams& p) const {
    const std::string& name = p.constraint.empty() ? default_constraint_ : p.constraint;
    if (name.empty()) return nullptr;
    auto constraint = constraint_for(name);
    const int needed = constraint->cost_to_finish(constraint->start());
    if (needed > p.max_tokens) {
      throw UsageError("max_tokens " + std::to_string(p.max_tokens) +
                       " is too small for the output constraint " + name + " (it needs up to " +
                       std::to_string(needed) + " tokens)");
    }
    return constraint;
  }

  // A built-in name or a regex, compiled once (UsageError for a bad one).
  std::shared_ptr<const TokenConstraint> constraint_for(const std::string& name) const {
    const std::string regex = is_builtin_constraint(name) ? builtin_constraint_regex(name) : name;
    auto& slot = constraints_[regex];
    if (!slot) {
      if (!vocabulary_) vocabulary_ = vocabulary_trie(model_.tokenizer());
      slot = std::make_shared<const TokenConstraint>(regex, vocabulary_, model_.eos_ids());
    }
    return slot;
  }

  std::string default_constraint_;
  mutable std::shared_ptr<const TokenTrie> vocabulary_;
  mutable std::map<std::string, std::shared_ptr<const TokenConstraint>> constraints_;
  std::string endpoint_;
};

}  // namespace

ChatTemplate model_chat_template(const std::filesystem::path& dir) {
  try {
    return ChatTemplate::from_model_dir(dir);
  } catch (const InputError& e) {
    std::ifstream file(dir / "config.json");
    const auto config = nlohmann::json::parse(file, nullptr, false);
    if (config.is_discarded() || !is_t5(config)) throw;
    throw UsageError(dir.string() +
                     ": this T5 model has no chat template, so it takes plain prompts only: send "
                     "completion requests (predict --api completions; generate without --chat), "
                     "or add a chat_template to tokenizer_config.json (" +
                     e.what() + ")");
  }
}

ChatTemplate model_chat_template(const LocalModel& model) {
  return model_chat_template(model.dir());
}

std::vector<RatingDistribution> rating_distributions(
    const LocalModel& model, std::span<const std::vector<std::int32_t>> prompts) {
  std::vector<std::int32_t> ids;
  if (model.encoder_decoder()) {
    // The rating is the first token of T5's answer: the digit as an answer is tokenized.
    ids = rating_token_ids(model.tokenizer());
  } else {
    for (int k = 1; k <= 5; ++k) {
      const auto id = digit_token(model.tokenizer(), std::to_string(k));
      if (!id)
        throw Error("the tokenizer has no token for the rating \"" + std::to_string(k) + "\"");
      ids.push_back(*id);
    }
  }
  std::vector<RatingDistribution> out;
  for (const std::vector<float>& lp : model.next_token_logprobs(prompts)) {
    RatingDistribution d;
    for (std::int32_t id : ids) {
      d.probabilities.push_back(std::exp(static_cast<double>(lp[static_cast<std::size_t>(id)])));
      d.raw_mass += d.probabilities.back();
    }
    for (double& p : d.probabilities) p /= d.raw_mass;
    out.push_back(std::move(d));
  }
  return out;
}

std::unique_ptr<llm::InProcessBackend> make_local_backend(const std::filesystem::path& dir,
                                                          LocalModelOptions options,
                                                          const std::string& constraint) {
  return std::make_unique<LocalBackend>(dir, options, constraint);
}

llm::InProcessBackendFactory in_process_backend_factory() {
  return [](const std::filesystem::path& dir, const llm::InProcessOptions& options) {
    LocalModelOptions model_options;
    model_options.max_batch_rows = options.max_batch_rows;
    model_options.adapter = options.adapter;
    return make_local_backend(dir, model_options);
  };
}

}  // namespace reasonrec::engine
