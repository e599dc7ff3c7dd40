// store_reader.hpp — internal to orchestrator/store: what the writer's recovery, read_store()
// and validate_store() share: checking the .h5 before trusting it, and replaying the journal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "orchestrator/store/events.hpp"
#include "orchestrator/store/hdf5_view.hpp"
#include "orchestrator/store/journal.hpp"
#include "orchestrator/store/records.hpp"

namespace t2::store_internal {

// What the .h5 file of a store looks like before we trust it.
enum class ViewStatus { missing, usable, damaged };
struct ViewCheck {
  ViewStatus status = ViewStatus::missing;
  ViewHeader header;
  std::string why;  // for damaged
  bool sealed = false;  // carries its checksum seal (hdf5_view.hpp); a usable view without one is rebuilt on open
};

// Checks the .h5. Throws StoreError for what must never be overwritten: a file that is not
// HDF5 at all (a wrong path) or one of another schema version.
ViewCheck check_view(const std::string& path);

// A format 1 or 2 journal has no seal: the .h5 view's journal_records is then what says how
// many records were committed, and a journal holding fewer is damage. Returns the damage
// message naming the records missing ("" if none). A format-3 journal's own seal is checked by
// scan_journal; a view that claims more than the seal is a wrong view (rebuilt on open).
std::string journal_behind_view(const std::string& path, const JournalScan& scan, const ViewCheck& view);

// Replays `scan` into a fresh StoreContents, the first `limit` records at most. Records with
// index >= dirty_from are also marked in `dirty` (may be null). Throws StoreError naming the
// record and its byte offset.
StoreContents replay(const std::string& jpath, const JournalScan& scan, std::size_t limit, Dirty* dirty,
                     std::uint64_t dirty_from);

}  // namespace t2::store_internal
