// sweep_config.cpp — strict parsing of the sweep config (schemas/sweep-config.md).
#include "orchestrator/config/sweep_config.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "contract/input_limits.hpp"

namespace t2 {

namespace {

// A list of numbers, or a log range {from, to, steps} (inclusive ends, log-spaced).
std::vector<double> read_values(TableReader& r, const std::string& key) {
  auto n = r.raw(key);
  if (!n) return {};
  std::vector<double> out;
  if (n->is_array()) {
    out = r.numbers(key);
  } else if (n->is_table()) {
    auto t = r.table(key);
    double from = t->number("from"), to = t->number("to");
    auto steps = t->integer("steps");
    t->require(from > 0, "from", "must be > 0");
    t->require(to >= from, "to", "must be >= from");
    t->require(steps >= 1 && static_cast<std::uint64_t>(steps) <= limits::kMaxGridPoints, "steps",
               fmt::format("must be between 1 and {} (the grid limit, schemas/sweep-config.md)", limits::kMaxGridPoints));
    t->require(steps > 1 || from == to, "steps", "must be > 1 when from != to");
    t->finish();
    for (std::int64_t i = 0; i < steps; ++i)
      out.push_back(steps == 1 ? from : std::exp(std::log(from) + (std::log(to) - std::log(from)) * i / (steps - 1)));
  } else {
    r.fail(key, "expected a list of numbers or a range {from, to, steps}");
  }
  if (out.empty()) r.fail(key, "must not be empty");
  for (double v : out)
    if (!(v > 0)) r.fail(key, fmt::format("every value must be > 0 (found {})", v));
  return out;
}

std::uint32_t read_count(TableReader& r, const std::string& key, std::uint32_t fallback, std::uint32_t min,
                         std::uint32_t max) {
  auto v = r.integer(key, fallback);
  r.require(v >= min && v <= max, key, fmt::format("must be between {} and {}", min, max));
  return static_cast<std::uint32_t>(v);
}

}  // namespace

SweepConfig parse_sweep_config(const std::string& text, const std::string& file, bool check_programs) {
  toml::table root;
  check_toml_bounds(text, file);  // before toml++ recurses into it
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    throw ConfigError(file, static_cast<int>(e.source().begin.line), "", "",
                      fmt::format("TOML syntax error: {}", e.description()));
  }
  SweepConfig c;
  c.file = file;
  c.text = text;
  TableReader top(root, "", file);

  auto sweep = top.table("sweep");
  if (!sweep) throw ConfigError(file, 1, "sweep", "", "required table [sweep] is missing");
  c.name = sweep->string("name");
  sweep->require(!c.name.empty(), "name", "must not be empty");
  c.store = sweep->string("store", c.name + ".h5");
  auto seed = sweep->integer("seed", static_cast<long long>(c.seed));
  sweep->require(seed >= 0, "seed", "must be >= 0");
  c.seed = static_cast<std::uint64_t>(seed);
  c.replicates = read_count(*sweep, "replicates", c.replicates, 1, 1000);
  c.max_attempts = read_count(*sweep, "max_attempts", c.max_attempts, 1, 100);
  c.retry_bad_result = sweep->boolean("retry_bad_result", c.retry_bad_result);
  c.compute_cap = sweep->number("compute_cap", c.compute_cap);
  sweep->require(c.compute_cap >= 0, "compute_cap", "must be >= 0 (0 = unlimited)");
  c.fsync = sweep->boolean("fsync", c.fsync);
  c.sync_interval = sweep->seconds("sync_interval", c.sync_interval);
  c.progress_interval = sweep->seconds("progress_interval", c.progress_interval);
  sweep->require(c.progress_interval > 0, "progress_interval", "must be > 0 seconds");
  c.shutdown_grace = sweep->seconds("shutdown_grace", c.shutdown_grace);
  sweep->finish();

