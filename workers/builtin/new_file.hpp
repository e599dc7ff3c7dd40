// new_file.hpp — how the built-in trainer creates the files it writes in a run directory (the
// checkpoint, t2-builtin's result) without following a link planted there (issue 12 item 13):
// the contract's DEST.tmp creation and rename (contract/new_file.hpp) behind a stdio FILE*.
#pragma once

#include <cstdio>
#include <string>

namespace t2::builtin {

// Opens `dest` + ".tmp" for writing through contract/new_file.hpp's create_temp_for (a link at
// the .tmp or at `dest` is refused, a stale regular .tmp replaced). Throws std::runtime_error
// (NewFileError) naming the path.
std::FILE* create_temp_for(const std::string& dest);

// Closes `f` (checking every write reached the file) and renames DEST.tmp over `dest`; on any
// error removes the .tmp and throws std::runtime_error naming the path.
void commit_temp(std::FILE* f, const std::string& dest);

}  // namespace t2::builtin
