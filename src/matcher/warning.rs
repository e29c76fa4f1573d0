//! Warning signs: does the message *describe* a red-flag symptom? Independent of the FAQ match. A general
//! question *about* side effects ("can Keytruda cause diarrhoea?") is not urgent for naming them; anything
//! personal or in doubt is.

use crate::corpus::Warnings;
use crate::text::{Analysis, Analyzer, Language, TermKind};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Serialize, Deserialize)]
struct Phrase {
    sign: usize,
    terms: Vec<String>,
}

#[derive(Serialize, Deserialize)]
pub struct WarningSigns {
    lang: Language,
    pub ids: Vec<String>,
    pub labels: Vec<String>,
    phrases: Vec<Phrase>,
    /// A phrase's first term → the phrases that start with it, so a message only checks phrases it could complete.
    by_term: HashMap<String, Vec<usize>>,
}

/// Extra words a phrase may have between its own: "blood in my poo" still matches "blood poo".
const WINDOW_SLACK: usize = 3;

impl WarningSigns {
    pub fn build(warnings: &Warnings, analyzer: &Analyzer) -> Self {
        let mut signs = WarningSigns {
            lang: analyzer.language(),
            ids: Vec::new(),
            labels: Vec::new(),
            phrases: Vec::new(),
            by_term: HashMap::new(),
        };
        for (s, sign) in warnings.signs.iter().enumerate() {
            signs.ids.push(sign.id.clone());
            signs.labels.push(sign.label.clone());
            for phrase in sign.all_phrases() {
                let analysis = analyzer.analyze(&phrase);
                // Three readings of a phrase: by its lexicon concepts ("chest pain" → @chest-pain); by the words
                // inside them ("chest", "pain"), so that "pain in my chest" matches too; and by those words as
                // each reads on its own, since a message that splits a term up reads its words alone ("vision"
                // → @vision in "my vision is blurry", against "blurry vision" → @vision-problem).
                // A term with a function word among its words ("kill myself") is read only whole: its other words
                // alone ("kill") say something else. Its words run up to the next token of a word of its own.
                let tokens: Vec<&crate::text::Token> =
                    analysis.tokens.iter().filter(|t| t.kind != TermKind::Broader).collect();
                let whole = |k: usize| {
                    let parts = tokens[k + 1..].iter().take_while(|n| n.kind == TermKind::Part).count();
                    let end = tokens.get(k + 1 + parts).map_or(analysis.words.len(), |n| n.position);
                    let words = analysis.words.get(tokens[k].position..end).unwrap_or_default();
                    parts == 0 || words.iter().any(|w| analyzer.language().is_stop_word(w))
                };
                for reading in [Reading::Concepts, Reading::Parts, Reading::PartsAlone] {
                    let mut terms: Vec<String> = Vec::new();
                    let mut in_whole_term = false;
                    for (k, t) in tokens.iter().enumerate() {
                        if t.kind == TermKind::Concept {
                            in_whole_term = whole(k);
                        } else if t.kind != TermKind::Part {
                            in_whole_term = false;
                        }
                        if t.stop {
                            continue;
                        }
                        match (t.kind, reading) {
                            (TermKind::Part, Reading::Concepts) => {}
                            (TermKind::Part, _) if in_whole_term => {}
                            (TermKind::Concept, Reading::Parts | Reading::PartsAlone) if !in_whole_term => {}
                            (TermKind::Part, Reading::PartsAlone) => terms.push(read_alone(analyzer, &analysis, t)),
                            _ => terms.push(t.term.clone()),
                        }
                    }
                    terms.dedup();
                    if terms.is_empty() || signs.phrases.iter().any(|p| p.sign == s && p.terms == terms) {
                        continue;
                    }
                    // Listed under its first term only: a phrase needs all its terms, so a message without that one
                    // cannot complete it, and each phrase is looked at once.
                    signs.by_term.entry(terms[0].clone()).or_default().push(signs.phrases.len());
                    signs.phrases.push(Phrase { sign: s, terms });
                }
            }
        }
        signs
    }