  auto grid = top.table("grid");
  if (!grid) throw ConfigError(file, 1, "grid", "", "required table [grid] is missing");
  c.grid.n = read_values(*grid, "n");
  if (c.grid.n.empty()) grid->fail("n", "required: model sizes N (list or {from, to, steps})");
  c.grid.d = read_values(*grid, "d");
  c.grid.isoflop = read_values(*grid, "isoflop");
  // Checked before grid_points() materialises the cross product (issue 12 item 6).
  {
    auto distinct = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return static_cast<std::uint64_t>(std::unique(v.begin(), v.end()) - v.begin());
    };
    std::uint64_t nn = distinct(c.grid.n), nd = distinct(c.grid.d.empty() ? c.grid.isoflop : c.grid.d);
    if (nd > 0 && nn * nd > limits::kMaxGridPoints)
      grid->fail(c.grid.d.empty() ? "isoflop" : "d",
                 fmt::format("the grid has {} x {} = {} points; at most {} are allowed (schemas/sweep-config.md)", nn,
                             nd, nn * nd, limits::kMaxGridPoints));
  }
  if (c.grid.d.empty() == c.grid.isoflop.empty())
    grid->fail(c.grid.d.empty() ? "d" : "isoflop", "give exactly one of d (token counts) or isoflop (FLOP budgets)");
  c.grid.min_tokens_per_param = grid->number("min_tokens_per_param", c.grid.min_tokens_per_param);
  c.grid.max_tokens_per_param = grid->number("max_tokens_per_param", c.grid.max_tokens_per_param);
  grid->require(c.grid.min_tokens_per_param >= 0, "min_tokens_per_param", "must be >= 0");
  grid->require(c.grid.max_tokens_per_param >= 0, "max_tokens_per_param", "must be >= 0");
  grid->finish();
  if (grid_points(c.grid).empty())
    throw ConfigError(file, 0, "grid", "", "the grid is empty after applying min/max_tokens_per_param");

  if (auto d = top.table("design")) {
    c.design.strategy = d->string("strategy", c.design.strategy, {"grid", "random", "adaptive"});
    c.design.batch_size = read_count(*d, "batch_size", c.design.batch_size, 1, 1000000);
    c.design.batches = read_count(*d, "batches", c.design.batches, 0, 1000000);
    c.design.first_batch = read_count(*d, "first_batch", c.design.first_batch, 0, 1000000);
    c.design.stop_tolerance = d->number("stop_tolerance", c.design.stop_tolerance);
    d->require(c.design.stop_tolerance > 0, "stop_tolerance", "must be > 0");
    c.design.ensemble = read_count(*d, "ensemble", c.design.ensemble, 2, 100000);
    c.design.lhat = d->string("lhat", c.design.lhat, {"answer_nll", "train_loss"});
    c.design.method = d->string("method", c.design.method, {"two_stage", "moments"});
    // Ignored since the ridge rule (the adaptive design scored this many candidates before it);
    // still read and range-checked so that older configs and stores load.
    (void)read_count(*d, "candidates", 256, 1, 1000000);
    d->finish();
  }

  if (auto e = top.table("eval")) {
    c.eval.tasks = e->strings("tasks", c.eval.tasks);
    e->require(!c.eval.tasks.empty(), "tasks", "must name at least one task");
    c.eval.problems = read_count(*e, "problems", c.eval.problems, 1, 10000000);
    auto k = e->integer("samples", c.eval.samples);
    e->require(k >= 1, "samples", "k_max must be >= 1");
    e->require(k <= 1000000, "samples", "k_max must be <= 1000000");
    c.eval.samples = static_cast<std::uint32_t>(k);
    c.eval.temperature = e->number("temperature", c.eval.temperature);
    e->require(c.eval.temperature >= 0, "temperature", "must be >= 0");
    c.eval.top_k = read_count(*e, "top_k", c.eval.top_k, 0, 1000000);
    c.eval.tokens_per_sample = e->number("tokens_per_sample", c.eval.tokens_per_sample);
    e->require(c.eval.tokens_per_sample > 0, "tokens_per_sample", "must be > 0");
    e->finish();
  }

  if (auto t = top.table("target")) {
    bool split = t->has("train_budget") || t->has("inference_budget");
    bool e2e = t->has("budget") || t->has("queries") || t->has("tokens_per_query");
    if (split && e2e)
      t->fail("budget", "give either train_budget + inference_budget (paper Eq. 1) or budget + queries + "
                        "tokens_per_query (end to end), not both");
    if (split) {
      c.target.form = TargetConfig::Form::split;
      c.target.train_budget = t->number("train_budget");
      c.target.inference_budget = t->number("inference_budget");
      t->require(c.target.train_budget > 0, "train_budget", "must be > 0 FLOPs");
      t->require(c.target.inference_budget > 0, "inference_budget", "must be > 0 FLOPs per served token");
    } else if (e2e) {
      c.target.form = TargetConfig::Form::end_to_end;
      c.target.budget = t->number("budget");
      c.target.queries = t->number("queries");
      c.target.tokens_per_query = t->number("tokens_per_query");
      t->require(c.target.budget > 0, "budget", "must be > 0 FLOPs");
      t->require(c.target.queries >= 0, "queries", "must be >= 0");
      t->require(c.target.tokens_per_query > 0, "tokens_per_query", "must be > 0");
    }
    c.target.n_min = t->number("n_min", c.target.n_min);
    c.target.n_max = t->number("n_max", c.target.n_max);
    c.target.k_max = t->number("k_max", c.target.k_max);
    t->require(c.target.n_min >= 0, "n_min", "must be >= 0");
    t->require(c.target.n_max == 0 || c.target.n_max >= c.target.n_min, "n_max", "must be >= n_min");
    t->require(c.target.k_max == 0 || c.target.k_max >= 1, "k_max", "must be >= 1 (0 = unbounded)");
    c.target.bootstrap = read_count(*t, "bootstrap", 0, 0, 100000);
    c.target.fit_locality = t->number("fit_locality", 0);
    t->require(c.target.fit_locality >= 0 && c.target.fit_locality <= 10, "fit_locality",
               "must be between 0 (off) and 10 decades of training compute");
    t->require(c.target.fit_locality == 0 || c.target.form == TargetConfig::Form::split, "fit_locality",
               "needs the split form (train_budget): the end-to-end form does not fix the training compute to centre on");
    t->require(c.target.fit_locality == 0 || c.design.method != "moments", "fit_locality",
               "is not available with [design] method = \"moments\" (its regressions are unweighted); use two_stage");
    t->finish();
  }

  auto w = top.table("workload");
  if (!w) throw ConfigError(file, 1, "workload", "", "required table [workload] is missing");
  c.workload.file = file;
  c.workload.check_programs = check_programs;
  c.workload.backend = w->string("backend", "synthetic", workload_backends());
  for (auto& b : workload_backends()) {
    if (auto n = w->raw(b); n && b != c.workload.backend)
      throw ConfigError(file, static_cast<int>(n->source().begin.line), "workload." + b, "{...}",
                        fmt::format("settings for backend '{}' but workload.backend = \"{}\"", b, c.workload.backend));
  }
  if (auto n = w->raw(c.workload.backend)) {
    if (!n->is_table()) w->fail(c.workload.backend, "expected a table");
    c.workload.settings = *n->as_table();
  }
  w->finish();
  if (auto sl = top.table("slurm")) c.slurm = read_slurm_config(*sl);
  top.finish();
  c.workload.seed = c.seed;
  for (const GridPoint& p : grid_points(c.grid)) c.workload.grid.push_back({p.n, p.d});

  // The backend's settings reader checks its table now (no workload built, no data read), so
  // `t2 validate` catches every mistake up front. It reads a copy of the table, and toml++
  // copies no source positions: the parsed file goes along for the line of a key.
  c.workload.document = std::make_shared<const toml::table>(std::move(root));
  check_workload_settings(c.workload);

  // A first batch the cap cannot pay for is a config mistake, not something to find out later.
  if (c.compute_cap > 0) {
    auto pts = grid_points(c.grid);
    std::vector<double> costs;
    for (auto& p : pts) costs.push_back(run_flops(p.n, p.d, c.eval) * c.replicates);
    std::sort(costs.begin(), costs.end());
    std::uint32_t first = c.design.first_batch ? c.design.first_batch : c.design.batch_size;
    first = std::min<std::uint32_t>(first, static_cast<std::uint32_t>(costs.size()));
    double cheapest = 0;
    for (std::uint32_t i = 0; i < first; ++i) cheapest += costs[i];
    if (cheapest > c.compute_cap)
      throw ConfigError(file, 0, "design.batch_size", std::to_string(first),
                        fmt::format("the first batch needs at least {:.3g} FLOPs, more than sweep.compute_cap = {:.3g}",
                                    cheapest, c.compute_cap));
  }
  return c;
}

