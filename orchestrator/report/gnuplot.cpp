// gnuplot.cpp — script pieces and program runs for `t2 report` (see gnuplot.hpp).
#include "orchestrator/report/gnuplot.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "orchestrator/report/report.hpp"

extern char** environ;

namespace t2::report {

std::string datablock(const std::string& name, const std::string& rows) {
  return "$" + name + " << EOD\n" + (rows.empty() ? std::string("\n") : rows) + "EOD\n";
}

std::string quote(const std::string& text) {
  std::string q = "'";
  for (char c : text) {
    if (c == '\'') q += '\'';
    if (c == '\n') { q += ' '; continue; }
    q += c;
  }
  return q + "'";
}

std::string fmt_g(double x) { return std::isfinite(x) ? fmt::format("{:.6g}", x) : std::string("NaN"); }

std::string colour(int series) {
  // Okabe & Ito 2008: distinguishable with the common colour-vision deficiencies; black is kept
  // for the style legend (solid / dashed / dotted).
  static const char* kPalette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#8C564B", "#7F7F7F"};
  return kPalette[static_cast<unsigned>(series) % 8];
}

std::string sequential(int i, int n) {
  // viridis (matplotlib's perceptually uniform map) at 9 anchors, interpolated linearly; the
  // last anchor is a darker yellow than viridis' end so points stay visible on white.
  static const double kAnchors[9][3] = {{68, 1, 84},    {71, 44, 122},  {59, 81, 139},   {44, 113, 142}, {33, 144, 141},
                                        {39, 173, 129}, {92, 200, 99},  {170, 220, 50}, {220, 200, 20}};
  const double t = n <= 1 ? 0.0 : double(i) / (n - 1) * 8;
  const int a = std::min(7, static_cast<int>(t));
  const double f = t - a;
  int rgb[3];
  for (int c = 0; c < 3; ++c) rgb[c] = static_cast<int>(std::lround(kAnchors[a][c] + f * (kAnchors[a + 1][c] - kAnchors[a][c])));
  return fmt::format("#{:02X}{:02X}{:02X}", rgb[0], rgb[1], rgb[2]);
}

std::vector<double> logspace(double lo, double hi, int n) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(std::exp(std::log(lo) + (std::log(hi) - std::log(lo)) * i / std::max(1, n - 1)));
  return v;
}

void run_program(const std::string& program, const std::vector<std::string>& args, const std::string& dir,
                 const std::string& log, const std::string& install_hint) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  // The child runs in `dir` (gnuplot resolves output names against its working directory), so the
  // parent never changes its own.
  const std::string log_path = log.empty() || log[0] == '/' ? log : dir + "/" + log;
  posix_spawn_file_actions_addopen(&fa, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::vector<std::string> all = {"/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", dir, program};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawn(&pid, "/bin/sh", &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw ReportError(fmt::format("{}: cannot run it ({}); {}", program, std::strerror(rc), install_hint));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::ifstream in(log_path);
    std::string line, last;
    while (std::getline(in, line))
      if (!line.empty()) last = line;
    // 127 from the shell: the program was not found or could not be executed.
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
      throw ReportError(fmt::format("{}: cannot run it (not found or not executable); {}", program, install_hint));
    std::string how = WIFEXITED(status) ? fmt::format("exit status {}", WEXITSTATUS(status))
                                        : fmt::format("killed by signal {}", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    throw ReportError(fmt::format("{}: failed with {} (see {}){}", program, how, log_path, last.empty() ? "" : ": " + last));
  }
}

}  // namespace t2::report
