// parallel.cpp — a fixed pool of sleeping worker threads (see parallel.hpp).
#include "workers/builtin/parallel.hpp"

#include <cblas.h>
#include <sched.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace t2::builtin {

namespace {

class Pool {
 public:
  ~Pool() { resize(1); }

  void resize(int n) {
    if (n == int(workers_.size()) + 1) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      ++generation_;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
    stop_ = false;
    // A new worker waits for the next generation, not the one that stopped its predecessors.
    for (int i = 1; i < n; ++i) workers_.emplace_back([this, i, g = generation_] { loop(i, g); });
  }

  int size() const { return int(workers_.size()) + 1; }

  void run(int n, const std::function<void(int, int)>& fn) {
    const int parts = std::min(size(), n);
    if (parts <= 1) {
      if (n > 0) fn(0, n);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      fn_ = &fn;
      n_ = n;
      parts_ = parts;
      pending_ = parts - 1;
      ++generation_;
    }
    wake_.notify_all();
    chunk(0);
    std::unique_lock<std::mutex> lock(mu_);
    done_.wait(lock, [this] { return pending_ == 0; });
    fn_ = nullptr;
  }

 private:
  void chunk(int part) {
    int per = (n_ + parts_ - 1) / parts_;
    int begin = part * per, end = std::min(n_, begin + per);
    if (begin < end) (*fn_)(begin, end);
  }

  void loop(int index, std::uint64_t seen) {
    for (;;) {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [&] { return generation_ != seen; });
      seen = generation_;
      if (stop_) return;
      if (index >= parts_) continue;  // this round has fewer chunks than threads
      lock.unlock();
      chunk(index);
      lock.lock();
      if (--pending_ == 0) done_.notify_one();
    }
  }

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable wake_, done_;
  std::uint64_t generation_ = 0;
  bool stop_ = false;
  const std::function<void(int, int)>* fn_ = nullptr;
  int n_ = 0, parts_ = 0, pending_ = 0;
};

Pool& pool() {
  static Pool p;
  return p;
}

}  // namespace

void set_threads(int n) {
  openblas_set_num_threads(1);  // BLAS calls run inside our chunks
  pool().resize(std::max(1, n));
}

int threads() { return pool().size(); }

int available_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return int(std::max(1u, std::thread::hardware_concurrency()));
}

void parallel_for(int n, double work, const std::function<void(int, int)>& fn) {
  if (work < kMinParallelWork) {
    if (n > 0) fn(0, n);
    return;
  }
  pool().run(n, fn);
}

}  // namespace t2::builtin
