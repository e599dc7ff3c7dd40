// hdf5_view.cpp — writing and reading the .h5 view of a store (see hdf5_view.hpp and
// schemas/store-layout.md, which documents every name used here).
#include "orchestrator/store/hdf5_view.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>

#include <fmt/format.h>
#include <zlib.h>

#include "orchestrator/store/compare.hpp"
#include "orchestrator/store/h5.hpp"

namespace t2 {
namespace {

using h5::Id;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kOutcomeGzip = 4;  // level 4: most of level 9's ratio on 0/1 bytes at a fraction of the time

void fsync_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) throw h5::H5Error("cannot open " + path + " to flush it");
  int rc = ::fdatasync(fd);
  ::close(fd);
  if (rc != 0) throw h5::H5Error("cannot flush " + path);
}

// A file descriptor closed on every path out (an error mid-copy must not leak it).
struct Fd {
  int fd = -1;
  ~Fd() { if (fd >= 0) ::close(fd); }
};

h5::H5Error sys_error(const std::string& what, const std::string& path) {
  return h5::H5Error(fmt::format("{} {}: {}", what, path, std::strerror(errno)));
}

// Copies `from` to a new file `to` (a stale `to` is unlinked first; a link planted at `to` is
// removed, never followed). copy_file_range copies in the kernel (a reflink on btrfs/XFS);
// plain read/write where it is not supported.
void copy_file(const std::string& from, const std::string& to) {
  Fd in, out;
  in.fd = ::open(from.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in.fd < 0) throw sys_error("cannot open", from);
  struct stat st {};
  if (::fstat(in.fd, &st) != 0) throw sys_error("cannot stat", from);
  if (::unlink(to.c_str()) != 0 && errno != ENOENT) throw sys_error("cannot remove", to);
  out.fd = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st.st_mode & 0777);
  if (out.fd < 0) throw sys_error("cannot create", to);
  bool kernel = true;
  std::vector<char> buf;
  for (off_t done = 0; done < st.st_size;) {
    auto want = static_cast<std::size_t>(st.st_size - done);
    ssize_t n = -1;
    if (kernel) {
      n = ::copy_file_range(in.fd, nullptr, out.fd, nullptr, want, 0);
      if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP) && done == 0) {
        kernel = false;
        continue;
      }
    } else {
      buf.resize(1 << 20);
      n = ::read(in.fd, buf.data(), std::min(want, buf.size()));
      for (ssize_t w = 0; n > 0 && w < n;) {
        ssize_t k = ::write(out.fd, buf.data() + w, static_cast<std::size_t>(n - w));
        if (k < 0) throw sys_error("cannot write", to);
        w += k;
      }
    }
    if (n < 0) throw sys_error(kernel ? "cannot copy into" : "cannot read", kernel ? to : from);
    if (n == 0) break;  // the file is shorter than it was: HDF5's open of the copy will say so
    done += n;
  }
  int fd = out.fd;
  out.fd = -1;
  if (::close(fd) != 0) throw sys_error("cannot write", to);
}

constexpr char kSealMagic[8] = {'T', '2', 'V', 'I', 'E', 'W', '0', '1'};

// CRC-32 of the bytes of `fd` from kSealBytes to `size`.
std::uint32_t crc_after_seal(int fd, std::uint64_t size, const std::string& path) {
  std::vector<char> buf(1 << 20);
  uLong crc = crc32(0L, Z_NULL, 0);
  for (std::uint64_t at = kSealBytes; at < size;) {
    ssize_t n = ::pread(fd, buf.data(), std::min<std::uint64_t>(buf.size(), size - at), static_cast<off_t>(at));
    if (n < 0) throw sys_error("cannot read", path);
    if (n == 0) break;
    crc = crc32(crc, reinterpret_cast<const Bytef*>(buf.data()), static_cast<uInt>(n));
    at += static_cast<std::uint64_t>(n);
  }
  return static_cast<std::uint32_t>(crc);
}

}  // namespace

void seal_view(const std::string& path) {
  Fd f;
  f.fd = ::open(path.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC);
  if (f.fd < 0) throw sys_error("cannot open", path);
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) throw sys_error("cannot stat", path);
  char head[8] = {};
  if (::pread(f.fd, head, 8, 0) != 8 || std::memcmp(head, "\x89HDF", 4) == 0)
    throw h5::H5Error(path + " has no user block for its seal");
  auto size = static_cast<std::uint64_t>(st.st_size);
  std::uint32_t crc = crc_after_seal(f.fd, size, path);
  char block[20];
  std::memcpy(block, kSealMagic, 8);
  for (int i = 0; i < 8; ++i) block[8 + i] = static_cast<char>(size >> (8 * i));
  for (int i = 0; i < 4; ++i) block[16 + i] = static_cast<char>(crc >> (8 * i));
  if (::pwrite(f.fd, block, sizeof block, 0) != static_cast<ssize_t>(sizeof block)) throw sys_error("cannot seal", path);
  int fd = f.fd;
  f.fd = -1;
  if (::close(fd) != 0) throw sys_error("cannot seal", path);
}

