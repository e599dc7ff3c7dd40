// builtin_workload.cpp — the job contract on top of the trainer and sampler (see
// builtin_workload.hpp); the settings are builtin_settings.cpp.
#include "workers/builtin/builtin_workload.hpp"

#include <algorithm>
#include <filesystem>

#include "workers/builtin/parallel.hpp"
#include "contract/seed.hpp"

namespace t2::builtin {

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
  builtin::check_data_file(settings, s);
  const std::string key = s.data_file.empty() ? "tasks" : "data_file";
  try {
    return std::make_unique<builtin::BuiltinWorkload>(std::move(s));
  } catch (const std::exception& e) {
    settings.fail(key, e.what());  // an unreadable token file, or one too short for the context
  }
}
}  // namespace t2
