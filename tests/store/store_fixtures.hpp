// store_fixtures.hpp — helpers shared by the store tests and the crash child: scratch
// directories, deterministic results, file checksums. Test code only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "orchestrator/store/records.hpp"
#include "contract/job.hpp"

namespace t2::test {

// A fresh empty directory under the build tree (tests/store/scratch/NAME; emptied first).
std::string scratch_dir(const std::string& name);

// Deterministic results for job `i` (the same i always gives the same bytes).
TrainResult train_result(std::uint32_t i);
EvalResult eval_result(std::uint32_t i, std::uint32_t problems, std::uint32_t samples);
JobMeta meta(std::uint32_t attempt, double time = 1700000000.0);

// A plan of `runs` runs with `evals_per_run` evals each ("arith" task, problems x samples).
void plan(std::vector<PlannedRun>& runs, std::vector<PlannedEval>& evals, std::uint32_t first_run, std::uint32_t n_runs,
          std::uint32_t evals_per_run, std::uint32_t problems, std::uint32_t samples);

// CRC-32 of a file's bytes ("" if missing), to prove a refused store was left untouched.
std::string checksum(const std::string& path);
std::vector<std::string> checksums(const std::string& store);  // STORE, .journal, .lock contents excluded

// Rewrites a journal in the framing of format 1 or 2 (no sequence numbers, no seal; the same
// payloads): what t2 before format 3 wrote for the same records.
void rewrite_journal_as_format(const std::string& journal, std::uint32_t format);

std::uint64_t file_size(const std::string& path);
void truncate_file(const std::string& path, std::uint64_t size);
void write_file(const std::string& path, const std::string& bytes);
std::string read_file(const std::string& path);
void copy_file(const std::string& from, const std::string& to);

}  // namespace t2::test
