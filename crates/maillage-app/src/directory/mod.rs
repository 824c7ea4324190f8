//! The directory: every *active* place held in memory, located in its territory, with a spatial
//! index and precomputed filter data, so that the API and the pages answer searches without
//! touching the store.
//!
//! * [`Directory`] is immutable: built once from the store ([`Directory::load`]), then replaced
//!   as a whole when places change ([`DirectoryHandle::sync`]). Readers hold an `Arc` for the
//!   length of a request and never wait for a writer.
//! * Searches ([`Directory::search`]) take a [`Query`]: an area (everywhere, a bbox, a point and a
//!   radius, territories at any level), an optional origin for nearest-first ordering, the
//!   filter language of [`maillage_coverage::Filters`], "open at" a local time (French public
//!   holidays included), free text, a source, and a page size with an opaque [`Cursor`].
//! * Cursors encode the sort key of the last item returned ((distance, id) or (name, id)), not an
//!   offset: a page starts strictly after that key, so no item is repeated or skipped when the
//!   directory is swapped between two requests (items added or removed meanwhile appear or
//!   disappear in their place, as in any keyset pagination).
//! * Merged duplicates are served once, as exports publish them: the members of a merge group
//!   are held back and the group's published place (`crate::duplicates::published_place`) is
//!   indexed instead, computed from the visible members at load time.

mod filter;
mod sync;

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use maillage_coverage::Filters;
use maillage_domain::text::fold;
use maillage_domain::{HoursEvaluator, Place, PlaceStatus, Service, Vocabulary};
use maillage_store::{MergeGroup, PlaceKey, PlaceQuery, Store};
use maillage_territory::{LatLon, Territory};
use rstar::primitives::GeomWithData;
use rstar::{RTree, AABB};

use crate::duplicates::{published_place, Publication};
use crate::territory::{locate, BassinIndex, Level, PlaceLocation};
use crate::AppResult;

pub use filter::FilterBits;
pub use sync::{DirectoryHandle, SyncOutcome, SYNC_OVERLAP};

/// Which active places the public sees: all of them, or, when the hub sets a cut-off, those
/// whose sheet was confirmed within it as of `today` (hidden ones stay in the store, for the
/// coordinators).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Visibility {
    pub cutoff_months: Option<u32>,
    pub today: NaiveDate,
}

impl Visibility {
    /// Every active place.
    pub fn all() -> Visibility {
        Visibility { cutoff_months: None, today: NaiveDate::MIN }
    }

    /// The cut-off as of today in Paris.
    pub fn as_of_today(cutoff_months: Option<u32>) -> Visibility {
        Visibility { cutoff_months, today: maillage_domain::paris_local(maillage_store::now()).date() }
    }

    pub fn shows(&self, place: &Place) -> bool {
        place.status == PlaceStatus::Active
            && crate::campaigns::shown_on_public_map(place.published_date_maj(), self.today, self.cutoff_months)
    }

    /// Whether the day has changed since: places age without being written, so a directory
    /// with a cut-off is rebuilt once a day.
    pub fn is_outdated(&self) -> bool {
        self.cutoff_months.is_some() && Visibility::as_of_today(self.cutoff_months).today != self.today
    }
}

/// Mean Earth radius (IUGG), in km, as `maillage_territory::distance_km` uses.
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// One active place with what searches need about it, computed once.
pub struct DirectoryEntry {
    pub place: Arc<Place>,
    /// Its commune, EPCI, bassin, département and région; `None` when it could not be located.
    pub location: Option<PlaceLocation>,
    /// Where it is shown: its own coordinates, else its commune's point.
    pub point: Option<LatLon>,
    xyz: Option<[f64; 3]>,
    /// Folded name: the sort key of the name order.
    name_key: String,
    /// Folded name, commune and postcode, for free-text search.
    search_key: String,
    hours: Option<Arc<HoursEvaluator>>,
    bits: FilterBits,
    /// The presentation layer's serialised form of this entry, made once: entries never change
    /// (a changed place gets a new entry), and a search page is mostly these bytes.
    rendered: std::sync::OnceLock<Box<str>>,
}

impl DirectoryEntry {
    fn new(place: Arc<Place>, territory: &Territory, bassins: &BassinIndex) -> DirectoryEntry {
        let record = &place.record;
        let location = locate(territory, bassins, record);
        let point = match record.coordinates {
            Some(c) if c.latitude.is_finite() && c.longitude.is_finite() => Some(LatLon::new(c.latitude, c.longitude)),
            _ => location.as_ref().and_then(|l| l.point),
        };
        let commune = location.as_ref().map(|l| l.commune.as_str()).unwrap_or(&record.commune);
        DirectoryEntry {
            name_key: fold(&record.nom),
            search_key: fold(&format!("{} {} {} {}", record.nom, commune, record.commune, record.code_postal)),
            xyz: point.map(unit),
            point,
            hours: record.horaires.as_ref().map(|h| h.evaluator()),
            bits: FilterBits::of(record),
            rendered: std::sync::OnceLock::new(),
            location,
            place,
        }
    }

