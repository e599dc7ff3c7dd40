// truth_stats.cpp — prints what a synthetic sweep config's ground truth looks like on its grid:
// points, FLOPs, tokens per parameter, pass@1 and mean answer NLL ranges (first task, its problems)
// and the truth's own optimum at [target] (split form) under the planner's default bounds.
// Not a test: the figures quoted in schemas/sweep-config.md and the examples' comments.
// With N D k after the config: also the truth row beside a plan at that allocation (its regret).
// Usage: synth_truth_stats CONFIG.toml [N D k]
#include <cstdio>
#include <cmath>
#include <cstdlib>
#include "orchestrator/truth/truth_law.hpp"
#include "orchestrator/laws/planner.hpp"
#include "orchestrator/truth/truth_row.hpp"
#include "workers/synthetic/synthetic_workload.hpp"
using namespace t2;
int main(int argc, char** argv) {
  if (argc < 2) { std::fprintf(stderr, "usage: synth_truth_stats CONFIG.toml\n"); return 2; }
  SweepConfig c = load_sweep_config(argv[1]);
  SyntheticTruth t = synthetic_truth_of(c.workload);
  auto law = *truth_law_of(c);
  auto b = problem_difficulties(t, c.eval.tasks[0], c.eval.problems);
  double pmin=1, pmax=0, nmin=1e9, nmax=0, tmin=1e9, tmax=0; int cnt=0; double flops=0;
  for (auto& g : grid_points(c.grid)) { double n=g.n, d=g.d; ++cnt; flops += run_flops(n,d,c.eval);
    double p1=law.score(n,d,1); double L=t.loss(n,d); double nll=irt_mean_nll(t,L,b);
    tmin=std::min(tmin,d/n); tmax=std::max(tmax,d/n);
    pmin=std::min(pmin,p1); pmax=std::max(pmax,p1); nmin=std::min(nmin,nll); nmax=std::max(nmax,nll);}
  std::printf("%d points, %.3g FLOPs, D/N %.3g..%.4g, pass@1 %.4g..%.4g  meanNLL %.3g..%.3g\n", cnt, flops, tmin, tmax, pmin,pmax,nmin,nmax);
  Deployment dep; dep.train_flops=c.target.train_budget; dep.inference_flops=c.target.inference_budget; PlanBounds pb;
  Plan p = plan(law, dep, pb);
  std::printf("truth: N* %.4g D/N %.4g k %.3g score %.4g\n", p.best.n, p.best.tokens_per_param(), p.best.k, p.best.score);
  if (argc >= 5) {
    Allocation a;
    a.feasible = true, a.n = atof(argv[2]), a.d = atof(argv[3]), a.k = atof(argv[4]);
    std::printf("%s", render_truth_row(compare_with_truth(law, dep, pb, a)).c_str());
  }
}
