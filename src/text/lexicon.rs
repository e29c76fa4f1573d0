//! The lexicon stage: multi-word and synonym terms ("Keytruda", "car t", "being sick") become one concept token,
//! longest term first, plus the broader concepts each one implies.

use crate::corpus::{Concept, Scope};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LexiconConcept {
    pub id: String,
    /// The token this concept becomes: `@id`.
    pub term: String,
    pub scope: Scope,
    /// Every broader concept, transitively, as indexes into `Lexicon::concepts`.
    pub broader: Vec<usize>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Lexicon {
    pub concepts: Vec<LexiconConcept>,
    /// First stem of a term → (all the term's stems, concept), longest terms first.
    by_first: HashMap<String, Vec<(Vec<String>, usize)>>,
    /// The stems that some term of two words or more has before another, and those it has after another: a
    /// word can only become part of such a term beside one of these, which spares most words the search.
    leads: HashSet<String>,
    follows: HashSet<String>,
}

impl Lexicon {
    pub fn build(concepts: &[Concept], stems: impl Fn(&str) -> Vec<String>) -> Self {
        let index: HashMap<&str, usize> = concepts.iter().enumerate().map(|(i, c)| (c.id.as_str(), i)).collect();
        let mut lexicon = Lexicon::default();
        for (i, concept) in concepts.iter().enumerate() {
            lexicon.concepts.push(LexiconConcept {
                id: concept.id.clone(),
                term: format!("@{}", concept.id),
                scope: concept.scope,
                broader: broader_closure(i, concepts, &index),
            });
            for term in &concept.terms {
                let term_stems = stems(term);
                if term_stems.len() > 1 {
                    lexicon.leads.extend(term_stems[..term_stems.len() - 1].iter().cloned());
                    lexicon.follows.extend(term_stems[1..].iter().cloned());
                }
                if let Some(first) = term_stems.first() {
                    lexicon.by_first.entry(first.clone()).or_default().push((term_stems, i));
                }
            }
        }
        for list in lexicon.by_first.values_mut() {
            list.sort_by_key(|(stems, _)| std::cmp::Reverse(stems.len()));
        }
        lexicon
    }

    /// Every term as its stems, with its concept: longest first among terms with the same first stem.
    pub fn terms(&self) -> impl Iterator<Item = (&[String], usize)> {
        self.by_first.values().flat_map(|list| list.iter().map(|(stems, c)| (stems.as_slice(), *c)))
    }

    /// Whether some term starts with this stem.
    pub fn starts_term(&self, stem: &str) -> bool {
        self.by_first.contains_key(stem)
    }

    /// Whether a word between words with these stems could be part of a term of two words or more: such a term
    /// takes in a neighbour of each of its words.
    pub fn may_join(&self, before: Option<&str>, after: Option<&str>) -> bool {
        before.is_some_and(|s| self.leads.contains(s)) || after.is_some_and(|s| self.follows.contains(s))
    }

    /// The longest term that starts at the head of `stems`: (how many stems it covers, concept index).
    pub fn longest_match(&self, stems: &[String]) -> Option<(usize, usize)> {
        let candidates = self.by_first.get(stems.first()?)?;
        candidates
            .iter()
            .find(|(term, _)| stems.len() >= term.len() && stems[..term.len()] == term[..])
            .map(|(term, concept)| (term.len(), *concept))
    }
}

fn broader_closure(start: usize, concepts: &[Concept], index: &HashMap<&str, usize>) -> Vec<usize> {
    let mut out = Vec::new();
    let mut todo = vec![start];
    while let Some(i) = todo.pop() {
        for b in &concepts[i].broader {
            if let Some(&j) = index.get(b.as_str())
                && j != start
                && !out.contains(&j)
            {
                out.push(j);
                todo.push(j);
            }
        }
    }
    out
}
