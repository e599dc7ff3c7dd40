// result_file.hpp — reads a file a job wrote (result JSON, outcomes .npy) without trusting it:
// no symlink is followed, only a regular file is read (a FIFO or device cannot block or feed
// t2 forever), and at most a documented number of bytes. Knows nothing of the file's format.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace t2 {

// what() is the problem without the path ("is a FIFO, not a regular file"); callers prefix it.
class JobFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  bool missing = false;  // the file does not exist (the job wrote nothing)
};

// The whole content of `path`, opened with O_NOFOLLOW | O_NONBLOCK and checked with fstat
// before any read; a file larger than max_bytes is refused without reading it.
std::string read_job_file(const std::string& path, std::size_t max_bytes);

}  // namespace t2
