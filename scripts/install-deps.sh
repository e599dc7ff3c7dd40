#!/usr/bin/env bash
# install-deps.sh — installs every Debian package t2 needs to build, test and run.
# The one list of system dependencies; README.md says why each is there. Needs root (or sudo).
set -euo pipefail
PKGS=(
  build-essential cmake pkg-config          # compiler and build
  openmpi-bin libopenmpi-dev                # MPI coordinator and workers
  libhdf5-dev hdf5-tools                    # the store (serial HDF5; h5dump in tests)
  libboost-program-options-dev              # CLI
  libfmt-dev                                # formatting of messages and tables
  catch2                                    # unit tests (v2.13)
  libeigen3-dev libceres-dev                # law fitting (Ceres) and linear algebra
  libtomlplusplus-dev                       # sweep configs
  nlohmann-json3-dev                        # machine output and job-result contract
  libopenblas-dev                           # matrix multiplies of the built-in trainer
  zlib1g-dev                                # CRC-32 of journal records (and HDF5 gzip)
  gnuplot-nox librsvg2-bin                  # figures of `t2 report` (SVG; rsvg-convert for the PNGs)
  python3 python3-h5py python3-numpy python3-scipy   # tests read exports with h5py; bench/fit baseline
  python3-pandas                            # tests read exports as the docs show (h5py + pandas)
  python3-torch                             # examples/pytorch: the PyTorch trainer CI runs through the exec backend
  munge slurmctld slurmd slurm-client       # local one-node Slurm for the cluster tests
  util-linux iproute2 procps                # setpriv, ss, ps used by the Slurm scripts
)
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "[install-deps] all ${#PKGS[@]} packages present"
  exit 0
fi
echo "[install-deps] installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "[install-deps] done"
