// signals.hpp — the coordinator's shutdown signals. USR1 (Slurm's warning ahead of the time
// limit), TERM (preemption, scancel) and INT (Ctrl-C) only set a flag; the coordinator loop
// reads it and stops in order (sweep/coordinator.hpp). A second INT exits at once.
#pragma once

namespace t2 {

void install_shutdown_handlers();
// 0 when no shutdown was asked for, else the signal number that asked.
int shutdown_signal();
// Forgets a shutdown request (tests that run several sweeps in one process).
void clear_shutdown_signal();
const char* signal_name(int sig);
// Workers ignore USR1 (mpirun forwards it to every rank; only rank 0 decides what it means).
void ignore_usr1();

}  // namespace t2
