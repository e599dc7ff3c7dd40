// law_inputs.cpp — CSV reading, StoreContents/CSV -> FitData (with the store's config), import
// records (see law_inputs.hpp; the CSV format is in schemas/laws.md).
#include "orchestrator/analysis/law_inputs.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "orchestrator/store/documents.hpp"
#include "orchestrator/store/store.hpp"

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

// ---- one entry point ----

static bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

LoadedInputs law_inputs_from_store(const StoreContents& s, const std::string& path, const std::string& task) {
  LoadedInputs l;
  l.inputs = {"store", path};
  l.data = fit_data_from_store(s, choose_task(tasks_of(s), task, path));
  // The config the store was created with gives [target]; a store made by `t2 import` has none.
  if (created_by_import(s, path)) {
    l.config_note = "a store made by t2 import has no sweep config";
  } else if (!s.config_text.empty()) {
    try {
      l.config = parse_sweep_config(s.config_text, s.config_file);
    } catch (const std::exception& e) {
      l.config_note = std::string("the store's sweep config could not be read: ") + e.what();
    }
  } else {
    l.config_note = "the store has no sweep config";
  }
  return l;
}

LoadedInputs load_law_inputs(const std::string& path, const std::string& task) {
  if (ends_with(path, ".csv") || ends_with(path, ".CSV")) {
    LoadedInputs l;
    l.inputs = {"csv", path};
    CsvTable t = read_results_csv(path);
    l.data = fit_data_from_csv(t, choose_task(tasks_of(t), task, path));
    l.config_note = "a CSV has no sweep config";
    return l;
  }
  return law_inputs_from_store(read_store(path), path, task);
}

}  // namespace t2
