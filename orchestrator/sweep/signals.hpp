// signals.hpp — the coordinator's shutdown signals. USR1 (Slurm's warning ahead of the time
// limit), TERM (preemption, scancel) and INT (Ctrl-C) mean the same and only count requests;
// the coordinator loop reads the count and stops in order (sweep/coordinator.hpp): the first
// lets running jobs finish within shutdown_grace, a second cancels them at once, a third leaves
// without waiting for their answers. Every way out flushes the store and exits 3.
#pragma once

namespace t2 {

void install_shutdown_handlers();
// 0 when no shutdown was asked for, else the signal number of the first request.
int shutdown_signal();
// How many shutdown signals arrived (0, 1, 2, ...).
int shutdown_requests();
// Forgets shutdown requests (tests that run several sweeps in one process).
void clear_shutdown_signal();
const char* signal_name(int sig);
// Worker ranks ignore USR1, TERM and INT: only rank 0 decides what a stop means, and stops the
// workers' jobs through the coordinator (cancel messages). mpirun forwards USR1 to every rank,
// and Slurm's TERM (scancel, preemption, the time limit) reaches every process of the job at
// once; a worker that died of it would lose its running job before rank 0 could cancel it and
// record that. Handlers, not SIG_IGN, so exec-backend jobs (reset by exec) see them normally.
void worker_ignores_shutdown_signals();

}  // namespace t2
