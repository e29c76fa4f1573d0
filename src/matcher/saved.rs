//! The built engine saved to a file and read back: a restart on FAQ files that have not changed skips reading,
//! checking and indexing them, which takes seconds on a large FAQ. The file is keyed by everything the engine
//! depends on (this very program and every file under the FAQ folder), so it is only ever read back by the
//! program that wrote it, for the files it was built from; anything else is rebuilt, and a file that cannot be
//! written (a full disk, a read-only folder) costs the next start its time, never the service.

use super::Engine;
use crate::corpus::{self, Problem};
use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;
use xxhash_rust::xxh3::Xxh3Default as Xxh3;

/// The file's first bytes, then the key (16 bytes) and the checksum of the rest (8 bytes), little-endian, then
/// the engine and the corpus's warnings (postcard).
const MAGIC: &[u8; 16] = b"immunofaq-index\n";
const HEADER: usize = MAGIC.len() + 24;

/// An engine ready to serve, with the warnings its corpus was loaded with.
pub struct Ready {
    pub engine: Engine,
    pub warnings: Vec<Problem>,
    /// Read back from the saved index rather than built.
    pub from_saved: bool,
}

/// The engine for the FAQ folder `faq`: read from `saved` when that holds the engine of these very files,
/// else loaded, validated and built (then saved there for next time). On a broken corpus, every problem.
pub fn engine(faq: &Path, saved: Option<&Path>) -> Result<Ready, Vec<Problem>> {
    let Some(saved) = saved else { return build(faq) };
    let started = Instant::now();
    let key = match key(faq, saved) {
        Ok(key) => key,
        Err(e) => {
            log::warn!("cannot read {} to look for a saved index ({e}); building it", faq.display());
            return build(faq);
        }
    };
    match read(saved, key) {
        Ok((engine, warnings)) => {
            log::info!("FAQ index read from {} in {:.2?}", saved.display(), started.elapsed());
            return Ok(Ready { engine, warnings, from_saved: true });
        }
        Err(why) => log::info!("FAQ index not read from {} ({why}); building it", saved.display()),
    }
    let ready = build(faq)?;
    // Files changed while they were read would leave an index that is not theirs under their old key.
    match self::key(faq, saved) {
        Ok(now) if now == key => {
            let started = Instant::now();
            match write(saved, key, &ready) {
                Ok(()) => log::info!("FAQ index saved to {} in {:.2?}", saved.display(), started.elapsed()),
                Err(e) => {
                    log::warn!("cannot save the FAQ index to {} ({e}); the next start builds it again", saved.display())
                }
            }
        }
        Ok(_) => log::info!("FAQ files changed while being read; the index is not saved"),
        Err(e) => log::warn!("cannot read {} again to save its index ({e}); it is not saved", faq.display()),
    }
    Ok(ready)
}

/// Saves an engine built from the FAQ folder `faq`, keyed by its files as they are now.
pub fn save(faq: &Path, saved: &Path, ready: &Ready) -> io::Result<()> {
    write(saved, key(faq, saved)?, ready)
}

fn build(faq: &Path) -> Result<Ready, Vec<Problem>> {
    let loaded = corpus::load(faq)?;
    Ok(Ready { engine: Engine::new(loaded.corpus), warnings: loaded.warnings, from_saved: false })
}

/// A hash of this program and of every file under the FAQ folder (names and contents, in name order), but
/// the saved index itself and its temporary files, should they be kept there. XXH3: at 100,000 entries that
/// is 350 MB to hash at every start, which SipHash takes a third of a second over.
fn key(faq: &Path, saved: &Path) -> io::Result<u128> {
    let mut hasher = Xxh3::new();
    hasher.update(&program_hash()?.to_le_bytes());
    hash_tree(faq, saved.as_os_str().as_encoded_bytes(), &mut hasher)?;
    Ok(hasher.digest128())
}

/// The running program's hash, read once: every start and reload keys with it, twice when it builds.
fn program_hash() -> io::Result<u128> {
    static PROGRAM: OnceLock<u128> = OnceLock::new();
    if let Some(&hash) = PROGRAM.get() {
        return Ok(hash);
    }
    // On Linux, the program running even when an upgrade has replaced its file since.
    let program = fs::read("/proc/self/exe").or_else(|_| fs::read(std::env::current_exe()?))?;
    Ok(*PROGRAM.get_or_init(|| xxhash_rust::xxh3::xxh3_128(&program)))
}

