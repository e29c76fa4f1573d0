//! An entry's answer text: plain while the corpus is read and checked, deflated in blocks once an engine has
//! indexed it.

use crate::parallel;
use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

/// Answers are most of a large FAQ's memory (at 100,000 entries, 84 of the engine's 339 MB), and once the index
/// is built only a reply reads one: the engine keeps them deflated, in blocks of neighbouring answers, and a
/// reply inflates its answer's block. The bot keeps the answers people ask for rendered, so that is paid once
/// per answer in use, not once per reply.
#[derive(Clone)]
pub struct Answer(pub(super) Form);

#[derive(Clone)]
pub(super) enum Form {
    Plain(Box<str>),
    /// Bytes `start..start + len` of the inflated block.
    Packed {
        block: Arc<[u8]>,
        start: u32,
        len: u32,
    },
}

/// Text per block, at most (a longer answer has a block of its own). Measured on the shipped answers with
/// deflate's fastest level: one answer a block packs 1.8 times smaller, 8 KB blocks 2.3 times, 16 KB 2.4 times;
/// a reply that inflates a block inflates it all, so the gain past 8 KB is not worth the time.
const BLOCK: usize = 8 * 1024;

/// Deflate's fastest level: within a few per cent of the best on these texts, and packing runs at every load.
const LEVEL: u8 = 1;

impl Answer {
    /// The text, inflated if it is packed.
    pub fn text(&self) -> Cow<'_, str> {
        match &self.0 {
            Form::Plain(text) => Cow::Borrowed(text),
            Form::Packed { block, start, len } => {
                let raw = miniz_oxide::inflate::decompress_to_vec(block).expect("`pack` deflated this block");
                let range = *start as usize..(*start + *len) as usize;
                // Cut from a string at a character boundary, so always UTF-8: the lossy form just spares a second
                // panic path.
                Cow::Owned(String::from_utf8_lossy(raw.get(range).unwrap_or_default()).into_owned())
            }
        }
    }

    /// The text, if it is not packed.
    fn plain(&self) -> Option<&str> {
        match &self.0 {
            Form::Plain(text) => Some(text),
            Form::Packed { .. } => None,
        }
    }
}

/// Deflates the answers in blocks of neighbouring ones (answers already packed are left as they are). The
/// blocks are deflated side by side, then copied into blocks of their exact size by the caller's thread: a
/// block sized while it was written may sit in a larger allocation, and blocks left by threads that have ended
/// would pin down their pages.
pub fn pack<'a>(answers: impl IntoIterator<Item = &'a mut Answer>) {
    let mut answers: Vec<&mut Answer> = answers.into_iter().filter(|a| a.plain().is_some()).collect();
    let texts: Vec<&str> = answers.iter().filter_map(|a| a.plain()).collect();
    let mut blocks: Vec<Range<usize>> = Vec::new();
    let mut size = 0;
    for (i, text) in texts.iter().enumerate() {
        let len = text.len();
        match blocks.last_mut() {
            Some(block) if size + len <= BLOCK => block.end = i + 1,
            _ => {
                blocks.push(i..i + 1);
                size = 0;
            }
        }
        size += len;
    }
    let runs = parallel::runs(blocks.len(), parallel::threads());
    let deflated: Vec<Vec<u8>> = parallel::map(runs, |run| {
        blocks[run]
            .iter()
            .map(|b| miniz_oxide::deflate::compress_to_vec(texts[b.clone()].concat().as_bytes(), LEVEL))
            .collect::<Vec<_>>()
    })
    .concat();
    let lens: Vec<usize> = texts.iter().map(|t| t.len()).collect();
    for (range, deflated) in blocks.into_iter().zip(deflated) {
        let block: Arc<[u8]> = Arc::from(&deflated[..]);
        let mut start = 0;
        for (answer, len) in answers[range.clone()].iter_mut().zip(&lens[range]) {
            let len = u32::try_from(*len).expect("an answer is far shorter than 4 GB");
            answer.0 = Form::Packed { block: block.clone(), start, len };
            start += len;
        }
    }
}

impl From<&str> for Answer {
    fn from(text: &str) -> Answer {
        Answer(Form::Plain(text.into()))
    }
}

impl fmt::Debug for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.text(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Every answer reads back as it was, whatever the blocks it was packed in, and packing twice changes
        /// nothing.
        #[test]
        fn packing_keeps_every_text(texts in proptest::collection::vec("\\PC{0,3000}", 0..12)) {
            let mut answers: Vec<Answer> = texts.iter().map(|t| Answer::from(t.as_str())).collect();
            pack(&mut answers);
            pack(&mut answers);
            for (answer, text) in answers.iter().zip(&texts) {
                let packed = matches!(answer.0, Form::Packed { .. });
                prop_assert!(packed, "every answer is packed");
                prop_assert_eq!(answer.text(), text.as_str());
            }
        }
    }

    /// The shipped answers, packed, take less than half their size, in blocks of several answers each.
    #[test]
    fn packed_answers_take_less_than_half_the_room() {
        let loaded = crate::corpus::load(std::path::Path::new("faq")).expect("the shipped FAQ loads");
        let mut answers: Vec<Answer> = loaded.corpus.parts[0].entries.iter().map(|e| e.answer.clone()).collect();
        let plain: usize = answers.iter().map(|a| a.text().len()).sum();
        pack(&mut answers);
        let mut blocks: Vec<&Arc<[u8]>> = Vec::new();
        for answer in &answers {
            let Form::Packed { block, .. } = &answer.0 else { panic!("every answer is packed") };
            if !blocks.iter().any(|b| Arc::ptr_eq(b, block)) {
                blocks.push(block);
            }
        }
        let packed: usize = blocks.iter().map(|b| b.len()).sum();
        assert!(packed * 2 < plain, "{packed} bytes packed from {plain}");
        assert!(blocks.len() * 4 < answers.len(), "{} blocks for {} answers", blocks.len(), answers.len());
    }
}
