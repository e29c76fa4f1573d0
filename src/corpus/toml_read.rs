//! Typed reading of a parsed TOML document that keeps going after a problem, so that one pass reports every
//! mistake in a file with its line and column.

use super::problem::{Problem, Severity, line_col};
use std::ops::Range;
use std::path::Path;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

pub type Value<'i> = Spanned<DeValue<'i>>;

/// Reads one file's values and collects the problems found on the way.
pub struct Reader<'a> {
    /// Shared by the entries and concepts read from the file.
    pub file: std::sync::Arc<Path>,
    pub text: &'a str,
    pub problems: &'a mut Vec<Problem>,
    /// (byte offset, line there) of the last `line` call: entries come in file order.
    pub line_cache: std::cell::Cell<(usize, usize)>,
}

impl Reader<'_> {
    pub fn report(&mut self, severity: Severity, span: Range<usize>, item: Option<&str>, message: String) {
        let (line, column) = line_col(self.text, span.start);
        self.problems.push(Problem {
            severity,
            file: self.file.to_path_buf(),
            line,
            column,
            item: item.map(str::to_string),
            message,
        });
    }

    pub fn error(&mut self, span: Range<usize>, item: Option<&str>, message: String) {
        self.report(Severity::Error, span, item, message);
    }

    /// The 1-based line of a span; counts newlines only up to it, without rescanning from the top for
    /// each of thousands of entries (`line_col` does the full work for the rare problem).
    pub fn line(&self, span: &Range<usize>) -> usize {
        let end = span.start.min(self.text.len());
        let mut cache = self.line_cache.get();
        if cache.0 > end {
            cache = (0, 1);
        }
        let more = self.text.as_bytes()[cache.0..end].iter().filter(|b| **b == b'\n').count();
        let line = cache.1 + more;
        self.line_cache.set((end, line));
        line
    }

    /// Reports every key that is not in `allowed`, with the closest allowed name as a hint:
    /// a misspelt field must never silently drop content.
    pub fn check_fields(&mut self, table: &DeTable<'_>, allowed: &[&str], item: Option<&str>, what: &str) {
        for (key, _) in table.iter() {
            let name: &str = key.get_ref();
            if allowed.contains(&name) {
                continue;
            }
            let hint = closest(name, allowed).map(|c| format!(" (did you mean `{c}`?)")).unwrap_or_default();
            let expected = allowed.join(", ");
            self.error(key.span(), item, format!("unknown field `{name}` in {what}{hint}; the fields are: {expected}"));
        }
    }

    pub fn require<'t, 'i>(
        &mut self,
        table: &'t DeTable<'i>,
        table_span: Range<usize>,
        field: &str,
        item: Option<&str>,
    ) -> Option<&'t Value<'i>> {
        let found = get(table, field);
        if found.is_none() {
            self.error(table_span, item, format!("missing field `{field}`"));
        }
        found
    }

    pub fn string(&mut self, value: &Value<'_>, field: &str, item: Option<&str>) -> Option<String> {
        self.text(value, field, item).map(str::to_string)
    }

    /// A text as the parsed document holds it, not copied: most are kept only briefly or joined with others.
    pub fn text<'v>(&mut self, value: &'v Value<'_>, field: &str, item: Option<&str>) -> Option<&'v str> {
        match value.get_ref() {
            DeValue::String(s) => Some(s),
            other => {
                let found = other.type_str();
                self.error(value.span(), item, format!("`{field}` must be a text in quotes, not {found}"));
                None
            }
        }
    }

    /// A list of texts; each one comes back with its own span so later checks can point at it.
    pub fn strings<'v>(
        &mut self,
        value: &'v Value<'_>,
        field: &str,
        item: Option<&str>,
    ) -> Vec<(&'v str, Range<usize>)> {
        let Some(array) = self.array(value, field, item) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for element in array.iter() {
            if let Some(s) = self.text(element, field, item) {
                out.push((s, element.span()));
            }
        }
        out
    }

    pub fn array<'v, 'i>(
        &mut self,
        value: &'v Value<'i>,
        field: &str,
        item: Option<&str>,
    ) -> Option<&'v toml::de::DeArray<'i>> {
        match value.get_ref() {
            DeValue::Array(a) => Some(a),
            other => {
                let found = other.type_str();
                self.error(value.span(), item, format!("`{field}` must be a list in [brackets], not {found}"));
                None
            }
        }
    }

    pub fn table<'v, 'i>(&mut self, value: &'v Value<'i>, field: &str, item: Option<&str>) -> Option<&'v DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(t) => Some(t),
            other => {
                let found = other.type_str();
                self.error(value.span(), item, format!("`{field}` must be a table, not {found}"));
                None
            }
        }
    }

    pub fn integer(&mut self, value: &Value<'_>, field: &str, item: Option<&str>) -> Option<i64> {
        let parsed = value.get_ref().as_integer().and_then(|i| i64::from_str_radix(i.as_str(), i.radix()).ok());
        if parsed.is_none() {
            self.error(value.span(), item, format!("`{field}` must be a whole number"));
        }
        parsed
    }
}

pub fn get<'t, 'i>(table: &'t DeTable<'i>, field: &str) -> Option<&'t Value<'i>> {
    table
        .iter()
        .find(|(k, _)| {
            let key: &str = k.get_ref();
            key == field
        })
        .map(|(_, v)| v)
}

/// The allowed name nearest to a misspelt one, if it is near enough to be a likely typo.
fn closest<'a>(name: &str, allowed: &[&'a str]) -> Option<&'a str> {
    allowed
        .iter()
        .map(|a| (strsim::jaro_winkler(name, a), *a))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|x, y| x.0.total_cmp(&y.0))
        .map(|(_, a)| a)
}