    /// The registry id.
    pub fn id(&self) -> &str {
        &self.place.id.0
    }

    /// Whether the place is open at a local (Europe/Paris) time; `None` when its hours are
    /// unknown then or it has none.
    pub fn is_open_at(&self, at: NaiveDateTime) -> Option<bool> {
        self.hours.as_ref().and_then(|h| h.is_open_at(at))
    }

    /// A serialised form of this entry, made by `render` on first use and kept with it. One
    /// presentation per entry: every caller must pass the same renderer.
    pub fn rendered(&self, render: impl FnOnce(&DirectoryEntry) -> String) -> &str {
        self.rendered.get_or_init(|| render(self).into_boxed_str())
    }

    /// The code of its territory at a level.
    pub fn code(&self, level: Level) -> Option<&str> {
        self.location.as_ref().and_then(|l| level.code_of(l))
    }
}

/// A latitude/longitude rectangle (degrees, WGS84).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BBox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl BBox {
    pub fn contains(&self, p: LatLon) -> bool {
        (self.min_lon..=self.max_lon).contains(&p.lon) && (self.min_lat..=self.max_lat).contains(&p.lat)
    }
}

/// Where to search.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Area {
    #[default]
    Everywhere,
    BBox(BBox),
    /// Within `km` of `center` (great-circle distance).
    Radius {
        center: LatLon,
        km: f64,
    },
    /// In any of these territories (codes as [`crate::territory::parse_areas`] gives them).
    Territories(Vec<(Level, String)>),
}

/// The order of results.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// Nearest first from the query's origin, then by id.
    Distance,
    /// By folded name, then by id.
    Name,
}

/// A search. `Default` is every active place, by name, 20 per page.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    pub area: Area,
    /// Distances are measured from here; with no explicit order, results are nearest first.
    pub origin: Option<LatLon>,
    /// `None`: by distance when there is an origin, else by name.
    pub order: Option<Order>,
    pub filters: Filters,
    /// Only places open at this Europe/Paris local time (public holidays applied).
    pub open_at: Option<NaiveDateTime>,
    /// Words that must all appear in the name, commune or postcode (accent- and case-insensitive).
    pub text: Option<String>,
    /// Only places of this data source.
    pub source: Option<String>,
    /// Page size (at least 1).
    pub limit: usize,
    /// Start after this item (the previous page's [`SearchResult::next_cursor`]).
    pub cursor: Option<Cursor>,
}

impl Default for Query {
    fn default() -> Self {
        Query {
            area: Area::Everywhere,
            origin: None,
            order: None,
            filters: Filters::default(),
            open_at: None,
            text: None,
            source: None,
            limit: 20,
            cursor: None,
        }
    }
}

impl Query {
    /// The order this query resolves to.
    pub fn effective_order(&self) -> Order {
        self.order.unwrap_or(if self.origin.is_some() { Order::Distance } else { Order::Name })
    }
}

/// Why a query cannot run; `field` names the query element at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryError {
    pub field: &'static str,
    pub message: String,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} : {}", self.field, self.message)
    }
}

impl std::error::Error for QueryError {}

/// The sort key of the last item of a page, opaque to clients.
#[derive(Clone, Debug, PartialEq)]
pub enum Cursor {
    Distance { km: f64, id: String },
    Name { key: String, id: String },
}

impl Cursor {
    /// A URL-safe token (hexadecimal of a small tagged text).
    pub fn encode(&self) -> String {
        let text = match self {
            Cursor::Distance { km, id } => format!("d{:016x}:{id}", km.to_bits()),
            Cursor::Name { key, id } => format!("n{id}:{key}"),
        };
        text.bytes().map(|b| format!("{b:02x}")).collect()
    }

