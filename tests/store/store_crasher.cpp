// store_crasher.cpp — the child of the store crash test: runs a sweep's worth of store events
// (train results, then big eval results), committing after each and syncing the .h5 every
// second eval, and prints "acked N" (N = jobs done) on stdout after every commit returns.
// T2_CRASH_AT=STEP:K makes it SIGKILL itself the K-th time it reaches the store's probe STEP
// (StoreOptions::probe), so a test can kill it inside a write at an exact point.
//
// usage: store_crasher STORE N_EVALS PROBLEMS SAMPLES
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "orchestrator/store/store.hpp"
#include "tests/store/store_fixtures.hpp"

using namespace t2;

namespace {

std::string crash_step;
long crash_count = 0;

void probe(const char* step) {
  if (crash_step == step && --crash_count == 0) std::raise(SIGKILL);
}

std::size_t done_jobs(const StoreContents& c) {
  std::size_t n = 0;
  for (auto& r : c.runs) n += r.state == JobState::done;
  for (auto& e : c.evals) n += e.state == JobState::done;
  return n;
}

void ack(const Store& s) {
  std::printf("acked %zu\n", done_jobs(s.contents()));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: store_crasher STORE N_EVALS PROBLEMS SAMPLES\n");
    return 2;
  }
  std::string path = argv[1];
  auto n_evals = static_cast<std::uint32_t>(std::atoi(argv[2]));
  auto problems = static_cast<std::uint32_t>(std::atoi(argv[3]));
  auto samples = static_cast<std::uint32_t>(std::atoi(argv[4]));
  if (const char* at = std::getenv("T2_CRASH_AT")) {
    std::string spec = at;
    auto colon = spec.find(':');
    crash_step = spec.substr(0, colon);
    crash_count = colon == std::string::npos ? 1 : std::atol(spec.c_str() + colon + 1);
  }
  StoreOptions opt;
  opt.fsync = false;  // kill -9 keeps the page cache; fdatasync only matters for power loss
  opt.probe = probe;
  try {
    constexpr std::uint32_t kRuns = 8;
    Store s = Store::exists(path) ? Store::open(path, opt) : Store::create(path, "[sweep]\nname = \"crash\"\n", "", opt);
    if (s.contents().batches.empty()) {
      std::vector<PlannedRun> runs;
      std::vector<PlannedEval> evals;
      test::plan(runs, evals, 0, kRuns, n_evals / kRuns, problems, samples);
      s.plan_batch(runs, evals);
    }
    s.requeue_running();
    s.commit();
    ack(s);
    std::uint32_t attempt_time = 0;
    for (JobIndex r = 0; r < s.contents().runs.size(); ++r) {
      if (s.contents().runs[r].state != JobState::pending) continue;
      auto attempt = s.contents().runs[r].attempts + 1;
      s.job_started(JobKind::train, r, test::meta(attempt, ++attempt_time));
      s.train_done(r, test::train_result(r), test::meta(attempt, ++attempt_time));
      s.commit();
      ack(s);
    }
    int since_sync = 0;
    for (JobIndex e = 0; e < s.contents().evals.size(); ++e) {
      if (s.contents().evals[e].state != JobState::pending) continue;
      auto attempt = s.contents().evals[e].attempts + 1;
      s.job_started(JobKind::eval, e, test::meta(attempt, ++attempt_time));
      s.commit();  // a running job in the journal: resume must requeue it
      s.eval_done(e, test::eval_result(e, problems, samples), test::meta(attempt, ++attempt_time));
      s.commit();
      ack(s);
      if (++since_sync == 2) {
        s.sync_hdf5();
        since_sync = 0;
      }
    }
    s.close();
    std::printf("finished\n");
    std::fflush(stdout);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "store_crasher: %s\n", e.what());
    return 1;
  }
  return 0;
}
