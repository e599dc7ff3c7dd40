// child_process.cpp — fork/exec with a process group, log redirection, timeout and cancel.
// fork+exec rather than posix_spawn because the child must also set PR_SET_PDEATHSIG: if the
// MPI rank is killed (mpirun abort, node teardown), its job must not run on as an orphan.
#include "workers/exec/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include <fmt/format.h>

namespace t2 {

namespace {

using Clock = std::chrono::steady_clock;

// How often the parent looks at the child, the clock and the cancel flag. 10 ms keeps the
// reaction to a cancel far below the shutdown grace while costing nothing measurable.
constexpr auto kPoll = std::chrono::milliseconds(10);

std::string find_program(const std::string& name, const std::vector<std::string>& env) {
  if (name.find('/') != std::string::npos) return name;
  std::string path = "/usr/local/bin:/usr/bin:/bin";
  for (auto& e : env)
    if (e.rfind("PATH=", 0) == 0) path = e.substr(5);
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = end > start ? path.substr(start, end - start) : std::string(".");
    std::string candidate = dir + "/" + name;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
    start = end + 1;
  }
  return "";
}

// True once `pid` has been reaped; fills `status`.
bool reap(pid_t pid, int& status, bool block) {
  for (;;) {
    pid_t r = ::waitpid(pid, &status, block ? 0 : WNOHANG);
    if (r == pid) return true;
    if (r == 0) return false;
    if (errno == EINTR) continue;
    return true;  // ECHILD: someone else reaped it; treat as gone
  }
}

}  // namespace

std::string signal_abbreviation(int sig) {
  if (const char* abbrev = ::sigabbrev_np(sig)) return std::string("SIG") + abbrev;
  return fmt::format("signal {}", sig);
}

ChildOutcome run_child(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                       const std::string& log_path, const ChildLimits& limits, const CancelFlag& cancel) {
  ChildOutcome out;
  auto t0 = Clock::now();
  if (argv.empty() || argv[0].empty()) {
    out.end = ChildOutcome::End::not_started;
    out.start_error = "empty command";
    return out;
  }
  std::string program = find_program(argv[0], env);
  if (program.empty()) {
    out.end = ChildOutcome::End::not_started;
    out.start_error = fmt::format("'{}' not found in PATH", argv[0]);
    return out;
  }

  // Everything the child needs is built before fork: between fork and exec only
  // async-signal-safe calls are allowed (the rank may have MPI progress threads).
  std::vector<char*> cargv, cenv;
  for (auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (auto& e : env) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);

  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    out.end = ChildOutcome::End::not_started;
    out.start_error = fmt::format("cannot open log file {}: {}", log_path, std::strerror(errno));
    return out;
  }
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  // The exec-error pipe: closed by a successful exec (O_CLOEXEC), carries errno otherwise.
  int err_pipe[2];
  if (null_fd < 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    int e = errno;
    ::close(log_fd);
    if (null_fd >= 0) ::close(null_fd);
    out.end = ChildOutcome::End::not_started;
    out.start_error = fmt::format("cannot set up the child: {}", std::strerror(e));
    return out;
  }
  pid_t parent = ::getpid();

  pid_t pid = ::fork();
  if (pid == 0) {
    // --- child: async-signal-safe calls only ---
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the rank died between fork and prctl
    // Default dispositions and an empty mask: the rank may block or ignore signals (the
    // coordinator's handlers, MPI's SIGPIPE), and both survive exec.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; ++s)
      if (s != SIGKILL && s != SIGSTOP) ::sigaction(s, &dfl, nullptr);
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    ::execve(program.c_str(), cargv.data(), cenv.data());
    int e = errno;
    [[maybe_unused]] auto w = ::write(err_pipe[1], &e, sizeof e);
    ::_exit(127);
  }
  int fork_errno = errno;
  ::close(err_pipe[1]);
  ::close(log_fd);
  ::close(null_fd);
  if (pid < 0) {
    ::close(err_pipe[0]);
    out.end = ChildOutcome::End::not_started;
    out.start_error = fmt::format("fork failed: {}", std::strerror(fork_errno));
    return out;
  }
  // Also from the parent, so that a kill(-pid) right after fork cannot miss the group.
  ::setpgid(pid, pid);

  int exec_errno = 0;
  ssize_t n;
  do n = ::read(err_pipe[0], &exec_errno, sizeof exec_errno);
  while (n < 0 && errno == EINTR);
  ::close(err_pipe[0]);
  int status = 0;
  if (n == static_cast<ssize_t>(sizeof exec_errno)) {
    reap(pid, status, true);
    out.end = ChildOutcome::End::not_started;
    out.start_error = fmt::format("cannot execute {}: {}", program, std::strerror(exec_errno));
    out.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    return out;
  }

  auto deadline = limits.timeout > 0 ? t0 + std::chrono::duration_cast<Clock::duration>(
                                                 std::chrono::duration<double>(limits.timeout))
                                     : Clock::time_point::max();
  bool done = false;
  while (!done) {
    if (reap(pid, status, false)) {
      done = true;
      break;
    }
    bool timed_out = Clock::now() >= deadline;
    bool cancelled = cancel.load(std::memory_order_relaxed);
    if (timed_out || cancelled) {
      out.end = timed_out ? ChildOutcome::End::timed_out : ChildOutcome::End::cancelled;
      ::kill(-pid, SIGTERM);
      auto kill_at = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(limits.grace));
      while (!reap(pid, status, false)) {
        if (Clock::now() >= kill_at) {
          out.killed = true;
          ::kill(-pid, SIGKILL);
          reap(pid, status, true);
          break;
        }
        std::this_thread::sleep_for(kPoll);
      }
      break;
    }
    std::this_thread::sleep_for(kPoll);
  }
  // The leader is gone; anything still in its group (a background helper, a grandchild that
  // survived SIGTERM) is stray by now and must not outlive the job.
  ::kill(-pid, SIGKILL);

  out.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (out.end == ChildOutcome::End::exited) {
    if (WIFSIGNALED(status)) {
      out.end = ChildOutcome::End::signalled;
      out.signal = WTERMSIG(status);
    } else {
      out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
  }
  return out;
}

}  // namespace t2
