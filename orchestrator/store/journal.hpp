// journal.hpp — STORE.journal, the append-only log of checksummed records that makes the store
// durable: reading it (scan, torn-tail and corruption detection) and appending to it (group
// commit). Knows the record framing, not what a record means (that is events.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace t2 {

// File layout: header = "T2JOURNL" (8 bytes), format version u32, reserved u32 (= 0); then
// records = [type u32][length u32][payload: length bytes][crc32 u32 of type, length and payload],
// all little-endian. See schemas/store-layout.md.
// Format 2 adds record types 10 (requeue_lost) and 11 (job_retry). A format-1 journal (t2 up to
// this change) is read as is; the writer raises its header to 2 before it appends the first
// record of a new type, so an older t2, which would take an unknown record at the end for a
// torn tail and cut it off, refuses the journal instead (schemas/store-layout.md).
inline constexpr std::uint32_t kJournalFormat = 2;
inline constexpr std::uint32_t kJournalFormatMin = 1;
inline constexpr std::size_t kJournalHeaderSize = 16;

enum class RecordType : std::uint32_t {
  created = 1, plan_batch = 2, job_started = 3, train_done = 4, eval_done = 5,
  job_failed = 6, requeue_running = 7, document = 8, replace_config = 9,
  requeue_lost = 10, job_retry = 11,
};
inline constexpr std::uint32_t kMaxRecordType = 11;
// The journal format a record type needs (1 for types 1-9, 2 for 10 and 11).
std::uint32_t format_needed(RecordType type);
const char* to_string(RecordType);

struct JournalRecord {
  RecordType type;
  std::uint64_t offset;          // of the record's type field in the file
  const char* payload;           // into JournalScan::data
  std::uint32_t length;
};

// A journal read into memory. Records after the last good one form the "torn tail": a commit
// that never completed (kill -9 or power loss mid-write), so never acknowledged.
struct JournalScan {
  std::vector<char> data;
  std::vector<JournalRecord> records;
  std::uint64_t good_end = 0;     // offset just past the last good record
  std::uint64_t file_size = 0;
  std::uint32_t format = kJournalFormat;  // the header's format version
};

// Reads and checks PATH. Throws StoreError (naming the file, and the offset when a bad record is
// followed by good ones) for a missing file, a bad header, or corruption before the tail.
JournalScan scan_journal(const std::string& path);

// The writer side: one open file descriptor, records buffered until commit().
class JournalWriter {
 public:
  JournalWriter() = default;
  // Creates PATH with its header and first record, flushed (written as PATH.new, then renamed).
  static JournalWriter create(const std::string& path, bool fsync, RecordType first_type,
                              const std::vector<char>& first_payload);
  // Opens PATH for appending after a scan: cuts it to `good_end` (dropping a torn tail).
  // `format` is the header's version (JournalScan::format).
  static JournalWriter open(const std::string& path, std::uint64_t good_end, bool fsync,
                            std::uint32_t format = kJournalFormat);
  JournalWriter(JournalWriter&&) noexcept;
  JournalWriter& operator=(JournalWriter&&) noexcept;
  JournalWriter(const JournalWriter&) = delete;
  ~JournalWriter();

  void append(RecordType type, const std::vector<char>& payload);
  bool has_pending() const { return !pending_.empty(); }
  std::size_t pending_bytes() const { return pending_.size(); }
  // Writes the pending records with one write() and fdatasync()s them (when fsync is on).
  // `probe` is called between the write and the fdatasync (crash tests). On failure the file
  // is cut back to its last committed size and StoreError is thrown.
  void commit(const std::function<void(const char*)>& probe = {});
  void close();

 private:
  std::string path_;
  int fd_ = -1;
  bool fsync_ = true;
  std::uint64_t size_ = 0;
  std::uint32_t format_ = kJournalFormat;
  std::vector<char> pending_;
};

}  // namespace t2
