//! Reading the territory pack (the files of `data/territory/`, built by its `build.py`) from
//! bytes handed over by the caller. Each file may be gzip-compressed or plain.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Read;

use crate::geometry::{Shapes, ShapesBuilder};
use crate::model::{Arrondissement, Commune, Departement, EpciKind, LatLon, Region, Zone};
use crate::TerritoryError;

/// The bytes of the pack's files, as `data/territory/` names them.
#[derive(Debug, Clone, Copy)]
pub struct PackFiles<'a> {
    /// `communes.csv.gz`
    pub communes: &'a [u8],
    /// `epci.csv.gz`
    pub epci: &'a [u8],
    /// `departements.csv`
    pub departements: &'a [u8],
    /// `regions.csv`
    pub regions: &'a [u8],
    /// `arrondissements.csv`
    pub arrondissements: &'a [u8],
    /// `history.csv.gz`
    pub history: &'a [u8],
    /// `geometry.bin.gz`
    pub geometry: &'a [u8],
}

#[cfg(feature = "embedded")]
impl PackFiles<'static> {
    /// The pack of the repository's `data/territory/`, compiled into the binary.
    pub const EMBEDDED: PackFiles<'static> = PackFiles {
        communes: include_bytes!("../../../data/territory/communes.csv.gz"),
        epci: include_bytes!("../../../data/territory/epci.csv.gz"),
        departements: include_bytes!("../../../data/territory/departements.csv"),
        regions: include_bytes!("../../../data/territory/regions.csv"),
        arrondissements: include_bytes!("../../../data/territory/arrondissements.csv"),
        history: include_bytes!("../../../data/territory/history.csv.gz"),
        geometry: include_bytes!("../../../data/territory/geometry.bin.gz"),
    };
}

fn err(file: &'static str, message: impl Into<String>) -> TerritoryError {
    TerritoryError::Pack { file, message: message.into() }
}

/// Gunzips when the bytes carry the gzip magic number, borrows them otherwise.
fn open<'a>(file: &'static str, bytes: &'a [u8]) -> Result<Cow<'a, [u8]>, TerritoryError> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity(bytes.len() * 4);
        flate2::read::MultiGzDecoder::new(bytes).read_to_end(&mut out).map_err(|e| err(file, format!("gzip: {e}")))?;
        Ok(Cow::Owned(out))
    } else {
        Ok(Cow::Borrowed(bytes))
    }
}

/// Rows of a CSV file with named columns.
struct Table {
    file: &'static str,
    columns: HashMap<String, usize>,
    rows: Vec<csv::StringRecord>,
}

impl Table {
    fn parse(file: &'static str, bytes: &[u8], required: &[&str]) -> Result<Table, TerritoryError> {
        let data = open(file, bytes)?;
        let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(&data[..]);
        let headers = reader.headers().map_err(|e| err(file, e.to_string()))?.clone();
        let columns: HashMap<String, usize> = headers.iter().enumerate().map(|(i, h)| (h.to_string(), i)).collect();
        for col in required {
            if !columns.contains_key(*col) {
                return Err(err(file, format!("missing column {col:?}")));
            }
        }
        let rows = reader.records().collect::<Result<Vec<_>, _>>().map_err(|e| err(file, e.to_string()))?;
        Ok(Table { file, columns, rows })
    }

    /// Every row of a file, each made by `build` from the table and the row.
    fn read<T>(
        file: &'static str,
        bytes: &[u8],
        required: &[&str],
        build: impl Fn(&Table, &csv::StringRecord) -> Result<T, TerritoryError>,
    ) -> Result<Vec<T>, TerritoryError> {
        let table = Table::parse(file, bytes, required)?;
        table.rows.iter().map(|row| build(&table, row)).collect()
    }