namespace {

void create_columns(hid_t group, const std::vector<ColumnSpec>& cols) {
  for (auto& c : cols) {
    switch (c.type) {
      case ColumnType::f64: h5::create_column<double>(group, c.name, c.units); break;
      case ColumnType::u32: h5::create_column<std::uint32_t>(group, c.name, c.units); break;
      case ColumnType::u64: h5::create_column<std::uint64_t>(group, c.name, c.units); break;
      case ColumnType::i32: h5::create_column<std::int32_t>(group, c.name, c.units); break;
      case ColumnType::str: h5::create_string_column(group, c.name); break;
    }
  }
}

void set_lengths(hid_t group, const std::vector<ColumnSpec>& cols, std::uint64_t n) {
  for (auto& c : cols) {
    Id ds = h5::open_dataset(group, c.name);
    if (h5::length(ds) != n) h5::set_length(ds, n);
  }
}

// Writes column `name` at `rows`, taking each value from get(row).
template <class T, class Get>
void put(hid_t group, const char* name, const std::vector<std::uint64_t>& rows, Get get) {
  std::vector<T> v;
  v.reserve(rows.size());
  for (auto r : rows) v.push_back(static_cast<T>(get(r)));
  Id ds = h5::open_dataset(group, name);
  h5::write_rows(ds, rows, v);
}
template <class Get>
void put_str(hid_t group, const char* name, const std::vector<std::uint64_t>& rows, Get get) {
  std::vector<std::string> v;
  v.reserve(rows.size());
  for (auto r : rows) v.push_back(get(r));
  Id ds = h5::open_dataset(group, name);
  h5::write_string_rows(ds, rows, v);
}

template <class T>
std::vector<T> col(hid_t group, const char* name, std::uint64_t n) {
  Id ds = h5::open_dataset(group, name);
  auto v = h5::read_column<T>(ds);
  if (v.size() != n) throw h5::H5Error(fmt::format("column {} has {} rows, expected {}", name, v.size(), n));
  return v;
}
std::vector<std::string> col_str(hid_t group, const char* name, std::uint64_t n) {
  Id ds = h5::open_dataset(group, name);
  auto v = h5::read_string_column(ds);
  if (v.size() != n) throw h5::H5Error(fmt::format("column {} has {} rows, expected {}", name, v.size(), n));
  return v;
}

JobState state_from(const std::string& s, const char* table, std::size_t row) {
  try {
    return job_state_from_string(s);
  } catch (const std::invalid_argument&) {
    throw h5::H5Error(fmt::format("{} row {}: unknown state '{}'", table, row, s));
  }
}

void create_skeleton(hid_t file, const StoreContents& c) {
  h5::set_attr(file, "schema_version", c.schema_version);
  h5::set_attr(file, "t2_version", c.t2_version);
  h5::set_attr(file, "created_at", c.created_at);
  h5::set_attr(file, "config", c.config_text);
  h5::set_attr(file, "config_file", c.config_file);
  h5::set_attr(file, "journal_records", std::uint64_t{0});
  h5::set_attr(file, "syncing", std::uint8_t{1});
  { Id g = h5::create_group(file, "runs"); create_columns(g, run_columns()); }
  { Id g = h5::create_group(file, "evals"); create_columns(g, eval_columns()); }
  { Id g = h5::create_group(file, "batches"); create_columns(g, batch_columns()); }
  { Id g = h5::create_group(file, "documents"); create_columns(g, document_columns()); }
  {
    Id g = h5::create_group(file, "run_curves");
    h5::create_nan_matrix(g, "loss", 64);
    h5::create_nan_matrix(g, "tokens", 64);
    Id loss = h5::open_dataset(g, "loss");
    h5::set_attr(loss, "units", "nats/token");
    Id tokens = h5::open_dataset(g, "tokens");
    h5::set_attr(tokens, "units", "tokens");
  }
  { Id g = h5::create_group(file, "outcomes"); }
}

template <class Rec>
void put_meta_columns(hid_t g, const std::vector<Rec>& recs, const std::vector<std::uint64_t>& rows) {
  put<std::uint32_t>(g, "last_attempt", rows, [&](auto r) { return recs[r].meta.attempt; });
  put<std::int32_t>(g, "rank", rows, [&](auto r) { return recs[r].meta.rank; });
  put_str(g, "host", rows, [&](auto r) { return recs[r].meta.host; });
  put<double>(g, "wall_seconds", rows, [&](auto r) { return recs[r].meta.wall_seconds; });
  put<double>(g, "finished_at", rows, [&](auto r) { return recs[r].meta.time; });
  put_str(g, "failure", rows, [&](auto r) { return std::string(to_string(recs[r].failure)); });
  put_str(g, "reason", rows, [&](auto r) { return recs[r].reason; });
  put_str(g, "state", rows, [&](auto r) { return std::string(to_string(recs[r].state)); });
  put<std::uint32_t>(g, "attempts", rows, [&](auto r) { return recs[r].attempts; });
  put<std::uint32_t>(g, "batch", rows, [&](auto r) { return recs[r].batch; });
  put<std::uint32_t>(g, "index", rows, [&](auto r) { return recs[r].index; });
}

template <class Rec>
void get_meta_columns(hid_t g, std::vector<Rec>& recs, const char* table) {
  std::uint64_t n = recs.size();
  auto last_attempt = col<std::uint32_t>(g, "last_attempt", n);
  auto rank = col<std::int32_t>(g, "rank", n);
  auto host = col_str(g, "host", n);
  auto wall = col<double>(g, "wall_seconds", n);
  auto finished = col<double>(g, "finished_at", n);
  auto failure = col_str(g, "failure", n);
  auto reason = col_str(g, "reason", n);
  auto state = col_str(g, "state", n);
  auto attempts = col<std::uint32_t>(g, "attempts", n);
  auto batch = col<std::uint32_t>(g, "batch", n);
  auto index = col<std::uint32_t>(g, "index", n);
  for (std::size_t i = 0; i < n; ++i) {
    auto& r = recs[i];
    if (index[i] != i) throw h5::H5Error(fmt::format("{} row {} has index {}", table, i, index[i]));
    r.index = index[i];
    r.meta.attempt = last_attempt[i]; r.meta.rank = rank[i]; r.meta.host = host[i];
    r.meta.wall_seconds = wall[i]; r.meta.time = finished[i];
    r.failure = failure_class_from_string(failure[i]);
    r.reason = reason[i];
    r.state = state_from(state[i], table, i);
    r.attempts = attempts[i];
    r.batch = batch[i];
  }
}

void write_changes(hid_t file, const StoreContents& c, const Dirty& d, const Probe& probe) {
  if (d.root) {
    h5::set_attr(file, "config", c.config_text);
    h5::set_attr(file, "config_file", c.config_file);
  }
  // --- runs and their loss curves ---
  {
    Id g = h5::open_group(file, "runs");
    set_lengths(g, run_columns(), c.runs.size());
    std::vector<std::uint64_t> rows(d.runs.begin(), d.runs.end());
    const auto& R = c.runs;
    auto done = [&](std::uint64_t r) { return R[r].state == JobState::done; };
    auto res = [&](std::uint64_t r, double v) { return done(r) ? v : kNaN; };
    put_meta_columns(g, R, rows);
    put<double>(g, "n_params", rows, [&](auto r) { return R[r].plan.n_params; });
    put<double>(g, "n_tokens", rows, [&](auto r) { return R[r].plan.n_tokens; });
    put<std::uint64_t>(g, "seed", rows, [&](auto r) { return R[r].plan.seed; });
    put<std::uint32_t>(g, "replicate", rows, [&](auto r) { return R[r].plan.replicate; });
    put<double>(g, "loss", rows, [&](auto r) { return res(r, R[r].result.final_loss); });
    put<double>(g, "tokens_seen", rows, [&](auto r) { return res(r, R[r].result.tokens_seen); });
    put<double>(g, "params", rows, [&](auto r) { return res(r, R[r].result.params); });
    put<double>(g, "params_total", rows, [&](auto r) { return res(r, R[r].result.params_total); });
    put<double>(g, "flops", rows, [&](auto r) { return res(r, R[r].result.flops); });
    put_str(g, "checkpoint", rows, [&](auto r) { return done(r) ? R[r].result.checkpoint : std::string(); });
    put<std::uint32_t>(g, "curve_points", rows,
                       [&](auto r) { return done(r) ? static_cast<std::uint32_t>(R[r].result.loss_curve.size()) : 0u; });

    Id cg = h5::open_group(file, "run_curves");
    Id loss = h5::open_dataset(cg, "loss"), tokens = h5::open_dataset(cg, "tokens");
    auto shape = h5::shape(loss);
    std::uint64_t width = std::max<std::uint64_t>(shape[1], 1);
    for (auto r : rows)
      if (done(r)) width = std::max<std::uint64_t>({width, R[r].result.loss_curve.size(), R[r].result.curve_tokens.size()});
    if (shape[0] != R.size() || shape[1] != width) {
      h5::set_shape(loss, R.size(), width);
      h5::set_shape(tokens, R.size(), width);
    }
    for (auto r : rows)
      if (done(r)) {
        if (!R[r].result.loss_curve.empty()) h5::write_matrix_row(loss, r, R[r].result.loss_curve);
        if (!R[r].result.curve_tokens.empty()) h5::write_matrix_row(tokens, r, R[r].result.curve_tokens);
      }
  }
  // --- evals ---
  {
    Id g = h5::open_group(file, "evals");
    set_lengths(g, eval_columns(), c.evals.size());
    std::vector<std::uint64_t> rows(d.evals.begin(), d.evals.end());
    const auto& E = c.evals;
    auto done = [&](std::uint64_t r) { return E[r].state == JobState::done; };
    put_meta_columns(g, E, rows);
    put<std::uint32_t>(g, "run", rows, [&](auto r) { return E[r].plan.run; });
    put_str(g, "task", rows, [&](auto r) { return E[r].plan.task; });
    put<std::uint32_t>(g, "problems", rows, [&](auto r) { return E[r].plan.problems; });
    put<std::uint32_t>(g, "samples", rows, [&](auto r) { return E[r].plan.samples; });
    put<double>(g, "temperature", rows, [&](auto r) { return E[r].plan.temperature; });
    put<std::uint32_t>(g, "top_k", rows, [&](auto r) { return E[r].plan.top_k; });
    put<std::uint64_t>(g, "seed", rows, [&](auto r) { return E[r].plan.seed; });
    put<double>(g, "flops", rows, [&](auto r) { return done(r) ? E[r].result.flops : kNaN; });
    put<double>(g, "tokens_per_sample", rows, [&](auto r) { return done(r) ? E[r].result.tokens_per_sample : kNaN; });
  }
  if (probe) probe("tables");
  // --- outcome matrices of newly done evals: written once, never rewritten ---
  {
    Id og = h5::open_group(file, "outcomes");
    for (JobIndex i : d.outcomes) {
      const auto& ev = c.evals.at(i);
      std::string name = outcome_group_name(i);
      if (h5::exists(og, name)) h5::remove(og, name);
      Id g = h5::create_group(og, name);
      h5::set_attr(g, "eval", std::uint32_t{i});
      h5::set_attr(g, "run", std::uint32_t{ev.plan.run});
      h5::set_attr(g, "task", ev.plan.task);
      h5::write_matrix<std::uint8_t>(g, "correct", ev.result.problems, ev.result.samples, ev.result.correct, kOutcomeGzip);
      h5::write_vector<double>(g, "nll", ev.result.answer_nll, kOutcomeGzip);
      Id nll = h5::open_dataset(g, "nll");
      h5::set_attr(nll, "units", "nats");
      if (probe) probe("outcome");
    }
  }
  // --- append-only tables ---
  {
    Id g = h5::open_group(file, "batches");
    Id first = h5::open_dataset(g, "index");
    std::uint64_t from = h5::length(first);
    set_lengths(g, batch_columns(), c.batches.size());
    std::vector<std::uint64_t> rows;
    for (std::uint64_t r = from; r < c.batches.size(); ++r) rows.push_back(r);
    const auto& B = c.batches;
    put<std::uint32_t>(g, "index", rows, [&](auto r) { return B[r].index; });
    put<double>(g, "planned_at", rows, [&](auto r) { return B[r].planned_at; });
    put<std::uint32_t>(g, "first_run", rows, [&](auto r) { return B[r].first_run; });
    put<std::uint32_t>(g, "n_runs", rows, [&](auto r) { return B[r].n_runs; });
    put<std::uint32_t>(g, "first_eval", rows, [&](auto r) { return B[r].first_eval; });
    put<std::uint32_t>(g, "n_evals", rows, [&](auto r) { return B[r].n_evals; });
  }
  {
    Id g = h5::open_group(file, "documents");
    Id first = h5::open_dataset(g, "batch");
    std::uint64_t from = h5::length(first);
    set_lengths(g, document_columns(), c.documents.size());
    std::vector<std::uint64_t> rows;
    for (std::uint64_t r = from; r < c.documents.size(); ++r) rows.push_back(r);
    const auto& D = c.documents;
    put_str(g, "kind", rows, [&](auto r) { return D[r].kind; });
    put<std::uint32_t>(g, "batch", rows, [&](auto r) { return D[r].batch; });
    put<double>(g, "time", rows, [&](auto r) { return D[r].time; });
    put_str(g, "json", rows, [&](auto r) { return D[r].json; });
  }
  h5::set_attr(file, "journal_records", std::uint64_t{c.journal_records});
}

Dirty everything(const StoreContents& c) {
  Dirty d;
  for (auto& r : c.runs) d.runs.insert(r.index);
  for (auto& e : c.evals) {
    d.evals.insert(e.index);
    if (e.state == JobState::done) d.outcomes.push_back(e.index);
  }
  d.root = true;
  return d;
}

}  // namespace

