// mpi_transport.cpp — the coordinator's side of the MPI protocol (workers/worker_loop.cpp is
// the other side). Polls with MPI_Iprobe and backs off with short sleeps, so an idle
// coordinator does not take a core from the workers on an oversubscribed node.
#include <mpi.h>

#include <thread>
#include <vector>

#include "orchestrator/sweep/transport.hpp"

namespace t2 {

namespace {

class MpiTransport final : public Transport {
 public:
  MpiTransport() { MPI_Comm_size(MPI_COMM_WORLD, &size_); }
  int worker_count() const override { return size_ - 1; }

  void send_job(int worker, const JobMessage& job) override {
    auto bytes = encode_message(job);
    MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, worker, static_cast<int>(MessageTag::job),
             MPI_COMM_WORLD);
  }
  void cancel(int worker) override {
    char none = 0;
    MPI_Send(&none, 0, MPI_BYTE, worker, static_cast<int>(MessageTag::cancel), MPI_COMM_WORLD);
  }
  void stop_all() override {
    char none = 0;
    for (int w = 1; w < size_; ++w) MPI_Send(&none, 0, MPI_BYTE, w, static_cast<int>(MessageTag::stop), MPI_COMM_WORLD);
  }

  bool poll(WorkerEvent& out, std::chrono::microseconds wait) override {
    auto deadline = std::chrono::steady_clock::now() + wait;
    int spins = 0;
    for (;;) {
      int flag = 0;
      MPI_Status st;
      MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
      if (flag) {
        int count = 0;
        MPI_Get_count(&st, MPI_BYTE, &count);
        buf_.resize(static_cast<std::size_t>(count));
        MPI_Recv(buf_.data(), count, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        out.worker = st.MPI_SOURCE;
        if (st.MPI_TAG == static_cast<int>(MessageTag::ready)) {
          out.type = WorkerEvent::Type::ready;
          out.host.assign(buf_.begin(), buf_.end());
        } else {
          out.type = WorkerEvent::Type::result;
          out.result = decode_result(buf_.data(), buf_.size());
        }
        return true;
      }
      if (std::chrono::steady_clock::now() >= deadline) return false;
      // Spin briefly (results often arrive within microseconds), then sleep in short slices.
      if (++spins > 64) std::this_thread::sleep_for(std::chrono::microseconds(spins > 1024 ? 500 : 50));
    }
  }

 private:
  int size_ = 1;
  std::vector<char> buf_;
};

}  // namespace

std::unique_ptr<Transport> make_mpi_transport() { return std::make_unique<MpiTransport>(); }

}  // namespace t2
