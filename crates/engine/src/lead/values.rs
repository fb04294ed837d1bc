//! Known market segments and sales concepts: recognising them, normalising near-misses
//! ("pre retirement" → "Pre-Retirement") and suggesting the closest known value.

use rustc_hash::FxHashMap;

use crate::lead::schema::{DEFAULT_CONCEPTS, DEFAULT_SEGMENTS, value_key};

/// What becomes of one segment or concept value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueOutcome {
    /// The value is known, written exactly as the CRM knows it.
    Known,
    /// The value differs from a known value only in case, spaces or hyphens; it is written as that value.
    Normalised(String),
    /// The CRM does not know the value and will ignore it; the closest known value, if any is close.
    Unknown(Option<String>),
    /// The user's value mapping says what to write instead (empty: leave it out).
    Mapped(String),
}

/// A list of allowed values (the CRM's defaults plus a firm's own), with a cache of outcomes:
/// these columns hold few distinct values, so each is judged once.
#[derive(Debug, Clone)]
pub struct KnownValues {
    values: Vec<String>,
    by_key: FxHashMap<String, usize>,
    overrides: FxHashMap<String, String>,
    cache: FxHashMap<String, ValueOutcome>,
}

impl KnownValues {
    /// Known values from `defaults` plus `extra` (a firm's own), without duplicates.
    pub fn new<'a>(defaults: &[&'a str], extra: impl IntoIterator<Item = &'a str>) -> Self {
        let mut known = KnownValues {
            values: Vec::new(),
            by_key: FxHashMap::default(),
            overrides: FxHashMap::default(),
            cache: FxHashMap::default(),
        };
        for value in defaults.iter().copied().chain(extra) {
            let value = value.trim();
            let key = value_key(value);
            if key.is_empty() || known.by_key.contains_key(&key) {
                continue;
            }
            known.by_key.insert(key, known.values.len());
            known.values.push(value.to_string());
        }
        known
    }

    /// The CRM's market segments plus `extra`.
    pub fn segments<'a>(extra: impl IntoIterator<Item = &'a str>) -> Self {
        Self::new(&DEFAULT_SEGMENTS, extra)
    }

    /// The CRM's sales concepts plus `extra`.
    pub fn concepts<'a>(extra: impl IntoIterator<Item = &'a str>) -> Self {
        Self::new(&DEFAULT_CONCEPTS, extra)
    }

    /// The same values, with the user's value mapping (source value → value to write) taking
    /// precedence over normalisation.
    pub fn with_overrides<'a>(
        mut self,
        overrides: impl IntoIterator<Item = (&'a String, &'a String)>,
    ) -> Self {
        for (from, to) in overrides {
            self.overrides
                .insert(from.trim().to_string(), to.trim().to_string());
        }
        self.cache.clear();
        self
    }

    /// The value the package writes for `value` (trimmed): the known spelling, the user's
    /// mapping, or the value itself when the CRM will ignore it.
    pub fn written(&mut self, value: &str) -> String {
        match self.judge(value) {
            ValueOutcome::Known | ValueOutcome::Unknown(_) => value.to_string(),
            ValueOutcome::Normalised(to) | ValueOutcome::Mapped(to) => to,
        }
    }

    /// Every known value, defaults first.
    pub fn values(&self) -> &[String] {
        &self.values
    }

    /// Whether every value comes to the same with `other` as with these: the same known values
    /// and, for every value either one maps, the same outcome. (A value neither maps is judged
    /// by the known values alone.)
    pub fn judges_like(&self, other: &KnownValues) -> bool {
        self.values == other.values
            && self
                .overrides
                .keys()
                .chain(other.overrides.keys())
                .all(|value| self.judge_uncached(value) == other.judge_uncached(value))
    }

    /// What becomes of `value` (trimmed, non-empty).
    pub fn judge(&mut self, value: &str) -> ValueOutcome {
        if let Some(outcome) = self.cache.get(value) {
            return outcome.clone();
        }
        let outcome = self.judge_uncached(value);
        if self.cache.len() < 10_000 {
            self.cache.insert(value.to_string(), outcome.clone());
        }
        outcome
    }

    fn judge_uncached(&self, value: &str) -> ValueOutcome {
        let natural = self.judge_known(value);
        match self.overrides.get(value) {
            // A mapping that only confirms the normalisation still reports it.
            Some(to) if natural == ValueOutcome::Normalised(to.clone()) => natural,
            Some(to) if natural == ValueOutcome::Known && to == value => natural,
            Some(to) => ValueOutcome::Mapped(to.clone()),
            None => natural,
        }
    }

    fn judge_known(&self, value: &str) -> ValueOutcome {
        if self.values.iter().any(|known| known == value) {
            return ValueOutcome::Known;
        }
        let key = value_key(value);
        if let Some(&index) = self.by_key.get(&key) {
            return ValueOutcome::Normalised(self.values[index].clone());
        }
        let closest = self
            .values
            .iter()
            .map(|known| {
                (
                    strsim::normalized_levenshtein(&key, &value_key(known)),
                    known,
                )
            })
            .filter(|(similarity, _)| *similarity >= 0.7)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, known)| known.clone());
        ValueOutcome::Unknown(closest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_values_are_known() {
        let mut segments = KnownValues::segments([]);
        assert_eq!(segments.judge("Pre-Retirement"), ValueOutcome::Known);
        assert_eq!(segments.judge("Starting Out"), ValueOutcome::Known);
    }

    #[test]
    fn pre_retirement_with_a_space_is_normalised() {
        let mut segments = KnownValues::segments([]);
        assert_eq!(
            segments.judge("Pre Retirement"),
            ValueOutcome::Normalised("Pre-Retirement".into())
        );
        assert_eq!(
            segments.judge("RETIREMENT"),
            ValueOutcome::Normalised("Retirement".into())
        );
        assert_eq!(
            segments.judge("startingout"),
            ValueOutcome::Normalised("Starting Out".into())
        );
    }

    #[test]
    fn millennials_is_unknown_without_suggestion() {
        let mut segments = KnownValues::segments([]);
        assert_eq!(segments.judge("Millennials"), ValueOutcome::Unknown(None));
    }

    #[test]
    fn a_misspelling_gets_the_closest_known_value() {
        let mut segments = KnownValues::segments([]);
        assert_eq!(
            segments.judge("Retirment"),
            ValueOutcome::Unknown(Some("Retirement".into()))
        );
        let mut concepts = KnownValues::concepts([]);
        assert_eq!(
            concepts.judge("Mortgage Need"),
            ValueOutcome::Unknown(Some("Mortgage Needs".into()))
        );
    }

    #[test]
    fn the_users_value_mapping_comes_first() {
        let overrides = [
            ("VIP".to_string(), "Retirement".to_string()),
            ("n/a".to_string(), String::new()),
        ];
        let mut segments =
            KnownValues::segments([]).with_overrides(overrides.iter().map(|(a, b)| (a, b)));
        assert_eq!(
            segments.judge("VIP"),
            ValueOutcome::Mapped("Retirement".into())
        );
        assert_eq!(segments.written("VIP"), "Retirement");
        assert_eq!(segments.written("n/a"), "");
        assert_eq!(segments.written("pre retirement"), "Pre-Retirement");
        assert_eq!(segments.written("Millennials"), "Millennials");
    }

    #[test]
    fn value_lists_judge_alike_when_their_mappings_change_nothing() {
        let mapping = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        let with = |pairs: &[(String, String)]| {
            KnownValues::segments([]).with_overrides(pairs.iter().map(|(a, b)| (a, b)))
        };
        let plain = KnownValues::segments([]);
        // Confirming the normalisation, or a known value as itself, changes no outcome.
        let confirming = mapping(&[
            ("Pre Retirement", "Pre-Retirement"),
            ("Retirement", "Retirement"),
        ]);
        assert!(plain.judges_like(&with(&confirming)));
        assert!(with(&confirming).judges_like(&plain));
        // A real mapping does, whichever side holds it.
        let vip = mapping(&[("VIP", "Retirement")]);
        assert!(!plain.judges_like(&with(&vip)));
        assert!(!with(&vip).judges_like(&plain));
        assert!(with(&vip).judges_like(&with(&vip)));
        // So does a firm's own value.
        assert!(!plain.judges_like(&KnownValues::segments(["Young Families"])));
    }

    #[test]
    fn a_firms_own_values_are_known() {
        let mut segments = KnownValues::segments(["Young Families"]);
        assert_eq!(segments.judge("Young Families"), ValueOutcome::Known);
        assert_eq!(
            segments.judge("young-families"),
            ValueOutcome::Normalised("Young Families".into())
        );
        assert_eq!(segments.values().len(), 4);
    }
}
