#!/usr/bin/env bash
# Coverage benchmark: the Rust engine (maillage-coverage) against a PostGIS KNN lateral join,
# on the same points: every commune of France with a point, and 30,000 places (the real
# fixture places replicated and shifted by a few km), written by the Rust benchmark.
#
# Needs a local PostgreSQL reachable as `psql -h $PGHOST -U $PGUSER` with trust auth
# (defaults 127.0.0.1 and postgres). Installs postgresql-15-postgis-3 with apt-get when
# PostGIS is missing; skips with a message if it cannot. Creates a throw-away database and
# drops it at the end.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
export PGHOST=${PGHOST:-127.0.0.1}
export PGUSER=${PGUSER:-postgres}
DB="maillage_coverage_bench_$$"
WORK=$(mktemp -d)
RUNS=${RUNS:-3}

cleanup() {
    psql -q -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

if ! psql -Atq -d postgres -c "select 1" >/dev/null 2>&1; then
    echo "SKIP: no PostgreSQL reachable as psql -h $PGHOST -U $PGUSER" >&2
    exit 0
fi

has_postgis() {
    [ "$(psql -Atq -d postgres -c "select count(*) from pg_available_extensions where name = 'postgis'")" != "0" ]
}
if ! has_postgis; then
    echo "PostGIS missing: installing postgresql-15-postgis-3 with apt-get…"
    SUDO=""
    [ "$(id -u)" = "0" ] || SUDO="sudo -n"
    if ! { $SUDO apt-get install -y postgresql-15-postgis-3 >"$WORK/apt.log" 2>&1 \
        || { $SUDO apt-get update >>"$WORK/apt.log" 2>&1 && $SUDO apt-get install -y postgresql-15-postgis-3 >>"$WORK/apt.log" 2>&1; }; } \
        || ! has_postgis; then
        echo "SKIP: PostGIS could not be installed (see apt-get output below); the Rust figures alone:" >&2
        tail -5 "$WORK/apt.log" >&2 || true
        (cd "$ROOT" && cargo bench -q -p maillage-coverage --bench coverage)
        exit 0
    fi
fi

echo "== Rust (maillage-coverage, release)"
(cd "$ROOT" && cargo bench -q -p maillage-coverage --bench coverage -- --write-csv "$WORK") | tee "$WORK/rust.txt"
RUST_MS=$(sed -n 's/^RUST_FULL_MS=//p' "$WORK/rust.txt")
RUST_1_MS=$(sed -n 's/^RUST_FULL_1THREAD_MS=//p' "$WORK/rust.txt")

echo
echo "== PostGIS ($(psql -Atq -d postgres -c 'show server_version'))"
psql -q -d postgres -c "CREATE DATABASE $DB"
P() { psql -X -q -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
P -c "CREATE EXTENSION postgis"
echo "PostGIS $(P -Atc 'select postgis_lib_version()')"
P <<SQL
CREATE TABLE communes (code text PRIMARY KEY, lat float8 NOT NULL, lon float8 NOT NULL);
CREATE TABLE places (id text PRIMARY KEY, lat float8 NOT NULL, lon float8 NOT NULL);
\copy communes FROM '$WORK/communes.csv' WITH (FORMAT csv, HEADER true)
\copy places FROM '$WORK/places.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE rust_nearest (code text PRIMARY KEY, id text, km float8);
\copy rust_nearest FROM '$WORK/rust_nearest.csv' WITH (FORMAT csv, HEADER true)
ALTER TABLE communes ADD COLUMN geom geometry(Point, 4326), ADD COLUMN geog geography(Point, 4326);
ALTER TABLE places ADD COLUMN geom geometry(Point, 4326), ADD COLUMN geog geography(Point, 4326);
UPDATE communes SET geom = ST_SetSRID(ST_MakePoint(lon, lat), 4326), geog = ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography;
UPDATE places SET geom = ST_SetSRID(ST_MakePoint(lon, lat), 4326), geog = ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography;
CREATE INDEX places_geom ON places USING gist (geom);
CREATE INDEX places_geog ON places USING gist (geog);
VACUUM ANALYZE communes;
VACUUM ANALYZE places;
SQL
echo "loaded: $(P -Atc 'select count(*) from communes') communes, $(P -Atc 'select count(*) from places') places"

# Each run materialises the whole result (every commune's nearest place and its distance).
GEOM_QUERY="CREATE TEMP TABLE knn AS SELECT c.code, p.id, ST_Distance(c.geog, p.geog) / 1000 AS km FROM communes c CROSS JOIN LATERAL (SELECT id, geog FROM places ORDER BY places.geom <-> c.geom LIMIT 1) p"
GEOG_QUERY="CREATE TEMP TABLE knn AS SELECT c.code, p.id, ST_Distance(c.geog, p.geog) / 1000 AS km FROM communes c CROSS JOIN LATERAL (SELECT id, geog FROM places ORDER BY places.geog <-> c.geog LIMIT 1) p"

time_query() { # prints the median time in ms of RUNS runs
    local query=$1 times=()
    for _ in $(seq "$RUNS"); do
        local t
        t=$(P -c '\timing on' -c "$query" -c "DROP TABLE knn" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | head -1)
        times+=("$t")
    done
    printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
agreement() { # share of communes where PostGIS's nearest is Rust's (same id or same distance within 1 m)
    P -Atc "$1; SELECT count(*) FILTER (WHERE k.id = r.id OR abs(k.km - r.km) < 0.001) || ' / ' || count(*) || ' communes agree with Rust; max |Δkm| ' || round(max(abs(k.km - r.km))::numeric, 3) FROM knn k JOIN rust_nearest r USING (code)"
}

echo "KNN on geometry (planar <->, the index's default), distance on geography…"
GEOM_MS=$(time_query "$GEOM_QUERY")
echo "  median of $RUNS: $GEOM_MS ms; $(agreement "$GEOM_QUERY")"
echo "KNN on geography (spheroid <->)…"
GEOG_MS=$(time_query "$GEOG_QUERY")
echo "  median of $RUNS: $GEOG_MS ms; $(agreement "$GEOG_QUERY")"
echo "EXPLAIN ANALYZE of the geometry query:"
P -c "EXPLAIN (ANALYZE, COSTS OFF) ${GEOM_QUERY#CREATE TEMP TABLE knn AS }" | sed 's/^/  /'

echo
echo "== Nearest place of every commune of France (all communes with a point, 30,000 places)"
printf '%-46s %12s %10s\n' "engine" "time (ms)" "× Rust"
printf '%-46s %12.1f %10s\n' "Rust maillage-coverage (all threads)" "$RUST_MS" "1"
printf '%-46s %12.1f %10.1f\n' "Rust maillage-coverage (1 thread, recompute)" "$RUST_1_MS" "$(echo "$RUST_1_MS / $RUST_MS" | bc -l)"
printf '%-46s %12.1f %10.1f\n' "PostGIS KNN lateral join, geometry <->" "$GEOM_MS" "$(echo "$GEOM_MS / $RUST_MS" | bc -l)"
printf '%-46s %12.1f %10.1f\n' "PostGIS KNN lateral join, geography <->" "$GEOG_MS" "$(echo "$GEOG_MS / $RUST_MS" | bc -l)"
echo "PostGIS geometry KNN vs Rust single-thread: $(printf '%.1f' "$(echo "$GEOM_MS / $RUST_1_MS" | bc -l)")×"
