// holdout.cpp — hold-out rules, the split, and the relative error of the law's own quantity on
// the held-out runs (see holdout.hpp; paper RQ2, §4.2).
#include "orchestrator/laws/holdout.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>

#include "orchestrator/laws/pass_at_k.hpp"

namespace t2 {

namespace {

std::string strip(const std::string& s) {
  std::string out;
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c))) out += c;
  return out;
}

double field_of(const HoldoutCondition& c, double n, double d) {
  switch (c.field) {
    case HoldoutCondition::Field::tokens_per_param: return d / n;
    case HoldoutCondition::Field::flops: return 6 * n * d;
    case HoldoutCondition::Field::n: return n;
    case HoldoutCondition::Field::d: return d;
  }
  return kNaN;
}

}  // namespace

bool HoldoutRule::holds_out(double n, double d) const {
  for (const HoldoutCondition& c : conditions) {
    double v = field_of(c, n, d);
    bool ok = false;
    switch (c.op) {
      case HoldoutCondition::Op::lt: ok = v < c.value; break;
      case HoldoutCondition::Op::le: ok = v <= c.value; break;
      case HoldoutCondition::Op::gt: ok = v > c.value; break;
      case HoldoutCondition::Op::ge: ok = v >= c.value; break;
      case HoldoutCondition::Op::eq: ok = v == c.value; break;
      case HoldoutCondition::Op::ne: ok = v != c.value; break;
    }
    if (!ok) return false;
  }
  return !conditions.empty();
}

HoldoutRule parse_holdout_rule(const std::string& text) {
  HoldoutRule r;
  r.text = text;
  const std::string s = strip(text);
  auto fail = [&](const std::string& why) -> HoldoutRuleError {
    return HoldoutRuleError("--holdout '" + text + "': " + why +
                            " (expected FIELD OP NUMBER [&& ...], FIELD one of tokens_per_param, flops, n, d; "
                            "OP one of < <= > >= == !=; e.g. tokens_per_param>100)");
  };
  if (s.empty()) throw fail("empty rule");
  std::size_t pos = 0;
  while (true) {
    std::size_t amp = s.find("&&", pos);
    std::string cond = s.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    if (cond.empty()) throw fail("empty condition");
    std::size_t op_at = cond.find_first_of("<>=!");
    if (op_at == std::string::npos) throw fail("'" + cond + "' has no comparison");
    std::string name = cond.substr(0, op_at);
    std::size_t op_len = (op_at + 1 < cond.size() && cond[op_at + 1] == '=') ? 2 : 1;
    std::string op = cond.substr(op_at, op_len);
    std::string num = cond.substr(op_at + op_len);
    HoldoutCondition c;
    if (name == "tokens_per_param") c.field = HoldoutCondition::Field::tokens_per_param;
    else if (name == "flops") c.field = HoldoutCondition::Field::flops;
    else if (name == "n" || name == "N") c.field = HoldoutCondition::Field::n;
    else if (name == "d" || name == "D") c.field = HoldoutCondition::Field::d;
    else throw fail(name.empty() ? "a condition without a field" : "unknown field '" + name + "'");
    static const std::map<std::string, HoldoutCondition::Op> ops = {
        {"<", HoldoutCondition::Op::lt},  {"<=", HoldoutCondition::Op::le}, {">", HoldoutCondition::Op::gt},
        {">=", HoldoutCondition::Op::ge}, {"==", HoldoutCondition::Op::eq}, {"!=", HoldoutCondition::Op::ne}};
    auto it = ops.find(op);
    if (it == ops.end()) throw fail("unknown comparison '" + op + "'");
    c.op = it->second;
    char* end = nullptr;
    c.value = std::strtod(num.c_str(), &end);
    if (num.empty() || end != num.c_str() + num.size() || !std::isfinite(c.value))
      throw fail("'" + num + "' is not a number");
    r.conditions.push_back(c);
    if (amp == std::string::npos) break;
    pos = amp + 2;
  }
  return r;
}

std::uint32_t min_runs_to_fit(const std::string& law) {
  return static_cast<std::uint32_t>(law_by_name(law)->params().size());
}

HoldoutRule default_holdout_rule(const FitData& data) {
  std::vector<double> tpp;
  for (const Checkpoint& c : data.checkpoints) tpp.push_back(c.d / c.n);
  std::sort(tpp.begin(), tpp.end());
  const std::uint32_t runs = static_cast<std::uint32_t>(tpp.size());
  const std::uint32_t need = min_runs_to_fit("t2-accuracy") + kAutoHoldoutMin;
  if (runs < need)
    throw FitError("too few runs to select a law by hold-out: " + std::to_string(runs) + " runs, need at least " +
                   std::to_string(need) + " (" + std::to_string(min_runs_to_fit("t2-accuracy")) + " to fit, " +
                   std::to_string(kAutoHoldoutMin) + " to hold out)");
  std::uint32_t held = std::max<std::uint32_t>(kAutoHoldoutMin, static_cast<std::uint32_t>(std::ceil(kAutoHoldoutFraction * runs)));
  held = std::min(held, runs - min_runs_to_fit("t2-accuracy"));
  // Written with 6 digits, rounded down a hair so the rule a user copies holds out the same runs.
  char buf[64];
  std::snprintf(buf, sizeof buf, "tokens_per_param>=%.6g", tpp[runs - held] * (1 - 1e-6));
  return parse_holdout_rule(buf);
}

