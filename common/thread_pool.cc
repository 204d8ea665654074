#include "common/thread_pool.h"

#include <algorithm>
#include <cassert>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define LLMZIP_CPU_RELAX() _mm_pause()
#else
#define LLMZIP_CPU_RELAX() std::this_thread::yield()
#endif

namespace llmzip {
namespace {
// Spin iterations before blocking (~tens of microseconds).
constexpr int kSpin = 2000;

}  // namespace

ThreadPool::ThreadPool(int n_threads) : n_threads_(n_threads < 1 ? 1 : n_threads) {
  for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { worker(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_.store(true);
  }
  cv_start_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::parallel_for(size_t n, const std::function<void(size_t, size_t, int)>& fn) {
  if (n == 0) return;
  if (n_threads_ == 1 || n == 1) {
    fn(0, n, 0);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    job_ = &fn;
    job_n_ = n;
    job_chunk_ = (n + 4 * size_t(n_threads_) - 1) / (4 * size_t(n_threads_));
    next_.store(0, std::memory_order_relaxed);
    pending_.store(n_threads_ - 1, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
  }
  cv_start_.notify_all();
  run_chunks(0);
  for (int s = 0; s < kSpin && pending_.load(std::memory_order_acquire) != 0; ++s) LLMZIP_CPU_RELAX();
  if (pending_.load(std::memory_order_acquire) != 0) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_done_.wait(lock, [this] { return pending_.load(std::memory_order_acquire) == 0; });
  }
}

void ThreadPool::run_chunks(int thread) {
  for (;;) {
    const size_t b = next_.fetch_add(job_chunk_, std::memory_order_relaxed);
    if (b >= job_n_) return;
    (*job_)(b, std::min(job_n_, b + job_chunk_), thread);
  }
}

void ThreadPool::worker(int index) {
  uint64_t seen = 0;
  for (;;) {
    for (int s = 0; s < kSpin && generation_.load(std::memory_order_acquire) == seen && !stop_.load(); ++s)
      LLMZIP_CPU_RELAX();
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_start_.wait(lock, [&] { return stop_.load() || generation_.load(std::memory_order_acquire) != seen; });
      if (stop_.load()) return;
      seen = generation_.load(std::memory_order_acquire);
    }
    run_chunks(index);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lock(mu_);
      cv_done_.notify_one();
    }
  }
}

Status ThreadPool::parallel_for_status(size_t n, const std::function<Status(size_t, int)>& fn) {
  std::mutex mu;
  size_t failed_at = SIZE_MAX;
  Status first;
  parallel_for(n, [&](size_t b, size_t e, int thread) {
    for (size_t i = b; i < e; ++i) {
      Status st = fn(i, thread);
      if (st.is_ok()) continue;
      std::lock_guard<std::mutex> lock(mu);
      if (i < failed_at) {
        failed_at = i;
        first = std::move(st);
      }
      return;
    }
  });
  return first;
}

}  // namespace llmzip
