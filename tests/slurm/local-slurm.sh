#!/usr/bin/env bash
# local-slurm.sh — the test suite's own one-node Slurm cluster (munged, slurmctld, slurmd on
# localhost), for the Slurm end-to-end test and bench/signals. Needs root; no systemd needed.
# Learned from platform-notes §3 (a verified recipe); self-contained so it works from a fresh
# clone in CI. It never touches /etc/slurm: the config lives in $T2_SLURM_DIR/slurm.conf and
# every client finds it through SLURM_CONF (print it with `local-slurm.sh env`).
#
#   local-slurm.sh start   start (or re-check) the cluster; waits until the node is idle
#   local-slurm.sh stop    cancel our jobs, stop the daemons this script started (by recorded PID)
#   local-slurm.sh env     print `export SLURM_CONF=...` for eval in a shell
#   local-slurm.sh status  exit 0 if our slurmctld answers
# Env: T2_SLURM_DIR=/tmp/t2-local-slurm (state, logs, PIDs, slurm.conf)
#      T2_SLURM_PORTS="6817 6818" (slurmctld, slurmd)   T2_SLURM_TIMEOUT=60 (s to become idle)
#      T2_SLURM_INSTALL=1: apt-get install munge slurmctld slurmd slurm-client when missing
set -euo pipefail

DIR=${T2_SLURM_DIR:-/tmp/t2-local-slurm}
read -r CTLD_PORT SLURMD_PORT <<<"${T2_SLURM_PORTS:-6817 6818}"
TIMEOUT=${T2_SLURM_TIMEOUT:-60}
CONF=$DIR/slurm.conf
OURS=$DIR/run/ours
export SLURM_CONF=$CONF

log() { printf '[local-slurm] %s\n' "$*"; }
die() { printf '[local-slurm] ERROR: %s\n' "$*" >&2; exit 1; }

# pid_alive FILE COMM: prints the PID in FILE if that process lives and is COMM (a zombie is
# dead: this VM's PID 1 reaps orphans lazily, platform-notes §3.4).
pid_alive() {
  local f=$1 comm=$2 p
  [ -s "$f" ] || return 1
  p=$(tr -dc '0-9' <"$f")
  [ -n "$p" ] && [ -r "/proc/$p/comm" ] || return 1
  [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$comm" ] || return 1
  case "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" in Z | X) return 1 ;; esac
  echo "$p"
}
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
ctld_up() { timeout 5 scontrol ping 2>/dev/null | grep -q 'is UP'; }

stop_daemon() {
  local name=$1 p
  p=$(pid_alive "$OURS/$name.pid" "$name") || { rm -f "$OURS/$name.pid"; return 0; }
  kill -TERM "$p" 2>/dev/null || true
  for _ in $(seq 1 100); do pid_alive "$OURS/$name.pid" "$name" >/dev/null || break; sleep 0.1; done
  if pid_alive "$OURS/$name.pid" "$name" >/dev/null; then
    log "$name (pid $p) ignored SIGTERM for 10 s; SIGKILL"
    kill -KILL "$p" 2>/dev/null || true
    for _ in $(seq 1 50); do pid_alive "$OURS/$name.pid" "$name" >/dev/null || break; sleep 0.1; done
  fi
  pid_alive "$OURS/$name.pid" "$name" >/dev/null && die "could not stop $name (pid $p)"
  rm -f "$OURS/$name.pid"
  log "stopped $name (pid $p)"
}

do_stop() {
  [ -d "$OURS" ] || { log "nothing to stop ($OURS does not exist)"; return 0; }
  if pid_alive "$OURS/slurmctld.pid" slurmctld >/dev/null && ctld_up; then
    local jobs
    jobs=$(timeout 5 squeue -h -o %i 2>/dev/null | tr '\n' ' ')
    if [ -n "${jobs// /}" ]; then
      log "cancelling jobs: $jobs"
      timeout 10 scancel --full $jobs 2>/dev/null || true
      for _ in $(seq 1 150); do [ -z "$(timeout 5 squeue -h -o %i 2>/dev/null)" ] && break; sleep 0.1; done
    fi
  fi
  stop_daemon slurmd
  stop_daemon slurmctld
  stop_daemon munged
}