    /// Reads a token made by [`Cursor::encode`]; `None` for anything else.
    pub fn decode(token: &str) -> Option<Cursor> {
        if !token.len().is_multiple_of(2) || token.len() > 2048 {
            return None;
        }
        let bytes = (0..token.len())
            .step_by(2)
            .map(|i| token.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
            .collect::<Option<Vec<u8>>>()?;
        let text = String::from_utf8(bytes).ok()?;
        if let Some(rest) = text.strip_prefix('d') {
            let (bits, id) = rest.split_once(':')?;
            let km = f64::from_bits(u64::from_str_radix(bits, 16).ok()?);
            (km.is_finite() && km >= 0.0 && !id.is_empty()).then(|| Cursor::Distance { km, id: id.to_owned() })
        } else if let Some(rest) = text.strip_prefix('n') {
            let (id, key) = rest.split_once(':')?;
            (!id.is_empty()).then(|| Cursor::Name { key: key.to_owned(), id: id.to_owned() })
        } else {
            None
        }
    }
}

/// One place found.
#[derive(Clone)]
pub struct Hit {
    pub entry: Arc<DirectoryEntry>,
    /// From the query's origin, when it has one (km).
    pub distance_km: Option<f64>,
}

/// A page of results.
pub struct SearchResult {
    /// Every place matching the query (all pages).
    pub total: usize,
    pub hits: Vec<Hit>,
    /// Present when more results follow.
    pub next_cursor: Option<Cursor>,
}

/// Counts of matching places, for territory pages and the map's summaries.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Counts {
    pub total: usize,
    /// Every service of the standard, in its order (zero included).
    pub services: Vec<(Service, usize)>,
    /// Per typologie code, most frequent first then by code; places without one are not counted.
    pub typologies: Vec<(String, usize)>,
    pub departements: BTreeMap<String, usize>,
    pub regions: BTreeMap<String, usize>,
}

/// A territory with how many places match, placed at its centre, for low-zoom map bubbles.
#[derive(Clone, Debug, PartialEq)]
pub struct Bubble {
    pub code: String,
    pub name: String,
    pub point: LatLon,
    pub count: usize,
}

/// The mean point of the communes of each département and région (the pack has no centroid).
#[derive(Default)]
struct Centroids {
    departements: HashMap<String, LatLon>,
    regions: HashMap<String, LatLon>,
}

impl Centroids {
    fn of(territory: &Territory) -> Centroids {
        let mut dep: HashMap<&str, (f64, f64, f64)> = HashMap::new();
        let mut reg: HashMap<&str, (f64, f64, f64)> = HashMap::new();
        for commune in territory.communes() {
            let Some(p) = commune.point else { continue };
            for (map, code) in [(&mut dep, commune.code_departement.as_str()), (&mut reg, commune.code_region.as_str())]
            {
                let sum = map.entry(code).or_default();
                sum.0 += p.lat;
                sum.1 += p.lon;
                sum.2 += 1.0;
            }
        }
        let mean = |map: HashMap<&str, (f64, f64, f64)>| {
            map.into_iter().map(|(code, (lat, lon, n))| (code.to_owned(), LatLon::new(lat / n, lon / n))).collect()
        };
        Centroids { departements: mean(dep), regions: mean(reg) }
    }
}

type PointEntry = GeomWithData<[f64; 3], u32>;
type LonLatEntry = GeomWithData<[f64; 2], u32>;

/// Every active place, indexed. Cheap to share (`Arc<Directory>`), immutable.
pub struct Directory {
    territory: Arc<Territory>,
    bassins: Arc<BassinIndex>,
    centroids: Arc<Centroids>,
    entries: Vec<Arc<DirectoryEntry>>,
    /// The entries' filter bits, side by side so that counting scans stay in cache.
    bits: Vec<FilterBits>,
    by_id: HashMap<String, u32>,
    /// Unit vectors: chord order is great-circle order, so nearest-first is exact.
    sphere: RTree<PointEntry>,
    /// The same, one tree per service (in the standard's order): a nearest-first search that
    /// requires a service walks the smallest such tree instead of skipping the places
    /// without it one by one.
    by_service: Vec<RTree<PointEntry>>,
    /// Totals of searches over every place with only vocabulary filters, per filter mask:
    /// the same few filter combinations come back on every map move.
    totals: std::sync::RwLock<HashMap<(u128, Vec<u128>), usize>>,
    lonlat: RTree<LonLatEntry>,
    by_name: Vec<u32>,
    by_area: HashMap<(Level, String), Vec<u32>>,
    /// The latest `updated_at` of any place read (withdrawn ones too): where syncing resumes.
    watermark: Option<DateTime<Utc>>,
    visibility: Visibility,
    /// The merge groups this directory was built with.
    merges: Arc<Merges>,
}

