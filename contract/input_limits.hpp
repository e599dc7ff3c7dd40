// input_limits.hpp — the bounds t2 puts on untrusted text (sweep configs, job results, .npy
// outcome files) and the small helpers that enforce them at the boundary where the text
// enters. Every limit is documented once in schemas/sweep-config.md or schemas/job-result.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace t2::limits {

// A sweep config is a few hundred lines; 4 MiB leaves room for generated configs with long
// inline lists while keeping `t2 validate` on a mistaken file (a log, a binary) instant.
inline constexpr std::size_t kMaxConfigBytes = 4u << 20;
// toml++ parses dotted keys, [a.b.c] headers and inline tables/arrays recursively; ~40,000
// levels overflow the stack (issue 12 item 1). Real configs nest 3-4 levels.
inline constexpr int kMaxTomlDepth = 64;
// Largest grid (points after de-duplication, before min/max_tokens_per_param) a sweep may
// declare: each point is at least one training job, and materialising 1e10 points ends in
// bad_alloc (issue 12 item 6). 100,000 jobs is far beyond any sweep in the paper (§4).
inline constexpr std::uint64_t kMaxGridPoints = 100000;
// Durations (timeout, grace, shutdown_grace) above 1e7 s (~116 days) are mistakes, and
// larger values overflow std::chrono nanosecond arithmetic (UBSan, issue 12 item 11).
inline constexpr double kMaxDurationSeconds = 1e7;
// A value echoed in an error message is cut to this many bytes (then "…"), on one line.
inline constexpr std::size_t kMaxEchoBytes = 200;

// A job's result JSON: its numbers are at most problems x samples 0/1 values (a million-cell
// matrix is a few MiB); 64 MiB bounds memory if a job writes garbage (or /dev/zero).
inline constexpr std::size_t kMaxResultBytes = 64u << 20;
// An outcomes_file (.npy): a 1e4 x 1e3 int64 matrix is 80 MB; 256 MiB bounds memory. The shape
// its header claims is checked against the file's real size before anything is allocated.
inline constexpr std::size_t kMaxOutcomesBytes = 256u << 20;
// Nesting depth of a result JSON; the contract needs 3 (object, correct, row). nlohmann's
// dump() recurses, so ~100k levels crash the rank (issue 12 item 2).
inline constexpr int kMaxJsonDepth = 64;

// `s` with control bytes, DEL and invalid UTF-8 escaped (\n, \t, \xFF, ...), cut to
// kMaxEchoBytes (on a UTF-8 boundary) with "…" appended when cut: safe to put in one line.
std::string one_line(const std::string& s, std::size_t max_bytes = kMaxEchoBytes);

// Byte offset of the first invalid UTF-8 sequence, or npos when `s` is valid UTF-8.
std::size_t invalid_utf8_at(const std::string& s);

}  // namespace t2::limits
