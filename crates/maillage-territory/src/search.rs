//! Finding communes and EPCI from what people type and what files contain.
//!
//! Two different jobs share the name folding of [`crate::names`]: the search box
//! ([`CommuneIndex::search`]) matches what is being typed at the start of any word of a name,
//! accents and case aside, and ranks the exact name first, then by population; the importer ([`CommuneIndex::match_name`]) matches whole names written
//! every possible way, and uses the postcode to choose among homonyms.

use std::collections::HashMap;

use crate::model::{Commune, Epci, EpciKind, MatchKind};
use crate::names::{content_form, edit_distance, full_form, is_stopword, key_form, loose_key, tokens};

/// A name that leads to a commune: its own, or a former one (déléguée, associée,
/// arrondissement).
#[derive(Debug, Clone, Copy)]
struct Target {
    commune: u32,
    former: bool,
}

#[derive(Debug)]
struct Entry {
    key: Box<str>,
    target: Target,
    /// The key starts at a word inside the name ("etienne" for Saint-Étienne): a match never
    /// counts as the exact name.
    inner: bool,
}

pub(crate) struct CommuneIndex {
    /// Every folded form of every name, sorted, for prefix ranges.
    entries: Vec<Entry>,
    /// (postcode, commune), sorted.
    postcodes: Vec<([u8; 5], u32)>,
    by_key: HashMap<Box<str>, Vec<Target>>,
    by_loose: HashMap<Box<str>, Vec<Target>>,
    /// Loose keys of each commune's names, its own first, for near-spelling matches.
    loose_of: Vec<Vec<Box<str>>>,
    /// Content words of each commune's names, its own first, for partial names.
    words_of: Vec<Vec<Vec<String>>>,
    population: Vec<u32>,
}

/// A postcode from a file: trimmed, left-padded when a spreadsheet made it a number
/// ("1000" for 01000).
pub(crate) fn normalise_postcode(raw: &str) -> Option<[u8; 5]> {
    let t = raw.trim();
    let t = t.strip_suffix(".0").unwrap_or(t);
    if !(4..=5).contains(&t.len()) || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut out = [b'0'; 5];
    out[5 - t.len()..].copy_from_slice(t.as_bytes());
    Some(out)
}

/// The département codes a postcode points to (first digits; Corsica and overseas are the
/// special cases).
fn departements_of_postcode(pc: &[u8; 5]) -> Vec<String> {
    let s = std::str::from_utf8(pc).unwrap_or("");
    match &s[..2] {
        "20" => vec!["2A".into(), "2B".into()],
        "97" | "98" => vec![s[..3].to_string()],
        two => vec![two.to_string()],
    }
}

const BIG_CITIES: &[&str] = &["paris", "lyon", "marseille"];

