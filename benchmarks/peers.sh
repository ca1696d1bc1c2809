#!/usr/bin/env bash
# The peers' own environment for the benchmarks (never rnnforecast's dependencies):
# statsforecast for bench_wide.py --peers. Usage: bash benchmarks/peers.sh [DIR] (default ../peers).
set -euo pipefail
DIR="${1:-../peers}"
python3 -m venv "$DIR"
"$DIR/bin/python" -m pip install --quiet --upgrade pip
"$DIR/bin/python" -m pip install --quiet "statsforecast>=2.0" pandas
echo "peers ready: python benchmarks/bench_wide.py --peers $DIR/bin/python"
