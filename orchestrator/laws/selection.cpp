// selection.cpp — `--law auto`: candidates scored by hold-out error, the best refitted (see
// selection.hpp).
#include "orchestrator/laws/selection.hpp"

#include <cmath>
#include <cstdio>

namespace t2 {

namespace {

std::string pct(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3g%%", 100 * v);
  return b;
}

std::string candidate_name(LhatSource l, AccuracyMethod m) {
  return std::string("t2-accuracy lhat=") + to_string(l) + " method=" + to_string(m);
}

// The LawFit of one theta method out of an accuracy fit that fitted both (fit_both).
std::optional<LawFit> variant(const LawFit& f, AccuracyMethod m) {
  if (!f.accuracy) return std::nullopt;
  const ThetaFit& t = m == AccuracyMethod::two_stage ? f.accuracy->two_stage : f.accuracy->beta_binomial;
  if (!t.fitted) return std::nullopt;
  LawFit v = f;
  v.law.theta = f.accuracy->lhat.params.theta();
  for (double x : t.theta) v.law.theta.push_back(x);
  return v;
}

}  // namespace

Selection select_law(const FitData& data, const FitOptions& base, const HoldoutRule* user_rule, const KAt& k_at) {
  Selection s;
  HoldoutRule rule;
  if (user_rule) {
    rule = *user_rule;
    s.default_rule = false;
  } else {
    try {
      rule = default_holdout_rule(data);
    } catch (const FitError& e) {
      s.too_few = true;
      s.fit_options = base;
      s.fit_options.law = "t2-accuracy";
      std::string why = e.what();
      try {
        s.fit = fit_law(data, s.fit_options);
      } catch (const FitError& first) {
        // Data without NLLs (a sampled-only CSV) cannot have Lhat on answer NLL: the other Lhat.
        if (s.fit_options.lhat != LhatSource::answer_nll) throw;
        s.fit_options.lhat = LhatSource::train_loss;
        why += std::string("; lhat=answer_nll not possible (") + first.what() + ")";
        s.fit = fit_law(data, s.fit_options);
      }
      s.reason = why + "; fitted t2-accuracy lhat=" + to_string(s.fit_options.lhat) + " method=" +
                 to_string(s.fit_options.method) + " without validation";
      return s;
    }
  }
  s.rule = rule.text;
  HoldoutSplit split = split_fit_data(data, rule);
  const std::uint32_t need = min_runs_to_fit("t2-accuracy");
  if (split.held_out.checkpoints.empty())
    throw FitError("--holdout '" + rule.text + "': holds out none of the " + std::to_string(data.checkpoints.size()) + " runs");
  if (split.fitted.checkpoints.size() < need)
    throw FitError("--holdout '" + rule.text + "': leaves " + std::to_string(split.fitted.checkpoints.size()) +
                   " runs to fit, fewer than the " + std::to_string(need) + " parameters of t2-accuracy");

  for (LhatSource lhat : {LhatSource::answer_nll, LhatSource::train_loss}) {
    FitOptions o = base;
    o.law = "t2-accuracy";
    o.lhat = lhat;
    o.method = AccuracyMethod::two_stage;  // fit_law fits the other method too (fit_both)
    std::optional<LawFit> f;
    std::string error;
    try {
      f = fit_law(split.fitted, o);
    } catch (const std::exception& e) {
      error = e.what();
    }
    for (AccuracyMethod m : {AccuracyMethod::two_stage, AccuracyMethod::beta_binomial}) {
      Candidate c;
      c.name = candidate_name(lhat, m);
      c.lhat = lhat, c.method = m;
      if (!f) {
        c.error = error;
      } else if (auto v = variant(*f, m)) {
        c.holdout = score_holdout(*v, split.held_out, f->accuracy->k_grid, k_at);
        c.holdout.rule = rule.text;
        c.holdout.fitted_runs = static_cast<std::uint32_t>(split.fitted.checkpoints.size());
        c.scored = std::isfinite(c.holdout.mean_abs_rel_error);
        if (!c.scored) c.error = "no held-out run could be scored";
      } else {
        c.error = m == AccuracyMethod::beta_binomial ? "needs sampled outcomes (n > 0) for every problem" : "not fitted";
      }
      s.candidates.push_back(std::move(c));
    }
  }
  for (std::size_t i = 0; i < s.candidates.size(); ++i)
    if (s.candidates[i].scored &&
        (s.chosen < 0 || s.candidates[i].holdout.mean_abs_rel_error < s.candidates[s.chosen].holdout.mean_abs_rel_error))
      s.chosen = static_cast<int>(i);
  s.fit_options = base;
  s.fit_options.law = "t2-accuracy";
  if (s.chosen < 0) {
    s.reason = "no candidate could be scored on the held-out runs; fitted t2-accuracy lhat=" +
               std::string(to_string(base.lhat)) + " method=" + to_string(base.method) + " without validation";
  } else {
    const Candidate& best = s.candidates[s.chosen];
    s.fit_options.lhat = best.lhat;
    s.fit_options.method = best.method;
    double next = INFINITY;
    for (std::size_t i = 0; i < s.candidates.size(); ++i)
      if (static_cast<int>(i) != s.chosen && s.candidates[i].scored) next = std::min(next, s.candidates[i].holdout.mean_abs_rel_error);
    s.reason = "lowest mean |relative error| of " + best.holdout.metric + " on the " +
               std::to_string(best.holdout.held_out_runs) + " held-out runs (" + pct(best.holdout.mean_abs_rel_error) +
               (std::isfinite(next) ? "; next best " + pct(next) : std::string()) + ")";
  }
  s.fit = fit_law(data, s.fit_options);

  // Approach 1 beside it, on the same split with its own quantity.
  s.loss.name = "t2-loss";
  try {
    FitOptions o = base;
    o.law = "t2-loss";
    o.locality = {};  // Approach 1 has no local form: scored beside it as the paper fits it
    HoldoutFit h = fit_holdout(data, rule, o, k_at);
    s.loss.holdout = h.result;
    s.loss.scored = std::isfinite(h.result.mean_abs_rel_error);
    s.loss_fit = fit_law(data, o);
  } catch (const std::exception& e) {
    s.loss.error = e.what();
  }
  return s;
}

}  // namespace t2
