//! Golden behaviours of the matcher on the shipped corpus: typos, lay words, off-topic questions and
//! warning signs. One test per behaviour a patient relies on.

mod common;

use common::engine;
use immunofaq::matcher::{Engine, Outcome};

fn answered_id(q: &str) -> Option<String> {
    let m = engine().ask(q);
    match m.outcome {
        Outcome::Answer(i) => Some(engine().part(m.lang).entries[i].id.to_string()),
        _ => None,
    }
}

fn top_ids(q: &str) -> Vec<String> {
    let m = engine().ask(q);
    m.candidates.iter().take(3).map(|c| engine().part(m.lang).entries[c.entry].id.to_string()).collect()
}

#[test]
fn misspelled_drug_name_still_finds_its_entry() {
    assert!(
        top_ids("what is pembrolizamab").contains(&"named-drugs".to_string()),
        "{:?}",
        top_ids("what is pembrolizamab")
    );
}

#[test]
fn misspelled_topic_words_still_match() {
    assert_eq!(answered_id("what is immunotheraphy").as_deref(), Some("what-is-immunotherapy"));
    assert!(top_ids("diarhea on immunotherapy what do i do").contains(&"diarrhea-colitis".to_string()));
}

#[test]
fn an_implied_topic_is_understood() {
    assert_eq!(answered_id("will my hair fall out").as_deref(), Some("hair-loss"));
}

#[test]
fn questions_with_nothing_to_do_with_immunotherapy_get_no_match() {
    for q in ["what's the weather like tomorrow", "how many mg of cisplatin should I take", "diabetes diet plan"] {
        assert_eq!(engine().ask(q).outcome, Outcome::NoMatch, "{q}");
    }
}

#[test]
fn a_dose_question_gets_the_dose_entry_or_nothing_and_a_cost_question_stays_with_cost() {
    // A dose question once got the cost entry ("how much ... should I take"): the bot must not answer it with
    // any other topic. These are not corpus phrasings.
    let dose = [
        "how much nivolumab should my husband get",
        "whats the correct amount of keytruda",
        "how much ipilimumab do they give",
    ];
    for q in dose {
        assert_eq!(answered_id(q).as_deref(), Some("dose-amount"), "{q}");
    }
    for q in ["can i take extra yervoy", "how much pembro do i get each time"] {
        let got = answered_id(q);
        assert!(got.is_none() || got.as_deref() == Some("dose-amount"), "{q}: {got:?}");
    }
    assert_eq!(answered_id("how much does keytruda cost").as_deref(), Some("cost-insurance"));
}

#[test]
fn thoughts_of_suicide_lead_with_their_own_message_then_support() {
    let part = engine().part(immunofaq::text::Language::En);
    let sign = part.warnings.signs.iter().find(|s| s.message.is_some()).expect("a sign with its own message");
    let own = sign.message.as_deref().unwrap();
    for q in ["i want to kill myself", "I feel like ending it all", "my wife says she is suicidal"] {
        let m = engine().ask(q);
        assert!(m.urgent.contains(&sign.id), "{q}: {:?}", m.urgent);
        let urgent = immunofaq::reply::urgent(part, &m, None).expect("urgent");
        assert!(urgent.message.starts_with(own), "{q}: {}", urgent.message);
        // Not a side effect: the side-effect message is not added to it.
        assert!(!urgent.message.contains(&part.warnings.urgent_message), "{q}");
        let top = &part.entries[m.candidates[0].entry].id;
        assert_eq!(&**top, "emotional-support", "{q}");
    }
    // With a side effect as well, both are said, this sign's first.
    let m = engine().ask("I have chest pain and I want to end my life");
    let urgent = immunofaq::reply::urgent(part, &m, None).expect("urgent").message;
    assert!(urgent.starts_with(own) && urgent.ends_with(&part.warnings.urgent_message), "{urgent}");
}

#[test]
fn a_symptom_with_a_qualifier_is_a_warning_without_a_phrase_for_the_pair() {
    let part = engine().part(immunofaq::text::Language::En);
    // Neither message is a listed phrase: each is one of a sign's symptoms near one of its qualifiers.
    for (q, sign) in
        [("my heart keeps skipping", "chest-heart"), ("blisters coming up all over my skin", "severe-rash")]
    {
        let s = part.warnings.signs.iter().find(|s| s.id == sign).unwrap();
        assert!(!s.phrases.iter().any(|p| q.contains(p.as_str())), "{q} is a phrase of {sign}");
        assert!(engine().ask(q).urgent.iter().any(|id| id == sign), "{q}: {:?}", engine().ask(q).urgent);
    }
    // A general question with a symptom and a qualifier stays general.
    assert!(!engine().ask("can keytruda make your heart skip beats").is_urgent());
}

