//! Typo correction towards the corpus vocabulary: a symmetric-delete index (as in SymSpell) finds candidates in
//! a few look-ups, and strsim's optimal string alignment distance confirms them. How far a word may be
//! rewritten grows with its length, so short words are never turned into other words on spelling alone: a
//! one-edit reading that involves a short word is offered flagged, for `correct.rs` to take only when the words
//! around it agree, using the pairs of neighbouring words the corpus has.
//!
//! Vocabulary words are indexed with their deletions up to the distance their length allows (one for short
//! words), and so are query words, which finds every edit within that distance. Each word is also
//! indexed by its consonant skeleton ("permanent" → "prmnnt"), which catches the double vowel slips that
//! patients make most ("perminant", "diarhea") and the delete index misses.

use hashbrown::HashTable;
use rustc_hash::{FxBuildHasher, FxHasher};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::hash::{BuildHasher, Hash, Hasher};

/// Saved with an engine once `finish` has run: what is only used while words are added is left out, and the
/// dictionary is the language's, which the analyzer gives back (`with_dictionary`).
#[derive(Serialize, Deserialize)]
pub struct Speller {
    min_len: usize,
    #[serde(skip)]
    dictionary: Option<&'static rustc_hash::FxHashSet<&'static str>>,
    /// While words are added: word → how often the corpus uses it (ties go to the more common word); `finish`
    /// moves them, with `stems`, into `vocabulary`.
    #[serde(skip)]
    words: HashMap<String, u32>,
    #[serde(skip)]
    stems: HashSet<String>,
    /// Every word and stem, once each, read once `finish` has run; its first `listed` strings are the words
    /// the delete index numbers, sorted.
    vocabulary: Vocabulary,
    listed: u32,
    /// Per string that is a word the corpus uses: the string that is its stem (`remember_words`), or `NO_STEM`
    /// when the vocabulary does not hold it. The words of a message are mostly corpus words, and one look-up
    /// then tells both that the word is known and its stem.
    #[serde(deserialize_with = "crate::exact::vec")]
    word_stems: Vec<u32>,
    /// Per deletion variant, sorted by its hash then word, in four bytes: the hash's low bits (its top
    /// `bucket_bits` are its bucket's) above the word's index, which takes at most `bucket_bits` bits. A large
    /// corpus has millions of variants, and four bytes each instead of eight is half; the whole hash is kept,
    /// so the look-ups find exactly the words eight bytes would.
    #[serde(deserialize_with = "crate::exact::vec")]
    deletes: Vec<u32>,
    /// `deletes` index where each value of the hash's top `bucket_bits` bits starts: a look-up is then a short
    /// scan instead of a binary search over millions of variants.
    #[serde(deserialize_with = "crate::exact::vec")]
    buckets: Vec<u32>,
    /// At least `BUCKET_BITS`, and as many as the words' indices need: more words, more (and smaller) buckets.
    bucket_bits: u32,
    /// The words long enough for three edits, which the delete index leaves out (it would grow tenfold): few
    /// enough to be all looked at, with cheap bounds first.
    #[serde(deserialize_with = "crate::exact::vec")]
    long: Vec<LongWord>,
    /// Neighbouring words the corpus uses (hashed pair of stems → how often), to read a slip in its context;
    /// `finish` packs them into `packed_pairs`.
    #[serde(skip)]
    pairs: HashMap<u64, u32>,
    /// The pairs' `pair_key`s with their count (up to 255): a large corpus has millions of pairs, and six bytes
    /// each is far less than the map spends on a slot.
    packed_pairs: PackedPairs,
}

impl Speller {
    pub fn new(min_len: usize) -> Self {
        Speller {
            min_len,
            dictionary: None,
            words: HashMap::default(),
            stems: HashSet::default(),
            vocabulary: Vocabulary::default(),
            listed: 0,
            word_stems: Vec::new(),
            deletes: Vec::new(),
            bucket_bits: BUCKET_BITS,
            buckets: Vec::new(),
            long: Vec::new(),
            pairs: HashMap::default(),
            packed_pairs: PackedPairs::default(),
        }
    }

    /// Real words of the language that are never corrected, even when the corpus does not use them.
    pub fn with_dictionary(mut self, dictionary: &'static rustc_hash::FxHashSet<&'static str>) -> Self {
        self.dictionary = Some(dictionary);
        self
    }

    pub fn add(&mut self, word: &str, stem: &str) {
        self.add_times(word, stem, 1);
    }

    /// Adds a word the corpus uses `times` times (the count breaks ties between corrections).
    pub fn add_times(&mut self, word: &str, stem: &str, times: u32) {
        match self.words.get_mut(word) {
            Some(n) => *n += times,
            None => {
                self.words.insert(word.to_string(), times);
            }
        }
        if !self.stems.contains(stem) {
            self.stems.insert(stem.to_string());
        }
    }

