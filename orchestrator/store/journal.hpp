// journal.hpp — STORE.journal, the append-only log of checksummed records that makes the store
// durable: reading it (scan, torn-tail and corruption detection) and appending to it (group
// commit). Knows the record framing, not what a record means (that is events.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace t2 {

// File layout (schemas/store-layout.md, "Journal format"), all little-endian:
//  * format 1 and 2: header = "T2JOURNL" (8 bytes), format version u32, reserved u32 (= 0);
//    records = [type u32][length u32][payload][crc32 u32 of type, length and payload].
//  * format 3: header = the same 16 bytes + the seal: committed records u64, committed bytes u64,
//    crc32 u32 of header bytes 0..31, reserved u32 (= 0), 40 bytes in all; records =
//    [type u32][length u32][seq u64][payload][crc32 u32 of type, length, seq and payload], where
//    seq is the record's index in the journal (created = 0). The seal is rewritten in place after
//    every commit's fdatasync (one pwrite), so it never claims more than is durable.
// Format 2 adds record types 10 (requeue_lost) and 11 (job_retry); the writer raises a format-1
// header to 2 before it appends the first record of a new type. Format 3 adds the sequence
// numbers and the seal; the payloads (journal_records.hpp) are byte-identical in all three. New
// journals are format 3; a format 1 or 2 journal is read and appended to in its own framing.
inline constexpr std::uint32_t kJournalFormat = 3;
inline constexpr std::uint32_t kJournalFormatMin = 1;
inline constexpr std::size_t kJournalHeaderSize = 16;   // formats 1 and 2
inline constexpr std::size_t kJournalHeaderSize3 = 40;  // format 3 (with the seal)
std::size_t journal_header_size(std::uint32_t format);
std::size_t journal_frame_size(std::uint32_t format);  // bytes around a payload: 12, or 20 with seq

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

// A journal read into memory. Records after the last good one form the "torn tail": a partial
// last record, or bytes that are no record, past everything committed (past the seal; formats
// 1 and 2 have none) and followed by no good record: a commit that never completed (kill -9 or
// power loss mid-write), so never acknowledged. Anything else that does not read is damage.
struct JournalScan {
  std::vector<char> data;
  std::vector<JournalRecord> records;  // the good records (with damage: the longest good prefix)
  std::uint64_t good_end = 0;     // offset just past the last good record
  std::uint64_t file_size = 0;
  std::uint32_t format = kJournalFormat;  // the header's format version
  bool sealed = false;            // format 3 with a seal that checks
  std::uint64_t sealed_records = 0, sealed_bytes = 0;  // what the seal says was committed
  // Damage (empty: none): what is wrong, naming the record and its byte offset. Only a
  // salvaging scan returns it; a strict one throws it.
  std::string damage;
  std::size_t damaged_record = 0;  // the first record that cannot be trusted (= records.size())
};

// Reads and checks PATH. Throws StoreError naming the file for a missing file or a bad header,
// and (unless `salvage`) for damage: a complete record that fails its checksum, a bad record
// followed by good ones, a duplicated or missing sequence number, bytes missing before the end
// of what the seal says was committed. The message names the records affected and points to
// `t2 validate --repair`. With `salvage`, damage is returned in JournalScan::damage instead.
JournalScan scan_journal(const std::string& path, bool salvage = false);

// Writes `records` of `scan` (the first n) as a fresh format-3 journal at PATH (through
// PATH.new and a rename): sequence numbers and seal rewritten. Used by `t2 validate --repair`.
void write_journal_copy(const std::string& path, const JournalScan& scan, std::size_t n, bool fsync);

// The writer side: one open file descriptor, records buffered until commit().
class JournalWriter {
 public:
  JournalWriter() = default;
  // Creates PATH with its header and first record, flushed (written as PATH.new, then renamed).
  static JournalWriter create(const std::string& path, bool fsync, RecordType first_type,
                              const std::vector<char>& first_payload);
  // Opens PATH for appending after a scan that found no damage: cuts it to its good_end (the
  // torn tail) and, for format 3, seals the records kept.
  static JournalWriter open(const std::string& path, const JournalScan& scan, bool fsync);
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
  // Format 3: then rewrites the seal (one pwrite, made durable by the next fdatasync).
  void commit(const std::function<void(const char*)>& probe = {});
  // Makes the last seal durable now (fdatasync, when fsync is on and it changed): before the
  // .h5 view records a count, and at close, so the view never claims more than the seal.
  void flush_seal();
  void close();

 private:
  std::string path_;
  int fd_ = -1;
  bool fsync_ = true;
  std::uint64_t size_ = 0;
  std::uint32_t format_ = kJournalFormat;
  std::uint64_t records_ = 0;      // committed records (the next one's sequence number, less pending)
  std::uint64_t pending_records_ = 0;
  bool seal_unflushed_ = false;
  std::vector<char> pending_;
  void write_seal();
};

}  // namespace t2
