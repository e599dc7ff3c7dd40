// export.cpp — the clean dataset (schemas/export-layout.md): done jobs only, pass@k from both
// sources (T² paper §2, §3.1), as an HDF5 file and as CSVs. Each table is one list of columns
// (names from columns.hpp) that both writers walk, so HDF5 and CSV cannot disagree. Reads
// StoreContents only.
#include "orchestrator/store/export.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <variant>

#include <fmt/format.h>

#include "contract/new_file.hpp"
#include "orchestrator/laws/pass_at_k.hpp"
#include "orchestrator/store/columns.hpp"
#include "orchestrator/store/h5.hpp"
#include "orchestrator/store/hdf5_view.hpp"
#include "orchestrator/store/store.hpp"
#include "t2/version.hpp"

namespace t2 {
namespace {

using h5::Id;
namespace col = columns;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// 2: the shared column vocabulary (schemas/columns.md) replaced n_params, n_tokens, params,
// tokens_seen, params_total, flops, samples and index.
inline constexpr std::uint32_t kExportSchemaVersion = 2;

// One exported eval row: the eval, its run, per-problem correct counts and pass@k from both sources.
struct EvalRow {
  const EvalRecord* eval;
  const RunRecord* run;
  double mean_nll = 0;
  std::vector<std::uint32_t> correct;  // per problem: correct samples c of n
  std::vector<double> pass;            // unbiased estimator, averaged over problems; NaN when k > samples
  std::vector<double> mean_pass;       // likelihood source 1 - (1 - exp(-nll))^k, averaged over problems
};

std::vector<EvalRow> eval_rows(const StoreContents& c, const std::vector<std::uint32_t>& grid) {
  std::vector<EvalRow> rows;
  for (auto& e : c.evals) {
    if (e.state != JobState::done) continue;
    EvalRow row{&e, e.plan.run < c.runs.size() ? &c.runs[e.plan.run] : nullptr, 0, {}, {}, {}};
    const auto& res = e.result;
    row.correct.assign(res.problems, 0);
    if (res.correct.size() == std::size_t(res.problems) * res.samples)
      for (std::uint32_t p = 0; p < res.problems; ++p)
        for (std::uint32_t s = 0; s < res.samples; ++s) row.correct[p] += res.correct[std::size_t(p) * res.samples + s] != 0;
    double nll_sum = 0;
    for (double v : res.answer_nll) nll_sum += v;
    row.mean_nll = res.problems ? nll_sum / res.problems : kNaN;
    for (auto k : grid) {
      double pass = kNaN, mean_pass = kNaN;
      if (res.problems > 0) {
        mean_pass = 0;
        for (double v : res.answer_nll) mean_pass += pass_at_k_from_p(std::exp(-v), k);
        mean_pass /= res.problems;
        if (k <= res.samples) {
          pass = 0;
          for (auto cnt : row.correct) pass += pass_at_k_unbiased(res.samples, cnt, k);
          pass /= res.problems;
        }
      }
      row.pass.push_back(pass);
      row.mean_pass.push_back(mean_pass);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::uint32_t max_samples(const StoreContents& c) {
  std::uint32_t k = 0;
  for (auto& e : c.evals)
    if (e.state == JobState::done) k = std::max(k, e.result.samples);
  return k;
}

std::vector<const RunRecord*> done_runs(const StoreContents& c) {
  std::vector<const RunRecord*> v;
  for (auto& r : c.runs)
    if (r.state == JobState::done) v.push_back(&r);
  return v;
}

// The N and D the laws see (schemas/columns.md; the same rule as fit_data_from_store): what the
// worker reported, else what was planned.
double law_n(const RunRecord* r) { return !r ? kNaN : r->result.params > 0 ? r->result.params : r->plan.n_params; }
double law_d(const RunRecord* r) { return !r ? kNaN : r->result.tokens_seen > 0 ? r->result.tokens_seen : r->plan.n_tokens; }
double run_loss(const RunRecord* r) { return r && r->state == JobState::done ? r->result.final_loss : kNaN; }

// One cell, and how each writer stores it.
using Value = std::variant<std::uint32_t, std::uint64_t, double, std::string>;
template <class Row>
struct Column {
  std::string name;
  const char* units;
  std::function<Value(const Row&)> get;
};

using RunRow = const RunRecord*;

std::vector<Column<RunRow>> run_table() {
  return {
      {col::kRun, "", [](RunRow r) -> Value { return r->index; }},
      {col::kBatch, "", [](RunRow r) -> Value { return r->batch; }},
      {col::kN, "parameters", [](RunRow r) -> Value { return law_n(r); }},
      {col::kD, "tokens", [](RunRow r) -> Value { return law_d(r); }},
      {col::kLoss, "nats/token", [](RunRow r) -> Value { return r->result.final_loss; }},
      {col::kNPlanned, "parameters", [](RunRow r) -> Value { return r->plan.n_params; }},
      {col::kDPlanned, "tokens", [](RunRow r) -> Value { return r->plan.n_tokens; }},
      {col::kNTotal, "parameters", [](RunRow r) -> Value { return r->result.params_total; }},
      {col::kSeed, "", [](RunRow r) -> Value { return r->plan.seed; }},
      {col::kReplicate, "", [](RunRow r) -> Value { return r->plan.replicate; }},
      {col::kTrainFlops, "FLOPs", [](RunRow r) -> Value { return r->result.flops; }},
      {col::kWallSeconds, "s", [](RunRow r) -> Value { return r->meta.wall_seconds; }},
      {col::kAttempts, "", [](RunRow r) -> Value { return r->attempts; }},
      {col::kHost, "", [](RunRow r) -> Value { return r->meta.host; }},
  };
}

// The fixed eval columns; pass@k and mean_pass@k per k of the grid follow.
std::vector<Column<EvalRow>> eval_table(const std::vector<std::uint32_t>& grid) {
  std::vector<Column<EvalRow>> v = {
      {col::kEval, "", [](const EvalRow& r) -> Value { return r.eval->index; }},
      {col::kRun, "", [](const EvalRow& r) -> Value { return r.eval->plan.run; }},
      {col::kBatch, "", [](const EvalRow& r) -> Value { return r.eval->batch; }},
      {col::kTask, "", [](const EvalRow& r) -> Value { return r.eval->plan.task; }},
      {col::kN, "parameters", [](const EvalRow& r) -> Value { return law_n(r.run); }},
      {col::kD, "tokens", [](const EvalRow& r) -> Value { return law_d(r.run); }},
      {col::kLoss, "nats/token", [](const EvalRow& r) -> Value { return run_loss(r.run); }},
      {col::kProblems, "", [](const EvalRow& r) -> Value { return r.eval->result.problems; }},
      {col::kSamples, "", [](const EvalRow& r) -> Value { return r.eval->result.samples; }},
      {col::kTemperature, "", [](const EvalRow& r) -> Value { return r.eval->plan.temperature; }},
      {col::kTopK, "", [](const EvalRow& r) -> Value { return r.eval->plan.top_k; }},
      {col::kSeed, "", [](const EvalRow& r) -> Value { return r.eval->plan.seed; }},
      {col::kEvalFlops, "FLOPs", [](const EvalRow& r) -> Value { return r.eval->result.flops; }},
      {col::kTokensPerSample, "tokens", [](const EvalRow& r) -> Value { return r.eval->result.tokens_per_sample; }},
      {col::kMeanNll, "nats", [](const EvalRow& r) -> Value { return r.mean_nll; }},
  };
  for (std::size_t j = 0; j < grid.size(); ++j)
    v.push_back({col::pass_at(grid[j]), "", [j](const EvalRow& r) -> Value { return r.pass[j]; }});
  for (std::size_t j = 0; j < grid.size(); ++j)
    v.push_back({col::mean_pass_at(grid[j]), "", [j](const EvalRow& r) -> Value { return r.mean_pass[j]; }});
  return v;
}

template <class T, class Row>
void write_numbers(hid_t g, const Column<Row>& c, const std::vector<Row>& rows) {
  std::vector<T> v;
  v.reserve(rows.size());
  for (auto& r : rows) v.push_back(std::get<T>(c.get(r)));
  h5::write_vector<T>(g, c.name, v, 0);
}

// /<group>/<column> datasets, one per column; strings variable-length UTF-8 (schemas/export-layout.md
// says how h5py decodes them).
template <class Row>
void write_table(hid_t g, const std::vector<Column<Row>>& cols, const std::vector<Row>& rows, const Row& blank) {
  for (const Column<Row>& c : cols) {
    // A column's type is what its getter returns; `blank` (a default row) gives it for an empty table.
    const Value probe = c.get(rows.empty() ? blank : rows.front());
    if (std::holds_alternative<std::string>(probe)) {
      h5::create_string_column(g, c.name);
      Id ds = h5::open_dataset(g, c.name);
      h5::set_length(ds, rows.size());
      std::vector<std::uint64_t> idx;
      std::vector<std::string> vals;
      for (std::size_t i = 0; i < rows.size(); ++i) {
        idx.push_back(i);
        vals.push_back(std::get<std::string>(c.get(rows[i])));
      }
      h5::write_string_rows(ds, idx, vals);
    } else if (std::holds_alternative<std::uint32_t>(probe)) {
      write_numbers<std::uint32_t>(g, c, rows);
    } else if (std::holds_alternative<std::uint64_t>(probe)) {
      write_numbers<std::uint64_t>(g, c, rows);
    } else {
      write_numbers<double>(g, c, rows);
    }
    if (*c.units) {
      Id ds = h5::open_dataset(g, c.name);
      h5::set_attr(ds, "units", c.units);
    }
  }
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char ch : s) {
    if (ch == '"') q += '"';
    q += ch;
  }
  return q + "\"";
}

// Shortest text that reads back as the same double ("nan" for NaN, as Python's float() accepts).
std::string num(double v) { return std::isnan(v) ? "nan" : fmt::format("{}", v); }

std::string cell(const Value& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using X = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<X, std::string>) return csv_field(x);
        else if constexpr (std::is_same_v<X, double>) return num(x);
        else return std::to_string(x);
      },
      v);
}

template <class Row>
std::string csv_table(const std::vector<Column<Row>>& cols, const std::vector<Row>& rows) {
  std::string out;
  for (std::size_t i = 0; i < cols.size(); ++i) {
    if (i) out += ',';
    out += csv_field(cols[i].name);
  }
  out += "\n";
  for (const Row& r : rows) {
    for (std::size_t i = 0; i < cols.size(); ++i) {
      if (i) out += ',';
      out += cell(cols[i].get(r));
    }
    out += "\n";
  }
  return out;
}

// results.csv: the results CSV of schemas/laws.md, one row per problem of each done eval (and one
// row with an empty task for a done run without done evals), in run order. `t2 import` and
// `t2 fit` read it as it is. An NLL the worker did not report is an empty cell (absent).
std::string results_csv(const StoreContents& c, const std::vector<EvalRow>& evals) {
  std::string out = fmt::format("{},{},{},{},{},{},{},{},{}\n", col::kRun, col::kN, col::kD, col::kLoss, col::kTask,
                                col::kProblem, col::kSamples, col::kCorrect, col::kNll);
  std::vector<std::vector<const EvalRow*>> by_run(c.runs.size());
  for (const EvalRow& e : evals)
    if (e.run && e.run->state == JobState::done) by_run[e.eval->plan.run].push_back(&e);
  for (const RunRecord* r : done_runs(c)) {
    const std::string run = fmt::format("{},{},{},{}", r->index, num(law_n(r)), num(law_d(r)), num(r->result.final_loss));
    if (by_run[r->index].empty()) out += run + ",,,,,\n";
    for (const EvalRow* e : by_run[r->index]) {
      const EvalResult& res = e->eval->result;
      for (std::uint32_t p = 0; p < res.problems; ++p) {
        const double nll = p < res.answer_nll.size() ? res.answer_nll[p] : kNaN;
        out += fmt::format("{},{},{},{},{},{}\n", run, csv_field(e->eval->plan.task), p, res.samples, e->correct[p],
                           std::isfinite(nll) ? num(nll) : "");
      }
    }
  }
  return out;
}

// The export's temp file, PATH.tmp, and its rename over PATH: contract/new_file.hpp (a link
// planted at either is refused rather than written through, issue 12 item 13, as the store's
// own files; a stale regular PATH.tmp is replaced), its errors as StoreError naming PATH.
int create_export_temp(const std::string& path) {
  try {
    return create_temp_for(path);
  } catch (const NewFileError& e) {
    throw StoreError(path, e.what());
  }
}

void rename_export(const std::string& path) {
  try {
    rename_temp_over(path);
  } catch (const NewFileError& e) {
    throw StoreError(path, e.what());
  }
}

void write_file_atomically(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  int fd = create_export_temp(path);
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string why = std::strerror(errno);
      ::close(fd);
      std::remove(tmp.c_str());
      throw StoreError(path, fmt::format("cannot write {}: {}", tmp, why));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) {
    std::remove(tmp.c_str());
    throw StoreError(path, fmt::format("cannot write {}: {}", tmp, std::strerror(errno)));
  }
  rename_export(path);
}

}  // namespace

