#include "engine/serving/serving_request.hpp"

#include <algorithm>

namespace reasonrec::engine {

ServingRequest::ServingRequest(GenerationSpec spec, GenerationCallbacks callbacks)
    : spec_(std::move(spec)), callbacks_(std::move(callbacks)) {
  const int n = std::max(spec_.n, 0);
  results_.resize(static_cast<std::size_t>(n));
  sample_done_.assign(static_cast<std::size_t>(n), false);
  remaining_ = n;
  finished_ = n == 0;
}

std::vector<Generation> ServingRequest::wait() {
  std::unique_lock lock(mutex_);
  finished_cv_.wait(lock, [&] { return finished_; });
  if (error_) std::rethrow_exception(error_);
  return results_;
}

bool ServingRequest::ready() const {
  std::lock_guard lock(mutex_);
  return finished_;
}

void ServingRequest::cancel() {
  cancelled_by_caller_ = true;
  stop_ = true;
}

void ServingRequest::emit(const TokenEvent& event) {
  {
    std::lock_guard lock(mutex_);
    if (error_ || !callbacks_.on_token) return;
  }
  try {
    callbacks_.on_token(event);
  } catch (...) {
    fail(std::current_exception());
  }
}

void ServingRequest::finish_sample(int sample, Generation generation) {
  const auto index = static_cast<std::size_t>(sample);
  bool call = false;
  {
    std::lock_guard lock(mutex_);
    if (finished_ || index >= results_.size() || sample_done_[index]) return;
    results_[index] = std::move(generation);
    call = !error_ && static_cast<bool>(callbacks_.on_finish);
  }
  if (call) {
    try {
      callbacks_.on_finish(sample, results_[index]);
    } catch (...) {
      fail(std::current_exception());
    }
  }
  std::lock_guard lock(mutex_);
  if (finished_ || sample_done_[index]) return;
  sample_done_[index] = true;
  if (--remaining_ == 0) complete_locked();
}

void ServingRequest::finish_unstarted(const char* reason) {
  for (int s = 0; s < static_cast<int>(results_.size()); ++s) {
    Generation cancelled;
    cancelled.finish_reason = reason;
    finish_sample(s, std::move(cancelled));
  }
}

void ServingRequest::fail(std::exception_ptr error) {
  stop_ = true;
  std::lock_guard lock(mutex_);
  if (finished_) return;
  if (!error_) error_ = std::move(error);
  complete_locked();
}

void ServingRequest::complete_locked() {
  finished_ = true;
  finished_cv_.notify_all();
}

}  // namespace reasonrec::engine