const char* to_string(ColumnType t) {
  switch (t) {
    case ColumnType::f64: return "float64";
    case ColumnType::u32: return "uint32";
    case ColumnType::u64: return "uint64";
    case ColumnType::i32: return "int32";
    case ColumnType::str: return "string";
  }
  return "unknown";
}

// Keep in step with schemas/store-layout.md.
const std::vector<ColumnSpec>& run_columns() {
  static const std::vector<ColumnSpec> cols = {
      {"index", ColumnType::u32, ""},          {"batch", ColumnType::u32, ""},
      {"n_params", ColumnType::f64, "parameters"}, {"n_tokens", ColumnType::f64, "tokens"},
      {"seed", ColumnType::u64, ""},           {"replicate", ColumnType::u32, ""},
      {"state", ColumnType::str, ""},          {"attempts", ColumnType::u32, ""},
      {"loss", ColumnType::f64, "nats/token"}, {"tokens_seen", ColumnType::f64, "tokens"},
      {"params", ColumnType::f64, "parameters"}, {"params_total", ColumnType::f64, "parameters"},
      {"flops", ColumnType::f64, "FLOPs"},     {"checkpoint", ColumnType::str, ""},
      {"curve_points", ColumnType::u32, ""},   {"last_attempt", ColumnType::u32, ""},
      {"rank", ColumnType::i32, ""},           {"host", ColumnType::str, ""},
      {"wall_seconds", ColumnType::f64, "s"},  {"finished_at", ColumnType::f64, "s since 1970-01-01 UTC"},
      {"failure", ColumnType::str, ""},        {"reason", ColumnType::str, ""},
  };
  return cols;
}