fn is_arrondissement_word(t: &str) -> bool {
    const WORDS: &[&str] =
        &["arrondissement", "arrondissements", "arr", "arrt", "arrdt", "ardt", "e", "eme", "er", "re", "nd"];
    if WORDS.contains(&t) {
        return true;
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && ["", "e", "eme", "er", "re", "nd"].contains(&&t[digits..])
}

/// Tokens of a commune name as files write it, without what is not the name: a CEDEX
/// mention, a postcode, an arrondissement number after Paris, Lyon or Marseille.
fn name_tokens(raw: &str) -> Vec<String> {
    let mut toks = tokens(raw, false);
    if let Some(i) = toks.iter().position(|t| t == "cedex") {
        toks.truncate(i);
    }
    // Postal box numbers: "SAINT-DENIS BP 40064", "CS 70001".
    let is_number = |t: &String| t.bytes().all(|b| b.is_ascii_digit());
    if let Some(i) = (1..toks.len().saturating_sub(1))
        .find(|&i| matches!(toks[i].as_str(), "bp" | "cs" | "tsa") && is_number(&toks[i + 1]))
    {
        toks.truncate(i);
    }
    let is_code = |t: &String| t.len() == 5 && t.bytes().all(|b| b.is_ascii_digit());
    while toks.last().is_some_and(is_code) {
        toks.pop();
    }
    while toks.first().is_some_and(is_code) {
        toks.remove(0);
    }
    if toks.len() > 1 && BIG_CITIES.contains(&toks[0].as_str()) && toks[1..].iter().all(|t| is_arrondissement_word(t)) {
        toks.truncate(1);
    }
    toks
}

fn content_words(toks: &[String]) -> Vec<String> {
    toks.iter().filter(|t| !is_stopword(t)).cloned().collect()
}

/// The best few candidates, by (exact match, population), without duplicates.
struct TopK {
    limit: usize,
    items: Vec<(bool, u32, u32)>,
    /// Index of the weakest item once `items` is full: most offers are below it and cost a
    /// single comparison.
    worst: usize,
}

impl TopK {
    fn new(limit: usize) -> Self {
        TopK { limit, items: Vec::with_capacity(limit.min(64) + 1), worst: 0 }
    }

    fn better(a: (bool, u32, u32), b: (bool, u32, u32)) -> bool {
        (a.0, a.1, std::cmp::Reverse(a.2)) > (b.0, b.1, std::cmp::Reverse(b.2))
    }

    fn offer(&mut self, exact: bool, population: u32, commune: u32) {
        let cand = (exact, population, commune);
        let full = self.items.len() >= self.limit;
        if full && !Self::better(cand, self.items[self.worst]) {
            return;
        }
        if let Some(existing) = self.items.iter_mut().find(|i| i.2 == commune) {
            if Self::better(cand, *existing) {
                *existing = cand;
            }
        } else if full {
            self.items[self.worst] = cand;
        } else {
            self.items.push(cand);
        }
        if self.items.len() >= self.limit {
            self.worst = 0;
            for i in 1..self.items.len() {
                if Self::better(self.items[self.worst], self.items[i]) {
                    self.worst = i;
                }
            }
        }
    }

    fn into_sorted(mut self) -> Vec<u32> {
        self.items.sort_by_key(|&(exact, population, commune)| {
            std::cmp::Reverse((exact, population, std::cmp::Reverse(commune)))
        });
        self.items.into_iter().map(|i| i.2).collect()
    }
}

impl CommuneIndex {
    /// `former` lists the other names that lead to a commune: (commune index, name).
    pub(crate) fn build(communes: &[Commune], former: &[(u32, &str)]) -> Self {
        let mut entries = Vec::new();
        let mut by_key: HashMap<Box<str>, Vec<Target>> = HashMap::new();
        let mut by_loose: HashMap<Box<str>, Vec<Target>> = HashMap::new();
        let mut loose_of: Vec<Vec<Box<str>>> = vec![Vec::new(); communes.len()];
        let mut words_of: Vec<Vec<Vec<String>>> = vec![Vec::new(); communes.len()];
        let own = communes.iter().enumerate().map(|(i, c)| (i as u32, c.name.as_str(), false));
        let other = former.iter().map(|&(i, n)| (i, n, true));
        for (i, name, is_former) in own.chain(other) {
            let toks = tokens(name, false);
            if toks.is_empty() {
                continue;
            }
            let loose: Box<str> = loose_key(&toks).into();
            if is_former && loose_of[i as usize].contains(&loose) {
                continue; // the déléguée that bears the commune nouvelle's own name
            }
            let target = Target { commune: i, former: is_former };
            let mut forms = vec![full_form(&toks), key_form(&toks), content_form(&toks)];
            forms.sort();
            forms.dedup();
            // Every word of the name may start a search ("etienne" finds Saint-Étienne,
            // "dore" Le Mont-Dore); small words do not ("en" would match half of France).
            let mut inner: Vec<String> = (1..toks.len())
                .filter(|&start| !is_stopword(&toks[start]))
                .map(|start| full_form(&toks[start..]))
                .filter(|form| !forms.contains(form))
                .collect();
            inner.sort();
            inner.dedup();
            for f in forms {
                entries.push(Entry { key: f.into(), target, inner: false });
            }
            for f in inner {
                entries.push(Entry { key: f.into(), target, inner: true });
            }
            by_key.entry(key_form(&toks).into()).or_default().push(target);
            by_loose.entry(loose.clone()).or_default().push(target);
            loose_of[i as usize].push(loose);
            words_of[i as usize].push(content_words(&toks));
        }
        entries.sort_by(|a, b| a.key.cmp(&b.key).then(a.target.commune.cmp(&b.target.commune)));

        let mut postcodes = Vec::new();
        for (i, c) in communes.iter().enumerate() {
            for pc in &c.postcodes {
                if let Some(p) = normalise_postcode(pc) {
                    postcodes.push((p, i as u32));
                }
            }
        }
        postcodes.sort_unstable();
        postcodes.dedup();

        CommuneIndex {
            entries,
            postcodes,
            by_key,
            by_loose,
            loose_of,
            words_of,
            population: communes.iter().map(|c| c.population.unwrap_or(0)).collect(),
        }
    }

    fn prefix_range(&self, prefix: &str) -> &[Entry] {
        let start = self.entries.partition_point(|e| &*e.key < prefix);
        let len = self.entries[start..].partition_point(|e| e.key.starts_with(prefix));
        &self.entries[start..start + len]
    }

    fn postcode_range(&self, prefix: &[u8]) -> &[([u8; 5], u32)] {
        let start = self.postcodes.partition_point(|(p, _)| &p[..] < prefix);
        let len = self.postcodes[start..].partition_point(|(p, _)| p.starts_with(prefix));
        &self.postcodes[start..start + len]
    }

    /// Communes having this postcode.
    pub(crate) fn with_postcode(&self, pc: &[u8; 5]) -> Vec<u32> {
        let mut v: Vec<u32> = self.postcode_range(pc).iter().map(|&(_, i)| i).collect();
        v.dedup();
        v
    }

    /// Prefix search for the search box. `exact_code` is the commune a query that is a code
    /// names, ranked first.
    pub(crate) fn search(&self, query: &str, limit: usize, exact_code: Option<u32>) -> Vec<u32> {
        let mut top = TopK::new(limit);
        if limit == 0 {
            return Vec::new();
        }
        if let Some(i) = exact_code {
            top.offer(true, u32::MAX, i);
        }
        let trimmed = query.trim();
        if !trimmed.is_empty() && trimmed.len() <= 5 && trimmed.bytes().all(|b| b.is_ascii_digit()) {
            for &(pc, i) in self.postcode_range(trimmed.as_bytes()) {
                let exact = pc[..] == *trimmed.as_bytes();
                top.offer(exact, self.population[i as usize], i);
            }
            return top.into_sorted();
        }
        let toks = tokens(query, true);
        if toks.is_empty() {
            return top.into_sorted();
        }
        let mut forms = vec![full_form(&toks)];
        // Small words inside the query may be missing from the name's spelling or the
        // reverse ("aix prov" for Aix-en-Provence); a leading article alone is already
        // covered by the names' forms.
        let inner_small_word = toks.iter().skip(1).any(|t| is_stopword(t));
        if inner_small_word {
            forms.push(content_form(&toks));
        }
        for form in &forms {
            for e in self.prefix_range(form) {
                let i = e.target.commune;
                top.offer(!e.inner && e.key.len() == form.len(), self.population[i as usize], i);
            }
        }
        top.into_sorted()
    }

    /// Ties a commune name written in a file to a commune, using the postcode first.
    pub(crate) fn match_name(&self, communes: &[Commune], postcode: &str, name: &str) -> Option<(u32, MatchKind)> {
        let pc = normalise_postcode(postcode);
        let in_postcode = pc.map(|p| self.with_postcode(&p)).unwrap_or_default();
        let toks = name_tokens(name);
        if toks.is_empty() {
            return match in_postcode.as_slice() {
                [only] => Some((*only, MatchKind::PostcodeOnly)),
                _ => None,
            };
        }
        let key = key_form(&toks);
        let loose = loose_key(&toks);
        let by_key = self.by_key.get(key.as_str()).map(Vec::as_slice).unwrap_or(&[]);
        let by_loose = self.by_loose.get(loose.as_str()).map(Vec::as_slice).unwrap_or(&[]);
        let in_pc = |t: &&Target| in_postcode.contains(&t.commune);

        if let Some(t) = by_key.iter().filter(in_pc).find(|t| !t.former) {
            return Some((t.commune, MatchKind::Exact));
        }
        if let Some(t) = by_key.iter().find(in_pc) {
            return Some((t.commune, MatchKind::FormerName));
        }
        let mut loose_hits: Vec<&Target> = by_loose.iter().filter(in_pc).collect();
        loose_hits.sort_by_key(|t| t.former);
        if let Some(t) = loose_hits.first() {
            return Some((t.commune, MatchKind::Loose));
        }

        // The name exists but not under this postcode: CEDEX and company postcodes, a
        // postcode that changed, a typo in the postcode. Stay in its département.
        let unique = |hits: &mut Vec<u32>| {
            hits.sort_unstable();
            hits.dedup();
            (hits.len() == 1).then(|| hits[0])
        };
        if let Some(p) = pc {
            let deps = departements_of_postcode(&p);
            let near = |c: &Commune| {
                deps.contains(&c.code_departement) || c.postcodes.iter().any(|q| q.as_bytes().get(..2) == Some(&p[..2]))
            };
            for hits in [by_key, by_loose] {
                let mut found: Vec<u32> =
                    hits.iter().map(|t| t.commune).filter(|&i| near(&communes[i as usize])).collect();
                if let Some(i) = unique(&mut found) {
                    return Some((i, MatchKind::SameDepartement));
                }
            }
        } else {
            for hits in [by_key, by_loose] {
                let mut found: Vec<u32> = hits.iter().map(|t| t.commune).collect();
                if let Some(i) = unique(&mut found) {
                    return Some((i, MatchKind::Loose));
                }
            }
        }

        // Typos and abbreviations, only among the postcode's few communes, where a near
        // spelling is not another real commune.
        if loose.len() >= 4 {
            let max = if loose.len() >= 10 { 2 } else { 1 };
            let mut best: Option<(usize, u32)> = None;
            let mut tie = false;
            for &i in &in_postcode {
                let mut d_best: Option<usize> = None;
                for cand in &self.loose_of[i as usize] {
                    let d = if cand.starts_with(loose.as_str()) || loose.starts_with(&**cand) {
                        Some(max)
                    } else {
                        edit_distance(&loose, cand, max)
                    };
                    if let Some(d) = d {
                        d_best = Some(d_best.map_or(d, |b: usize| b.min(d)));
                    }
                }
                if let Some(d) = d_best {
                    match best {
                        Some((bd, _)) if d > bd => {}
                        Some((bd, _)) if d == bd => tie = true,
                        _ => {
                            best = Some((d, i));
                            tie = false;
                        }
                    }
                }
            }
            if let (Some((_, i)), false) = (best, tie) {
                return Some((i, MatchKind::Fuzzy));
            }
        }

        // A part of the name, or the name with a locality added: "Saint-Auban" for
        // Château-Arnoux-Saint-Auban, "TONATE-MACOURIA" for Macouria.
        let words = content_words(&toks);
        let mut found: Vec<u32> = in_postcode
            .iter()
            .copied()
            .filter(|&i| {
                self.words_of[i as usize].iter().any(|w| {
                    let (short, long) = if w.len() <= words.len() { (w, &words) } else { (&words, w) };
                    short.iter().map(String::len).sum::<usize>() >= 4
                        && long.windows(short.len()).any(|win| win == short.as_slice())
                })
            })
            .collect();
        unique(&mut found).map(|i| (i, MatchKind::Fuzzy))
    }
}

// ---------------------------------------------------------------------------------------
// EPCI

struct EpciName {
    kind: Option<EpciKind>,
    /// Content words, without the legal form and small words.
    body: Vec<String>,
    /// A bracketed acronym: "COBAS", "CIREST".
    acronym: Option<String>,
}

fn parse_epci_name(raw: &str) -> EpciName {
    let mut main = String::with_capacity(raw.len());
    let mut bracket = String::new();
    let mut depth = 0;
    for ch in raw.chars() {
        match ch {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth > 0 => bracket.push(ch),
            _ => main.push(ch),
        }
    }
    let toks = tokens(&main, false);
    let starts = |words: &[&str]| toks.len() >= words.len() && toks.iter().zip(words).all(|(t, w)| t == w);
    let forms: &[(&[&str], EpciKind)] = &[
        (&["communaute", "de", "communes"], EpciKind::Cc),
        (&["communaute", "communes"], EpciKind::Cc),
        (&["cc"], EpciKind::Cc),
        (&["cdc"], EpciKind::Cc),
        (&["communaute", "d", "agglomeration"], EpciKind::Ca),
        (&["communaute", "de", "l", "agglomeration"], EpciKind::Ca),
        (&["communaute", "agglomeration"], EpciKind::Ca),
        (&["ca"], EpciKind::Ca),
        (&["communaute", "urbaine"], EpciKind::Cu),
        (&["cu"], EpciKind::Cu),
        (&["metropole"], EpciKind::Metropole),
    ];
    let (kind, skip) =
        forms.iter().find(|(words, _)| starts(words)).map_or((None, 0), |(words, kind)| (Some(*kind), words.len()));
    let body = toks[skip..].iter().filter(|t| !is_stopword(t)).cloned().collect();
    let acronym = Some(loose_key(&tokens(&bracket, false))).filter(|a| a.len() >= 3);
    EpciName { kind, body, acronym }
}

fn kinds_agree(a: Option<EpciKind>, b: Option<EpciKind>) -> bool {
    use EpciKind::{Metropole, MetropoleDeLyon};
    match (a, b) {
        (Some(x), Some(y)) => x == y || matches!((x, y), (Metropole, MetropoleDeLyon) | (MetropoleDeLyon, Metropole)),
        _ => true,
    }
}

fn words_match(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let short = a.len().min(b.len());
    (short >= 4 && (a.starts_with(b) || b.starts_with(a))) || (short >= 6 && edit_distance(a, b, 1).is_some())
}

/// Similarity of two word lists, with near words counting as equal: their Dice
/// coefficient, or a little less than full marks when every word of the shorter list (of at
/// least two words) is in the longer one, as when a name was shortened ("CC de Gâtine et
/// Choisilles - Pays de Racan" became "CC de Gâtine-Racan").
fn similarity(a: &[String], b: &[String]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let mut used = vec![false; b.len()];
    let mut matched = 0;
    for w in a {
        if let Some(j) = (0..b.len()).find(|&j| !used[j] && words_match(w, &b[j])) {
            used[j] = true;
            matched += 1;
        }
    }
    let dice = 2.0 * matched as f64 / (a.len() + b.len()) as f64;
    let shorter = a.len().min(b.len());
    if shorter >= 2 && matched == shorter {
        dice.max(0.85)
    } else {
        dice
    }
}

pub(crate) struct EpciIndex {
    names: Vec<EpciName>,
    by_body: HashMap<String, Vec<u32>>,
    by_acronym: HashMap<String, Vec<u32>>,
}

impl EpciIndex {
    pub(crate) fn build(epcis: &[Epci]) -> Self {
        let names: Vec<EpciName> = epcis.iter().map(|e| parse_epci_name(&e.name)).collect();
        let mut by_body: HashMap<String, Vec<u32>> = HashMap::new();
        let mut by_acronym: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, n) in names.iter().enumerate() {
            by_body.entry(n.body.join(" ")).or_default().push(i as u32);
            if let Some(a) = &n.acronym {
                by_acronym.entry(a.clone()).or_default().push(i as u32);
            }
        }
        EpciIndex { names, by_body, by_acronym }
    }

    pub(crate) fn find(&self, epcis: &[Epci], name: &str, hint: Option<&str>) -> Option<u32> {
        let q = parse_epci_name(name);
        if q.body.is_empty() {
            return None;
        }
        let in_hint = |i: u32| hint.is_none_or(|d| epcis[i as usize].departements.iter().any(|x| x == d));
        let pick = |cands: &[u32]| -> Option<u32> {
            let mut c: Vec<u32> =
                cands.iter().copied().filter(|&i| kinds_agree(q.kind, self.names[i as usize].kind)).collect();
            if c.len() > 1 {
                let hinted: Vec<u32> = c.iter().copied().filter(|&i| in_hint(i)).collect();
                if !hinted.is_empty() {
                    c = hinted;
                }
            }
            (c.len() == 1).then(|| c[0])
        };
        if let Some(i) = self.by_body.get(&q.body.join(" ")).and_then(|c| pick(c)) {
            return Some(i);
        }
        if q.body.len() == 1 {
            if let Some(i) = self.by_acronym.get(&q.body[0]).and_then(|c| pick(c)) {
                return Some(i);
            }
        }

        let mut scored: Vec<(f64, u32)> = self
            .names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let mut s = similarity(&q.body, &n.body);
                if !kinds_agree(q.kind, n.kind) {
                    s -= 0.1;
                }
                if !in_hint(i as u32) {
                    s -= 0.2;
                }
                (s, i as u32)
            })
            .filter(|(s, _)| *s >= 0.6)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        match scored.as_slice() {
            [] => None,
            [(s, i)] => (*s >= 0.7).then_some(*i),
            [(s, i), (s2, _), ..] => (*s >= 0.7 && s - s2 >= 0.1).then_some(*i),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postcodes_are_padded() {
        assert_eq!(normalise_postcode("1000"), Some(*b"01000"));
        assert_eq!(normalise_postcode(" 18000 "), Some(*b"18000"));
        assert_eq!(normalise_postcode("18000.0"), Some(*b"18000"));
        assert_eq!(normalise_postcode("180"), None);
        assert_eq!(normalise_postcode("2A004"), None);
    }

    #[test]
    fn file_spellings_lose_what_is_not_the_name() {
        assert_eq!(name_tokens("MARSEILLE 11"), vec!["marseille"]);
        assert_eq!(name_tokens("Paris 15e Arrondissement"), vec!["paris"]);
        assert_eq!(name_tokens("LYON 3EME"), vec!["lyon"]);
        assert_eq!(name_tokens("Lyon 1er"), vec!["lyon"]);
        assert_eq!(name_tokens("BOURGES CEDEX 9"), vec!["bourges"]);
        assert_eq!(name_tokens("18000 BOURGES"), vec!["bourges"]);
        assert_eq!(name_tokens("SAINT-DENIS BP 40064"), vec!["saint", "denis"]);
        // Not every name after a big city is an arrondissement.
        assert_eq!(name_tokens("Marseille en Beauvaisis"), vec!["marseille", "en", "beauvaisis"]);
    }

    #[test]
    fn epci_legal_forms_are_recognised() {
        let n = parse_epci_name("Communauté de communes du Pays de Salars");
        assert_eq!(n.kind, Some(EpciKind::Cc));
        assert_eq!(n.body, vec!["pays", "salars"]);
        let n = parse_epci_name("CA Bassin d'Arcachon Sud (COBAS)");
        assert_eq!(n.kind, Some(EpciKind::Ca));
        assert_eq!(n.acronym.as_deref(), Some("cobas"));
        let n = parse_epci_name("Tours Métropole Val de Loire");
        assert_eq!(n.kind, None);
        assert_eq!(n.body, vec!["tours", "metropole", "val", "loire"]);
    }

    #[test]
    fn top_k_keeps_the_best_once() {
        let mut t = TopK::new(2);
        t.offer(false, 10, 1);
        t.offer(false, 30, 2);
        t.offer(false, 20, 3);
        t.offer(true, 10, 1);
        t.offer(false, 30, 2);
        assert_eq!(t.into_sorted(), vec![1, 2]);
    }
}
