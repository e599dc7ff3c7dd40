// new_file.cpp — a stdio FILE* over the contract's link-safe DEST.tmp (contract/new_file.hpp).
#include "workers/builtin/new_file.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <unistd.h>

#include "contract/new_file.hpp"

namespace t2::builtin {

std::FILE* create_temp_for(const std::string& dest) {
  int fd = t2::create_temp_for(dest);
  std::FILE* f = ::fdopen(fd, "wb");
  if (!f) {
    int e = errno;
    ::close(fd);
    ::unlink((dest + ".tmp").c_str());
    throw std::runtime_error(dest + ".tmp: cannot open for writing: " + std::strerror(e));
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
  t2::rename_temp_over(dest);
}

}  // namespace t2::builtin
