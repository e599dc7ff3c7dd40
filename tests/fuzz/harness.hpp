// harness.hpp — what the fuzz harnesses share: the per-mutant watchdog (a mutant running past
// its time limit ends the process with a line naming it), the crash line a sanitizer report
// ends with, the rule a refusal message must follow, and the tally printed at the end.
#pragma once

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
#include <sanitizer/common_interface_defs.h>
#define T2_FUZZ_SANITIZED 1
#endif

namespace t2::fuzz {

// The line printed when the current mutant ends the process (timeout, sanitizer report): built
// before the mutant runs, so the signal handler only write()s it.
inline char g_current[1024] = "fuzz: no mutant running\n";
inline char g_timeout[1100] = "";

inline void on_alarm(int) {
  ssize_t ignored = ::write(2, g_timeout, std::strlen(g_timeout));
  (void)ignored;
  ::_exit(3);
}

inline void on_death() {
  const char prefix[] = "fuzz: the sanitizer stopped the process during ";
  ssize_t ignored = ::write(2, prefix, sizeof prefix - 1);
  ignored = ::write(2, g_current, std::strlen(g_current));
  (void)ignored;
}

inline void install_guards() {
  std::signal(SIGALRM, on_alarm);
#ifdef T2_FUZZ_SANITIZED
  __sanitizer_set_death_callback(on_death);
#endif
}

// Arms the watchdog for one mutant (whole seconds; alarm() is async-signal-safe to rearm).
// Also written to g_current_file (when set; run.sh prints it when a harness dies): GCC links
// UBSan as its own runtime, which does not call ASan's death callback.
inline std::string g_current_file;
inline void begin_mutant(const std::string& what, unsigned timeout_seconds) {
  if (!g_current_file.empty()) std::ofstream(g_current_file, std::ios::trunc) << what << "\n";
  std::snprintf(g_current, sizeof g_current, "%s\n", what.c_str());
  std::snprintf(g_timeout, sizeof g_timeout, "fuzz: ran past %u s (killed by the per-mutant timer): %s\n",
                timeout_seconds, what.c_str());
  ::alarm(timeout_seconds);
}
inline void end_mutant() { ::alarm(0); }

inline bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    i += n;
  }
  return true;
}

// A refusal's message must name the file, be one line of printable UTF-8, and be short
// enough to read (values echoed in it are cut: schemas/sweep-config.md, job-result.md).
inline constexpr std::size_t kMaxMessageBytes = 1024;
inline std::string refusal_problem(const std::string& message, const std::string& file) {
  if (message.find(file) == std::string::npos) return "does not name the file";
  for (unsigned char c : message)
    if (c < 0x20 || c == 0x7F) return "holds a control byte (not one line)";
  if (!valid_utf8(message)) return "is not valid UTF-8";
  if (message.size() > kMaxMessageBytes) return "is " + std::to_string(message.size()) + " bytes long";
  return "";
}

inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "fuzz: cannot write %s\n", path.c_str());
    std::exit(2);
  }
}

inline std::string read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "fuzz: cannot read %s\n", path.c_str());
    std::exit(2);
  }
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A message for the log: one line, at most 300 bytes, control bytes and non-ASCII as \xNN.
inline std::string printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (out.size() > 300) return out + "...";
    if (c >= 0x20 && c < 0x7F) out += static_cast<char>(c);
    else {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02X", c);
      out += b;
    }
  }
  return out;
}

}  // namespace t2::fuzz