const std::vector<ColumnSpec>& eval_columns() {
  static const std::vector<ColumnSpec> cols = {
      {"index", ColumnType::u32, ""},          {"batch", ColumnType::u32, ""},
      {"run", ColumnType::u32, ""},            {"task", ColumnType::str, ""},
      {"problems", ColumnType::u32, ""},       {"samples", ColumnType::u32, ""},
      {"temperature", ColumnType::f64, ""},    {"top_k", ColumnType::u32, ""},
      {"seed", ColumnType::u64, ""},           {"state", ColumnType::str, ""},
      {"attempts", ColumnType::u32, ""},       {"flops", ColumnType::f64, "FLOPs"},
      {"tokens_per_sample", ColumnType::f64, "tokens"},
      {"last_attempt", ColumnType::u32, ""},   {"rank", ColumnType::i32, ""},
      {"host", ColumnType::str, ""},           {"wall_seconds", ColumnType::f64, "s"},
      {"finished_at", ColumnType::f64, "s since 1970-01-01 UTC"},
      {"failure", ColumnType::str, ""},        {"reason", ColumnType::str, ""},
  };
  return cols;
}

const std::vector<ColumnSpec>& batch_columns() {
  static const std::vector<ColumnSpec> cols = {
      {"index", ColumnType::u32, ""},      {"planned_at", ColumnType::f64, "s since 1970-01-01 UTC"},
      {"first_run", ColumnType::u32, ""},  {"n_runs", ColumnType::u32, ""},
      {"first_eval", ColumnType::u32, ""}, {"n_evals", ColumnType::u32, ""},
  };
  return cols;
}