    fn get<'r>(&self, row: &'r csv::StringRecord, col: &str) -> &'r str {
        self.columns.get(col).and_then(|&i| row.get(i)).unwrap_or("")
    }

    fn text(&self, row: &csv::StringRecord, col: &str) -> String {
        self.get(row, col).to_string()
    }

    fn line(row: &csv::StringRecord) -> u64 {
        row.position().map_or(0, |p| p.line())
    }

    fn fail(&self, row: &csv::StringRecord, message: impl std::fmt::Display) -> TerritoryError {
        err(self.file, format!("line {}: {message}", Self::line(row)))
    }

    fn opt_u32(&self, row: &csv::StringRecord, col: &str) -> Result<Option<u32>, TerritoryError> {
        let v = self.get(row, col);
        if v.is_empty() {
            return Ok(None);
        }
        v.parse().map(Some).map_err(|_| self.fail(row, format!("{col} is not a count: {v:?}")))
    }

    fn point(&self, row: &csv::StringRecord) -> Result<Option<LatLon>, TerritoryError> {
        let (lat, lon) = (self.get(row, "lat"), self.get(row, "lon"));
        if lat.is_empty() || lon.is_empty() {
            return Ok(None);
        }
        match (lat.parse::<f64>(), lon.parse::<f64>()) {
            (Ok(lat), Ok(lon)) => Ok(Some(LatLon { lat, lon })),
            _ => Err(self.fail(row, format!("bad point {lat:?}, {lon:?}"))),
        }
    }

    fn zone(&self, row: &csv::StringRecord) -> Result<Zone, TerritoryError> {
        let z = self.get(row, "zone");
        Zone::parse(z).ok_or_else(|| self.fail(row, format!("unknown zone {z:?}")))
    }
}

fn list(v: &str) -> Vec<String> {
    v.split('|').filter(|s| !s.is_empty()).map(str::to_string).collect()
}

fn non_empty(v: &str) -> Option<String> {
    (!v.is_empty()).then(|| v.to_string())
}

pub(crate) fn communes(bytes: &[u8]) -> Result<Vec<Commune>, TerritoryError> {
    Table::read("communes", bytes, &["code", "nom", "dep", "reg", "epci", "zone"], |t, r| {
        Ok(Commune {
            code_insee: t.text(r, "code"),
            name: t.text(r, "nom"),
            code_departement: t.text(r, "dep"),
            code_region: t.text(r, "reg"),
            siren_epci: non_empty(t.get(r, "epci")),
            zone: t.zone(r)?,
            population: t.opt_u32(r, "population")?,
            postcodes: list(t.get(r, "codes_postaux")),
            point: t.point(r)?,
        })
    })
}

pub(crate) struct EpciRow {
    pub siren: String,
    pub name: String,
    pub kind: EpciKind,
}

pub(crate) fn epcis(bytes: &[u8]) -> Result<Vec<EpciRow>, TerritoryError> {
    Table::read("epci", bytes, &["siren", "nom", "type"], |t, r| {
        let kind = t.get(r, "type");
        Ok(EpciRow {
            siren: t.text(r, "siren"),
            name: t.text(r, "nom"),
            kind: EpciKind::parse(kind).ok_or_else(|| t.fail(r, format!("unknown EPCI type {kind:?}")))?,
        })
    })
}

pub(crate) fn departements(bytes: &[u8]) -> Result<Vec<Departement>, TerritoryError> {
    Table::read("departements", bytes, &["code", "nom", "reg", "zone"], |t, r| {
        Ok(Departement {
            code: t.text(r, "code"),
            name: t.text(r, "nom"),
            code_region: t.text(r, "reg"),
            chef_lieu: t.text(r, "chef_lieu"),
            zone: t.zone(r)?,
        })
    })
}

pub(crate) fn regions(bytes: &[u8]) -> Result<Vec<Region>, TerritoryError> {
    Table::read("regions", bytes, &["code", "nom", "zone"], |t, r| {
        Ok(Region {
            code: t.text(r, "code"),
            name: t.text(r, "nom"),
            chef_lieu: t.text(r, "chef_lieu"),
            zone: t.zone(r)?,
        })
    })
}

