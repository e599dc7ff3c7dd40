// cmd_plan.cpp — `t2 plan STORE|CSV`: fits a law, then finds the compute-optimal (N*, D*, k*) for a
// deployment (paper §3.3, Eq. 1-2; or end to end C = 6ND + 2N T k Q), beside the Chinchilla choice,
// optionally over a range of budgets (--frontier) and with bootstrap intervals.
#include <iostream>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "orchestrator/cli/cli_util.hpp"
#include "orchestrator/cli/command.hpp"
#include "orchestrator/cli/law_inputs.hpp"

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

int plan_command(const std::vector<std::string>& args) {
  po::options_description opts("options");
  opts.add_options()("help,h", "this help")("input", po::value<std::string>(), "STORE (.h5) or CSV (.csv)")
    ("train-budget", po::value<double>(), "split form: C_train, training FLOPs (6ND)")
    ("inference-budget", po::value<double>(), "split form: C_inf, inference FLOPs per served token (2Nk); 0 = k = 1")
    ("budget", po::value<double>(), "end-to-end form: total FLOPs C = 6ND + 2N T k Q")
    ("queries", po::value<double>(), "end-to-end form: Q, queries served")
    ("tokens-per-sample", po::value<double>(), "end-to-end form: T, tokens per sample (prompt + answer)")
    ("k-max", po::value<double>()->default_value(1e4), "largest samples per query k")
    ("n-min", po::value<double>()->default_value(1e6), "smallest model, parameters")
    ("n-max", po::value<double>()->default_value(1e13), "largest model, parameters")
    ("d-min", po::value<double>()->default_value(1e6), "fewest training tokens")
    ("d-max", po::value<double>()->default_value(1e16), "most training tokens")
    ("frontier", po::value<std::string>(), "FROM:TO:STEPS: optimum over log-spaced budgets (C_train, or C end to end)")
    ("json", "machine-readable output (schemas/laws.md)");
  add_fit_flags(opts);
  po::positional_options_description pos;
  pos.add("input", 1);
  po::variables_map vm;
  const char* usage =
      "usage: t2 plan STORE|CSV (--train-budget C --inference-budget C_inf | --budget C --queries Q --tokens-per-sample T)\n"
      "               [--law NAME] [--k-max K] [--frontier FROM:TO:STEPS] [--json]";
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "t2 plan: " << e.what() << "\n" << usage << "\n";
    return kExitUsage;
  }
  if (vm.count("help")) {
    std::cout << usage << "\n\nFits a law (as `t2 fit`) and plans the compute-optimal model size N*, training tokens D*\n"
                          "and samples per query k* (k continuous, and the best integer k), beside the Chinchilla\n"
                          "choice for the same training spend. --bootstrap B adds intervals of the plan.\n\n"
              << opts << "\n";
    return kExitOk;
  }
  bool split = vm.count("train-budget") || vm.count("inference-budget");
  bool e2e = vm.count("budget") || vm.count("queries") || vm.count("tokens-per-sample");
  // --frontier sweeps the budget itself (C_train, or C end to end), so it may stand in for it.
  bool frontier = vm.count("frontier") > 0;
  if (!vm.count("input") || split == e2e ||
      (split && ((!vm.count("train-budget") && !frontier) || !vm.count("inference-budget"))) ||
      (e2e && ((!vm.count("budget") && !frontier) || !vm.count("queries") || !vm.count("tokens-per-sample")))) {
    std::cerr << "t2 plan: need STORE|CSV and exactly one of: --train-budget with --inference-budget, or --budget with "
                 "--queries and --tokens-per-sample (with --frontier, the budget it sweeps may be left out)\n"
              << usage << "\n";
    return kExitUsage;
  }
  try {
    FitFlags flags = read_fit_flags(vm);
    Deployment dep;
    if (split) {
      dep.train_flops = vm.count("train-budget") ? vm["train-budget"].as<double>() : 0.0;
      dep.inference_flops = vm["inference-budget"].as<double>();
    } else {
      dep.form = Deployment::Form::end_to_end;
      dep.total_flops = vm.count("budget") ? vm["budget"].as<double>() : 0.0;
      dep.queries = vm["queries"].as<double>();
      dep.tokens_per_sample = vm["tokens-per-sample"].as<double>();
    }
    PlanBounds b;
    b.k_max = vm["k-max"].as<double>();
    b.n_min = vm["n-min"].as<double>(), b.n_max = vm["n-max"].as<double>();
    b.d_min = vm["d-min"].as<double>(), b.d_max = vm["d-max"].as<double>();
    double from = 0, to = 0;
    int steps = 0;
    if (vm.count("frontier")) parse_frontier(vm["frontier"].as<std::string>(), from, to, steps);
    // The flags are checked before the fit (which may take a while with --bootstrap), by name.
    std::vector<std::string> bad;
    auto need = [&](bool ok, const char* flag, const char* problem) {
      if (!ok) bad.push_back(fmt::format("--{} {:g}: {}", flag, vm[flag].as<double>(), problem));
    };
    if (split) {
      if (vm.count("train-budget")) need(dep.train_flops > 0, "train-budget", "must be > 0 FLOPs");
      need(dep.inference_flops >= 0, "inference-budget", "must be >= 0 FLOPs per served token");
    } else {
      if (vm.count("budget")) need(dep.total_flops > 0, "budget", "must be > 0 FLOPs");
      need(dep.queries >= 0, "queries", "must be >= 0");
      need(dep.tokens_per_sample >= 0, "tokens-per-sample", "must be >= 0");
    }
    need(b.n_min > 0, "n-min", "must be > 0");
    need(b.n_max >= b.n_min, "n-max", "must be >= --n-min");
    need(b.d_min > 0, "d-min", "must be > 0");
    need(b.d_max >= b.d_min, "d-max", "must be >= --d-min");
    need(b.k_max >= b.k_min, "k-max", fmt::format("must be >= {:g}", b.k_min).c_str());
    if (!bad.empty()) throw InputError(bad);

    LoadedInputs in = load_law_inputs(vm["input"].as<std::string>(), flags.task);
    if (in.data.outcomes.empty() && flags.fit.law != "chinchilla")
      throw InputError({fmt::format("{}: no task results (per-problem outcomes) to fit --law {} to; --law chinchilla "
                                    "fits the training losses alone", in.inputs.path, flags.fit.law)});
    BootstrapOptions bo;
    bo.replicates = flags.bootstrap;
    bo.seed = flags.seed;
    bo.threads = flags.fit.threads;
    LawFit r = flags.bootstrap > 0 ? fit_with_bootstrap(in.data, flags.fit, bo) : fit_law(in.data, flags.fit);
    const ChinchillaParams* ref = r.has_reference ? &r.reference.params : nullptr;
    nlohmann::json j;
    j["fit"] = fit_to_json(r, in.inputs, flags.bootstrap > 0 ? &bo : nullptr);
    if (vm.count("frontier")) {
      std::vector<Plan> f = plan_frontier(r.law, dep, from, to, steps, b, ref);
      j["frontier"] = nlohmann::json::array();
      for (const Plan& p : f) j["frontier"].push_back(plan_to_json(p, r.law, b, nullptr));
      if (vm.count("json")) std::cout << j.dump(2) << "\n";
      else std::cout << render_frontier(f, r.law);
    } else {
      Plan p = plan(r.law, dep, b, ref);
      PlanIntervals iv;
      if (!r.bootstrap.replicates.empty()) iv = plan_intervals(r.law, r.bootstrap.replicates, p, b, 0.95, flags.fit.threads);
      j["plan"] = plan_to_json(p, r.law, b, &iv);
      if (vm.count("json")) std::cout << j.dump(2) << "\n";
      else std::cout << render_plan(p, r.law, &iv);
    }
    return kExitOk;
  } catch (const std::exception& e) {  // InputError: one line per bad row
    return report_error("plan", e);
  }
}

}  // namespace

extern const Command kPlanCommand{"plan", "compute-optimal (N, D, k) for a training and inference budget", plan_command};

}  // namespace t2
