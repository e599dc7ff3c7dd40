// synthetic_settings.hpp — reads and checks [workload.synthetic] into the ground truth
// (truth_model.hpp). Pure: no workload, no data, no MPI; used by the backend
// (synthetic_workload.cpp), by config validation (workers/workload_settings.cpp) and by the
// orchestrator's truth row (orchestrator/truth). Settings are documented in schemas/sweep-config.md.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "contract/toml_reader.hpp"
#include "workers/synthetic/truth_model.hpp"
#include "workers/workload_settings.hpp"

namespace t2 {

// Reads and checks [workload.synthetic]. `seed`: the sweep seed (v2 draws the problems from it);
// `grid`: the sweep's candidate (N, D) points, for the check that the v2 link is not degenerate
// on them (empty: no such check). Throws ConfigError naming file, line, key and value.
SyntheticTruth read_synthetic_truth(TableReader& settings, std::uint64_t seed = 1,
                                    const std::vector<std::array<double, 2>>& grid = {});
// The truth of a sweep's [workload] (backend must be "synthetic"), as its workers use it.
SyntheticTruth synthetic_truth_of(const WorkloadConfig& config);

}  // namespace t2