fn hash_tree(dir: &Path, saved: &[u8], hasher: &mut Xxh3) -> io::Result<()> {
    let mut items: Vec<PathBuf> = fs::read_dir(dir)?.map(|i| i.map(|i| i.path())).collect::<io::Result<_>>()?;
    items.sort();
    for path in items.into_iter().filter(|p| !p.as_os_str().as_encoded_bytes().starts_with(saved)) {
        let name = path.file_name().unwrap_or_default().as_encoded_bytes();
        hasher.update(&name.len().to_le_bytes());
        hasher.update(name);
        if path.is_dir() {
            hasher.update(b"/");
            hash_tree(&path, saved, hasher)?;
        } else {
            let bytes = fs::read(&path)?;
            hasher.update(&bytes.len().to_le_bytes());
            hasher.update(&bytes);
        }
    }
    hasher.update(b".");
    Ok(())
}

/// The saved engine, if the file is whole and has this key; else why not.
fn read(path: &Path, key: u128) -> Result<(Engine, Vec<Problem>), String> {
    let mut file = File::open(path).map_err(|e| e.to_string())?;
    let mut header = [0u8; HEADER];
    file.read_exact(&mut header).map_err(|_| "not a saved index".to_string())?;
    let (magic, numbers) = header.split_at(MAGIC.len());
    if magic != MAGIC {
        return Err("not a saved index".into());
    }
    let (saved_key, checksum) = numbers.split_at(16);
    if saved_key != key.to_le_bytes() {
        return Err("saved by another program or for other files".into());
    }
    // The whole file is checked before any of it is decoded, so that decoding only ever sees what this program
    // wrote; then it is read again as it is decoded, rather than held whole (at 100,000 entries, 206 MB that
    // the allocator would keep after the start until it is busy again).
    let mut hasher = Xxh3::new();
    let mut chunk = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut chunk).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        hasher.update(&chunk[..n]);
        size += n as u64;
    }
    if hasher.digest().to_le_bytes() != checksum {
        return Err("the file is damaged".into());
    }
    file.seek(SeekFrom::Start(HEADER as u64)).map_err(|e| e.to_string())?;
    let stream = Stream { file, buffer: chunk, at: 0, end: 0, left: size, scratch: Vec::new() };
    let mut decoder = postcard::Deserializer::from_flavor(stream);
    let saved = serde::Deserialize::deserialize(&mut decoder).map_err(|e| format!("the file is damaged: {e}"))?;
    match decoder.finalize() {
        Ok(0) => Ok(saved),
        _ => Err("the file has bytes past the index".into()),
    }
}

/// The body of a saved index as the decoder reads it, straight from the file through a buffer of its own (most
/// of what it decodes is numbers of a byte or two, read one byte at a time). Everything it decodes is owned, so
/// a text or a byte list is gathered in one scratch buffer and copied out (never more than the file has left).
struct Stream {
    file: File,
    /// Bytes `at..end` are read from the file and not yet decoded.
    buffer: Vec<u8>,
    at: usize,
    end: usize,
    /// Bytes of the file not yet read into the buffer.
    left: u64,
    scratch: Vec<u8>,
}

impl Stream {
    #[cold]
    fn refill(&mut self) -> postcard::Result<()> {
        let want = self.left.min(self.buffer.len() as u64) as usize;
        if want == 0 {
            return Err(postcard::Error::DeserializeUnexpectedEnd);
        }
        self.file.read_exact(&mut self.buffer[..want]).map_err(|_| postcard::Error::DeserializeUnexpectedEnd)?;
        (self.at, self.end) = (0, want);
        self.left -= want as u64;
        Ok(())
    }
}

impl<'de> postcard::de_flavors::Flavor<'de> for Stream {
    /// The bytes left undecoded.
    type Remainder = u64;
    type Source = ();

    // Called for every byte of every number: inlined into the decoder's loops, a start on 100,000 entries took
    // 0.7–0.9 s instead of 1.4–1.5 s.
    #[inline]
    fn pop(&mut self) -> postcard::Result<u8> {
        if self.at == self.end {
            self.refill()?;
        }
        self.at += 1;
        Ok(self.buffer[self.at - 1])
    }