pub(crate) fn arrondissements(bytes: &[u8]) -> Result<Vec<Arrondissement>, TerritoryError> {
    Table::read("arrondissements", bytes, &["code", "nom", "commune"], |t, r| {
        Ok(Arrondissement {
            code_insee: t.text(r, "code"),
            name: t.text(r, "nom"),
            code_commune: t.text(r, "commune"),
            postcodes: list(t.get(r, "codes_postaux")),
            population: t.opt_u32(r, "population")?,
            point: t.point(r)?,
        })
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HistoryKind {
    Deleguee,
    Associee,
    Ancien,
}

pub(crate) struct HistoryRow {
    pub code: String,
    pub commune: String,
    pub kind: HistoryKind,
    pub name: Option<String>,
}

pub(crate) fn history(bytes: &[u8]) -> Result<Vec<HistoryRow>, TerritoryError> {
    Table::read("history", bytes, &["code", "commune", "kind", "nom"], |t, r| {
        let kind = match t.get(r, "kind") {
            "deleguee" => HistoryKind::Deleguee,
            "associee" => HistoryKind::Associee,
            "ancien" => HistoryKind::Ancien,
            other => return Err(t.fail(r, format!("unknown kind {other:?}"))),
        };
        Ok(HistoryRow {
            code: t.text(r, "code"),
            commune: t.text(r, "commune"),
            kind,
            name: non_empty(t.get(r, "nom")),
        })
    })
}

struct Varints<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Varints<'_> {
    fn uv(&mut self) -> Result<u64, TerritoryError> {
        let mut n: u64 = 0;
        let mut shift = 0;
        loop {
            let b = *self.data.get(self.pos).ok_or_else(|| err("geometry", "truncated"))?;
            self.pos += 1;
            if shift > 63 {
                return Err(err("geometry", "varint too long"));
            }
            n |= u64::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
    }

    fn count(&mut self) -> Result<usize, TerritoryError> {
        let n = self.uv()?;
        // Every counted item takes at least one byte, which bounds allocations on bad input.
        if n as usize > self.data.len() {
            return Err(err("geometry", format!("count {n} past the end")));
        }
        Ok(n as usize)
    }

    fn zz(&mut self) -> Result<i64, TerritoryError> {
        let n = self.uv()?;
        Ok((n >> 1) as i64 ^ -((n & 1) as i64))
    }
}

const MAGIC: &[u8] = b"MGEO1\n";

/// Decodes `geometry.bin` into the polygons of the communes and of the arrondissements,
/// given the index of each code among them.
pub(crate) fn geometry(
    bytes: &[u8],
    commune_index: &HashMap<&str, u32>,
    arrondissement_index: &HashMap<&str, u32>,
) -> Result<(Shapes, Shapes), TerritoryError> {
    let data = open("geometry", bytes)?;
    if !data.starts_with(MAGIC) {
        return Err(err("geometry", "not a Maillage geometry file"));
    }
    let mut r = Varints { data: &data, pos: MAGIC.len() };
    let scale = r.uv()? as f64;
    if scale <= 0.0 {
        return Err(err("geometry", "zero scale"));
    }

    let n_arcs = r.count()?;
    let mut arc_points: Vec<[i32; 2]> = Vec::with_capacity(data.len() / 3);
    let mut arc_ends: Vec<u32> = Vec::with_capacity(n_arcs);
    let (mut x, mut y) = (0i64, 0i64);
    for _ in 0..n_arcs {
        for _ in 0..r.count()? {
            x += r.zz()?;
            y += r.zz()?;
            let (Ok(xi), Ok(yi)) = (i32::try_from(x), i32::try_from(y)) else {
                return Err(err("geometry", "coordinate out of range"));
            };
            arc_points.push([xi, yi]);
        }
        arc_ends.push(arc_points.len() as u32);
    }

    let mut communes = ShapesBuilder::new(scale, commune_index.len());
    let mut arrondissements = ShapesBuilder::new(scale, arrondissement_index.len());
    let mut prev: i64 = 0;
    for _ in 0..r.count()? {
        let len = r.count()?;
        let code = data
            .get(r.pos..r.pos + len)
            .and_then(|b| std::str::from_utf8(b).ok())
            .ok_or_else(|| err("geometry", "bad code"))?;
        r.pos += len;
        let (builder, owner) = if let Some(&i) = commune_index.get(code) {
            (&mut communes, i)
        } else if let Some(&i) = arrondissement_index.get(code) {
            (&mut arrondissements, i)
        } else {
            return Err(err("geometry", format!("polygon for unknown code {code}")));
        };
        builder.start_owner(owner);
        for _ in 0..r.count()? {
            builder.start_part(owner);
            for _ in 0..r.count()? {
                for _ in 0..r.count()? {
                    prev += r.zz()?;
                    let arc = (prev >> 1) as usize;
                    if prev < 0 || arc >= arc_ends.len() {
                        return Err(err("geometry", "arc reference out of range"));
                    }
                    let start = if arc == 0 { 0 } else { arc_ends[arc - 1] as usize };
                    let pts = &arc_points[start..arc_ends[arc] as usize];
                    if pts.is_empty() {
                        continue;
                    }
                    // Each arc's last point is the next arc's first: drop it once here.
                    if prev & 1 == 0 {
                        pts[..pts.len() - 1].iter().for_each(|&p| builder.push_point(p));
                    } else {
                        pts[1..].iter().rev().for_each(|&p| builder.push_point(p));
                    }
                }
                builder.end_ring();
            }
        }
    }
    if r.pos != data.len() {
        return Err(err("geometry", "trailing bytes"));
    }
    Ok((communes.build(), arrondissements.build()))
}
