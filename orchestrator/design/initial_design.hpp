// initial_design.hpp — the points a design runs before it has data to fit: the first batch
// (log-spaced, or IsoFLOP slices when [grid] lists isoflop budgets) and space-filling batches
// (a shifted Halton sequence) for batches planned blind. Owns no fitting and no cost tracking
// beyond the per-point cap it is given.
#pragma once

#include <cstdint>
#include <vector>

#include "orchestrator/config/sweep_config.hpp"
#include "orchestrator/design/design_space.hpp"

namespace t2 {

// The training compute above which the blind batches place no point: the deployment's own
// training budget (C_train in the split form, C in the end-to-end form; infinite without a
// target) divided by 8. Measured with bench/design: a cap of C_train spends most of the sweep in
// the first batch; C_train / 64 leaves the accuracy law without data near the target's loss, and
// the first refits extrapolate badly; C_train / 8 was the best of {1, 8, 64}.
double initial_point_cap(const TargetConfig& target);

// `count` points of the first batch, deterministic, each with 6ND <= cap:
//  * [grid] d given: a log-spaced lattice of ceil(sqrt(count)) model sizes over the N range;
//    for each N, D log-spaced over the part of the D range allowed by the tokens-per-parameter
//    bounds and the cap. Fewer points come back when the cap removes whole rows.
//  * [grid] isoflop given: IsoFLOP slices (paper §4.1, Fig. 3): about sqrt(count / 2) of the
//    configured budgets <= cap, evenly spread over them, and on each slice N log-spaced over the
//    sizes whose D = C / 6N passes the tokens-per-parameter bounds.
std::vector<GridPoint> initial_points(const SweepConfig& config, const DesignSpace& space,
                                      std::uint32_t count, double cap);

// `count` space-filling points for batch `batch`: the 2-D Halton sequence (bases 2 and 3) with a
// Cranley-Patterson shift drawn from (seed, batch), mapped by DesignSpace::at; points outside the
// space or with 6ND > cap are skipped (at most 64 * count tries).
std::vector<GridPoint> space_filling_points(const DesignSpace& space, std::uint64_t seed, std::uint32_t batch,
                                            std::uint32_t count, double cap);

// Radical inverse of i in base b (van der Corput), in [0, 1).
double radical_inverse(std::uint64_t i, std::uint32_t base);

}  // namespace t2