    /// Starts from pairs of neighbouring words already counted (`pair_key` of their stems → how often), taken
    /// as they are: a large corpus has millions, not worth copying.
    pub fn with_pairs(mut self, pairs: HashMap<u64, u32>) -> Self {
        self.pairs = pairs;
        self
    }

    /// Adds a pair of neighbouring words (`pair_key` of their stems) that the corpus uses `times` times.
    pub fn add_pair(&mut self, key: u64, times: u32) {
        *self.pairs.entry(key).or_default() += times;
    }

    /// How often the corpus has these two words (as stems) side by side, in this order (up to 255).
    pub fn pair(&self, first: &str, second: &str) -> u32 {
        self.packed_pairs.count(pair_key(first, second))
    }

    /// How often the corpus uses this word.
    pub fn frequency(&self, word: &str) -> u32 {
        self.vocabulary.find(word).map_or(0, |i| self.vocabulary.counts[i as usize])
    }

    /// Builds the delete index once all words are in.
    pub fn finish(&mut self) {
        let words = std::mem::take(&mut self.words);
        let mut stems = std::mem::take(&mut self.stems);
        let mut listed: Vec<(String, u32, u8)> = Vec::new();
        let mut rest: Vec<(String, u32, u8)> = Vec::new();
        for (word, count) in words {
            let flags = WORD | if stems.remove(&word) { STEM } else { 0 };
            if word.chars().count() >= SHORTEST { &mut listed } else { &mut rest }.push((word, count, flags));
        }
        rest.extend(stems.into_iter().map(|stem| (stem, 0, STEM)));
        listed.sort_unstable();
        rest.sort_unstable();
        self.listed = listed.len() as u32;
        listed.extend(rest);
        self.vocabulary = Vocabulary::new(&listed);
        drop(listed);
        // Each word has at most this many variants: reserved at once, the list needs no room to grow.
        let most: usize = (0..self.listed)
            .map(|i| {
                let len = self.vocabulary.get(i).chars().count();
                let one = 1 + len + 1;
                if max_distance(len, self.min_len).clamp(1, INDEXED_DISTANCE) == 2 { one + len * len / 2 } else { one }
            })
            .sum();
        let mut deletes = Vec::with_capacity(most);
        let mut hashes = Vec::new();
        self.long.clear();
        for i in 0..self.listed {
            let word = self.vocabulary.get(i);
            let len = word.chars().count();
            if len >= LONG_WORD {
                let letters = letter_counts(word);
                self.long.push(LongWord { id: i, len: len as u32, present: present(&letters), letters });
            }
            // Short words are indexed one edit deep for `nearby(.., true)`; `correction` never offers them.
            deletion_hashes(word, max_distance(len, self.min_len).clamp(1, INDEXED_DISTANCE), &mut hashes);
            hashes.push(hash(&skeleton(word)));
            // (hash, word) packed in one integer, which sorts in the same order as the pair and about twice as fast.
            deletes.extend(hashes.iter().map(|&h| u64::from(h) << 32 | u64::from(i)));
        }
        self.long.shrink_to_fit();
        deletes.sort_unstable();
        deletes.dedup();
        let word_bits = u32::BITS - self.listed.saturating_sub(1).leading_zeros();
        assert!(word_bits < u32::BITS, "fewer than 2^31 words");
        self.bucket_bits = word_bits.max(BUCKET_BITS);
        let mut buckets = vec![0u32; (1 << self.bucket_bits) + 1];
        for &d in &deletes {
            buckets[self.bucket((d >> 32) as u32) + 1] += 1;
        }
        for b in 1..buckets.len() {
            buckets[b] += buckets[b - 1];
        }
        self.deletes = deletes.iter().map(|&d| self.low((d >> 32) as u32) << self.bucket_bits | d as u32).collect();
        let mut packed: Vec<u64> =
            self.pairs.drain().map(|(k, n)| (k & !PAIR_COUNT) | u64::from(n).min(PAIR_COUNT)).collect();
        packed.sort_unstable();
        self.packed_pairs = PackedPairs::new(&packed);
        self.pairs = HashMap::default();
        self.buckets = buckets;
    }

