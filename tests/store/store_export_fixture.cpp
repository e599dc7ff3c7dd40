// store_export_fixture.cpp — writes a small deterministic store, exports it (HDF5 and CSV) and
// writes expected.json with the raw inputs, so read_export.py can check the export with h5py
// and the csv module against its own pass@k computation.
//
// usage: store_export_fixture OUTDIR    (OUTDIR is emptied first)
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "orchestrator/store/export.hpp"
#include "orchestrator/store/store.hpp"
#include "tests/store/store_fixtures.hpp"

using namespace t2;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: store_export_fixture OUTDIR\n");
    return 2;
  }
  std::string dir = argv[1];
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  try {
    std::string path = dir + "/store.h5";
    {
      Store s = Store::create(path, "[sweep]\nname = \"export\"\n", "export.toml");
      std::vector<PlannedRun> runs;
      std::vector<PlannedEval> evals;
      test::plan(runs, evals, 0, 4, 2, 50, 16);
      s.plan_batch(runs, evals);
      runs.clear();
      evals.clear();
      test::plan(runs, evals, 4, 2, 1, 30, 6);  // fewer samples: pass@8, pass@16 are NaN for these
      s.plan_batch(runs, evals);
      const auto& c = s.contents();
      for (JobIndex r = 0; r < c.runs.size(); ++r) {
        s.job_started(JobKind::train, r, test::meta(1));
        if (r == 2) s.job_failed(JobKind::train, r, FailureClass::error, "diverged", test::meta(1), true);
        else s.train_done(r, test::train_result(r), test::meta(1));
      }
      for (JobIndex e = 0; e < c.evals.size(); ++e) {
        if (c.runs[c.evals[e].plan.run].state != JobState::done || e == 7) continue;  // eval 7 stays pending
        s.job_started(JobKind::eval, e, test::meta(1));
        s.eval_done(e, test::eval_result(e, c.evals[e].plan.problems, c.evals[e].plan.samples), test::meta(1));
      }
      s.close();
    }
    StoreContents c = read_store(path);
    export_hdf5(c, dir + "/export.h5");
    export_csv(c, dir + "/csv");

    nlohmann::json j;
    j["k"] = pass_at_k_grid(16);
    j["store_runs"] = c.runs.size();
    j["store_evals"] = c.evals.size();
    for (auto& r : c.runs) {
      if (r.state != JobState::done) continue;
      j["runs"].push_back({{"index", r.index}, {"n_params", r.plan.n_params}, {"n_tokens", r.plan.n_tokens},
                           {"params", r.result.params}, {"tokens_seen", r.result.tokens_seen},
                           {"loss", r.result.final_loss}});
    }
    for (auto& e : c.evals) {
      if (e.state != JobState::done) continue;
      j["evals"].push_back({{"index", e.index}, {"run", e.plan.run}, {"task", e.plan.task},
                            {"problems", e.result.problems}, {"samples", e.result.samples},
                            {"correct", e.result.correct}, {"nll", e.result.answer_nll}});
    }
    std::ofstream(dir + "/expected.json") << j.dump();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "store_export_fixture: %s\n", e.what());
    return 1;
  }
  return 0;
}
