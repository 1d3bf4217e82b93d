#!/usr/bin/env bash
# ccsim against the same model written in SimPy (benches/peer/peer_simpy.py):
# speed (chats simulated per second of wall time) and the model's figures,
# side by side. See benches/peer/README.md.
#
# Run from the repository root:   bash benches/peer/run.sh
# Needs cargo and python3 (3.8+) with venv; fetches simpy==4.1.2 from PyPI
# into a throwaway venv that is removed at the end.
# Environment: PYTHON (default python3), SEED (default 1),
# REPEATS (default 3: each tool is timed REPEATS times and its fastest run counts),
# STYLES (default "timer process customer": the SimPy styles to time; the first
# ratio printed is against the fastest of them).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

PYTHON=${PYTHON:-python3}
SEED=${SEED:-1}
REPEATS=${REPEATS:-3}
STYLES=${STYLES:-timer process customer}
DAYS=15 # must match `days` in the scenario (the fallback below runs the file as it is)
SCENARIO=scenarios/peer-chat.toml
CCSIM=target/release/ccsim

say() { echo "==> $*" >&2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ccsim-peer.XXXXXX")
cleanup() {
    say "removing $TMP (venv and ccsim outputs)"
    rm -rf "$TMP"
}
trap cleanup EXIT

say "building ccsim: cargo build --release"
cargo build --release --quiet

say "creating a throwaway venv in $TMP/venv and installing simpy==4.1.2"
"$PYTHON" -m venv "$TMP/venv"
PY="$TMP/venv/bin/python"
"$PY" -m pip install --quiet --disable-pip-version-check simpy==4.1.2

# Prints, for each style among the JSON lines on stdin, the line with the
# highest chats_per_sec, one line each.
fastest() {
    "$PY" -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
best = {}
for r in rows:
    if r["style"] not in best or r["chats_per_sec"] > best[r["style"]]["chats_per_sec"]:
        best[r["style"]] = r
for r in best.values():
    print(json.dumps(r, separators=(",", ":")))'
}

# The styles take turns in each round, so that a change in the machine's load
# falls on all of them alike.
say "SimPy: benches/peer/peer_simpy.py --seed $SEED --days $DAYS --style {${STYLES// /,}}, $REPEATS round(s)"
SIMPY=$(for _ in $(seq "$REPEATS"); do
    for style in $STYLES; do
        "$PY" benches/peer/peer_simpy.py --seed "$SEED" --days "$DAYS" --style "$style"
    done
done | fastest)
echo "$SIMPY"

say "ccsim: $CCSIM bench --scenario $SCENARIO --days $DAYS --json --repeat $REPEATS (fastest run)"
CC=$("$CCSIM" bench --scenario "$SCENARIO" --days "$DAYS" --json --repeat "$REPEATS")
echo "$CC"

say "ccsim: $CCSIM run $SCENARIO --seed $SEED --quiet (for the model's figures)"
"$CCSIM" run "$SCENARIO" --seed "$SEED" --quiet --out "$TMP/ccsim-run" 2>/dev/null

say "results"
"$PY" - "$SIMPY" "$CC" "$TMP/ccsim-run/summary.csv" <<'EOF'
import csv, json, sys
styles = [json.loads(l) for l in sys.argv[1].splitlines()]
cc = json.loads(sys.argv[2])
with open(sys.argv[3], newline="") as f:
    summary = {r["metric"]: float(r["mean"]) for r in csv.DictReader(f) if r["scope"] == "all" and r["mean"]}
styles.sort(key=lambda r: -r["chats_per_sec"])
simpy = styles[0]  # the fastest SimPy style: the honest peer
print(f"speed ({cc['days']} days, one replication, one thread; fastest run of each)")
for r in styles:
    name = f"simpy --style {r['style']}"
    print(f"  {name:24}{r['chats']:>8} chats  {r['seconds']:8.3f} s  {r['chats_per_sec']:>9,} chats/s")
print(f"  {'ccsim bench':24}{cc['chats']:>8} chats  {cc['seconds']:8.3f} s  {cc['chats_per_sec']:>9,} chats/s")
print(f"  ratio ccsim/simpy: {cc['chats_per_sec'] / simpy['chats_per_sec']:.1f}x"
      f"  (against the fastest SimPy style, {simpy['style']})")
for r in styles[1:]:
    print(f"  ratio ccsim/simpy --style {r['style']}: {cc['chats_per_sec'] / r['chats_per_sec']:.1f}x")
figures = ("chats", "answered", "abandoned", "service_level_60s", "abandon_rate", "asa",
           "occupancy", "utilisation", "inactive_disconnect_rate", "logged_in_hours")
if len(styles) > 1:
    same = all(r[k] == simpy[k] for r in styles for k in figures)
    print(f"  the {len(styles)} SimPy styles gave {'identical' if same else 'DIFFERENT'} figures for seed {simpy['seed']}")
print("figures (one replication each, with different random numbers, so they differ by noise:")
print("one run's sd is about 0.001 in service level, 0.0007 in abandon rate, 0.002 in utilisation)")
rows = [
    ("chats offered", "chats", "offered"),
    ("service level (60 s)", "service_level_60s", "service_level"),
    ("abandon rate", "abandon_rate", "abandon_rate"),
    ("ASA (s)", "asa", "asa"),
    ("occupancy", "occupancy", "occupancy"),
    ("utilisation", "utilisation", "utilisation"),
    ("inactive disconnect rate", "inactive_disconnect_rate", "inactive_disconnect_rate"),
    ("logged-in hours", "logged_in_hours", "logged_in_hours"),
]
print(f"  {'metric':26}{'simpy':>14}{'ccsim':>14}")
for label, s, c in rows:
    print(f"  {label:26}{simpy[s]:>14.6g}{summary[c]:>14.6g}")
EOF
