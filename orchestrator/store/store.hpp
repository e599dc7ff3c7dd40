// store.hpp — the sweep's one HDF5 store and its crash-safe journal; only rank 0 writes.
// Owns durability (journal, commit, recovery after kill -9), the writer lock, and keeping
// the .h5 file in step with the journal. Knows the schema (schemas/store-layout.md), not MPI.
//
// Durability design (platform-notes §2.3: HDF5 1.10 can be torn or unreadable after kill -9):
//  * STORE.journal is an append-only file of checksummed records (CRC-32 per record). Every
//    state change is a record. commit() writes pending records and flushes them (fdatasync
//    unless disabled): a result counts as done only after commit() returns.
//  * STORE (the .h5) is a materialised view of the journal, written by sync_hdf5(): each sync
//    writes a complete new file (a copy of the last one, updated) and renames it over STORE, so
//    h5py/h5dump can open and read it at any moment while a sweep runs and see one consistent
//    sync. Its root attribute `journal_records` says how many records it reflects.
//  * Every record carries its sequence number and the journal's header a seal of the records
//    committed (journal.hpp), so damage (a bad CRC, a cut into committed records, a missing or
//    duplicated record, a journal shorter than its view) is refused by every reader, never
//    rebuilt from; repair_store() (`t2 validate --repair`) salvages on request.
//  * open() truncates a torn journal tail (a record never acknowledged), then checks the .h5;
//    if it cannot be opened, is behind, was left mid-sync, or does not read back as the journal
//    says (interior damage), it is rebuilt from the journal into STORE.rebuild and renamed over
//    STORE (atomic).
//  * STORE.lock is held with flock() by the one coordinator writing the store.
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "orchestrator/store/records.hpp"

namespace t2 {

inline constexpr std::uint32_t kStoreSchemaVersion = 1;

// A store that cannot be used: not HDF5, wrong schema version, damaged journal, locked.
// what() is one line naming the file and the problem.
class StoreError : public std::runtime_error {
 public:
  StoreError(std::string path, std::string problem);
  std::string path, problem;
};

struct StoreOptions {
  bool fsync = true;                 // fdatasync the journal in commit() (off: rely on the page cache)
  double hdf5_sync_interval = 5.0;   // seconds between automatic .h5 syncs in maybe_sync_hdf5()
  // Crash-test hook, empty in production: called with a step name at fixed points of commit()
  // and sync_hdf5() ("journal_written", "sync_begin", "copied", "tables", "outcome", "written",
  // "published", "rebuild_tables", "rebuild_outcome", "rebuild_written", "renamed";
  // schemas/store-layout.md),
  // so a test can kill the process at an exact point of a write.
  std::function<void(const char* step)> probe;
};

class Store {
 public:
  // Creates STORE and STORE.journal; throws StoreError if STORE or its journal exists.
  static Store create(const std::string& path, const std::string& config_text,
                      const std::string& config_file, StoreOptions options = {});
  // Opens an existing store for writing: takes the lock, recovers (see above).
  static Store open(const std::string& path, StoreOptions options = {});
  static bool exists(const std::string& path);  // STORE or STORE.journal exists

  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  ~Store();  // commits and closes; never throws

  const std::string& path() const;
  const StoreContents& contents() const;

  // --- events (each appends a journal record and updates contents(); durable after commit()) ---
  // Plans a batch: runs get indices contents().runs.size()..., evals likewise. PlannedEval::run
  // is an absolute run index (it may point into this batch). Returns the batch record.
  BatchRecord plan_batch(const std::vector<PlannedRun>& runs, const std::vector<PlannedEval>& evals);
  void job_started(JobKind kind, JobIndex index, const JobMeta& meta);   // attempts += 1, running
  void train_done(JobIndex index, const TrainResult& result, const JobMeta& meta);
  void eval_done(JobIndex index, const EvalResult& result, const JobMeta& meta);
  // A failed attempt. final: the job is failed for good; else it goes back to pending.
  // A cancelled attempt (FailureClass::cancelled) gives its attempt back.
  void job_failed(JobKind kind, JobIndex index, FailureClass cls, const std::string& reason,
                  const JobMeta& meta, bool final);
  // Jobs left running by a dead coordinator become pending again: their attempt is counted as
  // lost (AttemptBudget::lost), not against max_attempts. Returns how many. Called on resume.
  std::size_t requeue_running();
  // A job failed for good runs again (`t2 run --retry-failed`): pending, a fresh attempt budget,
  // attempt count and last failure kept. The job must be failed.
  void retry_job(JobKind kind, JobIndex index);
  void add_document(const Document& doc);
  void replace_config(const std::string& config_text, const std::string& config_file);  // --force

  void commit();                 // write + flush (+ fdatasync) pending records
  void sync_hdf5();              // bring the .h5 up to date now (commits first)
  void maybe_sync_hdf5();        // sync_hdf5() if hdf5_sync_interval has passed
  void close();                  // commit, sync_hdf5, release the lock

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl>);
  std::unique_ptr<Impl> impl_;
};

// Reads a store without the lock (a live store is fine): replays STORE.journal when it exists
// (it is authoritative and always readable), else reads the .h5. Throws StoreError.
StoreContents read_store(const std::string& path);

// Checks a store against the schema (`t2 validate STORE`): the .h5 opens, has the schema
// version, every table has consistent lengths and values, outcome matrices have the declared
// shapes, and the .h5 agrees with the journal. Returns the problems found (empty = valid).
std::vector<std::string> validate_store(const std::string& path);

// `t2 validate --repair STORE`: salvages a store whose journal is damaged (store-layout.md,
// "Damage and repair"). Takes the writer lock; keeps the longest prefix of records that read and
// obey the state rules; moves the damaged journal (and the .h5 view, which may hold results the
// salvaged journal lacks) aside as STORE.journal.damaged-<UTC time> and STORE.damaged-<UTC
// time>; writes the kept records as a fresh format-3 journal; rebuilds the view. A store with
// nothing damaged is left untouched (repaired = false).
struct RepairReport {
  bool repaired = false;
  std::string damage;                   // what was wrong (the message the readers refuse with)
  std::uint64_t kept_records = 0;       // records 0 .. kept_records-1 kept
  std::uint64_t lost_records = 0;       // records known to have been committed and now gone
  std::string damaged_journal, damaged_view;  // where the originals were moved ("" if none)
  std::vector<std::string> lost;        // one line per job or document that went back or vanished
};
RepairReport repair_store(const std::string& path);

// Who holds the writer lock of a store, if anyone ("pid 123 on host vm since ..."); empty if free.
std::string store_lock_holder(const std::string& path);

}  // namespace t2
