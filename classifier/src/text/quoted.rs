//! Telling the new text of a reply apart from the messages it quotes. Mail clients mark
//! quotes in two ways: `>` prefixes, and an attribution or header block ("On ... wrote:",
//! "-----Original Message-----", "Von: ... Gesendet: ...") after which everything is the
//! earlier message. Language, kind and deadline are read from the new text first.

use super::LinePattern;
use regex::Regex;
use std::sync::LazyLock;

/// A body split into what the writer wrote now and what they quoted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplySplit {
    pub new_text: String,
    /// Quoted messages, `>` prefixes removed, attribution and header lines left out.
    pub quoted_text: String,
}

/// Separator lines that start a quoted or forwarded message, in the languages served.
static SEPARATOR: LazyLock<LinePattern> = LazyLock::new(|| {
    LinePattern::new(
        r"(?ix)^\s*(?:
            -{2,}\s*(?:original\s+message|forwarded\s+message|original-?nachricht|weitergeleitete\s+nachricht
                |message\s+d'origine|message\s+transf[ée]r[ée]|mensaje\s+original|mensaje\s+reenviado
                |messaggio\s+originale|messaggio\s+inoltrato|oorspronkelijk\s+bericht|doorgestuurd\s+bericht
                |mensagem\s+original|mensagem\s+encaminhada)\s*-{2,}\s*$
            |_{20,}\s*$
            |begin\s+forwarded\s+message:\s*$
        )",
    )
    .unwrap_or_else(|e| panic!("separator regex: {e}"))
});

/// One-line (or two-line, when wrapped) attributions: "On Mon, 2 Mar 2026, X wrote:".
static ATTRIBUTION_START: LazyLock<LinePattern> = LazyLock::new(|| {
    LinePattern::new(r"(?i)^\s*(?:on|am|le|el|il|op|em|a)\s\S.*$")
        .unwrap_or_else(|e| panic!("attribution regex: {e}"))
});
static ATTRIBUTION_END: LazyLock<Regex> = LazyLock::new(|| {
    crate::text::compile(r"(?i)(?:wrote|schrieb|a\s+écrit|escribió|ha\s+scritto|schreef|escreveu|scrisse)\s*(?:\S+\s*)?:\s*$")
        .unwrap_or_else(|e| panic!("attribution end regex: {e}"))
});

/// The first line of an Outlook-style header block: "From:", "Von:", "De :", "Da:", "Van:".
static HEADER_FROM: LazyLock<LinePattern> = LazyLock::new(|| {
    LinePattern::new(r"(?i)^\s*\*?(?:from|von|de|da|van|remitente)\s*:\*?\s*\S")
        .unwrap_or_else(|e| panic!("header regex: {e}"))
});
/// A second header line that confirms the block: "Sent:", "Gesendet:", "Envoyé :", ...
static HEADER_SENT: LazyLock<LinePattern> = LazyLock::new(|| {
    LinePattern::new(r"(?i)^\s*\*?(?:sent|date|gesendet|datum|envoyé|date\s+d'envoi|enviado|fecha|inviato|data|verzonden|verstuurd|datum|enviada)\s*:\*?\s*\S")
        .unwrap_or_else(|e| panic!("header regex: {e}"))
});
/// Any line of a quoted header block, left out of the quoted text.
static HEADER_LINE: LazyLock<LinePattern> = LazyLock::new(|| {
    LinePattern::new(r"(?i)^\s*\*?(?:from|to|cc|bcc|sent|date|subject|von|an|gesendet|datum|betreff|de|à|a|envoyé|objet|cc|para|enviado|fecha|asunto|da|inviato|data|oggetto|van|aan|verzonden|onderwerp|assunto|enviada)\s*:\*?")
        .unwrap_or_else(|e| panic!("header regex: {e}"))
});

/// Split a plain-text body into new and quoted text. A long body is read as its head and
/// tail ([`super::bounds`]).
pub fn split_reply(body: &str) -> ReplySplit {
    let body = super::bounded(body);
    let lines: Vec<&str> = body.lines().collect();
    let cut = quote_start(&lines);
    let mut new_text = String::new();
    let mut quoted_text = String::new();
    for (i, line) in lines.iter().enumerate() {
        let in_quote_block = cut.is_some_and(|c| i >= c);
        if let Some(rest) = line.trim_start().strip_prefix('>') {
            push_line(&mut quoted_text, strip_quote_marks(rest));
        } else if in_quote_block {
            if !is_attribution_or_header(&lines, i) {
                push_line(&mut quoted_text, line);
            }
        } else {
            push_line(&mut new_text, line);
        }
    }
    // A `>`-quoted block is usually introduced by an attribution left in the new text.
    let new_text = drop_trailing_attribution(new_text);
    ReplySplit {
        new_text,
        quoted_text,
    }
}

