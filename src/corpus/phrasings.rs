//! An entry's alternate phrasings (or keywords) kept as one text: a large FAQ has millions of them, and one
//! allocation per entry instead of one per phrasing saves most of what they cost in memory.

use std::ops::Index;

/// A list of texts in one buffer, read back by position.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Phrasings {
    text: Box<str>,
    /// Where each text ends in `text`.
    ends: Box<[u32]>,
}

impl Phrasings {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        Some(&self.text[start..end])
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &str> + ExactSizeIterator + Clone {
        (0..self.len()).map(|i| &self[i])
    }
}

impl Index<usize> for Phrasings {
    type Output = str;

    fn index(&self, i: usize) -> &str {
        self.get(i).unwrap_or_else(|| panic!("phrasing {i} of {}", self.len()))
    }
}

impl<S: AsRef<str>> FromIterator<S> for Phrasings {
    fn from_iter<I: IntoIterator<Item = S>>(texts: I) -> Self {
        let mut text = String::new();
        let mut ends = Vec::new();
        for t in texts {
            text.push_str(t.as_ref());
            let end = u32::try_from(text.len()).expect("an entry's phrasings stay far below 4 GB");
            ends.push(end);
        }
        Phrasings { text: text.into_boxed_str(), ends: ends.into_boxed_slice() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_come_back_as_given() {
        let texts = ["what is io", "", "é, ü and 🙂", "last"];
        let phrasings: Phrasings = texts.iter().collect();
        assert_eq!(phrasings.len(), 4);
        assert_eq!(phrasings.iter().collect::<Vec<_>>(), texts);
        assert_eq!(&phrasings[2], "é, ü and 🙂");
        assert_eq!(phrasings.get(4), None);
        assert!(Phrasings::default().is_empty());
    }
}
