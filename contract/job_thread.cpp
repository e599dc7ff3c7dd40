// job_thread.cpp — see job_thread.hpp.
#include "contract/job_thread.hpp"

namespace t2 {

JobThread::JobThread(Workload& workload) : workload_(workload), thread_([this] { loop(); }) {}

JobThread::~JobThread() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    quit_ = true;
    cancel_.store(true);
  }
  cv_.notify_all();
  thread_.join();
}

void JobThread::start(JobMessage job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancel_.store(false);
    result_.reset();
    job_ = std::move(job);
  }
  cv_.notify_all();
}

bool JobThread::busy() const {
  std::lock_guard<std::mutex> lock(mu_);
  return job_.has_value();
}

std::optional<ResultMessage> JobThread::wait_for(std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, wait, [&] { return result_.has_value(); });
  if (!result_) return std::nullopt;
  auto r = std::move(*result_);
  result_.reset();
  return r;
}

void JobThread::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return quit_ || job_.has_value(); });
    if (quit_) return;
    JobMessage job = *job_;
    lock.unlock();
    ResultMessage r = run_job(workload_, job, cancel_);
    lock.lock();
    job_.reset();
    result_ = std::move(r);
    cv_.notify_all();
  }
}

}  // namespace t2