    /// Nothing saved is borrowed from the file.
    fn try_take_n(&mut self, _: usize) -> postcard::Result<&'de [u8]> {
        Err(postcard::Error::DeserializeBadEncoding)
    }

    fn try_take_n_temp<'a>(&'a mut self, count: usize) -> postcard::Result<&'a [u8]>
    where
        'de: 'a,
    {
        if count as u64 > (self.end - self.at) as u64 + self.left {
            return Err(postcard::Error::DeserializeUnexpectedEnd);
        }
        if self.scratch.len() < count {
            self.scratch.resize(count, 0);
        }
        let mut filled = 0;
        while filled < count {
            if self.at == self.end {
                self.refill()?;
            }
            let n = (self.end - self.at).min(count - filled);
            self.scratch[filled..filled + n].copy_from_slice(&self.buffer[self.at..self.at + n]);
            (self.at, filled) = (self.at + n, filled + n);
        }
        Ok(&self.scratch[..count])
    }

    fn finalize(self) -> postcard::Result<u64> {
        Ok((self.end - self.at) as u64 + self.left)
    }
}

/// Writes beside `path` and renames into place, so that a reader never sees half a file.
fn write(path: &Path, key: u128, ready: &Ready) -> io::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".{}.tmp", std::process::id()));
    let temporary = PathBuf::from(temporary);
    let written = write_to(&temporary, key, ready).and_then(|()| fs::rename(&temporary, path));
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

fn write_to(path: &Path, key: u128, ready: &Ready) -> io::Result<()> {
    let mut file = File::create(path)?;
    file.write_all(MAGIC)?;
    file.write_all(&key.to_le_bytes())?;
    // The checksum goes in once the body is written.
    file.write_all(&[0; 8])?;
    let mut hashing = Hashing { inner: BufWriter::with_capacity(1 << 20, file), hasher: Xxh3::new(), failed: None };
    let saved = (&ready.engine, &ready.warnings);
    // The writer's own error (a full disk) says more than the encoder's word for it.
    if let Err(e) = postcard::to_io(&saved, &mut hashing) {
        return Err(hashing.failed.take().unwrap_or_else(|| io::Error::other(e.to_string())));
    }
    let Hashing { inner, hasher, .. } = hashing;
    let checksum = hasher.digest();
    let mut file = inner.into_inner().map_err(|e| e.into_error())?;
    file.seek(SeekFrom::Start(HEADER as u64 - 8))?;
    file.write_all(&checksum.to_le_bytes())?;
    file.sync_all()
}

