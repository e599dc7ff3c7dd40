// hdf5_view.hpp — the .h5 file as a materialised view of StoreContents: the schema's tables
// and columns (schemas/store-layout.md), a full write (rebuild), an in-place incremental
// update, and reading it back. Knows nothing of the journal, the lock or recovery policy.
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

// Writes a complete view of `contents` into a new file at `path` (truncating it).
void write_view(const std::string& path, const StoreContents& contents, bool fsync, const Probe& probe);

// Brings the view at `path` up to `contents` in place: sets syncing = 1 and flushes it, writes
// the dirty rows, new outcome groups, new batches and documents, then journal_records and
// syncing = 0. Cost is proportional to what changed (plus the tables' column count), not to
// the store's size. Throws h5::H5Error.
void update_view(const std::string& path, const StoreContents& contents, const Dirty& dirty, bool fsync,
                 const Probe& probe);

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