std::vector<std::uint32_t> pass_at_k_grid(std::uint32_t k_max) {
  std::vector<std::uint32_t> grid;
  for (std::uint64_t k = 1; k <= k_max; k *= 2) grid.push_back(static_cast<std::uint32_t>(k));
  if (k_max > 0 && grid.back() != k_max) grid.push_back(k_max);
  return grid;
}

void export_hdf5(const StoreContents& c, const std::string& out_path) {
  std::string tmp = out_path + ".tmp";
  auto grid = pass_at_k_grid(max_samples(c));
  auto runs = done_runs(c);
  auto evals = eval_rows(c, grid);
  // Created here without following a link; HDF5 then truncates and writes the file it finds at
  // that name, after its own check that the name is still no link (h5::create_file).
  ::close(create_export_temp(out_path));
  try {
    Id file = h5::create_file(tmp);
    h5::set_attr(file, "export_schema_version", kExportSchemaVersion);
    h5::set_attr(file, "store_schema_version", c.schema_version);
    h5::set_attr(file, "t2_version", std::string(kVersion));
    h5::set_attr(file, "store_t2_version", c.t2_version);
    h5::set_attr(file, "config", c.config_text);
    h5::set_attr(file, "config_file", c.config_file);
    h5::set_attr(file, "created_at", c.created_at);
    h5::set_attr(file, "exported_at",
                 std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
    h5::write_vector<std::uint32_t>(file, "k", grid, 0);
    {
      Id g = h5::create_group(file, "runs");
      static const RunRecord blank;
      write_table(g, run_table(), runs, RunRow{&blank});
    }
    {
      Id g = h5::create_group(file, "evals");
      static const EvalRecord blank;
      const EvalRow blank_row{&blank, nullptr, kNaN, {}, std::vector<double>(grid.size(), kNaN), std::vector<double>(grid.size(), kNaN)};
      write_table(g, eval_table(grid), evals, blank_row);
    }
    {
      Id og = h5::create_group(file, "outcomes");
      for (auto& r : evals) {
        Id g = h5::create_group(og, outcome_group_name(r.eval->index));
        h5::set_attr(g, "eval", std::uint32_t{r.eval->index});
        h5::set_attr(g, "run", std::uint32_t{r.eval->plan.run});
        h5::set_attr(g, "task", r.eval->plan.task);
        h5::write_matrix<std::uint8_t>(g, "correct", r.eval->result.problems, r.eval->result.samples,
                                       r.eval->result.correct, 4);
        h5::write_vector<double>(g, "nll", r.eval->result.answer_nll, 4);
      }
    }
    file.close(tmp);
  } catch (const h5::H5Error& e) {
    std::remove(tmp.c_str());
    throw StoreError(out_path, fmt::format("cannot write the export: {}", e.what()));
  }
  rename_export(out_path);
}

void export_csv(const StoreContents& c, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw StoreError(dir, "cannot create the directory: " + ec.message());
  auto grid = pass_at_k_grid(max_samples(c));
  auto evals = eval_rows(c, grid);
  write_file_atomically(dir + "/runs.csv", csv_table(run_table(), done_runs(c)));
  write_file_atomically(dir + "/evals.csv", csv_table(eval_table(grid), evals));
  write_file_atomically(dir + "/results.csv", results_csv(c, evals));
}

}  // namespace t2