const std::vector<ColumnSpec>& document_columns() {
  static const std::vector<ColumnSpec> cols = {
      {"kind", ColumnType::str, ""},
      {"batch", ColumnType::u32, ""},
      {"time", ColumnType::f64, "s since 1970-01-01 UTC"},
      {"json", ColumnType::str, ""},
  };
  return cols;
}

std::string outcome_group_name(JobIndex eval) { return fmt::format("{:06d}", eval); }

Seal check_seal(const std::string& path, std::string* why) {
  Fd f;
  f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  unsigned char block[20];
  if (f.fd < 0 || ::fstat(f.fd, &st) != 0 || ::pread(f.fd, block, sizeof block, 0) != static_cast<ssize_t>(sizeof block) ||
      std::memcmp(block, kSealMagic, 8) != 0)
    return Seal::none;
  std::uint64_t size = 0;
  std::uint32_t crc = 0;
  for (int i = 0; i < 8; ++i) size |= std::uint64_t{block[8 + i]} << (8 * i);
  for (int i = 0; i < 4; ++i) crc |= std::uint32_t{block[16 + i]} << (8 * i);
  auto actual = static_cast<std::uint64_t>(st.st_size);
  if (actual != size) {
    if (why) *why = fmt::format("truncated or damaged ({} bytes, its seal says {})", actual, size);
    return Seal::bad;
  }
  if (crc_after_seal(f.fd, size, path) != crc) {
    if (why) *why = "damaged (its bytes do not match the checksum in its seal)";
    return Seal::bad;
  }
  return Seal::good;
}

