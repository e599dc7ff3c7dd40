// retry.hpp — which jobs `t2 run --retry-failed [CLASS,...]` puts back: the jobs failed for
// good whose last failure is of a chosen class, and with every chosen training run the evals
// that failed because it did (they never ran). An eval whose run is failed and not chosen stays
// failed: it has nothing to evaluate. Pure: reads StoreContents, writes nothing.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "orchestrator/store/records.hpp"
#include "orchestrator/sweep/job_queue.hpp"

namespace t2 {

// The classes a failure may be retried by name; empty = every class.
using RetryClasses = std::set<FailureClass>;

// Parses "exit_code,timeout" (or "all", or "") into classes; throws std::invalid_argument
// naming the bad word and the valid ones.
RetryClasses parse_retry_classes(const std::string& list);

std::vector<JobRef> select_retry(const StoreContents& contents, const RetryClasses& classes);

}  // namespace t2