/// A writer that hashes what passes through it, and keeps the error it failed with.
struct Hashing<W> {
    inner: W,
    hasher: Xxh3,
    failed: Option<io::Error>,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match self.inner.write(bytes) {
            Ok(n) => {
                self.hasher.update(&bytes[..n]);
                Ok(n)
            }
            Err(e) => {
                let kept = io::Error::new(e.kind(), e.to_string());
                self.failed = Some(e);
                Err(kept)
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// Every question of the dev and held-out sets, as `match` would read them.
    fn questions() -> Vec<String> {
        ["tests/eval/dev.jsonl", "tests/eval/holdout.jsonl"]
            .iter()
            .flat_map(|f| {
                fs::read_to_string(f)
                    .expect("the eval sets are shipped")
                    .lines()
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .map(|l| serde_json::from_str::<serde_json::Value>(&l).expect("json")["q"].as_str().unwrap().to_string())
            .collect()
    }

    /// A copy of the shipped FAQ that a test may change.
    fn faq_copy() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("en")).unwrap();
        for file in fs::read_dir("faq/en").unwrap() {
            let file = file.unwrap().path();
            fs::copy(&file, dir.path().join("en").join(file.file_name().unwrap())).unwrap();
        }
        dir
    }

    /// A copy of the shipped FAQ with an index saved for it: (the FAQ, the folder the index is in, the index).
    fn faq_with_saved_index() -> (tempfile::TempDir, tempfile::TempDir, PathBuf) {
        let faq = faq_copy();
        let state = tempfile::tempdir().unwrap();
        let saved = state.path().join("faq.index");
        assert!(!ready(faq.path(), &saved).from_saved);
        (faq, state, saved)
    }

    /// Replaces the first `from` in the side-effects file of the FAQ copy.
    fn edit(faq: &Path, from: &str, to: &str) {
        let file = faq.join("en/side-effects.toml");
        let text = fs::read_to_string(&file).unwrap();
        fs::write(&file, text.replacen(from, to, 1)).unwrap();
    }

    fn ready(faq: &Path, saved: &Path) -> Ready {
        engine(faq, Some(saved)).expect("the FAQ loads")
    }

    /// The engine read back is the one that was built: the same index and corpus, the same shared sources and
    /// answer blocks, and the same match for every question.
    #[test]
    fn a_saved_engine_is_the_built_one() {
        let state = tempfile::tempdir().unwrap();
        let saved = state.path().join("faq.index");
        let built = ready(Path::new("faq"), &saved);
        assert!(!built.from_saved && saved.exists(), "the first run builds and saves");
        let read = ready(Path::new("faq"), &saved);
        assert!(read.from_saved, "the second run reads the saved index");
        let (a, b) = (&built.engine, &read.engine);
        assert!(a.langs.len() == b.langs.len() && a.langs.iter().zip(&b.langs).all(|(x, y)| x.index == y.index));
        let (x, y) = (&a.corpus.parts[0], &b.corpus.parts[0]);
        assert_eq!(format!("{:?}", x), format!("{:?}", y));
        for id in ["what-is-immunotherapy", "hair-loss", "diarrhea-colitis"] {
            assert_eq!(x.entry_index(id), y.entry_index(id), "{id}");
        }
        // Entries that cite the same page share it again, as they did when built.
        // (sources cited, distinct pages held)
        let held = |part: &crate::corpus::LanguageCorpus| {
            let cited: Vec<*const crate::corpus::Source> =
                part.entries.iter().flat_map(|e| e.sources.iter().map(Arc::as_ptr)).collect();
            (cited.len(), cited.iter().collect::<std::collections::HashSet<_>>().len())
        };
        assert!(held(x).1 < held(x).0 && held(x) == held(y), "{:?} / {:?}", held(x), held(y));
        for q in questions() {
            assert_eq!(format!("{:?}", a.ask(&q)), format!("{:?}", b.ask(&q)), "{q}");
        }
        assert_eq!(built.warnings, read.warnings);
    }

    /// Anything that is not the index of these files by this program is rebuilt, and the rebuilt engine is
    /// served: a changed file, a damaged or cut index, a file that is no index at all.
    #[test]
    fn a_changed_faq_or_a_damaged_index_is_rebuilt() {
        let (faq, _state, saved) = faq_with_saved_index();
        let changed = |r: &Ready| {
            r.engine.corpus().parts[0].entries.iter().any(|e| e.answer.text().starts_with("Changed-marker."))
        };
        edit(faq.path(), "answer = \"\"\"\n", "answer = \"\"\"\nChanged-marker. ");
        let first = ready(faq.path(), &saved);
        assert!(!first.from_saved && changed(&first));
        let again = ready(faq.path(), &saved);
        assert!(again.from_saved && changed(&again), "saved anew");

        let whole = fs::read(&saved).unwrap();
        let mut flipped = whole.clone();
        let middle = flipped.len() / 2;
        flipped[middle] ^= 0x20;
        for damaged in [flipped, whole[..whole.len() - 1000].to_vec(), b"not an index".to_vec(), Vec::new()] {
            fs::write(&saved, &damaged).unwrap();
            let rebuilt = ready(faq.path(), &saved);
            assert!(!rebuilt.from_saved && changed(&rebuilt));
            assert!(ready(faq.path(), &saved).from_saved, "written again");
        }
    }

    /// A saved index never stands in for a broken corpus: the problems are reported as without one.
    #[test]
    fn a_broken_faq_is_refused_even_with_a_saved_index() {
        let (faq, _state, saved) = faq_with_saved_index();
        edit(faq.path(), "alternates = [", "alternatives = [");
        let problems = engine(faq.path(), Some(&saved)).err().expect("the broken FAQ is refused");
        assert!(problems.iter().any(|p| p.message.contains("alternatives")), "{problems:?}");
    }

    /// An index that cannot be written costs the next start its time, not this one its engine.
    #[test]
    fn an_index_that_cannot_be_written_leaves_the_engine_served() {
        let state = tempfile::tempdir().unwrap();
        let saved = state.path().join("no-such-folder/faq.index");
        let ready = ready(Path::new("faq"), &saved);
        assert!(!ready.from_saved && ready.engine.corpus().entry_count() > 0);
        assert!(!saved.exists());
        assert_eq!(fs::read_dir(state.path()).unwrap().count(), 0, "no temporary file is left behind");
    }

    /// Kept inside the FAQ folder, the index is not part of its own key, so it is read back.
    #[test]
    fn an_index_kept_in_the_faq_folder_is_still_read_back() {
        let faq = faq_copy();
        let saved = faq.path().join("faq.index");
        assert!(!ready(faq.path(), &saved).from_saved);
        assert!(ready(faq.path(), &saved).from_saved);
    }
}
