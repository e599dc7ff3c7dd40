// bench_commit.cpp — what it costs to make one eval result durable: eval_done + commit() of a
// 1,000 problems x 64 samples result (journal, with and without fdatasync), and the
// sync_hdf5() that follows, against a plain sequential write() of the same bytes measured in
// the same run. Also reports whether sync cost and file growth stay flat as the store grows.
//
// usage: bench_commit [DIR] [RESULTS]   (DIR: scratch directory, default ./bench_commit_scratch;
//                                         RESULTS: eval results per variant, default 200)
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "orchestrator/store/events.hpp"
#include "orchestrator/store/store.hpp"

using namespace t2;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::uint32_t kProblems = 1000, kSamples = 64;

EvalResult result(std::uint32_t i) {
  EvalResult e;
  e.problems = kProblems;
  e.samples = kSamples;
  e.correct.resize(std::size_t(kProblems) * kSamples);
  std::uint64_t x = 0x9e3779b97f4a7c15ull * (i + 1);
  for (auto& c : e.correct) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    c = (x & 3) == 0;
  }
  for (std::uint32_t p = 0; p < kProblems; ++p) e.answer_nll.push_back(0.1 + (p % 17) * 0.3);
  e.flops = 1e12;
  e.tokens_per_sample = 64;
  return e;
}

double us_since(Clock::time_point t0) { return std::chrono::duration<double, std::micro>(Clock::now() - t0).count(); }

struct Stats {
  std::vector<double> v;
  double median() const {
    auto s = v;
    std::sort(s.begin(), s.end());
    return s.empty() ? 0 : s[s.size() / 2];
  }
  // Median of the first / last tenth: does the cost grow with the store?
  double median_of(std::size_t from, std::size_t to) const {
    std::vector<double> s(v.begin() + from, v.begin() + to);
    std::sort(s.begin(), s.end());
    return s.empty() ? 0 : s[s.size() / 2];
  }
};

// Plain sequential writes of `bytes`-sized blocks to one file (the baseline).
Stats plain_writes(const std::string& path, std::size_t bytes, int n, bool fsync) {
  std::vector<char> block(bytes, 'x');
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::perror(path.c_str());
    std::exit(1);
  }
  Stats s;
  for (int i = 0; i < n; ++i) {
    auto t0 = Clock::now();
    if (::write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size())) std::exit(1);
    if (fsync) ::fdatasync(fd);
    s.v.push_back(us_since(t0));
  }
  ::close(fd);
  return s;
}

struct StoreStats {
  Stats commit, sync;
  std::uint64_t h5_first = 0, h5_last = 0;  // .h5 size after the first and last sync
};

StoreStats store_commits(const std::string& dir, int n, bool fsync, bool sync_each) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string path = dir + "/bench.h5";
  StoreOptions opt;
  opt.fsync = fsync;
  Store s = Store::create(path, "[sweep]\nname = \"bench\"\n", "", opt);
  std::vector<PlannedRun> runs(1);
  std::vector<PlannedEval> evals(static_cast<std::size_t>(n));
  for (auto& e : evals) {
    e.run = 0;
    e.task = "arith";
    e.problems = kProblems;
    e.samples = kSamples;
  }
  s.plan_batch(runs, evals);
  JobMeta meta;
  meta.attempt = 1;
  meta.host = "bench";
  s.job_started(JobKind::train, 0, meta);
  s.train_done(0, TrainResult{}, meta);
  s.sync_hdf5();
  StoreStats st;
  for (int i = 0; i < n; ++i) {
    EvalResult r = result(static_cast<std::uint32_t>(i));
    s.job_started(JobKind::eval, static_cast<JobIndex>(i), meta);
    s.commit();
    auto t0 = Clock::now();
    s.eval_done(static_cast<JobIndex>(i), r, meta);
    s.commit();
    st.commit.v.push_back(us_since(t0));
    if (!sync_each) continue;
    t0 = Clock::now();
    s.sync_hdf5();
    st.sync.v.push_back(us_since(t0));
    if (i == 0) st.h5_first = std::filesystem::file_size(path);
  }
  s.close();
  st.h5_last = std::filesystem::file_size(path);
  return st;
}

