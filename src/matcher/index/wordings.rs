//! The word sequences of every phrasing, for the word-order signal, kept per entry: the entry's distinct words
//! once, then each phrasing's words as places in that list. An entry's phrasings share most of their words,
//! so a word is stored once per entry rather than once per phrasing, and a place takes one byte where a term
//! id takes two or three.

use super::PackedIds;
use crate::packed;
use crate::text::TermId;
use serde::{Deserialize, Serialize};
use std::ops::{ControlFlow, Range};

/// Every entry's block, one after the other (`bytes[starts[e]..starts[e + 1]]`). A block is the number of
/// distinct words and how many bytes they take (packed), the words sorted (as the gaps between them, packed),
/// then every word of every phrasing in order as its place among them: one byte each, or two or four in an
/// entry with more than 256 or 65,536 distinct words. Where one phrasing ends and the next begins is its word
/// count, which the units keep.
#[derive(PartialEq, Serialize, Deserialize)]
pub(super) struct Wordings {
    // Written as bytes; read back byte by byte rather than through the reader's scratch buffer, which would
    // grow to the largest list and stay with the allocator.
    #[serde(serialize_with = "serde_bytes::serialize", deserialize_with = "crate::exact::vec")]
    bytes: Vec<u8>,
    #[serde(deserialize_with = "crate::exact::vec")]
    starts: Vec<u32>,
}

/// One entry's block, opened.
pub(super) struct EntryWords<'a> {
    /// How many distinct words the entry has.
    pub count: usize,
    /// The distinct words, sorted, as packed gaps.
    words: &'a [u8],
    /// Every phrasing's words as places, `width` bytes each, little-endian.
    places: &'a [u8],
    width: usize,
}

impl Wordings {
    /// The sequences regrouped by entry: `sequences` holds one list per unit, and the entries are those whose
    /// units are `entry_units[k]..entry_units[k + 1]` (a run of an index's entries: its slice of the starts).
    pub fn from_units(sequences: &PackedIds, entry_units: &[u32]) -> Wordings {
        let mut out = Wordings { bytes: Vec::new(), starts: vec![0] };
        let mut words: Vec<TermId> = Vec::new();
        let mut gaps: Vec<u8> = Vec::new();
        for pair in entry_units.windows(2) {
            let units = pair[0] as usize..pair[1] as usize;
            words.clear();
            for u in units.clone() {
                words.extend(sequences.list(u));
            }
            let all = words.len();
            words.sort_unstable();
            words.dedup();
            gaps.clear();
            let mut last = 0;
            for &w in &words {
                packed::push(&mut gaps, w - std::mem::replace(&mut last, w));
            }
            packed::push(&mut out.bytes, words.len() as u32);
            packed::push(&mut out.bytes, gaps.len() as u32);
            out.bytes.extend_from_slice(&gaps);
            let width = width(words.len());
            out.bytes.reserve(all * width);
            for u in units {
                for t in sequences.list(u) {
                    let place = words.binary_search(&t).expect("every word of the entry is listed") as u32;
                    out.bytes.extend_from_slice(&place.to_le_bytes()[..width]);
                }
            }
            out.starts.push(u32::try_from(out.bytes.len()).expect("word sequences stay below 4 GB"));
        }
        out.bytes.shrink_to_fit();
        out.starts.shrink_to_fit();
        out
    }

    /// Adds `other`'s entries after these.
    pub fn append(&mut self, other: Wordings) {
        super::append_lists((&mut self.bytes, &mut self.starts), (other.bytes, &other.starts));
    }

    /// Entry `e`'s block, opened.
    pub fn entry(&self, e: usize) -> EntryWords<'_> {
        let block = &self.bytes[self.starts[e] as usize..self.starts[e + 1] as usize];
        let mut header = packed::unpack(block).map(|n| n as usize);
        let (count, size) = (header.next().unwrap_or(0), header.next().unwrap_or(0));
        let (_, rest) = block.split_at(packed::len_of(block, 2));
        let (words, places) = rest.split_at(size);
        EntryWords { count, words, places, width: width(count) }
    }

    /// Every word of every entry (each once per entry).
    pub fn all(&self) -> impl Iterator<Item = TermId> + '_ {
        (0..self.starts.len() - 1).flat_map(|e| self.entry(e).words())
    }
}

