#!/usr/bin/env bash
# fake_t2.sh — stands in for `t2 run SWEEP --resume` on every MPI rank, to test what the sbatch
# script does around t2 (signal forwarding through mpirun, exit 3 -> requeue, resume) before the
# real CLI exists. Appends "EVENT rank=R restart=K" lines to DIR/events (DIR = the sweep's dir).
# First start: run until USR1, then rank 0 exits 3 (as t2 does after a graceful stop) and the
# workers exit 0. Any later start (SLURM_RESTART_COUNT >= 1): finish after 1 s with exit 0.
set -u
if [ "$#" -ne 3 ] || [ "$1" != run ] || [ "$3" != --resume ]; then
  echo "fake_t2: expected 'run SWEEP --resume', got: $*" >&2
  exit 2
fi
dir=$(dirname "$2")
rank=${OMPI_COMM_WORLD_RANK:?fake_t2 must run under mpirun}
restart=${SLURM_RESTART_COUNT:-0}
ev() { echo "$1 rank=$rank restart=$restart" >>"$dir/events"; }  # short O_APPEND writes: atomic
stop=0
trap 'ev usr1; stop=1' USR1
trap 'ev term; stop=1' TERM
ev start
if [ "$restart" -ge 1 ]; then
  sleep 1
  ev done
  exit 0
fi
while [ "$stop" = 0 ]; do sleep 0.05 & wait $!; done
if [ "$rank" = 0 ]; then
  sleep 0.3  # "flushing the store"
  ev exit3
  exit 3
fi
ev exit0
exit 0
