//! The verified-agency directory. (First version: restricted namespaces only.)

/// Agencies, their domains and the restricted government namespaces.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    namespaces: Vec<(String, String)>,
}

impl Directory {
    /// The directory shipped with lea-intake.
    pub fn builtin() -> Self {
        let namespaces = [
            ("gov", "US"),
            ("mil", "US"),
            ("gov.uk", "GB"),
            ("police.uk", "GB"),
        ]
        .iter()
        .map(|(s, c)| (s.to_string(), c.to_string()))
        .collect();
        Directory { namespaces }
    }

    /// The country of the restricted namespace `domain` falls under, if any.
    pub fn restricted_namespace(&self, domain: &str) -> Option<&str> {
        self.namespaces
            .iter()
            .find(|(ns, _)| domain == ns || domain.ends_with(&format!(".{ns}")))
            .map(|(_, c)| c.as_str())
    }
}
