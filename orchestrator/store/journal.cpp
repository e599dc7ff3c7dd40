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

void store_u32(std::vector<char>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xffu));
}
void store_u64(std::vector<char>& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xffu));
}
std::uint64_t load_u64(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// The 24 seal bytes at offset 16 of a format-3 header (its CRC covers header bytes 0..31).
std::vector<char> seal_bytes(std::uint64_t records, std::uint64_t bytes) {
  std::vector<char> h(kMagic, kMagic + 8);
  store_u32(h, 3);
  store_u32(h, 0);
  store_u64(h, records);
  store_u64(h, bytes);
  std::uint32_t crc = crc_of(h.data(), 32);
  store_u32(h, crc);
  store_u32(h, 0);
  return std::vector<char>(h.begin() + 16, h.end());
}

// Does a good record start at `off`? Fills type, length and seq when it does.
bool record_at(const std::vector<char>& d, std::uint64_t off, std::uint32_t format, std::uint32_t& type,
               std::uint32_t& length, std::uint64_t& seq) {
  std::size_t frame = journal_frame_size(format);
  if (d.size() - off < frame) return false;
  std::uint32_t tagged = load_u32(d.data() + off);
  if ((tagged & 0xffff0000u) != kTypeTag) return false;
  type = tagged & 0xffffu;
  if (type == 0 || type > kMaxRecordType) return false;
  length = load_u32(d.data() + off + 4);
  if (length > d.size() - off - frame) return false;
  std::size_t head = frame - 4;
  seq = format >= 3 ? load_u64(d.data() + off + 8) : 0;
  return crc_of(d.data() + off, head + length) == load_u32(d.data() + off + head + length);
}

// The store a journal belongs to (for the repair hint).
std::string store_of(const std::string& jpath) {
  const std::string ext = ".journal";
  if (jpath.size() > ext.size() && jpath.compare(jpath.size() - ext.size(), ext.size(), ext) == 0)
    return jpath.substr(0, jpath.size() - ext.size());
  return jpath;
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

std::size_t journal_header_size(std::uint32_t format) {
  return format >= 3 ? kJournalHeaderSize3 : kJournalHeaderSize;
}
std::size_t journal_frame_size(std::uint32_t format) { return format >= 3 ? 20 : kFrame; }

JournalScan scan_journal(const std::string& path, bool salvage) {
  JournalScan s;
  char head[kJournalHeaderSize3] = {0};
  std::size_t head_n = 0;
  {
    // The header first, then the rest: a live writer rewrites the seal only after the records
    // it covers are written, so a seal read before the records never claims more than we read.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw StoreError(path, "cannot open the journal: " + errno_text());
    ssize_t n = ::pread(fd, head, sizeof head, 0);
    // A read racing the writer's in-place seal update could see half of it: read the header
    // again (a torn read does not repeat) before calling a seal that does not check damaged.
    for (int again = 0; again < 3 && n == static_cast<ssize_t>(sizeof head) && load_u32(head + 8) >= 3 &&
                        crc_of(head, 32) != load_u32(head + 32);
         ++again)
      n = ::pread(fd, head, sizeof head, 0);
    struct stat st {};
    if (n < 0 || ::fstat(fd, &st) != 0) {
      std::string why = errno_text();
      ::close(fd);
      throw StoreError(path, "cannot read the journal: " + why);
    }
    head_n = static_cast<std::size_t>(n);
    s.data.resize(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < s.data.size()) {
      ssize_t r = ::pread(fd, s.data.data() + got, s.data.size() - got, static_cast<off_t>(got));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      got += static_cast<std::size_t>(r);
    }
    ::close(fd);
    s.data.resize(got);  // a file cut while we read it: what we have
  }
  s.file_size = s.data.size();
  if (head_n < kJournalHeaderSize)
    throw StoreError(path, fmt::format("not a t2 journal (only {} bytes, the header alone is {})", head_n,
                                       kJournalHeaderSize));
  if (std::memcmp(head, kMagic, 8) != 0) throw StoreError(path, "not a t2 journal (bad magic bytes)");
  std::uint32_t format = load_u32(head + 8);
  if (format < kJournalFormatMin || format > kJournalFormat)
    throw StoreError(path, fmt::format("journal format version {} (this t2 reads versions {} to {})", format,
                                       kJournalFormatMin, kJournalFormat));
  s.format = format;
  std::uint64_t off = journal_header_size(format);
  std::string seal_damage;
  if (format >= 3) {
    if (head_n < kJournalHeaderSize3 || s.data.size() < kJournalHeaderSize3) {
      seal_damage = fmt::format("the header is cut short ({} bytes, a format-3 header is {})", head_n,
                                kJournalHeaderSize3);
      off = std::min<std::uint64_t>(s.data.size(), kJournalHeaderSize3);
    } else if (crc_of(head, 32) != load_u32(head + 32) || load_u32(head + 36) != 0) {
      seal_damage = "its seal (the committed record count in the header) fails its checksum";
    } else {
      s.sealed = true;
      s.sealed_records = load_u64(head + 16);
      s.sealed_bytes = load_u64(head + 24);
    }
  }

  // Damage at record i (offset `at`): strict scans throw, salvaging ones stop there (the first
  // damage found is the one reported).
  bool stop = false;
  auto damaged = [&](std::uint64_t at, const std::string& why) {
    stop = true;
    std::size_t i = s.records.size();
    std::string affected = s.sealed && s.sealed_records > i
                               ? fmt::format("records {} to {} of the {} committed are affected", i,
                                             s.sealed_records - 1, s.sealed_records)
                               : fmt::format("records from {} on are affected", i);
    if (s.damage.empty()) {
      s.damage = fmt::format("damaged journal record {} at byte offset {}: {}; {}", i, at, why, affected);
      s.damaged_record = i;
    }
    if (!salvage)
      throw StoreError(path, fmt::format("{}; refusing to use it (`t2 validate --repair {}` keeps records 0 to {} "
                                         "and says what is lost)",
                                         s.damage, store_of(path), static_cast<long long>(i) - 1));
  };

  if (!seal_damage.empty()) {
    if (!salvage)
      throw StoreError(path, fmt::format("damaged journal header: {}; refusing to use it (`t2 validate --repair {}` "
                                         "keeps the records that check and says what is lost)",
                                         seal_damage, store_of(path)));
    s.damage = "damaged journal header: " + seal_damage;  // a salvage still reads every record that checks
  }
  const std::size_t frame = journal_frame_size(format), head_bytes = frame - 4;
  while (!stop && off < s.data.size()) {
    std::uint64_t i = s.records.size();
    bool committed = s.sealed && off < s.sealed_bytes;  // the seal says these bytes were acknowledged
    std::uint64_t left = s.data.size() - off;
    std::uint32_t type = 0, length = 0;
    std::uint64_t seq = 0;
    if (record_at(s.data, off, format, type, length, seq)) {
      if (format >= 3 && seq != i) {
        damaged(off, seq < i ? fmt::format("it repeats sequence number {} (a duplicated record)", seq)
                             : fmt::format("it has sequence number {}, {} was expected: records {} to {} are missing",
                                           seq, i, i, seq - 1));
        break;
      }
      s.records.push_back({static_cast<RecordType>(type), off, s.data.data() + off + head_bytes, length});
      off += frame + length;
      continue;
    }
    // Not a good record. A complete one (tag, type and length fit) fails its checksum: damage,
    // wherever it is. Else it is a torn tail only if nothing good follows and nothing committed
    // is missing.
    std::uint32_t tagged = left >= 8 ? load_u32(s.data.data() + off) : 0;
    std::uint32_t t = tagged & 0xffffu;
    bool framed = left >= frame && (tagged & 0xffff0000u) == kTypeTag && t >= 1 && t <= kMaxRecordType;
    std::uint64_t claimed = framed ? load_u32(s.data.data() + off + 4) : 0;
    if (framed && claimed <= left - frame) {
      damaged(off, fmt::format("a complete {} record that fails its checksum", to_string(static_cast<RecordType>(t))));
      break;
    }
    std::uint64_t next = 0;
    for (std::uint64_t p = off + 1; p + frame <= s.data.size() && next == 0; ++p) {
      std::uint32_t t2 = 0, l2 = 0;
      std::uint64_t q2 = 0;
      if (record_at(s.data, p, format, t2, l2, q2)) next = p;
    }
    if (next != 0) {
      damaged(off, fmt::format("it is followed by valid records (next at byte offset {})", next));
      break;
    }
    if (committed) {
      damaged(off, fmt::format("the journal's last {} bytes are not a complete record, but its seal says records up "
                               "to byte {} were committed (a truncated journal)",
                               left, s.sealed_bytes));
      break;
    }
    break;  // the torn tail
  }
  s.good_end = s.records.empty() ? std::min<std::uint64_t>(s.data.size(), journal_header_size(format))
                                 : s.records.back().offset + frame + s.records.back().length;
  if (!stop && s.sealed) {
    if (s.records.size() < s.sealed_records)
      damaged(s.good_end, fmt::format("the journal holds {} records, its seal says {} were committed ({} bytes, the "
                                      "journal has {}): records {} to {} are missing",
                                      s.records.size(), s.sealed_records, s.sealed_bytes, s.file_size,
                                      s.records.size(), s.sealed_records - 1));
    else if (s.sealed_records > 0 &&
             s.records[s.sealed_records - 1].offset + frame + s.records[s.sealed_records - 1].length != s.sealed_bytes)
      damaged(s.records[s.sealed_records - 1].offset,
              fmt::format("its seal says {} records end at byte {}, but they end at byte {}", s.sealed_records,
                          s.sealed_bytes,
                          s.records[s.sealed_records - 1].offset + frame + s.records[s.sealed_records - 1].length));
  }
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
  store_u32(w.pending_, kJournalFormat);
  store_u32(w.pending_, 0);
  auto seal = seal_bytes(0, 0);  // rewritten by commit() once the first record is written
  w.pending_.insert(w.pending_.end(), seal.begin(), seal.end());
  w.append(first_type, first_payload);
  try {
    w.commit();
    w.flush_seal();
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

JournalWriter JournalWriter::open(const std::string& path, const JournalScan& scan, bool fsync) {
  if (!scan.damage.empty()) throw StoreError(path, scan.damage);  // never append after damage
  JournalWriter w;
  w.path_ = path;
  w.fsync_ = fsync;
  w.format_ = scan.format;
  std::uint64_t good_end = scan.good_end;
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
  w.records_ = scan.records.size();
  // Records past the old seal were complete and valid (a kill between write and fdatasync):
  // they are replayed, so seal them now.
  if (w.format_ >= 3 && (scan.sealed_records != w.records_ || scan.sealed_bytes != good_end)) {
    w.write_seal();
    w.flush_seal();
  }
  return w;
}

JournalWriter::JournalWriter(JournalWriter&& o) noexcept
    : path_(std::move(o.path_)), fd_(o.fd_), fsync_(o.fsync_), size_(o.size_), format_(o.format_),
      records_(o.records_), pending_records_(o.pending_records_), seal_unflushed_(o.seal_unflushed_),
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
    records_ = o.records_;
    pending_records_ = o.pending_records_;
    seal_unflushed_ = o.seal_unflushed_;
    pending_ = std::move(o.pending_);
    o.fd_ = -1;
  }
  return *this;
}

JournalWriter::~JournalWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void JournalWriter::append(RecordType type, const std::vector<char>& payload) {
  if (payload.size() > 0xffffffffu - journal_frame_size(format_)) throw StoreError(path_, "journal record larger than 4 GiB");
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
  store_u32(pending_, kTypeTag | static_cast<std::uint32_t>(type));
  store_u32(pending_, static_cast<std::uint32_t>(payload.size()));
  if (format_ >= 3) store_u64(pending_, records_ + pending_records_);  // the sequence number
  pending_.insert(pending_.end(), payload.begin(), payload.end());
  store_u32(pending_, crc_of(pending_.data() + start, pending_.size() - start));
  pending_records_ += 1;
}

void JournalWriter::write_seal() {
  auto seal = seal_bytes(records_, size_);
  if (::pwrite(fd_, seal.data(), seal.size(), 16) != static_cast<ssize_t>(seal.size()))
    throw StoreError(path_, "cannot write the journal's seal: " + errno_text());
  seal_unflushed_ = true;
}

void JournalWriter::flush_seal() {
  if (!seal_unflushed_ || fd_ < 0) return;
  if (fsync_ && ::fdatasync(fd_) != 0) throw StoreError(path_, "cannot flush the journal's seal: " + errno_text());
  seal_unflushed_ = false;
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
  records_ += pending_records_;
  pending_.clear();
  pending_records_ = 0;
  // After the fdatasync: the seal never claims records that are not durable. It becomes durable
  // with the next commit's fdatasync (or flush_seal()). A failure here is not a lost commit: the
  // records are durable, and the next open seals them.
  if (format_ >= 3) {
    try {
      write_seal();
    } catch (const StoreError&) {
    }
  }
}

void write_journal_copy(const std::string& path, const JournalScan& scan, std::size_t n, bool fsync) {
  if (n == 0 || scan.records.empty()) throw StoreError(path, "no record to keep (not even the store's created record)");
  n = std::min(n, scan.records.size());
  auto payload = [&](std::size_t i) {
    const auto& r = scan.records[i];
    return std::vector<char>(r.payload, r.payload + r.length);
  };
  JournalWriter w = JournalWriter::create(path, fsync, scan.records[0].type, payload(0));
  for (std::size_t i = 1; i < n; ++i) {
    w.append(scan.records[i].type, payload(i));
    if (w.pending_bytes() > (64u << 20)) w.commit();
  }
  w.commit();
  w.close();
}

void JournalWriter::close() {
  try {
    flush_seal();
  } catch (...) {
    // The records are durable; the next open seals them.
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace t2
