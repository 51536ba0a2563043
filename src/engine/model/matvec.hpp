#pragma once
// Batch-1 decoding is a chain of fp32 matrix-vector products that each read a weight matrix
// once: their speed is the speed of reading memory. On our 2-core VM OpenBLAS's sgemv read at
// 24-26 GB/s where a bare read loop reached 32-34; this kernel walks each row front to back
// and hands out rows in 1 MB runs (sequential streams the hardware prefetchers follow) and read
// at 31-32 GB/s.
// Several products of one step (q, k and v; gate and up) run as one job, so the threads meet
// once per job rather than once per matrix.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

namespace reasonrec::engine {

// y[rows] = W[rows, cols] x[cols] (+ bias[rows]); W row-major and contiguous.
struct MatVecProduct {
  const float* weight = nullptr;
  const float* bias = nullptr;  // may be null
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  const float* x = nullptr;
  float* y = nullptr;
};

class MatVec {
 public:
  // `threads` (at least 1) includes the calling thread; 0 means one per hardware thread. The
  // helper threads start on the first product that is worth splitting.
  explicit MatVec(unsigned threads = 0);
  ~MatVec();
  MatVec(const MatVec&) = delete;
  MatVec& operator=(const MatVec&) = delete;

  // Whether this CPU runs the vector kernel (x86-64 with AVX2 and FMA). Without it callers
  // should use their BLAS.
  static bool supported();

  // Computes every product, splitting their rows over the threads. Safe to call from several
  // threads at once: a caller that finds the helpers busy computes alone.
  void run(std::span<const MatVecProduct> products);

  unsigned threads() const { return threads_; }

 private:
  void start_helpers();
  void helper_loop(std::uint32_t seen);
  void run_share();

  unsigned threads_;
  std::mutex busy_;
  std::once_flag started_;
  std::vector<std::thread> helpers_;
  std::span<const MatVecProduct> job_;
  std::int64_t job_rows_ = 0;
  std::int64_t job_chunk_ = 0;
  std::atomic<std::int64_t> next_row_{0};
  std::atomic<std::uint32_t> generation_{0};  // 32 bits: waits on it are futexes
  std::atomic<unsigned> pending_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace reasonrec::engine
