// worker_loop.hpp — what ranks 1..P-1 run: announce Ready, then run each Job the coordinator
// (rank 0) sends, answer with its Result, obey Cancel and Stop. The only MPI in workers/.
#pragma once

#include "contract/workload.hpp"

namespace t2 {

// Returns when the coordinator sends Stop (or its rank disappears: MPI aborts the job).
void run_worker(Workload& workload);

}  // namespace t2
