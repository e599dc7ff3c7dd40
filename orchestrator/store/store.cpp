// store.cpp — the writer (Store: lock, journal, recovery, .h5 syncs) and the lock-free
// readers (read_store, validate_store, store_lock_holder). Design: store.hpp; layout:
// schemas/store-layout.md. Event meaning lives in events.cpp, the .h5 view in hdf5_view.cpp.
#include "orchestrator/store/store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "orchestrator/store/compare.hpp"
#include "orchestrator/store/events.hpp"
#include "orchestrator/store/h5.hpp"
#include "orchestrator/store/hdf5_view.hpp"
#include "orchestrator/store/journal.hpp"
#include "t2/version.hpp"

namespace t2 {
namespace {

std::string journal_path(const std::string& path) { return path + ".journal"; }
std::string lock_path(const std::string& path) { return path + ".lock"; }
std::string rebuild_path(const std::string& path) { return path + ".rebuild"; }

double now_unix() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool file_exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

std::uint64_t file_size(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

std::string errno_text() { return std::strerror(errno); }

// A symbolic link planted at a file the writer creates or truncates (the lock, the journal and
// its temp file, the view and its rebuild file) would redirect the write to the link's target:
// refused before anything is touched (issue 12 item 13; schemas/store-layout.md). The opens
// themselves also use O_NOFOLLOW/O_EXCL, so a link planted after this check is refused too.
void refuse_symlink(const std::string& store, const std::string& p) {
  struct stat st {};
  if (::lstat(p.c_str(), &st) == 0 && S_ISLNK(st.st_mode))
    throw StoreError(store, fmt::format("{} is a symbolic link; refusing to follow it", p));
}

void refuse_planted_links(const std::string& path) {
  for (const std::string& p : {path, journal_path(path), journal_path(path) + ".new", lock_path(path),
                               rebuild_path(path)})
    refuse_symlink(path, p);
}

void fsync_dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

std::string read_small_file(int fd) {
  std::string s(512, '\0');
  ssize_t n = ::pread(fd, s.data(), s.size(), 0);
  s.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\0')) s.pop_back();
  return s;
}

std::string holder_text() {
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  std::time_t t = std::time(nullptr);
  std::tm tm {};
  ::gmtime_r(&t, &tm);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return fmt::format("pid {} on host {} since {}", ::getpid(), host, when);
}

// Takes STORE.lock for the writer's lifetime (flock: released by the kernel when the process
// dies, so a kill -9 never leaves a stale lock). Returns the descriptor.
int take_lock(const std::string& path) {
  std::string lp = lock_path(path);
  int fd = ::open(lp.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0 && errno == ELOOP) throw StoreError(path, fmt::format("{} is a symbolic link; refusing to follow it", lp));
  if (fd < 0) throw StoreError(path, fmt::format("cannot open the lock file {}: {}", lp, errno_text()));
  for (int attempt = 0;; ++attempt) {
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) break;
    int err = errno;
    if (err != EWOULDBLOCK) {
      ::close(fd);
      throw StoreError(path, fmt::format("cannot lock {}: {}", lp, std::strerror(err)));
    }
    // store_lock_holder() holds a shared lock for an instant to probe; let such a probe pass
    // before concluding that another coordinator holds the store.
    if (attempt >= 20) {
      std::string holder = read_small_file(fd);
      ::close(fd);
      throw StoreError(path, fmt::format("locked by another coordinator ({})", holder.empty() ? "holder unknown" : holder));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::string text = holder_text() + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    ::close(fd);
    throw StoreError(path, fmt::format("cannot write the lock file {}: {}", lp, errno_text()));
  }
  return fd;
}

void release_lock(int fd) {
  if (fd < 0) return;
  if (::ftruncate(fd, 0) != 0) { /* the holder text is only informative; the flock is what counts */ }
  ::close(fd);
}

// What the .h5 file of a store looks like before we trust it.
enum class ViewStatus { missing, usable, damaged };
struct ViewCheck {
  ViewStatus status = ViewStatus::missing;
  ViewHeader header;
  std::string why;  // for damaged
};

// Checks the .h5. Throws StoreError for what must never be overwritten: a file that is not
// HDF5 at all (a wrong path) or one of another schema version.
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
  if (v.header.syncing) {
    v.why = "left mid-sync (syncing = 1)";
    return v;
  }
  v.status = ViewStatus::usable;
  return v;
}

// Replays `scan` into a fresh StoreContents, the first `limit` records at most. Records with
// index >= dirty_from are also marked in `dirty`.
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

}  // namespace

StoreError::StoreError(std::string p, std::string pr)
    : std::runtime_error(p + ": " + pr), path(std::move(p)), problem(std::move(pr)) {}

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

  void record(RecordType type, const std::vector<char>& payload) {
    check_open();
    try {
      apply_record(contents, type, payload.data(), payload.size(), &dirty);
    } catch (const EventError& e) {
      throw StoreError(path, e.what());
    }
    journal.append(type, payload);
    contents.journal_records += 1;
  }

