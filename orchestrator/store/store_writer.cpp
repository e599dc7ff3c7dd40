// store_writer.cpp — the writer, Store (store.hpp): the lock, the journal, recovery on open
// and keeping the .h5 view in step. Event meaning lives in events.cpp, the .h5 view in
// hdf5_view.cpp, the readers in store_reader.cpp and store_validate.cpp.
#include "orchestrator/store/store.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cmath>
#include <cstring>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "orchestrator/store/events.hpp"
#include "orchestrator/store/h5.hpp"
#include "orchestrator/store/hdf5_view.hpp"
#include "orchestrator/store/journal.hpp"
#include "orchestrator/store/store_files.hpp"
#include "orchestrator/store/store_lock.hpp"
#include "orchestrator/store/store_reader.hpp"
#include "t2/version.hpp"

namespace t2 {

using namespace store_internal;

struct Store::Impl {
  std::string path;
  StoreOptions options;
  int lock_fd = -1;
  JournalWriter journal;
  StoreContents contents;
  Dirty dirty;
  bool rebuild = true;              // the .h5 must be written from scratch
  std::uint64_t h5_records = 0;     // journal records the .h5 reflects
  std::chrono::steady_clock::time_point last_sync = std::chrono::steady_clock::now();
  bool closed = false;

  ~Impl() { release_lock(lock_fd); }

  void probe(const char* step) const {
    if (options.probe) options.probe(step);
  }

  void check_open() const {
    if (closed) throw StoreError(path, "the store is closed");
  }

  // Checks and applies a typed record (events.hpp), then queues its encoding (journal_records.hpp).
  template <class Record>
  void record(const Record& r) {
    check_open();
    try {
      apply(contents, r, &dirty);
    } catch (const EventError& e) {
      throw StoreError(path, e.what());
    }
    journal.append(Record::type, encode(r));
    contents.journal_records += 1;
  }

  void commit() {
    check_open();
    journal.commit([this](const char* s) { probe(s); });
  }

  // Renames the complete view at `tmp` over STORE: readers see the old file or the new one,
  // never a sync in progress (issue 12 item 12).
  void publish(const std::string& tmp, const char* step) {
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
      int err = errno;
      std::remove(tmp.c_str());
      throw StoreError(path, fmt::format("cannot rename {} over it: {}", tmp, std::strerror(err)));
    }
    if (options.fsync) fsync_dir_of(path);
    probe(step);
  }

  void write_rebuild() {
    std::string tmp = rebuild_path(path);
    try {
      write_view(tmp, contents, options.fsync, [this](const char* s) {
        probe(std::strcmp(s, "tables") == 0 ? "rebuild_tables" : "rebuild_outcome");
      });
    } catch (const h5::H5Error& e) {
      std::remove(tmp.c_str());
      throw StoreError(path, fmt::format("cannot write the HDF5 file {}: {}", tmp, e.what()));
    }
    probe("rebuild_written");
    publish(tmp, "renamed");
  }

  void sync() {
    commit();
    if (!rebuild && h5_records == contents.journal_records && dirty.empty()) return;
    journal.flush_seal();  // the view's journal_records never exceeds the durable seal
    probe("sync_begin");
    if (!rebuild) {
      // The update goes into a copy (STORE.rebuild), renamed over STORE once complete.
      std::string tmp = rebuild_path(path);
      bool written = false;
      try {
        update_view(path, tmp, contents, dirty, options.fsync, [this](const char* s) { probe(s); });
        written = true;
      } catch (const h5::H5Error&) {
        // The file is damaged or was changed under us; the journal has everything: rewrite it.
        std::remove(tmp.c_str());
        rebuild = true;
      }
      if (written) {
        probe("written");
        publish(tmp, "published");
      }
    }
    if (rebuild) write_rebuild();
    rebuild = false;
    dirty.clear();
    h5_records = contents.journal_records;
    last_sync = std::chrono::steady_clock::now();
  }

  void close() {
    if (closed) return;
    commit();
    sync();
    journal.close();
    release_lock(lock_fd);
    lock_fd = -1;
    closed = true;
  }
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&& o) noexcept {
  if (this != &o) {
    if (impl_) {
      try { impl_->close(); } catch (...) {}
    }
    impl_ = std::move(o.impl_);
  }
  return *this;
}
Store::~Store() {
  if (!impl_) return;
  try {
    impl_->close();
  } catch (...) {
    // Never throws: whatever was committed is in the journal and the next open recovers.
  }
}

bool Store::exists(const std::string& path) { return file_exists(path) || file_exists(journal_path(path)); }

