#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace reasonrec::http {

// A fixed set of threads taking jobs from a bounded queue. The bound is what keeps a flood of
// requests from queueing without limit: a job that does not fit is refused, not delayed.
class WorkerPool {
 public:
  WorkerPool(std::size_t threads, std::size_t max_queued);
  // Finishes the jobs already queued, then joins the threads.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // False when max_queued jobs are already waiting (or the pool is shutting down).
  bool try_submit(std::function<void()> job);

 private:
  void work();

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  std::size_t max_queued_;
  bool closing_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace reasonrec::http
