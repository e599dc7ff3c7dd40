// design_space.cpp — the (N, D) region and planned costs (see design_space.hpp).
#include "orchestrator/design/design_space.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace t2 {

namespace {
[[noreturn]] void bad_grid(const SweepConfig& c, const std::string& key, const std::string& problem) {
  throw ConfigError(c.file, 0, "grid." + key, "", problem);
}
}  // namespace

DesignSpace::DesignSpace(const SweepConfig& c) {
  const GridConfig& g = c.grid;
  if (g.n.empty()) bad_grid(c, "n", "the design needs at least one model size");
  n_lo_ = *std::min_element(g.n.begin(), g.n.end());
  n_hi_ = *std::max_element(g.n.begin(), g.n.end());
  isoflop_ = g.d.empty();
  const std::vector<double>& s = isoflop_ ? g.isoflop : g.d;
  if (s.empty()) bad_grid(c, "d", "the design needs d or isoflop values");
  s_lo_ = *std::min_element(s.begin(), s.end());
  s_hi_ = *std::max_element(s.begin(), s.end());
  if (!(n_lo_ > 0) || !(s_lo_ > 0)) bad_grid(c, isoflop_ ? "isoflop" : "d", "values must be > 0");
  min_tpp_ = g.min_tokens_per_param;
  max_tpp_ = g.max_tokens_per_param;
}

GridPoint DesignSpace::at(double u, double v) const {
  double n = std::exp(std::log(n_lo_) + u * (std::log(n_hi_) - std::log(n_lo_)));
  double s = std::exp(std::log(s_lo_) + v * (std::log(s_hi_) - std::log(s_lo_)));
  return {n, isoflop_ ? s / (6.0 * n) : s};
}

bool DesignSpace::contains(double n, double d) const {
  const double eps = 1e-9;
  if (!(n >= n_lo_ * (1 - eps) && n <= n_hi_ * (1 + eps))) return false;
  double s = isoflop_ ? 6.0 * n * d : d;
  if (!(s >= s_lo_ * (1 - eps) && s <= s_hi_ * (1 + eps))) return false;
  double tpp = d / n;
  if (min_tpp_ > 0 && tpp < min_tpp_ * (1 - eps)) return false;
  if (max_tpp_ > 0 && tpp > max_tpp_ * (1 + eps)) return false;
  return true;
}

double planned_eval_flops(double n, std::uint32_t samples, const EvalConfig& eval) {
  EvalConfig e = eval;
  e.samples = samples;
  return eval_flops(n, e);
}

double planned_point_flops(double n, double d, std::uint32_t samples, const EvalConfig& eval) {
  return train_flops(n, d) + double(eval.tasks.size()) * planned_eval_flops(n, samples, eval);
}

double planned_batch_flops(const std::vector<PlannedRun>& runs, const std::vector<PlannedEval>& evals,
                           const std::vector<double>& eval_run_n, const EvalConfig& eval) {
  double total = 0;
  for (const PlannedRun& r : runs) total += train_flops(r.n_params, r.n_tokens);
  for (std::size_t i = 0; i < evals.size(); ++i) {
    EvalConfig e = eval;
    e.problems = evals[i].problems;
    total += planned_eval_flops(eval_run_n[i], evals[i].samples, e);
  }
  return total;
}

std::vector<double> planned_flops_by_batch(const StoreContents& seen, const EvalConfig& eval) {
  std::map<std::uint32_t, std::vector<PlannedRun>> runs;
  std::map<std::uint32_t, std::vector<PlannedEval>> evals;
  std::map<std::uint32_t, std::vector<double>> eval_n;
  std::map<JobIndex, double> n_of_run;
  std::uint32_t n_batches = 0;
  for (const RunRecord& r : seen.runs) {
    runs[r.batch].push_back(r.plan);
    n_of_run[r.index] = r.plan.n_params;
    n_batches = std::max(n_batches, r.batch + 1);
  }
  for (const EvalRecord& e : seen.evals) {
    evals[e.batch].push_back(e.plan);
    auto it = n_of_run.find(e.plan.run);
    eval_n[e.batch].push_back(it == n_of_run.end() ? 0.0 : it->second);
    n_batches = std::max(n_batches, e.batch + 1);
  }
  std::vector<double> out(n_batches, 0.0);
  for (std::uint32_t b = 0; b < n_batches; ++b) out[b] = planned_batch_flops(runs[b], evals[b], eval_n[b], eval);
  return out;
}

namespace {
// Records of batches < batch; those of batches >= cutoff keep only their plan.
template <class Record>
std::vector<Record> plans_with_results_before(const std::vector<Record>& all, std::uint32_t batch,
                                              std::uint32_t cutoff) {
  std::vector<Record> out;
  for (const Record& r : all) {
    if (r.batch >= batch) continue;
    if (r.batch < cutoff) {
      out.push_back(r);
      continue;
    }
    Record h;
    h.index = r.index;
    h.plan = r.plan;
    h.batch = r.batch;
    out.push_back(std::move(h));
  }
  return out;
}
}  // namespace

StoreContents visible_to_plan(const StoreContents& c, std::uint32_t batch, std::uint32_t lag) {
  const std::uint32_t cutoff = batch > lag ? batch - lag : 0;
  StoreContents v;
  v.schema_version = c.schema_version;
  v.t2_version = c.t2_version;
  v.config_text = c.config_text;
  v.config_file = c.config_file;
  v.created_at = c.created_at;
  v.runs = plans_with_results_before(c.runs, batch, cutoff);
  v.evals = plans_with_results_before(c.evals, batch, cutoff);
  for (const BatchRecord& b : c.batches) if (b.index < batch) v.batches.push_back(b);
  for (const Document& d : c.documents) if (d.batch < batch) v.documents.push_back(d);
  return v;
}

}  // namespace t2
