// synthetic_workload.hpp — the `synthetic` backend: draws training losses and per-sample
// outcomes from a ground-truth law given in the config, for tests and for simulating sweeps
// far larger than the machine. Settings (synthetic_settings.hpp) are documented in
// schemas/sweep-config.md.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "contract/toml_reader.hpp"
#include "contract/workload.hpp"
#include "workers/synthetic/synthetic_settings.hpp"
#include "workers/synthetic/truth_model.hpp"
#include "workers/workload_settings.hpp"

namespace t2 {

// The backend for a [workload.synthetic] table (read with read_synthetic_truth).
std::unique_ptr<Workload> make_synthetic_workload(TableReader& settings, const WorkloadConfig& config);

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
