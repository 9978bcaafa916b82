//! Authentication-Results headers (RFC 8601): which ones to believe and what they say.
//!
//! Anyone can write an Authentication-Results header, so only headers whose authserv-id
//! is one of ours (`classifier.trusted_authserv_ids`) count. Several trusted headers are
//! merged: a failure in any of them stands.

/// A method's result (`spf=fail`), with the properties that name the checked domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodResult {
    /// Lower-case method: `spf`, `dkim`, `dmarc`, `arc`, ...
    pub method: String,
    /// Lower-case result: `pass`, `fail`, `softfail`, `none`, ...
    pub result: String,
    /// `header.from`, `header.d`, `smtp.mailfrom`, ... (lower-case names), as written.
    pub properties: Vec<(String, String)>,
}

impl MethodResult {
    pub fn property(&self, name: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One parsed Authentication-Results header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthResults {
    /// Lower-case authserv-id.
    pub authserv_id: String,
    pub results: Vec<MethodResult>,
}

/// Parse one header value. `None` when there is not even an authserv-id.
pub fn parse(value: &str) -> Option<AuthResults> {
    let cleaned = strip_comments(value);
    let mut parts = split_outside_quotes(&cleaned, ';').into_iter();
    let head = parts.next()?;
    // "authserv-id [version]"
    let authserv_id = head
        .split_whitespace()
        .next()?
        .trim_matches('"')
        .to_lowercase();
    if authserv_id.is_empty() {
        return None;
    }
    let mut results = Vec::new();
    for part in parts {
        let words = split_outside_quotes(part.trim(), ' ');
        let mut words = words.into_iter().filter(|w| !w.is_empty());
        let Some(first) = words.next() else { continue };
        let Some((method, result)) = first.split_once('=') else {
            continue; // "none", or junk
        };
        let method = method
            .split('/')
            .next()
            .unwrap_or(method)
            .trim()
            .to_lowercase();
        let result = result.trim().trim_matches('"').to_lowercase();
        let mut properties = Vec::new();
        for word in words {
            if let Some((name, value)) = word.split_once('=') {
                properties.push((
                    name.trim().to_lowercase(),
                    value.trim().trim_matches('"').to_string(),
                ));
            }
        }
        results.push(MethodResult {
            method,
            result,
            properties,
        });
    }
    Some(AuthResults {
        authserv_id,
        results,
    })
}

/// Remove RFC 5322 comments (nested parentheses, outside quoted strings).
fn strip_comments(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut depth = 0usize;
    let mut quoted = false;
    let mut escaped = false;
    for c in value.chars() {
        if escaped {
            escaped = false;
            if depth == 0 {
                out.push(c);
            }
            continue;
        }
        match c {
            '\\' => {
                escaped = true;
                if depth == 0 {
                    out.push(c);
                }
            }
            '"' if depth == 0 => {
                quoted = !quoted;
                out.push(c);
            }
            '(' if !quoted => depth += 1,
            ')' if !quoted && depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    out.push(' ');
                }
            }
            '\r' | '\n' | '\t' if depth == 0 => out.push(' '),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn split_outside_quotes(value: &str, separator: char) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in value.char_indices() {
        if c == '"' {
            quoted = !quoted;
        } else if c == separator && !quoted {
            out.push(value.get(start..i).unwrap_or(""));
            start = i + c.len_utf8();
        }
    }
    out.push(value.get(start..).unwrap_or(""));
    out
}

/// What the trusted headers say about the message, merged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthSummary {
    /// Trusted headers found.
    pub trusted: usize,
    /// authserv-ids of ignored headers, each once.
    pub untrusted_ids: Vec<String>,
    pub dmarc: Option<String>,
    pub spf: Option<String>,
    /// DKIM results (several signatures can be checked).
    pub dkim: Vec<String>,
}

/// Worst first: a failure anywhere wins over a pass elsewhere.
fn rank(result: &str) -> u8 {
    match result {
        "fail" | "permerror" => 0,
        "softfail" => 1,
        "temperror" | "neutral" | "policy" => 2,
        "none" => 3,
        "pass" => 4,
        _ => 2,
    }
}

fn merge(slot: &mut Option<String>, result: &str) {
    if slot.as_deref().is_none_or(|old| rank(result) < rank(old)) {
        *slot = Some(result.to_string());
    }
}

impl AuthSummary {
    /// Read every header; `from_domain` is the From header's domain (ASCII), so that a
    /// DMARC result about another domain is not taken for this one.
    pub fn from_headers(headers: &[String], trusted_ids: &[String], from_domain: &str) -> Self {
        let mut summary = AuthSummary::default();
        for value in headers {
            let Some(parsed) = parse(value) else { continue };
            if !trusted_ids
                .iter()
                .any(|t| t.trim().eq_ignore_ascii_case(&parsed.authserv_id))
            {
                if !summary.untrusted_ids.contains(&parsed.authserv_id) {
                    summary.untrusted_ids.push(parsed.authserv_id);
                }
                continue;
            }
            summary.trusted += 1;
            for r in &parsed.results {
                match r.method.as_str() {
                    "dmarc" => {
                        let about = r.property("header.from").map(str::to_lowercase);
                        if about.as_deref().is_none_or(|d| d == from_domain) {
                            merge(&mut summary.dmarc, &r.result);
                        }
                    }
                    "spf" => merge(&mut summary.spf, &r.result),
                    "dkim" => summary.dkim.push(r.result.clone()),
                    _ => {}
                }
            }
        }
        summary
    }

