// test_config.cpp — the sweep config: a good file parses to the documented values; every kind
// of bad input is one ConfigError naming the file, line, key and value.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "orchestrator/config/sweep_config.hpp"
#include "workers/factory.hpp"

using namespace t2;

namespace {

const std::string kGood = R"(
[sweep]
name = "unit"
seed = 7
max_attempts = 2
compute_cap = 1e21

[grid]
n = { from = 1e5, to = 1e7, steps = 3 }
d = [1e7, 1e8]

[design]
batch_size = 4

[eval]
tasks = ["arithmetic", "spatial"]
problems = 32
samples = 16

[target]
train_budget = 1e20
inference_budget = 2e9

[workload]
backend = "synthetic"
[workload.synthetic]
loss_noise = 0.02
)";

std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

// The error message for a config text, or "" if it parsed.
std::string error_of(const std::string& text) {
  try {
    parse_sweep_config(text, "bad.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a good sweep config parses to its values and the documented defaults") {
  auto c = parse_sweep_config(kGood, "good.toml");
  CHECK(c.name == "unit");
  CHECK(c.store == "unit.h5");
  CHECK(c.seed == 7);
  CHECK(c.max_attempts == 2);
  CHECK(c.replicates == 1);
  REQUIRE(c.grid.n.size() == 3);
  CHECK(c.grid.n[0] == Approx(1e5));
  CHECK(c.grid.n[1] == Approx(1e6));
  CHECK(c.grid.n[2] == Approx(1e7));
  CHECK(c.eval.tasks == std::vector<std::string>{"arithmetic", "spatial"});
  CHECK(c.eval.samples == 16);
  CHECK(c.eval.temperature == 1.0);
  CHECK(c.design.strategy == "grid");
  CHECK(c.target.form == TargetConfig::Form::split);
  CHECK(c.target.inference_budget == 2e9);
  CHECK(c.workload.backend == "synthetic");
  CHECK(grid_points(c.grid).size() == 6);
  CHECK(c.text == kGood);
}

TEST_CASE("isoflop grids give D = C / 6N for each budget and size") {
  auto text = replace(kGood, "d = [1e7, 1e8]", "isoflop = [6e12]");
  auto pts = grid_points(parse_sweep_config(text, "iso.toml").grid);
  REQUIRE(pts.size() == 3);
  for (auto& p : pts) CHECK(6 * p.n * p.d == Approx(6e12));
}

TEST_CASE("the end-to-end target form is read, and mixing both forms is refused") {
  auto e2e = replace(kGood, "train_budget = 1e20\ninference_budget = 2e9",
                     "budget = 1e21\nqueries = 1e9\ntokens_per_query = 256");
  auto c = parse_sweep_config(e2e, "e2e.toml");
  CHECK(c.target.form == TargetConfig::Form::end_to_end);
  CHECK(c.target.queries == 1e9);
  auto both = replace(kGood, "train_budget = 1e20", "train_budget = 1e20\nbudget = 1e21");
  CHECK_THAT(error_of(both), Catch::Contains("not both"));
}

TEST_CASE("[target] fit_locality is read, and refused where a local fit has no centre or no weights") {
  auto local = replace(kGood, "inference_budget = 2e9", "inference_budget = 2e9\nfit_locality = 0.5");
  CHECK(parse_sweep_config(local, "local.toml").target.fit_locality == 0.5);
  CHECK(parse_sweep_config(kGood, "plain.toml").target.fit_locality == 0);  // off by default: the paper's fit
  auto negative = error_of(replace(local, "fit_locality = 0.5", "fit_locality = -1"));
  CHECK_THAT(negative, Catch::StartsWith("bad.toml:23: target.fit_locality = -1") && Catch::Contains("between 0"));
  auto e2e = error_of(replace(local, "train_budget = 1e20\ninference_budget = 2e9",
                              "budget = 1e21\nqueries = 1e9\ntokens_per_query = 256"));
  CHECK_THAT(e2e, Catch::Contains("target.fit_locality = 0.5") && Catch::Contains("split form"));
  auto moments = error_of(replace(local, "batch_size = 4", "batch_size = 4\nmethod = \"moments\""));
  CHECK_THAT(moments, Catch::Contains("target.fit_locality = 0.5") && Catch::Contains("moments"));
}

TEST_CASE("bad configs are one readable error naming file, line, key and value") {
  SECTION("missing file") {
    try {
      load_sweep_config("/nonexistent/sweep.toml");
      FAIL("no error");
    } catch (const ConfigError& e) {
      CHECK_THAT(e.what(), Catch::StartsWith("/nonexistent/sweep.toml: cannot open"));
    }
  }
  SECTION("TOML syntax error") {
    auto msg = error_of(replace(kGood, "seed = 7", "seed = = 7"));
    CHECK_THAT(msg, Catch::StartsWith("bad.toml:4: TOML syntax error"));
  }
  SECTION("unknown key") {
    auto msg = error_of(replace(kGood, "seed = 7", "seed = 7\nsede = 8"));
    CHECK(msg == "bad.toml:5: sweep.sede = 8: unknown key");
  }
  SECTION("unknown key in a backend table") {
    auto msg = error_of(replace(kGood, "loss_noise = 0.02", "loss_nois = 0.02"));
    CHECK(msg == "bad.toml:27: workload.synthetic.loss_nois = 0.02: unknown key");  // with its line
    auto range = error_of(replace(kGood, "loss_noise = 0.02", "loss_noise = -1"));
    CHECK(range == "bad.toml:27: workload.synthetic.loss_noise = -1: must be >= 0");
  }
  SECTION("wrong type") {
    auto msg = error_of(replace(kGood, "problems = 32", "problems = \"many\""));
    CHECK_THAT(msg, Catch::Contains("eval.problems = \"many\"") && Catch::Contains("expected an integer"));
  }
  SECTION("negative N") {
    auto msg = error_of(replace(kGood, "d = [1e7, 1e8]", "d = [1e7, -5]"));
    CHECK_THAT(msg, Catch::Contains("grid.d = [") && Catch::Contains("> 0"));
  }
  SECTION("zero N in a range") {
    auto msg = error_of(replace(kGood, "from = 1e5", "from = 0"));
    CHECK_THAT(msg, Catch::Contains("grid.n.from = 0") && Catch::Contains("must be > 0"));
  }
  SECTION("empty grid") {
    auto msg = error_of(replace(kGood, "d = [1e7, 1e8]", "d = []"));
    CHECK_THAT(msg, Catch::Contains("grid.d = []") && Catch::Contains("must not be empty"));
  }
  SECTION("grid emptied by the tokens-per-param filter") {
    auto msg = error_of(replace(kGood, "d = [1e7, 1e8]", "d = [1e7, 1e8]\nmin_tokens_per_param = 1e6"));
    CHECK_THAT(msg, Catch::Contains("grid is empty"));
  }
  SECTION("k_max < 1") {
    auto msg = error_of(replace(kGood, "samples = 16", "samples = 0"));
    CHECK_THAT(msg, Catch::Contains("eval.samples = 0") && Catch::Contains("k_max must be >= 1"));
  }
  SECTION("first batch larger than the compute cap") {
    auto msg = error_of(replace(kGood, "compute_cap = 1e21", "compute_cap = 1e12"));
    CHECK_THAT(msg, Catch::Contains("design.batch_size = 4") && Catch::Contains("sweep.compute_cap"));
  }
  SECTION("unknown strategy") {
    auto msg = error_of(replace(kGood, "batch_size = 4", "batch_size = 4\nstrategy = \"bayes\""));
    CHECK_THAT(msg, Catch::Contains("design.strategy = \"bayes\"") && Catch::Contains("expected one of"));
  }
  SECTION("unknown design lhat or method (the adaptive refit's)") {
    auto msg = error_of(replace(kGood, "batch_size = 4", "batch_size = 4\nlhat = \"loss\""));
    CHECK_THAT(msg, Catch::Contains("design.lhat = \"loss\"") && Catch::Contains("expected one of"));
    msg = error_of(replace(kGood, "batch_size = 4", "batch_size = 4\nmethod = \"beta_binomial\""));
    CHECK_THAT(msg, Catch::Contains("design.method = \"beta_binomial\"") && Catch::Contains("expected one of"));
  }
  SECTION("settings for a backend that is not selected") {
    auto msg = error_of(replace(kGood, "[workload.synthetic]", "[workload.exec]"));
    CHECK_THAT(msg, Catch::Contains("workload.exec"));
  }
  SECTION("missing [sweep]") {
    auto msg = error_of(replace(kGood, "[sweep]\nname = \"unit\"", ""));
    CHECK_THAT(msg, Catch::Contains("[sweep] is missing"));
  }
}

TEST_CASE("config_diff ignores comments and spacing and shows changed lines") {
  CHECK(config_diff("a = 1 # one\n\nb = 2\n", "a = 1\n  b = 2") == "");
  auto d = config_diff("a = 1\nb = 2\n", "a = 1\nb = 3\n");
  CHECK_THAT(d, Catch::Contains("- b = 2") && Catch::Contains("+ b = 3"));
}

// Issue 12: bounded parsing. Every case is a generated string, refused with a ConfigError
// (never a crash, a wrap-around or a multi-megabyte message).
TEST_CASE("deeply nested TOML is refused before toml++ recurses, naming file, line and limit") {
  SECTION("dotted keys") {
    std::string deep = "x";
    for (int i = 0; i < 40000; ++i) deep += ".a";
    auto msg = error_of(kGood + deep + " = 1\n");
    CHECK(msg.find("bad.toml:") == 0);
    CHECK(msg.find("nesting deeper than 64 levels") != std::string::npos);
  }
  SECTION("table headers") {
    std::string deep = "[a";
    for (int i = 0; i < 40000; ++i) deep += ".a";
    CHECK(error_of(kGood + deep + "]\n").find("nesting deeper than 64") != std::string::npos);
  }
  SECTION("inline arrays and tables, on the line they open") {
    std::string arr = "y = " + std::string(40000, '[') + std::string(40000, ']') + "\n";
    auto msg = error_of("[sweep]\nname = \"x\"\n" + arr);
    CHECK(msg.find("bad.toml:3:") == 0);
    std::string tab = "y = ";
    for (int i = 0; i < 40000; ++i) tab += "{a = ";
    CHECK(error_of("[sweep]\n" + tab + "1" + std::string(40000, '}') + "\n").find("nesting deeper") !=
          std::string::npos);
  }
  SECTION("dots and brackets inside strings and comments do not count") {
    std::string dots(500, '.');
    auto ok = replace(kGood, "name = \"unit\"", "name = \"" + dots + "\" # " + dots + std::string(100, '['));
    CHECK(parse_sweep_config(ok, "ok.toml").name == dots);
  }
  SECTION("a third '[' in a table header (toml++ asserts on it)") {
    CHECK(error_of(kGood + "[[[a]]]\n").find("bad.toml:28: TOML syntax error: unexpected '[' in a table header") == 0);
    CHECK(error_of(kGood + "[[b]]\nx = 1\n").find("b = ") != std::string::npos);  // valid TOML, unknown key
  }
  SECTION("a file over the size limit") {
    auto msg = error_of(kGood + "# " + std::string(5u << 20, 'x') + "\n");
    CHECK(msg.find("a sweep config may have at most 4194304") != std::string::npos);
  }
}

TEST_CASE("a grid over the point limit is refused before it is materialised, naming key and count") {
  auto text = replace(kGood, "d = [1e7, 1e8]", "d = { from = 1e7, to = 1e9, steps = 100000 }");
  text = replace(text, "n = { from = 1e5, to = 1e7, steps = 3 }", "n = { from = 1e5, to = 1e7, steps = 100000 }");
  auto msg = error_of(text);
  CHECK(msg.find("bad.toml:") == 0);
  CHECK(msg.find("grid.d") != std::string::npos);
  CHECK(msg.find("100000 x 100000 = 10000000000 points; at most 100000") != std::string::npos);
}

TEST_CASE("integers, durations and strings are range-checked before conversion") {
  SECTION("an integer outside the target type is refused, not wrapped") {
    auto text = replace(kGood, "backend = \"synthetic\"\n[workload.synthetic]\nloss_noise = 0.02",
                        "backend = \"builtin\"\n[workload.builtin]\nmax_digits = 4294967297");
    auto msg = error_of(text);
    CHECK(msg.find("workload.builtin.max_digits = 4294967297: out of range") != std::string::npos);
  }
  SECTION("a duration above the documented maximum") {
    auto msg = error_of(replace(kGood, "max_attempts = 2", "max_attempts = 2\nshutdown_grace = 1e10"));
    CHECK(msg.find("sweep.shutdown_grace = 10000000000.0: must be between 0 and 1e+07 seconds") !=
          std::string::npos);
    msg = error_of(replace(kGood, "max_attempts = 2", "max_attempts = 2\nprogress_interval = 1e30"));
    CHECK(msg.find("sweep.progress_interval = 1e+30: must be between 0 and 1e+07 seconds") != std::string::npos);
  }
  SECTION("non-finite numbers") {
    CHECK(error_of(replace(kGood, "compute_cap = 1e21", "compute_cap = inf")).find("expected a finite number") !=
          std::string::npos);
  }
  SECTION("a NUL character in a stored string") {
    auto msg = error_of(replace(kGood, "name = \"unit\"", "name = \"a\\u0000b\""));
    CHECK(msg.find("sweep.name = \"a\\x00b\": must not contain a NUL character") != std::string::npos);
  }
  SECTION("an echoed value is cut and kept on one line") {
    std::string longname = "x\\n" + std::string(100000, 'y');
    auto msg = error_of(replace(kGood, "max_attempts = 2", "max_attempts = \"" + longname + "\""));
    CHECK(msg.find('\n') == std::string::npos);
    CHECK(msg.size() < 400);
    CHECK(msg.find("max_attempts = \"x\\nyyy") != std::string::npos);
    CHECK(msg.find("…\"") != std::string::npos);
  }
  SECTION("an echoed key is cut and kept on one line too (fuzz stage, seed 12, mutant 433)") {
    // An unknown key is echoed as the user wrote it: a 3 KB one made a 3 KB message, and a
    // quoted key may hold a newline.
    auto msg = error_of(replace(kGood, "loss_noise = 0.02", std::string(3000, 'k') + " = 1"));
    CHECK(msg.find("workload.synthetic.kkkk") != std::string::npos);
    CHECK(msg.find("unknown key") != std::string::npos);
    CHECK(msg.size() < 400);
    msg = error_of(replace(kGood, "loss_noise = 0.02", "\"a\\nb\" = 1"));
    CHECK(msg.find('\n') == std::string::npos);
    CHECK(msg.find("workload.synthetic.a\\nb") != std::string::npos);
  }
}

TEST_CASE("a builtin config's data_file is checked on the machine that runs it and read only where a workload is built") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / "t2-engine-config-data-file";
  fs::create_directories(dir);
  auto with_data = [&](const std::string& path) {
    return replace(kGood, "backend = \"synthetic\"\n[workload.synthetic]\nloss_noise = 0.02",
                   "backend = \"builtin\"\n[workload.builtin]\ncontext = 128\ndata_file = \"" + path + "\"");
  };
  auto line_of_data_file = [](const std::string& text) {
    return 1 + static_cast<int>(std::count(text.begin(), text.begin() + text.find("data_file"), '\n'));
  };
  const std::string absent = (dir / "absent-tokens.bin").string();
  fs::remove(absent);

  SECTION("read back from a store on a machine without the file: valid, [target] kept") {
    // t2 report, t2 plan and t2 fit parse the stored config without checking this machine.
    auto c = parse_sweep_config(with_data(absent), "stored.toml");
    CHECK(c.workload.backend == "builtin");
    CHECK(c.target.train_budget == 1e20);
    CHECK(c.target.inference_budget == 2e9);
  }
  SECTION("checked on this machine (t2 validate, t2 run): an absent file names the key, value and line") {
    auto text = with_data(absent);
    try {
      parse_sweep_config(text, "sweep.toml", true);
      FAIL("an absent data_file was accepted");
    } catch (const ConfigError& e) {
      CHECK(e.key == "workload.builtin.data_file");
      CHECK(e.problem == "file does not exist");
      CHECK(e.line == line_of_data_file(text));
      CHECK(std::string(e.what()).find(absent) != std::string::npos);
    }
  }
  SECTION("a file that is no token file passes validation unread; building the workload refuses it") {
    const std::string bad = (dir / "odd-tokens.bin").string();
    std::ofstream(bad, std::ios::binary) << "abc";  // 3 bytes: not uint16 tokens
    auto text = with_data(bad);
    auto c = parse_sweep_config(text, "sweep.toml", true);  // exists: that is all validation asks
    try {
      make_workload(c.workload);
      FAIL("a 3-byte token file was accepted");
    } catch (const ConfigError& e) {
      CHECK(e.key == "workload.builtin.data_file");
      CHECK(e.problem.find("odd byte count, not a uint16 token file") != std::string::npos);
      CHECK(e.line == line_of_data_file(text));  // the line survives outside the parser
    }
  }
}
