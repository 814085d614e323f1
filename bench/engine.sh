#!/usr/bin/env bash
# Tracker state under rotating addresses: throughput and peak memory, 100,000 against
# 1,000,000 distinct addresses (3 adverts each, interleaved; a fifth of them Tiles, so a
# new tracker per address), each in a fresh process. Then the 100,000 x 10 case of
# docs/benchmarks.md. Usage: bench/engine.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
cargo build --release -q --example bench_engine
B=target/release/examples/bench_engine
for run in $(seq 1 "$RUNS"); do
  small=$($B rotating 100000 3)
  big=$($B rotating 1000000 3)
  echo "$small"
  echo "$big"
  python3 - "$small" "$big" <<'PY'
import re, sys
s, b = sys.argv[1], sys.argv[2]
rate = lambda t: float(re.search(r"([0-9.]+) M adverts/s", t).group(1))
rss = lambda t: int(re.search(r"peak RSS (\d+) MB", t).group(1))
print(f"  1,000,000 vs 100,000 addresses: throughput {rate(b):.2f} M/s (target >= 1.5), "
      f"peak RSS {rss(b)} / {rss(s)} MB = {rss(b) / rss(s):.2f} (target <= 1.10)")
PY
done
$B rotating 100000 10
