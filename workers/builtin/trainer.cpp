// trainer.cpp — the training loop, AdamW, the schedule and checkpoints (see trainer.hpp).
// One step: batch -> forward -> backward -> clip -> AdamW update, as in llm.c's train_gpt2.c.
#include "workers/builtin/trainer.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "workers/builtin/layers.hpp"
#include "workers/builtin/new_file.hpp"
#include "workers/builtin/parallel.hpp"
#include "contract/seed.hpp"

namespace t2::builtin {

// The validation set is the same for every run of a sweep, so final losses are comparable.
constexpr std::uint64_t kValidationSeed = 0x76616c6964ull;

double learning_rate(double tokens, double total, double warmup, double lr, double final_fraction) {
  if (warmup > 0 && tokens < warmup) return lr * (tokens + 1) / warmup;
  double span = std::max(1.0, total - warmup);
  double progress = std::clamp((tokens - warmup) / span, 0.0, 1.0);
  double cosine = 0.5 * (1.0 + std::cos(M_PI * progress));
  return lr * (final_fraction + (1.0 - final_fraction) * cosine);
}

// ---------------------------------------------------------------------------------------------
// Checkpoint file

namespace {
const char kMagic[] = "T2BUILTIN1\n";

// Writes to the checkpoint's .tmp (new_file.hpp: created O_EXCL | O_NOFOLLOW, so a link planted
// in the run directory is refused, never written through); ferror() is checked at commit.
template <class T>
void put(std::FILE* out, const T& v) {
  std::fwrite(&v, sizeof v, 1, out);
}
template <class T>
void get(std::ifstream& in, T& v, const std::string& path) {
  in.read(reinterpret_cast<char*>(&v), sizeof v);
  if (!in) throw std::runtime_error(path + ": truncated checkpoint");
}
void put_floats(std::FILE* out, const std::vector<float>& v) {
  put(out, std::int64_t(v.size()));
  std::fwrite(v.data(), sizeof(float), v.size(), out);
}
void get_floats(std::ifstream& in, std::vector<float>& v, const std::string& path, std::int64_t expect = -1) {
  std::int64_t n;
  get(in, n, path);
  if (n < 0 || n > (std::int64_t(1) << 34) || (expect >= 0 && n != expect))
    throw std::runtime_error(path + ": checkpoint array of " + std::to_string(n) + " floats, expected " +
                             std::to_string(expect));
  v.resize(std::size_t(n));
  in.read(reinterpret_cast<char*>(v.data()), std::streamsize(n * sizeof(float)));
  if (!in) throw std::runtime_error(path + ": truncated checkpoint");
}
}  // namespace

void write_checkpoint(const std::string& path, const Checkpoint& c) {
  std::FILE* out = create_temp_for(path);
  {
    std::fwrite(kMagic, 1, sizeof kMagic - 1, out);
    for (std::int64_t v : {std::int64_t(c.shape.vocab), std::int64_t(c.shape.context), std::int64_t(c.shape.layers),
                           std::int64_t(c.shape.d_model), std::int64_t(c.shape.heads)})
      put(out, v);
    put(out, c.step);
    put(out, c.steps_total);
    put(out, c.seed);
    put(out, c.curve_count);
    put(out, c.n_tokens);
    put(out, c.tokens_seen);
    put(out, c.curve_sum);
    put(out, c.final_loss);
    put_floats(out, c.curve_loss);
    put_floats(out, c.curve_tokens);
    put_floats(out, c.params);
    put_floats(out, c.m);
    put_floats(out, c.v);
  }
  commit_temp(out, path);
}

Checkpoint read_checkpoint(const std::string& path, bool with_optimizer) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open checkpoint");
  char magic[sizeof kMagic - 1];
  in.read(magic, sizeof magic);
  if (!in || std::memcmp(magic, kMagic, sizeof magic) != 0)
    throw std::runtime_error(path + ": not a t2 builtin checkpoint");
  Checkpoint c;
  std::int64_t dims[5];
  for (auto& d : dims) get(in, d, path);
  c.shape = ModelShape{int(dims[0]), int(dims[1]), int(dims[2]), int(dims[3]), int(dims[4])};
  if (c.shape.vocab < 2 || c.shape.vocab > 65536 || c.shape.context < 1 || c.shape.layers < 1 || c.shape.d_model < 1 ||
      c.shape.heads < 1 || c.shape.d_model % c.shape.heads != 0)
    throw std::runtime_error(path + ": checkpoint has an invalid shape " + c.shape.describe());
  get(in, c.step, path);
  get(in, c.steps_total, path);
  get(in, c.seed, path);
  get(in, c.curve_count, path);
  get(in, c.n_tokens, path);
  get(in, c.tokens_seen, path);
  get(in, c.curve_sum, path);
  get(in, c.final_loss, path);
  get_floats(in, c.curve_loss, path);
  get_floats(in, c.curve_tokens, path, std::int64_t(c.curve_loss.size()));
  std::int64_t n = std::int64_t(c.shape.params_total());
  get_floats(in, c.params, path, n);
  if (with_optimizer) {
    get_floats(in, c.m, path, n);
    get_floats(in, c.v, path, n);
  }
  return c;
}

