// signals.cpp — see signals.hpp.
#include "orchestrator/sweep/signals.hpp"

#include <csignal>
#include <initializer_list>
#include <cstring>
#include <unistd.h>

namespace t2 {

namespace {
volatile std::sig_atomic_t g_signal = 0;
volatile std::sig_atomic_t g_requests = 0;

void on_signal(int sig) {
  // No _exit here, for any count: leaving is the coordinator's job, after it flushed the store.
  if (g_signal == 0) g_signal = sig;
  if (g_requests < 1000) g_requests = g_requests + 1;
}
void on_worker_signal(int) {}
}  // namespace

void install_shutdown_handlers() {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int s : {SIGUSR1, SIGTERM, SIGINT}) sigaction(s, &sa, nullptr);
}

int shutdown_signal() { return g_signal; }
int shutdown_requests() { return g_requests; }
void clear_shutdown_signal() {
  g_signal = 0;
  g_requests = 0;
}

const char* signal_name(int sig) {
  switch (sig) {
    case SIGUSR1: return "SIGUSR1";
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    default: return "signal";
  }
}

void worker_ignores_shutdown_signals() {
  // A handler, not SIG_IGN: handlers are reset by exec, so exec-backend children see them normally.
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_worker_signal;
  sigemptyset(&sa.sa_mask);
  for (int s : {SIGUSR1, SIGTERM, SIGINT}) sigaction(s, &sa, nullptr);
}

}  // namespace t2
