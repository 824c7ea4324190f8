#!/usr/bin/env python3
"""Build Maillage's compact territory pack (data/territory/) from open data.

Inputs (both read locally, nothing is downloaded):
  PACK   a territory pack folder made by build_territory_pack.py (communes,
         EPCI, departements, regions as CSV + GeoJSON gz, arrondissements
         municipaux GeoJSON): codes, names, populations, postcodes, EPCI
         membership, representative points and simplified polygons.
  DECA   the npm tarball of @etalab/decoupage-administratif (6.0.0 or later),
         as `npm pack @etalab/decoupage-administratif@6.0.0` writes it (or its
         extracted folder): communes deleguees / associees and old INSEE codes
         (merged-commune history), arrondissements' postcodes.

Usage:
  python3 build.py PACK DECA [--out DIR]      (DIR defaults to this folder)

Outputs (deterministic bytes for identical inputs and Python/zlib versions):
  communes.csv.gz      code,nom,dep,reg,epci,zone,population,codes_postaux,lat,lon
  epci.csv.gz          siren,nom,type            (members: communes.epci)
  departements.csv     code,nom,reg,chef_lieu,zone
  regions.csv          code,nom,chef_lieu,zone
  arrondissements.csv  code,nom,commune,codes_postaux,population,lat,lon
  history.csv.gz       code,commune,kind,nom     (old code -> current commune)
  geometry.bin.gz      commune and arrondissement polygons, as shared arcs
  manifest.json        inputs' hashes, counts, outputs' hashes, exceptions

geometry.bin (before gzip), all integers are LEB128 varints, "zz" = zigzag:
  magic b"MGEO1\\n", scale (100000 = 5 decimals, about 1 m)
  n_arcs, then per arc: n_points, points as zz(dx), zz(dy) where x = lon*scale,
      y = lat*scale, each delta from the previous point of the whole stream
  n_shapes, then per shape: code (len, ascii), n_polygons, per polygon:
      n_rings (exterior first), per ring: n_refs, refs as zz(ref - prev_ref)
      with ref = 2*arc + reversed, prev_ref running over the whole stream
  A ring is its arcs' points concatenated, each arc without its last point
  (that point starts the next arc; the ring closes on its first point).
Borders shared by two communes are stored once; the encoding is lossless at
the pack's 5-decimal precision, so point-in-polygon answers are unchanged.
"""
import argparse
import csv
import gzip
import io
import json
import os
import sys
import tarfile

# The first stage's script, beside this one (on the path of a script run by its file name):
# one way of hashing inputs for both manifests; importing it leaves no cache in the data folder.
sys.dont_write_bytecode = True
from build_territory_pack import sha256_file  # noqa: E402

SCALE = 100_000
MAGIC = b"MGEO1\n"


# ---------------------------------------------------------------- inputs
def read_csv_gz(path):
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def read_geojson_gz(path):
    with gzip.open(path, "rb") as f:
        return json.load(f)["features"]


def read_deca_communes(path):
    if os.path.isdir(path):
        for cand in ("data/communes.json", "package/data/communes.json"):
            p = os.path.join(path, cand)
            if os.path.exists(p):
                with open(p, encoding="utf-8") as f:
                    return json.load(f)
        raise SystemExit(f"no data/communes.json under {path}")
    with tarfile.open(path, "r:gz") as t:
        return json.load(t.extractfile(t.getmember("package/data/communes.json")))


def deca_version(path):
    try:
        if os.path.isdir(path):
            for cand in ("package.json", "package/package.json"):
                p = os.path.join(path, cand)
                if os.path.exists(p):
                    with open(p, encoding="utf-8") as f:
                        return json.load(f).get("version")
            return None
        with tarfile.open(path, "r:gz") as t:
            return json.load(t.extractfile(t.getmember("package/package.json"))).get("version")
    except (KeyError, OSError, ValueError):
        return None


# ---------------------------------------------------------------- geometry
def q(v):
    """Quantise a coordinate to the pack's integer grid (round half away from
    zero, as the Rust loader does for query points)."""
    s = v * SCALE
    return int(s + 0.5) if s >= 0 else -int(-s + 0.5)


