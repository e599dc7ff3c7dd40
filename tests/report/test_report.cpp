// test_report.cpp — `t2 report`'s figures as a reader sees them: every figure rendered to a PNG
// that is not blank, labels printed as written, pass@k measured only up to the samples taken,
// one set of figures per task (or only --task's), frontier stretches on a bound or beyond the
// data drawn differently, no empty figures, and the report's plan equal to the laws' planner.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <fmt/format.h>

#include "orchestrator/analysis/analysis.hpp"
#include "orchestrator/analysis/law_inputs.hpp"
#include "orchestrator/design/simulation.hpp"
#include "orchestrator/report/figures.hpp"
#include "orchestrator/report/report.hpp"
#include "tests/design/synthetic_sweep.hpp"
#include "tests/report/png_pixels.hpp"

using namespace t2;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("t2-report-test-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A small synthetic sweep with two tasks and only 16 samples per problem (fewer than the plan's
// k*, so the law's curve runs past the measured points). Seeded: the same store every time.
std::string two_task_config(const std::string& strategy) {
  return "[sweep]\nname = \"report-test\"\nseed = 7\n"
         "[grid]\nn = {from = 1e7, to = 1e9, steps = 4}\nd = {from = 1e8, to = 1e11, steps = 4}\n"
         "[design]\nstrategy = \"" + strategy + "\"\nbatch_size = 8\nfirst_batch = 8\nensemble = 8\ncandidates = 64\n"
         "[eval]\ntasks = [\"arithmetic\", \"spatial\"]\nproblems = 64\nsamples = 16\n"
         "[target]\ntrain_budget = 1e19\ninference_budget = 2e9\n"
         "[workload]\nbackend = \"synthetic\"\n"
         "[workload.synthetic]\nloss_noise = 0.01\ntheta0 = 3.0\ntheta1 = 3.0\ntheta2 = 0.9\ntheta3 = 1.0\n";
}

StoreContents simulated(const std::string& strategy, std::uint32_t batches) {
  SweepConfig c = parse_sweep_config(two_task_config(strategy), "report-test.toml");
  auto design = make_design(c);
  SyntheticWorkload workload(testing::truth_of(c));
  return simulate_sweep(c, *design, workload, batches).contents;
}

// bands: bootstrap refits for the cases that look at bands (enough to draw one; the intervals'
// quality is the laws' tests' business); the others fit once, which keeps the suite fast.
ReportOptions quick(std::uint32_t bands = 0) {
  ReportOptions o;
  o.bootstrap = bands;
  o.threads = 2;
  return o;
}

// The rows of gnuplot datablock $name in report.gp, up to the figure's `set output` block end.
std::vector<std::vector<double>> block_rows(const std::string& script, const std::string& figure, const std::string& name) {
  const auto at = script.find("set output '" + figure + ".svg'");
  REQUIRE(at != std::string::npos);
  const auto b = script.find("$" + name + " << EOD\n", at);
  REQUIRE(b != std::string::npos);
  const auto e = script.find("EOD\n", b + name.size() + 8);
  std::istringstream in(script.substr(b, e - b));
  std::string line;
  std::getline(in, line);
  std::vector<std::vector<double>> rows;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::vector<double> v;
    double x;
    while (ls >> x) v.push_back(x);
    if (!v.empty()) rows.push_back(v);
  }
  return rows;
}

}  // namespace

TEST_CASE("every figure is rendered to SVG and to a PNG that is not blank", "[report]") {
  StoreContents store = simulated("adaptive", 4);
  fs::path dir = fresh_dir("all");
  ReportFiles files = write_report(store, dir.string(), quick(12));
  std::vector<std::string> want = {"loss_vs_d", "isoflop"};
  for (const char* t : {"arithmetic", "spatial"})
    for (const char* f : {"pass_at_k_", "frontier_n_", "tokens_per_param_"}) want.push_back(std::string(f) + t);
  want.push_back("history");
  REQUIRE(files.figures.size() == want.size());
  REQUIRE(files.pngs.size() == want.size());
  CHECK(files.skipped.empty());
  const std::string index = slurp(files.index);
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO(want[i]);
    CHECK(files.figures[i] == (dir / (want[i] + ".svg")).string());
    CHECK(files.pngs[i] == (dir / (want[i] + ".png")).string());
    auto px = testing::count_pixels(files.pngs[i]);
    CHECK(px.width == 1000);
    CHECK(px.height == 560);
    // Axes, labels and a legend alone cover a few percent; data adds coloured pixels.
    CHECK(px.non_background > px.width * px.height / 100);
    CHECK(px.coloured > 400);
    CHECK(index.find(want[i] + ".png") != std::string::npos);
  }
  if (!std::getenv("T2_KEEP_REPORT")) fs::remove_all(dir);
}

