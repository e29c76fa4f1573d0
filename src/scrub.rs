//! Scrubbing: before an unanswered question is stored for admins, anything that could identify a person is
//! replaced by a placeholder: e-mail addresses, URLs, @handles, phone numbers and other long digit runs, and
//! a name introduced by "my name is", "I'm called" or "this is".

/// Placeholders admins see instead of the removed details.
pub const EMAIL: &str = "[email]";
pub const URL: &str = "[link]";
pub const HANDLE: &str = "[handle]";
pub const NUMBER: &str = "[number]";
pub const NAME: &str = "[name]";

/// Digit runs this long (across spaces, dashes, brackets and dots) are treated as identifying.
const MIN_DIGITS: usize = 5;
/// At most this many words after "my name is" are taken as the name.
const MAX_NAME_WORDS: usize = 3;

pub fn scrub(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let word = words[i];
        let core = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '@' && c != '+');
        let lower = core.to_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("www.") {
            out.push(URL.to_string());
        } else if core.contains('@') && core.contains('.') && !core.starts_with('@') {
            out.push(EMAIL.to_string());
        } else if core.starts_with('@') && core.len() > 1 {
            out.push(HANDLE.to_string());
        } else if is_number_part(word) {
            // A phone number often spans several words: "+44 20 7946 0958".
            let mut j = i;
            let mut digits = 0;
            while j < words.len() && is_number_part(words[j]) {
                digits += words[j].chars().filter(|c| c.is_ascii_digit()).count();
                j += 1;
            }
            if digits >= MIN_DIGITS {
                out.push(NUMBER.to_string());
            } else {
                out.extend(words[i..j].iter().map(|w| w.to_string()));
            }
            i = j;
            continue;
        } else {
            out.push(word.to_string());
        }
        i += 1;
        if let Some(skip) = name_follows(&words[..i]) {
            let taken = words[i..].iter().take(MAX_NAME_WORDS).take_while(|w| looks_like_name(w)).count().max(skip);
            if taken > 0 {
                out.push(NAME.to_string());
                i += taken;
            }
        }
    }
    out.join(" ")
}

fn is_number_part(word: &str) -> bool {
    word.chars().any(|c| c.is_ascii_digit()) && word.chars().all(|c| c.is_ascii_digit() || "+-().,/:".contains(c))
}

/// Whether the words so far end with a phrase that introduces a name; returns how many words to take at least.
fn name_follows(words: &[&str]) -> Option<usize> {
    let tail: Vec<String> = words
        .iter()
        .rev()
        .take(3)
        .rev()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase())
        .collect();
    let ends = |phrase: &[&str]| tail.len() >= phrase.len() && tail[tail.len() - phrase.len()..] == *phrase;
    // After "my name is" the next word is a name even when written in lower case.
    if ends(&["my", "name", "is"])
        || ends(&["name", "is"])
        || ends(&["i'm", "called"])
        || ends(&["im", "called"])
        || ends(&["am", "called"])
    {
        return Some(1);
    }
    if ends(&["this", "is"]) || ends(&["i", "am"]) || ends(&["i'm"]) {
        return Some(0);
    }
    None
}

/// A capitalised word that is not an obvious ordinary word.
fn looks_like_name(word: &str) -> bool {
    let w = word.trim_matches(|c: char| !c.is_alphanumeric());
    w.chars().next().is_some_and(char::is_uppercase) && w.chars().all(char::is_alphabetic) && w.len() > 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_and_long_digit_runs_are_removed() {
        assert_eq!(scrub("call me on +44 20 7946 0958 please"), "call me on [number] please");
        assert_eq!(scrub("my hospital number is 1234567"), "my hospital number is [number]");
        assert_eq!(scrub("2 doses in 3 weeks"), "2 doses in 3 weeks");
    }

    #[test]
    fn emails_links_and_handles_are_removed() {
        assert_eq!(scrub("write to jane.doe@example.org or @janedoe"), "write to [email] or [handle]");
        assert_eq!(scrub("I read https://example.org/x about it"), "I read [link] about it");
    }

    #[test]
    fn names_after_an_introduction_are_removed() {
        assert_eq!(scrub("Hi my name is Jane Smith and I have a rash"), "Hi my name is [name] and I have a rash");
        assert_eq!(scrub("my name is jane, is keytruda safe"), "my name is [name] is keytruda safe");
        assert_eq!(scrub("this is Robert, my wife is on opdivo"), "this is [name] my wife is on opdivo");
        assert_eq!(scrub("I am worried about my rash"), "I am worried about my rash");
    }
}
