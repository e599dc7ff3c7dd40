// export.hpp — turns a store's contents into a clean dataset for other programs: an HDF5 file
// (schemas/export-layout.md) and CSVs (runs.csv, evals.csv with pass@k, results.csv per problem),
// every column named from the one vocabulary (columns.hpp, schemas/columns.md).
// Reads StoreContents only; never touches the store.
#pragma once

#include <string>
#include <vector>

#include "orchestrator/store/records.hpp"

namespace t2 {

// k = 1, 2, 4, ..., up to and including k_max (k_max itself is added if not a power of two).
std::vector<std::uint32_t> pass_at_k_grid(std::uint32_t k_max);

// Writes FILE.h5 (done jobs only, pass@k per eval for the k grid, per-sample outcomes). Writes
// to FILE.h5.tmp and renames, so a failed export never leaves a half file. Throws StoreError.
void export_hdf5(const StoreContents& contents, const std::string& out_path);

// Writes DIR/runs.csv, DIR/evals.csv (one row per done eval, columns pass@k for the grid, from
// the unbiased estimator, and mean_pass@k from the likelihood source exp(-NLL)) and
// DIR/results.csv (one row per problem of each done eval: the results CSV `t2 import` reads).
void export_csv(const StoreContents& contents, const std::string& dir);

}  // namespace t2