Store Store::create(const std::string& path, const std::string& config_text, const std::string& config_file,
                    StoreOptions options) {
  h5::quiet();
  refuse_planted_links(path);
  if (exists(path)) throw StoreError(path, "already exists (resume it, or choose another store path)");
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->options = std::move(options);
  impl->lock_fd = take_lock(path);
  if (exists(path)) throw StoreError(path, "already exists (created by another coordinator just now)");
  CreatedRecord created{kStoreSchemaVersion, kVersion, config_text, config_file, now_unix()};
  apply(impl->contents, created, &impl->dirty);
  impl->contents.journal_records = 1;
  impl->journal = JournalWriter::create(journal_path(path), impl->options.fsync, CreatedRecord::type, encode(created));
  if (impl->options.fsync) fsync_dir_of(path);
  impl->rebuild = true;
  impl->sync();
  return Store(std::move(impl));
}

Store Store::open(const std::string& path, StoreOptions options) {
  h5::quiet();
  refuse_planted_links(path);
  std::string jpath = journal_path(path);
  if (!file_exists(jpath)) {
    if (file_exists(path)) {
      check_view(path);  // throws for a file that is not a t2 store at all (not HDF5, an export, ...)
      throw StoreError(path, fmt::format("its journal {} is missing: the store can be read and exported, not resumed",
                                         jpath));
    }
    throw StoreError(path, "no such store");
  }
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->options = std::move(options);
  impl->lock_fd = take_lock(path);

  // Everything below only reads until the checks pass: a refused store is left as it was.
  ViewCheck view = check_view(path);
  JournalScan scan = scan_journal(jpath);  // refuses damage (never rebuilds from a shorter journal)
  if (std::string damage = journal_behind_view(path, scan, view); !damage.empty()) throw StoreError(jpath, damage);
  bool usable = view.status == ViewStatus::usable && view.header.journal_records <= scan.records.size();
  std::uint64_t h5_records = usable ? view.header.journal_records : 0;
  impl->contents = replay(jpath, scan, scan.records.size(), &impl->dirty, h5_records);
  impl->rebuild = !usable;
  impl->h5_records = h5_records;
  if (usable && !view.sealed) {  // written by a t2 before the seal: rebuilt once, sealed
    impl->rebuild = true;
    impl->h5_records = 0;
  }

  // Now repair: drop the torn journal tail (never acknowledged) and a rebuild left by a crash.
  impl->journal = JournalWriter::open(jpath, scan, impl->options.fsync);
  if (file_exists(rebuild_path(path))) std::remove(rebuild_path(path).c_str());
  impl->sync();
  return Store(std::move(impl));
}

const std::string& Store::path() const { return impl_->path; }
const StoreContents& Store::contents() const { return impl_->contents; }

BatchRecord Store::plan_batch(const std::vector<PlannedRun>& runs, const std::vector<PlannedEval>& evals) {
  // Each batch is planned later than the one before, so that a copy of a batch record (the
  // same planned_at and jobs) is never a real batch (events.cpp refuses it).
  double at = now_unix();
  const auto& batches = impl_->contents.batches;
  if (!batches.empty() && !(at > batches.back().planned_at))
    at = std::nextafter(batches.back().planned_at, std::numeric_limits<double>::infinity());
  impl_->record(PlanBatchRecord{at, runs, evals});
  return impl_->contents.batches.back();
}

void Store::job_started(JobKind kind, JobIndex index, const JobMeta& meta) {
  impl_->record(JobStartedRecord{kind, index, meta});
}

void Store::train_done(JobIndex index, const TrainResult& result, const JobMeta& meta) {
  impl_->record(TrainDoneRecord{index, result, meta});
}

void Store::eval_done(JobIndex index, const EvalResult& result, const JobMeta& meta) {
  impl_->record(EvalDoneRecord{index, result, meta});
}

void Store::job_failed(JobKind kind, JobIndex index, FailureClass cls, const std::string& reason,
                       const JobMeta& meta, bool final) {
  impl_->record(JobFailedRecord{kind, index, cls, reason, meta, final});
}

std::size_t Store::requeue_running() {
  std::size_t n = 0;
  for (auto& r : impl_->contents.runs) n += r.state == JobState::running;
  for (auto& e : impl_->contents.evals) n += e.state == JobState::running;
  if (n > 0) impl_->record(RequeueLostRecord{});
  return n;
}

void Store::retry_job(JobKind kind, JobIndex index) { impl_->record(JobRetryRecord{kind, index}); }

void Store::add_document(const Document& doc) {
  if (!nlohmann::json::accept(doc.json))
    throw StoreError(impl_->path, fmt::format("document of kind '{}' is not valid JSON", doc.kind));
  impl_->record(DocumentRecord{doc});
}

void Store::replace_config(const std::string& config_text, const std::string& config_file) {
  impl_->record(ReplaceConfigRecord{config_text, config_file});
}

void Store::commit() { impl_->commit(); }
void Store::sync_hdf5() { impl_->sync(); }

void Store::maybe_sync_hdf5() {
  auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - impl_->last_sync).count();
  if (elapsed >= impl_->options.hdf5_sync_interval) impl_->sync();
}

void Store::close() { impl_->close(); }

}  // namespace t2
