#!/usr/bin/env bash
# The web benchmark: 30,000 places across France (real records, spread over France's communes),
# imported into a fresh SQLite file, served by the release binary on loopback, and `wrk`
# asking for the nearest 20 places around random points with two filters.
#
# Needs `wrk` (Debian package). Settings: ROWS (30000), DURATION (20s), CONNECTIONS (32),
# THREADS (1: wrk shares the machine with the server), PORT (18080). Then the map page in Chromium:
# bytes of a first visit and time until the map shows every place.
# BENCH_POSTGRES=postgres://user@host/db runs it all on PostgreSQL instead of SQLite, in a
# throw-away database made on that server and dropped after.
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${ROWS:-30000}
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-1}
ADDR=127.0.0.1:${PORT:-18080}

command -v wrk >/dev/null || { echo "wrk est introuvable (apt-get install -y wrk)" >&2; exit 1; }

work=$(mktemp -d)
server=""
pg_database=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  if [ -n "$pg_database" ]; then psql -q "$BENCH_POSTGRES" -c "DROP DATABASE IF EXISTS $pg_database WITH (FORCE)"; fi
  rm -rf "$work"
}
trap cleanup EXIT

cargo build --release -q -p maillage-cli
cargo run --release -q -p maillage-app --example bench_places -- "$ROWS" "$work/places.json"
target=${CARGO_TARGET_DIR:-target}
maillage="$target/release/maillage"

if [ -n "${BENCH_POSTGRES:-}" ]; then
  pg_database="maillage_bench_web_$$"
  psql -q "$BENCH_POSTGRES" -c "CREATE DATABASE $pg_database"
  export MAILLAGE_DB="${BENCH_POSTGRES%/*}/$pg_database"
else
  export MAILLAGE_DB="$work/bench.db"
fi
start=$(date +%s.%N)
"$maillage" --no-demo import "$work/places.json" --source bench | tail -n 3
awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "import (%s) : %.2f s\n", ENVIRON["MAILLAGE_DB"] ~ /^postgres/ ? "PostgreSQL" : "SQLite", e - s }'

"$maillage" --no-demo serve --addr "$ADDR" &
server=$!
for _ in $(seq 1 100); do
  if curl -sf "http://$ADDR/api/v1/sante" >/dev/null; then break; fi
  sleep 0.1
done
curl -sf "http://$ADDR/api/v1/sante"; echo

# One request shown in full, then a short warm-up.
sample="/api/v1/lieux?lat=47.081&lon=2.399&limite=20&filtres=service%3DAide%20aux%20d%C3%A9marches%20administratives%3Bservice%3DMa%C3%AEtrise%20des%20outils%20num%C3%A9riques%20du%20quotidien"
response=$(curl -sf "http://$ADDR$sample")
echo "${response:0:300} …"
wrk -t "$THREADS" -c "$CONNECTIONS" -d 3s -s scripts/bench-web.lua "http://$ADDR" >/dev/null

# The server's own CPU time per request: a figure that holds even when other processes share
# the machine (wrk's requests per second and latencies do not).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
before=$(cpu_ticks)
wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --latency -s scripts/bench-web.lua "http://$ADDR" | tee "$work/wrk.txt"
after=$(cpu_ticks)
requests=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$requests" \
  'BEGIN { printf "CPU du serveur : %.1f µs par requête (%d requêtes)\n", t / hz * 1e6 / n, n }'

# The map page in Chromium on the same registry: bytes of a first visit and the time until
# every place is on the map (needs the browser tests' tools: scripts/install-test-tools).
if [ -x /usr/bin/chromium ] && [ -d tests/browser/node_modules ]; then
  node tests/browser/bench-map.mjs "http://$ADDR" 5
else
  echo "Chromium ou tests/browser/node_modules absents : mesure de la carte sautée (scripts/install-test-tools)"
fi
