//! Filters compiled for speed: each entry carries its vocabulary values and its open days of
//! the reference week as bits, so most filters are one AND on a `u128`; only free-text labels,
//! typologies, "open at", free text and the source look at the place itself.

use std::cell::RefCell;
use std::collections::HashMap;

use chrono::NaiveDateTime;
use maillage_coverage::filter::{Jour, Label, PlaceFilter};
use maillage_domain::text::fold;
use maillage_domain::{
    Dispositif, FormationLabel, Frais, ModaliteAcces, ModaliteAccompagnement, PlaceRecord, PriseEnCharge, Public,
    Service, Vocabulary,
};

use super::{Directory, Query, QueryError};

const SERVICES: u32 = 0;
const PUBLICS: u32 = SERVICES + 9;
const PRISE: u32 = PUBLICS + 5;
const FRAIS: u32 = PRISE + 7;
const ACCES: u32 = FRAIS + 3;
const ACCOMPAGNEMENT: u32 = ACCES + 6;
const DISPOSITIFS: u32 = ACCOMPAGNEMENT + 4;
const FORMATIONS: u32 = DISPOSITIFS + 11;
const ITINERANT: u32 = FORMATIONS + 10;
const FIXE: u32 = ITINERANT + 1;
const DAYS: u32 = FIXE + 1;
#[cfg(test)]
const END: u32 = DAYS + 7;

/// What the fast filters need to know about a place, as bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FilterBits(pub u128);

/// The index of a value in its vocabulary.
pub(super) fn position<T: Vocabulary>(value: T) -> usize {
    T::all().iter().position(|v| *v == value).unwrap_or(0)
}

fn bit<T: Vocabulary>(offset: u32, value: T) -> u128 {
    1u128 << (offset + position(value) as u32)
}

fn set<'a, T: Vocabulary>(offset: u32, values: impl IntoIterator<Item = &'a T>) -> u128 {
    values.into_iter().fold(0, |acc, v| acc | bit(offset, *v))
}

fn day_bit(jour: Jour) -> u128 {
    1u128 << (DAYS + Jour::ALL.iter().position(|j| *j == jour).unwrap_or(0) as u32)
}

impl FilterBits {
    pub fn of(record: &PlaceRecord) -> FilterBits {
        let mut bits = set(SERVICES, &record.services)
            | set(PUBLICS, &record.publics_specifiquement_adresses)
            | set(PRISE, &record.prise_en_charge_specifique)
            | set(FRAIS, &record.frais_a_charge)
            | set(ACCES, &record.modalites_acces)
            | set(ACCOMPAGNEMENT, &record.modalites_accompagnement)
            | set(DISPOSITIFS, &record.dispositif_programmes_nationaux)
            | set(FORMATIONS, &record.formations_labels);
        if PlaceFilter::Itinerant.matches_record(record) {
            bits |= 1 << ITINERANT;
        }
        if PlaceFilter::Fixe.matches_record(record) {
            bits |= 1 << FIXE;
        }
        // The day filters' own evaluation (reference week), once per place instead of per query.
        if record.horaires.is_some() {
            for jour in Jour::ALL {
                if PlaceFilter::Jour(jour).matches_record(record) {
                    bits |= day_bit(jour);
                }
            }
        }
        FilterBits(bits)
    }
}

/// A query's filters, ready to test entries.
pub(super) struct Compiled<'q> {
    required: u128,
    /// Each mask must share a bit with the entry (`weekend`: Saturday or Sunday).
    any_of: Vec<u128>,
    /// Filters that look at the record.
    slow: Vec<&'q PlaceFilter>,
    open_at: Option<NaiveDateTime>,
    words: Vec<String>,
    source: Option<&'q str>,
    /// "Open at" per distinct hours (keyed by the shared evaluator): a national directory has a
    /// few hundred distinct hours for tens of thousands of places.
    open_cache: RefCell<HashMap<usize, bool>>,
}

