//! The bot's own fixed texts (welcome, help, privacy…), per language, as Telegram HTML.

use crate::text::Language;

pub struct Texts {
    pub welcome: &'static str,
    pub examples: [&'static str; 3],
    pub help: &'static str,
    pub privacy: &'static str,
    pub about: &'static str,
    pub menu: &'static str,
    pub text_only: &'static str,
    pub flood: &'static str,
    pub unknown_command: &'static str,
    pub vote_thanks: &'static str,
    pub gone: &'static str,
    pub description: &'static str,
    pub short_description: &'static str,
}

pub fn texts(lang: Language) -> &'static Texts {
    match lang {
        Language::En => &EN,
    }
}

static EN: Texts = Texts {
    welcome: "👋 <b>Hello.</b> I answer common questions about <b>cancer immunotherapy</b>: what it is, how it is given, \
              side effects, and living with treatment. My answers come from trusted cancer organisations, and each \
              one lists its sources.\n\n\
              I am not a doctor and I do not know your medical history. I cannot give advice about your own \
              treatment or doses. <b>Your care team is always the right place for that.</b> If you feel very \
              unwell, contact your care team's 24-hour line or emergency services now.\n\n\
              🔒 I do not keep your name or who asked what.\n\n\
              Type a question in your own words, for example:",
    examples: ["What is immunotherapy?", "Will my hair fall out?", "How long does treatment last?"],
    help: "<b>How to ask</b>\n\n\
           Type your question in your own words, like you would ask a nurse. Spelling mistakes are fine.\n\n\
           • One question per message works best.\n\
           • If I am not sure what you mean, I show a few topics to choose from.\n\
           • /topics lists everything I can answer.\n\
           • /privacy tells you what I keep.\n\n\
           If you have worrying symptoms, do not wait for me: contact your care team now.",
    privacy: "<b>Privacy</b>\n\n\
              <b>What I keep:</b> counts of how many questions were answered, and 👍/👎 votes per answer. When I \
              cannot answer a question, I keep its text (with phone numbers, e-mail addresses, names and other \
              details removed) so that the team can add a better answer. These are deleted after a set time.\n\n\
              <b>What I never keep:</b> your name, your Telegram id, your chat, or anything that links a question \
              to you.\n\n\
              Please do not send personal details such as your name, address or hospital number.",
    about: "<b>About this bot</b>\n\n\
            The answers are written in plain language by the bot's team from trusted public sources (national \
            cancer organisations, cancer centres and hospitals), and each answer lists its sources. Every answer \
            shows when it was last reviewed. The bot matches your words to the closest question it knows; it \
            never makes up an answer.",
    menu: "📚 <b>Topics</b>\n\nChoose a group:",
    text_only: "I can only read text messages. Please type your question.",
    flood: "You are sending messages very quickly. I will answer them, but a little more slowly. \
            If something is urgent, please contact your care team now.",
    unknown_command: "I don't know that command. Type /help to see how to ask, or just type your question.",
    vote_thanks: "Thank you for your feedback!",
    gone: "Sorry, that answer is no longer available. Type /topics to see the current list.",
    description: "I answer common questions about cancer immunotherapy in plain language, with sources. \
                  I do not replace your care team.",
    short_description: "Plain-language answers about cancer immunotherapy, with sources.",
};
