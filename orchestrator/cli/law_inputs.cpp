// law_inputs.cpp — CSV reading, StoreContents/CSV -> FitData, import records, JSON and text
// renderings of fits and plans (see law_inputs.hpp; formats in schemas/laws.md).
#include "orchestrator/cli/law_inputs.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

namespace t2 {

static std::string join_lines(const std::vector<std::string>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "\n" : "") + v[i];
  return s;
}

InputError::InputError(std::vector<std::string> p) : std::runtime_error(join_lines(p)), problems(std::move(p)) {}

// ---- CSV ----

namespace {

std::string trim(const std::string& s) {
  std::size_t a = s.find_first_not_of(" \t\r"), b = s.find_last_not_of(" \t\r");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

// Comma-separated fields; a field may be double-quoted ("a, b" and "" for a quote).
std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char ch = line[i];
    if (quoted) {
      if (ch == '"' && i + 1 < line.size() && line[i + 1] == '"') cur += '"', ++i;
      else if (ch == '"') quoted = false;
      else cur += ch;
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == ',') {
      out.push_back(trim(cur));
      cur.clear();
    } else {
      cur += ch;
    }
  }
  out.push_back(trim(cur));
  return out;
}

std::optional<double> to_double(const std::string& s) {
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<std::uint32_t> to_count(const std::string& s) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty() || v > UINT32_MAX) return std::nullopt;
  return static_cast<std::uint32_t>(v);
}

}  // namespace

CsvTable parse_results_csv(std::istream& in, const std::string& file) {
  CsvTable t;
  t.file = file;
  std::vector<std::string> problems;
  std::string line;
  std::uint32_t lineno = 0;
  std::map<std::string, std::size_t> col;
  bool have_header = false;
  while (std::getline(in, line)) {
    ++lineno;
    std::string tl = trim(line);
    if (tl.empty() || tl[0] == '#') continue;
    auto f = split_csv(line);
    if (!have_header) {
      for (std::size_t i = 0; i < f.size(); ++i) {
        std::string name = f[i];
        // Accept any case for the column names (N, D, loss, task, problem, nll, n, c): n and N
        // differ, so only the multi-letter names are case-folded.
        if (name.size() > 1) std::transform(name.begin(), name.end(), name.begin(), ::tolower);
        if (col.count(name)) problems.push_back(fmt::format("{}:{}: column '{}' appears twice", file, lineno, f[i]));
        col[name] = i;
      }
      for (const char* need : {"N", "D", "loss"})
        if (!col.count(need)) problems.push_back(fmt::format("{}:{}: missing column {} (need N, D, loss)", file, lineno, need));
      if (col.count("c") && !col.count("n"))
        problems.push_back(fmt::format("{}:{}: column c needs column n (samples)", file, lineno));
      if (!problems.empty()) throw InputError(problems);
      have_header = true;
      continue;
    }
    CsvRow r;
    r.line = lineno;
    bool ok = true;
    auto bad = [&](const std::string& c, const std::string& v, const std::string& why) {
      problems.push_back(fmt::format("{}:{}: column {} = '{}': {}", file, lineno, c, v, why));
      ok = false;
    };
    auto field = [&](const std::string& c) -> std::optional<std::string> {
      auto it = col.find(c);
      if (it == col.end()) return std::nullopt;
      if (it->second >= f.size()) {
        // Trailing optional columns may be left out; the required ones may not.
        if (c != "N" && c != "D" && c != "loss") return std::string();
        problems.push_back(fmt::format("{}:{}: column {} missing (row has {} fields)", file, lineno, c, f.size()));
        ok = false;
        return std::nullopt;
      }
      return f[it->second];
    };
    auto positive = [&](const std::string& c, double& out) {
      auto s = field(c);
      if (!s) return;
      auto v = to_double(*s);
      if (!v) bad(c, *s, "not a number");
      else if (!std::isfinite(*v) || *v <= 0) bad(c, *s, "must be a finite number > 0");
      else out = *v;
    };
    if (auto s = field("run"); s && !s->empty()) {
      if (auto v = to_count(*s)) r.run = *v;
      else bad("run", *s, "not an integer >= 0");
    }
    positive("N", r.n_params);
    positive("D", r.n_tokens);
    positive("loss", r.loss);
    if (auto s = field("task")) r.task = *s;
    if (!r.task.empty()) {
      auto s = field("problem");
      if (!s || s->empty()) {
        if (ok || s) bad("problem", s.value_or(""), "a row with a task needs a problem id (integer >= 0)");
      } else if (auto v = to_count(*s)) {
        r.problem = *v;
      } else {
        bad("problem", *s, "not an integer >= 0");
      }
      if (auto s2 = field("nll"); s2 && !s2->empty()) {
        auto v = to_double(*s2);
        if (!v) bad("nll", *s2, "not a number");
        else if (!std::isfinite(*v) || *v < 0) bad("nll", *s2, "must be a finite number >= 0");
        else r.nll = *v;
      }
      if (auto s2 = field("n"); s2 && !s2->empty()) {
        if (auto v = to_count(*s2)) r.samples = *v;
        else bad("n", *s2, "not an integer >= 0");
      }
      if (auto s2 = field("c"); s2 && !s2->empty()) {
        if (auto v = to_count(*s2)) {
          r.correct = *v;
          if (r.correct > r.samples) bad("c", *s2, fmt::format("more correct samples than n = {}", r.samples));
        } else {
          bad("c", *s2, "not an integer >= 0");
        }
      }
      if (ok && r.samples == 0 && !std::isfinite(r.nll))
        bad("nll", field("nll").value_or(""), "a task row needs an nll or samples (n > 0)");
    }
    if (ok) t.rows.push_back(r);
  }
  if (!have_header) problems.push_back(fmt::format("{}:1: empty file (need a header with N, D, loss)", file));
  if (!problems.empty()) throw InputError(problems);
  return t;
}