fn push_line(out: &mut String, line: &str) {
    out.push_str(line);
    out.push('\n');
}

fn strip_quote_marks(rest: &str) -> &str {
    let mut s = rest;
    loop {
        let t = s.strip_prefix(' ').unwrap_or(s);
        match t.strip_prefix('>') {
            Some(next) => s = next,
            None => return t,
        }
    }
}

/// Index of the first line of the quoted block, if there is one.
fn quote_start(lines: &[&str]) -> Option<usize> {
    for (i, line) in lines.iter().enumerate() {
        if SEPARATOR.is_match(line) {
            return Some(i);
        }
        if is_attribution_at(lines, i) {
            return Some(i);
        }
        if HEADER_FROM.is_match(line) && header_block_follows(lines, i) {
            return Some(i);
        }
    }
    None
}

fn is_attribution_at(lines: &[&str], i: usize) -> bool {
    let Some(line) = lines.get(i) else {
        return false;
    };
    if !ATTRIBUTION_START.is_match(line) {
        return false;
    }
    if ATTRIBUTION_END.is_match(line) {
        return true;
    }
    // Clients wrap long attributions onto a second line.
    lines
        .get(i + 1)
        .is_some_and(|next| line.len() > 30 && ATTRIBUTION_END.is_match(next))
}

fn header_block_follows(lines: &[&str], i: usize) -> bool {
    lines
        .iter()
        .skip(i + 1)
        .take(4)
        .any(|l| HEADER_SENT.is_match(l))
}

fn is_attribution_or_header(lines: &[&str], i: usize) -> bool {
    let Some(line) = lines.get(i) else {
        return false;
    };
    SEPARATOR.is_match(line)
        || is_attribution_at(lines, i)
        || (i > 0 && is_attribution_at(lines, i - 1) && ATTRIBUTION_END.is_match(line))
        || HEADER_LINE.is_match(line)
}

fn drop_trailing_attribution(text: String) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut end = lines.len();
    while end > 0 && lines.get(end - 1).is_some_and(|l| l.trim().is_empty()) {
        end -= 1;
    }
    let Some(last) = end.checked_sub(1) else {
        return text;
    };
    let cut = if is_attribution_at(&lines, last) {
        Some(last)
    } else if last > 0 && is_attribution_at(&lines, last - 1) {
        Some(last - 1)
    } else {
        None
    };
    match cut {
        Some(c) => lines
            .get(..c)
            .map(|l| l.join("\n") + "\n")
            .unwrap_or_default(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_pattern_skips_lines_that_cannot_match() {
        for pattern in [
            &*SEPARATOR,
            &*ATTRIBUTION_START,
            &*HEADER_FROM,
            &*HEADER_SENT,
            &*HEADER_LINE,
        ] {
            assert!(pattern.is_gated());
        }
    }

    #[test]
    fn gt_quotes_and_attribution() {
        let s = split_reply(
            "Any update?\n\nOn Mon, Mar 2, 2026 at 10:00 AM Jane Roe <jroe@fbi.gov> wrote:\n> Please preserve\n> > older\n",
        );
        assert_eq!(s.new_text.trim(), "Any update?");
        assert_eq!(s.quoted_text, "Please preserve\nolder\n");
    }

    #[test]
    fn wrapped_attribution() {
        let s = split_reply(
            "Reminder.\nOn Mon, Mar 2, 2026 at 10:00 AM Jane Roe, Special Agent <\njroe@fbi.gov> wrote:\n> text\n",
        );
        assert_eq!(s.new_text.trim(), "Reminder.");
        assert!(!s.quoted_text.contains("jroe"));
    }

    #[test]
    fn outlook_blocks_in_several_languages() {
        for (body, header) in [
            (
                "Neu.\n\nVon: Max <m@polizei.de>\nGesendet: Montag\nAn: x\nBetreff: y\n\nAlt.\n",
                "Von:",
            ),
            (
                "Nouveau.\n\nDe : Jean <j@interieur.gouv.fr>\nEnvoyé : lundi\nÀ : x\nObjet : y\n\nAncien.\n",
                "De :",
            ),
            (
                "New.\n-----Original Message-----\nFrom: a@b.gov\nSent: Monday\nSubject: s\n\nOld.\n",
                "From:",
            ),
            (
                "Nuevo.\n\nDe: Ana <a@policia.es>\nEnviado: lunes\nPara: x\nAsunto: y\n\nViejo.\n",
                "De:",
            ),
        ] {
            let s = split_reply(body);
            assert!(!s.new_text.contains(header), "{body}");
            assert_eq!(s.quoted_text.trim(), body.lines().last().unwrap_or(""));
        }
    }

    #[test]
    fn no_quote_at_all() {
        let s = split_reply("From: the records of the bank\nwe need data.\n");
        assert_eq!(s.quoted_text, "");
        assert!(s.new_text.contains("we need data."));
    }
}
