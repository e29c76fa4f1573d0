//! Reads `faq/<lang>/*.toml` into a `Corpus` and checks it as a whole: every problem is reported at once,
//! and any error means the corpus is not served.

use super::problem::{Problem, Severity};
use super::toml_read::{Reader, Value, get};
use super::{Concept, Corpus, Entry, Group, LanguageCorpus, Origin, Scope, Sign, Source, Warnings};
use crate::text::{Analyzer, BulkReader, Language, TermId};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::fs;
use std::hash::BuildHasher;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::de::{DeTable, DeValue};

pub const LEXICON_FILE: &str = "lexicon.toml";
pub const WARNINGS_FILE: &str = "warnings.toml";
const ENTRY_FIELDS: &[&str] = &["id", "question", "alternates", "keywords", "answer", "sources", "related", "reviewed"];
const SOURCE_FIELDS: &[&str] = &["title", "url"];
const GROUP_FIELDS: &[&str] = &["title", "order", "entry"];
const CONCEPT_FIELDS: &[&str] = &["id", "terms", "broader", "scope"];
const SIGN_FIELDS: &[&str] = &["id", "label", "phrases", "symptoms", "qualifiers", "message"];
const WARNINGS_FIELDS: &[&str] = &["urgent_message", "sign"];
const LEXICON_FIELDS: &[&str] = &["concept"];

/// A corpus that passed validation, with the warnings that did not stop it.
#[derive(Debug)]
pub struct Loaded {
    pub corpus: Corpus,
    pub warnings: Vec<Problem>,
}

/// Loads and validates the whole FAQ directory. On failure, returns every problem found (errors first).
pub fn load(dir: &Path) -> Result<Loaded, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut parts = Vec::new();
    match language_dirs(dir) {
        Ok(dirs) if dirs.is_empty() => problems.push(dir_problem(
            dir,
            "no language folder found: put the FAQ files in a folder per language, e.g. faq/en/*.toml".into(),
        )),
        Ok(dirs) => {
            for (lang_dir, lang) in dirs {
                match lang {
                    Some(lang) => parts.push(load_language(&lang_dir, lang, &mut problems)),
                    None => problems.push(dir_problem(
                        &lang_dir,
                        format!(
                            "`{}` is not a supported language folder (supported: {})",
                            lang_dir.file_name().unwrap_or_default().to_string_lossy(),
                            Language::ALL.iter().map(|l| l.code()).collect::<Vec<_>>().join(", ")
                        ),
                    )),
                }
            }
        }
        Err(message) => problems.push(dir_problem(dir, message)),
    }
    problems.sort_by(|a, b| (a.severity, &a.file, a.line).cmp(&(b.severity, &b.file, b.line)));
    if problems.iter().any(|p| p.severity == Severity::Error) {
        return Err(problems);
    }
    Ok(Loaded { corpus: Corpus { parts }, warnings: problems })
}

fn dir_problem(path: &Path, message: String) -> Problem {
    Problem { severity: Severity::Error, file: path.to_path_buf(), line: 0, column: 0, item: None, message }
}

fn language_dirs(dir: &Path) -> Result<Vec<(PathBuf, Option<Language>)>, String> {
    let read = fs::read_dir(dir).map_err(|e| format!("cannot read the FAQ folder: {e}"))?;
    let mut dirs = Vec::new();
    for item in read {
        let item = item.map_err(|e| format!("cannot read the FAQ folder: {e}"))?;
        let path = item.path();
        let name = item.file_name().to_string_lossy().into_owned();
        if path.is_dir() && !name.starts_with('.') {
            dirs.push((path, Language::from_code(&name)));
        }
    }
    dirs.sort();
    Ok(dirs)
}