void write_view(const std::string& path, const StoreContents& c, bool fsync, const Probe& probe) {
  {
    Id file = h5::create_file(path, kSealBytes);
    create_skeleton(file, c);
    write_changes(file, c, everything(c), probe);
    h5::set_attr(file, "syncing", std::uint8_t{0});
    file.close(path);
  }
  seal_view(path);
  if (fsync) fsync_file(path);
}

void update_view(const std::string& path, const std::string& copy, const StoreContents& c, const Dirty& d, bool fsync,
                 const Probe& probe) {
  // `path` is only read: a reader opening it at any moment sees the last complete sync, and a
  // writer killed below leaves a stale `copy` that the next open removes (issue 12 item 12).
  copy_file(path, copy);
  if (probe) probe("copied");
  {
    Id file = h5::open_file(copy, true);
    write_changes(file, c, d, probe);
    file.close(copy);
  }
  seal_view(copy);
  if (fsync) fsync_file(copy);
}

ViewHeader read_view_header(hid_t file) {
  ViewHeader h;
  h.schema_version = static_cast<std::uint32_t>(h5::attr_uint(file, "schema_version"));
  h.journal_records = h5::attr_uint(file, "journal_records");
  h.syncing = h5::attr_uint(file, "syncing") != 0;
  return h;
}

