// export_test.cpp — the clean dataset: the pass@k grid, pass@k values from both sources, done
// jobs only, and an atomic write (a failed export leaves no file).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>

#include <fmt/format.h>

#include "orchestrator/laws/pass_at_k.hpp"
#include "orchestrator/store/export.hpp"
#include "orchestrator/store/h5.hpp"
#include "orchestrator/store/store.hpp"
#include "tests/store/store_fixtures.hpp"

using namespace t2;
using namespace t2::test;

TEST_CASE("pass@k grid is the powers of two up to k_max, plus k_max", "[export]") {
  CHECK(pass_at_k_grid(1) == std::vector<std::uint32_t>{1});
  CHECK(pass_at_k_grid(64) == std::vector<std::uint32_t>{1, 2, 4, 8, 16, 32, 64});
  CHECK(pass_at_k_grid(6) == std::vector<std::uint32_t>{1, 2, 4, 6});
  CHECK(pass_at_k_grid(0).empty());
}

namespace {
// One done run with one done eval of 2 problems x 4 samples: problem 0 has 1 of 4 correct,
// problem 1 has 4 of 4. A second run and eval are left pending.
StoreContents tiny() {
  StoreContents c;
  c.schema_version = kStoreSchemaVersion;
  c.runs.resize(2);
  c.runs[0].index = 0; c.runs[0].state = JobState::done; c.runs[0].plan.n_params = 1e6; c.runs[0].plan.n_tokens = 2e7;
  c.runs[0].result = train_result(0);
  c.runs[1].index = 1;
  c.evals.resize(2);
  auto& e = c.evals[0];
  e.index = 0; e.state = JobState::done; e.plan.run = 0; e.plan.task = "arith"; e.plan.problems = 2; e.plan.samples = 4;
  e.result.problems = 2; e.result.samples = 4;
  e.result.correct = {0, 1, 0, 0, 1, 1, 1, 1};
  e.result.answer_nll = {std::log(4.0), 0.0};  // p = 1/4 and 1
  c.evals[1].index = 1; c.evals[1].plan.run = 1;
  c.batches.push_back({0, 0, 0, 2, 0, 2});
  return c;
}
}  // namespace

TEST_CASE("export holds done jobs only, with pass@k from both sources", "[export]") {
  std::string dir = scratch_dir("export_values");
  export_hdf5(tiny(), dir + "/out.h5");
  CHECK_FALSE(std::filesystem::exists(dir + "/out.h5.tmp"));
  h5::Id f = h5::open_file(dir + "/out.h5", false);
  h5::Id k = h5::open_dataset(f, "k");
  CHECK(h5::read_column<std::uint32_t>(k) == std::vector<std::uint32_t>{1, 2, 4});
  h5::Id runs = h5::open_group(f, "runs");
  h5::Id idx = h5::open_dataset(runs, "run");
  CHECK(h5::length(idx) == 1);
  h5::Id evals = h5::open_group(f, "evals");
  auto col = [&](const char* name) {
    h5::Id ds = h5::open_dataset(evals, name);
    return h5::read_column<double>(ds);
  };
  // pass@1 = mean(1/4, 1); pass@2 = mean(1 - C(3,2)/C(4,2), 1) = mean(1/2, 1); pass@4 = 1.
  CHECK_THAT(col("pass@1"), Catch::Approx(std::vector<double>{0.625}));
  CHECK_THAT(col("pass@2"), Catch::Approx(std::vector<double>{0.75}));
  CHECK_THAT(col("pass@4"), Catch::Approx(std::vector<double>{1.0}));
  // Likelihood source: mean(1 - (3/4)^k, 1).
  CHECK_THAT(col("mean_pass@2"), Catch::Approx(std::vector<double>{(1 - 0.5625 + 1) / 2}));
  CHECK_THAT(col("loss"), Catch::Approx(std::vector<double>{train_result(0).final_loss}));
  h5::Id og = h5::open_group(f, "outcomes");
  CHECK(h5::list(og) == std::vector<std::string>{"000000"});
}

