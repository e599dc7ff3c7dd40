// exec_test_support.hpp — helpers shared by the exec backend's tests: building an ExecWorkload
// from TOML text, private temporary directories, and bounded polling of /proc.
#pragma once

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <toml++/toml.h>

#include "workers/exec/exec_workload.hpp"

namespace t2::test {

inline std::unique_ptr<ExecWorkload> exec_from_toml(const std::string& text) {
  toml::table table = toml::parse(text);
  TableReader reader(table, "workload.exec", "test.toml");
  return std::make_unique<ExecWorkload>(read_exec_settings(reader));
}

// A fresh directory under /tmp, removed when the object goes out of scope.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/t2-exec-test-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return path + "/" + name; }
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Polls `done` every 5 ms until it holds or `seconds` pass; returns its last value.
template <class Pred>
bool eventually(Pred done, double seconds = 10) {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// A process is gone when /proc has no entry for it or it is a zombie waiting for PID 1
// (this VM's init reaps orphans lazily; platform-notes §1.3).
inline bool process_gone(long pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  std::string line;
  std::getline(stat, line);
  auto close = line.rfind(')');
  if (close == std::string::npos || close + 2 >= line.size()) return true;
  char state = line[close + 2];
  return state == 'Z' || state == 'X';
}

inline const std::string kFault = std::string(T2_EXEC_TEST_DIR) + "/fault_job.sh";

}  // namespace t2::test
