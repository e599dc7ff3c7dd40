// builtin_workload.hpp — the `builtin` backend: trains the native transformer (model.hpp,
// trainer.hpp) on the synthetic tasks (tasks.hpp) and evaluates it with the KV-cached sampler
// (sampler.hpp). Owns the [workload.builtin] settings (schemas/workload-builtin.md) and the
// mapping between the job contract (contract/job.hpp) and the trainer; no training math here.
#pragma once

#include <memory>
#include <string>

#include "workers/builtin/data.hpp"
#include "workers/builtin/model.hpp"
#include "workers/builtin/sampler.hpp"
#include "workers/builtin/trainer.hpp"
#include "contract/toml_reader.hpp"
#include "contract/workload.hpp"

namespace t2::builtin {

// Every [workload.builtin] setting, with its default (units and ranges in the schema).
struct BuiltinSettings {
  std::vector<std::string> tasks = {"arithmetic", "spatial", "knowledge"};  // training mixture
  int max_digits = 3;                                                  // arithmetic operands have 1..max_digits digits
  std::vector<std::string> arithmetic_kinds = {"add", "mul", "word"};  // arithmetic problems to generate
  int entities = 256;                                                  // knowledge table size
  std::uint64_t knowledge_seed = 20240601;                             // the knowledge table (same for every run)
  std::uint64_t problem_seed = 0;        // which held-out problems an eval draws (same for every run)
  int context = 128;                     // tokens per sequence
  ParamCount count = ParamCount::total;  // which parameters N counts
  double aspect = 48;                    // preferred d_model / layers of the size ladder
  TrainOptions train;                    // optimiser, batch, threads, checkpoint interval
  std::string data_file;                 // optional uint16 token file ("" = tasks only)
  double data_fraction = 0.5;            // share of training rows from data_file
  int max_new_tokens = 24;               // generation limit per sample
  std::string file;                      // the config file, for messages
};

// The task generators' options these settings describe.
TaskOptions task_options(const BuiltinSettings& s);
// Reads and range-checks the table (ConfigError names file, line, key and value), then finish().
BuiltinSettings read_builtin_settings(TableReader& r);

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
