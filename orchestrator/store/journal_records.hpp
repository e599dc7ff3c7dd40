// journal_records.hpp — the journal's own record codec: one struct per record type, with its
// encode and decode side by side (journal_records.cpp), so what is written and what is read are
// one definition. Fields are little-endian and fixed-width, strings are u32 length + bytes,
// arrays u64 count + items, in the order the structs declare them (schemas/store-layout.md,
// "Record payloads"). The codec is covered by the journal's format version (journal.hpp): a
// change to a payload is a new format, never a silent one. It knows no MPI message: the wire
// codec (workers/wire.*) may change without changing the disk format.
//
// Formats 1 and 2 wrote the same payload bytes through the wire codec (on little-endian hosts,
// the only ones t2 runs on), so these decoders read every format; the formats differ in the
// framing around the payload (journal.hpp). tests/store/data/format2 holds a store written by
// format 2 that the tests read back.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "orchestrator/store/journal.hpp"
#include "orchestrator/store/records.hpp"

namespace t2 {

// A payload that does not decode: ends early, has trailing bytes, or holds an impossible value.
// what() names the record type and what is wrong.
class RecordDecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CreatedRecord {
  static constexpr RecordType type = RecordType::created;
  std::uint32_t schema_version = 0;
  std::string t2_version, config_text, config_file;
  double created_at = 0;
};

struct PlanBatchRecord {
  static constexpr RecordType type = RecordType::plan_batch;
  double planned_at = 0;
  std::vector<PlannedRun> runs;
  std::vector<PlannedEval> evals;
};

struct JobStartedRecord {
  static constexpr RecordType type = RecordType::job_started;
  JobKind kind = JobKind::train;
  JobIndex index = 0;
  JobMeta meta;
};

struct TrainDoneRecord {
  static constexpr RecordType type = RecordType::train_done;
  JobIndex index = 0;
  TrainResult result;
  JobMeta meta;
};

struct EvalDoneRecord {
  static constexpr RecordType type = RecordType::eval_done;
  JobIndex index = 0;
  EvalResult result;
  JobMeta meta;
};

struct JobFailedRecord {
  static constexpr RecordType type = RecordType::job_failed;
  JobKind kind = JobKind::train;
  JobIndex index = 0;
  FailureClass failure = FailureClass::none;
  std::string reason;
  JobMeta meta;
  bool final = false;  // failed for good (else back to pending)
};

// Written by format-1 t2 only (every running job back to pending, attempts charged); still read.
struct RequeueRunningRecord {
  static constexpr RecordType type = RecordType::requeue_running;
};

// The Document's content is {kind, json} plus the batch and time it belongs to.
struct DocumentRecord {
  static constexpr RecordType type = RecordType::document;
  Document doc;
};

struct ReplaceConfigRecord {
  static constexpr RecordType type = RecordType::replace_config;
  std::string config_text, config_file;
};

struct RequeueLostRecord {  // format >= 2
  static constexpr RecordType type = RecordType::requeue_lost;
};

struct JobRetryRecord {  // format >= 2
  static constexpr RecordType type = RecordType::job_retry;
  JobKind kind = JobKind::train;
  JobIndex index = 0;
};

std::vector<char> encode(const CreatedRecord&);
std::vector<char> encode(const PlanBatchRecord&);
std::vector<char> encode(const JobStartedRecord&);
std::vector<char> encode(const TrainDoneRecord&);
std::vector<char> encode(const EvalDoneRecord&);
std::vector<char> encode(const JobFailedRecord&);
std::vector<char> encode(const RequeueRunningRecord&);
std::vector<char> encode(const DocumentRecord&);
std::vector<char> encode(const ReplaceConfigRecord&);
std::vector<char> encode(const RequeueLostRecord&);
std::vector<char> encode(const JobRetryRecord&);

// Each decodes exactly `length` bytes or throws RecordDecodeError (early end, trailing bytes,
// unknown enum value, eval matrix not problems x samples).
void decode(const char* payload, std::size_t length, CreatedRecord&);
void decode(const char* payload, std::size_t length, PlanBatchRecord&);
void decode(const char* payload, std::size_t length, JobStartedRecord&);
void decode(const char* payload, std::size_t length, TrainDoneRecord&);
void decode(const char* payload, std::size_t length, EvalDoneRecord&);
void decode(const char* payload, std::size_t length, JobFailedRecord&);
void decode(const char* payload, std::size_t length, RequeueRunningRecord&);
void decode(const char* payload, std::size_t length, DocumentRecord&);
void decode(const char* payload, std::size_t length, ReplaceConfigRecord&);
void decode(const char* payload, std::size_t length, RequeueLostRecord&);
void decode(const char* payload, std::size_t length, JobRetryRecord&);

// Field equality, for the round-trip tests.
bool operator==(const CreatedRecord&, const CreatedRecord&);
bool operator==(const PlanBatchRecord&, const PlanBatchRecord&);
bool operator==(const JobStartedRecord&, const JobStartedRecord&);
bool operator==(const TrainDoneRecord&, const TrainDoneRecord&);
bool operator==(const EvalDoneRecord&, const EvalDoneRecord&);
bool operator==(const JobFailedRecord&, const JobFailedRecord&);
bool operator==(const DocumentRecord&, const DocumentRecord&);
bool operator==(const ReplaceConfigRecord&, const ReplaceConfigRecord&);
bool operator==(const JobRetryRecord&, const JobRetryRecord&);
inline bool operator==(const RequeueRunningRecord&, const RequeueRunningRecord&) { return true; }
inline bool operator==(const RequeueLostRecord&, const RequeueLostRecord&) { return true; }

}  // namespace t2