TEST_CASE("labels print as written: pass@k, C ≈, C_inf, T²", "[report]") {
  StoreContents store = simulated("grid", 2);
  fs::path dir = fresh_dir("labels");
  write_report(store, dir.string(), quick());
  const std::string pass = slurp(dir / "pass_at_k_arithmetic.svg");
  CHECK(pass.find("pass@k vs k, task arithmetic") != std::string::npos);
  CHECK(pass.find("passk") == std::string::npos);  // enhanced text ate the '@'
  CHECK(pass.find("fitted T² accuracy law") != std::string::npos);
  CHECK(slurp(dir / "isoflop.svg").find("C ≈ ") != std::string::npos);
  CHECK(slurp(dir / "frontier_n_arithmetic.svg").find("C_inf = ") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("measured pass@k stops at the n samples; the law goes on dashed to the plan's k*", "[report]") {
  StoreContents store = simulated("grid", 2);
  fs::path dir = fresh_dir("samples");
  ReportFiles files = write_report(store, dir.string(), quick(12));
  const std::string gp = slurp(files.script);
  auto measured = block_rows(gp, "pass_at_k_arithmetic", "measured");
  REQUIRE(!measured.empty());
  double k_max = 0;
  for (auto& r : measured) k_max = std::max(k_max, r[0]);
  CHECK(k_max == 16);  // samples = 16 in the config: never beyond
  // Each point is the unbiased estimator from the stored counts: pass@k grows with k.
  for (std::size_t i = 1; i < measured.size(); ++i)
    if (measured[i][0] > measured[i - 1][0]) CHECK(measured[i][1] >= measured[i - 1][1] - 1e-12);
  auto ext = block_rows(gp, "pass_at_k_arithmetic", "ext");
  REQUIRE(!ext.empty());
  CHECK(ext.front()[0] == Approx(16));
  CHECK(ext.back()[0] > 16);
  auto band = block_rows(gp, "pass_at_k_arithmetic", "band");
  REQUIRE(!band.empty());
  for (auto& r : band) CHECK(r[1] <= r[2]);
  CHECK(gp.find("law beyond the measured k") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("a grid sweep gets no history figure, and the index says why", "[report]") {
  StoreContents store = simulated("grid", 2);
  fs::path dir = fresh_dir("grid");
  ReportFiles files = write_report(store, dir.string(), quick());
  CHECK_FALSE(fs::exists(dir / "history.svg"));
  REQUIRE(files.skipped.size() == 1);
  CHECK_THAT(files.skipped[0], Catch::StartsWith("history: only the adaptive design"));
  CHECK(slurp(files.index).find("only the adaptive design plans an optimum") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("--task draws that task only; an unknown task names the ones there are", "[report]") {
  StoreContents store = simulated("grid", 2);
  fs::path dir = fresh_dir("task");
  ReportOptions o = quick();
  o.task = "spatial";
  ReportFiles files = write_report(store, dir.string(), o);
  CHECK(fs::exists(dir / "pass_at_k_spatial.png"));
  CHECK_FALSE(fs::exists(dir / "pass_at_k_arithmetic.svg"));
  o.task = "knowledge";
  CHECK_THROWS_WITH(write_report(store, dir.string(), o),
                    Catch::Contains("--task knowledge") && Catch::Contains("arithmetic, spatial"));
  fs::remove_all(dir);
}

TEST_CASE("frontier points on a planner bound and beyond the fitted runs are told apart", "[report]") {
  StoreContents store = simulated("grid", 2);
  report::ReportModel m;
  m.contents = &store;
  m.runs = fit_data_from_store(store, "");
  for (const Checkpoint& c : m.runs.checkpoints) m.n.add(c.n), m.d.add(c.d), m.tokens_per_param.add(c.d / c.n), m.train_flops.add(6 * c.n * c.d);
  report::TaskModel t;
  t.task = "arithmetic";
  t.data = fit_data_from_store(store, "arithmetic");
  t.fit = fit_law(t.data, FitOptions{});
  Deployment dep;
  dep.train_flops = 1e19, dep.inference_flops = 2e9;
  m.target = dep;
  // N capped just above the smallest fitted model: large budgets must press against n_max.
  m.bounds.n_min = m.n.lo / 10, m.bounds.n_max = m.n.lo * 1.5;
  m.bounds.d_min = 1e6, m.bounds.d_max = 1e16;
  report::Frontier f = report::frontier(m, t);
  REQUIRE(!f.series.empty());
  std::size_t bound = 0, interior_or_extrapolated = 0;
  for (const auto& s : f.series)
    for (const auto& p : s.points) {
      INFO(s.title << " at C = " << p.budget << ": N = " << p.n);
      if (p.n >= m.bounds.n_max * 0.999) {
        CHECK(p.kind == report::FrontierPoint::Kind::bound);
        CHECK_THAT(p.why, Catch::Contains("N at n_max"));
      }
      if (p.kind == report::FrontierPoint::Kind::bound) ++bound;
      else ++interior_or_extrapolated;
      if (p.kind == report::FrontierPoint::Kind::interior) {
        CHECK(m.n.contains(p.n));
        CHECK(m.tokens_per_param.contains(p.d / p.n));
      }
      if (p.kind == report::FrontierPoint::Kind::extrapolated)
        CHECK((!m.n.contains(p.n) || !m.d.contains(p.d) || !m.tokens_per_param.contains(p.d / p.n)));
    }
  CHECK(bound > 0);
  CHECK(interior_or_extrapolated > 0);
  std::string why;
  auto fig = report::frontier_n(m, t, f, why);
  REQUIRE(fig);
  CHECK(fig->script.find("dt 3") != std::string::npos);
  CHECK(fig->script.find("optimum on a planner bound") != std::string::npos);
  CHECK_THAT(fig->caption, Catch::Contains("N at n_max"));
}

TEST_CASE("the report's plan is the laws' planner on the laws' fit (the N* of t2 plan)", "[report]") {
  StoreContents store = simulated("grid", 2);
  fs::path dir = fresh_dir("plan");
  ReportOptions o = quick();
  o.bootstrap = 0;
  o.task = "arithmetic";
  ReportFiles files = write_report(store, dir.string(), o);
  // What `t2 plan STORE --task arithmetic` computes: the one fitting path (analysis.hpp) with its
  // defaults (--law auto, the store's [target], bounds from [target] else the data widened 10x).
  AnalysisRequest rq;
  rq.fit.law = "auto";
  rq.plan = true;
  Analysis a = analyse(law_inputs_from_store(store, "store", "arithmetic"), rq);
  REQUIRE(a.plan);
  const Plan& p = *a.plan;
  REQUIRE(p.best.feasible);
  const std::string index = slurp(files.index);
  CHECK(index.find(fmt::format("<td>T² optimum</td><td>{:.4g}</td><td>{:.4g}</td>", p.best.n, p.best.d)) != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("a store without results draws no empty figure", "[report]") {
  StoreContents empty;
  empty.config_text = two_task_config("grid");
  fs::path dir = fresh_dir("empty");
  ReportFiles files = write_report(empty, dir.string(), quick());
  CHECK(files.figures.empty());
  CHECK(files.skipped.size() >= 3);
  CHECK(slurp(files.index).find("Figures not drawn") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("report names the program when gnuplot cannot be run", "[report]") {
  StoreContents store = simulated("grid", 1);
  fs::path dir = fresh_dir("nognuplot");
  ReportOptions o = quick();
  o.bootstrap = 0;
  o.gnuplot = "/nonexistent/gnuplot";
  CHECK_THROWS_WITH(write_report(store, dir.string(), o), Catch::Contains("/nonexistent/gnuplot") && Catch::Contains("gnuplot-nox"));
  o.gnuplot = "gnuplot";
  o.rsvg = "/nonexistent/rsvg-convert";
  CHECK_THROWS_WITH(write_report(store, dir.string(), o), Catch::Contains("librsvg2-bin"));
  fs::remove_all(dir);
}

TEST_CASE("report says how gnuplot failed, with no empty detail", "[report]") {
  StoreContents store = simulated("grid", 1);
  fs::path dir = fresh_dir("failing");
  ReportOptions o = quick();
  o.bootstrap = 0;
  o.gnuplot = "/bin/false";  // runs, prints nothing, exits 1
  try {
    write_report(store, dir.string(), o);
    FAIL("no error");
  } catch (const std::exception& e) {
    std::string msg = e.what();
    CHECK_THAT(msg, Catch::Contains("/bin/false") && Catch::Contains("exit status 1"));
    CHECK(msg.back() != ' ');
  }
  fs::remove_all(dir);
}