CsvTable read_results_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError({fmt::format("{}: cannot open", path)});
  return parse_results_csv(in, path);
}

// ---- tasks and FitData ----

std::vector<std::string> tasks_of(const StoreContents& s) {
  std::set<std::string> t;
  for (const EvalRecord& e : s.evals)
    if (e.state == JobState::done) t.insert(e.plan.task);
  return {t.begin(), t.end()};
}

std::vector<std::string> tasks_of(const CsvTable& c) {
  std::set<std::string> t;
  for (const CsvRow& r : c.rows)
    if (!r.task.empty()) t.insert(r.task);
  return {t.begin(), t.end()};
}

std::string choose_task(const std::vector<std::string>& tasks, const std::string& wanted, const std::string& source) {
  if (!wanted.empty()) {
    if (std::find(tasks.begin(), tasks.end(), wanted) == tasks.end())
      throw InputError({fmt::format("{}: --task {}: no results for that task (tasks: {})", source, wanted,
                                    tasks.empty() ? "none" : fmt::format("{}", fmt::join(tasks, ", ")))});
    return wanted;
  }
  if (tasks.empty()) return "";
  if (tasks.size() == 1) return tasks[0];
  throw InputError({fmt::format("{}: several tasks ({}): choose one with --task", source, fmt::join(tasks, ", "))});
}

FitData fit_data_from_store(const StoreContents& s, const std::string& task) {
  FitData d;
  d.task = task;
  std::map<JobIndex, std::uint32_t> checkpoint_of;
  for (const RunRecord& r : s.runs) {
    if (r.state != JobState::done) continue;
    Checkpoint c;
    c.n = r.result.params > 0 ? r.result.params : r.plan.n_params;
    c.d = r.result.tokens_seen > 0 ? r.result.tokens_seen : r.plan.n_tokens;
    c.loss = r.result.final_loss;
    c.run = r.index;
    checkpoint_of[r.index] = static_cast<std::uint32_t>(d.checkpoints.size());
    d.checkpoints.push_back(c);
  }
  if (task.empty()) return d;
  for (const EvalRecord& e : s.evals) {
    if (e.state != JobState::done || e.plan.task != task) continue;
    auto it = checkpoint_of.find(e.plan.run);
    if (it == checkpoint_of.end()) continue;
    const EvalResult& res = e.result;
    for (std::uint32_t q = 0; q < res.problems; ++q) {
      ProblemOutcome o;
      o.checkpoint = it->second;
      o.problem = q;
      o.n = res.samples;
      if (res.correct.size() == std::size_t(res.problems) * res.samples)
        for (std::uint32_t k = 0; k < res.samples; ++k) o.c += res.correct[std::size_t(q) * res.samples + k] ? 1 : 0;
      else
        o.n = 0;  // no outcome matrix: only the NLL is usable
      if (q < res.answer_nll.size()) o.nll = res.answer_nll[q];
      d.outcomes.push_back(o);
    }
  }
  return d;
}

