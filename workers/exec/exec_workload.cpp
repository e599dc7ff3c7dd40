// exec_workload.cpp — per-job files and failure classification of the exec backend (its
// settings are exec_settings.cpp).
#include "workers/exec/exec_workload.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>

#include "contract/input_limits.hpp"

#include "workers/exec/job_result.hpp"

extern char** environ;

namespace t2 {

namespace fs = std::filesystem;

namespace {

// Environment variables of the rank that must not reach a job: those of the MPI launcher. A job
// that itself uses MPI (or a launcher such as torchrun with an MPI backend) would otherwise try
// to join the coordinator's MPI job as the rank that started it. OMPI_MCA_* settings are kept.
bool launcher_private(const std::string& entry) {
  auto starts = [&](const char* p) { return entry.rfind(p, 0) == 0; };
  if (starts("OMPI_MCA_")) return false;
  return starts("OMPI_") || starts("PMIX_") || starts("PMI_");
}

// The last non-empty line of a log (at most 160 characters), for failure reasons.
std::string last_log_line(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  std::streamoff from = std::max<std::streamoff>(0, size - 4096);
  in.seekg(from);
  std::string tail(static_cast<std::size_t>(size - from), '\0');
  in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r' || tail.back() == ' ')) tail.pop_back();
  auto nl = tail.rfind('\n');
  std::string line = nl == std::string::npos ? tail : tail.substr(nl + 1);
  // Stored as part of a failure reason: escape control bytes and invalid UTF-8 (a 0xFF byte
  // broke `t2 status --json`, issue 12 item 11) and keep it short.
  return limits::one_line(line, 160);
}

std::string log_note(const std::string& log) {
  std::string last = last_log_line(log);
  return last.empty() ? fmt::format(" (log: {})", log) : fmt::format(" (log: {}; last line: {})", log, last);
}

// 1 + the highest K among STEM.attempt-K.log in dir: attempts are numbered across retries and
// resumes, so an earlier attempt's log is never overwritten.
void refuse_linked_dir(const std::string& dir) {
  struct stat st {};
  if (::lstat(dir.c_str(), &st) == 0 && S_ISLNK(st.st_mode))
    throw JobFailure(FailureClass::error, fmt::format("run directory {} is a symbolic link; refusing to follow it", dir));
}

int next_attempt(const std::string& dir, const std::string& stem) {
  int highest = 0;
  std::error_code ec;
  std::string prefix = stem + ".attempt-";
  for (auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0 || name.size() < prefix.size() + 5 || name.substr(name.size() - 4) != ".log") continue;
    std::string k = name.substr(prefix.size(), name.size() - 4 - prefix.size());
    if (k.empty() || k.find_first_not_of("0123456789") != std::string::npos || k.size() > 6) continue;
    highest = std::max(highest, std::stoi(k));
  }
  return highest + 1;
}

}  // namespace

std::unique_ptr<Workload> make_exec_workload(TableReader& settings, std::uint64_t sweep_seed, bool check_programs) {
  return std::make_unique<ExecWorkload>(read_exec_settings(settings, check_programs), sweep_seed);
}

