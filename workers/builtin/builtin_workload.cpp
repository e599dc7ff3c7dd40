// builtin_workload.cpp — settings, and the job contract on top of the trainer and sampler
// (see builtin_workload.hpp).
#include "workers/builtin/builtin_workload.hpp"

#include <algorithm>
#include <filesystem>

#include "workers/builtin/parallel.hpp"
#include "contract/seed.hpp"

namespace t2::builtin {

TaskOptions task_options(const BuiltinSettings& s) {
  TaskOptions o;
  auto has = [&](const char* k) {
    return std::find(s.arithmetic_kinds.begin(), s.arithmetic_kinds.end(), k) != s.arithmetic_kinds.end();
  };
  o.arithmetic = ArithmeticOptions{1, s.max_digits, has("add"), has("mul"), has("word")};
  o.entities = s.entities;
  o.knowledge_seed = s.knowledge_seed;
  return o;
}

BuiltinSettings read_builtin_settings(TableReader& r) {
  BuiltinSettings s;
  s.file = r.file();
  s.tasks = r.strings("tasks", s.tasks);
  r.require(!s.tasks.empty(), "tasks", "needs at least one task (arithmetic, spatial, knowledge)");
  for (const auto& t : s.tasks)
    r.require(std::find(task_names().begin(), task_names().end(), t) != task_names().end(), "tasks",
              "unknown task \"" + t + "\" (known: arithmetic, spatial, knowledge)");
  s.max_digits = r.integer_as<int>("max_digits", s.max_digits);
  r.require(s.max_digits >= 1 && s.max_digits <= 6, "max_digits", "must be in 1..6");
  s.arithmetic_kinds = r.strings("arithmetic_kinds", s.arithmetic_kinds);
  r.require(!s.arithmetic_kinds.empty(), "arithmetic_kinds", "needs at least one of add, mul, word");
  for (const auto& k : s.arithmetic_kinds)
    r.require(k == "add" || k == "mul" || k == "word", "arithmetic_kinds",
              "unknown kind \"" + k + "\" (known: add, mul, word)");
  s.entities = r.integer_as<int>("entities", s.entities);
  r.require(s.entities >= 16 && s.entities <= 100000, "entities", "must be in 16..100000");
  s.knowledge_seed = r.integer_as<std::uint64_t>("knowledge_seed", s.knowledge_seed);
  s.problem_seed = r.integer_as<std::uint64_t>("problem_seed", s.problem_seed);
  s.context = r.integer_as<int>("context", s.context);
  r.require(s.context >= 16 && s.context <= 1024, "context", "must be in 16..1024 tokens");
  std::string count = r.string("count", std::string("total"), {"total", "non_embedding"});
  s.count = count == "total" ? ParamCount::total : ParamCount::non_embedding;
  s.aspect = r.number("aspect", s.aspect);
  r.require(s.aspect >= 16 && s.aspect <= 128, "aspect", "must be in 16..128 (d_model / layers)");

  TrainOptions& t = s.train;
  t.batch_rows = r.integer_as<int>("batch_rows", t.batch_rows);
  r.require(t.batch_rows >= 1 && t.batch_rows <= 4096, "batch_rows", "must be in 1..4096 sequences");
  t.lr = r.number("lr", t.lr);
  r.require(t.lr > 0 && t.lr <= 1, "lr", "must be in (0, 1]");
  t.final_lr_fraction = r.number("final_lr_fraction", t.final_lr_fraction);
  r.require(t.final_lr_fraction >= 0 && t.final_lr_fraction <= 1, "final_lr_fraction", "must be in [0, 1]");
  t.warmup_per_param = r.number("warmup_per_param", t.warmup_per_param);
  r.require(t.warmup_per_param >= 0, "warmup_per_param", "must be >= 0 (tokens per parameter)");
  t.warmup_max_fraction = r.number("warmup_max_fraction", t.warmup_max_fraction);
  r.require(t.warmup_max_fraction >= 0 && t.warmup_max_fraction < 1, "warmup_max_fraction", "must be in [0, 1)");
  t.beta1 = r.number("beta1", t.beta1);
  r.require(t.beta1 >= 0 && t.beta1 < 1, "beta1", "must be in [0, 1)");
  t.beta2 = r.number("beta2", t.beta2);
  r.require(t.beta2 >= 0 && t.beta2 < 1, "beta2", "must be in [0, 1)");
  t.weight_decay = r.number("weight_decay", t.weight_decay);
  r.require(t.weight_decay >= 0 && t.weight_decay < 10, "weight_decay", "must be in [0, 10)");
  t.grad_clip = r.number("grad_clip", t.grad_clip);
  r.require(t.grad_clip >= 0, "grad_clip", "must be >= 0 (0 = no clipping)");
  t.threads = r.integer_as<int>("threads", t.threads);
  r.require(t.threads >= 0 && t.threads <= 1024, "threads", "must be in 0..1024 (0 = all cores)");
  t.val_rows = r.integer_as<int>("val_rows", t.val_rows);
  r.require(t.val_rows >= 1 && t.val_rows <= 100000, "val_rows", "must be in 1..100000 sequences");
  t.checkpoint_seconds = r.number("checkpoint_seconds", t.checkpoint_seconds);
  r.require(t.checkpoint_seconds >= 0, "checkpoint_seconds", "must be >= 0 (0 = only at the end)");

  s.data_file = r.string("data_file", std::string());
  s.data_fraction = r.number("data_fraction", s.data_fraction);
  r.require(s.data_fraction >= 0 && s.data_fraction <= 1, "data_fraction", "must be in [0, 1]");
  if (!s.data_file.empty()) r.require(std::filesystem::exists(s.data_file), "data_file", "file does not exist");
  // The longest problem of every training task must fit the context, or it could not be evaluated.
  for (const auto& name : s.tasks) {
    int need = make_task(name, task_options(s))->max_text_length();
    r.require(need <= s.context, "context",
              "too short for task " + name + " (its problems need up to " + std::to_string(need) + " tokens)");
  }
  s.max_new_tokens = r.integer_as<int>("max_new_tokens", s.max_new_tokens);
  r.require(s.max_new_tokens >= 1 && s.max_new_tokens <= 1024, "max_new_tokens", "must be in 1..1024");
  r.finish();
  return s;
}

BuiltinWorkload::BuiltinWorkload(BuiltinSettings s) : s_(std::move(s)) {
  data_options_.tasks = s_.tasks;
  data_options_.task_options = task_options(s_);
  if (!s_.data_file.empty()) {
    data_options_.file = std::make_shared<TokenFile>(read_token_file(s_.data_file));
    data_options_.file_fraction = s_.data_fraction;
  }
  data_ = std::make_unique<DataStream>(data_options_, s_.context);
}

ModelShape BuiltinWorkload::shape_for(double n_params) const {
  return shape_for_params(n_params, s_.count, data_->vocab(), s_.context, s_.aspect);
}

TrainResult BuiltinWorkload::train(const TrainSpec& spec, const CancelFlag& cancel) {
  if (!(spec.n_params > 0) || !(spec.n_tokens > 0))
    throw JobFailure(FailureClass::error, "builtin train needs N > 0 and D > 0");
  namespace fs = std::filesystem;
  fs::path dir = spec.run_dir.empty() ? fs::temp_directory_path() / ("t2-builtin-" + std::to_string(spec.seed))
                                      : fs::path(spec.run_dir);
  // A link planted at the store's run folder (STORE.d/run-NNNNNN) or STORE.d would send the
  // checkpoint to its target (issue 12 item 13): refused before and after creating it.
  auto refuse_link = [&] {
    for (const fs::path& p : {dir, dir.parent_path()}) {
      std::error_code lec;
      if (!spec.run_dir.empty() && fs::is_symlink(fs::symlink_status(p, lec)))
        throw JobFailure(FailureClass::error,
                         "run directory " + p.string() + " is a symbolic link; refusing to follow it");
    }
  };
  refuse_link();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw JobFailure(FailureClass::error, dir.string() + ": cannot create run directory: " + ec.message());
  refuse_link();

  TrainRun run;
  run.shape = shape_for(spec.n_params);
  run.n_tokens = spec.n_tokens;
  run.n_params = double(count_params(run.shape, s_.count));
  run.seed = spec.seed;
  run.checkpoint = (dir / "model.ckpt").string();
  TrainOutcome o;
  try {
    o = train_model(run, s_.train, *data_, cancel);
  } catch (const TrainCancelled&) {
    throw JobFailure(FailureClass::cancelled,
                     "stopped on request; checkpoint written to " + run.checkpoint + " (the same job resumes from it)");
  } catch (const std::exception& e) {
    throw JobFailure(FailureClass::error, e.what());
  }
  TrainResult r;
  r.final_loss = o.final_loss;
  r.tokens_seen = o.tokens_seen;
  r.params = run.n_params;
  r.params_total = double(run.shape.params_total());
  r.flops = 6.0 * r.params * r.tokens_seen;
  r.loss_curve = o.loss_curve;
  r.curve_tokens = o.curve_tokens;
  r.checkpoint = run.checkpoint;
  return r;
}

EvalResult BuiltinWorkload::evaluate(const EvalSpec& spec, const CancelFlag& cancel) {
  if (spec.samples < 1 || spec.problems < 1)
    throw JobFailure(FailureClass::error, "eval needs problems >= 1 and samples >= 1");
  std::unique_ptr<Task> task;
  std::vector<Problem> problems;
  try {
    if (loaded_path_ != spec.checkpoint || !loaded_) {
      Checkpoint c = read_checkpoint(spec.checkpoint, false);
      loaded_ = std::make_unique<Transformer<float>>(c.shape, 1);
      std::copy(c.params.begin(), c.params.end(), loaded_->params.begin());
      loaded_path_ = spec.checkpoint;
    }
    task = make_task(spec.task, data_options_.task_options);
    problems = held_out_problems(*task, spec.problems, s_.problem_seed);
  } catch (const std::exception& e) {
    throw JobFailure(FailureClass::error, e.what());
  }
  set_threads(s_.train.threads > 0 ? s_.train.threads : available_cores());
  Transformer<float>& model = *loaded_;
  Sampler sampler(model, int(spec.samples));
  SampleOptions so;
  so.temperature = spec.temperature;
  so.top_k = int(spec.top_k);
  so.max_new_tokens = s_.max_new_tokens;

  EvalResult e;
  e.problems = spec.problems;
  e.samples = spec.samples;
  e.correct.assign(std::size_t(spec.problems) * spec.samples, 0);
  e.answer_nll.assign(spec.problems, 0);
  double tokens = 0, sample_tokens = 0;
  for (std::uint32_t i = 0; i < spec.problems; ++i) {
    if (cancel.load(std::memory_order_relaxed)) throw JobFailure(FailureClass::cancelled, "eval cancelled by shutdown");
    const Problem& pr = problems[i];
    std::vector<int> prompt = encode(pr.prompt), answer = encode(pr.answer);
    if (prompt.size() + answer.size() >= std::size_t(model.shape.context))
      throw JobFailure(FailureClass::error,
                       "problem \"" + pr.prompt + "\" does not fit the context " + std::to_string(model.shape.context));
    // One sampling stream per problem: problem i's samples do not depend on how many come first.
    std::mt19937_64 rng(mix_seed(spec.seed, std::uint64_t(i)));
    auto outs = sampler.generate(prompt, int(spec.samples), so, rng);
    for (std::uint32_t k = 0; k < spec.samples; ++k) {
      e.correct[std::size_t(i) * spec.samples + k] = Task::check(pr, decode(outs[k])) ? 1 : 0;
      sample_tokens += double(prompt.size() + outs[k].size());
    }
    e.answer_nll[i] = answer_nll(model, prompt, answer);
    tokens += double(sampler.tokens_processed()) + double(prompt.size() + answer.size());
  }
  const double n = double(count_params(model.shape, s_.count));
  e.flops = 2.0 * n * tokens;
  e.tokens_per_sample = sample_tokens / (double(spec.problems) * spec.samples);
  return e;
}

}  // namespace t2::builtin

namespace t2 {
std::unique_ptr<Workload> make_builtin_workload(TableReader& settings) {
  auto s = builtin::read_builtin_settings(settings);
  const std::string key = s.data_file.empty() ? "tasks" : "data_file";
  try {
    return std::make_unique<builtin::BuiltinWorkload>(std::move(s));
  } catch (const std::exception& e) {
    settings.fail(key, e.what());  // an unreadable token file, or one too short for the context
  }
}
}  // namespace t2
