//! No input makes the core panic: arbitrary Unicode, empty, huge, emoji, right-to-left, control characters.

mod common;

use common::engine;
use immunofaq::reply;
use proptest::prelude::*;

fn answer_anything(text: &str) {
    let m = engine().ask(text);
    let r = reply::compose(engine().part(m.lang), &m, Some("+1 555 0100"));
    assert!(r.to_text().ends_with(r.reminder));
    assert!((0.0..=1.0).contains(&m.confidence));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]
    #[test]
    fn arbitrary_unicode_never_panics(s in "\\PC*") {
        answer_anything(&s);
    }

    #[test]
    fn arbitrary_chars_including_controls_never_panic(s in proptest::collection::vec(any::<char>(), 0..300)) {
        answer_anything(&s.into_iter().collect::<String>());
    }
}

#[test]
fn edge_cases_never_panic() {
    for s in [
        "",
        " ",
        "\u{0}\u{1}\u{7f}",
        "🙂🙂🙂 💉?",
        "هل العلاج المناعي آمن؟",
        "\u{202e}keytruda\u{202c}",
        "'''",
        "can't't'",
        "x̸̢͎̓",
        "ﬁ ﬂ Ⅻ ①",
    ] {
        answer_anything(s);
    }
}

#[test]
fn a_100_kb_message_is_handled() {
    let big = "keytruda side effects and diarrhoea ".repeat(3000);
    assert!(big.len() > 100_000);
    answer_anything(&big);
}