HoldoutSplit split_fit_data(const FitData& data, const HoldoutRule& rule) {
  HoldoutSplit s;
  s.fitted.task = s.held_out.task = data.task;
  std::vector<std::pair<bool, std::uint32_t>> where;  // per checkpoint: held out?, new index
  for (const Checkpoint& c : data.checkpoints) {
    bool out = rule.holds_out(c.n, c.d);
    FitData& to = out ? s.held_out : s.fitted;
    where.push_back({out, static_cast<std::uint32_t>(to.checkpoints.size())});
    to.checkpoints.push_back(c);
  }
  for (ProblemOutcome o : data.outcomes) {
    if (o.checkpoint >= where.size()) continue;
    auto [out, idx] = where[o.checkpoint];
    o.checkpoint = idx;
    (out ? s.held_out : s.fitted).outcomes.push_back(o);
  }
  return s;
}

namespace {

// The one checkpoint ci of `data` as a FitData (for per-run empirical pass@k at its own k).
FitData one_checkpoint(const FitData& data, std::uint32_t ci) {
  FitData f;
  f.task = data.task;
  f.checkpoints.push_back(data.checkpoints[ci]);
  for (ProblemOutcome o : data.outcomes)
    if (o.checkpoint == ci) o.checkpoint = 0, f.outcomes.push_back(o);
  return f;
}

std::uint32_t min_samples(const FitData& f) {
  std::uint32_t m = UINT32_MAX;
  for (const ProblemOutcome& o : f.outcomes) m = std::min(m, o.n);
  return f.outcomes.empty() ? 0 : m;
}

}  // namespace

HoldoutResult score_holdout(const LawFit& fit, const FitData& held_out, const std::vector<double>& k_grid, const KAt& k_at) {
  HoldoutResult r;
  r.held_out_runs = static_cast<std::uint32_t>(held_out.checkpoints.size());
  const std::string law = fit.law.law->name();
  const bool accuracy = law == "t2-accuracy";
  r.metric = law == "chinchilla" ? "training loss (nats/token)"
             : accuracy          ? "pass@k at the deployment's k"
                                 : "-log pass@k at the deployment's k (nats)";
  const double floor = law == "chinchilla" ? 0.0 : accuracy ? kHoldoutFloorPass : kHoldoutFloorNegLogPass;
  double sum = 0, sum_grid = 0;
  std::uint32_t cnt = 0, cnt_grid = 0;
  for (std::uint32_t ci = 0; ci < held_out.checkpoints.size(); ++ci) {
    const Checkpoint& c = held_out.checkpoints[ci];
    HoldoutRun run;
    run.run = c.run, run.n = c.n, run.d = c.d;
    if (law == "chinchilla") {
      run.observed = c.loss;
      run.predicted = fit.law.score(c.n, c.d);
    } else {
      FitData one = one_checkpoint(held_out, ci);
      if (one.outcomes.empty()) continue;
      double k = k_at ? k_at(c.n, c.d) : 1.0;
      if (!(k >= 1)) k = 1;
      if (fit.source == PassSource::sampled) k = std::min<double>(std::floor(k), std::max<std::uint32_t>(1, min_samples(one)));
      run.k = k;
      auto obs = empirical_pass_at_k(one, fit.source, {k});
      if (obs.empty()) continue;  // sampled and never solved: no finite -log pass@k
      run.observed = accuracy ? obs[0].mean_pass : obs[0].neg_log_pass;
      run.predicted = fit.law.score(c.n, c.d, k);
      for (const PassPoint& p : empirical_pass_at_k(one, fit.source, k_grid)) {
        double o = accuracy ? p.mean_pass : p.neg_log_pass;
        double e = (fit.law.score(c.n, c.d, p.k) - o) / std::max(o, floor);
        if (std::isfinite(e)) sum_grid += std::abs(e), ++cnt_grid;
      }
    }
    run.rel_error = (run.predicted - run.observed) / std::max(run.observed, floor);
    if (!std::isfinite(run.rel_error)) continue;
    sum += std::abs(run.rel_error), ++cnt;
    r.runs.push_back(run);
  }
  if (cnt) r.mean_abs_rel_error = sum / cnt;
  if (cnt_grid) r.mean_abs_rel_error_k_grid = sum_grid / cnt_grid;
  return r;
}

HoldoutFit fit_holdout(const FitData& data, const HoldoutRule& rule, const FitOptions& o, const KAt& k_at) {
  HoldoutSplit s = split_fit_data(data, rule);
  const std::uint32_t need = min_runs_to_fit(o.law);
  if (s.held_out.checkpoints.empty())
    throw FitError("--holdout '" + rule.text + "': holds out none of the " + std::to_string(data.checkpoints.size()) + " runs");
  if (s.fitted.checkpoints.size() < need)
    throw FitError("--holdout '" + rule.text + "': leaves " + std::to_string(s.fitted.checkpoints.size()) +
                   " runs to fit, fewer than the " + std::to_string(need) + " parameters of " + o.law);
  HoldoutFit h;
  h.fit = fit_law(s.fitted, o);
  std::vector<double> grid = h.fit.accuracy ? h.fit.accuracy->k_grid : h.fit.loss ? h.fit.loss->k_grid : std::vector<double>{};
  h.result = score_holdout(h.fit, s.held_out, grid, k_at);
  h.result.rule = rule.text;
  h.result.fitted_runs = static_cast<std::uint32_t>(s.fitted.checkpoints.size());
  return h;
}

}  // namespace t2