fn toml_files(dir: &Path, problems: &mut Vec<Problem>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    match fs::read_dir(dir) {
        Ok(read) => {
            for item in read.flatten() {
                let path = item.path();
                let name = item.file_name().to_string_lossy().into_owned();
                // Editors leave swap and backup files beside the real ones; they are not part of the corpus.
                if name.starts_with('.') || name.ends_with('~') {
                    continue;
                }
                if path.extension().is_some_and(|e| e == "toml") {
                    files.push(path);
                }
            }
        }
        Err(e) => problems.push(dir_problem(dir, format!("cannot read the folder: {e}"))),
    }
    files.sort();
    files
}

fn load_language(dir: &Path, lang: Language, problems: &mut Vec<Problem>) -> LanguageCorpus {
    let empty = || LanguageCorpus {
        lang,
        groups: Vec::new(),
        entries: Vec::new(),
        lexicon: Vec::new(),
        warnings: Warnings::default(),
        by_id: Vec::new(),
    };
    let files = toml_files(dir, problems);
    // Files are independent until the cross-check: read runs of them on every core, then merge in file order
    // so that entries and problems come out the same on any machine.
    let read = crate::parallel::map(crate::parallel::runs(files.len(), crate::parallel::threads()), |run| {
        files[run]
            .iter()
            .map(|file| {
                let mut part = empty();
                let mut problems = Vec::new();
                let warnings = read_file(file, &mut part, &mut problems);
                (part, problems, warnings)
            })
            .collect::<Vec<_>>()
    });
    let mut part = empty();
    // Exactly as many as there are: grown by doubling, the list of 100,000 entries would keep 30% slack.
    part.entries.reserve_exact(read.iter().flatten().map(|(file_part, _, _)| file_part.entries.len()).sum());
    let mut have_warnings = false;
    let mut sources: HashSet<Arc<Source>> = HashSet::default();
    for (mut file_part, file_problems, warnings) in read.into_iter().flatten() {
        problems.extend(file_problems);
        for source in file_part.entries.iter_mut().flat_map(|e| &mut e.sources) {
            match sources.get(&**source) {
                Some(shared) => *source = shared.clone(),
                None => {
                    sources.insert(source.clone());
                }
            }
        }
        let offset = part.entries.len();
        part.entries.extend(file_part.entries);
        part.groups.extend(file_part.groups.into_iter().map(|mut g| {
            g.entries.iter_mut().for_each(|e| *e += offset);
            g
        }));
        part.lexicon.extend(file_part.lexicon);
        if warnings {
            have_warnings = true;
            part.warnings = file_part.warnings;
        }
    }
    if part.entries.is_empty() {
        problems.push(dir_problem(dir, "no FAQ entries in this language folder".into()));
    }
    if !have_warnings {
        problems.push(dir_problem(
            dir,
            format!("`{WARNINGS_FILE}` is missing: the bot must know the warning signs and the urgent message"),
        ));
    }
    part.sort_ids();
    cross_check(&part, problems);
    part.groups.sort_by_key(|g| g.order);
    part
}

/// Reads one TOML file into `part`; true when it was the warnings file, read or not (a broken one is reported as
/// broken, not as missing).
fn read_file(file: &Path, part: &mut LanguageCorpus, problems: &mut Vec<Problem>) -> bool {
    let name = file.file_name().unwrap_or_default().to_string_lossy();
    let is_warnings = name == WARNINGS_FILE;
    let text = match fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            problems.push(dir_problem(file, format!("cannot read the file: {e}")));
            return is_warnings;
        }
    };
    let (doc, errors) = DeTable::parse_recoverable(&text);
    let mut reader = Reader { file: file.into(), text: &text, problems, line_cache: std::cell::Cell::new((0, 1)) };
    if !errors.is_empty() {
        for e in errors {
            let span = e.span().unwrap_or(0..0);
            reader.error(span, None, format!("TOML syntax: {}", e.message().trim()));
        }
        return is_warnings;
    }
    let table = doc.get_ref();
    if name == LEXICON_FILE {
        read_lexicon(&mut reader, table, &mut part.lexicon);
    } else if is_warnings {
        part.warnings = read_warnings(&mut reader, table, doc.span());
    } else {
        read_group(&mut reader, table, doc.span(), part);
    }
    is_warnings
}