    /// The words indexed under a deletion-variant hash.
    fn under(&self, h: u32) -> impl Iterator<Item = u32> + '_ {
        let b = self.bucket(h);
        let bucket = &self.deletes[self.buckets[b] as usize..self.buckets[b + 1] as usize];
        let (low, shift) = (self.low(h), self.bucket_bits);
        let start = bucket.partition_point(|&d| d >> shift < low);
        let word = (1 << shift) - 1;
        bucket[start..].iter().take_while(move |&&d| d >> shift == low).map(move |&d| d & word)
    }

    /// A hash's bucket: its top `bucket_bits` bits.
    fn bucket(&self, h: u32) -> usize {
        (h >> (u32::BITS - self.bucket_bits)) as usize
    }

    /// The rest of a hash, below its bucket's bits.
    fn low(&self, h: u32) -> u32 {
        h & (u32::MAX >> self.bucket_bits)
    }

    /// A word is known when the corpus has it, or has another form of it ("tumours" when it has "tumour").
    pub fn knows(&self, word: &str, stem: &str) -> bool {
        self.uses(word) || self.knows_unused(word, stem)
    }

    /// `knows` of a word the corpus does not use as written.
    pub fn knows_unused(&self, word: &str, stem: &str) -> bool {
        self.knows_form(stem)
            || word.chars().any(|c| c.is_numeric())
            || self.dictionary.is_some_and(|d| d.contains(word))
    }

    /// Once `finish` has run: remembers, for `stem_of` and `is_stop_word`, the stem of each word the corpus
    /// uses, which of them are stop words, and which strings may start a lexicon term.
    pub fn remember_words(
        &mut self,
        stem: impl Fn(&str) -> String,
        is_stop_word: impl Fn(&str) -> bool,
        starts_term: impl Fn(&str) -> bool,
    ) {
        let vocabulary = &mut self.vocabulary;
        let count = vocabulary.counts.len() as u32;
        for i in 0..count {
            let s = string(&vocabulary.text, &vocabulary.starts, i);
            let flags = &mut vocabulary.flags[i as usize];
            if *flags & WORD != 0 && is_stop_word(s) {
                *flags |= STOP;
            }
            if starts_term(s) {
                *flags |= STARTS_TERM;
            }
        }
        self.word_stems = (0..count)
            .map(|i| match vocabulary.flags[i as usize] & WORD {
                0 => NO_STEM,
                _ => vocabulary.find(&stem(vocabulary.get(i))).unwrap_or(NO_STEM),
            })
            .collect();
    }

    /// The stem `remember_words` kept for the word the corpus uses with this number (`word_id`), and whether a
    /// lexicon term may start with it.
    pub fn stem_of(&self, id: u32) -> Option<(&str, bool)> {
        let stem = *self.word_stems.get(id as usize).filter(|&&s| s != NO_STEM)?;
        Some((self.vocabulary.get(stem), self.vocabulary.flags[stem as usize] & STARTS_TERM != 0))
    }

    /// Whether the word the corpus uses with this number is a stop word, once `remember_words` has run.
    pub fn is_stop_word(&self, id: u32) -> bool {
        self.vocabulary.flags[id as usize] & STOP != 0
    }

    /// Whether the corpus itself uses this word, as written.
    pub fn uses(&self, word: &str) -> bool {
        self.word_id(word).is_some()
    }

    /// The number of a word the corpus uses, as written: a message's words are looked up once, and what is known
    /// of each found again by its number.
    pub fn word_id(&self, word: &str) -> Option<u32> {
        self.vocabulary.find(word).filter(|&i| self.vocabulary.flags[i as usize] & WORD != 0)
    }

    /// Whether the corpus uses some form of the word with this stem.
    pub fn knows_form(&self, stem: &str) -> bool {
        self.vocabulary.is(stem, STEM)
    }

    /// The corpus word this one most likely misspells, if any is close enough.
    pub fn correct(&self, word: &str) -> Option<&str> {
        self.correction(word).map(|(w, _)| w)
    }

    /// The corpus word this one most likely misspells, with how many edits away it is.
    pub fn correction<'a>(&'a self, word: &str) -> Option<(&'a str, usize)> {
        self.best(&self.nearby(word))
    }

    /// `correction` among words already found `nearby`.
    pub fn best<'a>(&self, nearby: &[Near<'a>]) -> Option<(&'a str, usize)> {
        nearby
            .iter()
            .filter(|n| !n.needs_context)
            .min_by_key(|n| (n.distance, std::cmp::Reverse(self.frequency(n.word)), n.word))
            .map(|n| (n.word, n.distance))
    }

    /// Every corpus word this one may misspell: within as many edits as both words' lengths allow, or one edit
    /// when either is shorter than that, which only the words around it can make safe ("sde effects", "hsow
    /// long"; but "flu" is not "fly").
    pub fn nearby<'a>(&'a self, word: &str) -> Vec<Near<'a>> {
        let len = word.chars().count();
        let limit = max_distance(len, self.min_len).max(usize::from(len >= SHORTEST));
        let mut found = Vec::new();
        if limit == 0 {
            return found;
        }
        let consider = |id: u32, found: &mut Vec<Near<'a>>| {
            let candidate = self.vocabulary.get(id);
            let candidate_len = candidate.chars().count();
            // Each edit changes the length by one at most: a cheap bound before the real distance.
            if candidate_len.abs_diff(len) > limit {
                return;
            }
            let Some(distance) = osa_within(word, candidate, limit) else {
                return;
            };
            // Both words must allow the distance: a long typo must not land on a short word.
            let allowed = max_distance(len, self.min_len).min(max_distance(candidate_len, self.min_len));
            if distance != 0 && (distance <= allowed || distance == 1) {
                found.push(Near { word: candidate, distance, needs_context: distance > allowed });
            }
        };
        let mut keys = Vec::new();
        deletion_hashes(word, limit.min(INDEXED_DISTANCE), &mut keys);
        keys.push(hash(&skeleton(word)));
        // Each word once, in any order: who wins among them is decided by distance, frequency and the words.
        let mut ids: Vec<u32> = Vec::with_capacity(4 * keys.len());
        keys.iter().for_each(|&h| ids.extend(self.under(h)));
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            consider(id, &mut found);
        }
        // Three edits only when nothing nearer was found.
        if limit > INDEXED_DISTANCE && found.is_empty() {
            let letters = letter_counts(word);
            let mine = present(&letters);
            for other in &self.long {
                // Each edit changes the letter counts by two at most: a cheap bound before the real distance.
                // A letter bucket one word has and the other lacks is one count apart at least, so the
                // presence bits bound it more cheaply still.
                if (other.len as usize).abs_diff(len) > limit
                    || (mine ^ other.present).count_ones() as usize > 2 * limit
                {
                    continue;
                }
                let apart: usize = letters.iter().zip(&other.letters).map(|(a, b)| a.abs_diff(*b) as usize).sum();
                if apart <= 2 * limit {
                    consider(other.id, &mut found);
                }
            }
        }
        found
    }
}

