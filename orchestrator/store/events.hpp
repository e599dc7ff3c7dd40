// events.hpp — what a journal record means: the state rules that apply each record type
// (journal_records.hpp)  to StoreContents (store.hpp "State rules"). Used by the writer (live
// events) and by every reader (replay), so both always agree. Knows no files and no HDF5.
#pragma once

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "orchestrator/store/journal.hpp"
#include "orchestrator/store/journal_records.hpp"
#include "orchestrator/store/records.hpp"

namespace t2 {

// An event the state rules forbid (done for an unknown index, a second done, ...), or a
// payload that does not decode. Nothing was changed.
class EventError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What changed since the .h5 was last synced: rows to rewrite and outcome groups to add.
struct Dirty {
  std::set<JobIndex> runs, evals;
  std::vector<JobIndex> outcomes;  // evals that became done
  bool root = false;               // config replaced
  void clear() { runs.clear(); evals.clear(); outcomes.clear(); root = false; }
  bool empty() const { return runs.empty() && evals.empty() && outcomes.empty() && !root; }
};

// Checks one record against `contents` and applies it (all or nothing; throws EventError). Rows
// it touches are added to `dirty` when given. One function per record type, each with its rules
// (schemas/store-layout.md "State rules"); none counts journal_records.
void apply(StoreContents&, const CreatedRecord&, Dirty*);
void apply(StoreContents&, const PlanBatchRecord&, Dirty*);       // refuses a copy of an earlier batch
void apply(StoreContents&, const JobStartedRecord&, Dirty*);
void apply(StoreContents&, const TrainDoneRecord&, Dirty*);
void apply(StoreContents&, const EvalDoneRecord&, Dirty*);
void apply(StoreContents&, const JobFailedRecord&, Dirty*);
void apply(StoreContents&, const RequeueRunningRecord&, Dirty*);  // format 1: lost attempts stay charged
void apply(StoreContents&, const RequeueLostRecord&, Dirty*);     // running -> pending, attempt lost, not charged
void apply(StoreContents&, const JobRetryRecord&, Dirty*);        // failed -> pending, fresh budget
void apply(StoreContents&, const DocumentRecord&, Dirty*);
void apply(StoreContents&, const ReplaceConfigRecord&, Dirty*);

// Decodes a payload of `type` (journal_records.hpp) and applies it; a payload that does not
// decode is an EventError too.
void apply_record(StoreContents& contents, RecordType type, const char* payload, std::size_t length, Dirty* dirty);

}  // namespace t2