StoreContents read_view(const std::string& path) {
  Id file = h5::open_file(path, false);
  StoreContents c;
  ViewHeader h = read_view_header(file);
  c.schema_version = h.schema_version;
  c.journal_records = h.journal_records;
  c.t2_version = h5::attr_string(file, "t2_version");
  c.config_text = h5::attr_string(file, "config");
  c.config_file = h5::attr_string(file, "config_file");
  c.created_at = h5::attr_double(file, "created_at");
  {
    Id g = h5::open_group(file, "runs");
    Id first = h5::open_dataset(g, "index");
    std::uint64_t n = h5::length(first);
    c.runs.resize(n);
    get_meta_columns(g, c.runs, "runs");
    auto n_params = col<double>(g, "n_params", n), n_tokens = col<double>(g, "n_tokens", n);
    auto seed = col<std::uint64_t>(g, "seed", n);
    auto replicate = col<std::uint32_t>(g, "replicate", n);
    auto loss = col<double>(g, "loss", n), seen = col<double>(g, "tokens_seen", n);
    auto params = col<double>(g, "params", n), params_total = col<double>(g, "params_total", n);
    auto flops = col<double>(g, "flops", n);
    auto checkpoint = col_str(g, "checkpoint", n);
    auto points = col<std::uint32_t>(g, "curve_points", n);
    Id cg = h5::open_group(file, "run_curves");
    Id loss_ds = h5::open_dataset(cg, "loss"), tokens_ds = h5::open_dataset(cg, "tokens");
    std::uint64_t lr = 0, lc = 0, tr = 0, tc = 0;
    auto curves = h5::read_matrix<float>(loss_ds, lr, lc);
    auto curve_tokens = h5::read_matrix<float>(tokens_ds, tr, tc);
    if (lr != n || tr != n || lc != tc) throw h5::H5Error("run_curves do not match the runs table");
    for (std::size_t i = 0; i < n; ++i) {
      auto& r = c.runs[i];
      r.plan.n_params = n_params[i]; r.plan.n_tokens = n_tokens[i]; r.plan.seed = seed[i];
      r.plan.replicate = replicate[i];
      if (r.state != JobState::done) continue;
      r.result.final_loss = loss[i]; r.result.tokens_seen = seen[i]; r.result.params = params[i];
      r.result.params_total = params_total[i]; r.result.flops = flops[i]; r.result.checkpoint = checkpoint[i];
      if (points[i] > lc) throw h5::H5Error(fmt::format("runs row {}: curve_points {} > curve width {}", i, points[i], lc));
      r.result.loss_curve.assign(curves.begin() + i * lc, curves.begin() + i * lc + points[i]);
      // curve_tokens may be shorter than the loss curve (a workload without token marks):
      // it is stored up to its own length, NaN after.
      std::size_t nt = 0;
      while (nt < tc && !std::isnan(curve_tokens[i * tc + nt])) ++nt;
      r.result.curve_tokens.assign(curve_tokens.begin() + i * tc, curve_tokens.begin() + i * tc + nt);
    }
  }
  {
    Id g = h5::open_group(file, "evals");
    Id first = h5::open_dataset(g, "index");
    std::uint64_t n = h5::length(first);
    c.evals.resize(n);
    get_meta_columns(g, c.evals, "evals");
    auto run = col<std::uint32_t>(g, "run", n);
    auto task = col_str(g, "task", n);
    auto problems = col<std::uint32_t>(g, "problems", n), samples = col<std::uint32_t>(g, "samples", n);
    auto temperature = col<double>(g, "temperature", n);
    auto top_k = col<std::uint32_t>(g, "top_k", n);
    auto seed = col<std::uint64_t>(g, "seed", n);
    auto flops = col<double>(g, "flops", n), tps = col<double>(g, "tokens_per_sample", n);
    Id og = h5::open_group(file, "outcomes");
    for (std::size_t i = 0; i < n; ++i) {
      auto& e = c.evals[i];
      e.plan.run = run[i]; e.plan.task = task[i]; e.plan.problems = problems[i]; e.plan.samples = samples[i];
      e.plan.temperature = temperature[i]; e.plan.top_k = top_k[i]; e.plan.seed = seed[i];
      if (e.state != JobState::done) continue;
      e.result.flops = flops[i];
      e.result.tokens_per_sample = tps[i];
      Id g2 = h5::open_group(og, outcome_group_name(static_cast<JobIndex>(i)));
      Id correct = h5::open_dataset(g2, "correct");
      std::uint64_t rows = 0, cols = 0;
      e.result.correct = h5::read_matrix<std::uint8_t>(correct, rows, cols);
      e.result.problems = static_cast<std::uint32_t>(rows);
      e.result.samples = static_cast<std::uint32_t>(cols);
      Id nll = h5::open_dataset(g2, "nll");
      e.result.answer_nll = h5::read_column<double>(nll);
      if (e.result.answer_nll.size() != rows)
        throw h5::H5Error(fmt::format("outcomes/{}: nll has {} values for {} problems", outcome_group_name(i),
                                      e.result.answer_nll.size(), rows));
    }
  }
  {
    Id g = h5::open_group(file, "batches");
    Id first = h5::open_dataset(g, "index");
    std::uint64_t n = h5::length(first);
    auto index = col<std::uint32_t>(g, "index", n);
    auto planned = col<double>(g, "planned_at", n);
    auto fr = col<std::uint32_t>(g, "first_run", n), nr = col<std::uint32_t>(g, "n_runs", n);
    auto fe = col<std::uint32_t>(g, "first_eval", n), ne = col<std::uint32_t>(g, "n_evals", n);
    for (std::size_t i = 0; i < n; ++i) c.batches.push_back({index[i], planned[i], fr[i], nr[i], fe[i], ne[i]});
  }
  {
    Id g = h5::open_group(file, "documents");
    Id first = h5::open_dataset(g, "batch");
    std::uint64_t n = h5::length(first);
    auto kind = col_str(g, "kind", n);
    auto batch = col<std::uint32_t>(g, "batch", n);
    auto time = col<double>(g, "time", n);
    auto json = col_str(g, "json", n);
    for (std::size_t i = 0; i < n; ++i) c.documents.push_back({kind[i], batch[i], time[i], json[i]});
  }
  return c;
}

std::vector<std::string> check_view_layout(const std::string& path) {
  std::vector<std::string> problems;
  auto problem = [&](std::string what) { problems.push_back(std::move(what)); };
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
        H5T_class_t want = col.type == ColumnType::str ? H5T_STRING : col.type == ColumnType::f64 ? H5T_FLOAT : H5T_INTEGER;
        if (h5::type_class(ds) != want) problem(fmt::format("/{}/{} is not {}", t.name, col.name, to_string(col.type)));
        if (*col.units && (!h5::has_attr(ds, "units") || h5::attr_string(ds, "units") != col.units))
          problem(fmt::format("/{}/{} lacks its units attribute '{}'", t.name, col.name, col.units));
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
  return problems;
}