fn read_group(reader: &mut Reader<'_>, table: &DeTable<'_>, span: Range<usize>, part: &mut LanguageCorpus) {
    reader.check_fields(table, GROUP_FIELDS, None, "an FAQ file");
    let stem = reader.file.file_stem().unwrap_or_default().to_string_lossy().into_owned();
    let title = get(table, "title").and_then(|v| reader.string(v, "title", None)).unwrap_or(stem);
    let order = get(table, "order").and_then(|v| reader.integer(v, "order", None)).unwrap_or(i64::MAX);
    let Some(list) = reader.require(table, span, "entry", None) else {
        return;
    };
    let mut group = Group { title, order, entries: Vec::new() };
    if let Some(array) = reader.array(list, "entry", None) {
        for value in array.iter() {
            if let Some(entry) = read_entry(reader, value) {
                group.entries.push(part.entries.len());
                part.entries.push(entry);
            }
        }
    }
    part.groups.push(group);
}

fn read_entry(reader: &mut Reader<'_>, value: &Value<'_>) -> Option<Entry> {
    let table = reader.table(value, "entry", None)?;
    let span = value.span();
    let id_value = reader.require(table, span.clone(), "id", None)?;
    let id = reader.string(id_value, "id", None)?;
    let item = Some(id.as_str());
    if !is_kebab(&id) {
        reader.error(
            id_value.span(),
            item,
            "`id` must be kebab-case: lower-case letters, digits and single hyphens".into(),
        );
    }
    if id.len() > super::MAX_ID_LEN {
        reader.error(id_value.span(), item, format!("`id` is longer than {} characters", super::MAX_ID_LEN));
    }
    reader.check_fields(table, ENTRY_FIELDS, item, "an entry");
    let question = reader
        .require(table, span.clone(), "question", item)
        .and_then(|v| reader.string(v, "question", item))
        .unwrap_or_default();
    let alternates = get(table, "alternates").map(|v| reader.strings(v, "alternates", item)).unwrap_or_default();
    let keywords = get(table, "keywords").map(|v| reader.strings(v, "keywords", item)).unwrap_or_default();
    let related = get(table, "related").map(|v| reader.strings(v, "related", item)).unwrap_or_default();
    let answer_value = reader.require(table, span.clone(), "answer", item);
    let answer = answer_value.and_then(|v| reader.text(v, "answer", item)).unwrap_or_default();
    if let Some(v) = answer_value
        && answer.trim().is_empty()
    {
        reader.error(v.span(), item, "`answer` is empty".into());
    }
    let sources =
        reader.require(table, span.clone(), "sources", item).map(|v| read_sources(reader, v, item)).unwrap_or_default();
    // A corpus with a problem here is never served: the placeholder date is never shown.
    let no_date = super::Date { year: 0, month: 0, day: 0 };
    let reviewed = match reader.require(table, span.clone(), "reviewed", item) {
        Some(v) => match v.get_ref() {
            DeValue::Datetime(toml::value::Datetime { date: Some(date), time: None, .. }) => *date,
            _ => {
                reader.error(v.span(), item, "`reviewed` must be a date written like 2026-11-27 (no quotes)".into());
                no_date
            }
        },
        None => no_date,
    };
    for (text, span) in &alternates {
        if text.trim().is_empty() {
            reader.error(span.clone(), item, "an alternate is empty".into());
        }
    }
    if alternates.len() + keywords.len() > super::MAX_PHRASINGS {
        reader.error(
            span.clone(),
            item,
            format!("an entry has at most {} alternates and keywords together", super::MAX_PHRASINGS),
        );
    }
    Some(Entry {
        id: id.into(),
        question: question.into(),
        alternates: alternates.iter().map(|(s, _)| s).collect(),
        keywords: keywords.iter().map(|(s, _)| s).collect(),
        answer: answer.trim().into(),
        sources: sources.into(),
        related: related.into_iter().map(|(s, _)| s.into()).collect(),
        reviewed,
        origin: Origin { file: reader.file.clone(), line: reader.line(&span) },
    })
}

