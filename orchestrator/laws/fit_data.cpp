// fit_data.cpp — empirical pass@k from outcomes (see fit_data.hpp).
#include "orchestrator/laws/fit_data.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "orchestrator/laws/pass_at_k.hpp"

namespace t2 {

const char* to_string(PassSource s) { return s == PassSource::likelihood ? "likelihood" : "sampled"; }

PassSource pass_source_from_string(const std::string& s) {
  if (s == "likelihood") return PassSource::likelihood;
  if (s == "sampled") return PassSource::sampled;
  throw std::invalid_argument("source = '" + s + "': expected likelihood or sampled");
}

std::vector<double> default_k_grid(double k_max) {
  std::vector<double> ks;
  for (double k = 1; k <= k_max; k *= 2) ks.push_back(k);
  if (ks.empty() || ks.back() < k_max) ks.push_back(k_max);
  return ks;
}

void check_fit_data(const FitData& data) {
  for (std::size_t i = 0; i < data.checkpoints.size(); ++i) {
    const Checkpoint& c = data.checkpoints[i];
    if (!(c.n > 0) || !(c.d > 0) || !std::isfinite(c.n) || !std::isfinite(c.d))
      throw FitError("checkpoint " + std::to_string(i) + " (run " + std::to_string(c.run) +
                     "): N and D must be finite and > 0");
  }
  for (std::size_t i = 0; i < data.outcomes.size(); ++i) {
    const ProblemOutcome& o = data.outcomes[i];
    if (o.checkpoint >= data.checkpoints.size())
      throw FitError("outcome " + std::to_string(i) + ": checkpoint index " + std::to_string(o.checkpoint) +
                     " out of range");
    if (o.c > o.n) throw FitError("outcome " + std::to_string(i) + ": c = " + std::to_string(o.c) + " > n = " +
                                  std::to_string(o.n));
  }
}

// Outcomes grouped by checkpoint (indices into data.outcomes).
static std::vector<std::vector<std::size_t>> by_checkpoint(const FitData& data) {
  std::vector<std::vector<std::size_t>> g(data.checkpoints.size());
  for (std::size_t i = 0; i < data.outcomes.size(); ++i) g[data.outcomes[i].checkpoint].push_back(i);
  return g;
}

std::vector<double> mean_answer_nll(const FitData& data) {
  check_fit_data(data);
  std::vector<double> sum(data.checkpoints.size(), 0.0), cnt(data.checkpoints.size(), 0.0);
  for (const ProblemOutcome& o : data.outcomes)
    if (std::isfinite(o.nll)) { sum[o.checkpoint] += o.nll; cnt[o.checkpoint] += 1; }
  std::vector<double> out(sum.size(), kNaN);
  for (std::size_t i = 0; i < sum.size(); ++i)
    if (cnt[i] > 0) out[i] = sum[i] / cnt[i];
  return out;
}

std::vector<PassPoint> empirical_pass_at_k(const FitData& data, PassSource source, const std::vector<double>& k_grid) {
  check_fit_data(data);
  std::vector<PassPoint> out;
  auto groups = by_checkpoint(data);
  for (std::uint32_t ci = 0; ci < groups.size(); ++ci) {
    const auto& g = groups[ci];
    if (g.empty()) continue;
    std::uint32_t min_n = UINT32_MAX;
    for (std::size_t i : g) {
      const ProblemOutcome& o = data.outcomes[i];
      if (source == PassSource::likelihood && !std::isfinite(o.nll))
        throw FitError("source likelihood needs the gold-answer NLL of every problem; checkpoint " +
                       std::to_string(ci) + " (run " + std::to_string(data.checkpoints[ci].run) + ") problem " +
                       std::to_string(o.problem) + " has none");
      min_n = std::min(min_n, o.n);
    }
    if (source == PassSource::sampled && min_n == 0)
      throw FitError("source sampled needs samples (n > 0) for every problem; checkpoint " + std::to_string(ci) +
                     " (run " + std::to_string(data.checkpoints[ci].run) + ") has a problem with none");
    for (double k : k_grid) {
      if (source == PassSource::sampled && k > min_n) continue;
      PassPoint p;
      p.checkpoint = ci;
      p.n = data.checkpoints[ci].n;
      p.d = data.checkpoints[ci].d;
      p.k = k;
      p.problems = static_cast<std::uint32_t>(g.size());
      double sum_pass = 0, sum_nlp = 0;
      for (std::size_t i : g) {
        const ProblemOutcome& o = data.outcomes[i];
        if (source == PassSource::likelihood) {
          sum_pass += pass_at_k_from_p(std::exp(-std::max(0.0, o.nll)), k);
          sum_nlp += neg_log_pass_at_k_from_nll(o.nll, k);
        } else {
          sum_pass += pass_at_k_unbiased(o.n, o.c, static_cast<std::uint32_t>(k));
        }
      }
      p.mean_pass = sum_pass / g.size();
      p.neg_log_pass = source == PassSource::likelihood ? sum_nlp / g.size() : -std::log(p.mean_pass);
      if (!std::isfinite(p.neg_log_pass)) continue;  // sampled, no problem ever solved: no finite target
      out.push_back(p);
    }
  }
  return out;
}

}  // namespace t2
