// synthetic_sweep.hpp — a sweep run through the synthetic backend (workers/synthetic), as the
// sweep engine would store it, for the laws tests that need per-problem outcomes.
#pragma once

#include <cstdint>

#include "tests/laws/synth.hpp"
#include "contract/seed.hpp"
#include "workers/synthetic/synthetic_workload.hpp"

namespace t2 {

// levels x sizes runs of test::sweep_grid, each evaluated on `problems` problems x `samples`.
inline FitData synthetic_sweep(const SyntheticTruth& truth, std::uint32_t problems, std::uint32_t samples,
                               std::uint64_t seed, int levels = 6, int sizes = 8) {
  SyntheticWorkload w(truth);
  CancelFlag cancel{false};
  FitData data;
  data.task = "arith";
  std::uint32_t i = 0;
  for (auto [n, d] : test::sweep_grid(levels, sizes)) {
    TrainSpec ts;
    ts.index = i, ts.n_params = n, ts.n_tokens = d, ts.seed = mix_seed(seed, std::uint64_t{i});
    TrainResult tr = w.train(ts, cancel);
    EvalSpec es;
    es.index = i, es.run = i, es.n_params = n, es.n_tokens = d, es.run_loss = tr.final_loss, es.task = "arith";
    es.problems = problems, es.samples = samples, es.seed = mix_seed(seed, std::uint64_t{1000 + i});
    EvalResult er = w.evaluate(es, cancel);
    data.checkpoints.push_back({n, d, tr.final_loss, i});
    for (std::uint32_t q = 0; q < problems; ++q) {
      std::uint32_t c = 0;
      for (std::uint32_t s = 0; s < samples; ++s) c += er.correct[std::size_t(q) * samples + s];
      data.outcomes.push_back({i, q, samples, c, er.answer_nll[q]});
    }
    ++i;
  }
  return data;
}

}  // namespace t2
