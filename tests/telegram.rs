//! The Telegram bot end to end: the real binary against a fake Bot API server on 127.0.0.1. Each test injects
//! updates and asserts what the bot sent.

#[path = "support/bot.rs"]
mod bot;
mod common;
#[path = "support/fake_telegram.rs"]
mod fake_telegram;
#[path = "support/html.rs"]
mod html;

use bot::BotProcess;
use common::engine;
use fake_telegram::{BOT_ID, Call, FakeTelegram, Fault, group_chat, message_json, private_chat};
use immunofaq::matcher::Outcome;
use serde_json::json;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(15);

fn text_of(call: &Call) -> &str {
    call.body["text"].as_str().unwrap_or("")
}

fn buttons(call: &Call) -> Vec<(String, String)> {
    call.body["reply_markup"]["inline_keyboard"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .flat_map(|r| r.as_array().cloned().unwrap_or_default())
                .map(|b| {
                    (
                        b["text"].as_str().unwrap_or("").to_string(),
                        b["callback_data"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn press(fake: &FakeTelegram, user: i64, on: &Call, data: &str) {
    let message = message_json(
        on.message_id.expect("a sent message"),
        private_chat(user),
        BOT_ID,
        json!({"text": text_of(on), "reply_markup": on.body["reply_markup"].clone()}),
    );
    let mut message = message;
    message["from"]["is_bot"] = json!(true);
    fake.push(
        "callback_query",
        json!({"id": format!("cb{}", fake.next_message_id()), "from": {"id": user, "is_bot": false, "first_name": "Pat"},
               "chat_instance": "ci", "message": message, "data": data}),
    );
}

fn assert_valid_html(call: &Call) {
    assert_eq!(call.body["parse_mode"], "HTML", "{}", call.body);
    if let Err(e) = html::check(text_of(call)) {
        panic!("invalid HTML ({e}) in:\n{}", text_of(call));
    }
    assert!(text_of(call).chars().count() <= 4096);
}

fn question_with(outcome: fn(&Outcome) -> bool, candidates: &[&str]) -> String {
    candidates
        .iter()
        .find(|q| outcome(&engine().ask(q).outcome))
        .unwrap_or_else(|| panic!("none of {candidates:?} has the wanted outcome on the shipped FAQ"))
        .to_string()
}

#[tokio::test]
async fn an_answer_has_the_question_sources_and_the_reminder_last_as_valid_html() {
    let fake = FakeTelegram::start().await;
    let bot = BotProcess::start(&fake, &[]).await;
    let (_, mid) = fake.text(101, "what is immunotherapy");
    let sent = fake.wait_for("sendMessage", Some(101), 1, WAIT).await;
    let answer = &sent[0];
    assert_valid_html(answer);
    let text = text_of(answer);
    assert!(text.starts_with("<b>"), "{text}");
    assert!(text.contains("<b>Sources</b>") && text.contains("<a href=\"https://"), "{text}");
    assert!(text.trim_end().ends_with("about your own treatment.</i>"), "{text}");
    assert_eq!(answer.body["reply_parameters"]["message_id"], mid, "sent as a reply");
    let labels: Vec<String> = buttons(answer).into_iter().map(|(t, _)| t).collect();
    assert!(labels.iter().any(|l| l.contains("👍")) && labels.iter().any(|l| l.contains("👎")), "{labels:?}");
    assert!(buttons(answer).iter().any(|(_, d)| d.starts_with("a:")), "related questions as buttons");
    // Answered at once: no "typing…" (the Bot API advises it only for replies that take noticeable time).
    assert!(fake.calls_to("sendChatAction", 101).is_empty(), "no typing action before a quick reply");
    let logs = bot.logs();
    assert!(!logs.contains("what is immunotherapy"), "message text must not be logged:\n{logs}");
    assert!(!logs.contains("101"), "user ids must not be logged:\n{logs}");
}

#[tokio::test]
async fn with_several_threads_questions_are_answered_in_order_per_chat() {
    let fake = FakeTelegram::start().await;
    let _bot = BotProcess::start(&fake, &["--threads", "2"]).await;
    let asked: Vec<i64> = ["what is immunotherapy", "will my hair fall out", "what is keytruda"]
        .iter()
        .map(|q| fake.text(130, q).1)
        .collect();
    let sent = fake.wait_for("sendMessage", Some(130), 3, WAIT).await;
    let answered: Vec<i64> = sent.iter().filter_map(|c| c.body["reply_parameters"]["message_id"].as_i64()).collect();
    assert_eq!(answered, asked, "one chat's questions are answered in the order they came");
}

#[tokio::test]
async fn webhook_mode_registers_a_secret_and_answers_only_updates_that_carry_it() {
    let fake = FakeTelegram::start().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let hook = format!("http://127.0.0.1:{port}/telegram-hook");
    let listen = format!("127.0.0.1:{port}");
    let _bot = BotProcess::start(&fake, &["--webhook-url", &hook, "--listen", &listen]).await;
    let registered = fake.wait_for("setWebhook", None, 1, WAIT).await;
    assert_eq!(registered[0].body["url"], hook.as_str());
    let secret = registered[0].body["secret_token"].as_str().expect("a secret token is registered").to_string();
    assert!(secret.len() >= 16, "the secret is not guessable: {secret:?}");

    let update = |id: i64, user: i64| json!({"update_id": id, "message": message_json(id, private_chat(user), user, json!({"text": "what is immunotherapy"}))});
    let client = reqwest::Client::new();
    let post = |body: serde_json::Value, secret: Option<&str>| {
        let mut req = client.post(&hook).json(&body);
        if let Some(s) = secret {
            req = req.header("X-Telegram-Bot-Api-Secret-Token", s);
        }
        req.send()
    };
    let forged = post(update(1, 140), Some("guessed")).await.expect("the bot listens");
    assert!(forged.status().is_client_error(), "a forged update is refused: {}", forged.status());
    let unsigned = post(update(2, 141), None).await.expect("the bot listens");
    assert!(unsigned.status().is_client_error(), "an update without the secret is refused: {}", unsigned.status());
    let genuine = post(update(3, 142), Some(&secret)).await.expect("the bot listens");
    assert!(genuine.status().is_success(), "{}", genuine.status());
    let sent = fake.wait_for("sendMessage", Some(142), 1, WAIT).await;
    assert!(text_of(&sent[0]).contains("Sources"), "the webhook update is answered");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(fake.calls_to("sendMessage", 140).is_empty() && fake.calls_to("sendMessage", 141).is_empty());
}

#[tokio::test]
async fn startup_sets_commands_and_descriptions() {
    let fake = FakeTelegram::start().await;
    let _bot = BotProcess::start(&fake, &[]).await;
    let commands = fake.wait_for("setMyCommands", None, 1, WAIT).await;
    let names: Vec<&str> =
        commands[0].body["commands"].as_array().unwrap().iter().map(|c| c["command"].as_str().unwrap()).collect();
    assert_eq!(names, ["start", "help", "topics", "about", "privacy"]);
    fake.wait_for("setMyDescription", None, 1, WAIT).await;
    fake.wait_for("setMyShortDescription", None, 1, WAIT).await;
}

#[tokio::test]
async fn did_you_mean_offers_buttons_and_a_tap_shows_that_answer() {
    let q = question_with(
        |o| matches!(o, Outcome::Suggest(v) if v.len() >= 2),
        &["infusion", "scan", "immune", "steroids immunotherapy", "side effects"],
    );
    let fake = FakeTelegram::start().await;
    let _bot = BotProcess::start(&fake, &[]).await;
    fake.text(102, &q);
    let sent = fake.wait_for("sendMessage", Some(102), 1, WAIT).await;
    assert!(text_of(&sent[0]).contains("Did you mean"), "{}", text_of(&sent[0]));
    let choices = buttons(&sent[0]);
    assert!((1..=3).contains(&choices.len()), "{choices:?}");
    let (label, data) = choices[0].clone();
    press(&fake, 102, &sent[0], &data);
    fake.wait_for("answerCallbackQuery", None, 1, WAIT).await;
    let sent = fake.wait_for("sendMessage", Some(102), 2, WAIT).await;
    let escaped = label.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    assert!(
        text_of(&sent[1]).starts_with(&format!("<b>{escaped}</b>")),
        "the tapped question's answer: {}",
        text_of(&sent[1])
    );
    assert_valid_html(&sent[1]);
}

#[tokio::test]
async fn no_match_is_honest_and_offers_the_topics() {
    let fake = FakeTelegram::start().await;
    let _bot = BotProcess::start(&fake, &[]).await;
    fake.text(103, "what's the weather like in Paris tomorrow");
    let sent = fake.wait_for("sendMessage", Some(103), 1, WAIT).await;
    assert!(text_of(&sent[0]).contains("don't have a good answer"), "{}", text_of(&sent[0]));
    assert!(text_of(&sent[0]).contains("care team"));
    assert!(buttons(&sent[0]).iter().any(|(_, d)| d == "m"), "a topics button");
    assert_valid_html(&sent[0]);
}

#[tokio::test]
async fn a_warning_sign_gets_the_urgent_message_first_with_the_clinic_number() {
    let fake = FakeTelegram::start().await;
    let _bot = BotProcess::start(&fake, &["--urgent-contact", "+44 20 7946 0000"]).await;
    let (_, mid) = fake.text(104, "I have bloody diarrhoea since yesterday, is this the immunotherapy");
    let sent = fake.wait_for("sendMessage", Some(104), 2, WAIT).await;
    let urgent = text_of(&sent[0]);
    assert!(urgent.contains("⚠️") && urgent.contains("24-hour") && urgent.contains("+44 20 7946 0000"), "{urgent}");
    assert_eq!(sent[0].body["reply_parameters"]["message_id"], mid);
    assert!(!text_of(&sent[1]).contains("⚠️"));
    assert_valid_html(&sent[0]);
}

#[tokio::test]
async fn thoughts_of_suicide_get_their_own_message_first_then_support() {
    let fake = FakeTelegram::start().await;
    let _bot = BotProcess::start(&fake, &[]).await;
    fake.text(120, "i want to kill myself");
    let sent = fake.wait_for("sendMessage", Some(120), 2, WAIT).await;
    let notice = text_of(&sent[0]);
    assert!(notice.contains("⚠️") && notice.contains("emergency"), "{notice}");
    // Not the side-effect notice: it is not a side effect.
    assert!(!notice.contains("side effect"), "{notice}");
    assert!(text_of(&sent[1]).contains("support"), "{}", text_of(&sent[1]));
    assert_valid_html(&sent[0]);
}

#[tokio::test]
async fn topics_navigate_groups_questions_and_answers_in_place_with_back() {
    let fake = FakeTelegram::start().await;
    let _bot = BotProcess::start(&fake, &[]).await;
    fake.text(105, "/topics");
    let menu = fake.wait_for("sendMessage", Some(105), 1, WAIT).await.remove(0);
    let groups = buttons(&menu);
    assert_eq!(groups.len(), 7, "{groups:?}");
    press(&fake, 105, &menu, &groups[0].1);
    let edit = fake.wait_for("editMessageText", Some(105), 1, WAIT).await.remove(0);
    assert_eq!(edit.body["message_id"].as_i64(), menu.message_id, "edited in place");
    let questions = buttons(&edit);
    assert_eq!(questions.last().unwrap().1, "m", "Back to the groups");
    assert!(questions[0].1.starts_with("q:"));
    press(&fake, 105, &edit, &questions[0].1);
    let answer = fake.wait_for("editMessageText", Some(105), 2, WAIT).await.remove(1);
    assert!(text_of(&answer).contains("Sources"));
    assert_valid_html(&answer);
    let back = buttons(&answer).into_iter().find(|(t, _)| t.contains("Back")).expect("a Back button");
    assert_eq!(back.1, "g:0");
    press(&fake, 105, &answer, &back.1);
    let again = fake.wait_for("editMessageText", Some(105), 3, WAIT).await.remove(2);
    assert_eq!(buttons(&again), questions);
}

#[tokio::test]
async fn a_deep_link_opens_that_answer() {
    let fake = FakeTelegram::start().await;
    let _bot = BotProcess::start(&fake, &[]).await;
    fake.text(106, "/start hair-loss");
    let sent = fake.wait_for("sendMessage", Some(106), 1, WAIT).await;
    let question = &engine().corpus().find("hair-loss").unwrap().1.question;
    assert!(text_of(&sent[0]).starts_with(&format!("<b>{question}</b>")), "{}", text_of(&sent[0]));
}

#[tokio::test]
async fn start_without_a_link_welcomes_with_examples_and_the_menu() {
    let fake = FakeTelegram::start().await;
    let _bot = BotProcess::start(&fake, &[]).await;
    fake.text(107, "/start");
    let sent = fake.wait_for("sendMessage", Some(107), 1, WAIT).await;
    let text = text_of(&sent[0]);
    assert!(text.contains("not a doctor") && text.contains("care team") && text.contains("🔒"), "{text}");
    assert_eq!(text.matches("\n• ").count(), 3, "three example questions");
    assert_eq!(buttons(&sent[0]).len(), 7);
    assert_valid_html(&sent[0]);
}

#[tokio::test]
async fn about_gives_the_entry_count_the_latest_review_date_and_the_version() {
    let fake = FakeTelegram::start().await;
    let _bot = BotProcess::start(&fake, &[]).await;
    fake.text(119, "/about");
    let sent = fake.wait_for("sendMessage", Some(119), 1, WAIT).await;
    let text = text_of(&sent[0]);
    let corpus = engine().corpus();
    // Dates written as in the files (YYYY-MM-DD) sort as dates, so the latest is the largest string.
    let latest = corpus.parts.iter().flat_map(|p| &p.entries).map(|e| e.reviewed.to_string()).max().unwrap();
    assert!(latest.len() == 10 && latest.as_bytes()[4] == b'-' && latest.as_bytes()[7] == b'-', "{latest}");
    assert!(text.contains(&format!("Entries: {}", corpus.entry_count())), "{text}");
    assert!(text.contains(&format!("Last reviewed: {latest}")), "{text}");
    assert!(text.contains(&format!("Version: {}", env!("CARGO_PKG_VERSION"))), "{text}");
    assert_valid_html(&sent[0]);
}

#[tokio::test]
async fn feedback_is_recorded_thanked_and_the_thumbs_removed() {
    let fake = FakeTelegram::start().await;
    let _bot = BotProcess::start(&fake, &[]).await;
    fake.text(108, "will my hair fall out");
    let answer = fake.wait_for("sendMessage", Some(108), 1, WAIT).await.remove(0);
    let up = buttons(&answer).into_iter().find(|(t, _)| t.contains("👍")).unwrap();
    press(&fake, 108, &answer, &up.1);
    let thanks = fake.wait_for("answerCallbackQuery", None, 1, WAIT).await.remove(0);
    assert!(thanks.body["text"].as_str().unwrap_or("").contains("Thank you"));
    let edit = fake.wait_for("editMessageReplyMarkup", Some(108), 1, WAIT).await.remove(0);
    let left: Vec<String> = buttons(&edit).into_iter().map(|(t, _)| t).collect();
    assert!(!left.iter().any(|t| t.contains("👍") || t.contains("👎")), "{left:?}");
}

#[tokio::test]
async fn a_photo_gets_a_note_that_only_text_is_read() {
    let fake = FakeTelegram::start().await;
    let _bot = BotProcess::start(&fake, &[]).await;
    let mid = fake.next_message_id();
    fake.push(
        "message",
        message_json(
            mid,
            private_chat(109),
            109,
            json!({"photo": [{"file_id": "f", "file_unique_id": "u", "width": 10, "height": 10}]}),
        ),
    );
    let sent = fake.wait_for("sendMessage", Some(109), 1, WAIT).await;
    assert!(text_of(&sent[0]).contains("only read text"), "{}", text_of(&sent[0]));
}

#[tokio::test]
async fn in_a_group_only_messages_that_mention_the_bot_are_answered() {
    let fake = FakeTelegram::start().await;
    let _bot = BotProcess::start(&fake, &[]).await;
    let group = -5001;
    let m1 = fake.next_message_id();
    fake.push("message", message_json(m1, group_chat(group), 110, json!({"text": "will my hair fall out"})));
    let m2 = fake.next_message_id();
    fake.push(
        "message",
        message_json(m2, group_chat(group), 110, json!({"text": "@immunofaq_bot will my hair fall out"})),
    );
    let sent = fake.wait_for("sendMessage", Some(group), 1, WAIT).await;
    assert_eq!(sent[0].body["reply_parameters"]["message_id"], m2, "only the mention is answered");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(fake.calls_to("sendMessage", group).len(), 1);
}

#[tokio::test]
async fn an_edited_message_is_answered_again() {
    let fake = FakeTelegram::start().await;
    let _bot = BotProcess::start(&fake, &[]).await;
    let (_, mid) = fake.text(111, "what is imunotherapy");
    fake.wait_for("sendMessage", Some(111), 1, WAIT).await;
    fake.push("edited_message", {
        let mut m = message_json(mid, private_chat(111), 111, json!({"text": "will my hair fall out"}));
        m["edit_date"] = json!(m["date"]);
        m
    });
    let sent = fake.wait_for("sendMessage", Some(111), 2, WAIT).await;
    let question = &engine().corpus().find("hair-loss").unwrap().1.question;
    assert!(text_of(&sent[1]).contains(&**question), "{}", text_of(&sent[1]));
}

#[tokio::test]
async fn a_malformed_update_is_skipped_and_the_next_one_answered() {
    let fake = FakeTelegram::start().await;
    let bot = BotProcess::start(&fake, &[]).await;
    fake.push_raw(json!({"message": {"message_id": "not a number", "chat": 7}}));
    fake.text(112, "what is immunotherapy");
    fake.wait_for("sendMessage", Some(112), 1, WAIT).await;
    let logs = bot.logs();
    assert!(logs.contains("could not be read and was skipped"), "{logs}");
    assert!(!logs.contains("not a number"), "the raw update is never logged: {logs}");
}

/// Injects `fault` into the first reply to `user`; returns how long the reply took and the fake's record.
async fn reply_survives(fault: Fault, user: i64) -> (Duration, FakeTelegram) {
    let fake = FakeTelegram::start().await;
    let _bot = BotProcess::start(&fake, &[]).await;
    fake.fail_next("sendMessage", fault);
    let started = Instant::now();
    fake.text(user, "will my hair fall out");
    let calls = fake.wait_for("sendMessage", Some(user), 2, WAIT).await;
    assert!(text_of(&calls[1]).contains("Sources"), "the retried reply arrives whole");
    (calls[1].at.duration_since(started), fake)
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_and_the_reply_arrives() {
    let (took, fake) = reply_survives(Fault::RetryAfter(1), 113).await;
    assert!(took >= Duration::from_millis(950), "retry_after was respected: {took:?}");
    // A second's wait is noticeable: the patient sees "typing…" while the reply waits, and it comes first.
    let methods: Vec<String> =
        fake.calls().into_iter().filter(|c| fake_telegram::chat_of(&c.body) == Some(113)).map(|c| c.method).collect();
    assert_eq!(methods, ["sendMessage", "sendChatAction", "sendMessage"], "typing shown while the reply waits");
}

#[tokio::test]
async fn a_500_is_retried_and_the_reply_arrives() {
    reply_survives(Fault::ServerError, 114).await;
}

#[tokio::test]
async fn a_dropped_connection_is_retried_and_the_reply_arrives() {
    reply_survives(Fault::Drop, 115).await;
}

#[tokio::test]
async fn a_flooding_user_is_told_once_and_slowed_while_others_are_answered_at_once() {
    let fake = FakeTelegram::start().await;
    let _bot = BotProcess::start(&fake, &["--flood-per-minute", "5", "--no-send-limits"]).await;
    for _ in 0..8 {
        fake.text(116, "will my hair fall out");
    }
    let sent = fake.wait_for("sendMessage", Some(116), 6, WAIT).await;
    let notices = sent.iter().filter(|c| text_of(c).contains("very quickly")).count();
    assert_eq!(notices, 1, "one notice");
    let started = Instant::now();
    fake.text(117, "will my hair fall out");
    let other = fake.wait_for("sendMessage", Some(117), 1, WAIT).await;
    assert!(other[0].at.duration_since(started) < Duration::from_secs(5), "another user is not slowed");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let answers = fake.calls_to("sendMessage", 116).iter().filter(|c| text_of(c).contains("Sources")).count();
    assert!(answers < 8, "the flooding user is slowed, not answered at full speed ({answers} of 8 so far)");
}

#[tokio::test]
async fn sigterm_during_a_reply_finishes_it_and_exits_zero() {
    let fake = FakeTelegram::start().await;
    let mut bot = BotProcess::start(&fake, &[]).await;
    // The reply is made to wait two seconds; "typing…" says the bot is in the middle of it.
    fake.fail_next("sendMessage", Fault::RetryAfter(2));
    fake.text(118, "will my hair fall out");
    fake.wait_for("sendChatAction", Some(118), 1, WAIT).await;
    bot.signal("TERM");
    let code = bot.wait_exit(Duration::from_secs(20)).await;
    assert_eq!(code, Some(0), "{}", bot.logs());
    let sent = fake.calls_to("sendMessage", 118);
    assert_eq!(sent.len(), 2, "the reply in flight was finished: {}", bot.logs());
    assert!(text_of(&sent[1]).contains("Sources"), "{}", bot.logs());
    assert_eq!(fake.pending_updates(), 0, "the processed update was confirmed");
}

#[tokio::test]
async fn a_missing_token_is_a_clear_error() {
    let fake = FakeTelegram::start().await;
    let mut bot = BotProcess::spawn(&fake, &[], &[("TELOXIDE_TOKEN", "")]);
    let code = bot.wait_exit(WAIT).await;
    assert_ne!(code, Some(0));
    assert!(bot.logs().contains("TELOXIDE_TOKEN is not set"), "{}", bot.logs());
}

#[tokio::test]
async fn a_rejected_token_is_a_clear_error_not_a_panic() {
    let fake = FakeTelegram::start().await;
    fake.fail_next("getMe", Fault::Unauthorized);
    let mut bot = BotProcess::spawn(&fake, &[], &[]);
    let code = bot.wait_exit(WAIT).await;
    assert_ne!(code, Some(0));
    let logs = bot.logs();
    assert!(logs.contains("Telegram rejected the token"), "{logs}");
    assert!(!logs.contains("panicked"), "{logs}");
    assert!(!logs.contains("TEST-TOKEN"), "the token is never logged: {logs}");
}
