// store_files.hpp — internal to orchestrator/store: the store's file names (STORE.journal,
// STORE.lock, STORE.rebuild), the file-system helpers the writer and the readers share, and the
// refusal of planted symbolic links (issue 12 item 13; schemas/store-layout.md).
#pragma once

#include <cstdint>
#include <string>

namespace t2::store_internal {

std::string journal_path(const std::string& path);
std::string lock_path(const std::string& path);
std::string rebuild_path(const std::string& path);

double now_unix();
bool file_exists(const std::string& p);
std::uint64_t file_size(const std::string& p);  // 0 when it cannot be stat'ed
std::string errno_text();                       // strerror(errno)

// Throws StoreError(store, "P is a symbolic link; refusing to follow it") when p is a link.
void refuse_symlink(const std::string& store, const std::string& p);
// refuse_symlink for every file the writer creates or truncates.
void refuse_planted_links(const std::string& path);
void fsync_dir_of(const std::string& path);  // best effort

}  // namespace t2::store_internal