ExecWorkload::Prepared ExecWorkload::prepare(const std::vector<std::string>& argv_template, PlaceholderValues values,
                                             const std::string& run_dir, const std::string& stem, const char* kind,
                                             std::uint64_t index, std::uint64_t seed) const {
  Prepared job;
  std::error_code ec;
  if (run_dir.empty()) {
    std::string base = settings_.scratch_dir;
    if (base.empty()) base = std::getenv("TMPDIR") && *std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
    job.run_dir = (fs::path(base) / fmt::format("t2-exec-{}-{}-{:016x}", kind, index, seed)).string();
  } else {
    job.run_dir = run_dir;
  }
  job.run_dir = fs::absolute(job.run_dir, ec).lexically_normal().string();
  // A link planted at a store's run folder (STORE.d/run-NNNNNN) or at STORE.d would send the
  // job's logs and results to its target (issue 12 item 13): checked before and after creating.
  std::vector<std::string> checked = {job.run_dir};
  if (!run_dir.empty()) checked.push_back(fs::path(job.run_dir).parent_path().string());
  for (auto& d : checked) refuse_linked_dir(d);
  fs::create_directories(job.run_dir, ec);
  if (ec) throw JobFailure(FailureClass::error, fmt::format("cannot create run directory {}: {}", job.run_dir, ec.message()));
  for (auto& d : checked) refuse_linked_dir(d);

  int attempt = next_attempt(job.run_dir, stem);
  job.log = (fs::path(job.run_dir) / fmt::format("{}.attempt-{}.log", stem, attempt)).string();
  job.result = (fs::path(job.run_dir) / (stem + ".result.json")).string();
  // A result left by an earlier attempt must never be taken for this one's.
  fs::remove(job.result, ec);

  values["run_dir"] = job.run_dir;
  values["result"] = job.result;
  values["attempt"] = std::to_string(attempt);
  for (auto& a : argv_template) job.argv.push_back(expand(a, values));

  // Environment: the rank's (minus the MPI launcher's own variables), then T2_*, then [env].
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string entry(*e);
    auto eq = entry.find('=');
    if (eq == std::string::npos || launcher_private(entry)) continue;
    env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  env["T2_JOB_KIND"] = kind;
  for (auto& [name, value] : values) env[env_name(name)] = value;
  for (auto& [key, value] : settings_.env) env[key] = expand(value, values);
  for (auto& [k, v] : env) job.env.push_back(k + "=" + v);
  return job;
}

void ExecWorkload::run(const Prepared& job, const char* kind, const CancelFlag& cancel) const {
  if (cancel.load()) throw JobFailure(FailureClass::cancelled, fmt::format("{} job not started: shutdown", kind));
  // The result path names the job across attempts: the tag that keeps attempts apart (child_process.hpp).
  ChildOutcome out = run_child(job.argv, job.env, job.log, {settings_.timeout, settings_.grace, job.result}, cancel);
  using End = ChildOutcome::End;
  std::string stop = out.killed ? fmt::format("stopped with SIGTERM, then SIGKILL after {} s grace", settings_.grace)
                                : "stopped with SIGTERM";
  switch (out.end) {
    case End::exited:
      if (out.exit_code == 0) return;
      throw JobFailure(FailureClass::exit_code,
                       fmt::format("{} command exited with code {}{}", kind, out.exit_code, log_note(job.log)));
    case End::signalled:
      throw JobFailure(FailureClass::signal,
                       fmt::format("{} command killed by {}{}", kind, signal_abbreviation(out.signal), log_note(job.log)));
    case End::timed_out:
      throw JobFailure(FailureClass::timeout, fmt::format("{} command exceeded the timeout of {} s; {}{}", kind,
                                                          settings_.timeout, stop, log_note(job.log)));
    case End::cancelled:
      throw JobFailure(FailureClass::cancelled,
                       fmt::format("{} command cancelled by shutdown after {:.1f} s; {}", kind, out.seconds, stop));
    case End::not_started:
      throw JobFailure(FailureClass::error, fmt::format("{} command could not start: {}", kind, out.start_error));
  }
}

void ExecWorkload::finish(const Prepared& job) const {
  if (settings_.keep_logs) return;
  std::error_code ec;
  fs::remove(job.log, ec);
}

TrainResult ExecWorkload::train(const TrainSpec& spec, const CancelFlag& cancel) {
  Prepared job = prepare(settings_.train, train_values(spec), spec.run_dir, "train", "train", spec.index, spec.seed);
  run(job, "train", cancel);
  TrainResult r;
  try {
    r = read_train_result(job.result);
  } catch (const ResultError& e) {
    throw JobFailure(FailureClass::bad_result, e.what());
  }
  finish(job);
  return r;
}

EvalResult ExecWorkload::evaluate(const EvalSpec& spec, const CancelFlag& cancel) {
  std::string stem = fmt::format("eval-{}", spec.index);
  Prepared job = prepare(settings_.eval, eval_values(spec, sweep_seed_), spec.run_dir, stem, "eval", spec.index, spec.seed);
  run(job, "eval", cancel);
  EvalResult r;
  try {
    r = read_eval_result(job.result, {spec.problems, spec.samples, spec.n_params, settings_.tokens_per_sample});
  } catch (const ResultError& e) {
    throw JobFailure(FailureClass::bad_result, e.what());
  }
  finish(job);
  return r;
}

}  // namespace t2
