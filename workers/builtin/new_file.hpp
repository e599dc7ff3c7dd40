// new_file.hpp — how the built-in trainer creates the files it writes in a run directory (the
// checkpoint, t2-builtin's result) without following a link planted there (issue 12 item 13):
// written to DEST.tmp created with O_EXCL | O_NOFOLLOW, then renamed over DEST.
#pragma once

#include <cstdio>
#include <string>

namespace t2::builtin {

// Opens `dest` + ".tmp" for writing, newly created (O_CREAT | O_EXCL | O_NOFOLLOW, mode 0644).
// A stale regular .tmp (a job killed between create and rename) is removed and created afresh;
// a symbolic link at the .tmp or at `dest` is refused ("PATH is a symbolic link; refusing to
// follow it"), as is anything else there. Throws std::runtime_error naming the path.
std::FILE* create_temp_for(const std::string& dest);

// Closes `f` (checking every write reached the file) and renames DEST.tmp over `dest`; on any
// error removes the .tmp and throws std::runtime_error naming the path.
void commit_temp(std::FILE* f, const std::string& dest);

}  // namespace t2::builtin
