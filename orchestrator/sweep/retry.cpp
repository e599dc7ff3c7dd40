// retry.cpp — see retry.hpp.
#include "orchestrator/sweep/retry.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace t2 {

RetryClasses parse_retry_classes(const std::string& list) {
  RetryClasses out;
  std::size_t start = 0;
  while (start <= list.size()) {
    auto end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    std::string word = list.substr(start, end - start);
    start = end + 1;
    if (word.empty() || word == "all") continue;
    // Not failure_class_from_string: it reads an unknown word as `error`, fine for a stored
    // value, wrong for a user's typo.
    FailureClass c = FailureClass::none;
    for (int i = 1; i <= static_cast<int>(FailureClass::cancelled); ++i)
      if (word == to_string(static_cast<FailureClass>(i))) c = static_cast<FailureClass>(i);
    if (c == FailureClass::none || c == FailureClass::cancelled)
      throw std::invalid_argument(fmt::format(
          "--retry-failed: '{}' is not a failure class (exit_code, signal, timeout, bad_result, error, lost, or all)",
          word));
    out.insert(c);
  }
  return out;
}

std::vector<JobRef> select_retry(const StoreContents& c, const RetryClasses& classes) {
  auto chosen = [&](FailureClass f) { return classes.empty() || classes.count(f) > 0; };
  std::vector<JobRef> out;
  std::vector<bool> run_retried(c.runs.size(), false);
  for (auto& r : c.runs)
    if (r.state == JobState::failed && chosen(r.failure)) {
      out.push_back({JobKind::train, r.index});
      run_retried[r.index] = true;
    }
  for (auto& e : c.evals) {
    if (e.state != JobState::failed) continue;
    const RunRecord& run = c.runs.at(e.plan.run);
    // With its run rerun, an eval runs again whatever failed it; behind a run still failed it cannot.
    if (run_retried[run.index] || (run.state != JobState::failed && chosen(e.failure)))
      out.push_back({JobKind::eval, e.index});
  }
  return out;
}

}  // namespace t2
