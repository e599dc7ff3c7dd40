// worker_loop.cpp — the MPI side of a worker (protocol in protocol.hpp).
#include "workers/worker_loop.hpp"

#include <mpi.h>
#include <unistd.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "contract/job_thread.hpp"
#include "contract/protocol.hpp"

namespace t2 {

namespace {

constexpr int kCoordinator = 0;

void send(MessageTag tag, const std::vector<char>& bytes) {
  MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, kCoordinator, static_cast<int>(tag), MPI_COMM_WORLD);
}

std::vector<char> receive(const MPI_Status& probed) {
  int count = 0;
  MPI_Get_count(&probed, MPI_BYTE, &count);
  std::vector<char> buf(static_cast<std::size_t>(count));
  MPI_Recv(buf.data(), count, MPI_BYTE, kCoordinator, probed.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  return buf;
}

}  // namespace

void run_worker(Workload& workload) {
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  send(MessageTag::ready, std::vector<char>(host, host + std::char_traits<char>::length(host)));

  std::unique_ptr<JobThread> thread;  // created on the first job that needs one
  for (;;) {
    MPI_Status st;
    MPI_Probe(kCoordinator, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
    auto bytes = receive(st);
    auto tag = static_cast<MessageTag>(st.MPI_TAG);
    if (tag == MessageTag::stop) return;
    if (tag != MessageTag::job) continue;  // a Cancel for a job that already finished

    JobMessage job = decode_job(bytes.data(), bytes.size());
    if (workload.quick()) {
      std::atomic<bool> never{false};
      send(MessageTag::result, encode_message(run_job(workload, job, never)));
      continue;
    }
    if (!thread) thread = std::make_unique<JobThread>(workload);
    thread->start(std::move(job));
    bool stop_after = false;
    for (;;) {
      if (auto r = thread->wait_for(std::chrono::milliseconds(20))) {
        // After Stop the coordinator receives nothing more (it sends Stop only once it has left
        // its loop): a result sent now would never be matched, and a large one would block this
        // rank in MPI_Send, and mpirun with it. The job is still "running" in the store and
        // reruns on resume.
        if (!stop_after) send(MessageTag::result, encode_message(*r));
        break;
      }
      // Only Cancel and Stop matter while a job runs; a prefetched Job waits its turn.
      for (auto t : {MessageTag::cancel, MessageTag::stop}) {
        int flag = 0;
        MPI_Status cs;
        MPI_Iprobe(kCoordinator, static_cast<int>(t), MPI_COMM_WORLD, &flag, &cs);
        if (!flag) continue;
        receive(cs);
        thread->cancel();
        stop_after = stop_after || t == MessageTag::stop;
      }
    }
    if (stop_after) return;
  }
}

}  // namespace t2
