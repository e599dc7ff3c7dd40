// journal.cpp — reading and appending STORE.journal (see journal.hpp for the framing).
#include "orchestrator/store/journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "orchestrator/store/store.hpp"

namespace t2 {
namespace {

constexpr char kMagic[8] = {'T', '2', 'J', 'O', 'U', 'R', 'N', 'L'};
// The type field carries this tag in its upper 16 bits, so that a scan past a damaged record
// can tell a real record start from payload bytes (a run of 0/1 outcome bytes looks like a
// small type number, never like the tag).
constexpr std::uint32_t kTypeTag = 0x54320000u;
constexpr std::size_t kFrame = 12;  // type + length + crc

std::uint32_t crc_of(const char* p, std::size_t n) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (n > 0) {
    uInt chunk = static_cast<uInt>(std::min<std::size_t>(n, 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(p), chunk);
    p += chunk;
    n -= chunk;
  }
  return static_cast<std::uint32_t>(crc);
}

std::uint32_t load_u32(const char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// Does a good record start at `off`? Fills type and length when it does.
bool record_at(const std::vector<char>& d, std::uint64_t off, std::uint32_t& type, std::uint32_t& length) {
  if (d.size() - off < kFrame) return false;
  std::uint32_t tagged = load_u32(d.data() + off);
  if ((tagged & 0xffff0000u) != kTypeTag) return false;
  type = tagged & 0xffffu;
  if (type == 0 || type > kMaxRecordType) return false;
  length = load_u32(d.data() + off + 4);
  if (length > d.size() - off - kFrame) return false;
  return crc_of(d.data() + off, 8 + length) == load_u32(d.data() + off + 8 + length);
}

std::string errno_text() { return std::strerror(errno); }

void write_all(int fd, const char* p, std::size_t n, const std::string& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      throw StoreError(path, "cannot write the journal: " + errno_text());
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

}  // namespace

const char* to_string(RecordType t) {
  switch (t) {
    case RecordType::created: return "created";
    case RecordType::plan_batch: return "plan_batch";
    case RecordType::job_started: return "job_started";
    case RecordType::train_done: return "train_done";
    case RecordType::eval_done: return "eval_done";
    case RecordType::job_failed: return "job_failed";
    case RecordType::requeue_running: return "requeue_running";
    case RecordType::document: return "document";
    case RecordType::replace_config: return "replace_config";
    case RecordType::requeue_lost: return "requeue_lost";
    case RecordType::job_retry: return "job_retry";
  }
  return "unknown";
}

std::uint32_t format_needed(RecordType type) {
  return static_cast<std::uint32_t>(type) >= static_cast<std::uint32_t>(RecordType::requeue_lost) ? 2 : 1;
}

JournalScan scan_journal(const std::string& path) {
  JournalScan s;
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw StoreError(path, "cannot open the journal: " + errno_text());
    in.seekg(0, std::ios::end);
    s.data.resize(static_cast<std::size_t>(in.tellg()));
    in.seekg(0);
    if (!s.data.empty() && !in.read(s.data.data(), static_cast<std::streamsize>(s.data.size())))
      throw StoreError(path, "cannot read the journal");
  }
  s.file_size = s.data.size();
  if (s.data.size() < kJournalHeaderSize)
    throw StoreError(path, fmt::format("not a t2 journal (only {} bytes, the header alone is {})", s.data.size(),
                                       kJournalHeaderSize));
  if (std::memcmp(s.data.data(), kMagic, 8) != 0) throw StoreError(path, "not a t2 journal (bad magic bytes)");
  std::uint32_t format = load_u32(s.data.data() + 8);
  if (format < kJournalFormatMin || format > kJournalFormat)
    throw StoreError(path, fmt::format("journal format version {} (this t2 reads versions {} to {})", format,
                                       kJournalFormatMin, kJournalFormat));
  s.format = format;

  std::uint64_t off = kJournalHeaderSize;
  while (off < s.data.size()) {
    std::uint32_t type = 0, length = 0;
    if (!record_at(s.data, off, type, length)) {
      // A bad record is a torn tail only if nothing good follows it.
      for (std::uint64_t p = off + 1; p + kFrame <= s.data.size(); ++p) {
        std::uint32_t t2 = 0, l2 = 0;
        if (record_at(s.data, p, t2, l2))
          throw StoreError(path, fmt::format("damaged journal record {} at byte offset {} is followed by valid "
                                             "records (next at byte offset {}); refusing to repair",
                                             s.records.size(), off, p));
      }
      break;
    }
    s.records.push_back({static_cast<RecordType>(type), off, s.data.data() + off + 8, length});
    off += kFrame + length;
  }
  s.good_end = s.records.empty() ? kJournalHeaderSize
                                 : s.records.back().offset + kFrame + s.records.back().length;
  return s;
}

JournalWriter JournalWriter::create(const std::string& path, bool fsync, RecordType first_type,
                                   const std::vector<char>& first_payload) {
  // Written under PATH.new and renamed, so PATH never exists without its header and first
  // record (a reader polling for the journal must not catch it empty).
  std::string tmp = path + ".new";
  JournalWriter w;
  w.path_ = path;
  w.fsync_ = fsync;
  // O_EXCL|O_NOFOLLOW: a link planted at PATH.new must not be followed (its target would become
  // the live journal). A stale PATH.new that is a regular file (a crash between create and
  // rename) is unlinked and created afresh; anything else there is refused.
  w.fd_ = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (w.fd_ < 0 && errno == EEXIST) {
    struct stat st {};
    if (::lstat(tmp.c_str(), &st) == 0 && S_ISLNK(st.st_mode))
      throw StoreError(path, tmp + " is a symbolic link; refusing to follow it");
    if (::lstat(tmp.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
      throw StoreError(path, tmp + " exists and is not a regular file; refusing to replace it");
    if (::unlink(tmp.c_str()) != 0) throw StoreError(path, "cannot remove the stale " + tmp + ": " + errno_text());
    w.fd_ = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  }
  if (w.fd_ < 0) throw StoreError(path, "cannot create the journal: " + errno_text());
  w.pending_.assign(kMagic, kMagic + 8);
  std::uint32_t words[2] = {kJournalFormat, 0};
  w.pending_.insert(w.pending_.end(), reinterpret_cast<char*>(words), reinterpret_cast<char*>(words) + 8);
  w.append(first_type, first_payload);
  try {
    w.commit();
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw StoreError(path, std::string("cannot create the journal: ") + std::strerror(err));
  }
  return w;
}

JournalWriter JournalWriter::open(const std::string& path, std::uint64_t good_end, bool fsync,
                                 std::uint32_t format) {
  JournalWriter w;
  w.path_ = path;
  w.fsync_ = fsync;
  w.format_ = format;
  w.fd_ = ::open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  if (w.fd_ < 0 && errno == ELOOP) throw StoreError(path, path + " is a symbolic link; refusing to follow it");
  if (w.fd_ < 0) throw StoreError(path, "cannot open the journal for writing: " + errno_text());
  struct stat st {};
  if (::fstat(w.fd_, &st) != 0) throw StoreError(path, "cannot stat the journal: " + errno_text());
  if (static_cast<std::uint64_t>(st.st_size) != good_end) {
    if (::ftruncate(w.fd_, static_cast<off_t>(good_end)) != 0 || (fsync && ::fdatasync(w.fd_) != 0))
      throw StoreError(path, "cannot cut the torn journal tail: " + errno_text());
  }
  if (::lseek(w.fd_, static_cast<off_t>(good_end), SEEK_SET) < 0)
    throw StoreError(path, "cannot seek in the journal: " + errno_text());
  w.size_ = good_end;
  return w;
}

JournalWriter::JournalWriter(JournalWriter&& o) noexcept
    : path_(std::move(o.path_)), fd_(o.fd_), fsync_(o.fsync_), size_(o.size_), format_(o.format_),
      pending_(std::move(o.pending_)) {
  o.fd_ = -1;
}

JournalWriter& JournalWriter::operator=(JournalWriter&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(o.path_);
    fd_ = o.fd_;
    fsync_ = o.fsync_;
    size_ = o.size_;
    format_ = o.format_;
    pending_ = std::move(o.pending_);
    o.fd_ = -1;
  }
  return *this;
}

JournalWriter::~JournalWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void JournalWriter::append(RecordType type, const std::vector<char>& payload) {
  if (payload.size() > 0xffffffffu - kFrame) throw StoreError(path_, "journal record larger than 4 GiB");
  if (std::uint32_t need = format_needed(type); need > format_) {
    // Raised (and flushed) before the record can reach the file: an older t2 must meet the new
    // header, never a record type it does not know (it would cut that off as a torn tail).
    if (fd_ < 0) throw StoreError(path_, "the journal is closed");
    if (::pwrite(fd_, &need, sizeof need, 8) != static_cast<ssize_t>(sizeof need) ||
        (fsync_ && ::fdatasync(fd_) != 0))
      throw StoreError(path_, "cannot raise the journal's format version: " + errno_text());
    format_ = need;
  }
  std::size_t start = pending_.size();
  std::uint32_t head[2] = {kTypeTag | static_cast<std::uint32_t>(type), static_cast<std::uint32_t>(payload.size())};
  pending_.insert(pending_.end(), reinterpret_cast<char*>(head), reinterpret_cast<char*>(head) + 8);
  pending_.insert(pending_.end(), payload.begin(), payload.end());
  std::uint32_t crc = crc_of(pending_.data() + start, 8 + payload.size());
  pending_.insert(pending_.end(), reinterpret_cast<char*>(&crc), reinterpret_cast<char*>(&crc) + 4);
}

void JournalWriter::commit(const std::function<void(const char*)>& probe) {
  if (pending_.empty()) return;
  if (fd_ < 0) throw StoreError(path_, "the journal is closed");
  try {
    write_all(fd_, pending_.data(), pending_.size(), path_);
    if (probe) probe("journal_written");
    if (fsync_ && ::fdatasync(fd_) != 0) throw StoreError(path_, "cannot flush the journal: " + errno_text());
  } catch (...) {
    // Nothing of this commit was acknowledged: cut it off so the next commit starts clean.
    if (::ftruncate(fd_, static_cast<off_t>(size_)) == 0) ::lseek(fd_, static_cast<off_t>(size_), SEEK_SET);
    throw;
  }
  size_ += pending_.size();
  pending_.clear();
}

void JournalWriter::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace t2
