// law_flags.cpp — the shared law flags (see law_flags.hpp).
#include "orchestrator/cli/law_flags.hpp"

#include <cmath>
#include <iostream>

#include <fmt/format.h>

#include "orchestrator/analysis/analysis.hpp"
#include "orchestrator/cli/cli_util.hpp"
#include "orchestrator/cli/command.hpp"
#include "orchestrator/design/design.hpp"
#include "orchestrator/design/design_space.hpp"
#include "orchestrator/store/store.hpp"

namespace t2 {

void add_fit_flags(boost::program_options::options_description& o, const std::string& default_law) {
  namespace po = boost::program_options;
  o.add_options()
    ("law", po::value<std::string>()->default_value(default_law),
     "law to fit: chinchilla | t2-loss | t2-accuracy | auto (choose the t2-accuracy variant with the lowest hold-out "
     "error on the most over-trained runs, t2-loss beside it; --lhat and --method are then the candidates')")
    ("source", po::value<std::string>()->default_value("likelihood"),
     "where pass@k comes from: likelihood (p = exp(-NLL), the paper's) | sampled (c of n, Chen et al.)")
    ("task", po::value<std::string>()->default_value(""), "task to fit (default: the only task)")
    ("lhat", po::value<std::string>()->default_value("answer_nll"),
     "t2-accuracy: what Lhat is fitted to: answer_nll (the paper's) | train_loss")
    ("method", po::value<std::string>()->default_value("automatic"),
     "t2-accuracy: theta fit: automatic (beta_binomial when every problem has samples) | two_stage | beta_binomial | "
     "moments (the adaptive design's fast estimator: per-run moments of p, schemas/laws.md)")
    ("lhat-weights", po::value<std::string>()->default_value("equal"),
     "t2-accuracy: Lhat's weights: equal | inverse_variance (across isoFLOP groups, App. F; schemas/laws.md)")
    ("lhat-huber", po::value<double>()->default_value(1e-3),
     "t2-accuracy with --lhat train_loss: Approach 3's Huber delta on log residuals (1e-3 Hoffmann's; the "
     "adaptive design uses 1, plain least squares)")
    ("k-fit-max", po::value<double>()->default_value(1024), "largest k of the likelihood source's k grid 1, 2, 4, ...")
    ("locality", po::value<double>(),
     "t2-accuracy: a local fit: runs weighted exp(-z^2/2), z = log10(6ND / C_train) / DECADES, centred on the plan's "
     "training budget (default: [target] fit_locality, else 0 = off, the paper's fit; schemas/laws.md)")
    // Signed types: Boost reads "-3" into an unsigned option as 2^32 - 3 without complaint.
    ("bootstrap", po::value<long long>()->default_value(0), "bootstrap refits for intervals (0 = none)")
    ("seed", po::value<long long>()->default_value(1), "bootstrap seed (>= 0)")
    ("threads", po::value<int>()->default_value(0), "worker threads (0 = all cores)")
    ("holdout", po::value<std::string>(),
     "RULE: fit on the runs RULE does not match, report the error predicting those it matches; RULE = FIELD OP "
     "NUMBER [&& ...], FIELD tokens_per_param|flops|n|d, OP < <= > >= == != (e.g. tokens_per_param>100)")
    ("strict", "exit 1 when any warning is raised (the output is printed first)");
}

FitFlags read_fit_flags(const boost::program_options::variables_map& vm) {
  FitFlags f;
  std::vector<std::string> problems;
  auto str = [&](const char* k) { return vm[k].as<std::string>(); };
  f.fit.law = str("law");
  try {
    if (f.fit.law != "auto") law_by_name(f.fit.law);
  } catch (const std::invalid_argument&) {
    problems.push_back(fmt::format("--law {}: expected chinchilla, t2-loss, t2-accuracy or auto", f.fit.law));
  }
  try {
    f.fit.source = pass_source_from_string(str("source"));
  } catch (const std::invalid_argument&) {
    problems.push_back(fmt::format("--source {}: expected likelihood or sampled", str("source")));
  }
  try {
    f.fit.lhat = lhat_source_from_string(str("lhat"));
  } catch (const std::invalid_argument&) {
    problems.push_back(fmt::format("--lhat {}: expected answer_nll or train_loss", str("lhat")));
  }
  try {
    f.fit.method = accuracy_method_from_string(str("method"));
  } catch (const std::invalid_argument&) {
    problems.push_back(fmt::format("--method {}: expected automatic, two_stage, beta_binomial or moments", str("method")));
  }
  try {
    f.fit.lhat_weights = lhat_weights_from_string(str("lhat-weights"));
  } catch (const std::invalid_argument&) {
    problems.push_back(fmt::format("--lhat-weights {}: expected equal or inverse_variance", str("lhat-weights")));
  }
  f.fit.lhat_huber_delta = vm["lhat-huber"].as<double>();
  if (!(f.fit.lhat_huber_delta > 0) || !std::isfinite(f.fit.lhat_huber_delta))
    problems.push_back(fmt::format("--lhat-huber {}: must be a finite number > 0", f.fit.lhat_huber_delta));
  f.fit.k_max = vm["k-fit-max"].as<double>();
  if (!(f.fit.k_max >= 1)) problems.push_back(fmt::format("--k-fit-max {}: must be >= 1", f.fit.k_max));
  f.fit.threads = vm["threads"].as<int>();
  if (f.fit.threads < 0) problems.push_back(fmt::format("--threads {}: must be >= 0", f.fit.threads));
  f.task = str("task");
  auto bootstrap = vm["bootstrap"].as<long long>();
  if (bootstrap < 0 || bootstrap > 1000000)
    problems.push_back(fmt::format("--bootstrap {}: must be between 0 and 1000000", bootstrap));
  else f.bootstrap = static_cast<std::uint32_t>(bootstrap);
  auto seed = vm["seed"].as<long long>();
  if (seed < 0) problems.push_back(fmt::format("--seed {}: must be >= 0", seed));
  else f.seed = static_cast<std::uint64_t>(seed);
  if (vm.count("holdout")) f.holdout = str("holdout");
  f.strict = vm.count("strict") > 0;
  if (vm.count("locality")) {
    f.locality = vm["locality"].as<double>();
    if (!(*f.locality >= 0 && *f.locality <= 10))
      problems.push_back(fmt::format("--locality {}: must be between 0 (off) and 10 decades", *f.locality));
  }
  if (!problems.empty()) throw InputError(problems);
  return f;
}

AnalysisRequest fit_request(const FitFlags& flags) {
  AnalysisRequest rq;
  rq.fit = flags.fit;
  rq.bootstrap = flags.bootstrap;
  rq.seed = flags.seed;
  rq.holdout = flags.holdout;
  rq.locality = flags.locality;
  return rq;
}

LoadedInputs load_command_inputs(const boost::program_options::variables_map& vm, const std::string& task) {
  const std::string input = vm["input"].as<std::string>();
  if (!vm.count("as-of-batch")) return load_law_inputs(input, task);
  long long b = vm["as-of-batch"].as<long long>();
  if (b < 0 || b > 100000000) throw InputError({fmt::format("--as-of-batch {}: must be a batch index >= 0", b)});
  StoreContents all = read_store(input);
  // The design's lag (design.hpp): batch B was planned from batches < B - lag.
  std::uint32_t lag = 1;
  if (!all.config_text.empty()) {
    try {
      lag = make_design(parse_sweep_config(all.config_text, all.config_file))->lag();
    } catch (const std::exception&) {
      // an unreadable or imported config: law_inputs_from_store says why below; lag 1 is the adaptive design's
    }
  }
  return law_inputs_from_store(visible_to_plan(all, static_cast<std::uint32_t>(b), lag), input, task);
}

int report_law_error(const std::string& command, const std::exception& e) {
  if (dynamic_cast<const HoldoutRuleError*>(&e) || dynamic_cast<const RequestError*>(&e)) {
    std::cerr << fmt::format("t2 {}: error: {}\n", command, e.what());
    return kExitUsage;
  }
  return report_error(command, e);
}

int strict_exit(const std::string& command, bool strict, std::size_t warnings) {
  if (!strict || warnings == 0) return kExitOk;
  std::cerr << fmt::format("t2 {}: --strict: {} warning{} raised\n", command, warnings, warnings == 1 ? "" : "s");
  return kExitFailure;
}

}  // namespace t2