namespace {
// Rows grouped into runs by (run, N, D, loss) in order of first appearance (run = -1 without
// the column): two replicates with equal (N, D, loss) stay two runs when the CSV says so.
struct RunKey {
  std::int64_t run;
  double n, d, loss;
  bool operator<(const RunKey& o) const { return std::tie(run, n, d, loss) < std::tie(o.run, o.n, o.d, o.loss); }
};
}  // namespace

FitData fit_data_from_csv(const CsvTable& t, const std::string& task) {
  FitData d;
  d.task = task;
  std::map<RunKey, std::uint32_t> idx;
  for (const CsvRow& r : t.rows) {
    RunKey k{r.run, r.n_params, r.n_tokens, r.loss};
    auto it = idx.find(k);
    if (it == idx.end()) {
      it = idx.emplace(k, static_cast<std::uint32_t>(d.checkpoints.size())).first;
      d.checkpoints.push_back({r.n_params, r.n_tokens, r.loss, r.line});
    }
    if (!task.empty() && r.task == task)
      d.outcomes.push_back({it->second, r.problem, r.samples, r.correct, r.nll});
  }
  return d;
}

ImportBatch import_batch(const CsvTable& t) {
  ImportBatch b;
  std::vector<std::string> problems;
  std::map<RunKey, std::uint32_t> run_of;
  std::map<std::pair<std::uint32_t, std::string>, std::vector<const CsvRow*>> groups;
  for (const CsvRow& r : t.rows) {
    RunKey k{r.run, r.n_params, r.n_tokens, r.loss};
    auto it = run_of.find(k);
    if (it == run_of.end()) {
      it = run_of.emplace(k, static_cast<std::uint32_t>(b.runs.size())).first;
      PlannedRun pr;
      pr.n_params = r.n_params, pr.n_tokens = r.n_tokens;
      b.runs.push_back(pr);
      TrainResult tr;
      tr.final_loss = r.loss, tr.tokens_seen = r.n_tokens, tr.params = r.n_params, tr.params_total = r.n_params;
      tr.flops = 6 * r.n_params * r.n_tokens;
      b.run_results.push_back(tr);
    }
    if (!r.task.empty()) groups[{it->second, r.task}].push_back(&r);
  }
  for (auto& [key, rows] : groups) {
    std::sort(rows.begin(), rows.end(), [](const CsvRow* a, const CsvRow* c) { return a->problem < c->problem; });
    const std::uint32_t P = static_cast<std::uint32_t>(rows.size());
    const std::uint32_t n = rows[0]->samples;
    bool good = true;
    for (std::uint32_t i = 0; i < P; ++i) {
      if (rows[i]->problem != i) {
        problems.push_back(fmt::format("{}:{}: column problem = '{}': the problems of task {} on one run must be "
                                       "numbered 0..{} once each",
                                       t.file, rows[i]->line, rows[i]->problem, key.second, P - 1));
        good = false;
        break;
      }
      if (rows[i]->samples != n) {
        problems.push_back(fmt::format("{}:{}: column n = '{}': every problem of task {} on one run needs the same n "
                                       "({} on line {})",
                                       t.file, rows[i]->line, rows[i]->samples, key.second, n, rows[0]->line));
        good = false;
        break;
      }
    }
    if (!good) continue;
    PlannedEval pe;
    pe.run = key.first, pe.task = key.second, pe.problems = P, pe.samples = n;
    EvalResult er;
    er.problems = P, er.samples = n;
    er.correct.assign(std::size_t(P) * n, 0);
    er.answer_nll.resize(P);
    for (std::uint32_t i = 0; i < P; ++i) {
      for (std::uint32_t k = 0; k < rows[i]->correct; ++k) er.correct[std::size_t(i) * n + k] = 1;
      er.answer_nll[i] = rows[i]->nll;
    }
    b.evals.push_back(pe);
    b.eval_results.push_back(std::move(er));
  }
  if (!problems.empty()) throw InputError(problems);
  return b;
}

// ---- JSON ----

static nlohmann::json num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

static nlohmann::json chinchilla_json(const ChinchillaFit& f) {
  return {{"E", f.params.E},           {"A", f.params.A},           {"B", f.params.B},
          {"alpha", f.params.alpha},   {"beta", f.params.beta},     {"objective", f.objective},
          {"points", f.points},        {"rmse_log", f.rmse_log},    {"r2_log", f.r2_log},
          {"starts", f.starts_tried},  {"starts_at_best", f.starts_at_best}};
}