/// The merge groups a directory publishes: which places are members, and a fingerprint of
/// the groups (ids and members) that tells a sync when a merge or an undo happened.
#[derive(Debug, Default)]
pub struct Merges {
    group_of: HashMap<PlaceKey, usize>,
    fingerprint: Vec<(String, Vec<PlaceKey>)>,
    /// Each member read at load, by registry id: its version when the public sees it.
    members_seen: HashMap<String, Option<u32>>,
    /// The registry id each visible member is published under.
    published: HashMap<String, String>,
}

impl Merges {
    fn of(groups: &[MergeGroup]) -> Merges {
        let publication = Publication::from_groups(groups.to_vec());
        let fingerprint = groups.iter().map(|group| (group.id.clone(), group.members.clone())).collect();
        Merges { group_of: publication.group_of, fingerprint, members_seen: HashMap::new(), published: HashMap::new() }
    }

    /// Whether these groups are the ones this directory was built with.
    fn same_groups(&self, groups: &[MergeGroup]) -> bool {
        self.fingerprint.len() == groups.len()
            && self
                .fingerprint
                .iter()
                .zip(groups)
                .all(|((id, members), group)| *id == group.id && *members == group.members)
    }

    /// Whether this place belongs to a merged place.
    pub fn is_member(&self, place: &Place) -> bool {
        !self.group_of.is_empty() && self.group_of.contains_key(&PlaceKey::of(place))
    }

    /// Whether this member place is as it was when the directory was built (`shown`: whether
    /// the public sees it now).
    fn member_unchanged(&self, place: &Place, shown: bool) -> bool {
        self.members_seen.get(&place.id.0) == Some(&shown.then_some(place.version))
    }

    /// The registry id a merged place's member is published under (its own id for the
    /// earliest member), `None` for a place in no merged place.
    pub fn published_id(&self, member_id: &str) -> Option<&str> {
        self.published.get(member_id).map(String::as_str)
    }

    /// How many merged places.
    pub fn len(&self) -> usize {
        self.fingerprint.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fingerprint.is_empty()
    }
}

impl Directory {
    /// Reads every place of the store and indexes the active ones.
    pub fn load(store: &dyn Store, territory: Arc<Territory>) -> AppResult<Directory> {
        Directory::load_visible(store, territory, Visibility::all())
    }

    /// Reads every place of the store and indexes the active ones the public may see.
    pub fn load_visible(store: &dyn Store, territory: Arc<Territory>, visibility: Visibility) -> AppResult<Directory> {
        let bassins = Arc::new(BassinIndex::new(&store.bassins()?, &territory));
        // Groups read before places: a merge committed in between is caught by the next sync.
        let mut merges = Merges::of(&store.merge_groups()?);
        let mut places = Vec::new();
        let mut held: Vec<Vec<Place>> = vec![Vec::new(); merges.len()];
        let mut watermark = None;
        store.visit_places(&PlaceQuery::default(), &mut |place| {
            watermark = watermark.max(Some(place.updated_at));
            let shown = visibility.shows(&place);
            match merges.group_of.get(&PlaceKey::of(&place)) {
                Some(&group) => {
                    merges.members_seen.insert(place.id.0.clone(), shown.then_some(place.version));
                    if shown {
                        held[group].push(place);
                    }
                }
                None if shown => places.push(Arc::new(place)),
                None => {}
            }
            Ok(())
        })?;
        for members in &held {
            if let Some(place) = published_place(members) {
                for member in members {
                    merges.published.insert(member.id.0.clone(), place.id.0.clone());
                }
                places.push(Arc::new(place));
            }
        }
        let mut directory = Directory::from_places(places, territory, bassins, watermark);
        directory.visibility = visibility;
        directory.merges = Arc::new(merges);
        Ok(directory)
    }

    pub fn visibility(&self) -> Visibility {
        self.visibility
    }

    /// The merge groups this directory publishes once each.
    pub fn merges(&self) -> &Merges {
        &self.merges
    }

    /// Indexes these places (their status is not looked at).
    pub fn from_places(
        places: Vec<Arc<Place>>,
        territory: Arc<Territory>,
        bassins: Arc<BassinIndex>,
        watermark: Option<DateTime<Utc>>,
    ) -> Directory {
        let entries =
            places.into_iter().map(|place| Arc::new(DirectoryEntry::new(place, &territory, &bassins))).collect();
        let centroids = Arc::new(Centroids::of(&territory));
        Directory::index(entries, territory, bassins, centroids, watermark)
    }

    /// An empty directory (no store read yet).
    pub fn empty(territory: Arc<Territory>) -> Directory {
        Directory::from_places(Vec::new(), territory, Arc::default(), None)
    }

