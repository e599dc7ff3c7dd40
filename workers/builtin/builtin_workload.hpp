// builtin_workload.hpp — the `builtin` backend: trains the native transformer (model.hpp,
// trainer.hpp) on the synthetic tasks (tasks.hpp) and evaluates it with the KV-cached sampler
// (sampler.hpp). Owns the mapping between the job contract (contract/job.hpp) and the trainer;
// no training math here. Its settings are builtin_settings.hpp.
#pragma once

#include <memory>
#include <string>

#include "workers/builtin/builtin_settings.hpp"
#include "workers/builtin/data.hpp"
#include "workers/builtin/model.hpp"
#include "workers/builtin/sampler.hpp"
#include "workers/builtin/trainer.hpp"
#include "contract/toml_reader.hpp"
#include "contract/workload.hpp"

namespace t2::builtin {

class BuiltinWorkload final : public Workload {
 public:
  explicit BuiltinWorkload(BuiltinSettings settings);
  std::string name() const override { return "builtin"; }
  // Writes run_dir/model.ckpt (an empty run_dir means a directory under the system temp dir);
  // resumes from it when present. Throws JobFailure(cancelled) after checkpointing on cancel.
  TrainResult train(const TrainSpec& spec, const CancelFlag& cancel) override;
  // Loads spec.checkpoint; for each of spec.problems held-out problems of spec.task, draws
  // spec.samples answers and scores the gold answer's NLL.
  EvalResult evaluate(const EvalSpec& spec, const CancelFlag& cancel) override;

  const BuiltinSettings& settings() const { return s_; }
  ModelShape shape_for(double n_params) const;

 private:
  BuiltinSettings s_;
  DataOptions data_options_;
  std::unique_ptr<DataStream> data_;
  // The last model an eval loaded: a run is usually evaluated on several tasks in a row.
  std::string loaded_path_;
  std::unique_ptr<Transformer<float>> loaded_;
};

}  // namespace t2::builtin

namespace t2 {
std::unique_ptr<Workload> make_builtin_workload(TableReader& settings);
}  // namespace t2
