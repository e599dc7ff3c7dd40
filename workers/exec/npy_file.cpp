// npy_file.cpp — a minimal .npy reader for 0/1 matrices. The format (numpy.lib.format):
// magic "\x93NUMPY", major, minor, header length (2 bytes in 1.0, 4 in 2.0/3.0, little-endian),
// an ASCII Python dict {'descr': ..., 'fortran_order': ..., 'shape': (...)}, then the raw data.
#include "workers/exec/npy_file.hpp"

#include <cstdint>
#include <cstring>

#include <fmt/format.h>

#include "workers/exec/result_file.hpp"
#include "contract/input_limits.hpp"

namespace t2 {

NpyMatrix read_npy_outcomes(const std::string& path) {
  // The path comes from the job's result (outcomes_file): quoted cut and on one line, like any
  // value a job wrote (a 2 KB path made a 2 KB message: fuzz stage, seed 1).
  auto fail = [&](const std::string& problem) -> NpyError {
    return NpyError(fmt::format("{}: {}", limits::one_line(path), problem));
  };
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

  // The header dict, parsed by hand: three keys, each a fixed shape of value. (std::regex was
  // used here; libstdc++'s matcher recurses per character, so a 1 MiB header overflowed the
  // stack, and std::stoi/stoull threw out_of_range on a 30-digit dimension.)
  auto value_of = [&](const char* key) -> std::size_t {  // offset just past "'key' :", or npos
    std::string k = std::string("'") + key + "'";
    auto at = header.find(k);
    if (at == std::string::npos) return std::string::npos;
    at += k.size();
    while (at < header.size() && (header[at] == ' ' || header[at] == '\t')) ++at;
    if (at >= header.size() || header[at] != ':') return std::string::npos;
    ++at;
    while (at < header.size() && (header[at] == ' ' || header[at] == '\t')) ++at;
    return at;
  };
  auto shown = [&] { return limits::one_line(header, limits::kMaxEchoBytes); };
  // 'descr': '<i8' (byte order, kind, width in bytes)
  std::size_t at = value_of("descr");
  if (at == std::string::npos || at + 4 > header.size() || header[at] != '\'' ||
      std::string("<>|=").find(header[at + 1]) == std::string::npos ||
      std::string("biu").find(header[at + 2]) == std::string::npos)
    throw fail("dtype must be bool or an integer type (uint8 recommended); header: " + shown());
  char order = header[at + 1];
  char kind = header[at + 2];
  std::size_t end = header.find('\'', at + 3);
  std::string width_text = end == std::string::npos ? "" : header.substr(at + 3, end - at - 3);
  int width = width_text == "1" ? 1 : width_text == "2" ? 2 : width_text == "4" ? 4 : width_text == "8" ? 8 : 0;
  if (width == 0 || (kind == 'b' && width != 1))
    throw fail(fmt::format("unsupported dtype {}{}{}", order, kind, limits::one_line(width_text, 20)));
  bool big = order == '>';
  // 'fortran_order': True | False
  at = value_of("fortran_order");
  bool fortran = at != std::string::npos && header.compare(at, 4, "True") == 0;
  if (at == std::string::npos || (!fortran && header.compare(at, 5, "False") != 0))
    throw fail("header has no fortran_order");
  // 'shape': (rows, cols) — whole numbers below 2^63, separated by commas
  at = value_of("shape");
  if (at == std::string::npos || header[at] != '(') throw fail("header has no shape");
  std::vector<std::uint64_t> shape;
  for (++at;;) {
    while (at < header.size() && (header[at] == ' ' || header[at] == ',')) ++at;
    if (at >= header.size()) throw fail("header has no shape");
    if (header[at] == ')') break;
    std::size_t digits = 0;
    std::uint64_t v = 0;
    for (; at < header.size() && header[at] >= '0' && header[at] <= '9'; ++at, ++digits) {
      if (v > (UINT64_MAX / 4 - 9) / 10) throw fail("shape too large");
      v = v * 10 + static_cast<std::uint64_t>(header[at] - '0');
    }
    if (digits == 0) throw fail("shape must be (problems, samples) of whole numbers; header: " + shown());
    if (shape.size() == 2) throw fail("shape must be (problems, samples); has more than 2 dimensions");
    shape.push_back(v);
  }
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