namespace {

std::string attr_problem(hid_t obj, const std::string& where, const char* name, const std::string& want) {
  if (!h5::has_attr(obj, name)) return fmt::format("{} lacks its {} attribute", where, name);
  std::string got = h5::attr_string(obj, name);
  return got == want ? "" : fmt::format("{} attribute {} is '{}', expected '{}'", where, name, got, want);
}

// What read_view does not look at: the result columns of rows that are not done (blank), the
// NaN padding of the loss curves, the outcome groups' attributes, stray outcome groups.
std::string check_blanks(hid_t file, const StoreContents& want) {
  {
    Id g = h5::open_group(file, "runs");
    const auto& R = want.runs;
    for (const char* name : {"loss", "tokens_seen", "params", "params_total", "flops"}) {
      auto v = col<double>(g, name, R.size());
      for (std::size_t i = 0; i < R.size(); ++i)
        if (R[i].state != JobState::done && !std::isnan(v[i]))
          return fmt::format("/runs/{} row {} is {} for a run that is not done", name, i, v[i]);
    }
    auto checkpoint = col_str(g, "checkpoint", R.size());
    auto points = col<std::uint32_t>(g, "curve_points", R.size());
    for (std::size_t i = 0; i < R.size(); ++i)
      if (R[i].state != JobState::done && (!checkpoint[i].empty() || points[i] != 0))
        return fmt::format("/runs row {}: checkpoint or curve_points set for a run that is not done", i);
    Id cg = h5::open_group(file, "run_curves");
    for (const char* name : {"loss", "tokens"}) {
      Id ds = h5::open_dataset(cg, name);
      if (std::string p = attr_problem(ds, fmt::format("/run_curves/{}", name), "units",
                                       name == std::string("loss") ? "nats/token" : "tokens");
          !p.empty())
        return p;
      std::uint64_t rows = 0, cols = 0;
      auto m = h5::read_matrix<float>(ds, rows, cols);
      for (std::size_t i = 0; i < rows && i < R.size(); ++i) {
        std::size_t used = R[i].state != JobState::done ? 0
                           : name == std::string("loss") ? R[i].result.loss_curve.size()
                                                         : R[i].result.curve_tokens.size();
        for (std::size_t j = used; j < cols; ++j)
          if (!std::isnan(m[i * cols + j]))
            return fmt::format("/run_curves/{}[{}, {}] is {} past the end of the run's curve", name, i, j, m[i * cols + j]);
      }
    }
  }
  {
    Id g = h5::open_group(file, "evals");
    const auto& E = want.evals;
    for (const char* name : {"flops", "tokens_per_sample"}) {
      auto v = col<double>(g, name, E.size());
      for (std::size_t i = 0; i < E.size(); ++i)
        if (E[i].state != JobState::done && !std::isnan(v[i]))
          return fmt::format("/evals/{} row {} is {} for an eval that is not done", name, i, v[i]);
    }
    Id og = h5::open_group(file, "outcomes");
    std::vector<std::string> expected;
    for (auto& e : E)
      if (e.state == JobState::done) expected.push_back(outcome_group_name(e.index));
    if (h5::list(og) != expected) return "/outcomes does not hold exactly one group per done eval";
    for (auto& e : E) {
      if (e.state != JobState::done) continue;
      std::string where = "/outcomes/" + outcome_group_name(e.index);
      Id g2 = h5::open_group(og, outcome_group_name(e.index));
      if (h5::attr_uint(g2, "eval") != e.index || h5::attr_uint(g2, "run") != e.plan.run)
        return where + ": its eval or run attribute is wrong";
      if (std::string p = attr_problem(g2, where, "task", e.plan.task); !p.empty()) return p;
      Id nll = h5::open_dataset(g2, "nll");
      if (std::string p = attr_problem(nll, where + "/nll", "units", "nats"); !p.empty()) return p;
    }
  }
  return "";
}

}  // namespace

std::string verify_view(const std::string& path, const StoreContents& want) {
  try {
    auto layout = check_view_layout(path);
    if (!layout.empty()) return layout.front();
    std::string diff = first_difference(read_view(path), want);
    if (!diff.empty()) return "disagrees with its journal: " + diff;
    Id file = h5::open_file(path, false);
    return check_blanks(file, want);
  } catch (const h5::H5Error& e) {
    return e.what();
  } catch (const std::exception& e) {  // a damaged string column can hold any bytes
    return fmt::format("unreadable: {}", e.what());
  }
}

}  // namespace t2
