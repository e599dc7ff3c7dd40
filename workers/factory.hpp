// factory.hpp — builds the configured Workload from the [workload] section of a sweep config.
// The one place that knows every backend; each backend reads (and checks) its own table. A
// rank builds its workload once, where it runs jobs; checking a config builds none
// (workload_settings.hpp). No MPI: the worker loop is worker_loop.hpp.
#pragma once

#include <memory>

#include "contract/workload.hpp"
#include "workers/workload_settings.hpp"

namespace t2 {

// Checks the settings (as check_workload_settings, this machine included), then constructs the
// backend, which may read its data (builtin: the token file). Throws ConfigError naming file,
// line, key and value when the table is bad or its data unusable.
std::unique_ptr<Workload> make_workload(const WorkloadConfig& config);

}  // namespace t2
