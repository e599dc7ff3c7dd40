// result_file.cpp — open, fstat, then read: the order that lets a FIFO be refused unopened-for-read.
#include "workers/exec/result_file.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace t2 {

namespace {
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};
}  // namespace

std::string read_job_file(const std::string& path, std::size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting for one.
  Fd f{::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)};
  if (f.fd < 0) {
    int e = errno;
    JobFileError err(e == ELOOP ? std::string("is a symbolic link (job output must be a regular file)")
                                : fmt::format("cannot open: {}", std::strerror(e)));
    err.missing = e == ENOENT;
    throw err;
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) throw JobFileError(fmt::format("cannot stat: {}", std::strerror(errno)));
  if (!S_ISREG(st.st_mode))
    throw JobFileError(S_ISFIFO(st.st_mode)  ? "is a FIFO, not a regular file"
                       : S_ISDIR(st.st_mode) ? "is a directory, not a regular file"
                                             : "is a device or socket, not a regular file");
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes)
    throw JobFileError(fmt::format("is {} bytes; at most {} are read (schemas/job-result.md)", st.st_size, max_bytes));
  // Read at most max_bytes + 1, in case the job is still appending.
  std::string out(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  for (;;) {
    if (got == out.size()) {
      if (out.size() > max_bytes) break;
      out.resize(std::min(max_bytes + 1, out.size() + 65536));
    }
    ssize_t n = ::read(f.fd, out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw JobFileError(fmt::format("cannot read: {}", std::strerror(errno)));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got > max_bytes)
    throw JobFileError(fmt::format("grew past {} bytes while being read (schemas/job-result.md)", max_bytes));
  out.resize(got);
  return out;
}

}  // namespace t2
