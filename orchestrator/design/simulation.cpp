// simulation.cpp — an in-process, synchronous sweep loop (see simulation.hpp).
#include "orchestrator/design/simulation.hpp"

#include "orchestrator/design/design_space.hpp"

namespace t2 {

SimulationResult simulate_sweep(const SweepConfig& config, Design& design, Workload& workload,
                                std::uint32_t max_batches, const BatchObserver& after_batch) {
  SimulationResult sim;
  StoreContents& c = sim.contents;
  c.config_text = config.text;
  const CancelFlag never{false};
  for (std::uint32_t b = 0; b < max_batches; ++b) {
    BatchPlan plan = design.next_batch(b, visible_to_plan(c, b, design.lag()));
    if (!plan.decision_json.empty()) c.documents.push_back({"design", b, 0.0, plan.decision_json});
    if (plan.stop) {
      sim.stop_reason = plan.reason;
      break;
    }
    BatchRecord br;
    br.index = b;
    br.first_run = JobIndex(c.runs.size());
    br.n_runs = JobIndex(plan.runs.size());
    br.first_eval = JobIndex(c.evals.size());
    br.n_evals = JobIndex(plan.evals.size());
    c.batches.push_back(br);
    for (const PlannedRun& pr : plan.runs) {
      RunRecord r;
      r.index = JobIndex(c.runs.size());
      r.plan = pr;
      r.batch = b;
      TrainSpec spec;
      spec.index = r.index;
      spec.n_params = pr.n_params;
      spec.n_tokens = pr.n_tokens;
      spec.seed = pr.seed;
      spec.replicate = pr.replicate;
      r.attempts = 1;
      try {
        r.result = workload.train(spec, never);
        r.state = JobState::done;
        sim.flops += r.result.flops;
      } catch (const JobFailure& f) {
        r.state = JobState::failed;
        r.failure = f.cls;
        r.reason = f.what();
      }
      c.runs.push_back(std::move(r));
    }
    for (const PlannedEval& pe : plan.evals) {
      EvalRecord e;
      e.index = JobIndex(c.evals.size());
      e.plan = pe;
      e.plan.run = br.first_run + pe.run;
      e.batch = b;
      const RunRecord& run = c.runs[e.plan.run];
      e.attempts = 1;
      if (run.state != JobState::done) {
        e.state = JobState::failed;
        e.failure = FailureClass::error;
        e.reason = "its training job failed";
      } else {
        EvalSpec spec;
        spec.index = e.index;
        spec.run = e.plan.run;
        spec.n_params = run.plan.n_params;
        spec.n_tokens = run.plan.n_tokens;
        spec.run_loss = run.result.final_loss;
        spec.task = pe.task;
        spec.problems = pe.problems;
        spec.samples = pe.samples;
        spec.temperature = pe.temperature;
        spec.top_k = pe.top_k;
        spec.seed = pe.seed;
        try {
          e.result = workload.evaluate(spec, never);
          e.state = JobState::done;
          sim.flops += e.result.flops;
        } catch (const JobFailure& f) {
          e.state = JobState::failed;
          e.failure = f.cls;
          e.reason = f.what();
        }
      }
      c.evals.push_back(std::move(e));
    }
    sim.batches = b + 1;
    if (after_batch && !after_batch(c, sim.flops)) break;
  }
  return sim;
}

}  // namespace t2
