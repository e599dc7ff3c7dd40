// figures.hpp — what `t2 report` draws: the model every figure reads (the store's runs and
// evals as FitData, the fits of orchestrator/laws — the estimator `t2 fit` and `t2 plan` use —
// the configured deployment and planner bounds) and one function per figure, each returning a
// gnuplot script fragment with its caption. No I/O here: report.cpp writes and runs the scripts.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/laws/warnings.hpp"
#include "orchestrator/laws/fit.hpp"
#include "orchestrator/laws/planner.hpp"
#include "orchestrator/store/records.hpp"

namespace t2::report {

struct Range {
  double lo = 1, hi = 0;  // lo > hi: empty
  bool contains(double v, double slack = 1e-3) const { return v >= lo * (1 - slack) && v <= hi * (1 + slack); }
  void add(double v) {
    if (!(lo <= hi)) lo = hi = v;
    else lo = std::min(lo, v), hi = std::max(hi, v);
  }
  bool empty() const { return !(lo <= hi) || hi <= 0; }
};

// One task: its data and the T² accuracy law fitted to it (with bootstrap replicates for bands).
struct TaskModel {
  std::string task;
  FitData data;
  std::optional<LawFit> fit;
  std::string why_not;              // why there is no fit (one line), when !fit
  std::string unusable;             // non-empty: why the fit's numbers cannot be trusted (captions say so)
  std::optional<Plan> target_plan;  // the plan for the config's [target], as `t2 plan` prints it
  std::optional<PlanIntervals> target_intervals;
  std::vector<Warning> warnings;    // every warning of the analysis (laws/warnings.hpp), as `t2 plan` prints them
  std::string selection;            // --law auto: which candidate was chosen and why ("" otherwise)
};

struct ReportModel {
  const StoreContents* contents = nullptr;
  std::string store;                // its name in errors about its documents (ReportOptions::store)
  FitData runs;                     // every done run as a checkpoint (no outcomes)
  std::optional<LawFit> loss_law;   // Chinchilla (Approach 3) on the training losses
  std::string loss_why_not;
  std::vector<TaskModel> tasks;
  std::optional<Deployment> target; // from [target]; none without a config or a [target]
  PlanBounds bounds;
  std::string bounds_rule;          // where the bounds came from, for the captions
  Range n, d, tokens_per_param, train_flops;  // of the fitted runs
  std::uint32_t bootstrap = 0;      // replicates asked for
  std::string strategy;             // [design] strategy of the config ("" without one)
};

struct Figure {
  std::string name;     // file stem: DIR/<name>.svg and .png
  std::string title;    // heading in the index
  std::string caption;  // what it shows and how to read it (HTML-safe text)
  std::string script;   // gnuplot commands after `set terminal` and `set output`
};

// A figure that is not drawn, and why (the index lists it instead of an empty frame).
struct Skipped {
  std::string name, why;
};

// A task name as a file-name part: letters, digits, '-' and '_' kept, anything else '_'.
std::string file_part(const std::string& task);

// Each returns nullopt, with `why`, when it would have nothing to draw.
std::optional<Figure> loss_vs_d(const ReportModel&, std::string& why);
std::optional<Figure> isoflop(const ReportModel&, std::string& why);
// nullopt (with why) when the task has no per-sample outcomes to measure pass@k from.
std::optional<Figure> pass_at_k(const ReportModel&, const TaskModel&, std::string& why);

// The compute-optimal frontier of one task's law, computed once for both of its figures.
struct FrontierPoint {
  double budget = 0, n = 0, d = 0, k = 1;
  enum class Kind { interior, extrapolated, bound } kind = Kind::interior;
  std::string why;  // for bound / extrapolated: which bound or range
};
struct FrontierSeries {
  std::string title;
  std::vector<FrontierPoint> points;
};
struct Frontier {
  std::string budget_label;  // x axis
  std::vector<FrontierSeries> series;
};
Frontier frontier(const ReportModel&, const TaskModel&);
// nullopt when the law has no feasible optimum at any budget.
std::optional<Figure> frontier_n(const ReportModel&, const TaskModel&, const Frontier&, std::string& why);
std::optional<Figure> tokens_per_param(const ReportModel&, const TaskModel&, const Frontier&, std::string& why);

// The adaptive design's per-batch optimum; nullopt (with why) for a store without design decisions.
std::optional<Figure> history(const ReportModel&, std::string& why);

}  // namespace t2::report