fn read_sources(reader: &mut Reader<'_>, value: &Value<'_>, item: Option<&str>) -> Vec<Arc<Source>> {
    let Some(array) = reader.array(value, "sources", item) else {
        return Vec::new();
    };
    if array.is_empty() {
        reader.error(value.span(), item, "`sources` needs at least one source".into());
    }
    let mut sources = Vec::new();
    for element in array.iter() {
        let Some(table) = reader.table(element, "sources", item) else {
            continue;
        };
        reader.check_fields(table, SOURCE_FIELDS, item, "a source");
        let title = reader.require(table, element.span(), "title", item).and_then(|v| reader.string(v, "title", item));
        let url_value = reader.require(table, element.span(), "url", item);
        let url = url_value.and_then(|v| reader.string(v, "url", item));
        if let (Some(url), Some(v)) = (&url, url_value)
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            reader.error(v.span(), item, format!("source url `{url}` must start with https:// or http://"));
        }
        if let (Some(title), Some(url)) = (title, url) {
            sources.push(Arc::new(Source { title, url }));
        }
    }
    sources
}

fn read_lexicon(reader: &mut Reader<'_>, table: &DeTable<'_>, lexicon: &mut Vec<Concept>) {
    reader.check_fields(table, LEXICON_FIELDS, None, "the lexicon file");
    let Some(list) = get(table, "concept") else {
        return;
    };
    let Some(array) = reader.array(list, "concept", None) else {
        return;
    };
    for value in array.iter() {
        let Some(t) = reader.table(value, "concept", None) else {
            continue;
        };
        let Some(id) = reader.require(t, value.span(), "id", None).and_then(|v| reader.string(v, "id", None)) else {
            continue;
        };
        let item = Some(id.as_str());
        reader.check_fields(t, CONCEPT_FIELDS, item, "a concept");
        if !is_kebab(&id) {
            reader.error(value.span(), item, "concept `id` must be kebab-case".into());
        }
        let terms = reader
            .require(t, value.span(), "terms", item)
            .map(|v| reader.strings(v, "terms", item))
            .unwrap_or_default();
        let broader = get(t, "broader").map(|v| reader.strings(v, "broader", item)).unwrap_or_default();
        let scope = match get(t, "scope").map(|v| (reader.string(v, "scope", item), v.span())) {
            None => Scope::Neutral,
            Some((Some(s), span)) => match s.as_str() {
                "in" => Scope::In,
                "out" => Scope::Out,
                "neutral" => Scope::Neutral,
                other => {
                    reader.error(span, item, format!("`scope` is \"in\", \"out\" or \"neutral\", not \"{other}\""));
                    Scope::Neutral
                }
            },
            Some((None, _)) => Scope::Neutral,
        };
        lexicon.push(Concept {
            id: id.clone(),
            terms: terms.into_iter().map(|(s, _)| s.to_string()).collect(),
            broader: broader.into_iter().map(|(s, _)| s.to_string()).collect(),
            scope,
            origin: Origin { file: reader.file.clone(), line: reader.line(&value.span()) },
        });
    }
}

