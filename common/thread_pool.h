// A fixed pool of worker threads running parallel-for loops. Work is split into
// contiguous index ranges; callers must make each index's result independent of
// which thread runs it (docs/design.md: threads split rows or sequences, never one sum).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "common/status.h"

namespace llmzip {

class ThreadPool {
 public:
  // n_threads >= 1; the calling thread is one of them (n_threads-1 workers spawn).
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Calls fn(begin, end, thread_index) over a partition of [0, n) into
  // contiguous chunks (about 4 per thread), handed out to whichever thread is
  // free, so one descheduled thread does not stall the rest; a thread may get
  // several chunks. Returns when all are done. Not reentrant.
  // A forward pass makes ~100 such calls per token, so workers spin briefly
  // before sleeping: waking a sleeping thread costs more than a small job.
  void parallel_for(size_t n, const std::function<void(size_t, size_t, int)>& fn);

  // fn(i, thread) for every i in [0, n), in increasing i within each chunk; a
  // chunk stops at its first error. Returns the error of the lowest failing i
  // (the same whatever the thread count), or ok.
  Status parallel_for_status(size_t n, const std::function<Status(size_t i, int thread)>& fn);

 private:
  void worker(int index);
  void run_chunks(int thread);
  int n_threads_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_start_, cv_done_;
  const std::function<void(size_t, size_t, int)>* job_ = nullptr;
  size_t job_n_ = 0;
  size_t job_chunk_ = 1;
  std::atomic<size_t> next_{0};
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
};

}  // namespace llmzip
