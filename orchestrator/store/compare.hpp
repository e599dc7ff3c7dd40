// compare.hpp — field-by-field comparison of two StoreContents, naming the first difference.
// Used by validate_store (the .h5 must agree with the journal) and by the tests.
#pragma once

#include <string>

#include "orchestrator/store/records.hpp"

namespace t2 {

// "" when equal; else e.g. "evals[3].result.correct[17]: 1 vs 0". NaN equals NaN.
// journal_records is compared only when `with_journal_records`.
std::string first_difference(const StoreContents& a, const StoreContents& b, bool with_journal_records = true);

}  // namespace t2
