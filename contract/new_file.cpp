// new_file.cpp — O_EXCL | O_NOFOLLOW creation of DEST.tmp and its rename over DEST (new_file.hpp).
#include "contract/new_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace t2 {
namespace {

NewFileError link_refusal(const std::string& path) {
  return NewFileError(path + " is a symbolic link; refusing to follow it");
}

bool is_link(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

}  // namespace

int create_temp_for(const std::string& dest) {
  const std::string tmp = dest + ".tmp";
  if (is_link(dest)) throw link_refusal(dest);
  auto create = [&] { return ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644); };
  int fd = create();
  if (fd < 0 && errno == EEXIST) {
    struct stat st {};
    if (::lstat(tmp.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) throw link_refusal(tmp);
    if (::lstat(tmp.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
      throw NewFileError(tmp + " exists and is not a regular file; refusing to replace it");
    if (::unlink(tmp.c_str()) != 0 && errno != ENOENT)
      throw NewFileError("cannot remove the stale " + tmp + ": " + std::strerror(errno));
    fd = create();
  }
  if (fd < 0) {
    int e = errno;
    if (e == ELOOP || e == EEXIST) throw link_refusal(tmp);  // a link planted between the checks
    throw NewFileError("cannot create " + tmp + ": " + std::strerror(e));
  }
  return fd;
}

void rename_temp_over(const std::string& dest) {
  const std::string tmp = dest + ".tmp";
  if (is_link(dest)) {
    ::unlink(tmp.c_str());
    throw link_refusal(dest);
  }
  if (std::rename(tmp.c_str(), dest.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw NewFileError("cannot rename " + tmp + " over " + dest + ": " + std::strerror(e));
  }
}

}  // namespace t2
