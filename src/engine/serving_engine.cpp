#include "engine/serving_engine.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "engine/generation/decode_step.hpp"
#include "engine/local_model.hpp"
#include "engine/local_model_impl.hpp"
#include "engine/serving/scheduler.hpp"
#include "engine/serving/serving_request.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {

struct ServingEngine::Impl {
  Impl(const LlamaModel& decoder, const LocalModel::Impl& model, ServingOptions serving)
      : llama(decoder),
        context_limit(model.context_limit),
        options(serving),
        scheduler(decoder, *model.tokenizer, model.eos, model.context_limit, serving) {}

  std::shared_ptr<PendingGeneration> enqueue(GenerationSpec spec, GenerationCallbacks callbacks,
                                             bool block);
  void run();
  // Takes the cancelled requests out of the queue, and the first one when it fits (in arrival
  // order: a large request is not overtaken forever by smaller ones behind it). Under `mutex`.
  std::shared_ptr<ServingRequest> next_admission(
      std::vector<std::shared_ptr<ServingRequest>>& dropped);

  const LlamaModel& llama;
  std::int64_t context_limit = 0;
  ServingOptions options;
  Scheduler scheduler;  // the engine thread's alone

  std::mutex mutex;
  std::condition_variable work_cv;   // the engine thread waits for requests
  std::condition_variable space_cv;  // submit() waits for room in the queue
  std::deque<std::shared_ptr<ServingRequest>> queue;
  bool stopping = false;
  std::thread worker;
};

bool ServingEngine::supports(const LocalModel& model) {
  return model.impl().decoder() != nullptr;
}

ServingEngine::ServingEngine(const LocalModel& model, ServingOptions options) {
  const LlamaModel* decoder = model.impl().decoder();
  if (decoder == nullptr) {
    throw UsageError("model type " + model.model_type() +
                     " cannot be served with continuous batching: decoder-only models only");
  }
  if (options.max_queued < 1) options.max_queued = 1;
  configure_cpu_threads();
  impl_ = std::make_unique<Impl>(*decoder, model.impl(), options);
  impl_->worker = std::thread([impl = impl_.get()] { impl->run(); });
}

ServingEngine::~ServingEngine() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->work_cv.notify_all();
  impl_->space_cv.notify_all();
  if (impl_->worker.joinable()) impl_->worker.join();
}

std::shared_ptr<PendingGeneration> ServingEngine::submit(GenerationSpec spec,
                                                         GenerationCallbacks callbacks) {
  return impl_->enqueue(std::move(spec), std::move(callbacks), true);
}

std::shared_ptr<PendingGeneration> ServingEngine::try_submit(GenerationSpec spec,
                                                             GenerationCallbacks callbacks) {
  return impl_->enqueue(std::move(spec), std::move(callbacks), false);
}

ServingStats ServingEngine::stats() const {
  return impl_->scheduler.stats();
}

std::shared_ptr<PendingGeneration> ServingEngine::Impl::enqueue(GenerationSpec spec,
                                                                GenerationCallbacks callbacks,
                                                                bool block) {
  check_prompt(spec.prompt, llama.config().vocab_size, context_limit);
  const std::size_t prompt_tokens = spec.prompt.size();
  auto request = std::make_shared<ServingRequest>(std::move(spec), std::move(callbacks));
  if (request->ready()) {  // no samples asked for
    scheduler.count_submitted(prompt_tokens);
    return request;
  }
  {
    std::unique_lock lock(mutex);
    if (block) {
      space_cv.wait(lock, [&] { return stopping || queue.size() < options.max_queued; });
    } else if (queue.size() >= options.max_queued) {
      return nullptr;
    }
    if (stopping) throw Error("the serving engine is shutting down");
    queue.push_back(request);
    scheduler.count_submitted(prompt_tokens);
  }
  work_cv.notify_one();
  return request;
}

std::shared_ptr<ServingRequest> ServingEngine::Impl::next_admission(
    std::vector<std::shared_ptr<ServingRequest>>& dropped) {
  for (auto it = queue.begin(); it != queue.end();) {
    if ((*it)->stopping()) {
      dropped.push_back(std::move(*it));
      it = queue.erase(it);
    } else {
      ++it;
    }
  }
  if (queue.empty() || !scheduler.fits(*queue.front())) return nullptr;
  auto next = std::move(queue.front());
  queue.pop_front();
  return next;
}

void ServingEngine::Impl::run() {
  torch::InferenceMode inference;
  while (true) {
    std::vector<std::shared_ptr<ServingRequest>> dropped;
    std::shared_ptr<ServingRequest> next;
    {
      std::unique_lock lock(mutex);
      work_cv.wait(lock, [&] { return stopping || !queue.empty() || !scheduler.idle(); });
      if (stopping) break;
      next = next_admission(dropped);
    }
    if (!dropped.empty() || next) space_cv.notify_all();
    for (auto& request : dropped) {
      if (request->take_cancellation()) scheduler.count_cancelled();
      request->finish_unstarted("cancelled");
    }
    if (next) {
      // Admitted one at a time, so that the next one's fit counts this one's rows; they all
      // join the batch at the next step.
      scheduler.admit(next);
      continue;
    }
    scheduler.step();
  }
  // Shutting down: nothing queued starts, nothing running goes on.
  std::deque<std::shared_ptr<ServingRequest>> left;
  {
    std::lock_guard lock(mutex);
    left.swap(queue);
  }
  space_cv.notify_all();
  for (auto& request : left) {
    request->cancel();
    if (request->take_cancellation()) scheduler.count_cancelled();
    request->finish_unstarted("cancelled");
  }
  scheduler.cancel_all();
}

}  // namespace reasonrec::engine
