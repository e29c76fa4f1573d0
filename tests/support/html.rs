//! Checks that a text is HTML Telegram would accept: only the tags the Bot API allows, balanced, with every
//! `&` starting an entity and no stray `<`.

const ALLOWED: &[&str] = &[
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
];

pub fn check(html: &str) -> Result<(), String> {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(['<', '&']) {
        let (before, tail) = rest.split_at(i);
        let _ = before;
        if tail.starts_with('&') {
            let end =
                tail.find(';').ok_or_else(|| format!("unterminated entity at {:?}", &tail[..tail.len().min(12)]))?;
            let entity = &tail[..=end];
            let ok = matches!(entity, "&lt;" | "&gt;" | "&amp;" | "&quot;")
                || (entity.starts_with("&#") && entity[2..end].chars().all(|c| c.is_ascii_hexdigit() || c == 'x'));
            if !ok {
                return Err(format!("bad entity {entity}"));
            }
            rest = &tail[end + 1..];
            continue;
        }
        let end = tail.find('>').ok_or("a '<' that does not open a tag")?;
        let tag = &tail[1..end];
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().ok_or_else(|| format!("closing </{name}> with nothing open"))?;
            if open != name {
                return Err(format!("</{name}> closes <{open}>"));
            }
        } else {
            let name = tag.split_whitespace().next().unwrap_or("");
            if !ALLOWED.contains(&name) {
                return Err(format!("tag <{name}> is not allowed"));
            }
            if name == "a" && !tag.contains("href=\"") {
                return Err("<a> without href".into());
            }
            stack.push(name.to_string());
        }
        rest = &tail[end + 1..];
    }
    if let Some(open) = stack.pop() {
        return Err(format!("<{open}> is never closed"));
    }
    Ok(())
}