TEST_CASE("a failed export leaves no file behind", "[export]") {
  std::string dir = scratch_dir("export_fail");
  CHECK_THROWS_AS(export_hdf5(tiny(), dir + "/no/such/dir/out.h5"), StoreError);
  CHECK(std::filesystem::is_empty(dir));
}

TEST_CASE("an export without done jobs still has every column, with no rows", "[export]") {
  std::string dir = scratch_dir("export_empty");
  StoreContents c;
  c.schema_version = kStoreSchemaVersion;
  export_hdf5(c, dir + "/out.h5");
  h5::Id f = h5::open_file(dir + "/out.h5", false);
  h5::Id runs = h5::open_group(f, "runs"), evals = h5::open_group(f, "evals");
  for (const char* name : {"run", "N", "D", "loss", "host"}) {
    INFO(name);
    h5::Id ds = h5::open_dataset(runs, name);
    CHECK(h5::length(ds) == 0);
  }
  for (const char* name : {"eval", "run", "task", "n", "mean_nll"}) {
    INFO(name);
    h5::Id ds = h5::open_dataset(evals, name);
    CHECK(h5::length(ds) == 0);
  }
  export_csv(c, dir + "/csv");
  std::ifstream in(dir + "/csv/results.csv");
  std::string header, row;
  std::getline(in, header);
  CHECK(header == "run,N,D,loss,task,problem,n,c,nll");
  CHECK_FALSE(std::getline(in, row));
}

TEST_CASE("results.csv holds one row per problem with its correct count, in the import's columns", "[export]") {
  std::string dir = scratch_dir("export_results");
  export_csv(tiny(), dir);
  std::ifstream in(dir + "/results.csv");
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  REQUIRE(lines.size() == 3);  // header + 2 problems of the one done eval; the pending run is left out
  const TrainResult r = train_result(0);
  // N and D as the worker reported them (schemas/columns.md), c the correct samples of 4.
  CHECK(lines[1] == fmt::format("0,{},{},{},arith,0,4,1,{}", r.params, r.tokens_seen, r.final_loss, tiny().evals[0].result.answer_nll[0]));
  CHECK(lines[2].rfind(fmt::format("0,{},{},{},arith,1,4,4,", r.params, r.tokens_seen, r.final_loss), 0) == 0);
}

TEST_CASE("export refuses a link planted at its output or its temp file; a stale temp is replaced", "[export]") {
  // Issue 12 item 13: the temp file is created O_EXCL | O_NOFOLLOW, never written through a link.
  std::string dir = scratch_dir("export_links");
  std::string target = dir + "/target";
  auto plant = [&](const std::string& link) {
    std::ofstream(target) << "precious";
    std::filesystem::remove(link);
    REQUIRE(::symlink(target.c_str(), link.c_str()) == 0);
  };
  auto refused = [&](const std::function<void()>& f, const std::string& link) {
    try {
      f();
      FAIL("no refusal for the link at " << link);
    } catch (const StoreError& e) {
      CHECK_THAT(e.what(), Catch::Contains(link + " is a symbolic link; refusing to follow it"));
    }
    std::ifstream in(target);
    CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == "precious");
    CHECK(std::filesystem::is_symlink(link));
    std::filesystem::remove(link);
  };
  std::string out = dir + "/out.h5";
  for (const std::string& link : {out + ".tmp", out}) {
    plant(link);
    refused([&] { export_hdf5(tiny(), out); }, link);
    CHECK_FALSE(std::filesystem::exists(out));
  }
  std::filesystem::create_directories(dir + "/csv");
  for (const std::string& name : {"runs.csv.tmp", "results.csv"}) {
    plant(dir + "/csv/" + name);
    refused([&] { export_csv(tiny(), dir + "/csv"); }, dir + "/csv/" + name);
  }
  std::ofstream(out + ".tmp") << "half an export";
  export_hdf5(tiny(), out);
  CHECK_FALSE(std::filesystem::exists(out + ".tmp"));
  h5::Id f = h5::open_file(out, false);
  h5::Id k = h5::open_dataset(f, "k");
  CHECK(h5::length(k) == 3);
}