impl<'q> Compiled<'q> {
    pub(super) fn new(_directory: &Directory, query: &'q Query) -> Result<Compiled<'q>, QueryError> {
        let mut required = 0u128;
        let mut any_of = Vec::new();
        let mut slow = Vec::new();
        for filter in &query.filters.0 {
            match filter {
                PlaceFilter::Service(s) => required |= bit::<Service>(SERVICES, *s),
                PlaceFilter::Public(p) => required |= bit::<Public>(PUBLICS, *p),
                PlaceFilter::PriseEnCharge(p) => required |= bit::<PriseEnCharge>(PRISE, *p),
                PlaceFilter::Gratuit => required |= bit(FRAIS, Frais::Gratuit),
                PlaceFilter::Frais(f) => required |= bit::<Frais>(FRAIS, *f),
                PlaceFilter::Acces(a) => required |= bit::<ModaliteAcces>(ACCES, *a),
                PlaceFilter::Accompagnement(a) => required |= bit::<ModaliteAccompagnement>(ACCOMPAGNEMENT, *a),
                PlaceFilter::Label(Label::Dispositif(d)) => required |= bit::<Dispositif>(DISPOSITIFS, *d),
                PlaceFilter::Label(Label::Formation(f)) => required |= bit::<FormationLabel>(FORMATIONS, *f),
                PlaceFilter::Itinerant => required |= 1 << ITINERANT,
                PlaceFilter::Fixe => required |= 1 << FIXE,
                PlaceFilter::Jour(j) => required |= day_bit(*j),
                PlaceFilter::Weekend => any_of.push(day_bit(Jour::Samedi) | day_bit(Jour::Dimanche)),
                PlaceFilter::Label(Label::Autre(_)) | PlaceFilter::Typologie(_) => slow.push(filter),
            }
        }
        let words: Vec<String> = query
            .text
            .as_deref()
            .map(|t| fold(t).split(' ').filter(|w| !w.is_empty()).map(str::to_owned).collect())
            .unwrap_or_default();
        if query.text.as_deref().is_some_and(|t| !t.trim().is_empty()) && words.is_empty() {
            return Err(QueryError { field: "q", message: "texte de recherche sans lettre ni chiffre".to_owned() });
        }
        Ok(Compiled {
            required,
            any_of,
            slow,
            open_at: query.open_at,
            words,
            source: query.source.as_deref(),
            open_cache: RefCell::default(),
        })
    }

    /// The key of the cached totals: `Some` when only the bits decide.
    pub(super) fn mask_key(&self) -> Option<(u128, Vec<u128>)> {
        self.bits_only().then(|| (self.required, self.any_of.clone()))
    }

    /// Positions of the services every match must offer.
    pub(super) fn required_services(&self) -> impl Iterator<Item = usize> + '_ {
        (0..Service::all().len()).filter(|s| self.required & (1 << (SERVICES as usize + s)) != 0)
    }

    fn bits_only(&self) -> bool {
        self.slow.is_empty() && self.open_at.is_none() && self.words.is_empty() && self.source.is_none()
    }

    pub(super) fn matches(&self, directory: &Directory, i: u32) -> bool {
        let bits = directory.bits[i as usize].0;
        if bits & self.required != self.required || self.any_of.iter().any(|m| bits & m == 0) {
            return false;
        }
        if self.bits_only() {
            return true;
        }
        let entry = &directory.entries[i as usize];
        let place = &entry.place;
        if self.source.is_some_and(|s| place.source != s) {
            return false;
        }
        if !self.words.iter().all(|w| entry.search_key.contains(w.as_str())) {
            return false;
        }
        if !self.slow.iter().all(|f| f.matches_record(&place.record)) {
            return false;
        }
        if let Some(at) = self.open_at {
            let Some(hours) = &entry.hours else { return false };
            let key = std::sync::Arc::as_ptr(hours) as usize;
            let cached = self.open_cache.borrow().get(&key).copied();
            let open = cached.unwrap_or_else(|| {
                let open = hours.is_open_at(at) == Some(true);
                self.open_cache.borrow_mut().insert(key, open);
                open
            });
            if !open {
                return false;
            }
        }
        true
    }

    /// Matches among all entries.
    pub(super) fn count_all(&self, directory: &Directory) -> usize {
        if self.bits_only() && self.any_of.is_empty() {
            let required = self.required;
            return directory.bits.iter().filter(|b| b.0 & required == required).count();
        }
        (0..directory.bits.len() as u32).filter(|&i| self.matches(directory, i)).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_fits_the_vocabularies() {
        assert_eq!(PUBLICS - SERVICES, Service::all().len() as u32);
        assert_eq!(PRISE - PUBLICS, Public::all().len() as u32);
        assert_eq!(FRAIS - PRISE, PriseEnCharge::all().len() as u32);
        assert_eq!(ACCES - FRAIS, Frais::all().len() as u32);
        assert_eq!(ACCOMPAGNEMENT - ACCES, ModaliteAcces::all().len() as u32);
        assert_eq!(DISPOSITIFS - ACCOMPAGNEMENT, ModaliteAccompagnement::all().len() as u32);
        assert_eq!(FORMATIONS - DISPOSITIFS, Dispositif::all().len() as u32);
        assert_eq!(ITINERANT - FORMATIONS, FormationLabel::all().len() as u32);
        assert_eq!(maillage_domain::Itinerance::all().len(), 2);
        const { assert!(END <= 128) };
    }
}
