// local_transport.cpp — one in-process worker (id 0), for `t2 run` without an MPI launcher.
#include <unistd.h>

#include <deque>
#include <memory>

#include "orchestrator/sweep/transport.hpp"
#include "contract/job_thread.hpp"

namespace t2 {

namespace {

class LocalTransport final : public Transport {
 public:
  explicit LocalTransport(Workload& w) : workload_(w) {
    char host[256] = {0};
    gethostname(host, sizeof host - 1);
    WorkerEvent ready;
    ready.type = WorkerEvent::Type::ready;
    ready.host = host;
    queue_.push_back(ready);
  }
  int worker_count() const override { return 1; }

  void send_job(int, const JobMessage& job) override {
    if (workload_.quick()) {
      std::atomic<bool> never{false};
      push_result(run_job(workload_, job, never));
      return;
    }
    if (!thread_) thread_ = std::make_unique<JobThread>(workload_);
    thread_->start(job);
  }
  void cancel(int) override {
    if (thread_) thread_->cancel();
  }
  void stop_all() override { thread_.reset(); }

  bool poll(WorkerEvent& out, std::chrono::microseconds wait) override {
    if (queue_.empty() && thread_) {
      if (auto r = thread_->wait_for(std::chrono::duration_cast<std::chrono::milliseconds>(wait)))
        push_result(std::move(*r));
    }
    if (queue_.empty()) return false;
    out = std::move(queue_.front());
    queue_.pop_front();
    return true;
  }

 private:
  void push_result(ResultMessage r) {
    WorkerEvent e;
    e.type = WorkerEvent::Type::result;
    e.result = std::move(r);
    queue_.push_back(std::move(e));
  }
  Workload& workload_;
  std::unique_ptr<JobThread> thread_;
  std::deque<WorkerEvent> queue_;
};

}  // namespace

std::unique_ptr<Transport> make_local_transport(Workload& workload) {
  return std::make_unique<LocalTransport>(workload);
}

}  // namespace t2