// Zero-work jobs through the store as the coordinator drives it: job_started + train_done per
// job, one commit per `group` jobs (a drained set of messages), no fdatasync. Returns jobs/s.
double small_events(const std::string& dir, int jobs, int group) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  StoreOptions opt;
  opt.fsync = false;
  Store s = Store::create(dir + "/events.h5", "[sweep]\nname = \"bench\"\n", "", opt);
  s.plan_batch(std::vector<PlannedRun>(static_cast<std::size_t>(jobs)), {});
  s.commit();
  JobMeta meta;
  meta.attempt = 1;
  meta.host = "bench";
  TrainResult r;
  r.final_loss = 3.0;
  auto t0 = Clock::now();
  for (int i = 0; i < jobs; ++i) {
    s.job_started(JobKind::train, static_cast<JobIndex>(i), meta);
    s.train_done(static_cast<JobIndex>(i), r, meta);
    if ((i + 1) % group == 0) s.commit();
  }
  s.commit();
  double seconds = us_since(t0) / 1e6;
  return jobs / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : "bench_commit_scratch";
  int n = argc > 2 ? std::atoi(argv[2]) : 200;
  if (n < 10) n = 10;
  std::filesystem::create_directories(dir);
  // The journal record of one result: the same bytes the baseline writes.
  std::size_t record = encode(EvalDoneRecord{0, result(0), JobMeta{}}).size() + journal_frame_size(kJournalFormat);

  Stats plain = plain_writes(dir + "/plain.bin", record, n, false);
  Stats plain_sync = plain_writes(dir + "/plain_sync.bin", record, n, true);
  // Commits alone (the coordinator's group commit between .h5 syncs), then commit + sync each time.
  StoreStats nosync_alone = store_commits(dir + "/nosync_alone", n, false, false);
  StoreStats sync_alone = store_commits(dir + "/sync_alone", n, true, false);
  StoreStats nosync = store_commits(dir + "/nosync", n, false, true);
  StoreStats sync = store_commits(dir + "/sync", n, true, true);

  std::size_t tenth = static_cast<std::size_t>(n) / 10;
  std::printf("bench_commit: one eval result of %u problems x %u samples = %zu bytes in the journal, %d results\n",
              kProblems, kSamples, record, n);
  std::printf("(medians; this machine is shared, so treat the numbers as noisy)\n\n");
  std::printf("%-44s %12s %10s\n", "operation", "median [us]", "ratio");
  std::printf("%-44s %12.1f %10s\n", "plain write() of the same bytes", plain.median(), "1.00");
  std::printf("%-44s %12.1f %10.2f\n", "eval_done + commit, no fdatasync", nosync_alone.commit.median(),
              nosync_alone.commit.median() / plain.median());
  std::printf("%-44s %12.1f %10.2f\n", "  same, with a sync_hdf5 after each", nosync.commit.median(),
              nosync.commit.median() / plain.median());
  std::printf("%-44s %12.1f %10s\n", "plain write() + fdatasync", plain_sync.median(), "1.00");
  std::printf("%-44s %12.1f %10.2f\n", "eval_done + commit, fdatasync", sync_alone.commit.median(),
              sync_alone.commit.median() / plain_sync.median());
  std::printf("%-44s %12.1f %10.2f\n", "  same, with a sync_hdf5 after each", sync.commit.median(),
              sync.commit.median() / plain_sync.median());
  std::printf("%-44s %12.1f %10.2f  (vs plain write)\n", "sync_hdf5 after it, no fdatasync", nosync.sync.median(),
              nosync.sync.median() / plain.median());
  std::printf("%-44s %12.1f %10.2f  (vs write + fdatasync)\n", "sync_hdf5 after it, fdatasync", sync.sync.median(),
              sync.sync.median() / plain_sync.median());
  std::printf("\nsync_hdf5 cost as the store grows (no fdatasync): first tenth %.1f us, last tenth %.1f us\n",
              nosync.sync.median_of(0, tenth), nosync.sync.median_of(static_cast<std::size_t>(n) - tenth,
                                                                      static_cast<std::size_t>(n)));
  std::printf(".h5 size: %.1f KiB after the first result, %.1f KiB after %d (%.1f KiB per result)\n",
              nosync.h5_first / 1024.0, nosync.h5_last / 1024.0, n,
              (nosync.h5_last - nosync.h5_first) / 1024.0 / (n - 1));
  double events = small_events(dir + "/events", 200000, 64);
  std::printf("\nzero-work jobs through the store (job_started + train_done, commit per 64 jobs, no fdatasync): "
              "%.0f jobs/s\n", events);
  std::filesystem::remove_all(dir);
  return 0;
}