def quantise_mp(coords):
    """GeoJSON MultiPolygon -> list of polygons of rings of (x, y) ints, rings
    open (no repeated closing point), consecutive duplicates dropped."""
    out = []
    for poly in coords:
        rings = []
        for r in poly:
            pts = []
            for x, y in r:
                p = (q(x), q(y))
                if not pts or pts[-1] != p:
                    pts.append(p)
            if len(pts) > 1 and pts[0] == pts[-1]:
                pts.pop()
            if len(pts) >= 3:
                rings.append(pts)
        if rings:
            out.append(rings)
    return out


def ring_contains(r, x, y):
    """Even-odd crossing test in exact integer arithmetic; the Rust side uses
    the same inequalities so both agree on every point."""
    inside = False
    n = len(r)
    for i in range(n):
        x1, y1 = r[i - 1]
        x2, y2 = r[i]
        if (y1 > y) != (y2 > y):
            lhs = (x2 - x1) * (y - y1)
            rhs = (x - x1) * (y2 - y1)
            if (lhs > rhs) if y2 > y1 else (lhs < rhs):
                inside = not inside
    return inside


def mp_contains(mp, x, y):
    inside = False
    for poly in mp:
        for r in poly:
            if ring_contains(r, x, y):
                inside = not inside
    return inside


def interior_point(mp):
    """A point well inside the largest polygon, by horizontal scanlines."""
    def area(r):
        return abs(sum(r[i - 1][0] * r[i][1] - r[i][0] * r[i - 1][1] for i in range(len(r))))
    poly = max(mp, key=lambda p: area(p[0]))
    ys = [y for _, y in poly[0]]
    lo, hi = min(ys), max(ys)
    best = None
    for k in range(1, 20):
        y = lo + (hi - lo) * k // 20
        if any(py == y for r in poly for _, py in r):
            y += 1  # keep the scanline off vertices so the spans are clean
        xs = []
        for r in poly:
            for i in range(len(r)):
                (x1, y1), (x2, y2) = r[i - 1], r[i]
                if (y1 > y) != (y2 > y):
                    xs.append(x1 + (y - y1) * (x2 - x1) / (y2 - y1))
        xs.sort()
        for i in range(0, len(xs) - 1, 2):
            span = xs[i + 1] - xs[i]
            if best is None or span > best[0]:
                best = (span, (round((xs[i] + xs[i + 1]) / 2), y))
    if best and mp_contains(mp, *best[1]):
        return best[1]
    return None


def build_topology(shapes):
    """shapes: list of (code, multipolygon of int rings). Returns (arcs, refs)
    where each ring becomes a list of refs (2*arc + reversed)."""
    neighbours = {}
    for _, mp in shapes:
        for poly in mp:
            for r in poly:
                n = len(r)
                for i, p in enumerate(r):
                    s = neighbours.setdefault(p, set())
                    s.add(r[i - 1])
                    s.add(r[(i + 1) % n])
    # A junction is where more than two borders meet, or where a border
    # shared by some rings continues alone: cutting rings there makes every
    # shared stretch an identical arc.
    junction = {p for p, s in neighbours.items() if len(s) > 2}
    index, arcs = {}, []

    def ref(seq):
        t = tuple(seq)
        if t in index:
            return index[t] * 2
        rt = t[::-1]
        if rt in index:
            return index[rt] * 2 + 1
        index[t] = len(arcs)
        arcs.append(t)
        return index[t] * 2

    refs = []
    for _, mp in shapes:
        shape_refs = []
        for poly in mp:
            poly_refs = []
            for r in poly:
                n = len(r)
                cuts = [i for i, p in enumerate(r) if p in junction]
                if not cuts:
                    m = min(range(n), key=lambda i: r[i])
                    rot = r[m:] + r[:m]
                    poly_refs.append([ref(rot + [rot[0]])])
                    continue
                ring_refs = []
                for k, i in enumerate(cuts):
                    j = cuts[(k + 1) % len(cuts)]
                    seg = r[i:j + 1] if j > i else r[i:] + r[:j + 1]
                    ring_refs.append(ref(seg))
                poly_refs.append(ring_refs)
            shape_refs.append(poly_refs)
        refs.append(shape_refs)
    return arcs, refs


