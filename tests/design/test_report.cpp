// test_report.cpp — `t2 report`'s renderer on a small simulated sweep and on an empty store:
// every figure and the index exist and are non-empty.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "orchestrator/design/simulation.hpp"
#include "orchestrator/report/report.hpp"
#include "tests/design/synthetic_sweep.hpp"

using namespace t2;
namespace fs = std::filesystem;

namespace {
fs::path fresh_dir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("t2-report-test-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir;
}
const char* kFigures[] = {"loss_vs_d", "isoflop", "pass_at_k", "frontier_n", "tokens_per_param", "history"};
}  // namespace

TEST_CASE("report renders every figure and an index from a small adaptive sweep", "[report]") {
  SweepConfig c = testing::synthetic_config("adaptive", 2, "batches = 5\n");
  auto design = make_design(c);
  SyntheticWorkload workload(testing::truth_of(c));
  SimulationResult sim = simulate_sweep(c, *design, workload, 5);
  fs::path dir = fresh_dir("sweep");
  ReportFiles files = write_report(sim.contents, dir.string());
  REQUIRE(files.figures.size() == 6);
  for (const char* f : kFigures) {
    fs::path svg = dir / (std::string(f) + ".svg");
    INFO(svg);
    REQUIRE(fs::exists(svg));
    CHECK(fs::file_size(svg) > 1000);
    std::ifstream in(svg);
    std::stringstream ss;
    ss << in.rdbuf();
    CHECK(ss.str().find("<svg") != std::string::npos);
    CHECK(ss.str().find("<path") != std::string::npos);  // something was drawn
  }
  std::ifstream in(files.index);
  std::stringstream html;
  html << in.rdbuf();
  for (const char* f : kFigures) CHECK(html.str().find(std::string(f) + ".svg") != std::string::npos);
  CHECK(html.str().find("Planned optimum") != std::string::npos);
  if (!std::getenv("T2_KEEP_REPORT")) fs::remove_all(dir);
}

TEST_CASE("report of a store without results still writes every figure", "[report]") {
  StoreContents empty;
  empty.config_text = testing::synthetic_config_text("grid", 1);
  fs::path dir = fresh_dir("empty");
  ReportFiles files = write_report(empty, dir.string());
  for (const std::string& f : files.figures) CHECK(fs::file_size(f) > 0);
  fs::remove_all(dir);
}

TEST_CASE("report names the program when gnuplot cannot be run", "[report]") {
  StoreContents empty;
  fs::path dir = fresh_dir("nognuplot");
  ReportOptions o;
  o.gnuplot = "/nonexistent/gnuplot";
  CHECK_THROWS_WITH(write_report(empty, dir.string(), o), Catch::Contains("/nonexistent/gnuplot"));
  fs::remove_all(dir);
}

TEST_CASE("report says how gnuplot failed, with no empty detail", "[report]") {
  StoreContents empty;
  empty.config_text = testing::synthetic_config_text("grid", 1);
  fs::path dir = fresh_dir("failing");
  ReportOptions o;
  o.gnuplot = "/bin/false";  // runs, prints nothing, exits 1
  try {
    write_report(empty, dir.string(), o);
    FAIL("no error");
  } catch (const std::exception& e) {
    std::string msg = e.what();
    CHECK_THAT(msg, Catch::Contains("/bin/false") && Catch::Contains("exit status 1"));
    CHECK(msg.back() != ' ');
  }
  fs::remove_all(dir);
}
