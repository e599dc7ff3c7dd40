// export.cpp — the clean dataset (schemas/export-layout.md): done jobs only, pass@k from both
// sources (T² paper §2, §3.1), as an HDF5 file and as CSVs. Reads StoreContents only.
#include "orchestrator/store/export.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>

#include <fmt/format.h>

#include "orchestrator/laws/pass_at_k.hpp"
#include "orchestrator/store/h5.hpp"
#include "orchestrator/store/hdf5_view.hpp"
#include "orchestrator/store/store.hpp"
#include "t2/version.hpp"

namespace t2 {
namespace {

using h5::Id;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
inline constexpr std::uint32_t kExportSchemaVersion = 1;

// One exported eval row: the eval, its run, and its pass@k from both sources.
struct EvalRow {
  const EvalRecord* eval;
  const RunRecord* run;
  double mean_nll = 0;
  std::vector<double> pass;       // unbiased estimator, averaged over problems; NaN when k > samples
  std::vector<double> mean_pass;  // likelihood source 1 - (1 - exp(-nll))^k, averaged over problems
};

std::vector<EvalRow> eval_rows(const StoreContents& c, const std::vector<std::uint32_t>& grid) {
  std::vector<EvalRow> rows;
  for (auto& e : c.evals) {
    if (e.state != JobState::done) continue;
    EvalRow row{&e, e.plan.run < c.runs.size() ? &c.runs[e.plan.run] : nullptr, 0, {}, {}};
    const auto& res = e.result;
    std::vector<std::uint32_t> correct(res.problems, 0);
    for (std::uint32_t p = 0; p < res.problems; ++p)
      for (std::uint32_t s = 0; s < res.samples; ++s) correct[p] += res.correct[std::size_t(p) * res.samples + s] != 0;
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
          for (auto cnt : correct) pass += pass_at_k_unbiased(res.samples, cnt, k);
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

double run_value(const RunRecord* r, double TrainResult::*field) {
  return r && r->state == JobState::done ? r->result.*field : kNaN;
}

template <class T, class Rows, class Get>
void column(hid_t g, const char* name, const Rows& rows, Get get, const char* units = "") {
  std::vector<T> v;
  v.reserve(rows.size());
  for (auto& r : rows) v.push_back(static_cast<T>(get(r)));
  h5::write_vector<T>(g, name, v, 0);
  if (*units) {
    Id ds = h5::open_dataset(g, name);
    h5::set_attr(ds, "units", units);
  }
}

template <class Rows, class Get>
void string_column(hid_t g, const char* name, const Rows& rows, Get get) {
  h5::create_string_column(g, name);
  Id ds = h5::open_dataset(g, name);
  h5::set_length(ds, rows.size());
  std::vector<std::uint64_t> idx;
  std::vector<std::string> vals;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    idx.push_back(i);
    vals.push_back(get(rows[i]));
  }
  h5::write_string_rows(ds, idx, vals);
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

void write_file_atomically(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw StoreError(path, "cannot write " + tmp);
    out << text;
    out.flush();
    if (!out) throw StoreError(path, "cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw StoreError(path, "cannot rename " + tmp + " over it");
  }
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
      column<std::uint32_t>(g, "index", runs, [](auto r) { return r->index; });
      column<std::uint32_t>(g, "batch", runs, [](auto r) { return r->batch; });
      column<double>(g, "n_params", runs, [](auto r) { return r->plan.n_params; }, "parameters");
      column<double>(g, "n_tokens", runs, [](auto r) { return r->plan.n_tokens; }, "tokens");
      column<std::uint64_t>(g, "seed", runs, [](auto r) { return r->plan.seed; });
      column<std::uint32_t>(g, "replicate", runs, [](auto r) { return r->plan.replicate; });
      column<double>(g, "loss", runs, [](auto r) { return r->result.final_loss; }, "nats/token");
      column<double>(g, "tokens_seen", runs, [](auto r) { return r->result.tokens_seen; }, "tokens");
      column<double>(g, "params", runs, [](auto r) { return r->result.params; }, "parameters");
      column<double>(g, "params_total", runs, [](auto r) { return r->result.params_total; }, "parameters");
      column<double>(g, "flops", runs, [](auto r) { return r->result.flops; }, "FLOPs");
      column<double>(g, "wall_seconds", runs, [](auto r) { return r->meta.wall_seconds; }, "s");
      column<std::uint32_t>(g, "attempts", runs, [](auto r) { return r->attempts; });
      string_column(g, "host", runs, [](auto r) { return r->meta.host; });
    }
    {
      Id g = h5::create_group(file, "evals");
      column<std::uint32_t>(g, "index", evals, [](auto& r) { return r.eval->index; });
      column<std::uint32_t>(g, "run", evals, [](auto& r) { return r.eval->plan.run; });
      column<std::uint32_t>(g, "batch", evals, [](auto& r) { return r.eval->batch; });
      string_column(g, "task", evals, [](auto& r) { return r.eval->plan.task; });
      column<std::uint32_t>(g, "problems", evals, [](auto& r) { return r.eval->result.problems; });
      column<std::uint32_t>(g, "samples", evals, [](auto& r) { return r.eval->result.samples; });
      column<double>(g, "temperature", evals, [](auto& r) { return r.eval->plan.temperature; });
      column<std::uint32_t>(g, "top_k", evals, [](auto& r) { return r.eval->plan.top_k; });
      column<std::uint64_t>(g, "seed", evals, [](auto& r) { return r.eval->plan.seed; });
      column<double>(g, "n_params", evals, [](auto& r) { return r.run ? r.run->plan.n_params : kNaN; }, "parameters");
      column<double>(g, "n_tokens", evals, [](auto& r) { return r.run ? r.run->plan.n_tokens : kNaN; }, "tokens");
      column<double>(g, "params", evals, [](auto& r) { return run_value(r.run, &TrainResult::params); }, "parameters");
      column<double>(g, "loss", evals, [](auto& r) { return run_value(r.run, &TrainResult::final_loss); }, "nats/token");
      column<double>(g, "flops", evals, [](auto& r) { return r.eval->result.flops; }, "FLOPs");
      column<double>(g, "tokens_per_sample", evals, [](auto& r) { return r.eval->result.tokens_per_sample; }, "tokens");
      column<double>(g, "mean_nll", evals, [](auto& r) { return r.mean_nll; }, "nats");
      for (std::size_t j = 0; j < grid.size(); ++j) {
        column<double>(g, fmt::format("pass@{}", grid[j]).c_str(), evals, [j](auto& r) { return r.pass[j]; });
        column<double>(g, fmt::format("mean_pass@{}", grid[j]).c_str(), evals, [j](auto& r) { return r.mean_pass[j]; });
      }
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
  if (std::rename(tmp.c_str(), out_path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw StoreError(out_path, "cannot rename " + tmp + " over it");
  }
}

void export_csv(const StoreContents& c, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw StoreError(dir, "cannot create the directory: " + ec.message());
  auto grid = pass_at_k_grid(max_samples(c));

  std::string runs = "index,batch,n_params,n_tokens,seed,replicate,loss,tokens_seen,params,params_total,flops,"
                     "wall_seconds,attempts,host\n";
  for (auto r : done_runs(c))
    runs += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", r->index, r->batch, num(r->plan.n_params),
                        num(r->plan.n_tokens), r->plan.seed, r->plan.replicate, num(r->result.final_loss),
                        num(r->result.tokens_seen), num(r->result.params), num(r->result.params_total),
                        num(r->result.flops), num(r->meta.wall_seconds), r->attempts, csv_field(r->meta.host));

  std::string evals = "index,run,batch,task,problems,samples,temperature,top_k,seed,n_params,n_tokens,params,loss,"
                      "flops,tokens_per_sample,mean_nll";
  for (auto k : grid) evals += fmt::format(",pass@{}", k);
  for (auto k : grid) evals += fmt::format(",mean_pass@{}", k);
  evals += "\n";
  for (auto& r : eval_rows(c, grid)) {
    const auto& e = *r.eval;
    evals += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}", e.index, e.plan.run, e.batch,
                         csv_field(e.plan.task), e.result.problems, e.result.samples, num(e.plan.temperature),
                         e.plan.top_k, e.plan.seed, num(r.run ? r.run->plan.n_params : kNaN),
                         num(r.run ? r.run->plan.n_tokens : kNaN), num(run_value(r.run, &TrainResult::params)),
                         num(run_value(r.run, &TrainResult::final_loss)), num(e.result.flops),
                         num(e.result.tokens_per_sample), num(r.mean_nll));
    for (double v : r.pass) { evals += ','; evals += num(v); }
    for (double v : r.mean_pass) { evals += ','; evals += num(v); }
    evals += "\n";
  }
  write_file_atomically(dir + "/runs.csv", runs);
  write_file_atomically(dir + "/evals.csv", evals);
}

}  // namespace t2
