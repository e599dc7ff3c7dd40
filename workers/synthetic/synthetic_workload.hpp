// synthetic_workload.hpp — the `synthetic` backend: draws training losses and per-sample
// outcomes from a ground-truth law given in the config, for tests and for simulating sweeps
// far larger than the machine. Settings are documented in schemas/sweep-config.md.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "workers/factory.hpp"
#include "workers/synthetic/truth_model.hpp"
#include "contract/toml_reader.hpp"
#include "contract/workload.hpp"

namespace t2 {

std::unique_ptr<Workload> make_synthetic_workload(TableReader& settings, const WorkloadConfig& config);
// Reads and checks [workload.synthetic]. `seed`: the sweep seed (v2 draws the problems from it);
// `grid`: the sweep's candidate (N, D) points, for the check that the v2 link is not degenerate
// on them (empty: no such check). Throws ConfigError naming file, line, key and value.
SyntheticTruth read_synthetic_truth(TableReader& settings, std::uint64_t seed = 1,
                                    const std::vector<std::array<double, 2>>& grid = {});
// The truth of a sweep's [workload] (backend must be "synthetic"), as its workers use it.
SyntheticTruth synthetic_truth_of(const WorkloadConfig& config);

class SyntheticWorkload final : public Workload {
 public:
  explicit SyntheticWorkload(SyntheticTruth truth) : truth_(truth) {}
  std::string name() const override { return "synthetic"; }
  TrainResult train(const TrainSpec& spec, const CancelFlag& cancel) override;
  EvalResult evaluate(const EvalSpec& spec, const CancelFlag& cancel) override;
  bool quick() const override { return truth_.flops_per_second <= 0; }
  const SyntheticTruth& truth() const { return truth_; }

 private:
  void simulate_duration(double flops, const CancelFlag& cancel) const;
  void evaluate_irt(const EvalSpec& spec, double loss, EvalResult& e) const;
  SyntheticTruth truth_;
};

}  // namespace t2
