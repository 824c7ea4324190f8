//! Which mapping a file was written for, from its columns alone: an export keeps its layout
//! from one version to the next, so a file whose columns are (nearly) the layout a mapping
//! knows (the columns it reads and those it leaves unread, see [`Mapping::layout`]) is that
//! export. The candidates are data (the shipped mappings, and later the hub's saved ones), so
//! the rule is the same for all.
//!
//! The measure is the share of columns in common (Jaccard index: columns in both over columns
//! in either). An export that gained or lost a few columns still matches; a file of the
//! national standard does not match a mapping that reads a handful of the standard's columns,
//! because most of its columns are unknown to that mapping.

use crate::mapping::Mapping;

/// The share of columns in common at or above which a file is taken for a mapping's export.
pub const MIN_SCORE: f64 = 0.6;
/// How far ahead of the next candidate the best one must be to be chosen alone.
pub const MIN_LEAD: f64 = 0.1;

/// How well a file's columns match one candidate's layout.
#[derive(Clone, Debug)]
pub struct Match<'m> {
    pub mapping: &'m Mapping,
    /// Columns in both the file and the layout.
    pub shared: usize,
    /// Columns of the file.
    pub columns: usize,
    /// Columns of the layout.
    pub layout: usize,
    /// Columns in common over columns in either, from 0 to 1.
    pub score: f64,
}

impl Match<'_> {
    /// "38 colonnes sur 40 en commun" in French, for the report.
    pub fn describe(&self) -> String {
        format!(
            "{} colonnes en commun sur {} dans le fichier et {} connues de la correspondance",
            self.shared, self.columns, self.layout
        )
    }
}

/// What the columns of a file say.
#[derive(Clone, Debug)]
pub enum Recognition<'m> {
    /// One candidate matches, clearly ahead of any other.
    Found(Match<'m>),
    /// Several candidates match about as well: none is chosen (their matches, best first).
    Ambiguous(Vec<Match<'m>>),
    /// No candidate matches well enough (the best one, if any candidate was given).
    NotFound(Option<Match<'m>>),
}

/// Scores one candidate against a file's columns.
pub fn score<'m>(columns: &[String], mapping: &'m Mapping) -> Match<'m> {
    let mut file: Vec<&str> = columns.iter().map(|column| column.trim()).filter(|c| !c.is_empty()).collect();
    file.sort_unstable();
    file.dedup();
    let layout = mapping.layout();
    let mut known: Vec<&str> = layout.iter().map(|column| column.trim()).collect();
    known.sort_unstable();
    known.dedup();
    let shared = file.iter().filter(|column| known.binary_search(column).is_ok()).count();
    let either = file.len() + known.len() - shared;
    let score = if either == 0 { 0.0 } else { shared as f64 / either as f64 };
    Match { mapping, shared, columns: file.len(), layout: known.len(), score }
}

/// Finds the candidate whose layout the file's columns match.
pub fn recognise<'m>(columns: &[String], candidates: impl IntoIterator<Item = &'m Mapping>) -> Recognition<'m> {
    let mut matches: Vec<Match<'m>> = candidates.into_iter().map(|mapping| score(columns, mapping)).collect();
    matches
        .sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.mapping.source_name().cmp(b.mapping.source_name())));
    let good: Vec<Match<'m>> = matches.iter().filter(|found| found.score >= MIN_SCORE).cloned().collect();
    match good.as_slice() {
        [] => Recognition::NotFound(matches.into_iter().next()),
        [one] => Recognition::Found(one.clone()),
        [best, next, ..] if best.score - next.score >= MIN_LEAD => Recognition::Found(best.clone()),
        _ => Recognition::Ambiguous(
            good.iter().take_while(|found| good[0].score - found.score < MIN_LEAD).cloned().collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping(name: &str, read: &[&str], unread: &[&str]) -> Mapping {
        let fields: Vec<String> = read
            .iter()
            .enumerate()
            .map(|(i, column)| {
                format!("{} = \"{column}\"", ["nom", "adresse", "commune", "code_postal", "telephone", "site_web"][i])
            })
            .collect();
        let unread: Vec<String> = unread.iter().map(|column| format!("\"{column}\"")).collect();
        Mapping::from_toml(&format!(
            "[source]\nname = \"{name}\"\nunread = [{}]\n[fields]\n{}\n",
            unread.join(", "),
            fields.join("\n")
        ))
        .unwrap()
    }

    fn columns(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| name.to_string()).collect()
    }

    #[test]
    fn the_export_with_the_same_layout_is_found() {
        let a = mapping("a", &["Nom", "Rue", "Ville", "CP"], &["interne"]);
        let b = mapping("b", &["nom", "adresse", "commune", "code_postal"], &[]);
        let candidates = [a, b];
        match recognise(&columns(&["Nom", "Rue", "Ville", "CP", "interne"]), &candidates) {
            Recognition::Found(found) => {
                assert_eq!(found.mapping.source_name(), "a");
                assert_eq!((found.shared, found.score), (5, 1.0));
            }
            other => panic!("{other:?}"),
        }
        // A new version with one more column and one fewer still matches (4 of 6).
        match recognise(&columns(&["Nom", "Rue", "Ville", "CP", "Courriel"]), &candidates) {
            Recognition::Found(found) => assert_eq!(found.mapping.source_name(), "a"),
            other => panic!("{other:?}"),
        }
        // The standard's 32 columns are not "b", which reads four of them.
        let standard: Vec<String> = maillage_domain::build::FIELDS.iter().map(|f| f.to_string()).collect();
        assert!(matches!(recognise(&standard, &candidates), Recognition::NotFound(Some(_))));
        assert!(matches!(recognise(&standard, []), Recognition::NotFound(None)));
    }

    #[test]
    fn two_layouts_alike_are_ambiguous() {
        let a = mapping("a", &["Nom", "Rue", "Ville", "CP"], &["X"]);
        let b = mapping("b", &["Nom", "Rue", "Ville", "CP"], &["Y"]);
        let candidates = [a, b];
        match recognise(&columns(&["Nom", "Rue", "Ville", "CP"]), &candidates) {
            Recognition::Ambiguous(found) => {
                assert_eq!(found.iter().map(|m| m.mapping.source_name()).collect::<Vec<_>>(), ["a", "b"])
            }
            other => panic!("{other:?}"),
        }
    }
}
