// new_file.cpp — O_EXCL | O_NOFOLLOW creation of a temp file, then close and rename.
#include "workers/builtin/new_file.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace t2::builtin {

namespace {

std::runtime_error link_refusal(const std::string& path) {
  return std::runtime_error(path + " is a symbolic link; refusing to follow it");
}

bool is_link(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

}  // namespace

std::FILE* create_temp_for(const std::string& dest) {
  const std::string tmp = dest + ".tmp";
  if (is_link(dest)) throw link_refusal(dest);
  auto create = [&] { return ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644); };
  int fd = create();
  if (fd < 0 && errno == EEXIST) {
    struct stat st {};
    if (::lstat(tmp.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) throw link_refusal(tmp);
    if (::lstat(tmp.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
      throw std::runtime_error(tmp + " exists and is not a regular file; refusing to replace it");
    if (::unlink(tmp.c_str()) != 0 && errno != ENOENT)
      throw std::runtime_error(tmp + ": cannot remove the stale file: " + std::strerror(errno));
    fd = create();
  }
  if (fd < 0) {
    int e = errno;
    if (e == ELOOP || e == EEXIST) throw link_refusal(tmp);  // a link planted between the checks
    throw std::runtime_error(tmp + ": cannot create: " + std::strerror(e));
  }
  std::FILE* f = ::fdopen(fd, "wb");
  if (!f) {
    int e = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    throw std::runtime_error(tmp + ": cannot open for writing: " + std::strerror(e));
  }
  return f;
}

void commit_temp(std::FILE* f, const std::string& dest) {
  const std::string tmp = dest + ".tmp";
  bool ok = std::fflush(f) == 0 && !std::ferror(f);
  int e = errno;
  if (std::fclose(f) != 0 && ok) ok = false, e = errno;
  if (!ok) {
    ::unlink(tmp.c_str());
    throw std::runtime_error(tmp + ": write failed: " + std::strerror(e));
  }
  // rename() replaces a link at dest rather than writing through it, but a link planted there
  // while the file was written is refused all the same: nothing is put where a link points.
  if (is_link(dest)) {
    ::unlink(tmp.c_str());
    throw link_refusal(dest);
  }
  if (std::rename(tmp.c_str(), dest.c_str()) != 0) {
    e = errno;
    ::unlink(tmp.c_str());
    throw std::runtime_error(dest + ": cannot rename " + tmp + " into place: " + std::strerror(e));
  }
}

}  // namespace t2::builtin
