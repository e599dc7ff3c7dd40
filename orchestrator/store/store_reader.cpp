// store_reader.cpp — the lock-free reader read_store() (store.hpp) and the view check and
// journal replay that recovery and validation share (store_reader.hpp).
#include "orchestrator/store/store_reader.hpp"

#include <fmt/format.h>

#include "orchestrator/store/h5.hpp"
#include "orchestrator/store/store.hpp"
#include "orchestrator/store/store_files.hpp"

namespace t2 {
namespace store_internal {

ViewCheck check_view(const std::string& path) {
  ViewCheck v;
  if (!file_exists(path)) return v;
  std::uint64_t size = file_size(path);
  if (size >= 8 && !h5::has_hdf5_signature(path)) throw StoreError(path, "not an HDF5 file");
  v.status = ViewStatus::damaged;
  if (size < 8) {
    v.why = fmt::format("only {} bytes: a truncated store, or not an HDF5 file", size);
    return v;
  }
  try {
    h5::Id file = h5::open_file(path, false);
    // We never write a file without it (stores are created by rename), so this is someone
    // else's HDF5 file: never overwrite it.
    if (!h5::has_attr(file, "schema_version"))
      throw StoreError(path, "an HDF5 file that is not a t2 store (no schema_version attribute)");
    auto version = h5::attr_uint(file, "schema_version");
    if (version != kStoreSchemaVersion)
      throw StoreError(path, fmt::format("schema version {} (this t2 reads version {})", version, kStoreSchemaVersion));
    v.header = read_view_header(file);
  } catch (const h5::H5Error& e) {
    v.why = fmt::format("truncated or damaged ({})", e.what());
    return v;
  }
  // The header above reads only numbers from the root object header. The rest of a file whose
  // seal fails is not handed to HDF5 (its global heap code can loop forever on damage).
  Seal seal = check_seal(path, &v.why);
  if (seal == Seal::bad) return v;
  v.sealed = seal == Seal::good;
  if (v.header.syncing) {
    v.why = "left mid-sync (syncing = 1)";
    return v;
  }
  v.status = ViewStatus::usable;
  return v;
}

std::string journal_behind_view(const std::string& path, const JournalScan& scan, const ViewCheck& view) {
  if (scan.format >= 3 || view.status != ViewStatus::usable) return "";
  std::uint64_t seen = view.header.journal_records, have = scan.records.size();
  if (seen <= have) return "";
  return fmt::format("the journal holds {} records, but {} reflects {}: records {} to {} are missing (a truncated or "
                     "damaged journal); refusing to use it (`t2 validate --repair {}` keeps records 0 to {} and says "
                     "what is lost)",
                     have, path, seen, have, seen - 1, path, have - 1);
}

StoreContents replay(const std::string& jpath, const JournalScan& scan, std::size_t limit, Dirty* dirty,
                     std::uint64_t dirty_from) {
  StoreContents c;
  std::size_t n = std::min(limit, scan.records.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto& rec = scan.records[i];
    try {
      apply_record(c, rec.type, rec.payload, rec.length, i >= dirty_from ? dirty : nullptr);
    } catch (const EventError& e) {
      throw StoreError(jpath, fmt::format("record {} at byte offset {}: {}", i, rec.offset, e.what()));
    }
    if (i == 0 && c.schema_version != kStoreSchemaVersion)
      throw StoreError(jpath, fmt::format("schema version {} (this t2 reads version {})", c.schema_version,
                                          kStoreSchemaVersion));
  }
  if (n == 0) throw StoreError(jpath, "journal has no records (the store was never fully created)");
  c.journal_records = n;
  return c;
}

}  // namespace store_internal

using namespace store_internal;

StoreContents read_store(const std::string& path) {
  h5::quiet();
  std::string jpath = journal_path(path);
  bool has_journal = file_exists(jpath), has_h5 = file_exists(path);
  if (!has_journal && !has_h5) throw StoreError(path, "no such store (neither the file nor its journal exists)");
  if (has_journal && has_h5 && !store_lock_holder(path).empty()) {
    // A live store: its .h5 may be mid-sync right now, so do not open it; the journal has it all.
    if (file_size(path) >= 8 && !h5::has_hdf5_signature(path)) throw StoreError(path, "not an HDF5 file");
    JournalScan scan = scan_journal(jpath);
    return replay(jpath, scan, scan.records.size(), nullptr, 0);
  }
  // check_view throws for a file that is not HDF5 or of another schema version, journal or not.
  ViewCheck view = has_h5 ? check_view(path) : ViewCheck{};
  if (has_journal) {
    JournalScan scan = scan_journal(jpath);
    if (std::string damage = journal_behind_view(path, scan, view); !damage.empty()) throw StoreError(jpath, damage);
    return replay(jpath, scan, scan.records.size(), nullptr, 0);
  }
  if (view.status == ViewStatus::damaged) {
    if (view.header.syncing)
      throw StoreError(path, "was left mid-sync by a killed coordinator and its journal is missing");
    throw StoreError(path, view.why);
  }
  try {
    return read_view(path);
  } catch (const h5::H5Error& e) {
    throw StoreError(path, fmt::format("not a readable t2 store: {}", e.what()));
  }
}

}  // namespace t2
