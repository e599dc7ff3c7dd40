// store_validate.cpp — validate_store() (`t2 validate STORE`): the .h5's layout (checked by
// hdf5_view, which owns it), its values and its agreement with the journal.
#include <cstdlib>

#include <fmt/format.h>

#include "orchestrator/store/compare.hpp"
#include "orchestrator/store/h5.hpp"
#include "orchestrator/store/hdf5_view.hpp"
#include "orchestrator/store/store.hpp"
#include "orchestrator/store/store_files.hpp"
#include "orchestrator/store/store_reader.hpp"

namespace t2 {

using namespace store_internal;

std::vector<std::string> validate_store(const std::string& path) {
  h5::quiet();
  std::vector<std::string> problems;
  auto problem = [&](const std::string& what) { problems.push_back(path + ": " + what); };
  std::string jpath = journal_path(path);
  bool has_journal = file_exists(jpath);
  if (has_journal) {
    // A damaged journal first: it is the store's record of what was committed.
    try {
      JournalScan scan = scan_journal(jpath);
      replay(jpath, scan, scan.records.size(), nullptr, 0);  // every record obeys the state rules
    } catch (const StoreError& e) {
      problems.push_back(e.what());
      return problems;
    }
  }
  if (!file_exists(path)) {
    if (has_journal) problem("the HDF5 file is missing (it is rebuilt from the journal when the store is next opened "
                             "for writing)");
    else problem("no such store");
    return problems;
  }
  ViewCheck view;
  try {
    view = check_view(path);
  } catch (const StoreError& e) {
    problem(e.problem);
    return problems;
  }
  if (view.status != ViewStatus::usable) {
    std::string holder = store_lock_holder(path);
    if (!holder.empty()) problem(view.why + "; a coordinator is writing it (" + holder + "), validate it again once "
                                 "the sweep has stopped");
    else problem(view.why + (has_journal ? " (it is rebuilt from the journal when the store is next opened for writing)"
                                         : ""));
    return problems;
  }
  // Layout: every root attribute, every table column with its type and one length per table.
  for (const std::string& p : check_view_layout(path)) problem(p);
  if (!problems.empty()) return problems;

  // Values: the whole file reads back as a store, and its rows are consistent.
  StoreContents c;
  try {
    c = read_view(path);
  } catch (const h5::H5Error& e) {
    problem(e.what());
    return problems;
  }
  for (auto& r : c.runs)
    if (r.batch >= c.batches.size()) problem(fmt::format("runs row {}: batch {} does not exist", r.index, r.batch));
  for (auto& e : c.evals) {
    if (e.batch >= c.batches.size()) problem(fmt::format("evals row {}: batch {} does not exist", e.index, e.batch));
    if (e.plan.run >= c.runs.size()) problem(fmt::format("evals row {}: run {} does not exist", e.index, e.plan.run));
    if (e.state != JobState::done) continue;
    if (e.result.problems != e.plan.problems || e.result.samples != e.plan.samples)
      problem(fmt::format("outcomes/{}/correct is {} x {}, the eval declares {} x {}", outcome_group_name(e.index),
                          e.result.problems, e.result.samples, e.plan.problems, e.plan.samples));
    for (auto v : e.result.correct)
      if (v > 1) {
        problem(fmt::format("outcomes/{}/correct holds the value {} (only 0 and 1 are allowed)",
                            outcome_group_name(e.index), v));
        break;
      }
  }
  try {
    h5::Id file = h5::open_file(path, false);
    h5::Id og = h5::open_group(file, "outcomes");
    for (auto& name : h5::list(og)) {
      char* end = nullptr;
      unsigned long i = std::strtoul(name.c_str(), &end, 10);
      if (*end != '\0' || i >= c.evals.size() || c.evals[i].state != JobState::done)
        problem(fmt::format("outcomes/{} does not belong to a done eval", name));
    }
  } catch (const h5::H5Error& e) {
    problem(e.what());
  }
  // Agreement with the journal: the .h5 must equal a replay of the records it says it reflects.
  if (has_journal) {
    try {
      JournalScan scan = scan_journal(jpath);
      if (std::string damage = journal_behind_view(path, scan, view); !damage.empty()) {
        problems.push_back(jpath + ": " + damage);
      } else if (view.header.journal_records > scan.records.size()) {
        problem(fmt::format("reflects {} journal records, the journal holds {} and its seal agrees: the view is wrong "
                            "(it is rebuilt from the journal when the store is next opened for writing)",
                            view.header.journal_records, scan.records.size()));
      } else {
        StoreContents j = replay(jpath, scan, view.header.journal_records, nullptr, 0);
        std::string diff = first_difference(c, j);
        if (!diff.empty()) problem("disagrees with its journal: " + diff);
        // What a reader sees beyond the stored fields: blank results of rows not done, NaN padding.
        else if (std::string blank = verify_view(path, j); problems.empty() && !blank.empty()) problem(blank);
      }
    } catch (const StoreError& e) {
      problems.push_back(e.what());
    }
  }
  return problems;
}

}  // namespace t2
