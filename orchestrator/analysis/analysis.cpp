// analysis.cpp — fit (or select), hold-out, plan and warnings in one call (see analysis.hpp).
#include "orchestrator/analysis/analysis.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>

#include <fmt/format.h>

#include "orchestrator/store/store.hpp"

namespace t2 {

namespace {

// The largest k the law will be fitted at: the likelihood source's k grid ends at k_max; the
// sampled source's at the fewest samples of any problem (fit_data.hpp). 0 for chinchilla.
double k_fit_hi(const FitData& data, const FitOptions& o) {
  if (o.law == "chinchilla") return 0;
  if (o.source == PassSource::likelihood) return default_k_grid(o.k_max).back();
  std::uint32_t m = UINT32_MAX;
  for (const ProblemOutcome& p : data.outcomes) m = std::min(m, p.n);
  return data.outcomes.empty() ? 0 : std::min<double>(m, default_k_grid(o.k_max).back());
}

std::string g(double v) { return fmt::format("{:.4g}", v); }

// The request's fit options with the local-fit weights resolved (laws/locality.hpp): the width
// from --locality, else [target] fit_locality (t2-accuracy and auto only: the other laws have no
// local form, so a config's width does not apply to them), centred on the deployment's C_train.
FitOptions with_locality(const AnalysisRequest& rq, const SweepConfig* config, const PlanTarget& target,
                         const std::string& path) {
  FitOptions fo = rq.fit;
  const bool accuracy = rq.fit.law == "t2-accuracy" || rq.fit.law == "auto";
  double width = 0;
  if (rq.locality) {
    width = *rq.locality;
    if (width > 0 && !accuracy)
      throw RequestError(fmt::format("--locality {:g}: applies to --law t2-accuracy or auto only, not {}", width, rq.fit.law));
  } else if (config && accuracy) {
    width = config->target.fit_locality;
  }
  if (!(width > 0)) return fo;
  const std::string from = rq.locality ? fmt::format("--locality {:g}", width)
                                       : fmt::format("[target] fit_locality = {:g} of {}", width, path);
  if (rq.frontier)
    throw RequestError(fmt::format("{}: a local fit answers for one training budget, not a --frontier of them; "
                                   "give --locality 0 for the frontier", from));
  if (!target.deployment || target.deployment->form != Deployment::Form::split)
    throw RequestError(fmt::format("{}: a local fit is centred on the training budget, and {}; give --train-budget "
                                   "and --inference-budget, or --locality 0",
                                   from, target.deployment ? "this deployment is end to end" : "there is no deployment"));
  fo.locality = Locality{target.deployment->train_flops, width};
  return fo;
}

}  // namespace

Analysis analyse(const LoadedInputs& in, const AnalysisRequest& rq) {
  Analysis a;
  a.inputs = in.inputs;
  a.config_note = in.config_note;
  a.task = in.data.task;
  const bool auto_law = rq.fit.law == "auto";
  if (in.data.outcomes.empty() && rq.fit.law != "chinchilla")
    throw InputError({fmt::format("{}: no task results (per-problem outcomes) to fit --law {} to; --law chinchilla "
                                  "fits the training losses alone", in.inputs.path, rq.fit.law)});
  std::optional<HoldoutRule> rule;
  if (rq.holdout) rule = parse_holdout_rule(*rq.holdout);

  // The deployment is known before the fit: hold-out scores each run at the deployment's k.
  const SweepConfig* config = in.config ? &*in.config : nullptr;
  FitOptions probe = rq.fit;
  if (auto_law) probe.law = "t2-accuracy";
  PlanTarget target = plan_target(rq.deployment, config, in.data, k_fit_hi(in.data, probe), rq.bounds);
  if (rq.plan && !target.deployment)
    throw RequestError(fmt::format(
        "{}: no deployment to plan for: no budget flags and no [target] ({}); give --train-budget C "
        "--inference-budget C_inf, or --budget C --queries Q --tokens-per-sample T",
        in.inputs.path, in.config_note.empty() ? "the store's sweep config has none" : in.config_note));
  const FitOptions fit_options = with_locality(rq, config, target, in.inputs.path);
  KAt k_at;
  if (target.deployment) {
    Deployment dep = *target.deployment;
    PlanBounds b = target.bounds;
    k_at = [dep, b](double n, double d) { return deployment_k(dep, b, n, d); };
  }

  BootstrapOptions bo;
  bo.replicates = rq.bootstrap;
  bo.seed = rq.seed;
  bo.threads = rq.fit.threads;
  if (rq.bootstrap > 0) a.bootstrap = bo;
  if (auto_law) {
    a.selection = select_law(in.data, fit_options, rule ? &*rule : nullptr, k_at);
    const Selection& s = *a.selection;
    a.fit = rq.bootstrap > 0 ? fit_with_bootstrap(in.data, s.fit_options, bo) : s.fit;
    if (s.too_few) a.fit_warnings.push_back({"too_few_to_select", s.reason});
    else if (s.chosen < 0) a.fit_warnings.push_back({"too_few_to_select", s.reason});
    else {
      a.holdout = s.candidates[s.chosen].holdout;
      a.holdout_of = s.candidates[s.chosen].name;
      append_warnings(a.fit_warnings, holdout_warnings(*a.holdout, a.holdout_of));
    }
  } else {
    a.fit = rq.bootstrap > 0 ? fit_with_bootstrap(in.data, fit_options, bo) : fit_law(in.data, fit_options);
    if (rule) {
      a.holdout = fit_holdout(in.data, *rule, fit_options, k_at).result;
      a.holdout_of = rq.fit.law;
      append_warnings(a.fit_warnings, holdout_warnings(*a.holdout, rq.fit.law));
    }
  }
  append_warnings(a.fit_warnings, fit_warnings(a.fit, in.data));
  // The Chinchilla comparison row plans with its own fit of the training losses (unless L̂ is that
  // fit): its parameters and quality are checked the same way, so a reference the data do not
  // identify is said, not silently planned with.
  const bool lhat_is_reference = a.fit.accuracy && a.fit.accuracy->lhat_source == LhatSource::train_loss;
  if (a.fit.has_reference && a.fit.law.law->name() != "chinchilla" && !lhat_is_reference) {
    LawFit ref;
    ref.law = {law_by_name("chinchilla"), a.fit.reference.params.theta()};
    for (const ParamSpec& p : ref.law.law->params()) ref.param_names.push_back(p.name);
    ref.points = a.fit.reference.points;
    ref.stages.push_back({"chinchilla", "Approach 3 on the training losses", "log loss", a.fit.reference.rmse_log,
                          a.fit.reference.r2_log, a.fit.reference.points});
    for (Warning w : fit_warnings(ref, in.data)) {
      w.message = "Chinchilla reference (the comparison row's law of the training losses): " + w.message;
      append_warnings(a.fit_warnings, {w});
    }
  }
  a.range = data_range(in.data, a.fit);
  a.warnings = a.fit_warnings;
  if (!rq.plan) {
    if (target.deployment) a.target = target;
    return a;
  }
  // Bounds again now that the fit's k grid is known (it can differ from the probe's only for auto).
  target = plan_target(rq.deployment, config, in.data, a.range.k_hi, rq.bounds);
  a.target = target;
  const ChinchillaParams* ref = a.fit.has_reference ? &a.fit.reference.params : nullptr;
  if (rq.frontier) {
    a.frontier = plan_frontier(a.fit.law, *target.deployment, rq.frontier->from, rq.frontier->to, rq.frontier->steps,
                               target.bounds, ref);
    for (const Plan& p : a.frontier) {
      double c = p.deployment.form == Deployment::Form::split ? p.deployment.train_flops : p.deployment.total_flops;
      append_warnings(a.warnings, plan_warnings(p, a.fit.law, target.bounds, a.range, "budget " + g(c)));
    }
  } else {
    a.plan = plan(a.fit.law, *target.deployment, target.bounds, ref);
    if (!a.fit.bootstrap.replicates.empty())
      a.intervals = plan_intervals(a.fit.law, a.fit.bootstrap.replicates, *a.plan, target.bounds, 0.95, rq.fit.threads);
    append_warnings(a.warnings, plan_warnings(*a.plan, a.fit.law, target.bounds, a.range));
    append_warnings(a.warnings, advantage_warnings(*a.plan, a.fit.law, a.intervals));
    if (config) {
      try {
        a.truth = truth_beside_plan(*config, a.task, *target.deployment, target.bounds, a.plan->best);
      } catch (const std::exception& e) {
        a.truth_note = e.what();  // the stored truth cannot be read: the plan stands, without its truth row
      }
    }
  }
  return a;
}

std::string record_fit(const std::string& path, const FitDocument& fit) {
  try {
    Store store = Store::open(path);
    store.add_document(fit.to_document(static_cast<std::uint32_t>(store.contents().batches.size()),
                                       static_cast<double>(std::time(nullptr))));
    store.close();
    return "";
  } catch (const StoreError& e) {
    return e.what();
  }
}

}  // namespace t2