SlurmConfig read_slurm_config(TableReader& r) {
  SlurmConfig s;
  auto line = [&](const std::string& key) {
    if (const toml::node* n = r.raw(key)) s.lines[key] = static_cast<int>(n->source().begin.line);
  };
  auto count = [&](const std::string& key, std::optional<int>& out) {
    if (!r.has(key)) return;
    auto v = r.integer(key);
    r.require(v >= 1 && v <= 1000000, key, "must be between 1 and 1000000");
    out = static_cast<int>(v);
    line(key);
  };
  auto text = [&](const std::string& key, std::optional<std::string>& out) {
    if (!r.has(key)) return;
    out = r.string(key);
    r.require(!out->empty(), key, "must not be empty (leave the key out for the default)");
    line(key);
  };
  auto lines = [&](const std::string& key, std::vector<std::string>& out) {
    if (!r.has(key)) return;
    out = r.strings(key);
    for (auto& l : out)
      r.require(l.find_first_of("\r\n") == std::string::npos, key, "one line per entry (no newlines)");
    line(key);
  };
  auto whole = [&](const std::string& key, std::optional<int>& out, std::int64_t lo, std::int64_t hi) {
    if (!r.has(key)) return;
    auto v = r.integer(key);
    r.require(v >= lo && v <= hi, key, fmt::format("must be between {} and {}", lo, hi));
    out = static_cast<int>(v);
    line(key);
  };
  count("nodes", s.nodes);
  whole("signal_lead", s.signal_lead, 1, 65535);
  whole("max_requeues", s.max_requeues, 0, 1000000);
  if (r.has("overcommit")) {
    s.overcommit = r.boolean("overcommit");
    line("overcommit");
  }
  text("job_name", s.job_name);
  count("ntasks_per_node", s.ntasks_per_node);
  count("cpus_per_task", s.cpus_per_task);
  text("time", s.time);
  text("partition", s.partition);
  text("account", s.account);
  text("gres", s.gres);
  text("chdir", s.chdir);
  text("log", s.log);
  text("mpirun_args", s.mpirun_args);
  lines("setup", s.setup);
  lines("sbatch", s.sbatch);
  r.finish();
  return s;
}

