#!/usr/bin/env bash
# Time to first frame and idle CPU of `sweep demo` in a real terminal (tmux).
# Usage: bench/ui.sh   (builds the release binary; needs tmux)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
bin=$PWD/target/release/sweep
sock=sweep-bench-$$
trap 'tmux -L $sock kill-server 2>/dev/null || true' EXIT
home=$(mktemp -d)
start=$(date +%s%N)
tmux -L $sock new-session -d -x 100 -y 30 -e SWEEP_HOME="$home" "$bin demo --speed 1"
until tmux -L $sock capture-pane -p | grep -q "check in progress"; do :; done
end=$(date +%s%N)
echo "start to first frame: $(( (end - start) / 1000000 )) ms (includes tmux start)"
pid=$(tmux -L $sock list-panes -F '#{pane_pid}')
ticks() { awk '{print $14 + $15}' /proc/$pid/stat; }
hz=$(getconf CLK_TCK)
a=$(ticks); sleep 10; b=$(ticks)
echo "CPU over 10 s of a live demo: $(( (b - a) * 100 / hz / 10 ))% of one core ($(( b - a )) ticks at $hz Hz)"