// ---------------------------------------------------------------------------------------------
// Training

TrainOutcome train_model(const TrainRun& run, const TrainOptions& o, const DataStream& data,
                         const std::atomic<bool>& cancel, const std::function<void(const std::string&)>& log) {
  using clock = std::chrono::steady_clock;
  set_threads(o.threads > 0 ? o.threads : available_cores());
  const ModelShape& shape = run.shape;
  const int T = shape.context;
  if (data.context() != T) throw std::invalid_argument("data context differs from the model's");
  if (data.vocab() > shape.vocab) throw std::invalid_argument("data vocabulary exceeds the model's");

  // Exactly D tokens, rounded up to whole rows: the last step may have fewer rows.
  const std::uint64_t total_rows = std::max<std::uint64_t>(1, std::uint64_t(std::ceil(run.n_tokens / T)));
  const std::uint64_t steps = (total_rows + o.batch_rows - 1) / o.batch_rows;
  const double total_tokens = double(total_rows) * T;
  const double warmup = std::min(o.warmup_per_param * run.n_params, o.warmup_max_fraction * total_tokens);
  const std::uint64_t curve_every = std::max<std::uint64_t>(1, (steps + o.curve_points - 1) / o.curve_points);

  Transformer<float> model(shape, o.batch_rows);
  const std::size_t P = model.params.size();
  Checkpoint state;
  state.shape = shape;
  state.steps_total = steps;
  state.seed = run.seed;
  state.n_tokens = run.n_tokens;
  state.m.assign(P, 0.f);
  state.v.assign(P, 0.f);
  TrainOutcome out;

  // A link planted at the checkpoint would be read on resume and written through on save.
  if (!run.checkpoint.empty() && std::filesystem::is_symlink(std::filesystem::symlink_status(run.checkpoint)))
    throw std::runtime_error(run.checkpoint + " is a symbolic link; refusing to follow it");
  if (!run.checkpoint.empty() && std::filesystem::exists(run.checkpoint)) {
    Checkpoint c = read_checkpoint(run.checkpoint);
    if (c.shape.describe() != shape.describe() || c.seed != run.seed || c.n_tokens != run.n_tokens ||
        c.steps_total != steps)
      throw std::runtime_error(run.checkpoint + ": checkpoint of a different run (" + c.shape.describe() +
                               ", D=" + std::to_string(c.n_tokens) + ") in this run's directory");
    state = std::move(c);
    std::copy(state.params.begin(), state.params.end(), model.params.begin());
    out.resumed = true;
    if (log) log("resuming at step " + std::to_string(state.step) + " of " + std::to_string(steps));
  } else {
    model.init(mix_seed(run.seed, std::uint64_t(0x696e6974)));
  }

  auto save = [&]() {
    if (run.checkpoint.empty()) return;
    state.params.assign(model.params.begin(), model.params.end());
    write_checkpoint(run.checkpoint, state);
  };

  const auto matrix = param_is_matrix();
  const auto sizes = param_sizes(shape);
  std::vector<float> decay(P);  // per parameter: 1 for weight matrices, 0 for biases and norms
  {
    std::size_t at = 0;
    for (std::size_t i = 0; i < sizes.size(); ++i)
      for (std::size_t j = 0; j < sizes[i]; ++j) decay[at++] = matrix[i] ? 1.f : 0.f;
  }
  std::vector<int> tokens(std::size_t(o.batch_rows) * T), targets(tokens.size());
  constexpr std::size_t kBlock = 4096;
  std::vector<double> block_sums((P + kBlock - 1) / kBlock);
  const std::uint64_t data_seed = mix_seed(run.seed, std::uint64_t(0x64617461));
  auto last_save = clock::now();

  for (std::uint64_t step = state.step; step < steps; ++step) {
    if (cancel.load(std::memory_order_relaxed)) {
      save();
      throw TrainCancelled{};
    }
    const int B = int(std::min<std::uint64_t>(o.batch_rows, total_rows - step * o.batch_rows));
    data.batch(data_seed, step, B, tokens.data(), targets.data());
    const double lr = learning_rate(state.tokens_seen, total_tokens, warmup, o.lr, o.final_lr_fraction);

    float loss = model.forward(tokens.data(), targets.data(), B, T);
    if (!std::isfinite(loss)) throw std::runtime_error("training loss is not finite at step " + std::to_string(step));
    model.zero_grad();
    model.backward();

    // Clip: scale every gradient by min(1, clip / ||g||_2).
    // Fixed blocks summed in order: the norm does not depend on the thread count.
    const int blocks = int((P + kBlock - 1) / kBlock);
    parallel_for(blocks, double(P), [&](int lo, int hi) {
      for (int b = lo; b < hi; ++b) {
        double s = 0;
        for (std::size_t i = std::size_t(b) * kBlock; i < std::min(P, std::size_t(b + 1) * kBlock); ++i)
          s += double(model.grads[i]) * model.grads[i];
        block_sums[b] = s;
      }
    });
    double norm2 = 0;
    for (int b = 0; b < blocks; ++b) norm2 += block_sums[b];
    const double norm = std::sqrt(norm2);
    const float clip = (o.grad_clip > 0 && norm > o.grad_clip) ? float(o.grad_clip / norm) : 1.f;

    // AdamW (Loshchilov & Hutter 2019), bias-corrected:
    //   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
    //   p -= lr * ( m/(1-b1^t) / (sqrt(v/(1-b2^t)) + eps) + wd * p )   (wd on matrices only)
    const double t = double(step + 1);
    const float b1 = float(o.beta1), b2 = float(o.beta2), eps = float(o.eps), wd = float(o.weight_decay);
    const float c1 = float(1.0 / (1.0 - std::pow(o.beta1, t))), c2 = float(1.0 / (1.0 - std::pow(o.beta2, t)));
    const float flr = float(lr);
    float* p = model.params.data();
    const float* g = model.grads.data();
    float* m = state.m.data();
    float* v = state.v.data();
    parallel_for(blocks, double(P), [&](int lo, int hi) {
      for (std::size_t i = std::size_t(lo) * kBlock; i < std::min(P, std::size_t(hi) * kBlock); ++i) {
        float gi = g[i] * clip;
        m[i] = b1 * m[i] + (1 - b1) * gi;
        v[i] = b2 * v[i] + (1 - b2) * gi * gi;
        p[i] -= flr * ((m[i] * c1) / (std::sqrt(v[i] * c2) + eps) + wd * decay[i] * p[i]);
      }
    });

    state.tokens_seen += double(B) * T;
    state.step = step + 1;
    state.curve_sum += loss;
    state.curve_count += 1;
    if (state.curve_count == curve_every || state.step == steps) {
      state.curve_loss.push_back(float(state.curve_sum / state.curve_count));
      state.curve_tokens.push_back(float(state.tokens_seen));
      state.curve_sum = 0;
      state.curve_count = 0;
      if (log)
        log("step " + std::to_string(state.step) + "/" + std::to_string(steps) + " loss " +
            std::to_string(state.curve_loss.back()) + " lr " + std::to_string(lr));
    }
    if (o.checkpoint_seconds > 0 && state.step < steps &&
        std::chrono::duration<double>(clock::now() - last_save).count() > o.checkpoint_seconds) {
      save();
      last_save = clock::now();
    }
  }

  // Held-out loss on the fixed validation set (computed again on a finished checkpoint: cheap,
  // and it keeps a resumed-after-finish run's result identical).
  std::vector<int> vt, vy;
  data.validation(kValidationSeed, o.val_rows, vt, vy);
  double sum = 0;
  for (int r = 0; r < o.val_rows; r += o.batch_rows) {
    int B = std::min(o.batch_rows, o.val_rows - r);
    sum += double(model.forward(vt.data() + std::size_t(r) * T, vy.data() + std::size_t(r) * T, B, T)) * B;
  }
  state.final_loss = sum / o.val_rows;
  save();

  out.final_loss = state.final_loss;
  out.tokens_seen = state.tokens_seen;
  out.loss_curve = state.curve_loss;
  out.curve_tokens = state.curve_tokens;
  out.steps = state.step;
  return out;
}

}  // namespace t2::builtin
