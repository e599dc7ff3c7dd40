// builtin_settings.cpp — reading and range-checking [workload.builtin] (see builtin_settings.hpp).
#include "workers/builtin/builtin_settings.hpp"

#include <algorithm>
#include <filesystem>

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

void check_data_file(TableReader& r, const BuiltinSettings& s) {
  if (!s.data_file.empty()) r.require(std::filesystem::exists(s.data_file), "data_file", "file does not exist");
}

}  // namespace t2::builtin
