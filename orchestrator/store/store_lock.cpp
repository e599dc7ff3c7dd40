// store_lock.cpp — the writer lock (store_lock.hpp) and store_lock_holder() (store.hpp).
#include "orchestrator/store/store_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <thread>

#include <fmt/format.h>

#include "orchestrator/store/store.hpp"
#include "orchestrator/store/store_files.hpp"

namespace t2 {
namespace store_internal {
namespace {

std::string read_small_file(int fd) {
  std::string s(512, '\0');
  ssize_t n = ::pread(fd, s.data(), s.size(), 0);
  s.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\0')) s.pop_back();
  return s;
}

std::string holder_text() {
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  std::time_t t = std::time(nullptr);
  std::tm tm {};
  ::gmtime_r(&t, &tm);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return fmt::format("pid {} on host {} since {}", ::getpid(), host, when);
}

}  // namespace

// Takes STORE.lock for the writer's lifetime (flock: released by the kernel when the process
// dies, so a kill -9 never leaves a stale lock). Returns the descriptor.
int take_lock(const std::string& path) {
  std::string lp = lock_path(path);
  int fd = ::open(lp.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0 && errno == ELOOP) throw StoreError(path, fmt::format("{} is a symbolic link; refusing to follow it", lp));
  if (fd < 0) throw StoreError(path, fmt::format("cannot open the lock file {}: {}", lp, errno_text()));
  for (int attempt = 0;; ++attempt) {
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) break;
    int err = errno;
    if (err != EWOULDBLOCK) {
      ::close(fd);
      throw StoreError(path, fmt::format("cannot lock {}: {}", lp, std::strerror(err)));
    }
    // store_lock_holder() holds a shared lock for an instant to probe; let such a probe pass
    // before concluding that another coordinator holds the store.
    if (attempt >= 20) {
      std::string holder = read_small_file(fd);
      ::close(fd);
      throw StoreError(path, fmt::format("locked by another coordinator ({})", holder.empty() ? "holder unknown" : holder));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::string text = holder_text() + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    ::close(fd);
    throw StoreError(path, fmt::format("cannot write the lock file {}: {}", lp, errno_text()));
  }
  return fd;
}

void release_lock(int fd) {
  if (fd < 0) return;
  if (::ftruncate(fd, 0) != 0) { /* the holder text is only informative; the flock is what counts */ }
  ::close(fd);
}

}  // namespace store_internal

std::string store_lock_holder(const std::string& path) {
  int fd = ::open(store_internal::lock_path(path).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return "";
  std::string holder;
  if (::flock(fd, LOCK_SH | LOCK_NB) == 0) {
    ::flock(fd, LOCK_UN);
  } else {
    holder = store_internal::read_small_file(fd);
    if (holder.empty()) holder = "holder unknown";
  }
  ::close(fd);
  return holder;
}

}  // namespace t2
