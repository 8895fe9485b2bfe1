//! What comes close to a name that matched nothing — a filter's `org:`/`net:`/`tag:`/`dtag:`
//! term, an `ssid:` rule — so the message can say "did you mean": the same text in another
//! case, with other spaces around it, or written with look-alike characters. Names are compared
//! exactly everywhere (as by the original script); these are only suggestions.
//!
//! Look-alikes matter because names are typed from what a screen shows: the Dashboard lets
//! administrators name an SSID `Guest Wi‑Fi` with a non-breaking hyphen (U+2011), which looks
//! the same as the ASCII `-` a keyboard types.

/// `name` with case, surrounding spaces and look-alike characters folded away.
fn fold(name: &str) -> String {
    name.trim()
        .chars()
        .filter_map(|c| match c {
            // Hyphens and dashes, the minus sign, small and full-width hyphen-minus.
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => {
                Some('-')
            }
            // No-break and typographic spaces.
            '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => {
                Some(' ')
            }
            '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{2032}' => Some('\''),
            '\u{201C}' | '\u{201D}' | '\u{201F}' | '\u{2033}' => Some('"'),
            // Invisible: zero-width characters, the soft hyphen, a byte-order mark.
            '\u{200B}'..='\u{200D}' | '\u{00AD}' | '\u{FEFF}' => None,
            c => Some(c),
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// The `candidates` that differ from `wanted` only in case, surrounding spaces or look-alike
/// characters (sorted, each once).
pub(crate) fn near_misses<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Vec<String> {
    let folded = fold(wanted);
    let mut near: Vec<String> = candidates
        .into_iter()
        .filter(|c| *c != wanted && fold(c) == folded)
        .map(str::to_string)
        .collect();
    near.sort();
    near.dedup();
    near
}

/// For a near miss that differs from `wanted` by a character that is not plain ASCII, which:
/// `U+2011 where you wrote "-"` — the two look the same on screen, so the message must say.
pub(crate) fn lookalike(wanted: &str, near: &str) -> Option<String> {
    let (w, n) = (wanted.trim(), near.trim());
    let (written, theirs) = w.chars().zip(n.chars()).find(|(a, b)| a != b)?;
    (!theirs.is_ascii() && !theirs.to_lowercase().eq(written.to_lowercase()))
        .then(|| format!("U+{:04X} where you wrote \"{written}\"", u32::from(theirs)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_spaces_and_look_alikes_come_close_other_names_do_not() {
        let names = [
            "Guest Wi\u{2011}Fi",
            "Guest\u{00A0}Wi-Fi",
            "guest wi-fi ",
            "Guest Wi-Fi 2",
            "Staff",
        ];
        assert_eq!(
            near_misses("Guest Wi-Fi", names),
            vec!["Guest Wi\u{2011}Fi", "Guest\u{00A0}Wi-Fi", "guest wi-fi "]
        );
        assert!(
            near_misses("Guest Wi-Fi", ["Guest Wi-Fi"]).is_empty(),
            "itself"
        );
        assert_eq!(near_misses("Café’s", ["CAFÉ'S"]), vec!["CAFÉ'S"]);
        assert_eq!(near_misses("Acme\u{200B}", ["acme"]), vec!["acme"]);
        assert_eq!(
            lookalike("Guest Wi-Fi", "Guest Wi\u{2011}Fi").as_deref(),
            Some("U+2011 where you wrote \"-\"")
        );
        assert_eq!(lookalike("guest", "Guest"), None, "case shows on screen");
        assert_eq!(lookalike("Café", "CAFÉ"), None);
    }
}