    fn dkim_pass(&self) -> bool {
        self.dkim.iter().any(|r| r == "pass")
    }

    fn spf_failed(&self) -> bool {
        matches!(self.spf.as_deref(), Some("fail" | "softfail"))
    }

    /// DKIM checked and nothing passed (`none` means unsigned: nothing vouches for it).
    fn dkim_failed(&self) -> bool {
        !self.dkim_pass()
            && self.dkim.iter().any(|r| {
                matches!(
                    r.as_str(),
                    "fail" | "permerror" | "neutral" | "policy" | "none"
                )
            })
    }

    /// The verdict of our own servers: the From domain was forged. `dmarc=fail`, or SPF
    /// and DKIM both failing.
    pub fn spoof_reason(&self) -> Option<String> {
        if self.dmarc.as_deref() == Some("fail") {
            return Some("DMARC fails for the From domain".to_string());
        }
        if self.spf_failed() && self.dkim_failed() {
            return Some(format!(
                "SPF {} and DKIM {}",
                self.spf.as_deref().unwrap_or("fail"),
                self.dkim.join("/")
            ));
        }
        None
    }

    /// A pass that ties the message to its From domain.
    pub fn passed(&self) -> bool {
        self.dmarc.as_deref() == Some("pass")
            || (self.dmarc.is_none() && (self.dkim_pass() || self.spf.as_deref() == Some("pass")))
    }

    /// One of SPF or DKIM fails while the other does not: worth a look, not a spoof.
    pub fn partial_failure(&self) -> Option<String> {
        if self.spoof_reason().is_some() {
            return None;
        }
        if self.spf_failed() {
            return Some(format!("SPF {}", self.spf.as_deref().unwrap_or("fail")));
        }
        if self.dkim.iter().any(|r| r == "fail") {
            return Some("a DKIM signature fails".to_string());
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc8601_examples() {
        let r = parse(
            "example.com;\r\n spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=example.net;\r\n dkim=pass header.d=example.net header.i=@example.net;\r\n dmarc=fail (p=reject) header.from=example.net",
        );
        let r = match r {
            Some(r) => r,
            None => panic!("no parse"),
        };
        assert_eq!(r.authserv_id, "example.com");
        let methods: Vec<(&str, &str)> = r
            .results
            .iter()
            .map(|m| (m.method.as_str(), m.result.as_str()))
            .collect();
        assert_eq!(
            methods,
            [("spf", "pass"), ("dkim", "pass"), ("dmarc", "fail")]
        );
        assert_eq!(r.results[2].property("header.from"), Some("example.net"));
        let none = parse("mx.example.org 1; none");
        assert_eq!(
            none.map(|n| (n.authserv_id, n.results.len())),
            Some(("mx.example.org".into(), 0))
        );
        assert!(parse("  ").is_none());
    }

    #[test]
    fn comments_and_quotes_do_not_confuse_the_parser() {
        let r = parse("mx (our; server) ; spf=fail (a;b) smtp.mailfrom=\"x;y@z\"");
        let r = r.map(|r| (r.authserv_id, r.results.len()));
        assert_eq!(r, Some(("mx".to_string(), 1)));
    }

    fn summary(headers: &[&str]) -> AuthSummary {
        let headers: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
        AuthSummary::from_headers(&headers, &["mx.exchange.example".to_string()], "fbi.gov")
    }

    #[test]
    fn only_trusted_headers_count_and_failures_win() {
        let s = summary(&[
            "mx.exchange.example; dmarc=fail header.from=fbi.gov",
            "mx.exchange.example; dmarc=pass header.from=fbi.gov",
            "attacker.example; dmarc=pass header.from=fbi.gov",
        ]);
        assert_eq!(s.trusted, 2);
        assert_eq!(s.untrusted_ids, ["attacker.example"]);
        assert!(s.spoof_reason().is_some());
    }

    #[test]
    fn spf_and_dkim_both_failing_is_a_spoof() {
        assert!(
            summary(&["mx.exchange.example; spf=fail; dkim=fail"])
                .spoof_reason()
                .is_some()
        );
        assert!(
            summary(&["mx.exchange.example; spf=softfail; dkim=none"])
                .spoof_reason()
                .is_some()
        );
        let partial = summary(&["mx.exchange.example; spf=fail; dkim=pass header.d=fbi.gov"]);
        assert!(partial.spoof_reason().is_none());
        assert!(partial.partial_failure().is_some());
        assert!(partial.passed());
    }

    #[test]
    fn dmarc_about_another_domain_is_not_ours() {
        let s = summary(&["mx.exchange.example; dmarc=fail header.from=other.example"]);
        assert!(s.spoof_reason().is_none());
    }
}
