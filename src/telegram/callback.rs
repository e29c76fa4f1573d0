//! Callback data for inline buttons: a short, versionless text that always fits Telegram's 64-byte limit
//! (entry ids are checked to be short enough when the corpus loads).

pub const MAX_CALLBACK_BYTES: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callback {
    /// Show an entry's answer as a new message (did-you-mean, related questions).
    Answer(String),
    /// The /topics menu: the list of groups, edited in place.
    Menu,
    /// One group's questions, edited in place.
    Group(usize),
    /// An entry's answer inside the menu message, with Back to its group.
    MenuAnswer(String),
    /// 👍 or 👎 on an answer.
    Vote { id: String, up: bool },
}

impl Callback {
    pub fn encode(&self) -> String {
        let data = match self {
            Callback::Answer(id) => format!("a:{id}"),
            Callback::Menu => "m".to_string(),
            Callback::Group(i) => format!("g:{i}"),
            Callback::MenuAnswer(id) => format!("q:{id}"),
            Callback::Vote { id, up } => format!("v:{}:{id}", if *up { '+' } else { '-' }),
        };
        debug_assert!(data.len() <= MAX_CALLBACK_BYTES, "callback data too long: {data}");
        data
    }

    pub fn decode(data: &str) -> Option<Callback> {
        let (kind, rest) = data.split_once(':').unwrap_or((data, ""));
        match kind {
            "a" if !rest.is_empty() => Some(Callback::Answer(rest.to_string())),
            "m" => Some(Callback::Menu),
            "g" => rest.parse().ok().map(Callback::Group),
            "q" if !rest.is_empty() => Some(Callback::MenuAnswer(rest.to_string())),
            "v" => {
                let (sign, id) = rest.split_once(':')?;
                let up = match sign {
                    "+" => true,
                    "-" => false,
                    _ => return None,
                };
                (!id.is_empty()).then(|| Callback::Vote { id: id.to_string(), up })
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_callback_round_trips() {
        for c in [
            Callback::Answer("hair-loss".into()),
            Callback::Menu,
            Callback::Group(3),
            Callback::MenuAnswer("schedule-and-session-length".into()),
            Callback::Vote { id: "fatigue".into(), up: false },
        ] {
            assert_eq!(Callback::decode(&c.encode()), Some(c));
        }
    }

    #[test]
    fn the_longest_allowed_id_fits_in_64_bytes() {
        let id = "x".repeat(crate::corpus::MAX_ID_LEN);
        assert!(Callback::Vote { id, up: true }.encode().len() <= MAX_CALLBACK_BYTES);
    }

    #[test]
    fn garbage_is_rejected() {
        for d in ["", "zz", "v:*:x", "g:x", "a:", "v:+:"] {
            assert_eq!(Callback::decode(d), None, "{d}");
        }
    }
}