fn read_warnings(reader: &mut Reader<'_>, table: &DeTable<'_>, span: Range<usize>) -> Warnings {
    reader.check_fields(table, WARNINGS_FIELDS, None, "the warnings file");
    let urgent_message = reader
        .require(table, span, "urgent_message", None)
        .and_then(|v| reader.string(v, "urgent_message", None))
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let mut signs = Vec::new();
    if let Some(array) = get(table, "sign").and_then(|v| reader.array(v, "sign", None)) {
        for value in array.iter() {
            let Some(t) = reader.table(value, "sign", None) else {
                continue;
            };
            let Some(id) = reader.require(t, value.span(), "id", None).and_then(|v| reader.string(v, "id", None))
            else {
                continue;
            };
            let item = Some(id.as_str());
            reader.check_fields(t, SIGN_FIELDS, item, "a warning sign");
            let label = get(t, "label").and_then(|v| reader.string(v, "label", item)).unwrap_or_else(|| id.clone());
            let mut list = |field: &str| {
                get(t, field)
                    .map(|v| reader.strings(v, field, item).into_iter().map(|(s, _)| s.to_string()).collect())
                    .unwrap_or_default()
            };
            let (phrases, symptoms, qualifiers): (Vec<String>, Vec<String>, Vec<String>) =
                (list("phrases"), list("symptoms"), list("qualifiers"));
            if symptoms.is_empty() != qualifiers.is_empty() {
                reader.error(
                    value.span(),
                    item,
                    "`symptoms` and `qualifiers` go together: a sign fires on a symptom with a qualifier".into(),
                );
            } else if phrases.is_empty() && symptoms.is_empty() {
                reader.error(
                    value.span(),
                    item,
                    "a warning sign needs at least one phrase, or symptoms with qualifiers".into(),
                );
            }
            let message = get(t, "message").and_then(|v| {
                let text = reader.string(v, "message", item)?.trim().to_string();
                if text.is_empty() {
                    reader.error(v.span(), item, "`message` is empty: leave it out to use the urgent message".into());
                }
                Some(text)
            });
            signs.push(Sign { id: id.clone(), label, phrases, symptoms, qualifiers, message });
        }
    }
    Warnings { urgent_message, signs }
}

/// Checks that need the whole language folder: unique ids and phrasings, links between entries, lexicon links,
/// and that every answer fits in one Telegram message.
fn cross_check(part: &LanguageCorpus, problems: &mut Vec<Problem>) {
    let analyzer = Analyzer::plain(part.lang);
    // Reading every question and alternate is most of the check's work: runs of entries are read on every core,
    // each phrasing kept as a hash of its stems' texts (none when it has no words), as the runs' readers number
    // the stems each their own way. Each entry's reply is measured there too.
    let runs = crate::parallel::map(crate::parallel::runs(part.entries.len(), crate::parallel::threads()), |run| {
        let mut reader = BulkReader::new(&analyzer);
        let (mut stems, mut stem_keys) = (Vec::new(), Vec::new());
        let mut keys: Vec<Option<u64>> = Vec::new();
        let lengths: Vec<usize> = part.entries[run.clone()].iter().map(crate::reply::answer_length).collect();
        for entry in &part.entries[run] {
            let mut add = |reader: &BulkReader, stems: &[TermId]| {
                stem_keys.clear();
                stem_keys.extend(stems.iter().map(|&s| reader.term_key(s)));
                keys.push((!stems.is_empty()).then(|| rustc_hash::FxBuildHasher.hash_one(&stem_keys)));
            };
            reader.stems(&entry.question, &mut stems);
            add(&reader, &stems);
            reader.phrasing_stems(&entry.alternates, add);
        }
        (keys, lengths)
    });
    let count = runs.iter().map(|(keys, _)| keys.len()).sum();
    let mut keys = runs.iter().flat_map(|(keys, _)| keys);
    let mut lengths = runs.iter().flat_map(|(_, lengths)| lengths);
    let mut reader = BulkReader::new(&analyzer);
    let mut ids: HashMap<&str, &Entry> = HashMap::default();
    // Phrasings by the hash of their stems, as (entry, phrasing number): two phrasings read the same when their
    // stems are equal, which a hash match is checked against (both read again) before anything is reported.
    let mut phrasings: HashMap<u64, (usize, usize)> = HashMap::default();
    phrasings.reserve(count);
    let (mut stems, mut other_stems) = (Vec::new(), Vec::new());
    let at = |origin: &Origin, item: &str, severity: Severity, message: String| Problem {
        severity,
        file: origin.file.to_path_buf(),
        line: origin.line,
        column: 1,
        item: Some(item.to_string()),
        message,
    };
    for (e, entry) in part.entries.iter().enumerate() {
        if let Some(first) = ids.insert(&entry.id, entry) {
            problems.push(at(
                &entry.origin,
                &entry.id,
                Severity::Error,
                format!("duplicate id: also used at {}:{}", first.origin.file.display(), first.origin.line),
            ));
        }
        // The question, then the alternates: a phrasing's text is only written out when its key is taken.
        for k in 0..1 + entry.alternates.len() {
            let Some(key) = *keys.next().expect("a key per phrasing") else {
                continue;
            };
            match phrasings.get(&key) {
                Some(&(other_entry, other)) => {
                    let phrasing = entry.phrasing(k).unwrap_or_default();
                    reader.stems(&phrasing, &mut stems);
                    reader.stems(&part.entries[other_entry].phrasing(other).unwrap_or_default(), &mut other_stems);
                    if other_stems != stems {
                        continue;
                    }
                    let other = &part.entries[other_entry].id;
                    problems.push(if other_entry != e {
                        at(
                            &entry.origin,
                            &entry.id,
                            Severity::Error,
                            format!("the phrasing \"{phrasing}\" is also under entry `{other}`: a question can lead to one entry only"),
                        )
                    } else {
                        at(
                            &entry.origin,
                            &entry.id,
                            Severity::Warning,
                            format!("the phrasing \"{phrasing}\" is written twice in this entry"),
                        )
                    });
                }
                None => {
                    phrasings.insert(key, (e, k));
                }
            }
        }
        let length = *lengths.next().expect("a length per entry");
        if length > crate::reply::TELEGRAM_MESSAGE_LIMIT {
            problems.push(at(
                &entry.origin,
                &entry.id,
                Severity::Error,
                format!(
                    "the reply for this entry would be {length} characters, over Telegram's limit of {}: shorten the answer",
                    crate::reply::TELEGRAM_MESSAGE_LIMIT
                ),
            ));
        }
    }
    for entry in &part.entries {
        for related in &entry.related {
            if !ids.contains_key(&**related) {
                problems.push(at(
                    &entry.origin,
                    &entry.id,
                    Severity::Error,
                    format!("`related` names `{related}`, which is not an entry id"),
                ));
            } else if related == &entry.id {
                problems.push(at(
                    &entry.origin,
                    &entry.id,
                    Severity::Warning,
                    "`related` names the entry itself".into(),
                ));
            }
        }
    }
    check_lexicon(part, &analyzer, problems);
}