/// A corpus word near a typed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Near<'a> {
    pub word: &'a str,
    pub distance: usize,
    /// One edit where either word is too short for it: only to be taken when the context says so.
    pub needs_context: bool,
}

pub fn pair_key(first: &str, second: &str) -> u64 {
    let mut h = FxHasher::default();
    first.hash(&mut h);
    second.hash(&mut h);
    h.finish()
}

/// The first letter, then the consonants with doubles collapsed: spelling slips rarely touch these.
fn skeleton(word: &str) -> String {
    // A control character keeps skeleton keys apart from deletion keys.
    let mut out = String::from('\u{1}');
    let mut chars = word.chars();
    if let Some(first) = chars.next() {
        out.push(first);
    }
    for c in chars {
        if !matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y') && !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}

/// strsim's `osa_distance` when it is at most `limit`, else `None`. Nearly every word is plain ASCII and short,
/// so those are compared by bytes in rows on the stack, given up once two rows in a row are past the limit (no
/// later row can come back under it); most candidates are.
fn osa_within(a: &str, b: &str, limit: usize) -> Option<usize> {
    const MOST: usize = 64;
    if !(a.is_ascii() && b.is_ascii() && a.len() < MOST && b.len() < MOST) {
        return Some(strsim::osa_distance(a, b)).filter(|&d| d <= limit);
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    // Row `r` of the distances (between the first `r` bytes of `a` and each prefix of `b`) is kept in
    // `rows[r % 3]`, beside the two before it.
    let mut rows = [[0u8; MOST]; 3];
    for (j, d) in rows[0].iter_mut().enumerate().take(b.len() + 1) {
        *d = j as u8;
    }
    let [r0, r1, r2] = &mut rows;
    let mut before_min = 0;
    for (i, &x) in a.iter().enumerate() {
        let (two, prev, curr): (&[u8; MOST], &[u8; MOST], &mut [u8; MOST]) = match i % 3 {
            0 => (r2, r0, r1),
            1 => (r0, r1, r2),
            _ => (r1, r2, r0),
        };
        curr[0] = (i + 1) as u8;
        let mut row_min = curr[0];
        for (j, &y) in b.iter().enumerate() {
            let mut d = (curr[j] + 1).min(prev[j + 1] + 1).min(prev[j] + u8::from(x != y));
            if i > 0 && j > 0 && x != y && x == b[j - 1] && y == a[i - 1] {
                d = d.min(two[j - 1] + 1);
            }
            curr[j + 1] = d;
            row_min = row_min.min(d);
        }
        if usize::from(row_min) > limit && usize::from(before_min) > limit {
            return None;
        }
        before_min = row_min;
    }
    Some(usize::from(rows[a.len() % 3][b.len()])).filter(|&d| d <= limit)
}

/// A word long enough for three edits, with what bounds its distance from another cheaply.
#[derive(Serialize, Deserialize)]
struct LongWord {
    id: u32,
    /// In characters.
    len: u32,
    letters: [u8; 32],
    /// Which of `letters` are not zero, one bit each.
    present: u32,
}

fn present(letters: &[u8; 32]) -> u32 {
    letters.iter().enumerate().fold(0, |bits, (k, &n)| bits | (u32::from(n > 0) << k))
}

/// How often each letter occurs (letters folded into 32 buckets, which only loosens the bound it serves).
fn letter_counts(word: &str) -> [u8; 32] {
    let mut counts = [0u8; 32];
    for c in word.chars() {
        let slot = &mut counts[c as usize % 32];
        *slot = slot.saturating_add(1);
    }
    counts
}

/// 32-bit hashes keep the index small; a collision only adds a candidate that the distance check then rejects.
fn hash(s: &str) -> u32 {
    hash_bytes(s.as_bytes())
}

/// `hash` of a string's bytes, as `str`'s `Hash` feeds them to the hasher (then a 0xFF byte), so that variants
/// built as bytes need not be made strings.
fn hash_bytes(bytes: &[u8]) -> u32 {
    let mut h = FxHasher::default();
    h.write(bytes);
    h.write_u8(0xFF);
    (h.finish() >> 32) as u32
}

/// The fewest bucket bits the delete index uses.
const BUCKET_BITS: u32 = 16;

/// Edits allowed for a word of this many characters on spelling alone: none below 4 (a short word needs its
/// context, see `Speller::nearby`), one for 4, two from 5, three from `LONG_WORD`. Chosen with
/// `eval tests/eval/dev.jsonl --typos 2` over eight seeds: two edits from 5 letters recover 0.5 points over two
/// from 6, and three from 10 letters another 0.5 (drop 3.7 → 3.2 points at the time), with no change on the
/// clean dev and held-out figures; 9, 11 or 12 letters did no better. Long drug and disease names are the words
/// patients misspell most, often more than twice ("psuedoprogresion", "immunomodulaters" with a slip more),
/// and a long word three edits from a corpus word is far more often a slip of it than another word.
fn max_distance(len: usize, min_len: usize) -> usize {
    match len {
        l if l < min_len => 0,
        l if l < 5 => 1,
        l if l < LONG_WORD => 2,
        _ => 3,
    }
}

/// Strings, each held once in one buffer and found by a table of their numbers: a large corpus has a hundred
/// thousand words and as many stems, and a map keyed by strings spends an allocation and a 24-byte header on
/// each, three times over (words, stems, the sorted list).
#[derive(Default)]
struct Vocabulary {
    text: String,
    /// String `i` is `text[starts[i]..starts[i + 1]]`.
    starts: Vec<u32>,
    /// Per string: how often the corpus uses it as a word.
    counts: Vec<u32>,
    /// Per string: `WORD`, `STEM` or both.
    flags: Vec<u8>,
    /// The strings' numbers, by the `FxBuildHasher` hash of their text.
    table: HashTable<u32>,
}

/// The string is a word the corpus uses.
const WORD: u8 = 1;
/// The string is a stop word (`Speller::remember_words`).
const STOP: u8 = 4;
/// Some lexicon term starts with the string, as a stem (`Speller::remember_words`).
const STARTS_TERM: u8 = 8;
/// In `Speller::word_stems`: no string of the vocabulary is this word's stem.
const NO_STEM: u32 = u32::MAX;
/// The string is the stem of a word the corpus uses.
const STEM: u8 = 2;

impl Vocabulary {
    /// From distinct strings, each with its count and flags, numbered in the order given.
    fn new(strings: &[(String, u32, u8)]) -> Vocabulary {
        let bytes = strings.iter().map(|(s, _, _)| s.len()).sum();
        let mut text = String::with_capacity(bytes);
        let mut starts = Vec::with_capacity(strings.len() + 1);
        let mut counts = Vec::with_capacity(strings.len());
        let mut flags = Vec::with_capacity(strings.len());
        starts.push(0);
        for (s, count, flag) in strings {
            text.push_str(s);
            starts.push(u32::try_from(text.len()).expect("the vocabulary stays below 4 GB"));
            counts.push(*count);
            flags.push(*flag);
        }
        let table = Vocabulary::table(&text, &starts);
        Vocabulary { text, starts, counts, flags, table }
    }

    fn get(&self, i: u32) -> &str {
        string(&self.text, &self.starts, i)
    }

    /// The table of the strings' numbers, which is not saved: a look-up finds the number by the string's hash.
    fn table(text: &str, starts: &[u32]) -> HashTable<u32> {
        let count = starts.len().saturating_sub(1) as u32;
        let mut table = HashTable::with_capacity(count as usize);
        for i in 0..count {
            let rehash = |&j: &u32| FxBuildHasher.hash_one(string(text, starts, j));
            table.insert_unique(FxBuildHasher.hash_one(string(text, starts, i)), i, rehash);
        }
        table
    }

    fn find(&self, s: &str) -> Option<u32> {
        self.table.find(FxBuildHasher.hash_one(s), |&i| self.get(i) == s).copied()
    }

    /// Whether the string is held with this flag (`WORD` or `STEM`).
    fn is(&self, s: &str, flag: u8) -> bool {
        self.find(s).is_some_and(|i| self.flags[i as usize] & flag != 0)
    }
}

/// Saved as its strings and lists; the table is built again when it is read back.
impl Serialize for Vocabulary {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (&self.text, &self.starts, &self.counts, serde_bytes::Bytes::new(&self.flags)).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Vocabulary {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Lists {
            text: String,
            #[serde(deserialize_with = "crate::exact::vec")]
            starts: Vec<u32>,
            #[serde(deserialize_with = "crate::exact::vec")]
            counts: Vec<u32>,
            flags: serde_bytes::ByteBuf,
        }
        let Lists { text, starts, counts, flags } = Lists::deserialize(d)?;
        let table = Vocabulary::table(&text, &starts);
        Ok(Vocabulary { text, starts, counts, flags: flags.into_vec(), table })
    }
}

fn string<'a>(text: &'a str, starts: &[u32], i: u32) -> &'a str {
    &text[starts[i as usize] as usize..starts[i as usize + 1] as usize]
}

/// Packed pairs (`Speller::packed_pairs`) in six bytes each instead of eight: their top 16 bits are their
/// bucket's, as in the delete index, and the rest is kept in two lists. A look-up is a short search in one
/// bucket.
#[derive(Default, Serialize, Deserialize)]
struct PackedPairs {
    /// Where each value of the top 16 bits starts in `high` and `low`.
    #[serde(deserialize_with = "crate::exact::vec")]
    buckets: Vec<u32>,
    /// Bits 16 to 47.
    #[serde(deserialize_with = "crate::exact::vec")]
    high: Vec<u32>,
    /// Bits 0 to 15: the key's lowest kept byte, then the count.
    #[serde(deserialize_with = "crate::exact::vec")]
    low: Vec<u16>,
}

impl PackedPairs {
    /// From sorted packed pairs.
    fn new(packed: &[u64]) -> PackedPairs {
        let mut buckets = vec![0u32; (1 << 16) + 1];
        for &p in packed {
            buckets[(p >> 48) as usize + 1] += 1;
        }
        for b in 1..buckets.len() {
            buckets[b] += buckets[b - 1];
        }
        let high = packed.iter().map(|&p| (p >> 16) as u32).collect();
        let low = packed.iter().map(|&p| p as u16).collect();
        PackedPairs { buckets, high, low }
    }

    /// The count of the first pair, in sorted order, whose key matches `key`'s bits above `PAIR_COUNT`; 0 for none.
    fn count(&self, key: u64) -> u32 {
        let Some(range) = self.buckets.get((key >> 48) as usize..(key >> 48) as usize + 2) else {
            return 0;
        };
        let (start, end) = (range[0] as usize, range[1] as usize);
        let (high, low) = ((key >> 16) as u32, (key as u16) >> 8);
        let at = start + self.high[start..end].partition_point(|&h| h < high);
        (at..end)
            .take_while(|&i| self.high[i] == high)
            .map(|i| self.low[i])
            .find(|&l| l >> 8 >= low)
            .filter(|&l| l >> 8 == low)
            .map_or(0, |l| u32::from(l & PAIR_COUNT as u16))
    }
}

/// The low byte of a packed pair: its count.
const PAIR_COUNT: u64 = 0xFF;
/// Shorter words are not worth correcting towards: one letter is no evidence.
const SHORTEST: usize = 2;
/// Words from this length may be three edits off.
const LONG_WORD: usize = 10;
/// The delete index holds variants up to this many edits; farther ones are found by comparing long words.
const INDEXED_DISTANCE: usize = 2;

/// The hashes of every string made by deleting up to `distance` (at most 2) characters, the word itself
/// included, into `out` (cleared first, deduplicated).
fn deletion_hashes(word: &str, distance: usize, out: &mut Vec<u32>) {
    out.clear();
    if word.is_ascii() && word.len() <= MOST_ASCII {
        ascii_deletion_hashes(word.as_bytes(), distance, out);
        out.sort_unstable();
        out.dedup();
        return;
    }
    // Each variant is the word's text with one or two characters cut out, copied as up to three slices.
    let bounds: Vec<(usize, usize)> = word.char_indices().map(|(i, c)| (i, i + c.len_utf8())).collect();
    let mut variant = String::with_capacity(word.len());
    let mut push = |cuts: &[(usize, usize)], out: &mut Vec<u32>| {
        variant.clear();
        let mut from = 0;
        for &(start, end) in cuts {
            variant.push_str(&word[from..start]);
            from = end;
        }
        variant.push_str(&word[from..]);
        out.push(hash(&variant));
    };
    push(&[], out);
    for (i, &first) in bounds.iter().enumerate() {
        if distance >= 1 {
            push(&[first], out);
        }
        if distance >= 2 {
            for &second in &bounds[i + 1..] {
                push(&[first, second], out);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
}

/// The longest plain ASCII word whose deletion variants are built on the stack.
const MOST_ASCII: usize = 64;

/// `deletion_hashes` of a plain ASCII word, not yet sorted: nearly every word is one, and each variant is made
/// from the one before by writing one byte, where cutting and copying slices costs several calls each.
fn ascii_deletion_hashes(word: &[u8], distance: usize, out: &mut Vec<u32>) {
    let n = word.len();
    out.push(hash_bytes(word));
    if distance == 0 || n == 0 {
        return;
    }
    // `one` is the word without byte `i`, for `i` from the last down: from one to the next, only byte `i`
    // changes. `two` is likewise `one` without each of its bytes from `i` on (the word without `i` and a later one).
    let mut one = [0u8; MOST_ASCII];
    let mut two = [0u8; MOST_ASCII];
    let m = n - 1;
    one[..m].copy_from_slice(&word[..m]);
    for i in (0..n).rev() {
        if i < m {
            one[i] = word[i + 1];
        }
        out.push(hash_bytes(&one[..m]));
        if distance >= 2 && i < m {
            two[..m - 1].copy_from_slice(&one[..m - 1]);
            for k in (i..m).rev() {
                if k < m - 1 {
                    two[k] = one[k + 1];
                }
                out.push(hash_bytes(&two[..m - 1]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Cutting slices out of the text gives the variants that dropping characters one by one gives.
        #[test]
        fn deletion_variants_are_the_word_less_up_to_two_characters(
            word in "\\PC{0,12}|[a-c']{0,12}",
            distance in 0usize..3,
        ) {
            let chars: Vec<char> = word.chars().collect();
            let without = |skip: &[usize]| -> String {
                chars.iter().enumerate().filter(|(k, _)| !skip.contains(k)).map(|(_, c)| *c).collect()
            };
            let mut fx = FxHasher::default();
            word.hash(&mut fx);
            prop_assert_eq!(hash(&word), (fx.finish() >> 32) as u32, "the hash of a str, fed as bytes");
            let mut expected = vec![hash(&word)];
            for i in 0..chars.len() {
                if distance >= 1 {
                    expected.push(hash(&without(&[i])));
                }
                if distance >= 2 {
                    expected.extend((i + 1..chars.len()).map(|j| hash(&without(&[i, j]))));
                }
            }
            expected.sort_unstable();
            expected.dedup();
            let mut found = Vec::new();
            deletion_hashes(&word, distance, &mut found);
            prop_assert_eq!(found, expected);
        }

        /// The distance over bytes agrees with strsim's wherever it is within the limit, and is given up
        /// only beyond it (few letters, so that words are near each other as slips are).
        #[test]
        fn distance_within_a_limit_is_strsims(a in "[abc\\-é]{0,12}", b in "[abc\\-]{0,12}", limit in 0usize..5) {
            let expected = Some(strsim::osa_distance(&a, &b)).filter(|&d| d <= limit);
            prop_assert_eq!(osa_within(&a, &b, limit), expected);
            let (a, b) = (a.replace('é', "e"), b);
            let expected = Some(strsim::osa_distance(&a, &b)).filter(|&d| d <= limit);
            prop_assert_eq!(osa_within(&a, &b, limit), expected);
        }

        /// Split into buckets and two lists, the pairs answer as a binary search over the sorted packed keys
        /// does, including keys that differ only in the byte the count takes.
        #[test]
        fn packed_pairs_answer_as_the_sorted_keys_do(
            keys in proptest::collection::vec((0u64..4, 0u64..4, 0u64..4, 0u64..4, 1u32..300), 0..40),
            probes in proptest::collection::vec((0u64..4, 0u64..4, 0u64..4, 0u64..4), 0..40),
        ) {
            // Few distinct values in each part of the key, so that keys share buckets and upper bits.
            let key = |(a, b, c, d): (u64, u64, u64, u64)| a << 62 | b << 40 | c << 16 | d << 7;
            let mut packed: Vec<u64> = keys
                .iter()
                .map(|&(a, b, c, d, n)| (key((a, b, c, d)) & !PAIR_COUNT) | u64::from(n).min(PAIR_COUNT))
                .collect();
            packed.sort_unstable();
            let pairs = PackedPairs::new(&packed);
            for &probe in &probes {
                let k = key(probe) & !PAIR_COUNT;
                let at = packed.partition_point(|p| p & !PAIR_COUNT < k);
                let expected = packed.get(at).filter(|p| *p & !PAIR_COUNT == k).map_or(0, |p| (p & PAIR_COUNT) as u32);
                prop_assert_eq!(pairs.count(key(probe)), expected);
            }
        }
    }

    fn speller(words: &[&str]) -> Speller {
        let mut s = Speller::new(4);
        for w in words {
            s.add(w, w);
        }
        s.finish();
        s
    }

    #[test]
    fn common_misspellings_find_their_word() {
        let s = speller(&["diarrhea", "immunotherapy", "pembrolizumab", "effects", "nausea"]);
        assert_eq!(s.correct("diarhea"), Some("diarrhea"));
        assert_eq!(s.correct("immunotheraphy"), Some("immunotherapy"));
        assert_eq!(s.correct("pembrolizamab"), Some("pembrolizumab"));
        assert_eq!(s.correct("efects"), Some("effects"));
        assert_eq!(s.correct("nausia"), Some("nausea"));
    }

    /// With more words than 16 bits can number, the delete index takes more bucket bits and fewer stored hash
    /// bits per variant: a slip must still find its word, and every other word as near.
    #[test]
    fn a_vocabulary_past_sixteen_bits_still_finds_every_word() {
        let letters = |mut i: usize| -> String {
            (0..5)
                .map(|_| {
                    let c = char::from(b'a' + (i % 26) as u8);
                    i /= 26;
                    c
                })
                .collect()
        };
        let words: Vec<String> = (0..70_000).map(|i| format!("w{}", letters(i * 7919 % 11_881_376))).collect();
        let s = speller(&words.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(s.bucket_bits > 16, "{} bucket bits", s.bucket_bits);
        for word in words.iter().step_by(4999) {
            // The second letter dropped: one edit from this word, and checked against every word.
            let slip: String = word.chars().enumerate().filter(|&(k, _)| k != 1).map(|(_, c)| c).collect();
            let found: Vec<&str> = s.nearby(&slip).iter().map(|n| n.word).collect();
            assert!(found.contains(&word.as_str()), "{slip} finds {found:?}, not {word}");
            let near: Vec<&str> =
                words.iter().map(String::as_str).filter(|w| strsim::osa_distance(&slip, w) == 1).collect();
            assert!(near.iter().all(|w| found.contains(w)), "{slip}: {found:?} misses some of {near:?}");
        }
    }

    #[test]
    fn two_vowel_slips_in_a_long_word_are_fixed() {
        let s = speller(&["permanent", "pseudoprogression"]);
        assert_eq!(s.correct("perminant"), Some("permanent"));
        assert_eq!(s.correct("psuedoprogression"), Some("pseudoprogression"));
    }

    #[test]
    fn short_words_are_never_rewritten() {
        let s = speller(&["fly", "flu", "pain"]);
        assert_eq!(s.correct("fle"), None);
        assert_eq!(s.correct("pd"), None);
    }

    #[test]
    fn a_far_word_is_left_alone() {
        let s = speller(&["weather", "treatment"]);
        assert_eq!(s.correct("football"), None);
    }

    #[test]
    fn a_short_reading_is_offered_only_as_one_that_needs_context() {
        let s = speller(&["car", "side", "effects"]);
        assert_eq!(s.correct("cr"), None);
        assert!(s.nearby("cr").contains(&Near { word: "car", distance: 1, needs_context: true }));
        assert!(s.nearby("sde").contains(&Near { word: "side", distance: 1, needs_context: true }));
    }

    #[test]
    fn only_long_words_may_be_three_edits_off() {
        let s = speller(&["pseudoprogression", "treatment"]);
        assert_eq!(s.correct("psuedoprgresion"), Some("pseudoprogression"));
        assert_eq!(s.correct("trxatmxnx"), None);
    }

    #[test]
    fn transpositions_count_as_one_edit() {
        let s = speller(&["hair"]);
        assert_eq!(s.correct("hiar"), Some("hair"));
    }
}
