// bench_fit.cpp — how fast t2 fits Chinchilla's Approach 3 (issue 3 benchmark): a few hundred
// (N, D, loss) points, the fit by the default projected search and from Hoffmann's full 4,500-start
// grid, 1,000 bootstrap refits, and in the same run scipy's L-BFGS-B on the same objective from a
// subset of the same starts (scaled up to the full grid), reported as ratios. Timings on a shared machine are noisy: best of 3 is shown.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "orchestrator/laws/bootstrap.hpp"
#include "orchestrator/laws/chinchilla.hpp"

using namespace t2;
using clk = std::chrono::steady_clock;

static double seconds_since(clk::time_point t0) { return std::chrono::duration<double>(clk::now() - t0).count(); }

int main(int argc, char** argv) {
  const int levels = 20, sizes = 15;  // 300 points
  const int stride = argc > 1 ? std::atoi(argv[1]) : 15;  // scipy runs every stride-th start
  // Hoffmann's law with 1% log-normal noise on isoFLOP levels 1e18 * 2^i, sizes around 20 tokens/param.
  std::mt19937_64 rng(2024);
  std::normal_distribution<double> z(0, 0.01);
  ChinchillaParams truth = hoffmann_2022();
  std::vector<LossPoint> pts;
  for (int i = 0; i < levels; ++i) {
    double c = 1e18 * std::pow(2.0, i * 0.6), n_opt = std::sqrt(c / 120);
    for (int j = 0; j < sizes; ++j) {
      double n = n_opt * std::pow(10.0, -1.2 + 2.4 * j / (sizes - 1)), d = c / (6 * n);
      pts.push_back({n, d, truth.loss(n, d) * std::exp(z(rng)), 1});
    }
  }
  std::printf("bench_fit: %zu points, %u hardware threads (machine shared: timings are noisy)\n", pts.size(),
              std::thread::hardware_concurrency());

  // 1. The fit: the default projected search and Hoffmann's 4,500-start grid, all threads and
  //    one thread (best of 3 each).
  auto time_fit = [&](ChinchillaSearch search, int threads, ChinchillaFit& out) {
    double best = 1e9;
    for (int rep = 0; rep < 3; ++rep) {
      ChinchillaFitOptions o;
      o.search = search;
      o.threads = threads;
      auto t0 = clk::now();
      out = fit_chinchilla(pts, o);
      best = std::min(best, seconds_since(t0));
    }
    return best;
  };
  ChinchillaFit fit, grid_fit;
  double t_proj = time_fit(ChinchillaSearch::projected, 0, fit), t_proj1 = time_fit(ChinchillaSearch::projected, 1, fit);
  double t_grid = time_fit(ChinchillaSearch::hoffmann_grid, 0, grid_fit);
  double t_grid1 = time_fit(ChinchillaSearch::hoffmann_grid, 1, grid_fit);
  std::printf("fit, projected search (%u exponent cells, %u L-BFGS refinements): %.4f s all threads, %.4f s one thread "
              "(target < 0.5 s); objective %.9g; E %.4f A %.1f B %.1f alpha %.4f beta %.4f\n",
              fit.cells, fit.starts_tried, t_proj, t_proj1, fit.objective, fit.params.E, fit.params.A, fit.params.B,
              fit.params.alpha, fit.params.beta);
  std::printf("fit, Hoffmann grid (4,500 L-BFGS starts): %.3f s all threads, %.3f s one thread; objective %.9g "
              "(%u starts reached it); projected - grid = %.3g\n",
              t_grid, t_grid1, grid_fit.objective, grid_fit.starts_at_best, fit.objective - grid_fit.objective);

  // 2. 1,000 bootstrap refits over checkpoints, each started at the full-data optimum.
  FitData data;
  for (std::size_t i = 0; i < pts.size(); ++i) data.checkpoints.push_back({pts[i].n, pts[i].d, pts[i].loss, std::uint32_t(i)});
  BootstrapOptions bo;
  bo.replicates = 1000;
  auto t0 = clk::now();
  BootstrapResult br = bootstrap(data, [&](const FitData& d) {
    std::vector<LossPoint> p;
    for (const Checkpoint& c : d.checkpoints) p.push_back({c.n, c.d, c.loss, 1});
    ChinchillaFitOptions w;
    w.full_grid = false;
    w.threads = 1;
    w.starts = {fit.params};
    return fit_chinchilla(p, w).params.theta();
  }, bo);
  double t_boot = seconds_since(t0);
  auto iv = parameter_intervals(br, 0.95);
  std::printf("bootstrap: 1,000 refits in %.3f s (target < 10 s), %u failed; 95%% alpha [%.4f, %.4f], beta [%.4f, %.4f]\n",
              t_boot, br.failed, iv[3].lo, iv[3].hi, iv[4].lo, iv[4].hi);

  // 3. scipy baseline on the same points and objective.
  std::string csv = "/tmp/bench_fit_points_" + std::to_string(::getpid()) + ".csv";
  {
    std::ofstream out(csv);
    out.precision(17);
    out << "N,D,loss\n";
    for (const LossPoint& p : pts) out << p.n << "," << p.d << "," << p.loss << "\n";
  }
  std::string cmd = "/usr/bin/python3 " T2_BENCH_FIT_DIR "/scipy_fit.py " + csv + " " + std::to_string(stride);
  FILE* pipe = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[512];
  while (pipe && std::fgets(buf, sizeof buf, pipe)) out += buf;
  int rc = pipe ? ::pclose(pipe) : -1;
  std::remove(csv.c_str());
  if (rc != 0 || out.empty()) {
    std::printf("scipy baseline: failed to run (%s)\n", cmd.c_str());
    return 1;
  }
  auto j = nlohmann::json::parse(out);
  double per_start = j["seconds"].get<double>() / j["starts"].get<double>();
  double scipy_full = per_start * 4500;
  std::printf("scipy L-BFGS-B: %d starts in %.2f s (%.2f ms/start) -> %.1f s for the full grid; best objective %.9g\n",
              j["starts"].get<int>(), j["seconds"].get<double>(), per_start * 1e3, scipy_full, j["best"].get<double>());
  std::printf("ratio scipy grid / t2 projected: %.0fx (all threads), %.0fx (one thread)\n", scipy_full / t_proj,
              scipy_full / t_proj1);
  std::printf("ratio scipy grid / t2 grid (same 4,500 starts): %.0fx (all threads), %.0fx (one thread each)\n",
              scipy_full / t_grid, scipy_full / t_grid1);
  std::printf("objective t2 projected - scipy best = %.3g\n", fit.objective - j["best"].get<double>());
  return 0;
}
