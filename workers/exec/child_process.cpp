// child_process.cpp — fork/exec with a process group, log redirection, timeout and cancel.
// fork+exec rather than posix_spawn because the child must also set PR_SET_PDEATHSIG: if the
// MPI rank is killed (mpirun abort, node teardown), its job must not run on as an orphan.
#include "workers/exec/child_process.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
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

// The guard (see child_process.hpp). Runs between fork and _exit only: async-signal-safe calls.
[[noreturn]] void run_guard(int read_fd, pid_t group) {
  struct sigaction ign {};
  ign.sa_handler = SIG_IGN;
  for (int s : {SIGINT, SIGTERM, SIGUSR1, SIGUSR2, SIGHUP, SIGQUIT, SIGPIPE}) ::sigaction(s, &ign, nullptr);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  // Out of the caller's process group and session: a Ctrl-C or a kill of the caller's group
  // must not take the guard down with the caller.
  ::setsid();
  // Hold no descriptor but the pipe: the caller's other files (the journal, the lock, other
  // jobs' guard pipes) must not stay open because of us.
  for (int fd = 0; fd < 1024; ++fd)
    if (fd != read_fd) ::close(fd);
#ifdef SYS_close_range
  ::syscall(SYS_close_range, 1024u, ~0u, 0u);
#endif
  char byte = 0;
  ssize_t n;
  do n = ::read(read_fd, &byte, 1);
  while (n < 0 && errno == EINTR);
  // One byte: the caller reaped the job and cleaned its group itself. EOF: the caller died.
  if (n != 1) ::kill(-group, SIGKILL);
  ::_exit(0);
}

// The processes whose environment holds `entry` ("T2_JOB_TAG=..."), read from /proc.
std::vector<pid_t> processes_with_env(const std::string& entry) {
  std::vector<pid_t> out;
  DIR* proc = ::opendir("/proc");
  if (!proc) return out;
  while (dirent* d = ::readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(d->d_name, &end, 10);
    if (pid <= 0 || *end != '\0' || pid == ::getpid()) continue;
    std::string path = fmt::format("/proc/{}/environ", pid);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;  // gone, or another user's
    std::string env;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0 && env.size() < (1u << 20)) env.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    for (std::size_t at = 0; at < env.size();) {
      std::size_t z = env.find('\0', at);
      if (z == std::string::npos) z = env.size();
      if (env.compare(at, z - at, entry) == 0) {
        out.push_back(static_cast<pid_t>(pid));
        break;
      }
      at = z + 1;
    }
  }
  ::closedir(proc);
  return out;
}

// Kills every process tagged `entry`, with its process group, and waits until none is left
// (bounded: a process stuck in the kernel cannot be waited for forever). Returns how many.
std::size_t kill_survivors(const std::string& entry) {
  auto found = processes_with_env(entry);
  if (found.empty()) return 0;
  for (pid_t p : found) {
    pid_t g = ::getpgid(p);
    if (g > 1 && g != ::getpgrp()) ::kill(-g, SIGKILL);
    ::kill(p, SIGKILL);
  }
  auto until = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < until) {
    bool any = false;
    for (pid_t p : found) {
      // A zombie still answers kill(0); it no longer runs, so it does not count.
      std::string stat_path = fmt::format("/proc/{}/stat", p);
      int fd = ::open(stat_path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) continue;
      char buf[512];
      ssize_t n = ::read(fd, buf, sizeof buf - 1);
      ::close(fd);
      if (n <= 0) continue;
      buf[n] = 0;
      const char* close_paren = std::strrchr(buf, ')');
      if (close_paren && close_paren[1] == ' ' && close_paren[2] == 'Z') continue;
      any = true;
    }
    if (!any) break;
    std::this_thread::sleep_for(kPoll);
  }
  return found.size();
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

  // A survivor of an earlier attempt of this job (its guard killed with it, e.g. kill -9 of a
  // whole process tree) would write the same files as this attempt: it goes first.
  std::vector<std::string> full_env = env;
  if (!limits.tag.empty()) {
    std::string entry = "T2_JOB_TAG=" + limits.tag;
    kill_survivors(entry);
    full_env.push_back(entry);
  }

  // Everything the child needs is built before fork: between fork and exec only
  // async-signal-safe calls are allowed (the rank may have MPI progress threads).
  std::vector<char*> cargv, cenv;
  for (auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (auto& e : full_env) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);

  // A link planted at the log's name, or at its folder (the run folder, checked by the caller,
  // swapped for a link since), must not redirect the job's output (issue 12 item 13): the folder
  // is opened with O_NOFOLLOW and the log created relative to it, also with O_NOFOLLOW.
  auto slash = log_path.rfind('/');
  std::string log_dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : log_path.substr(0, slash));
  std::string log_name = slash == std::string::npos ? log_path : log_path.substr(slash + 1);
  int dir_fd = ::open(log_dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  int log_fd = dir_fd < 0 ? -1 : ::openat(dir_fd, log_name.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  int open_errno = errno;
  bool dir_failed = dir_fd < 0;
  if (dir_fd >= 0) ::close(dir_fd);
  if (log_fd < 0) {
    out.end = ChildOutcome::End::not_started;
    std::string what = dir_failed ? log_dir : log_path;
    struct stat st {};
    bool link = ::lstat(what.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
    out.start_error = link ? fmt::format("{} is a symbolic link; refusing to follow it", what)
                           : fmt::format("cannot open log file {}: {}", log_path, std::strerror(open_errno));
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

  // The guard: forked after the program so it knows the group; if it cannot be started the job
  // still runs, covered by PR_SET_PDEATHSIG alone (the leader, not its children).
  int guard_pipe[2] = {-1, -1};
  pid_t guard = -1;
  if (::pipe2(guard_pipe, O_CLOEXEC) == 0) {
    guard = ::fork();
    if (guard == 0) run_guard(guard_pipe[0], pid);
    ::close(guard_pipe[0]);
    if (guard < 0) {
      ::close(guard_pipe[1]);
      guard_pipe[1] = -1;
    }
  }
  auto release_guard = [&] {
    if (guard <= 0) return;
    char done = 1;
    [[maybe_unused]] auto w = ::write(guard_pipe[1], &done, 1);
    ::close(guard_pipe[1]);
    int gs = 0;
    reap(guard, gs, true);
    guard = -1;
  };

  int exec_errno = 0;
  ssize_t n;
  do n = ::read(err_pipe[0], &exec_errno, sizeof exec_errno);
  while (n < 0 && errno == EINTR);
  ::close(err_pipe[0]);
  int status = 0;
  if (n == static_cast<ssize_t>(sizeof exec_errno)) {
    reap(pid, status, true);
    release_guard();
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
  release_guard();

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