static nlohmann::json theta_json(const ThetaFit& t) {
  if (!t.fitted) return nullptr;
  return {{"theta", {t.theta[0], t.theta[1], t.theta[2], t.theta[3], t.theta[4]}},
          {"objective", t.objective},
          {"points", t.points},
          {"starts", t.starts_tried},
          {"rmse_pass", num(t.rmse_pass)}};
}

nlohmann::json fit_to_json(const LawFit& r, const FitInputs& in, const BootstrapOptions* bo) {
  nlohmann::json j;
  j["law"] = r.law.law->name();
  j["quantity"] = r.law.law->quantity();
  j["task"] = r.task;
  j["source"] = to_string(r.source);
  j["method"] = r.method;
  j["inputs"] = {{"kind", in.kind}, {"path", in.path}, {"runs", r.runs}};
  nlohmann::json params = nlohmann::json::object();
  for (std::size_t i = 0; i < r.param_names.size(); ++i) {
    nlohmann::json p = {{"value", r.law.theta[i]}};
    if (i < r.intervals.size()) p["lo"] = num(r.intervals[i].lo), p["hi"] = num(r.intervals[i].hi);
    params[r.param_names[i]] = p;
  }
  j["params"] = params;
  j["theta"] = r.law.theta;
  j["fit"] = {{"objective", r.objective}, {"points", r.points}, {"rmse", num(r.rmse)}, {"r2_log", num(r.r2_log)}};
  if (bo)
    j["bootstrap"] = {{"replicates", bo->replicates}, {"succeeded", r.bootstrap.replicates.size()},
                      {"failed", r.bootstrap.failed},  {"seed", bo->seed},
                      {"level", r.level},              {"resample", r.law.law->name() == "t2-accuracy" ? "checkpoints+problems" : "checkpoints"}};
  if (r.has_reference) j["reference"] = chinchilla_json(r.reference);
  if (r.accuracy) {
    const AccuracyFit& a = *r.accuracy;
    j["accuracy"] = {{"lhat_source", to_string(a.lhat_source)},
                     {"lhat", chinchilla_json(a.lhat)},
                     {"used", to_string(a.used)},
                     {"two_stage", theta_json(a.two_stage)},
                     {"beta_binomial", theta_json(a.beta_binomial)},
                     {"k_grid", a.k_grid}};
  }
  if (r.loss) j["loss"] = {{"k_grid", r.loss->k_grid}, {"starts", r.loss->starts_tried}, {"starts_at_best", r.loss->starts_at_best}};
  return j;
}

static nlohmann::json alloc_json(const Allocation& a) {
  if (!a.feasible) return nullptr;
  return {{"N", a.n}, {"D", a.d}, {"k", a.k}, {"tokens_per_param", a.tokens_per_param()}, {"score", num(a.score)},
          {"train_flops", a.train_flops}, {"within_budget", a.within_budget}};
}

static nlohmann::json interval_json(const Interval& i) { return {num(i.lo), num(i.hi)}; }

nlohmann::json plan_to_json(const Plan& p, const FittedLaw& law, const PlanBounds& b, const PlanIntervals* iv) {
  nlohmann::json j;
  j["law"] = law.law->name();
  j["goal"] = law.law->goal() == Goal::minimize ? "minimize" : "maximize";
  const Deployment& d = p.deployment;
  if (d.form == Deployment::Form::split)
    j["deployment"] = {{"form", "split"}, {"train_flops", d.train_flops}, {"inference_flops", d.inference_flops}};
  else
    j["deployment"] = {{"form", "end_to_end"}, {"total_flops", d.total_flops}, {"queries", d.queries},
                       {"tokens_per_sample", d.tokens_per_sample}};
  j["bounds"] = {{"n_min", b.n_min}, {"n_max", b.n_max}, {"d_min", b.d_min}, {"d_max", b.d_max}, {"k_min", b.k_min}, {"k_max", b.k_max}};
  j["best"] = alloc_json(p.best);
  j["best_integer_k"] = alloc_json(p.best_integer);
  j["chinchilla"] = alloc_json(p.chinchilla);
  if (iv && iv->replicates > 0)
    j["intervals"] = {{"replicates", iv->replicates}, {"score", interval_json(iv->score)}, {"N", interval_json(iv->n)},
                      {"D", interval_json(iv->d)},    {"k", interval_json(iv->k)},         {"best_score", interval_json(iv->best_score)}};
  return j;
}