#[test]
fn a_symptom_long_past_is_no_warning_unless_it_is_back() {
    assert!(!engine().ask("I passed out once at school years ago from the heat").is_urgent());
    assert!(!engine().ask("my husband had bloody diarrhoea last year, could keytruda bring it back").is_urgent());
    assert!(engine().ask("I passed out years ago and it happened again today").is_urgent());
}

#[test]
fn words_of_a_warning_term_alone_are_not_a_warning() {
    // "kill myself" must not make "kill" alone a warning sign, nor "hurt myself" "hurt".
    for q in
        ["I heard immunotherapy helps kill cancer cells", "I hurt my back gardening", "i dont want to do it all myself"]
    {
        assert!(!engine().ask(q).is_urgent(), "{q}");
    }
}

#[test]
fn a_warning_phrase_matches_with_its_words_in_another_order_or_unabbreviated() {
    // "blurry vision" is a lexicon term; "my vision is blurry" reads "vision" on its own.
    for q in ["my vision is blurry since yesterday", "I have a headache that wont go away"] {
        assert!(engine().ask(q).is_urgent(), "{q}");
    }
}

#[test]
fn a_greeting_or_thanks_gets_a_reply_in_kind_and_a_question_with_one_is_still_answered() {
    let part = engine().part(immunofaq::text::Language::En);
    let words = immunofaq::reply::wording(part.lang);
    for (q, text) in [("hello there", words.greeting), ("thank you so much!", words.thanks)] {
        let m = engine().ask(q);
        assert_eq!(m.outcome, Outcome::NoMatch, "{q}");
        match immunofaq::reply::compose(part, &m, None).body {
            immunofaq::reply::Body::NoMatch { text: said, choices, .. } => {
                assert_eq!(said, text, "{q}");
                assert!(choices.is_empty(), "{q}: no topics picked from a greeting");
            }
            other => panic!("{q}: {other:?}"),
        }
    }
    assert_eq!(answered_id("hi, can keytruda cause diarrhoea").as_deref(), Some("diarrhea-colitis"));
    // A greeting with a warning sign is no small talk: the urgent notice comes first.
    assert!(engine().ask("hi, I have chest pain").small_talk.is_none());
    // "no" shares a word with phrasings ("no side effects, is it working?") but asks nothing.
    assert_eq!(engine().ask("no").outcome, Outcome::NoMatch);
}

#[test]
fn a_lone_short_word_read_as_another_is_offered_not_answered() {
    // "José" reads as "dose", "Kate" as "late": a guess at a name, worth a "did you mean", not an answer.
    for q in ["José", "Kate"] {
        assert!(matches!(engine().ask(q).outcome, Outcome::Suggest(_) | Outcome::NoMatch), "{q}");
    }
    // A longer misspelt word is still answered, and a short word spelt right too.
    assert_eq!(answered_id("diarhea").as_deref(), Some("diarrhea-colitis"));
    assert_eq!(answered_id("rash").as_deref(), Some("skin-rash-itch"));
}

#[test]
fn a_question_only_about_chemotherapy_is_not_answered() {
    assert_eq!(answered_id("will chemo make my hair fall out"), None);
}

#[test]
fn a_described_red_flag_symptom_is_urgent() {
    for q in [
        "I have bloody diarrhoea since yesterday",
        "my husband can't breathe properly after his infusion",
        "my eyes have gone yellow",
        "I've got chest pain",
        // A word the message repeats ("keep") still completes the phrase at its nearer place.
        "i keep vomiting and can't even keep water down",
        // A negated opener starts a statement, not a general question.
        "can't breathe",
        "can't keep food down since my infusion",
    ] {
        assert!(engine().ask(q).is_urgent(), "{q} must be urgent");
    }
}

#[test]
fn asking_about_side_effects_in_general_is_not_urgent() {
    for q in ["what are the common side effects of keytruda", "can immunotherapy cause diarrhoea", "what is colitis"] {
        assert!(!engine().ask(q).is_urgent(), "{q} must not be urgent");
    }
}

#[test]
fn urgency_does_not_depend_on_a_match() {
    let m = engine().ask("severe chest pain and fainted");
    assert!(m.is_urgent());
}