class Writer:
    def __init__(self):
        self.buf = bytearray()

    def uv(self, n):
        assert n >= 0
        while True:
            b = n & 0x7F
            n >>= 7
            if n:
                self.buf.append(b | 0x80)
            else:
                self.buf.append(b)
                return

    def zz(self, n):
        self.uv((n << 1) if n >= 0 else ((-n << 1) - 1))


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def uv(self):
        n = shift = 0
        while True:
            b = self.data[self.pos]
            self.pos += 1
            n |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return n

    def zz(self):
        n = self.uv()
        return (n >> 1) if not n & 1 else -((n + 1) >> 1)


def encode_geometry(shapes):
    arcs, refs = build_topology(shapes)
    w = Writer()
    w.buf += MAGIC
    w.uv(SCALE)
    w.uv(len(arcs))
    px = py = 0
    for a in arcs:
        w.uv(len(a))
        for x, y in a:
            w.zz(x - px)
            w.zz(y - py)
            px, py = x, y
    w.uv(len(shapes))
    prev = 0
    for (code, _), shape_refs in zip(shapes, refs):
        b = code.encode("ascii")
        w.uv(len(b))
        w.buf += b
        w.uv(len(shape_refs))
        for poly_refs in shape_refs:
            w.uv(len(poly_refs))
            for ring_refs in poly_refs:
                w.uv(len(ring_refs))
                for rf in ring_refs:
                    w.zz(rf - prev)
                    prev = rf
    return bytes(w.buf), len(arcs), sum(len(a) for a in arcs)


def decode_geometry(data):
    r = Reader(data)
    assert data[:len(MAGIC)] == MAGIC
    r.pos = len(MAGIC)
    assert r.uv() == SCALE
    arcs = []
    px = py = 0
    for _ in range(r.uv()):
        pts = []
        for _ in range(r.uv()):
            px += r.zz()
            py += r.zz()
            pts.append((px, py))
        arcs.append(pts)
    shapes = []
    prev = 0
    for _ in range(r.uv()):
        n = r.uv()
        code = data[r.pos:r.pos + n].decode("ascii")
        r.pos += n
        mp = []
        for _ in range(r.uv()):
            poly = []
            for _ in range(r.uv()):
                ring = []
                for _ in range(r.uv()):
                    prev += r.zz()
                    a = arcs[prev >> 1]
                    ring.extend((a[::-1] if prev & 1 else a)[:-1])
                poly.append(ring)
            mp.append(poly)
        shapes.append((code, mp))
    assert r.pos == len(data)
    return shapes


def same_ring(a, b):
    """Equal as cyclic sequences (the decoder may start a ring elsewhere)."""
    if len(a) != len(b):
        return False
    if not a:
        return True
    try:
        k = b.index(a[0])
    except ValueError:
        return False
    while True:
        if b[k:] + b[:k] == a:
            return True
        try:
            k = b.index(a[0], k + 1)
        except ValueError:
            return False


# ---------------------------------------------------------------- outputs
def write_gz(path, data):
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as g:
            g.write(data)


def csv_bytes(header, rows):
    s = io.StringIO()
    w = csv.writer(s, lineterminator="\n")
    w.writerow(header)
    for row in rows:
        w.writerow(["" if v is None else v for v in row])
    return s.getvalue().encode("utf-8")


def coord(v):
    return f"{v / SCALE:.5f}".rstrip("0").rstrip(".")


