// bootstrap.cpp — resampling, parallel refits, percentile intervals (see bootstrap.hpp).
#include "orchestrator/laws/bootstrap.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <random>
#include <thread>
#include <unordered_map>

#include "contract/seed.hpp"

namespace t2 {

FitData resample(const FitData& data, const BootstrapOptions& o, std::uint32_t b) {
  std::mt19937_64 rng(mix_seed(o.seed, std::uint64_t{b}));
  const std::size_t C = data.checkpoints.size();
  // Checkpoints drawn with replacement; a checkpoint drawn twice appears twice with its outcomes.
  std::vector<std::uint32_t> picks(C);
  if (o.resample_checkpoints) {
    std::uniform_int_distribution<std::uint32_t> pick(0, static_cast<std::uint32_t>(C - 1));
    for (auto& p : picks) p = pick(rng);
    std::sort(picks.begin(), picks.end());
  } else {
    for (std::size_t i = 0; i < C; ++i) picks[i] = static_cast<std::uint32_t>(i);
  }
  // Problems: one multiset of problem ids for all checkpoints (the same problems are hard everywhere).
  std::unordered_map<std::uint32_t, std::uint32_t> multiplicity;
  bool by_problem = o.resample_problems && !data.outcomes.empty();
  if (by_problem) {
    std::vector<std::uint32_t> ids;
    for (const ProblemOutcome& p : data.outcomes) ids.push_back(p.problem);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    std::uniform_int_distribution<std::size_t> pick(0, ids.size() - 1);
    for (std::size_t i = 0; i < ids.size(); ++i) ++multiplicity[ids[pick(rng)]];
  }
  std::vector<std::vector<std::size_t>> outcomes_of(C);
  for (std::size_t i = 0; i < data.outcomes.size(); ++i) outcomes_of[data.outcomes[i].checkpoint].push_back(i);

  FitData out;
  out.task = data.task;
  for (std::uint32_t src : picks) {
    auto dst = static_cast<std::uint32_t>(out.checkpoints.size());
    out.checkpoints.push_back(data.checkpoints[src]);
    for (std::size_t i : outcomes_of[src]) {
      ProblemOutcome p = data.outcomes[i];
      std::uint32_t times = 1;
      if (by_problem) {
        auto it = multiplicity.find(p.problem);
        times = it == multiplicity.end() ? 0 : it->second;
      }
      p.checkpoint = dst;
      for (std::uint32_t t = 0; t < times; ++t) out.outcomes.push_back(p);
    }
  }
  return out;
}

BootstrapResult bootstrap(const FitData& data, const std::function<std::vector<double>(const FitData&)>& refit,
                          const BootstrapOptions& o) {
  std::vector<std::vector<double>> reps(o.replicates);
  std::vector<char> ok(o.replicates, 0);
  std::atomic<std::uint32_t> next{0};
  int nt = o.threads > 0 ? o.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  nt = static_cast<int>(std::min<std::uint32_t>(nt, std::max<std::uint32_t>(1, o.replicates)));
  auto work = [&] {
    for (std::uint32_t b; (b = next.fetch_add(1)) < o.replicates;) {
      try {
        reps[b] = refit(resample(data, o, b));
        ok[b] = std::all_of(reps[b].begin(), reps[b].end(), [](double v) { return std::isfinite(v); });
      } catch (const std::exception&) {
        ok[b] = 0;  // a resample that cannot be fitted (e.g. too few distinct checkpoints): counted
      }
    }
  };
  if (nt <= 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < nt; ++t) pool.emplace_back(work);
    for (auto& th : pool) th.join();
  }
  BootstrapResult r;
  for (std::uint32_t b = 0; b < o.replicates; ++b) {
    if (ok[b]) r.replicates.push_back(std::move(reps[b]));
    else ++r.failed;
  }
  return r;
}

Interval percentile_interval(std::vector<double> v, double level) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }), v.end());
  if (v.empty()) return {};
  std::sort(v.begin(), v.end());
  auto q = [&](double p) {
    double pos = p * (v.size() - 1);
    auto lo = static_cast<std::size_t>(std::floor(pos));
    std::size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (pos - lo) * (v[hi] - v[lo]);
  };
  double a = (1 - level) / 2;
  return {q(a), q(1 - a)};
}

std::vector<Interval> parameter_intervals(const BootstrapResult& r, double level) {
  if (r.replicates.empty()) return {};
  std::vector<Interval> out;
  for (std::size_t j = 0; j < r.replicates[0].size(); ++j) {
    std::vector<double> v;
    for (const auto& rep : r.replicates) v.push_back(rep[j]);
    out.push_back(percentile_interval(std::move(v), level));
  }
  return out;
}

Interval prediction_interval(const FittedLaw& law, const std::vector<std::vector<double>>& reps, const LawInput& x,
                             double level) {
  std::vector<double> v;
  v.reserve(reps.size());
  for (const auto& theta : reps) v.push_back(law.law->predict(theta, x));
  return percentile_interval(std::move(v), level);
}

}  // namespace t2