    fn index(
        mut entries: Vec<Arc<DirectoryEntry>>,
        territory: Arc<Territory>,
        bassins: Arc<BassinIndex>,
        centroids: Arc<Centroids>,
        watermark: Option<DateTime<Utc>>,
    ) -> Directory {
        // Registry-id order: the natural order of the store, and a stable one across rebuilds.
        entries.sort_by(|a, b| a.id().cmp(b.id()));
        let bits = entries.iter().map(|e| e.bits).collect();
        let by_id = entries.iter().enumerate().map(|(i, e)| (e.id().to_owned(), i as u32)).collect();
        let sphere = RTree::bulk_load(
            entries.iter().enumerate().filter_map(|(i, e)| e.xyz.map(|xyz| PointEntry::new(xyz, i as u32))).collect(),
        );
        let by_service = (0..Service::all().len())
            .map(|s| {
                RTree::bulk_load(
                    entries
                        .iter()
                        .enumerate()
                        .filter(|(_, e)| e.bits.0 & (1 << s) != 0)
                        .filter_map(|(i, e)| e.xyz.map(|xyz| PointEntry::new(xyz, i as u32)))
                        .collect(),
                )
            })
            .collect();
        let lonlat = RTree::bulk_load(
            entries
                .iter()
                .enumerate()
                .filter_map(|(i, e)| e.point.map(|p| LonLatEntry::new([p.lon, p.lat], i as u32)))
                .collect(),
        );
        let mut by_name: Vec<u32> = (0..entries.len() as u32).collect();
        by_name.sort_by(|&a, &b| name_key(&entries[a as usize]).cmp(&name_key(&entries[b as usize])));
        let mut by_area: HashMap<(Level, String), Vec<u32>> = HashMap::new();
        for (i, entry) in entries.iter().enumerate() {
            for level in [Level::Commune, Level::Epci, Level::Bassin, Level::Departement, Level::Region] {
                if let Some(code) = entry.code(level) {
                    by_area.entry((level, code.to_owned())).or_default().push(i as u32);
                }
            }
        }
        Directory {
            territory,
            bassins,
            centroids,
            entries,
            bits,
            by_id,
            sphere,
            by_service,
            totals: Default::default(),
            lonlat,
            by_name,
            by_area,
            watermark,
            visibility: Visibility::all(),
            merges: Arc::default(),
        }
    }

    /// How many active places.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every entry, in registry-id order.
    pub fn entries(&self) -> &[Arc<DirectoryEntry>] {
        &self.entries
    }

    /// An active place by registry id.
    pub fn get(&self, id: &str) -> Option<&Arc<DirectoryEntry>> {
        self.by_id.get(id).map(|&i| &self.entries[i as usize])
    }

    pub fn territory(&self) -> &Arc<Territory> {
        &self.territory
    }

    /// The hub's bassins de vie as loaded with the places.
    pub fn bassins(&self) -> &BassinIndex {
        &self.bassins
    }

    /// The places the hub's own territory holds, and the names of its départements (those of
    /// its bassins de vie): a regional hub counts its region's places, not the registry's.
    /// Without bassins, every place and no name.
    pub fn hub_count(&self) -> (usize, Vec<String>) {
        let departements: std::collections::BTreeSet<&str> =
            self.bassins.bassins().values().map(String::as_str).collect();
        if departements.is_empty() {
            return (self.entries.len(), Vec::new());
        }
        let count = self
            .entries
            .iter()
            .filter(|entry| {
                entry
                    .location
                    .as_ref()
                    .is_some_and(|location| departements.contains(location.code_departement.as_str()))
            })
            .count();
        let names = departements
            .iter()
            .map(|code| self.territory.departement(code).map_or_else(|| (*code).to_owned(), |d| d.name.clone()))
            .collect();
        (count, names)
    }

    /// The latest `updated_at` read from the store.
    pub fn watermark(&self) -> Option<DateTime<Utc>> {
        self.watermark
    }

    /// Reads territory codes in the syntax of `--territory` (`18`, `epci:…`, `region:24`,
    /// `bassin:…`, `commune:…`, comma-separated), checked against the territory and bassins.
    pub fn parse_areas(&self, text: &str) -> AppResult<Vec<(Level, String)>> {
        crate::territory::parse_areas(text, &self.territory, &self.bassins)
    }

    /// Whether a territory code exists at a level.
    pub fn territory_exists(&self, level: Level, code: &str) -> bool {
        match level {
            Level::Commune => self.territory.commune(code).is_some(),
            Level::Epci => self.territory.epci(code).is_some(),
            Level::Bassin => self.bassins.bassins().contains_key(code),
            Level::Departement => self.territory.departement(code).is_some(),
            Level::Region => self.territory.region(code).is_some(),
        }
    }

