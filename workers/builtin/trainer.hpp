// trainer.hpp — one training run of the built-in model: AdamW with decoupled weight decay,
// gradient clipping, linear warmup then cosine decay over exactly the run's D tokens, periodic
// checkpoints and resume. Owns the optimiser state and the checkpoint file format; the model is
// model.hpp's, the data data.hpp's. Knows nothing of the sweep's job contract (builtin_workload).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "workers/builtin/data.hpp"
#include "workers/builtin/model.hpp"

namespace t2::builtin {

// Optimisation settings ([workload.builtin], documented in schemas/workload-builtin.md).
struct TrainOptions {
  int batch_rows = 16;               // sequences per step (tokens per step = batch_rows * context)
  double lr = 3e-3;                  // peak learning rate (T² App. C.2 uses 3e-3)
  double final_lr_fraction = 0;      // the cosine ends at lr * this (T²: decay to zero)
  double warmup_per_param = 1.0;     // warmup tokens = this * N (T² / Porian: warmup = N tokens)
  double warmup_max_fraction = 0.1;  // ... but at most this fraction of D
  double beta1 = 0.9, beta2 = 0.95, eps = 1e-8;
  double weight_decay = 0.1;        // decoupled (AdamW), on weight matrices only
  double grad_clip = 1.0;           // global L2 norm (0 = off)
  int threads = 0;                  // 0 = every core this process may use
  int val_rows = 64;                // rows of held-out text for the final loss
  double checkpoint_seconds = 300;  // write a checkpoint at least this often (0 = only at the end)
  int curve_points = 32;            // points of the stored loss curve (<= 64)
};

struct TrainRun {
  ModelShape shape;
  double n_tokens = 0;  // D
  double n_params = 0;  // the N used for the warmup length
  std::uint64_t seed = 0;
  std::string checkpoint;  // path; empty = no checkpoints, no resume
};

struct TrainOutcome {
  double final_loss = 0;  // mean loss on the validation set (nats per token)
  double tokens_seen = 0;
  std::vector<float> loss_curve;  // mean training loss over each curve interval
  std::vector<float> curve_tokens;
  bool resumed = false;  // started from a checkpoint
  std::uint64_t steps = 0;
};

// Learning rate after `tokens` of `total` tokens: linear warmup over `warmup` tokens to `lr`,
// then cosine decay to lr * final_fraction at exactly `total` (Hoffmann et al. 2022 §3: a
// cosine longer than the run biases the fitted law).
double learning_rate(double tokens, double total, double warmup, double lr, double final_fraction);

// Thrown when `cancel` becomes true: a checkpoint has been written (if a path was given).
struct TrainCancelled {};

// Trains from scratch, or from run.checkpoint when it exists and belongs to the same run (shape,
// D, seed); a checkpoint of a finished run is only re-evaluated. Checks `cancel` every step.
TrainOutcome train_model(const TrainRun& run, const TrainOptions& options, const DataStream& data,
                         const std::atomic<bool>& cancel, const std::function<void(const std::string&)>& log = nullptr);

// Checkpoint file: "T2BUILTIN1\n", a header of int64 fields (vocab, context, layers, d_model,
// heads, step, steps_total, seed, curve length) and doubles (D, tokens seen, curve sums...), then
// float32 params, AdamW m, AdamW v. Layout in schemas/workload-builtin.md.
struct Checkpoint {
  ModelShape shape;
  std::uint64_t step = 0, steps_total = 0, seed = 0;
  double n_tokens = 0, tokens_seen = 0;
  std::vector<float> curve_loss, curve_tokens;  // completed curve points
  double curve_sum = 0;                         // partial sum of the current interval
  std::uint64_t curve_count = 0;
  double final_loss = -1;  // set once training finished
  std::vector<float> params, m, v;
};
void write_checkpoint(const std::string& path, const Checkpoint& c);              // atomic (write + rename)
Checkpoint read_checkpoint(const std::string& path, bool with_optimizer = true);  // throws runtime_error

}  // namespace t2::builtin