/// The service's engine lets the phrasings' texts go once indexed but keeps their count; the explaining engine
/// keeps them; and a source cited by several entries is held once.
#[test]
fn the_served_corpus_keeps_counts_not_phrasing_texts_and_shares_sources() {
    let load = || immunofaq::corpus::load(&common::faq_dir()).expect("the shipped FAQ loads").corpus;
    let full = load();
    let served = Engine::new(load());
    let explaining = Engine::with_phrasing_texts(load());
    let (full, served, explaining) = (&full.parts[0], &served.corpus().parts[0], &explaining.corpus().parts[0]);
    assert_eq!(served.entries.len(), full.entries.len());
    for ((f, s), x) in full.entries.iter().zip(&served.entries).zip(&explaining.entries) {
        assert_eq!((s.alternates.len(), s.keywords.len()), (f.alternates.len(), f.keywords.len()), "{}", f.id);
        assert!(!f.alternates.is_empty() && s.alternates.get(0).is_none(), "{}", f.id);
        assert_eq!(x.alternates, f.alternates, "{}", f.id);
        assert_eq!(s.phrasing(0), f.phrasing(0), "{}: the question itself stays", f.id);
    }
    let cited: Vec<&std::sync::Arc<immunofaq::corpus::Source>> = full.entries.iter().flat_map(|e| &e.sources).collect();
    let mut distinct: Vec<&immunofaq::corpus::Source> = cited.iter().map(|s| &***s).collect();
    distinct.sort_by(|a, b| (&a.url, &a.title).cmp(&(&b.url, &b.title)));
    distinct.dedup();
    let mut held: Vec<*const immunofaq::corpus::Source> = cited.iter().map(|s| std::sync::Arc::as_ptr(s)).collect();
    held.sort();
    held.dedup();
    assert!(distinct.len() < cited.len(), "the shipped FAQ cites some pages more than once");
    assert_eq!(held.len(), distinct.len(), "each distinct source is held once");
}

/// Entries are found by id (button taps and deep links name them) at their own position, and an id the corpus
/// does not have, or a near one, finds nothing.
#[test]
fn every_entry_is_found_by_its_id_and_no_other() {
    let part = &engine().corpus().parts[0];
    for (i, entry) in part.entries.iter().enumerate() {
        assert_eq!(part.entry_index(&entry.id), Some(i), "{}", entry.id);
        for near in [format!("{}-", entry.id), entry.id[1..].to_string(), entry.id.to_uppercase()] {
            assert!(part.entry(&near).is_none(), "{near}");
        }
    }
    assert!(part.entry("").is_none() && part.entry("zzz").is_none());
}

/// A question's result does not depend on what was asked before it: every third dev question, asked alone on a
/// fresh thread (fresh scoring buffers), gets exactly what it got on one thread after all the dev questions before
/// it.
#[test]
fn a_result_does_not_depend_on_earlier_questions() {
    let items = immunofaq::cli::eval::read_items(&common::eval_file("dev.jsonl")).expect("the dev set");
    let questions: Vec<String> = items.into_iter().map(|item| item.q).collect();
    let after_others: Vec<_> = questions.iter().map(|q| engine().ask(q)).collect();
    std::thread::scope(|s| {
        for (q, seen) in questions.iter().zip(&after_others).step_by(3) {
            let alone = s.spawn(|| engine().ask(q)).join().expect("the question is answered");
            assert_eq!(alone.candidates, seen.candidates, "{q}");
        }
    });
}

/// A drug's brand name reaches the entry that lists the drugs even though that entry's many names make its
/// profile share negligible: the phrasing alone makes it a candidate.
#[test]
fn a_brand_name_question_offers_the_drug_names_entry() {
    for q in ["keytruda diarhea", "keytruda fatigue", "keytruda hair loss"] {
        assert!(top_ids(q).contains(&"named-drugs".to_string()), "{q}: {:?}", top_ids(q));
    }
}

/// Keeping the phrasings' texts (as `ask --explain` does) changes nothing about a match: every dev question gets
/// the same outcome and candidates from the served engine and from the explaining one.
#[test]
fn explaining_a_match_does_not_change_it() {
    let explaining =
        Engine::with_phrasing_texts(immunofaq::corpus::load(&common::faq_dir()).expect("the shipped FAQ loads").corpus);
    let items = immunofaq::cli::eval::read_items(&common::eval_file("dev.jsonl")).expect("the dev set");
    for item in &items {
        let (served, (explained, _)) = (engine().ask(&item.q), explaining.explain(&item.q));
        assert_eq!(served.candidates, explained.candidates, "{}", item.q);
        assert_eq!(served.outcome, explained.outcome, "{}", item.q);
    }
}