    /// One page of results.
    pub fn search(&self, query: &Query) -> Result<SearchResult, QueryError> {
        let compiled = filter::Compiled::new(self, query)?;
        let order = query.effective_order();
        let origin = match (order, query.origin) {
            (Order::Distance, None) => {
                return Err(QueryError {
                    field: "tri",
                    message: "le tri par distance demande un point d'origine (lat, lon)".to_owned(),
                })
            }
            (_, origin) => origin.map(unit),
        };
        let limit = query.limit.max(1);
        match (order, &query.cursor) {
            (Order::Distance, Some(Cursor::Name { .. })) | (Order::Name, Some(Cursor::Distance { .. })) => {
                return Err(QueryError {
                    field: "curseur",
                    message: "ce curseur vient d'une recherche triée autrement".to_owned(),
                })
            }
            _ => {}
        }
        let hit = |i: u32| {
            let entry = self.entries[i as usize].clone();
            let distance_km = origin.zip(entry.xyz).map(|(o, p)| chord_to_km(chord2(o, p).sqrt()));
            Hit { entry, distance_km }
        };
        let (total, page, more) = match (order, &query.area, origin) {
            (Order::Distance, Area::Everywhere | Area::Radius { .. }, Some(o)) => {
                let total = self.count(query, &compiled);
                let (page, more) = self.nearest_page(o, query, &compiled, limit);
                (total, page, more)
            }
            (Order::Name, Area::Everywhere, _) => {
                let total = self.count(query, &compiled);
                let start = match &query.cursor {
                    Some(Cursor::Name { key, id }) => self
                        .by_name
                        .partition_point(|&i| name_key(&self.entries[i as usize]) <= (key.as_str(), id.as_str())),
                    _ => 0,
                };
                let mut page: Vec<u32> = self.by_name[start..]
                    .iter()
                    .copied()
                    .filter(|&i| compiled.matches(self, i))
                    .take(limit + 1)
                    .collect();
                let more = page.len() > limit;
                page.truncate(limit);
                (total, page, more)
            }
            _ => {
                let matches = self.candidates(&query.area, &compiled);
                let total = matches.len();
                let (page, more) = match (order, origin) {
                    (Order::Distance, Some(o)) => {
                        let keyed = matches
                            .into_iter()
                            .filter_map(|i| self.entries[i as usize].xyz.map(|p| (chord_to_km(chord2(o, p).sqrt()), i)))
                            .map(|(km, i)| (DistanceKey(km, self.entries[i as usize].id()), i));
                        let after = match &query.cursor {
                            Some(Cursor::Distance { km, id }) => Some(DistanceKey(*km, id.as_str())),
                            _ => None,
                        };
                        first_after(keyed, after, limit)
                    }
                    _ => {
                        let keyed = matches.into_iter().map(|i| (name_key(&self.entries[i as usize]), i));
                        let after = match &query.cursor {
                            Some(Cursor::Name { key, id }) => Some((key.as_str(), id.as_str())),
                            _ => None,
                        };
                        first_after(keyed, after, limit)
                    }
                };
                (total, page, more)
            }
        };
        let hits: Vec<Hit> = page.into_iter().map(hit).collect();
        let next_cursor = if more {
            hits.last().map(|last| match order {
                Order::Distance => {
                    Cursor::Distance { km: last.distance_km.unwrap_or(f64::INFINITY), id: last.entry.id().to_owned() }
                }
                Order::Name => Cursor::Name { key: last.entry.name_key.clone(), id: last.entry.id().to_owned() },
            })
        } else {
            None
        };
        Ok(SearchResult { total, hits, next_cursor })
    }

    /// Every matching place, in the query's order (limit and cursor ignored): for the map's
    /// GeoJSON and the exports of a territory.
    pub fn matching(&self, query: &Query) -> Result<Vec<Hit>, QueryError> {
        let all = Query { limit: usize::MAX - 1, cursor: None, ..query.clone() };
        self.search(&all).map(|r| r.hits)
    }

    /// Counts per service, typologie, département and région of the places matching the query.
    pub fn counts(&self, query: &Query) -> Result<Counts, QueryError> {
        let compiled = filter::Compiled::new(self, query)?;
        let mut services = vec![0usize; Service::all().len()];
        let mut typologies: HashMap<&str, usize> = HashMap::new();
        let mut counts = Counts::default();
        for i in self.candidates(&query.area, &compiled) {
            let entry = &self.entries[i as usize];
            counts.total += 1;
            for service in &entry.place.record.services {
                services[filter::position(*service)] += 1;
            }
            for code in &entry.place.record.typologie {
                *typologies.entry(code.as_str()).or_default() += 1;
            }
            if let Some(location) = &entry.location {
                *counts.departements.entry(location.code_departement.clone()).or_default() += 1;
                *counts.regions.entry(location.code_region.clone()).or_default() += 1;
            }
        }
        counts.services = Service::all().iter().copied().zip(services).collect();
        let mut typologies: Vec<(String, usize)> = typologies.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        typologies.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        counts.typologies = typologies;
        Ok(counts)
    }

