// v2_scenario.hpp — what the v2-truth benches share (bench_design_v2, bench_ridge_oracle,
// bench_coverage): an example config with another seed (and strategy), and the paper's fit that
// every one of them measures N* with. Header-only; the benches link the libraries they name.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "orchestrator/config/sweep_config.hpp"
#include "orchestrator/laws/fit.hpp"

namespace t2::bench {

// examples/<name> from the source tree with `seed = 42` replaced by `seed` and, when `strategy` is
// given, `strategy = "adaptive"` by it. Exits naming the example and the text when either is missing
// (the benches' numbers are only meaningful for the example as committed).
inline SweepConfig example_config(const std::string& name, std::uint64_t seed, const std::string& strategy = "") {
  const std::string path = std::string(T2_SOURCE_DIR) + "/examples/" + name;
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  std::string text = s.str();
  auto replace = [&](const std::string& a, const std::string& b) {
    auto at = text.find(a);
    if (at == std::string::npos) {
      std::fprintf(stderr, "%s has no '%s'\n", path.c_str(), a.c_str());
      std::exit(1);
    }
    text.replace(at, a.size(), b);
  };
  replace("seed = 42", "seed = " + std::to_string(seed));
  if (!strategy.empty()) replace("strategy = \"adaptive\"", "strategy = \"" + strategy + "\"");
  return parse_sweep_config(text, "examples/" + name);
}

// The estimator every strategy's N* is measured with: the paper's fit (§3.2, `t2 plan --law
// t2-accuracy --method two_stage`: L̂ on the answer NLL, then the θ link), local when the example's
// [target] sets fit_locality (laws/locality.hpp), as `t2 plan STORE` of that sweep fits it.
inline FitOptions example_fit_options(const SweepConfig& c, int threads = 1) {  // threads 0 = all cores (FitOptions)
  FitOptions fo;
  fo.law = "t2-accuracy";
  fo.method = AccuracyMethod::two_stage;
  fo.threads = threads;
  if (c.target.fit_locality > 0) fo.locality = Locality{c.target.train_budget, c.target.fit_locality};
  return fo;
}

}  // namespace t2::bench
