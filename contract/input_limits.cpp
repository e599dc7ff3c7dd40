// input_limits.cpp — escaping and UTF-8 checks for values that reach messages and the store.
#include "contract/input_limits.hpp"

#include <fmt/format.h>

namespace t2::limits {

namespace {
// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not valid (overlong,
// surrogate, > U+10FFFF or truncated sequences are all invalid).
std::size_t utf8_len(const std::string& s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) return 1;
  std::size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
  if (n == 0 || c > 0xF4 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  if (c == 0xE0 && b(i + 1) < 0xA0) return 0;  // overlong
  if (c == 0xED && b(i + 1) >= 0xA0) return 0;  // surrogate
  if (c == 0xF0 && b(i + 1) < 0x90) return 0;  // overlong
  if (c == 0xF4 && b(i + 1) >= 0x90) return 0;  // > U+10FFFF
  return n;
}
}  // namespace

std::size_t invalid_utf8_at(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = utf8_len(s, i);
    if (n == 0) return i;
    i += n;
  }
  return std::string::npos;
}

std::string one_line(const std::string& s, std::size_t max_bytes) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (out.size() >= max_bytes) return out + "…";
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t n = utf8_len(s, i);
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (n == 0 || c < 0x20 || c == 0x7F) out += fmt::format("\\x{:02X}", c);
    else out.append(s, i, n);
    i += n == 0 ? 1 : n;
  }
  return out;
}

}  // namespace t2::limits
