//! An entry's alternate phrasings (or keywords) packed into two buffers: a large FAQ has millions of them, and
//! the phrasings of one entry share most of their words, so each distinct word is kept once per entry and
//! each phrasing as a list of word numbers.

use crate::packed;
use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// A list of texts, read back by position exactly as given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phrasings {
    /// The distinct words (what lies between spaces, punctuation included), each followed by a space.
    words: Box<str>,
    /// Per text: the numbers of its words (from 1, see `packed`), then a 0.
    #[serde(with = "serde_bytes")]
    codes: Box<[u8]>,
    len: u32,
}

impl Phrasings {
    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Lets the texts go, keeping their count: once indexed, only `--explain` reads them back, and at 100,000
    /// entries they are about 110 MB.
    pub fn forget_texts(&mut self) {
        self.words = Box::default();
        self.codes = Box::default();
    }

    pub fn get(&self, i: usize) -> Option<Cow<'_, str>> {
        self.iter().nth(i)
    }

    /// The distinct pieces of the texts (what lies between spaces), in the order they are first used.
    pub fn pieces(&self) -> impl Iterator<Item = &str> {
        // Every piece ends with a space: the one after the last ends no piece.
        self.words.split_terminator(' ')
    }

    /// Each text in turn, as the numbers of its pieces in `pieces` order (from 0).
    pub fn each_text(&self, mut f: impl FnMut(&[usize])) {
        let mut text = Vec::new();
        for code in packed::unpack(&self.codes) {
            match code {
                0 => {
                    f(&text);
                    text.clear();
                }
                piece => text.push(piece as usize - 1),
            }
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = Cow<'_, str>> + '_ {
        let words: Vec<&str> = self.pieces().collect();
        let mut codes = packed::unpack(&self.codes);
        std::iter::from_fn(move || {
            let first = words[codes.next()? as usize - 1];
            let mut text = Cow::Borrowed(first);
            for code in codes.by_ref().take_while(|&c| c != 0) {
                let text = text.to_mut();
                text.push(' ');
                text.push_str(words[code as usize - 1]);
            }
            Some(text)
        })
    }
}

impl<S: AsRef<str>> FromIterator<S> for Phrasings {
    fn from_iter<I: IntoIterator<Item = S>>(texts: I) -> Self {
        let texts: Vec<S> = texts.into_iter().collect();
        // An entry's phrasings share most of their words: a few distinct ones per text is room enough to fill the
        // table without growing it again and again (a 100,000-entry FAQ builds one per entry).
        let mut numbers: HashMap<&str, u32> = HashMap::with_capacity_and_hasher(texts.len() * 4, Default::default());
        let mut words = String::new();
        let mut codes = Vec::new();
        for text in &texts {
            for word in text.as_ref().split(' ') {
                let next = numbers.len() as u32 + 1;
                let number = *numbers.entry(word).or_insert_with(|| {
                    words.push_str(word);
                    words.push(' ');
                    next
                });
                packed::push(&mut codes, number);
            }
            codes.push(0);
        }
        let len = u32::try_from(texts.len()).expect("an entry has at most `MAX_PHRASINGS` phrasings");
        Phrasings { words: words.into_boxed_str(), codes: codes.into_boxed_slice(), len }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_come_back_as_given() {
        let texts = ["what is io", "", "  what  is", "é, ü and 🙂 ", "io", "what is io"];
        let phrasings: Phrasings = texts.iter().collect();
        assert_eq!(phrasings.len(), texts.len());
        assert_eq!(phrasings.iter().collect::<Vec<_>>(), texts);
        assert_eq!(phrasings.get(3).as_deref(), Some("é, ü and 🙂 "));
        assert_eq!(phrasings.get(6), None);
        assert!(Phrasings::default().is_empty());
        assert_eq!(Phrasings::default().iter().count(), 0);
    }
}
