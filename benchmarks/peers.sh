#!/usr/bin/env bash
# The peers' own environments for the benchmarks (never rnnforecast's dependencies):
#   bash benchmarks/peers.sh [DIR]                  statsforecast, for bench_wide.py --peers (default ../peers)
#   bash benchmarks/peers.sh --neuralforecast [DIR] neuralforecast on torch 2.13 CPU, for bench_scale.py --peer
#                                                   (default ../nfpeer)
#   bash benchmarks/peers.sh --darts [DIR]          darts (RNNModel) on torch 2.13 CPU, for bench_wide.py --rnn-peer
#                                                   (default ../dpeers)
#   bash benchmarks/peers.sh --kernels [DIR]        torch 2.13 CPU, jax[cpu], tensorflow-cpu (Keras 3), for
#                                                   bench_kernels.py --peers (default ../kpeers)
set -euo pipefail
if [[ "${1:-}" == "--kernels" ]]; then
    DIR="${2:-../kpeers}"
    python3 -m venv "$DIR"
    "$DIR/bin/python" -m pip install --quiet --upgrade pip
    "$DIR/bin/python" -m pip install --quiet torch==2.13.0 "jax[cpu]" tensorflow-cpu numpy
    echo "peers ready: python benchmarks/bench_kernels.py --peers $DIR/bin/python"
    exit 0
fi
if [[ "${1:-}" == "--darts" ]]; then
    DIR="${2:-../dpeers}"
    python3 -m venv "$DIR"
    "$DIR/bin/python" -m pip install --quiet --upgrade pip
    "$DIR/bin/python" -m pip install --quiet torch==2.13.0  # the CPU wheel on disk; before darts
    "$DIR/bin/python" -m pip install --quiet "darts[torch]"
    echo "peer ready: python benchmarks/bench_wide.py --rnn-peer $DIR/bin/python"
    exit 0
fi
if [[ "${1:-}" == "--neuralforecast" ]]; then
    DIR="${2:-../nfpeer}"
    python3 -m venv "$DIR"
    "$DIR/bin/python" -m pip install --quiet --upgrade pip
    "$DIR/bin/python" -m pip install --quiet torch==2.13.0  # the CPU wheel on disk; before neuralforecast
    "$DIR/bin/python" -m pip install --quiet neuralforecast scipy
    echo "peer ready: python benchmarks/bench_scale.py --peer $DIR/bin/python"
    exit 0
fi
DIR="${1:-../peers}"
python3 -m venv "$DIR"
"$DIR/bin/python" -m pip install --quiet --upgrade pip
"$DIR/bin/python" -m pip install --quiet "statsforecast>=2.0" pandas
echo "peers ready: python benchmarks/bench_wide.py --peers $DIR/bin/python"