def build(pack, deca, out):
    communes = read_csv_gz(os.path.join(pack, "communes.csv.gz"))
    epcis = read_csv_gz(os.path.join(pack, "epci.csv.gz"))
    deps = read_csv_gz(os.path.join(pack, "departements.csv.gz"))
    regs = read_csv_gz(os.path.join(pack, "regions.csv.gz"))
    com_feats = read_geojson_gz(os.path.join(pack, "communes.geojson.gz"))
    arm_feats = read_geojson_gz(os.path.join(pack, "arrondissements_municipaux.geojson.gz"))
    deca_rows = read_deca_communes(deca)
    exceptions = {}

    current = {c["code"]: c for c in communes}
    geom = {f["properties"]["code"]: quantise_mp(f["geometry"]["coordinates"])
            for f in com_feats if f.get("geometry")}
    arm_geom = {f["properties"]["code"]: quantise_mp(f["geometry"]["coordinates"])
                for f in arm_feats if f.get("geometry")}

    # ---- communes: keep the representative point only if it is inside the
    # quantised polygon, as the Rust point-in-polygon test will see it.
    moved = []
    com_rows = []
    for c in sorted(communes, key=lambda c: c["code"]):
        code = c["code"]
        lat, lon = c["lat"], c["lon"]
        mp = geom.get(code)
        if mp and lat and lon:
            x, y = q(float(lon)), q(float(lat))
            if not mp_contains(mp, x, y):
                p = interior_point(mp)
                if p:
                    moved.append([code, c["nom"], lat, lon, coord(p[1]), coord(p[0])])
                    lon, lat = coord(p[0]), coord(p[1])
        com_rows.append([code, c["nom"], c["dep"], c["reg"], c["epci"], c["zone"],
                         c["population"], c["codes_postaux"], lat, lon])
    exceptions["points_moved_inside_polygon"] = moved

    epci_rows = [[e["code"], e["nom"], e["type"]] for e in sorted(epcis, key=lambda e: e["code"])]
    dep_rows = [[d["code"], d["nom"], d["reg"], d["chef_lieu"], d["zone"]]
                for d in sorted(deps, key=lambda d: d["code"])]
    reg_rows = [[g["code"], g["nom"], g["chef_lieu"], g["zone"]]
                for g in sorted(regs, key=lambda g: g["code"])]

    # ---- arrondissements municipaux
    arm_deca = {x["code"]: x for x in deca_rows if x["type"] == "arrondissement-municipal"}
    arm_rows = []
    for f in sorted(arm_feats, key=lambda f: f["properties"]["code"]):
        p = f["properties"]
        d = arm_deca.get(p["code"], {})
        lat, lon = p.get("lat"), p.get("lon")
        mp = arm_geom.get(p["code"])
        if mp and lat is not None and not mp_contains(mp, q(lon), q(lat)):
            ip = interior_point(mp)
            if ip:
                lon, lat = coord(ip[0]), coord(ip[1])
        arm_rows.append([p["code"], p["nom"], p["commune"], "|".join(d.get("codesPostaux", [])),
                         p.get("pop"), lat, lon])
    missing_arm = sorted(set(arm_deca) - {r[0] for r in arm_rows})
    if missing_arm:
        exceptions["arrondissements_without_geometry"] = missing_arm

    # ---- history: communes deleguees / associees (with their names) and
    # old codes of merged communes, each pointing at today's commune.
    hist = {}
    conflicts = []
    anciens = {}
    for x in deca_rows:
        if x["type"] == "commune-actuelle":
            for a in x.get("anciensCodes", []):
                anciens[a] = x["code"]
    for x in sorted(deca_rows, key=lambda x: (x["code"], x["type"])):
        if x["type"] not in ("commune-deleguee", "commune-associee"):
            continue
        chef = x["chefLieu"]
        if chef not in current:
            conflicts.append([x["code"], x["nom"], "chef-lieu not current", chef])
            continue
        if x["code"] in anciens and anciens[x["code"]] != chef:
            # The chef-lieu is the COG's present attachment; anciensCodes can
            # keep an earlier merger the commune has since left.
            conflicts.append([x["code"], x["nom"], "anciensCodes says " + anciens[x["code"]], chef])
        kind = "deleguee" if x["type"] == "commune-deleguee" else "associee"
        hist[(x["code"], chef)] = [x["code"], chef, kind, x["nom"]]
    named = {k[0] for k in hist}
    for a, cur in sorted(anciens.items()):
        if a in current:
            conflicts.append([a, current[a]["nom"], "old code is a current commune", cur])
            continue
        if a not in named:
            hist[(a, cur)] = [a, cur, "ancien", None]
    hist_rows = [hist[k] for k in sorted(hist)]
    exceptions["history_conflicts"] = conflicts

    # ---- geometry
    shapes = [(code, geom[code]) for code in sorted(geom)]
    shapes += [(code, arm_geom[code]) for code in sorted(arm_geom)]
    data, n_arcs, n_arc_points = encode_geometry(shapes)
    decoded = decode_geometry(data)
    for (code, mp), (code2, mp2) in zip(shapes, decoded):
        assert code == code2
        assert len(mp) == len(mp2), code
        for p1, p2 in zip(mp, mp2):
            assert len(p1) == len(p2), code
            for r1, r2 in zip(p1, p2):
                assert same_ring(r1, r2), code

    os.makedirs(out, exist_ok=True)
    outputs = {
        "communes.csv.gz": (csv_bytes(["code", "nom", "dep", "reg", "epci", "zone", "population",
                                       "codes_postaux", "lat", "lon"], com_rows), True),
        "epci.csv.gz": (csv_bytes(["siren", "nom", "type"], epci_rows), True),
        "departements.csv": (csv_bytes(["code", "nom", "reg", "chef_lieu", "zone"], dep_rows), False),
        "regions.csv": (csv_bytes(["code", "nom", "chef_lieu", "zone"], reg_rows), False),
        "arrondissements.csv": (csv_bytes(["code", "nom", "commune", "codes_postaux", "population",
                                           "lat", "lon"], arm_rows), False),
        "history.csv.gz": (csv_bytes(["code", "commune", "kind", "nom"], hist_rows), True),
        "geometry.bin.gz": (data, True),
    }
    files = {}
    for name, (payload, gz) in outputs.items():
        path = os.path.join(out, name)
        if gz:
            write_gz(path, payload)
        else:
            with open(path, "wb") as f:
                f.write(payload)
        files[name] = {"bytes": os.path.getsize(path), "sha256": sha256_file(path)}

    pack_manifest = {}
    mp_path = os.path.join(pack, "manifest.json")
    if os.path.exists(mp_path):
        with open(mp_path, encoding="utf-8") as f:
            pack_manifest = json.load(f)
    manifest = {
        "inputs": {
            "pack": {
                "inputs": pack_manifest.get("inputs"),
                "vintages": pack_manifest.get("vintages"),
                "files": {n: sha256_file(os.path.join(pack, n)) for n in sorted(os.listdir(pack))
                          if n.endswith(".gz")},
            },
            "decoupage_administratif": {
                "version": deca_version(deca),
                "file": os.path.basename(deca.rstrip("/")),
                "sha256": sha256_file(deca) if os.path.isfile(deca) else None,
            },
        },
        "params": {"scale": SCALE},
        "counts": {
            "communes": len(com_rows),
            "communes_with_geometry": len(geom),
            "epci": len(epci_rows),
            "departements": len(dep_rows),
            "regions": len(reg_rows),
            "arrondissements": len(arm_rows),
            "history": len(hist_rows),
            "history_by_kind": {k: sum(1 for r in hist_rows if r[2] == k)
                                for k in ("deleguee", "associee", "ancien")},
            "arcs": n_arcs,
            "arc_points": n_arc_points,
            "ring_points": sum(len(r) for _, mp in shapes for p in mp for r in p),
        },
        "outputs": files,
        "total_bytes": sum(v["bytes"] for v in files.values()),
        "exceptions": exceptions,
    }
    with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)
        f.write("\n")
    return manifest


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pack", help="territory pack folder (communes.csv.gz, communes.geojson.gz, ...)")
    ap.add_argument("deca", help="@etalab/decoupage-administratif .tgz (npm pack) or its folder")
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    a = ap.parse_args()
    m = build(a.pack, a.deca, a.out)
    json.dump({"counts": m["counts"], "total_bytes": m["total_bytes"],
               "exceptions": {k: len(v) for k, v in m["exceptions"].items()}},
              sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
