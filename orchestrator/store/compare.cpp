// compare.cpp — first_difference() over every field of StoreContents (see compare.hpp).
#include "orchestrator/store/compare.hpp"

#include <cmath>

#include <fmt/format.h>

namespace t2 {
namespace {

struct Cmp {
  std::string diff;
  bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

  template <class T>
  void eq(const std::string& what, const T& a, const T& b) {
    if (!diff.empty()) return;
    bool ok;
    if constexpr (std::is_floating_point_v<T>) ok = same(a, b);
    else ok = a == b;
    if (!ok) {
      if constexpr (std::is_enum_v<T>) diff = fmt::format("{}: {} vs {}", what, static_cast<int>(a), static_cast<int>(b));
      else if constexpr (std::is_same_v<T, std::string>) diff = fmt::format("{}: '{}' vs '{}'", what, a, b);
      else diff = fmt::format("{}: {} vs {}", what, +a, +b);
    }
  }
  template <class T>
  void vec(const std::string& what, const std::vector<T>& a, const std::vector<T>& b) {
    if (!diff.empty()) return;
    eq(what + ".size()", a.size(), b.size());
    for (std::size_t i = 0; i < a.size() && diff.empty(); ++i) eq(fmt::format("{}[{}]", what, i), a[i], b[i]);
  }
  void meta(const std::string& w, const JobMeta& a, const JobMeta& b) {
    eq(w + ".attempt", a.attempt, b.attempt); eq(w + ".rank", a.rank, b.rank); eq(w + ".host", a.host, b.host);
    eq(w + ".wall_seconds", a.wall_seconds, b.wall_seconds); eq(w + ".time", a.time, b.time);
  }
};

}  // namespace

std::string first_difference(const StoreContents& a, const StoreContents& b, bool with_journal_records) {
  Cmp c;
  c.eq("schema_version", a.schema_version, b.schema_version);
  c.eq("t2_version", a.t2_version, b.t2_version);
  c.eq("config_text", a.config_text, b.config_text);
  c.eq("config_file", a.config_file, b.config_file);
  c.eq("created_at", a.created_at, b.created_at);
  if (with_journal_records) c.eq("journal_records", a.journal_records, b.journal_records);
  c.eq("runs.size()", a.runs.size(), b.runs.size());
  for (std::size_t i = 0; i < a.runs.size() && c.diff.empty(); ++i) {
    auto w = fmt::format("runs[{}]", i);
    const auto &x = a.runs[i], &y = b.runs[i];
    c.eq(w + ".index", x.index, y.index);
    c.eq(w + ".plan.n_params", x.plan.n_params, y.plan.n_params);
    c.eq(w + ".plan.n_tokens", x.plan.n_tokens, y.plan.n_tokens);
    c.eq(w + ".plan.seed", x.plan.seed, y.plan.seed);
    c.eq(w + ".plan.replicate", x.plan.replicate, y.plan.replicate);
    c.eq(w + ".batch", x.batch, y.batch);
    c.eq(w + ".state", x.state, y.state);
    c.eq(w + ".attempts", x.attempts, y.attempts);
    c.eq(w + ".result.final_loss", x.result.final_loss, y.result.final_loss);
    c.eq(w + ".result.tokens_seen", x.result.tokens_seen, y.result.tokens_seen);
    c.eq(w + ".result.params", x.result.params, y.result.params);
    c.eq(w + ".result.params_total", x.result.params_total, y.result.params_total);
    c.eq(w + ".result.flops", x.result.flops, y.result.flops);
    c.vec(w + ".result.loss_curve", x.result.loss_curve, y.result.loss_curve);
    c.vec(w + ".result.curve_tokens", x.result.curve_tokens, y.result.curve_tokens);
    c.eq(w + ".result.checkpoint", x.result.checkpoint, y.result.checkpoint);
    c.meta(w + ".meta", x.meta, y.meta);
    c.eq(w + ".failure", x.failure, y.failure);
    c.eq(w + ".reason", x.reason, y.reason);
  }
  c.eq("evals.size()", a.evals.size(), b.evals.size());
  for (std::size_t i = 0; i < a.evals.size() && c.diff.empty(); ++i) {
    auto w = fmt::format("evals[{}]", i);
    const auto &x = a.evals[i], &y = b.evals[i];
    c.eq(w + ".index", x.index, y.index);
    c.eq(w + ".plan.run", x.plan.run, y.plan.run);
    c.eq(w + ".plan.task", x.plan.task, y.plan.task);
    c.eq(w + ".plan.problems", x.plan.problems, y.plan.problems);
    c.eq(w + ".plan.samples", x.plan.samples, y.plan.samples);
    c.eq(w + ".plan.temperature", x.plan.temperature, y.plan.temperature);
    c.eq(w + ".plan.top_k", x.plan.top_k, y.plan.top_k);
    c.eq(w + ".plan.seed", x.plan.seed, y.plan.seed);
    c.eq(w + ".batch", x.batch, y.batch);
    c.eq(w + ".state", x.state, y.state);
    c.eq(w + ".attempts", x.attempts, y.attempts);
    c.eq(w + ".result.problems", x.result.problems, y.result.problems);
    c.eq(w + ".result.samples", x.result.samples, y.result.samples);
    c.vec(w + ".result.correct", x.result.correct, y.result.correct);
    c.vec(w + ".result.answer_nll", x.result.answer_nll, y.result.answer_nll);
    c.eq(w + ".result.flops", x.result.flops, y.result.flops);
    c.eq(w + ".result.tokens_per_sample", x.result.tokens_per_sample, y.result.tokens_per_sample);
    c.meta(w + ".meta", x.meta, y.meta);
    c.eq(w + ".failure", x.failure, y.failure);
    c.eq(w + ".reason", x.reason, y.reason);
  }
  c.eq("batches.size()", a.batches.size(), b.batches.size());
  for (std::size_t i = 0; i < a.batches.size() && c.diff.empty(); ++i) {
    auto w = fmt::format("batches[{}]", i);
    const auto &x = a.batches[i], &y = b.batches[i];
    c.eq(w + ".index", x.index, y.index);
    c.eq(w + ".planned_at", x.planned_at, y.planned_at);
    c.eq(w + ".first_run", x.first_run, y.first_run);
    c.eq(w + ".n_runs", x.n_runs, y.n_runs);
    c.eq(w + ".first_eval", x.first_eval, y.first_eval);
    c.eq(w + ".n_evals", x.n_evals, y.n_evals);
  }
  c.eq("documents.size()", a.documents.size(), b.documents.size());
  for (std::size_t i = 0; i < a.documents.size() && c.diff.empty(); ++i) {
    auto w = fmt::format("documents[{}]", i);
    const auto &x = a.documents[i], &y = b.documents[i];
    c.eq(w + ".kind", x.kind, y.kind);
    c.eq(w + ".batch", x.batch, y.batch);
    c.eq(w + ".time", x.time, y.time);
    c.eq(w + ".json", x.json, y.json);
  }
  return c.diff;
}

}  // namespace t2