    /// The signs a message describes (indexes into `ids`, in file order), empty when none or when it only asks in
    /// general.
    pub fn detect(&self, analysis: &Analysis) -> Vec<usize> {
        let content: Vec<(&str, usize)> = analysis.content().map(|t| (t.term.as_str(), t.position)).collect();
        let has = |term: &String| content.iter().any(|(t, _)| t == term);
        let mut found: Vec<usize> = Vec::new();
        for (k, (term, _)) in content.iter().enumerate() {
            // A term the message repeats starts the same phrases again.
            if content[..k].iter().any(|(t, _)| t == term) {
                continue;
            }
            let Some(phrases) = self.by_term.get(*term) else {
                continue;
            };
            for phrase in phrases.iter().map(|&p| &self.phrases[p]) {
                if !found.contains(&phrase.sign)
                    && phrase.terms[1..].iter().all(has)
                    && within_window(&phrase.terms, &content)
                {
                    found.push(phrase.sign);
                }
            }
        }
        if !found.is_empty() {
            let words: Vec<&str> =
                analysis.folded.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
            if self.is_general_question(&words) || self.is_long_past(&words) {
                return Vec::new();
            }
        }
        found.sort_unstable();
        found
    }

    /// A message about something long past ("years ago I fainted at a wedding") that says nothing of now.
    fn is_long_past(&self, words: &[&str]) -> bool {
        let (past, recent) = self.lang.time_markers();
        let has = |phrase: &str| {
            let phrase: Vec<&str> = phrase.split(' ').collect();
            words.windows(phrase.len()).any(|w| w == phrase.as_slice())
        };
        past.iter().any(|p| has(p)) && !recent.iter().any(|r| has(r))
    }

    /// A question that starts like a general question and says nothing about a real person now.
    fn is_general_question(&self, words: &[&str]) -> bool {
        let Some(first) = words.first() else {
            return false;
        };
        // "can't breathe" folds to "can", "t": a negated opener starts a statement, not a question.
        let negated = words.get(1).is_some_and(|w| self.lang.negations().contains(w));
        let opens_question = self.lang.question_openers().contains(first) && !negated;
        let personal = words.iter().any(|w| self.lang.personal_markers().contains(w));
        opens_question && !personal
    }
}

#[derive(Clone, Copy)]
enum Reading {
    Concepts,
    Parts,
    PartsAlone,
}

/// A word inside a multi-word term as it reads on its own: its concept when it names one by itself, else its
/// stem.
fn read_alone(analyzer: &Analyzer, analysis: &Analysis, part: &crate::text::Token) -> String {
    let Some(word) = analysis.words.get(part.position) else { return part.term.clone() };
    let alone = analyzer.analyze(word);
    let mut own = alone.content().filter(|t| t.kind != TermKind::Broader);
    match (own.next(), own.next()) {
        (Some(t), None) => t.term.clone(),
        _ => part.term.clone(),
    }
}

/// Whether every phrase term occurs among the message's content terms within a short span of words: the
/// narrowest span that holds them all, wherever a word the message repeats stands ("I keep vomiting and can't
/// keep water down").
fn within_window(phrase: &[String], content: &[(&str, usize)]) -> bool {
    let window = phrase.len() + WINDOW_SLACK;
    // The narrowest span starts at one of the phrase's words; from each start, every term's nearest place at
    // or after it.
    phrase.iter().flat_map(|term| places(term, content)).any(|start| {
        phrase
            .iter()
            .try_fold(start, |end, term| places(term, content).filter(|&p| p >= start).min().map(|p| end.max(p)))
            .is_some_and(|end| end - start < window)
    })
}

/// Where a term stands among the message's content terms.
fn places<'a>(term: &'a str, content: &'a [(&str, usize)]) -> impl Iterator<Item = usize> + 'a {
    content.iter().filter(move |(t, _)| *t == term).map(|&(_, p)| p)
}
