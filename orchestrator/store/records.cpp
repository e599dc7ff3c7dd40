// records.cpp — names of job states (the strings stored in the `state` columns).
#include "orchestrator/store/records.hpp"

#include <stdexcept>

namespace t2 {

const char* to_string(JobState s) {
  switch (s) {
    case JobState::pending: return "pending";
    case JobState::running: return "running";
    case JobState::done: return "done";
    case JobState::failed: return "failed";
  }
  return "unknown";
}

JobState job_state_from_string(const std::string& s) {
  for (auto st : {JobState::pending, JobState::running, JobState::done, JobState::failed})
    if (s == to_string(st)) return st;
  throw std::invalid_argument("unknown job state '" + s + "'");
}

}  // namespace t2
