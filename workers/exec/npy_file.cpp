// npy_file.cpp — a minimal .npy reader for 0/1 matrices. The format (numpy.lib.format):
// magic "\x93NUMPY", major, minor, header length (2 bytes in 1.0, 4 in 2.0/3.0, little-endian),
// an ASCII Python dict {'descr': ..., 'fortran_order': ..., 'shape': (...)}, then the raw data.
#include "workers/exec/npy_file.hpp"

#include <cstring>
#include <regex>

#include <fmt/format.h>

#include "workers/exec/result_file.hpp"
#include "contract/input_limits.hpp"

namespace t2 {

NpyMatrix read_npy_outcomes(const std::string& path) {
  auto fail = [&](const std::string& problem) -> NpyError { return NpyError(fmt::format("{}: {}", path, problem)); };
  // The whole file, read safely and bounded (a FIFO, device or link is refused); every claim
  // the header makes is then checked against the bytes really there.
  std::string file;
  try {
    file = read_job_file(path, limits::kMaxOutcomesBytes);
  } catch (const JobFileError& e) {
    throw fail(e.missing ? std::string("cannot open the outcomes file (no such file)")
                         : fmt::format("the outcomes file {}", e.what()));
  }
  std::size_t pos = 0;
  struct {
    const std::string& f;
    std::size_t& p;
    bool ok = true;
    bool read(void* dst, std::size_t n) {
      if (f.size() - p < n) return ok = false;
      std::memcpy(dst, f.data() + p, n);
      p += n;
      return true;
    }
  } in{file, pos};
  char magic[8];
  if (!in.read(magic, 8) || std::string(magic, 6) != "\x93NUMPY") throw fail("not a .npy file (bad magic)");
  int major = static_cast<unsigned char>(magic[6]);
  std::uint32_t header_len = 0;
  if (major == 1) {
    unsigned char b[2];
    if (!in.read(reinterpret_cast<char*>(b), 2)) throw fail("truncated header");
    header_len = b[0] | (b[1] << 8);
  } else if (major == 2 || major == 3) {
    unsigned char b[4];
    if (!in.read(reinterpret_cast<char*>(b), 4)) throw fail("truncated header");
    header_len = b[0] | (b[1] << 8) | (b[2] << 16) | (std::uint32_t(b[3]) << 24);
  } else {
    throw fail(fmt::format("unsupported .npy format version {}", major));
  }
  if (header_len > (1u << 20)) throw fail("header too long");
  if (file.size() - pos < header_len) throw fail("truncated header");
  std::string header = file.substr(pos, header_len);
  pos += header_len;

  std::smatch m;
  static const std::regex descr_re(R"('descr'\s*:\s*'([<>|=])([biu])(\d+)')");
  static const std::regex order_re(R"('fortran_order'\s*:\s*(True|False))");
  static const std::regex shape_re(R"('shape'\s*:\s*\(([^)]*)\))");
  if (!std::regex_search(header, m, descr_re))
    throw fail("dtype must be bool or an integer type (uint8 recommended); header: " + header);
  char order = m[1].str()[0];
  char kind = m[2].str()[0];
  int width = std::stoi(m[3].str());
  if (!(width == 1 || width == 2 || width == 4 || width == 8) || (kind == 'b' && width != 1))
    throw fail(fmt::format("unsupported dtype {}{}{}", order, kind, width));
  bool big = order == '>';
  if (!std::regex_search(header, m, order_re)) throw fail("header has no fortran_order");
  bool fortran = m[1] == "True";
  if (!std::regex_search(header, m, shape_re)) throw fail("header has no shape");
  std::vector<std::uint64_t> shape;
  static const std::regex dim_re(R"(\d+)");
  std::string dims = m[1];
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), dim_re); it != std::sregex_iterator(); ++it)
    shape.push_back(std::stoull(it->str()));
  if (shape.size() != 2) throw fail(fmt::format("shape must be (problems, samples); has {} dimensions", shape.size()));

  NpyMatrix out;
  out.rows = shape[0];
  out.cols = shape[1];
  std::uint64_t count = out.rows * out.cols;
  if (out.cols != 0 && count / out.cols != out.rows) throw fail("shape too large");
  // Before allocating anything for the claimed shape: does the file hold that many bytes?
  std::uint64_t have = file.size() - pos;
  if (count > have / static_cast<std::uint64_t>(width))
    throw fail(fmt::format("truncated data: shape ({}, {}) needs {} bytes, the file has {}", out.rows, out.cols,
                           count > UINT64_MAX / width ? std::string("more than 2^64") : std::to_string(count * width),
                           have));
  const unsigned char* raw = reinterpret_cast<const unsigned char*>(file.data()) + pos;
  out.values.resize(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    // An element is 0 or 1 exactly when its least significant byte is 0/1 and all others are 0.
    const unsigned char* e = raw + i * width;
    unsigned char low = big ? e[width - 1] : e[0];
    bool high_zero = true;
    for (int b = 0; b < width; ++b)
      if ((big ? b != width - 1 : b != 0) && e[b] != 0) high_zero = false;
    if (!high_zero || low > 1) {
      std::uint64_t r = fortran ? i % out.rows : i / out.cols, c = fortran ? i / out.rows : i % out.cols;
      throw fail(fmt::format("element [{}, {}] is not 0 or 1", r, c));
    }
    std::uint64_t dst = fortran ? (i % out.rows) * out.cols + i / out.rows : i;
    out.values[dst] = low;
  }
  return out;
}

}  // namespace t2