impl<'a> EntryWords<'a> {
    /// The entry's distinct words, sorted: a place is an index into them.
    pub fn words(&self) -> impl Iterator<Item = TermId> + use<'a> {
        packed::unpack(self.words).scan(0, |word, gap| {
            *word += gap;
            Some(*word)
        })
    }

    /// Calls `f` with each of the entry's distinct words, sorted, until it breaks: the same words as `words`,
    /// as a plain loop that hot paths can afford.
    pub fn for_each_word(&self, mut f: impl FnMut(TermId) -> ControlFlow<()>) {
        let mut word = 0;
        packed::for_each(self.words, |gap| {
            word += gap;
            f(word)
        });
    }

    /// Calls `f` with `code[place]` of each of the words `words` of the entry's phrasings (all in order, one
    /// after another). `code` has a code for every place, and at least 256.
    /// Inlined where it is called, for every phrasing a question is compared with: the wider places go out of
    /// line, so the common case costs no call.
    #[inline(always)]
    pub fn for_each_code(&self, words: Range<usize>, code: &[u8], mut f: impl FnMut(u8)) {
        match self.width {
            // The common case as a plain loop over bytes, which no place can overrun.
            1 => {
                let code: &[u8; 256] = code[..256].try_into().expect("a code for every one-byte place");
                self.places[words].iter().for_each(|&p| f(code[usize::from(p)]));
            }
            _ => self.for_each_wide_code(words, code, f),
        }
    }

    /// `for_each_code` in an entry with more than 256 distinct words.
    #[cold]
    #[inline(never)]
    fn for_each_wide_code(&self, words: Range<usize>, code: &[u8], mut f: impl FnMut(u8)) {
        words.for_each(|i| f(code[self.place(i)]));
    }

    /// How many of the words `words` have a code other than 0 (as `for_each_code` reads them).
    #[inline(always)]
    pub fn known_words(&self, words: Range<usize>, code: &[u8]) -> usize {
        let mut known = 0;
        self.for_each_code(words, code, |c| known += usize::from(c != 0));
        known
    }

    /// The `i`-th word of the entry's phrasings, all in order one after another, as its place.
    pub fn place(&self, i: usize) -> usize {
        match self.width {
            1 => usize::from(self.places[i]),
            w => {
                let mut le = [0u8; 4];
                le[..w].copy_from_slice(&self.places[i * w..(i + 1) * w]);
                u32::from_le_bytes(le) as usize
            }
        }
    }
}

/// How many bytes a place takes among `count` words.
fn width(count: usize) -> usize {
    match count {
        0..=0x100 => 1,
        0x101..=0x1_0000 => 2,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Each entry's phrasings come back word for word, and as codes, whatever the width of its places; the
        /// entries regrouped in two halves and appended are the same as regrouped at once.
        #[test]
        fn phrasings_come_back_as_they_went_in(
            entries in proptest::collection::vec(
                proptest::collection::vec(proptest::collection::vec(0u32..70_000, 0..8), 0..5), 0..5),
            wide in 0usize..3,
        ) {
            // A few entries with many distinct words, so that places of two and four bytes are tried too.
            let mut entries = entries;
            if let Some(first) = entries.first_mut() {
                let many = [0, 300, 70_000][wide];
                first.push((0..many as u32).map(|k| k * 3 + 1).collect());
            }
            let mut sequences = PackedIds::default();
            let mut entry_units = vec![0u32];
            for phrasings in &entries {
                for p in phrasings {
                    sequences.push(p.iter().copied());
                }
                entry_units.push(entry_units.last().unwrap() + phrasings.len() as u32);
            }
            let wordings = Wordings::from_units(&sequences, &entry_units);
            for (e, phrasings) in entries.iter().enumerate() {
                let block = wordings.entry(e);
                let words: Vec<TermId> = block.words().collect();
                prop_assert_eq!(words.len(), block.count);
                let mut each = Vec::new();
                block.for_each_word(|w| {
                    each.push(w);
                    ControlFlow::Continue(())
                });
                prop_assert_eq!(&each, &words);
                // Codes for every place (at least 256, as callers give), some of them 0.
                let code: Vec<u8> = (0..block.count.max(256)).map(|p| (p % 7) as u8).collect();
                let mut i = 0;
                for p in phrasings {
                    let back: Vec<TermId> = (0..p.len()).map(|k| words[block.place(i + k)]).collect();
                    prop_assert_eq!(&back, p);
                    let coded: Vec<u8> = p.iter().map(|w| code[words.binary_search(w).unwrap()]).collect();
                    let mut each = Vec::new();
                    block.for_each_code(i..i + p.len(), &code, |c| each.push(c));
                    prop_assert_eq!(&each, &coded);
                    let known = coded.iter().filter(|&&c| c != 0).count();
                    prop_assert_eq!(block.known_words(i..i + p.len(), &code), known);
                    i += p.len();
                }
            }
            let half = entries.len() / 2;
            let mut joined = Wordings::from_units(&sequences, &entry_units[..=half]);
            joined.append(Wordings::from_units(&sequences, &entry_units[half..]));
            prop_assert!(joined == wordings);
        }
    }
}
