// store_lock.hpp — internal to orchestrator/store: STORE.lock, held with flock() by the one
// coordinator writing a store, with a holder line ("pid P on host H since T") for readers.
// store_lock_holder() (store.hpp) probes it without taking it.
#pragma once

#include <string>

namespace t2::store_internal {

// Takes STORE.lock for the writer's lifetime; returns the descriptor. Throws StoreError when
// another coordinator holds it (naming the holder) or the lock file is a symbolic link.
int take_lock(const std::string& path);
void release_lock(int fd);  // -1 is a no-op

}  // namespace t2::store_internal