  void commit() {
    check_open();
    journal.commit([this](const char* s) { probe(s); });
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
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
      int err = errno;
      std::remove(tmp.c_str());
      throw StoreError(path, fmt::format("cannot rename {} over it: {}", tmp, std::strerror(err)));
    }
    if (options.fsync) fsync_dir_of(path);
    probe("renamed");
  }

  void sync() {
    commit();
    if (!rebuild && h5_records == contents.journal_records && dirty.empty()) return;
    probe("sync_begin");
    if (!rebuild) {
      try {
        update_view(path, contents, dirty, options.fsync, [this](const char* s) { probe(s); });
      } catch (const h5::H5Error&) {
        // The file is damaged or was changed under us; the journal has everything: rewrite it.
        rebuild = true;
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
  auto created = encode_created(kStoreSchemaVersion, kVersion, config_text, config_file, now_unix());
  apply_record(impl->contents, RecordType::created, created.data(), created.size(), &impl->dirty);
  impl->contents.journal_records = 1;
  impl->journal = JournalWriter::create(journal_path(path), impl->options.fsync, RecordType::created, created);
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
  JournalScan scan = scan_journal(jpath);
  bool usable = view.status == ViewStatus::usable && view.header.journal_records <= scan.records.size();
  std::uint64_t h5_records = usable ? view.header.journal_records : 0;
  impl->contents = replay(jpath, scan, scan.records.size(), &impl->dirty, h5_records);
  impl->rebuild = !usable;
  impl->h5_records = h5_records;

  // Now repair: drop the torn journal tail (never acknowledged) and a rebuild left by a crash.
  impl->journal = JournalWriter::open(jpath, scan.good_end, impl->options.fsync, scan.format);
  if (file_exists(rebuild_path(path))) std::remove(rebuild_path(path).c_str());
  impl->sync();
  return Store(std::move(impl));
}

const std::string& Store::path() const { return impl_->path; }
const StoreContents& Store::contents() const { return impl_->contents; }

BatchRecord Store::plan_batch(const std::vector<PlannedRun>& runs, const std::vector<PlannedEval>& evals) {
  impl_->record(RecordType::plan_batch, encode_plan_batch(now_unix(), runs, evals));
  return impl_->contents.batches.back();
}

void Store::job_started(JobKind kind, JobIndex index, const JobMeta& meta) {
  impl_->record(RecordType::job_started, encode_job_started(kind, index, meta));
}

void Store::train_done(JobIndex index, const TrainResult& result, const JobMeta& meta) {
  impl_->record(RecordType::train_done, encode_train_done(index, result, meta));
}

void Store::eval_done(JobIndex index, const EvalResult& result, const JobMeta& meta) {
  impl_->record(RecordType::eval_done, encode_eval_done(index, result, meta));
}

void Store::job_failed(JobKind kind, JobIndex index, FailureClass cls, const std::string& reason,
                       const JobMeta& meta, bool final) {
  impl_->record(RecordType::job_failed, encode_job_failed(kind, index, cls, reason, meta, final));
}

std::size_t Store::requeue_running() {
  std::size_t n = 0;
  for (auto& r : impl_->contents.runs) n += r.state == JobState::running;
  for (auto& e : impl_->contents.evals) n += e.state == JobState::running;
  if (n > 0) impl_->record(RecordType::requeue_lost, encode_requeue_lost());
  return n;
}

void Store::retry_job(JobKind kind, JobIndex index) {
  impl_->record(RecordType::job_retry, encode_job_retry(kind, index));
}

void Store::add_document(const Document& doc) {
  if (!nlohmann::json::accept(doc.json))
    throw StoreError(impl_->path, fmt::format("document of kind '{}' is not valid JSON", doc.kind));
  impl_->record(RecordType::document, encode_document(doc));
}

void Store::replace_config(const std::string& config_text, const std::string& config_file) {
  impl_->record(RecordType::replace_config, encode_replace_config(config_text, config_file));
}

void Store::commit() { impl_->commit(); }
void Store::sync_hdf5() { impl_->sync(); }

void Store::maybe_sync_hdf5() {
  auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - impl_->last_sync).count();
  if (elapsed >= impl_->options.hdf5_sync_interval) impl_->sync();
}

void Store::close() { impl_->close(); }

// --- readers ---

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

std::vector<std::string> validate_store(const std::string& path) {
  h5::quiet();
  std::vector<std::string> problems;
  auto problem = [&](const std::string& what) { problems.push_back(path + ": " + what); };
  std::string jpath = journal_path(path);
  bool has_journal = file_exists(jpath);
  if (!file_exists(path)) {
    if (has_journal) problem("the HDF5 file is missing (it is rebuilt from the journal when the store is next opened "
                             "for writing)");
    else problem("no such store");
    return problems;
  }
  ViewCheck view;
  try {
    view = check_view(path);
  } catch (const StoreError& e) {
    problem(e.problem);
    return problems;
  }
  if (view.status != ViewStatus::usable) {
    std::string holder = store_lock_holder(path);
    if (!holder.empty()) problem(view.why + "; a coordinator is writing it (" + holder + "), validate it again once "
                                 "the sweep has stopped");
    else problem(view.why + (has_journal ? " (it is rebuilt from the journal when the store is next opened for writing)"
                                         : ""));
    return problems;
  }
  // Structure: every root attribute, every table column with its type and one length per table.
  try {
    h5::Id file = h5::open_file(path, false);
    for (const char* a : {"t2_version", "config", "config_file"})
      if (!h5::has_attr(file, a)) problem(fmt::format("missing root attribute {}", a));
      else h5::attr_string(file, a);
    if (!h5::has_attr(file, "created_at")) problem("missing root attribute created_at");
    struct Table { const char* name; const std::vector<ColumnSpec>* cols; };
    for (Table t : {Table{"runs", &run_columns()}, Table{"evals", &eval_columns()}, Table{"batches", &batch_columns()},
                    Table{"documents", &document_columns()}}) {
      if (!h5::exists(file, t.name)) {
        problem(fmt::format("missing group /{}", t.name));
        continue;
      }
      h5::Id g = h5::open_group(file, t.name);
      std::int64_t len = -1;
      for (auto& col : *t.cols) {
        if (!h5::exists(g, col.name)) {
          problem(fmt::format("missing column /{}/{}", t.name, col.name));
          continue;
        }
        h5::Id ds = h5::open_dataset(g, col.name);
        h5::Id type(H5Dget_type(ds), H5Tclose);
        H5T_class_t cls = H5Tget_class(type);
        H5T_class_t want = col.type == ColumnType::str ? H5T_STRING : col.type == ColumnType::f64 ? H5T_FLOAT : H5T_INTEGER;
        if (cls != want) problem(fmt::format("/{}/{} is not {}", t.name, col.name, to_string(col.type)));
        auto shape = h5::shape(ds);
        if (shape.size() != 1) {
          problem(fmt::format("/{}/{} is not one-dimensional", t.name, col.name));
          continue;
        }
        if (len < 0) len = static_cast<std::int64_t>(shape[0]);
        else if (static_cast<std::uint64_t>(len) != shape[0])
          problem(fmt::format("/{}/{} has {} rows, /{}/{} has {}", t.name, col.name, shape[0], t.name,
                              t.cols->front().name, len));
      }
    }
  } catch (const h5::H5Error& e) {
    problem(e.what());
  }
  if (!problems.empty()) return problems;

  // Values: the whole file reads back as a store, and its rows are consistent.
  StoreContents c;
  try {
    c = read_view(path);
  } catch (const h5::H5Error& e) {
    problem(e.what());
    return problems;
  }
  for (auto& r : c.runs)
    if (r.batch >= c.batches.size()) problem(fmt::format("runs row {}: batch {} does not exist", r.index, r.batch));
  for (auto& e : c.evals) {
    if (e.batch >= c.batches.size()) problem(fmt::format("evals row {}: batch {} does not exist", e.index, e.batch));
    if (e.plan.run >= c.runs.size()) problem(fmt::format("evals row {}: run {} does not exist", e.index, e.plan.run));
    if (e.state != JobState::done) continue;
    if (e.result.problems != e.plan.problems || e.result.samples != e.plan.samples)
      problem(fmt::format("outcomes/{}/correct is {} x {}, the eval declares {} x {}", outcome_group_name(e.index),
                          e.result.problems, e.result.samples, e.plan.problems, e.plan.samples));
    for (auto v : e.result.correct)
      if (v > 1) {
        problem(fmt::format("outcomes/{}/correct holds the value {} (only 0 and 1 are allowed)",
                            outcome_group_name(e.index), v));
        break;
      }
  }
  try {
    h5::Id file = h5::open_file(path, false);
    h5::Id og = h5::open_group(file, "outcomes");
    for (auto& name : h5::list(og)) {
      char* end = nullptr;
      unsigned long i = std::strtoul(name.c_str(), &end, 10);
      if (*end != '\0' || i >= c.evals.size() || c.evals[i].state != JobState::done)
        problem(fmt::format("outcomes/{} does not belong to a done eval", name));
    }
  } catch (const h5::H5Error& e) {
    problem(e.what());
  }
  // Agreement with the journal: the .h5 must equal a replay of the records it says it reflects.
  if (has_journal) {
    try {
      JournalScan scan = scan_journal(jpath);
      if (view.header.journal_records > scan.records.size()) {
        problem(fmt::format("reflects {} journal records, the journal holds {}", view.header.journal_records,
                            scan.records.size()));
      } else {
        StoreContents j = replay(jpath, scan, view.header.journal_records, nullptr, 0);
        std::string diff = first_difference(c, j);
        if (!diff.empty()) problem("disagrees with its journal: " + diff);
      }
    } catch (const StoreError& e) {
      problems.push_back(e.what());
    }
  }
  return problems;
}

std::string store_lock_holder(const std::string& path) {
  int fd = ::open(lock_path(path).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return "";
  std::string holder;
  if (::flock(fd, LOCK_SH | LOCK_NB) == 0) {
    ::flock(fd, LOCK_UN);
  } else {
    holder = read_small_file(fd);
    if (holder.empty()) holder = "holder unknown";
  }
  ::close(fd);
  return holder;
}

}  // namespace t2