// ---- shared flags ----

void add_fit_flags(boost::program_options::options_description& o) {
  namespace po = boost::program_options;
  o.add_options()
    ("law", po::value<std::string>()->default_value("t2-accuracy"), "law to fit: chinchilla | t2-loss | t2-accuracy")
    ("source", po::value<std::string>()->default_value("likelihood"),
     "where pass@k comes from: likelihood (p = exp(-NLL), the paper's) | sampled (c of n, Chen et al.)")
    ("task", po::value<std::string>()->default_value(""), "task to fit (default: the only task)")
    ("lhat", po::value<std::string>()->default_value("answer_nll"),
     "t2-accuracy: what Lhat is fitted to: answer_nll (the paper's) | train_loss")
    ("method", po::value<std::string>()->default_value("automatic"),
     "t2-accuracy: theta fit: automatic (beta_binomial when every problem has samples) | two_stage | beta_binomial")
    ("k-fit-max", po::value<double>()->default_value(1024), "largest k of the likelihood source's k grid 1, 2, 4, ...")
    // Signed types: Boost reads "-3" into an unsigned option as 2^32 - 3 without complaint.
    ("bootstrap", po::value<long long>()->default_value(0), "bootstrap refits for intervals (0 = none)")
    ("seed", po::value<long long>()->default_value(1), "bootstrap seed (>= 0)")
    ("threads", po::value<int>()->default_value(0), "worker threads (0 = all cores)");
}

FitFlags read_fit_flags(const boost::program_options::variables_map& vm) {
  FitFlags f;
  std::vector<std::string> problems;
  auto str = [&](const char* k) { return vm[k].as<std::string>(); };
  f.fit.law = str("law");
  try {
    law_by_name(f.fit.law);
  } catch (const std::invalid_argument&) {
    problems.push_back(fmt::format("--law {}: expected chinchilla, t2-loss or t2-accuracy", f.fit.law));
  }
  try {
    f.fit.source = pass_source_from_string(str("source"));
  } catch (const std::invalid_argument&) {
    problems.push_back(fmt::format("--source {}: expected likelihood or sampled", str("source")));
  }
  try {
    f.fit.lhat = lhat_source_from_string(str("lhat"));
  } catch (const std::invalid_argument&) {
    problems.push_back(fmt::format("--lhat {}: expected answer_nll or train_loss", str("lhat")));
  }
  try {
    f.fit.method = accuracy_method_from_string(str("method"));
  } catch (const std::invalid_argument&) {
    problems.push_back(fmt::format("--method {}: expected automatic, two_stage or beta_binomial", str("method")));
  }
  f.fit.k_max = vm["k-fit-max"].as<double>();
  if (!(f.fit.k_max >= 1)) problems.push_back(fmt::format("--k-fit-max {}: must be >= 1", f.fit.k_max));
  f.fit.threads = vm["threads"].as<int>();
  if (f.fit.threads < 0) problems.push_back(fmt::format("--threads {}: must be >= 0", f.fit.threads));
  f.task = str("task");
  auto bootstrap = vm["bootstrap"].as<long long>();
  if (bootstrap < 0 || bootstrap > 1000000)
    problems.push_back(fmt::format("--bootstrap {}: must be between 0 and 1000000", bootstrap));
  else f.bootstrap = static_cast<std::uint32_t>(bootstrap);
  auto seed = vm["seed"].as<long long>();
  if (seed < 0) problems.push_back(fmt::format("--seed {}: must be >= 0", seed));
  else f.seed = static_cast<std::uint64_t>(seed);
  if (!problems.empty()) throw InputError(problems);
  return f;
}

// ---- text ----

