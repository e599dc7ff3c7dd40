// store_repair.cpp — repair_store() (`t2 validate --repair STORE`, store.hpp): salvages the
// longest consistent prefix of a damaged journal, keeps the originals beside the store, rebuilds
// the view, and says what was lost. The only code that writes a journal shorter than what was
// committed, and only when asked to.
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>

#include <fmt/format.h>

#include "orchestrator/store/events.hpp"
#include "orchestrator/store/h5.hpp"
#include "orchestrator/store/hdf5_view.hpp"
#include "orchestrator/store/journal.hpp"
#include "orchestrator/store/store.hpp"
#include "orchestrator/store/store_files.hpp"
#include "orchestrator/store/store_lock.hpp"
#include "orchestrator/store/store_reader.hpp"

namespace t2 {

using namespace store_internal;

namespace {

std::string utc_stamp() {
  std::time_t t = std::time(nullptr);
  std::tm tm {};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

// What `before` (what the view had seen) holds that `kept` (the salvaged journal) does not.
template <class Rec>
void lost_jobs(const char* name, const std::vector<Rec>& before, const std::vector<Rec>& kept,
               std::vector<std::string>& out) {
  for (std::size_t i = 0; i < before.size(); ++i) {
    if (i >= kept.size())
      out.push_back(fmt::format("{} {} (batch {}, {}) vanished: the record that planned it is lost", name, i,
                                before[i].batch, to_string(before[i].state)));
    else if (before[i].state != kept[i].state)
      out.push_back(fmt::format("{} {}: was {}, is now {}", name, i, to_string(before[i].state),
                                to_string(kept[i].state)));
  }
}

// Keeps the original at `to`: a hard link (the same bytes, whatever happens next), else a copy.
void keep_aside(const std::string& store, const std::string& from, const std::string& to) {
  if (::link(from.c_str(), to.c_str()) == 0) return;
  std::error_code ec;
  std::filesystem::copy_file(from, to, ec);
  if (ec) throw StoreError(store, fmt::format("cannot keep {} as {}: {}", from, to, ec.message()));
}

}  // namespace

RepairReport repair_store(const std::string& path) {
  h5::quiet();
  refuse_planted_links(path);
  std::string jpath = journal_path(path);
  if (!file_exists(jpath)) throw StoreError(path, fmt::format("no journal to repair ({} is missing)", jpath));
  RepairReport rep;
  {
    int lock = take_lock(path);
    struct Unlock {
      int fd;
      ~Unlock() { release_lock(fd); }
    } unlock{lock};

    JournalScan scan = scan_journal(jpath, /*salvage=*/true);
    ViewCheck view = check_view(path);  // throws for a file that is not a t2 store: not ours to touch
    rep.damage = scan.damage;
    if (rep.damage.empty()) rep.damage = journal_behind_view(path, scan, view);
    // The longest prefix that also obeys the state rules (a duplicated plan_batch, ...).
    StoreContents kept;
    std::size_t keep = scan.records.size();
    for (std::size_t i = 0; i < keep; ++i) {
      const auto& rec = scan.records[i];
      try {
        apply_record(kept, rec.type, rec.payload, rec.length, nullptr);
      } catch (const EventError& e) {
        if (rep.damage.empty())
          rep.damage = fmt::format("record {} at byte offset {}: {}", i, rec.offset, e.what());
        keep = i;
        break;
      }
      if (i == 0 && kept.schema_version != kStoreSchemaVersion)
        throw StoreError(jpath, fmt::format("schema version {} (this t2 reads version {})", kept.schema_version,
                                            kStoreSchemaVersion));
    }
    if (rep.damage.empty()) return rep;  // nothing damaged: nothing touched
    if (keep == 0) throw StoreError(jpath, "nothing can be salvaged (the store's created record is damaged): " +
                                               rep.damage);
    kept.journal_records = keep;
    rep.kept_records = keep;

    // What was committed: the seal's count (format 3), or what the view reflected; at least every
    // record found.
    std::uint64_t committed = scan.records.size();
    if (scan.sealed) committed = std::max(committed, scan.sealed_records);
    if (view.status == ViewStatus::usable) committed = std::max<std::uint64_t>(committed, view.header.journal_records);
    rep.lost_records = committed - keep;

    // What the view had seen, against what is kept.
    if (view.status == ViewStatus::usable && view.header.journal_records > keep) {
      try {
        StoreContents before = read_view(path);
        lost_jobs("run", before.runs, kept.runs, rep.lost);
        lost_jobs("eval", before.evals, kept.evals, rep.lost);
        if (before.batches.size() > kept.batches.size())
          rep.lost.push_back(fmt::format("batches {} to {} vanished", kept.batches.size(), before.batches.size() - 1));
        for (std::size_t i = kept.documents.size(); i < before.documents.size(); ++i)
          rep.lost.push_back(fmt::format("document {} (kind '{}') vanished", i, before.documents[i].kind));
      } catch (const h5::H5Error& e) {
        rep.lost.push_back(fmt::format("(the view {} does not read, so which jobs the lost records touched is "
                                       "unknown: {})",
                                       path, e.what()));
      }
    } else {
      rep.lost.push_back("(no view had seen the lost records, so which jobs they touched is unknown; every job "
                         "the kept records do not mark done runs again on resume)");
    }

    // Keep the originals, then swap the salvaged journal in (atomic rename) and drop the view.
    std::string stamp = utc_stamp();
    rep.damaged_journal = jpath + ".damaged-" + stamp;
    std::string repaired = jpath + ".repair";
    write_journal_copy(repaired, scan, keep, true);
    keep_aside(path, jpath, rep.damaged_journal);
    if (std::rename(repaired.c_str(), jpath.c_str()) != 0)
      throw StoreError(path, fmt::format("cannot rename {} over {}: {}", repaired, jpath, errno_text()));
    if (file_exists(path)) {
      rep.damaged_view = path + ".damaged-" + stamp;
      if (std::rename(path.c_str(), rep.damaged_view.c_str()) != 0)
        throw StoreError(path, fmt::format("cannot move the view aside to {}: {}", rep.damaged_view, errno_text()));
    }
    fsync_dir_of(path);
  }
  // Rebuild the view from the salvaged journal (the writer's own recovery).
  Store s = Store::open(path);
  s.close();
  rep.repaired = true;
  return rep;
}

}  // namespace t2
