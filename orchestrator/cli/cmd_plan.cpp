// cmd_plan.cpp — `t2 plan STORE|CSV`: fits a law (by default `--law auto`: the accuracy-law
// variant with the lowest hold-out error), then finds the compute-optimal (N*, D*, k*) for a
// deployment (paper §3.3, Eq. 1-2; or end to end C = 6ND + 2N T k Q) beside the Chinchilla choice,
// optionally over a range of budgets (--frontier) and with bootstrap intervals. With no budget
// flags it plans for the store's [target]; bounds: flags, else [target], else the data widened
// (analysis/plan_target.hpp). Every warning is printed; an infeasible plan exits 1.
#include <algorithm>
#include <iostream>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "orchestrator/analysis/analysis.hpp"
#include "orchestrator/analysis/law_report.hpp"
#include "orchestrator/cli/cli_util.hpp"
#include "orchestrator/cli/command.hpp"
#include "orchestrator/cli/law_flags.hpp"

namespace t2 {

namespace po = boost::program_options;

namespace {
// "FROM:TO:STEPS" -> budgets; InputError on anything else.
void parse_frontier(const std::string& s, double& from, double& to, int& steps) {
  auto a = s.find(':'), b = s.find(':', a == std::string::npos ? a : a + 1);
  try {
    if (a == std::string::npos || b == std::string::npos) throw std::invalid_argument("shape");
    std::size_t used = 0;
    from = std::stod(s.substr(0, a), &used);
    to = std::stod(s.substr(a + 1, b - a - 1));
    steps = std::stoi(s.substr(b + 1));
  } catch (const std::exception&) {
    throw InputError({fmt::format("--frontier {}: expected FROM:TO:STEPS, e.g. 1e18:1e24:13", s)});
  }
  if (!(from > 0 && to >= from && steps >= 1))
    throw InputError({fmt::format("--frontier {}: need 0 < FROM <= TO and STEPS >= 1", s)});
}

// The deployment of the budget flags: the split form, the end-to-end form, or none (the
// store's [target]). A budget --frontier sweeps may be left out (0 here).
std::optional<Deployment> deployment_of(const po::variables_map& vm, bool split, bool e2e) {
  std::optional<Deployment> dep;
  if (split) {
    dep.emplace();
    dep->train_flops = vm.count("train-budget") ? vm["train-budget"].as<double>() : 0.0;
    dep->inference_flops = vm["inference-budget"].as<double>();
  } else if (e2e) {
    dep.emplace();
    dep->form = Deployment::Form::end_to_end;
    dep->total_flops = vm.count("budget") ? vm["budget"].as<double>() : 0.0;
    dep->queries = vm["queries"].as<double>();
    dep->tokens_per_sample = vm["tokens-per-sample"].as<double>();
  }
  return dep;
}

BoundsFlags bounds_of(const po::variables_map& vm) {
  BoundsFlags bf;
  auto opt = [&](const char* k) { return vm.count(k) ? std::optional<double>(vm[k].as<double>()) : std::nullopt; };
  bf.k_max = opt("k-max"), bf.n_min = opt("n-min"), bf.n_max = opt("n-max"), bf.d_min = opt("d-min"), bf.d_max = opt("d-max");
  return bf;
}

// The budget and bound flags are checked before the fit (which may take a while with
// --bootstrap), by name; every bad one is reported (InputError).
void check_plan_flags(const po::variables_map& vm, const std::optional<Deployment>& dep, const BoundsFlags& bf) {
  std::vector<std::string> bad;
  auto need = [&](bool ok, const char* flag, const std::string& problem) {
    if (!ok) bad.push_back(fmt::format("--{} {:g}: {}", flag, vm[flag].as<double>(), problem));
  };
  if (dep && dep->form == Deployment::Form::split) {
    if (vm.count("train-budget")) need(dep->train_flops > 0, "train-budget", "must be > 0 FLOPs");
    need(dep->inference_flops >= 0, "inference-budget", "must be >= 0 FLOPs per served token");
  } else if (dep) {
    if (vm.count("budget")) need(dep->total_flops > 0, "budget", "must be > 0 FLOPs");
    need(dep->queries >= 0, "queries", "must be >= 0");
    need(dep->tokens_per_sample >= 0, "tokens-per-sample", "must be >= 0");
  }
  if (bf.n_min) need(*bf.n_min > 0, "n-min", "must be > 0");
  if (bf.n_max) need(*bf.n_max >= bf.n_min.value_or(0) && *bf.n_max > 0, "n-max", "must be >= --n-min");
  if (bf.d_min) need(*bf.d_min > 0, "d-min", "must be > 0");
  if (bf.d_max) need(*bf.d_max >= bf.d_min.value_or(0) && *bf.d_max > 0, "d-max", "must be >= --d-min");
  if (bf.k_max) need(*bf.k_max >= 1, "k-max", "must be >= 1");
  if (!bad.empty()) throw InputError(bad);
}

void add_plan_flags(po::options_description& opts) {
  opts.add_options()("input", po::value<std::string>(), "STORE (.h5) or CSV (.csv)")
    ("train-budget", po::value<double>(), "split form: C_train, training FLOPs (6ND)")
    ("inference-budget", po::value<double>(), "split form: C_inf, inference FLOPs per served token (2Nk); 0 = k = 1")
    ("budget", po::value<double>(), "end-to-end form: total FLOPs C = 6ND + 2N T k Q")
    ("queries", po::value<double>(), "end-to-end form: Q, queries served")
    ("tokens-per-sample", po::value<double>(), "end-to-end form: T, tokens per sample (prompt + answer)")
    ("k-max", po::value<double>(), "largest samples per query k (default: [target] k_max, else the largest k fitted)")
    ("n-min", po::value<double>(), "smallest model, parameters (default: [target] n_min, else the smallest run's N / 10)")
    ("n-max", po::value<double>(), "largest model, parameters (default: [target] n_max, else the largest run's N x 10)")
    ("d-min", po::value<double>(), "fewest training tokens (default: the smallest run's D / 10)")
    ("d-max", po::value<double>(), "most training tokens (default: the largest run's D x 10)")
    ("frontier", po::value<std::string>(), "FROM:TO:STEPS: optimum over log-spaced budgets (C_train, or C end to end)")
    ("as-of-batch", po::value<long long>(),
     "B: use only the results the sweep's design could see when it planned batch B (batches < B - lag), to "
     "audit a design document (schemas/design.md) with the same data")
    ("json", "machine-readable output (schemas/laws.md)");
  add_fit_flags(opts, "auto");
}

int plan_command(const std::vector<std::string>& args) {
  po::options_description opts("options");
  add_plan_flags(opts);
  po::positional_options_description pos;
  pos.add("input", 1);
  po::variables_map vm;
  const char* usage =
      "STORE|CSV [--train-budget C --inference-budget C_inf | --budget C --queries Q --tokens-per-sample T]\n"
      "               [--law auto|NAME] [--holdout RULE] [--k-max K] [--frontier FROM:TO:STEPS] [--strict] [--json]";
  int rc = parse_args("plan", usage,
                      "Fits a law (as `t2 fit`) and plans the compute-optimal model size N*, training tokens D*\n"
                      "and samples per query k* (k continuous, and the best integer k), beside the Chinchilla\n"
                      "choice for the same training spend. --bootstrap B adds intervals of the plan. Without budget\n"
                      "flags it plans for the store's [target]. Bounds: the flags, else [target], else the runs'\n"
                      "range widened 10x. Every warning is printed (--strict: exit 1 on any); a plan with no\n"
                      "feasible allocation exits 1; a --holdout RULE that does not parse exits 2.",
                      opts, pos, args, vm);
  if (rc >= 0) return rc;
  bool split = vm.count("train-budget") || vm.count("inference-budget");
  bool e2e = vm.count("budget") || vm.count("queries") || vm.count("tokens-per-sample");
  // --frontier sweeps the budget itself (C_train, or C end to end), so it may stand in for it.
  bool frontier = vm.count("frontier") > 0;
  // No budget flags: the store's [target]. Some but not a whole form: a usage error.
  if (!vm.count("input") || (split && e2e) ||
      (split && ((!vm.count("train-budget") && !frontier) || !vm.count("inference-budget"))) ||
      (e2e && ((!vm.count("budget") && !frontier) || !vm.count("queries") || !vm.count("tokens-per-sample"))))
    return usage_error("plan", usage,
                       "need STORE|CSV and at most one of: --train-budget with --inference-budget, or --budget with "
                       "--queries and --tokens-per-sample (none: the store's [target]; with --frontier, the budget it "
                       "sweeps may be left out)");
  try {
    FitFlags flags = read_fit_flags(vm);
    AnalysisRequest rq = fit_request(flags);
    rq.plan = true;
    rq.deployment = deployment_of(vm, split, e2e);
    rq.bounds = bounds_of(vm);
    double from = 0, to = 0;
    int steps = 0;
    if (frontier) parse_frontier(vm["frontier"].as<std::string>(), from, to, steps);
    check_plan_flags(vm, rq.deployment, rq.bounds);
    if (frontier) rq.frontier = FrontierRange{from, to, steps};
    Analysis a = analyse(load_command_inputs(vm, flags.task), rq);
    if (vm.count("json")) std::cout << analysis_to_json(a).dump(2) << "\n";
    else std::cout << render_analysis(a);
    bool infeasible = a.plan ? !a.plan->best.feasible
                             : std::none_of(a.frontier.begin(), a.frontier.end(), [](const Plan& p) { return p.best.feasible; });
    if (infeasible) {
      std::cerr << "t2 plan: error: no feasible allocation within the bounds for this deployment (see the infeasible "
                   "warning); widen them with --n-min/--n-max/--d-min/--d-max/--k-max\n";
      return kExitFailure;
    }
    return strict_exit("plan", flags.strict, a.warnings.size());
  } catch (const std::exception& e) {  // InputError: one line per bad row
    return report_law_error("plan", e);
  }
}

}  // namespace

extern const Command kPlanCommand{"plan", "compute-optimal (N, D, k) for a training and inference budget", plan_command};

}  // namespace t2
