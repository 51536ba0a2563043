#include "engine/model/matvec.hpp"

#include <algorithm>
#include <chrono>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace reasonrec::engine {
namespace {

// Below this many weights a product is over before a helper would wake up.
constexpr std::int64_t kSplitThreshold = std::int64_t{1} << 16;
// Threads claim rows in chunks of about this many weights (1 MB): long enough runs for the
// prefetchers, short enough that a thread slowed by a neighbour does not hold up the job.
constexpr std::int64_t kChunkWeights = std::int64_t{1} << 18;
// Helpers spin this long for the next job before they sleep: a decode step's products are
// tens of microseconds apart, a futex wake-up on a VM costs about as much.
constexpr auto kSpin = std::chrono::microseconds(500);

void pause() {
#if defined(__x86_64__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

float dot_scalar(const float* w, const float* x, std::int64_t n) {
  float sum = 0.0f;
  for (std::int64_t i = 0; i < n; ++i) sum += w[i] * x[i];
  return sum;
}

void rows_scalar(const MatVecProduct& p, std::int64_t begin, std::int64_t end) {
  for (std::int64_t r = begin; r < end; ++r) {
    const float sum = dot_scalar(p.weight + r * p.cols, p.x, p.cols);
    p.y[r] = p.bias ? sum + p.bias[r] : sum;
  }
}

#if defined(__x86_64__)
// One row at a time, front to back, so each thread's reads form a single sequential stream.
__attribute__((target("avx2,fma"))) void rows_avx2(const MatVecProduct& p, std::int64_t begin,
                                                   std::int64_t end) {
  const std::int64_t cols = p.cols;
  const std::int64_t wide = cols & ~std::int64_t{31};
  const std::int64_t narrow = cols & ~std::int64_t{7};
  for (std::int64_t r = begin; r < end; ++r) {
    const float* w = p.weight + r * cols;
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    std::int64_t j = 0;
    for (; j < wide; j += 32) {
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + j), _mm256_loadu_ps(p.x + j), a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + j + 8), _mm256_loadu_ps(p.x + j + 8), a1);
      a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w + j + 16), _mm256_loadu_ps(p.x + j + 16), a2);
      a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w + j + 24), _mm256_loadu_ps(p.x + j + 24), a3);
    }
    for (; j < narrow; j += 8) {
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + j), _mm256_loadu_ps(p.x + j), a0);
    }
    const __m256 a = _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    float sum = _mm_cvtss_f32(s) + dot_scalar(w + j, p.x + j, cols - j);
    p.y[r] = p.bias ? sum + p.bias[r] : sum;
  }
}
#endif

bool cpu_has_avx2_fma() {
#if defined(__x86_64__)
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

void compute_rows(const MatVecProduct& p, std::int64_t begin, std::int64_t end) {
#if defined(__x86_64__)
  if (cpu_has_avx2_fma()) return rows_avx2(p, begin, end);
#endif
  rows_scalar(p, begin, end);
}

// Rows [begin, end) of the products laid end to end.
void compute_range(std::span<const MatVecProduct> products, std::int64_t begin, std::int64_t end) {
  std::int64_t offset = 0;
  for (const MatVecProduct& p : products) {
    const std::int64_t from = std::max(begin, offset), to = std::min(end, offset + p.rows);
    if (from < to) compute_rows(p, from - offset, to - offset);
    offset += p.rows;
    if (offset >= end) break;
  }
}

}  // namespace

bool MatVec::supported() {
  return cpu_has_avx2_fma();
}

MatVec::MatVec(unsigned threads)
    : threads_(threads ? threads : std::max(1u, std::thread::hardware_concurrency())) {}

MatVec::~MatVec() {
  stopping_.store(true);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  for (std::thread& helper : helpers_) helper.join();
}

void MatVec::start_helpers() {
  const std::uint32_t seen = generation_.load();
  for (unsigned i = 1; i < threads_; ++i) {
    helpers_.emplace_back([this, seen] { helper_loop(seen); });
  }
}

void MatVec::helper_loop(std::uint32_t seen) {
  for (;;) {
    const auto since = std::chrono::steady_clock::now();
    std::uint32_t now = generation_.load(std::memory_order_acquire);
    for (unsigned spins = 1; now == seen; ++spins) {
      if (spins % 256 == 0 && std::chrono::steady_clock::now() - since > kSpin) {
        generation_.wait(seen, std::memory_order_acquire);
      } else {
        pause();
      }
      now = generation_.load(std::memory_order_acquire);
    }
    seen = now;
    if (stopping_.load()) return;
    run_share();
    pending_.fetch_sub(1, std::memory_order_release);
  }
}

void MatVec::run_share() {
  for (;;) {
    const std::int64_t begin = next_row_.fetch_add(job_chunk_, std::memory_order_relaxed);
    if (begin >= job_rows_) return;
    compute_range(job_, begin, std::min(job_rows_, begin + job_chunk_));
  }
}

void MatVec::run(std::span<const MatVecProduct> products) {
  std::int64_t rows = 0, weights = 0;
  for (const MatVecProduct& p : products) {
    rows += p.rows;
    weights += p.rows * p.cols;
  }
  std::unique_lock lock(busy_, std::try_to_lock);
  if (threads_ == 1 || weights < kSplitThreshold || !lock.owns_lock()) {
    compute_range(products, 0, rows);
    return;
  }
  std::call_once(started_, [this] { start_helpers(); });
  job_ = products;
  job_rows_ = rows;
  job_chunk_ = std::max<std::int64_t>(8, kChunkWeights * rows / weights);
  next_row_.store(0, std::memory_order_relaxed);
  pending_.store(threads_ - 1, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  run_share();
  while (pending_.load(std::memory_order_acquire) != 0) pause();
}

}  // namespace reasonrec::engine
