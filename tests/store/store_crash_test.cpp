// store_crash_test.cpp — kill -9 of a process writing the store, at 13 different points
// (after N acknowledged commits, and inside commit/sync/rebuild at named steps), then reopen:
// the completed count never goes below what the child acknowledged, no job is stored twice,
// every stored result is intact, h5dump reads the file, and the .h5 equals the journal.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>

#include "orchestrator/store/compare.hpp"
#include "orchestrator/store/journal.hpp"
#include "orchestrator/store/store.hpp"
#include "tests/store/store_fixtures.hpp"

using namespace t2;
using namespace t2::test;

namespace {

constexpr int kEvals = 120, kProblems = 200, kSamples = 64;

struct ChildRun {
  long acked = -1;       // the highest "acked N" the child printed
  bool killed = false;   // died of SIGKILL
  bool finished = false; // printed "finished" and exited 0
};

// Runs the crasher on `path`. crash_at: "STEP:K" (the child kills itself there) or "";
// kill_at_ack >= 0: the test sends SIGKILL once the child has acknowledged that many jobs.
ChildRun run_child(const std::string& path, const std::string& crash_at, long kill_at_ack) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    if (!crash_at.empty()) ::setenv("T2_CRASH_AT", crash_at.c_str(), 1);
    else ::unsetenv("T2_CRASH_AT");
    std::string e = std::to_string(kEvals), p = std::to_string(kProblems), s = std::to_string(kSamples);
    ::execl(T2_STORE_CRASHER, "store_crasher", path.c_str(), e.c_str(), p.c_str(), s.c_str(), nullptr);
    ::_exit(127);
  }
  ::close(fds[1]);
  ChildRun run;
  FILE* in = ::fdopen(fds[0], "r");
  char line[256];
  bool sent = false;
  while (std::fgets(line, sizeof line, in)) {
    long n = 0;
    if (std::sscanf(line, "acked %ld", &n) == 1) run.acked = std::max(run.acked, n);
    if (std::strncmp(line, "finished", 8) == 0) run.finished = true;
    if (kill_at_ack >= 0 && !sent && run.acked >= kill_at_ack) {
      ::kill(pid, SIGKILL);
      sent = true;
    }
  }
  std::fclose(in);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  run.killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  if (run.finished) run.finished = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  return run;
}

std::size_t done_jobs(const StoreContents& c) {
  std::size_t n = 0;
  for (auto& r : c.runs) n += r.state == JobState::done;
  for (auto& e : c.evals) n += e.state == JobState::done;
  return n;
}

// Opens (recovers) and closes the store, then checks everything a crash must not break.
std::size_t check_store(const std::string& path, long acked, std::size_t before) {
  std::size_t done = 0;
  {
    Store s = Store::open(path);
    const auto& c = s.contents();
    done = done_jobs(c);
    if (acked >= 0) CHECK(done >= static_cast<std::size_t>(acked));  // -1: killed before its first ack
    CHECK(done >= before);
    for (auto& r : c.runs)
      if (r.state == JobState::done) CHECK(r.result.final_loss == train_result(r.index).final_loss);
    for (auto& e : c.evals)
      if (e.state == JobState::done) CHECK(e.result.correct == eval_result(e.index, kProblems, kSamples).correct);
    CHECK(s.requeue_running() <= 1);
  }
  // No job stored twice: at most one done record per job in the whole journal.
  JournalScan scan = scan_journal(path + ".journal");
  std::map<std::pair<int, std::uint32_t>, int> done_records;
  for (auto& rec : scan.records)
    if (rec.type == RecordType::train_done || rec.type == RecordType::eval_done) {
      std::uint32_t index;
      std::memcpy(&index, rec.payload, 4);
      done_records[{static_cast<int>(rec.type), index}] += 1;
    }
  for (auto& [key, count] : done_records) CHECK(count == 1);
  CHECK(done_records.size() == done);

  std::string cmd = std::string(T2_H5DUMP) + " '" + path + "' > /dev/null 2>&1";
  CHECK(std::system(cmd.c_str()) == 0);
  CHECK(validate_store(path).empty());
  return done;
}

}  // namespace

TEST_CASE("SIGKILL at 13 points of commits, syncs and rebuilds loses no acknowledged result", "[store][crash]") {
  std::string dir = scratch_dir("crash");
  std::string path = dir + "/sweep.h5";
  struct Round {
    const char* crash_at;  // child kills itself at this probe step
    long extra_acks;       // or: the test kills it after this many more acknowledged jobs
    bool delete_h5;        // delete the .h5 first, so the child's open rebuilds it
  };
  const Round rounds[] = {
      {"", 3, false},                    // between commits
      {"journal_written:3", -1, false},  // a commit written, not yet acknowledged
      {"sync_begin:1", -1, false},       // a sync about to start
      {"copied:2", -1, false},           // the .h5 copied to STORE.rebuild, nothing updated yet
      {"tables:1", -1, false},           // the copy's tables rewritten, outcomes not yet
      {"outcome:2", -1, false},          // between two outcome groups of the copy
      {"written:1", -1, false},          // the copy complete, not yet renamed over STORE
      {"published:2", -1, false},        // just after the copy was renamed over STORE
      {"rebuild_outcome:3", -1, true},   // inside a rebuild at open
      {"rebuild_written:1", -1, true},   // rebuild complete, not yet renamed
      {"renamed:1", -1, true},           // just after the rename
      {"", 5, false},                    // between commits again
      {"", 1, true},                     // right after the first ack of a run that rebuilt
  };
  std::size_t done = 0;
  int kills = 0;
  for (const auto& round : rounds) {
    INFO("round crash_at='" << round.crash_at << "' extra_acks=" << round.extra_acks);
    if (round.delete_h5) std::filesystem::remove(path);
    long kill_at = round.extra_acks >= 0 ? static_cast<long>(done) + round.extra_acks : -1;
    ChildRun run = run_child(path, round.crash_at, kill_at);
    REQUIRE(run.killed);
    REQUIRE_FALSE(run.finished);
    ++kills;
    done = check_store(path, run.acked, done);
  }
  CHECK(kills >= 10);
  // Finally let it run to the end: every job done exactly once, .h5 equal to the journal.
  ChildRun last = run_child(path, "", -1);
  REQUIRE(last.finished);
  done = check_store(path, last.acked, done);
  CHECK(done == 8 + static_cast<std::size_t>(kEvals));
  std::string copy = dir + "/h5only.h5";
  std::filesystem::copy_file(path, copy);
  CHECK(first_difference(read_store(path), read_store(copy)) == "");
}
