// new_file.hpp — creating a file t2 writes beside user-visible paths without following a link
// planted there (issue 12 item 13): written to DEST.tmp, created with O_CREAT | O_EXCL |
// O_NOFOLLOW, then renamed over DEST. Shared by `t2 export` (orchestrator/store/export.cpp) and
// the built-in trainer's checkpoint and result files (workers/builtin/), which both link the
// contract and nothing else in common.
#pragma once

#include <stdexcept>
#include <string>

namespace t2 {

// What went wrong, one line naming the path: "P is a symbolic link; refusing to follow it",
// "P exists and is not a regular file; refusing to replace it", "cannot create P: reason", ...
class NewFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Opens DEST.tmp for writing, newly created (mode 0644), and returns its descriptor. A stale
// regular .tmp (a writer killed between create and rename) is removed and created afresh; a
// symbolic link at the .tmp or at `dest` is refused, as is anything else at the .tmp.
int create_temp_for(const std::string& dest);

// Renames DEST.tmp over `dest`, refusing a link planted at `dest` meanwhile (nothing is put
// where a link points). On any error removes the .tmp. The caller has closed the .tmp.
void rename_temp_over(const std::string& dest);

}  // namespace t2
