// events.hpp — what a journal record means: the payload of each record type and the state
// rules that apply it to StoreContents (store.hpp "State rules"). Used by the writer (live
// events) and by every reader (replay), so both always agree. Knows no files and no HDF5.
#pragma once

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "orchestrator/store/journal.hpp"
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

std::vector<char> encode_created(std::uint32_t schema_version, const std::string& t2_version,
                                 const std::string& config_text, const std::string& config_file, double created_at);
std::vector<char> encode_plan_batch(double planned_at, const std::vector<PlannedRun>& runs,
                                    const std::vector<PlannedEval>& evals);
std::vector<char> encode_job_started(JobKind kind, JobIndex index, const JobMeta& meta);
std::vector<char> encode_train_done(JobIndex index, const TrainResult& result, const JobMeta& meta);
std::vector<char> encode_eval_done(JobIndex index, const EvalResult& result, const JobMeta& meta);
std::vector<char> encode_job_failed(JobKind kind, JobIndex index, FailureClass cls, const std::string& reason,
                                    const JobMeta& meta, bool final);
std::vector<char> encode_requeue_running();  // format 1: the lost attempts stay charged (read only)
std::vector<char> encode_requeue_lost();     // format 2: running -> pending, attempt lost, not charged
std::vector<char> encode_job_retry(JobKind kind, JobIndex index);  // failed -> pending, fresh budget
std::vector<char> encode_document(const Document& doc);
std::vector<char> encode_replace_config(const std::string& config_text, const std::string& config_file);

// Checks one record against `contents` and applies it (all or nothing; throws EventError).
// Rows it touches are added to `dirty` when given. Does not count journal_records.
void apply_record(StoreContents& contents, RecordType type, const char* payload, std::size_t length, Dirty* dirty);

}  // namespace t2
