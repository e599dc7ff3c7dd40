// store_files.cpp — the store's file names and shared file-system helpers (store_files.hpp),
// and StoreError.
#include "orchestrator/store/store_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "orchestrator/store/store.hpp"

namespace t2 {

StoreError::StoreError(std::string p, std::string pr)
    : std::runtime_error(p + ": " + pr), path(std::move(p)), problem(std::move(pr)) {}

namespace store_internal {

std::string journal_path(const std::string& path) { return path + ".journal"; }
std::string lock_path(const std::string& path) { return path + ".lock"; }
std::string rebuild_path(const std::string& path) { return path + ".rebuild"; }

double now_unix() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool file_exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

std::uint64_t file_size(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

std::string errno_text() { return std::strerror(errno); }

// A symbolic link planted at a file the writer creates or truncates (the lock, the journal and
// its temp file, the view and its rebuild file) would redirect the write to the link's target:
// refused before anything is touched (issue 12 item 13; schemas/store-layout.md). The opens
// themselves also use O_NOFOLLOW/O_EXCL, so a link planted after this check is refused too.
void refuse_symlink(const std::string& store, const std::string& p) {
  struct stat st {};
  if (::lstat(p.c_str(), &st) == 0 && S_ISLNK(st.st_mode))
    throw StoreError(store, fmt::format("{} is a symbolic link; refusing to follow it", p));
}

void refuse_planted_links(const std::string& path) {
  for (const std::string& p : {path, journal_path(path), journal_path(path) + ".new", lock_path(path),
                               rebuild_path(path)})
    refuse_symlink(path, p);
}

void fsync_dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace store_internal
}  // namespace t2