fn check_lexicon(part: &LanguageCorpus, analyzer: &Analyzer, problems: &mut Vec<Problem>) {
    let problem = |concept: &Concept, severity, message| Problem {
        severity,
        file: concept.origin.file.to_path_buf(),
        line: concept.origin.line,
        column: 1,
        item: Some(concept.id.clone()),
        message,
    };
    let mut owners: HashMap<String, &str> = HashMap::default();
    let mut concept_ids: HashMap<&str, ()> = HashMap::default();
    for concept in &part.lexicon {
        if concept_ids.insert(&concept.id, ()).is_some() {
            problems.push(problem(concept, Severity::Error, "duplicate concept id".into()));
        }
        for term in &concept.terms {
            let key = analyzer.phrasing_key(term);
            if key.is_empty() {
                problems.push(problem(concept, Severity::Error, format!("the term \"{term}\" has no words")));
                continue;
            }
            if let Some(other) = owners.insert(key, &concept.id)
                && other != concept.id
            {
                problems.push(problem(
                    concept,
                    Severity::Error,
                    format!("the term \"{term}\" is also in concept `{other}`: a term can mean one concept only"),
                ));
            }
        }
    }
    for concept in &part.lexicon {
        for b in &concept.broader {
            if !concept_ids.contains_key(b.as_str()) {
                problems.push(problem(
                    concept,
                    Severity::Error,
                    format!("`broader` names `{b}`, which is not a concept id"),
                ));
            }
        }
    }
}

fn is_kebab(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}
