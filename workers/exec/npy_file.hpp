// npy_file.hpp — reads a 2-D 0/1 outcome matrix from a NumPy .npy file (format 1.0–3.0), the
// eval result contract's alternative to an inline "correct" array. Knows nothing of jobs.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace t2 {

// A file that is not a readable .npy matrix of 0/1 values; what() names the file and problem.
class NpyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct NpyMatrix {
  std::uint64_t rows = 0, cols = 0;
  std::vector<std::uint8_t> values;  // rows x cols, row-major (C order), each 0 or 1
};

// Accepted dtypes: bool (|b1) and any integer type of 1, 2, 4 or 8 bytes in either byte
// order ('<u1', '|i1', '<i8', '>u4', ...); every element must be 0 or 1. Fortran-ordered
// arrays are transposed into row-major order. Throws NpyError.
NpyMatrix read_npy_outcomes(const std::string& path);

}  // namespace t2