SweepConfig load_sweep_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path, 0, "", "", "cannot open the sweep config (does the file exist?)");
  // Read at most one byte more than the limit, so a huge file costs no memory and
  // parse_sweep_config's size check names it.
  std::string text(limits::kMaxConfigBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return parse_sweep_config(text, path, /*check_programs=*/true);
}

std::vector<GridPoint> grid_points(const GridConfig& g) {
  std::vector<GridPoint> out;
  auto keep = [&](double n, double d) {
    double r = d / n;
    if (g.min_tokens_per_param > 0 && r < g.min_tokens_per_param) return;
    if (g.max_tokens_per_param > 0 && r > g.max_tokens_per_param) return;
    out.push_back({n, d});
  };
  auto ns = g.n;
  std::sort(ns.begin(), ns.end());
  ns.erase(std::unique(ns.begin(), ns.end()), ns.end());
  for (double n : ns) {
    if (!g.d.empty()) {
      auto ds = g.d;
      std::sort(ds.begin(), ds.end());
      ds.erase(std::unique(ds.begin(), ds.end()), ds.end());
      for (double d : ds) keep(n, d);
    } else {
      auto cs = g.isoflop;
      std::sort(cs.begin(), cs.end());
      for (double c : cs) keep(n, c / (6.0 * n));
    }
  }
  return out;
}

double train_flops(double n, double d) { return 6.0 * n * d; }
double eval_flops(double n, const EvalConfig& e) {
  return 2.0 * n * e.tokens_per_sample * static_cast<double>(e.samples) * static_cast<double>(e.problems);
}
double run_flops(double n, double d, const EvalConfig& e) {
  return train_flops(n, d) + eval_flops(n, e) * static_cast<double>(e.tasks.size());
}

namespace {
std::vector<std::string> significant_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  bool in_slurm = false;  // inside [slurm] (until the next table header)
  while (std::getline(in, line)) {
    auto first = line.find_first_not_of(" \t");
    if (first != std::string::npos && line[first] == '[') {
      auto close = line.find(']', first);
      std::string header = close == std::string::npos ? "" : line.substr(first + 1, close - first - 1);
      header.erase(0, header.find_first_not_of(" \t["));
      in_slurm = header.rfind("slurm", 0) == 0 && (header.size() == 5 || header[5] == ']' || header[5] == '.' ||
                                                    header[5] == ' ' || header[5] == '\t');
    }
    if (in_slurm) continue;
    // drop comments (a '#' outside a string) and surrounding whitespace
    bool in_str = false;
    char quote = 0;
    std::string kept;
    for (char ch : line) {
      if (in_str) {
        if (ch == quote) in_str = false;
      } else if (ch == '"' || ch == '\'') {
        in_str = true;
        quote = ch;
      } else if (ch == '#') {
        break;
      }
      kept += ch;
    }
    auto b = kept.find_first_not_of(" \t\r");
    auto e = kept.find_last_not_of(" \t\r");
    if (b == std::string::npos) continue;
    out.push_back(kept.substr(b, e - b + 1));
  }
  return out;
}
}  // namespace

std::string config_diff(const std::string& old_text, const std::string& new_text) {
  auto a = significant_lines(old_text), b = significant_lines(new_text);
  if (a == b) return "";
  // LCS-based line diff: configs are small.
  std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::uint32_t>> L(n + 1, std::vector<std::uint32_t>(m + 1, 0));
  for (std::size_t i = n; i-- > 0;)
    for (std::size_t j = m; j-- > 0;) L[i][j] = a[i] == b[j] ? L[i + 1][j + 1] + 1 : std::max(L[i + 1][j], L[i][j + 1]);
  std::string out;
  std::size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) { ++i; ++j; }
    else if (j < m && (i == n || L[i][j + 1] >= L[i + 1][j])) out += "  + " + b[j++] + "\n";
    else out += "  - " + a[i++] + "\n";
  }
  return out;
}

}  // namespace t2