    /// Matching places per département or région (other levels: per their code, at the mean
    /// point of their places), each at its centre, for the map's low zooms.
    pub fn bubbles(&self, level: Level, query: &Query) -> Result<Vec<Bubble>, QueryError> {
        let compiled = filter::Compiled::new(self, query)?;
        let mut groups: BTreeMap<&str, (usize, f64, f64, usize)> = BTreeMap::new();
        for i in self.candidates(&query.area, &compiled) {
            let entry = &self.entries[i as usize];
            let Some(code) = entry.code(level) else { continue };
            let group = groups.entry(code).or_default();
            group.0 += 1;
            if let Some(p) = entry.point {
                group.1 += p.lat;
                group.2 += p.lon;
                group.3 += 1;
            }
        }
        Ok(groups
            .into_iter()
            .filter_map(|(code, (count, lat, lon, located))| {
                let centre = match level {
                    Level::Departement => self.centroids.departements.get(code).copied(),
                    Level::Region => self.centroids.regions.get(code).copied(),
                    _ => None,
                }
                .or_else(|| (located > 0).then(|| LatLon::new(lat / located as f64, lon / located as f64)))?;
                Some(Bubble { code: code.to_owned(), name: level.name_of(&self.territory, code), point: centre, count })
            })
            .collect())
    }

    /// Entries matching the query's area and filters, in registry-id order.
    fn candidates(&self, area: &Area, compiled: &filter::Compiled) -> Vec<u32> {
        let keep = |i: &u32| compiled.matches(self, *i);
        let mut found: Vec<u32> = match area {
            Area::Everywhere => return (0..self.entries.len() as u32).filter(keep).collect(),
            Area::BBox(b) => self
                .lonlat
                .locate_in_envelope(&AABB::from_corners([b.min_lon, b.min_lat], [b.max_lon, b.max_lat]))
                .map(|e| e.data)
                .filter(keep)
                .collect(),
            Area::Radius { center, km } => {
                let r = km_to_chord(*km);
                self.sphere.locate_within_distance(unit(*center), r * r).map(|e| e.data).filter(keep).collect()
            }
            Area::Territories(areas) => {
                let mut found: Vec<u32> = areas
                    .iter()
                    .filter_map(|(level, code)| self.by_area.get(&(*level, code.clone())))
                    .flatten()
                    .copied()
                    .filter(keep)
                    .collect();
                if areas.len() > 1 {
                    found.sort_unstable();
                    found.dedup();
                }
                return found;
            }
        };
        found.sort_unstable();
        found
    }

    /// How many entries match, without building the list when the area is everywhere.
    fn count(&self, query: &Query, compiled: &filter::Compiled) -> usize {
        match &query.area {
            Area::Everywhere => match compiled.mask_key() {
                Some(key) => {
                    if let Some(total) = self.totals.read().ok().and_then(|t| t.get(&key).copied()) {
                        return total;
                    }
                    let total = compiled.count_all(self);
                    if let Ok(mut totals) = self.totals.write() {
                        // Bounded: past the limit, forgetting only costs recounting.
                        if totals.len() >= 4096 {
                            totals.clear();
                        }
                        totals.insert(key, total);
                    }
                    total
                }
                None => compiled.count_all(self),
            },
            Area::Radius { center, km } => {
                let r = km_to_chord(*km);
                self.sphere
                    .locate_within_distance(unit(*center), r * r)
                    .filter(|e| compiled.matches(self, e.data))
                    .count()
            }
            area => self.candidates(area, compiled).len(),
        }
    }

