// job.cpp — names of the contract's enums, as stored and printed.
#include "contract/job.hpp"

namespace t2 {

const char* to_string(JobKind k) { return k == JobKind::train ? "train" : "eval"; }

const char* to_string(FailureClass c) {
  switch (c) {
    case FailureClass::none: return "none";
    case FailureClass::exit_code: return "exit_code";
    case FailureClass::signal: return "signal";
    case FailureClass::timeout: return "timeout";
    case FailureClass::bad_result: return "bad_result";
    case FailureClass::error: return "error";
    case FailureClass::lost: return "lost";
    case FailureClass::cancelled: return "cancelled";
  }
  return "unknown";
}

FailureClass failure_class_from_string(const std::string& s) {
  for (int i = 0; i <= static_cast<int>(FailureClass::cancelled); ++i)
    if (s == to_string(static_cast<FailureClass>(i))) return static_cast<FailureClass>(i);
  return FailureClass::error;
}

}  // namespace t2
