#include "common/thread_pool.h"

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

void chunk(size_t n, int parts, int index, size_t* b, size_t* e) {
  size_t per = n / parts, rem = n % parts;
  *b = index * per + (size_t(index) < rem ? index : rem);
  *e = *b + per + (size_t(index) < rem ? 1 : 0);
}
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
    pending_.store(n_threads_ - 1, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
  }
  cv_start_.notify_all();
  size_t b, e;
  chunk(n, n_threads_, 0, &b, &e);
  if (b < e) fn(b, e, 0);
  for (int s = 0; s < kSpin && pending_.load(std::memory_order_acquire) != 0; ++s) LLMZIP_CPU_RELAX();
  if (pending_.load(std::memory_order_acquire) != 0) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_done_.wait(lock, [this] { return pending_.load(std::memory_order_acquire) == 0; });
  }
}

void ThreadPool::worker(int index) {
  uint64_t seen = 0;
  for (;;) {
    for (int s = 0; s < kSpin && generation_.load(std::memory_order_acquire) == seen && !stop_.load(); ++s)
      LLMZIP_CPU_RELAX();
    const std::function<void(size_t, size_t, int)>* job;
    size_t n;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_start_.wait(lock, [&] { return stop_.load() || generation_.load(std::memory_order_acquire) != seen; });
      if (stop_.load()) return;
      seen = generation_.load(std::memory_order_acquire);
      job = job_;
      n = job_n_;
    }
    size_t b, e;
    chunk(n, n_threads_, index, &b, &e);
    if (b < e) (*job)(b, e, index);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lock(mu_);
      cv_done_.notify_one();
    }
  }
}

}  // namespace llmzip
