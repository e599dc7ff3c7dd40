// hdf5_view.hpp — the .h5 file as a materialised view of StoreContents: the schema's tables
// and columns (schemas/store-layout.md), a full write (rebuild), an incremental update into a
// copy of the file, reading it back and verifying it. Knows nothing of the journal, the lock or recovery policy.
#pragma once

#include <hdf5.h>

#include <functional>
#include <string>
#include <vector>

#include "orchestrator/store/events.hpp"
#include "orchestrator/store/records.hpp"

namespace t2 {

enum class ColumnType { f64, u32, u64, i32, str };
const char* to_string(ColumnType);
struct ColumnSpec {
  const char* name;
  ColumnType type;
  const char* units;  // "" when unitless; stored as the column's `units` attribute
};
// Every 1-D column of the /runs, /evals, /batches and /documents groups, in schema order.
const std::vector<ColumnSpec>& run_columns();
const std::vector<ColumnSpec>& eval_columns();
const std::vector<ColumnSpec>& batch_columns();
const std::vector<ColumnSpec>& document_columns();

// Crash-test hook: called with a step name at fixed points of a write (see StoreOptions).
using Probe = std::function<void(const char*)>;

// Name of an eval's outcome group under /outcomes: six digits, zero-padded.
std::string outcome_group_name(JobIndex eval);

// The seal: a view's first 512 bytes are an HDF5 user block (HDF5 and h5py skip it) holding
// "T2VIEW01", the file's length (u64 LE) and the CRC-32 of every byte after the block (u32 LE),
// written once the file is complete, before it is renamed over STORE. A view whose bytes no
// longer match it (a damaged block anywhere, issue 12 item 9) is found without asking HDF5 to
// parse the damage (which can loop forever in HDF5 1.10's global heap code).
constexpr std::uint64_t kSealBytes = 512;
enum class Seal { none, good, bad };  // none: a view written before the seal (or not by t2)
Seal check_seal(const std::string& path, std::string* why);  // why: for bad
void seal_view(const std::string& path);  // (re)writes the seal of a complete view; throws h5::H5Error

// Writes a complete view of `contents` into a new file at `path` (truncating it), sealed.
void write_view(const std::string& path, const StoreContents& contents, bool fsync, const Probe& probe);

// Writes the view at `path` brought up to `contents` into a new file `copy`, leaving `path`
// untouched (so readers of `path` never see a half-written sync; the caller renames `copy` over
// `path`): copies `path` byte for byte (copy_file_range; `copy` created O_EXCL|O_NOFOLLOW after
// unlinking a stale one), probes "copied", then writes the dirty rows, new outcome groups, new
// batches and documents, and journal_records into the copy, closes and seals it (fdatasync
// if `fsync`). The file at `path` must be sealed (an unsealed one is rebuilt instead).
// Cost: a copy of the file (in-kernel; a reflink where the file system has them) plus what
// changed. Throws h5::H5Error (HDF5's reason, or errno's for the copy).
void update_view(const std::string& path, const std::string& copy, const StoreContents& contents, const Dirty& dirty,
                 bool fsync, const Probe& probe);

// The view at `path` read back whole against `expected` (a replay of the journal records the
// view says it reflects): the layout, every column of every row (the result columns of rows not
// done must be blank: NaN, "" or 0), the loss curves with their NaN padding, every outcome group
// of a done eval with its attributes and no other group. "" when they agree, else the first
// problem. Catches interior damage that the header check (read_view_header) cannot see.
std::string verify_view(const std::string& path, const StoreContents& expected);

struct ViewHeader {
  std::uint32_t schema_version = 0;
  std::uint64_t journal_records = 0;
  bool syncing = false;
};
ViewHeader read_view_header(hid_t file);           // throws h5::H5Error
StoreContents read_view(const std::string& path);  // throws h5::H5Error

// The layout of the view at `path` against the schema: every root attribute, every table column
// with its type class, one dimension and one length per table. Returns the problems found
// (empty = the layout is right); an HDF5 failure is one problem carrying HDF5's reason.
std::vector<std::string> check_view_layout(const std::string& path);

}  // namespace t2