std::string render_fit(const LawFit& r, const FitInputs& in) {
  std::string s = fmt::format("law {} ({}) fitted to {} {}{}\n", r.law.law->name(), r.law.law->quantity(), in.kind, in.path,
                              r.task.empty() ? "" : fmt::format(", task {}", r.task));
  s += fmt::format("method: {}; pass@k source: {}\n", r.method, to_string(r.source));
  if (r.accuracy)
    s += fmt::format("Lhat fitted to {}; theta fitted by {} (the other: {})\n", to_string(r.accuracy->lhat_source),
                     to_string(r.accuracy->used),
                     r.accuracy->used == AccuracyMethod::two_stage
                         ? (r.accuracy->beta_binomial.fitted ? fmt::format("beta_binomial, rmse pass@k {:.4g}", r.accuracy->beta_binomial.rmse_pass) : std::string("not possible"))
                         : (r.accuracy->two_stage.fitted ? fmt::format("two_stage, rmse pass@k {:.4g}", r.accuracy->two_stage.rmse_pass) : std::string("not possible")));
  bool iv = !r.intervals.empty();
  s += iv ? fmt::format("  {:<8} {:>14} {:>14} {:>14}\n", "param", "value", fmt::format("{:.0f}% lo", r.level * 100), "hi")
          : fmt::format("  {:<8} {:>14}\n", "param", "value");
  for (std::size_t i = 0; i < r.param_names.size(); ++i) {
    s += fmt::format("  {:<8} {:>14.6g}", r.param_names[i], r.law.theta[i]);
    if (iv) s += fmt::format(" {:>14.6g} {:>14.6g}", r.intervals[i].lo, r.intervals[i].hi);
    s += "\n";
  }
  s += fmt::format("fit: {} points, objective {:.6g}, rmse {:.4g}, R^2 (log) {:.4f}\n", r.points, r.objective, r.rmse, r.r2_log);
  if (iv) s += fmt::format("bootstrap: {} replicates ({} failed)\n", r.bootstrap.replicates.size(), r.bootstrap.failed);
  return s;
}

static std::string alloc_line(const char* label, const Allocation& a) {
  if (!a.feasible) return fmt::format("  {:<14} infeasible within the bounds\n", label);
  return fmt::format("  {:<14} N {:>10.4g}  D {:>10.4g}  k {:>9.4g}  D/N {:>9.4g}  score {:.6g}{}\n", label, a.n, a.d, a.k,
                     a.tokens_per_param(), a.score, a.within_budget ? "" : "  (cannot serve k_min within the inference budget)");
}

std::string render_plan(const Plan& p, const FittedLaw& law, const PlanIntervals* iv) {
  const Deployment& d = p.deployment;
  std::string s = d.form == Deployment::Form::split
                      ? fmt::format("plan under {} ({} {}): C_train {:.4g} FLOPs, C_inf {:.4g} FLOPs/token\n", law.law->name(),
                                    law.law->goal() == Goal::minimize ? "minimising" : "maximising", law.law->quantity(),
                                    d.train_flops, d.inference_flops)
                      : fmt::format("plan under {} ({} {}): C {:.4g} FLOPs, Q {:.4g} queries x T {:.4g} tokens\n",
                                    law.law->name(), law.law->goal() == Goal::minimize ? "minimising" : "maximising",
                                    law.law->quantity(), d.total_flops, d.queries, d.tokens_per_sample);
  s += alloc_line("T2 optimum", p.best);
  s += alloc_line("integer k", p.best_integer);
  s += alloc_line("Chinchilla", p.chinchilla);
  if (iv && iv->replicates > 0)
    s += fmt::format("  95% intervals over {} bootstrap fits: score of this plan [{:.6g}, {:.6g}], N* [{:.4g}, {:.4g}], "
                     "k* [{:.4g}, {:.4g}]\n",
                     iv->replicates, iv->score.lo, iv->score.hi, iv->n.lo, iv->n.hi, iv->k.lo, iv->k.hi);
  return s;
}

std::string render_frontier(const std::vector<Plan>& ps, const FittedLaw& law) {
  std::string s = fmt::format("frontier under {} ({})\n{:>11} {:>10} {:>10} {:>9} {:>9} {:>12} | {:>10} {:>9} {:>12}\n",
                              law.law->name(), law.law->quantity(), "budget", "N*", "D*", "k*", "D*/N*", "score",
                              "N chin", "D/N chin", "score chin");
  for (const Plan& p : ps) {
    double c = p.deployment.form == Deployment::Form::split ? p.deployment.train_flops : p.deployment.total_flops;
    s += fmt::format("{:>11.4g} ", c);
    if (p.best.feasible)
      s += fmt::format("{:>10.4g} {:>10.4g} {:>9.4g} {:>9.4g} {:>12.6g}", p.best.n, p.best.d, p.best.k, p.best.tokens_per_param(), p.best.score);
    else
      s += fmt::format("{:>54}", "infeasible");
    if (p.chinchilla.feasible)
      s += fmt::format(" | {:>10.4g} {:>9.4g} {:>12.6g}\n", p.chinchilla.n, p.chinchilla.tokens_per_param(), p.chinchilla.score);
    else
      s += " | \n";
  }
  return s;
}

}  // namespace t2