    /// Nearest first from `origin` (within the radius, if any): the page after the cursor and
    /// whether more follow. Items at the same distance are ordered by id.
    fn nearest_page(
        &self,
        origin: [f64; 3],
        query: &Query,
        compiled: &filter::Compiled,
        limit: usize,
    ) -> (Vec<u32>, bool) {
        let max_chord2 = match &query.area {
            Area::Radius { center, km } if unit(*center) == origin => km_to_chord(*km).powi(2),
            _ => f64::INFINITY,
        };
        let radius = match &query.area {
            Area::Radius { center, km } => Some((unit(*center), km_to_chord(*km).powi(2))),
            _ => None,
        };
        let after = match &query.cursor {
            Some(Cursor::Distance { km, id }) => Some(DistanceKey(*km, id.as_str())),
            _ => None,
        };
        let mut found: Vec<(DistanceKey, u32)> = Vec::with_capacity(limit.min(1024) + 1);
        let mut last_d2 = f64::NEG_INFINITY;
        let tree = compiled
            .required_services()
            .map(|s| &self.by_service[s])
            .min_by_key(|tree| tree.size())
            .unwrap_or(&self.sphere);
        for (entry, d2) in tree.nearest_neighbor_iter_with_distance_2(&origin) {
            if d2 > max_chord2 {
                break;
            }
            // The iterator yields by non-decreasing distance: once `limit + 1` items are held
            // and a strictly farther one comes, every tie of the held ones has been seen.
            if found.len() > limit && d2 > last_d2 {
                break;
            }
            let i = entry.data;
            if let Some((c, r2)) = radius {
                if chord2(c, *entry.geom()) > r2 {
                    continue;
                }
            }
            if !compiled.matches(self, i) {
                continue;
            }
            let key = DistanceKey(chord_to_km(d2.sqrt()), self.entries[i as usize].id());
            if after.as_ref().is_some_and(|after| key <= *after) {
                continue;
            }
            last_d2 = d2;
            found.push((key, i));
        }
        found.sort_by(|a, b| a.0.cmp(&b.0));
        let more = found.len() > limit;
        found.truncate(limit);
        (found.into_iter().map(|(_, i)| i).collect(), more)
    }

    /// A new directory with these places written (withdrawn ones removed), sharing the
    /// unchanged entries.
    pub fn with_changes(&self, changed: Vec<Place>, watermark: Option<DateTime<Utc>>) -> Directory {
        let mut by_id: HashMap<String, Option<Arc<DirectoryEntry>>> = HashMap::new();
        for place in changed {
            let id = place.id.0.clone();
            let entry = self
                .visibility
                .shows(&place)
                .then(|| Arc::new(DirectoryEntry::new(Arc::new(place), &self.territory, &self.bassins)));
            by_id.insert(id, entry);
        }
        let mut entries: Vec<Arc<DirectoryEntry>> =
            self.entries.iter().filter(|e| !by_id.contains_key(e.id())).cloned().collect();
        entries.extend(by_id.into_values().flatten());
        let mut directory = Directory::index(
            entries,
            self.territory.clone(),
            self.bassins.clone(),
            self.centroids.clone(),
            watermark.max(self.watermark),
        );
        directory.visibility = self.visibility;
        directory.merges = self.merges.clone();
        directory
    }
}

fn name_key(entry: &DirectoryEntry) -> (&str, &str) {
    (entry.name_key.as_str(), entry.id())
}

/// (distance in km, id), ordered by distance then id.
#[derive(Clone, Copy, Debug, PartialEq)]
struct DistanceKey<'a>(f64, &'a str);

impl Eq for DistanceKey<'_> {}

impl PartialOrd for DistanceKey<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for DistanceKey<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0).then_with(|| self.1.cmp(other.1))
    }
}

/// The `limit` smallest keys strictly after `after`, in order, and whether more follow.
fn first_after<K: Ord>(keyed: impl Iterator<Item = (K, u32)>, after: Option<K>, limit: usize) -> (Vec<u32>, bool) {
    let mut items: Vec<(K, u32)> = match &after {
        Some(after) => keyed.filter(|(k, _)| k > after).collect(),
        None => keyed.collect(),
    };
    let more = items.len() > limit;
    if more {
        items.select_nth_unstable_by(limit, |a, b| a.0.cmp(&b.0));
        items.truncate(limit);
    }
    items.sort_by(|a, b| a.0.cmp(&b.0));
    (items.into_iter().map(|(_, i)| i).collect(), more)
}

/// A point on the unit sphere.
fn unit(p: LatLon) -> [f64; 3] {
    let (lat, lon) = (p.lat.to_radians(), p.lon.to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

fn chord2(a: [f64; 3], b: [f64; 3]) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)
}

/// Great-circle distance (km) of a chord of the unit sphere.
fn chord_to_km(chord: f64) -> f64 {
    2.0 * EARTH_RADIUS_KM * (chord / 2.0).min(1.0).asin()
}

fn km_to_chord(km: f64) -> f64 {
    2.0 * (km.max(0.0) / (2.0 * EARTH_RADIUS_KM)).min(std::f64::consts::FRAC_PI_2).sin()
}

#[cfg(test)]
mod tests;
