// cmd_predict.cpp — `t2 predict STORE|CSV --at N,D[,k] ...`: fits a law as `t2 fit` does (by default
// `--law auto`, the law `t2 plan` plans with) and evaluates it at the given points, with bootstrap
// intervals when --bootstrap B > 0 and an extrapolation warning for points outside the fitted runs.
// Writes nothing to the store.
#include <cstdlib>
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

// "N,D" or "N,D,k" -> a point. Not numbers: a usage error (RequestError, exit 2); N <= 0, D <= 0
// or k < 1: InputError (exit 1).
LawInput parse_point(const std::string& s) {
  std::vector<double> v;
  std::size_t pos = 0;
  while (true) {
    std::size_t comma = s.find(',', pos);
    std::string part = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    char* end = nullptr;
    double x = std::strtod(part.c_str(), &end);
    if (part.empty() || end != part.c_str() + part.size())
      throw RequestError(fmt::format("--at {}: '{}' is not a number (expected N,D or N,D,k, e.g. 1e8,2e9,4)", s, part));
    v.push_back(x);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  if (v.size() != 2 && v.size() != 3)
    throw RequestError(fmt::format("--at {}: expected N,D or N,D,k (got {} values)", s, v.size()));
  LawInput x{v[0], v[1], v.size() == 3 ? v[2] : 1.0};
  std::vector<std::string> bad;
  if (!(x.n > 0) || !std::isfinite(x.n)) bad.push_back(fmt::format("--at {}: N = {:g} must be a finite number > 0", s, x.n));
  if (!(x.d > 0) || !std::isfinite(x.d)) bad.push_back(fmt::format("--at {}: D = {:g} must be a finite number > 0", s, x.d));
  if (!(x.k >= 1) || !std::isfinite(x.k)) bad.push_back(fmt::format("--at {}: k = {:g} must be a finite number >= 1", s, x.k));
  if (!bad.empty()) throw InputError(bad);
  return x;
}

int predict_command(const std::vector<std::string>& args) {
  po::options_description opts("options");
  opts.add_options()("input", po::value<std::string>(), "STORE (.h5) or CSV (.csv)")(
      "at", po::value<std::vector<std::string>>(), "N,D[,k]: a point to evaluate the law at (repeatable)")(
      "json", "machine-readable output (schemas/laws.md)");
  add_fit_flags(opts, "auto");
  po::positional_options_description pos;
  pos.add("input", 1);
  po::variables_map vm;
  const char* usage = "STORE|CSV --at N,D[,k] [--at ...] [--law auto|NAME] [--bootstrap B] [--strict] [--json]";
  int rc = parse_args("predict", usage,
                      "Fits a law (as `t2 fit`; default --law auto, as `t2 plan`) and prints its prediction at\n"
                      "each --at point (k defaults to 1), with bootstrap intervals when --bootstrap B > 0. Points\n"
                      "outside the fitted runs are flagged. Nothing is written to the store.",
                      opts, pos, args, vm);
  if (rc >= 0) return rc;
  if (!vm.count("input") || !vm.count("at"))
    return usage_error("predict", usage, "need STORE|CSV and at least one --at N,D[,k]");
  try {
    FitFlags flags = read_fit_flags(vm);
    std::vector<LawInput> points;
    for (const std::string& s : vm["at"].as<std::vector<std::string>>()) points.push_back(parse_point(s));
    LoadedInputs in = load_command_inputs(vm, flags.task);
    Analysis a = analyse(in, fit_request(flags));
    const FittedLaw& law = a.fit.law;
    const bool uses_k = law.law->uses_k();
    nlohmann::json pj = nlohmann::json::array();
    std::string text = fmt::format("predictions of {} ({})\n  {:>11} {:>11} {:>9} {:>14}{}\n", law.law->name(), law.law->quantity(),
                                   "N", "D", "k", "predicted", a.fit.bootstrap.replicates.empty() ? "" : "   95% interval");
    for (const LawInput& x : points) {
      double y = law.score(x.n, x.d, uses_k ? x.k : 1.0);
      nlohmann::json p = {{"N", x.n}, {"D", x.d}, {"k", x.k}, {"predicted", std::isfinite(y) ? nlohmann::json(y) : nlohmann::json(nullptr)}};
      text += fmt::format("  {:>11.4g} {:>11.4g} {:>9.4g} {:>14.6g}", x.n, x.d, x.k, y);
      if (!a.fit.bootstrap.replicates.empty()) {
        Interval iv = prediction_interval(law, a.fit.bootstrap.replicates, LawInput{x.n, x.d, uses_k ? x.k : 1.0});
        p["lo"] = iv.lo, p["hi"] = iv.hi;
        text += fmt::format("   [{:.6g}, {:.6g}]", iv.lo, iv.hi);
      }
      text += "\n";
      pj.push_back(p);
      append_warnings(a.warnings, point_warnings(x, a.range, uses_k));
    }
    if (vm.count("json")) {
      nlohmann::json j = {{"fit", fit_document(a)}, {"predictions", pj}, {"warnings", warnings_to_json(a.warnings)}};
      std::cout << j.dump(2) << "\n";
    } else {
      std::string s = render_fit(a.fit, a.inputs);
      if (a.selection) s = render_selection(*a.selection) + s;
      std::cout << s << text << render_warnings(a.warnings) << (a.warnings.empty() ? "no warnings\n" : "");
    }
    return strict_exit("predict", flags.strict, a.warnings.size());
  } catch (const std::exception& e) {
    return report_law_error("predict", e);
  }
}

}  // namespace

extern const Command kPredictCommand{"predict", "evaluate a fitted T² law at given (N, D, k)", predict_command};

}  // namespace t2