do_start() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (slurmd and munged need it)"
  local missing="" b
  for b in munged munge unmunge slurmctld slurmd sinfo scontrol sbatch squeue scancel setpriv; do
    command -v "$b" >/dev/null 2>&1 || missing="$missing $b"
  done
  if [ -n "$missing" ]; then
    if [ "${T2_SLURM_INSTALL:-0}" = 1 ]; then
      log "installing munge slurmctld slurmd slurm-client (missing:$missing)"
      DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends munge slurmctld slurmd slurm-client util-linux >/dev/null
    else
      die "missing programs:$missing (scripts/install-deps.sh installs them; or rerun with T2_SLURM_INSTALL=1)"
    fi
  fi
  id munge >/dev/null 2>&1 || die "user 'munge' does not exist (reinstall the munge package)"
  mkdir -p "$DIR"/{state,spool,log,run} "$OURS"
  chmod 0755 "$DIR" "$DIR/run"

  # ---- munge: runs as the munge user with Debian's paths ("Logfile is insecure" as root)
  munge_ok() { timeout 5 munge -n 2>/dev/null | timeout 5 unmunge >/dev/null 2>&1; }
  if [ ! -s /etc/munge/munge.key ]; then
    install -d -o munge -g munge -m 0700 /etc/munge
    if command -v mungekey >/dev/null 2>&1; then mungekey --create --keyfile=/etc/munge/munge.key --force >/dev/null
    else dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none; fi
    log "created /etc/munge/munge.key"
  fi
  chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /var/log/munge
  install -d -o munge -g munge -m 0711 /var/lib/munge
  local p
  if p=$(pid_alive "$OURS/munged.pid" munged) && munge_ok; then
    :
  elif [ ! -s "$OURS/munged.pid" ] && p=$(pid_alive /run/munge/munged.pid munged) && munge_ok; then
    log "reusing a munged this script did not start (pid $p); stop will leave it running"
  else
    rm -f "$OURS/munged.pid" /run/munge/munged.pid /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock
    setsid setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged -F \
      </dev/null >"$DIR/log/munged.stderr" 2>&1 &
    echo $! >"$OURS/munged.pid"
    for _ in $(seq 1 50); do [ -S /run/munge/munge.socket.2 ] && munge_ok && break; sleep 0.1; done
    munge_ok || die "munged did not come up: $(tail -3 "$DIR/log/munged.stderr" 2>/dev/null)"
    log "munged started (pid $(cat "$OURS/munged.pid"))"
  fi

  # ---- slurm.conf, from what slurmd detects (memory rounded down 10% so it is never INVALID)
  local host cpus sockets cores threads mem
  host=$(hostname -s 2>/dev/null || hostname)
  read -r cpus sockets cores threads mem < <(slurmd -C 2>/dev/null | awk '
    { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
    END { print v["CPUs"], v["SocketsPerBoard"], v["CoresPerSocket"], v["ThreadsPerCore"], v["RealMemory"] }')
  [ -n "${cpus:-}" ] || die "slurmd -C printed nothing usable"
  mem=$((mem * 9 / 10))
  local newconf
  newconf=$(cat <<CONF
# written by tests/slurm/local-slurm.sh; rewritten on every start
ClusterName=t2local
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# a requeued job may start again only after cred_expire seconds (default 120)
AuthInfo=cred_expire=10
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
# start queued and requeued batch jobs at once, not on the 60 s timer (platform-notes §3.3)
SchedulerParameters=batch_sched_delay=0,bf_interval=1,sched_interval=2
MpiDefault=none
ReturnToService=2
KillWait=10
MinJobAge=600
MailProg=/bin/true
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus SocketsPerBoard=$sockets CoresPerSocket=$cores ThreadsPerCore=$threads RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
)
  local changed=0
  if [ ! -e "$CONF" ] || [ "$(cat "$CONF")" != "$newconf" ]; then
    printf '%s\n' "$newconf" >"$CONF"
    changed=1
  fi

  # ---- slurmctld, slurmd: foreground mode under setsid, fds closed, PIDs recorded
  start_daemon() {
    local name=$1 port=$2 p
    shift 2
    if p=$(pid_alive "$OURS/$name.pid" "$name"); then
      [ $changed = 0 ] && return 0
      log "slurm.conf changed; restarting $name"
      stop_daemon "$name"
    fi
    for _ in $(seq 1 50); do port_busy "$port" || break; sleep 0.2; done
    port_busy "$port" && die "port $port is in use by another program (another Slurm?); stop it or set T2_SLURM_PORTS"
    setsid "$name" -f "$CONF" "$@" </dev/null >"$DIR/log/$name.stderr" 2>&1 &
    echo $! >"$OURS/$name.pid"
    log "$name started (pid $!)"
  }
  start_daemon slurmctld "$CTLD_PORT" -D
  for _ in $(seq 1 $((TIMEOUT * 5))); do
    ctld_up && break
    pid_alive "$OURS/slurmctld.pid" slurmctld >/dev/null || die "slurmctld exited: $(tail -5 "$DIR/log/slurmctld.log" "$DIR/log/slurmctld.stderr" 2>/dev/null)"
    sleep 0.2
  done
  ctld_up || die "slurmctld does not answer after ${TIMEOUT}s; see $DIR/log/slurmctld.log"
  start_daemon slurmd "$SLURMD_PORT" -D -N "$host"

  local state="" resumed=0 i
  for i in $(seq 1 $((TIMEOUT * 5))); do
    state=$(sinfo -h -N -n "$host" -o '%T' 2>/dev/null | head -1 || true)
    case "$state" in
      idle | mixed | allocated | completing) break ;;
      drain* | down* | fail* | inval*)
        if [ $resumed = 0 ] && [ "$i" -ge 10 ]; then  # left DOWN by an unclean stop: once
          resumed=1
          scontrol update NodeName="$host" State=RESUME 2>/dev/null || true
        fi ;;
    esac
    pid_alive "$OURS/slurmd.pid" slurmd >/dev/null || die "slurmd exited: $(tail -5 "$DIR/log/slurmd.log" "$DIR/log/slurmd.stderr" 2>/dev/null)"
    sleep 0.2
  done
  case "$state" in idle | mixed | allocated | completing) ;; *) die "node $host is '$state' after ${TIMEOUT}s; see $DIR/log/" ;; esac
  log "ready: node $host is $state; export SLURM_CONF=$CONF"
}

case "${1:-}" in
  start) do_start ;;
  stop) do_stop ;;
  env) echo "export SLURM_CONF=$CONF" ;;
  status) pid_alive "$OURS/slurmctld.pid" slurmctld >/dev/null && ctld_up ;;
  *) echo "usage: $0 start|stop|env|status" >&2; exit 2 ;;
esac
