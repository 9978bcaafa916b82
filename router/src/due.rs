//! Due dates: when a case must be answered, when reviewers are told it is due soon, and
//! when a preservation lapses.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use lea_classifier::RequestKind;
use std::collections::HashMap;

/// The dates of one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseDates {
    pub due_at: DateTime<Utc>,
    /// When the `case.due_soon` notice is due.
    pub due_soon_at: DateTime<Utc>,
    /// Preservation requests only: when the preservation lapses.
    pub expires_at: Option<DateTime<Utc>>,
}

/// How due dates are set.
#[derive(Debug, Clone)]
pub struct DuePolicy {
    /// The answer period of a request without a deadline of its own.
    pub default_period: Duration,
    /// Periods per kind, overriding the default (emergency disclosure: hours).
    pub periods: HashMap<RequestKind, Duration>,
    /// How long before the due date reviewers are told; at most a quarter of the case's
    /// whole period, so a 24-hour emergency is not "due soon" the moment it arrives.
    pub due_soon: Duration,
    /// How long a preservation holds (90 days under 18 U.S.C. § 2703(f)).
    pub preservation_period: Duration,
}

impl Default for DuePolicy {
    fn default() -> Self {
        DuePolicy {
            default_period: Duration::days(30),
            periods: HashMap::from([(RequestKind::EmergencyDisclosure, Duration::hours(24))]),
            due_soon: Duration::days(3),
            preservation_period: Duration::days(90),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("invalid period {text:?}: write a number and a unit, e.g. \"30d\", \"24h\" or \"90m\"")]
pub struct PeriodError {
    text: String,
}

/// A period written as `<n>d`, `<n>h` or `<n>m` (days, hours, minutes).
pub fn parse_period(text: &str) -> Result<Duration, PeriodError> {
    let err = || PeriodError {
        text: text.to_string(),
    };
    let trimmed = text.trim();
    let unit = trimmed.chars().last().ok_or_else(err)?;
    let number: i64 = trimmed[..trimmed.len() - unit.len_utf8()]
        .trim()
        .parse()
        .map_err(|_| err())?;
    if !(1..=100_000).contains(&number) {
        return Err(err());
    }
    match unit {
        'd' => Ok(Duration::days(number)),
        'h' => Ok(Duration::hours(number)),
        'm' => Ok(Duration::minutes(number)),
        _ => Err(err()),
    }
}

/// A deadline date is met until the end of that day. The request rarely names a time
/// zone, so the day is read in UTC; a reviewer sees the date itself in `request.deadline`.
fn end_of_day(date: NaiveDate) -> DateTime<Utc> {
    date.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default())
        .and_utc()
}

impl DuePolicy {
    pub fn period(&self, kind: RequestKind) -> Duration {
        self.periods
            .get(&kind)
            .copied()
            .unwrap_or(self.default_period)
    }

    /// The dates of a case of `kind` received at `received`, with the request's own
    /// deadline when it states one.
    pub fn dates(
        &self,
        kind: RequestKind,
        deadline: Option<NaiveDate>,
        received: DateTime<Utc>,
    ) -> CaseDates {
        let due_at = match deadline {
            Some(date) => end_of_day(date),
            None => received + self.period(kind),
        };
        let whole = (due_at - received).max(Duration::zero());
        let warning = self.due_soon.min(whole / 4);
        let expires_at =
            (kind == RequestKind::PreservationRequest).then(|| received + self.preservation_period);
        CaseDates {
            due_at,
            due_soon_at: due_at - warning,
            expires_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    #[test]
    fn periods_parse() {
        assert_eq!(parse_period("30d").unwrap(), Duration::days(30));
        assert_eq!(parse_period(" 24h").unwrap(), Duration::hours(24));
        assert_eq!(parse_period("90m").unwrap(), Duration::minutes(90));
        for bad in ["", "d", "30", "30w", "-1d", "0d", "1.5d", "30 days"] {
            assert!(parse_period(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_stated_deadline_wins_until_the_end_of_its_day() {
        let policy = DuePolicy::default();
        let received = at(2026, 3, 1, 9);
        let dates = policy.dates(
            RequestKind::Subpoena,
            NaiveDate::from_ymd_opt(2026, 3, 20),
            received,
        );
        assert_eq!(
            dates.due_at,
            Utc.with_ymd_and_hms(2026, 3, 20, 23, 59, 59).unwrap()
        );
        assert_eq!(dates.due_soon_at, dates.due_at - Duration::days(3));
        assert_eq!(dates.expires_at, None);
    }

    #[test]
    fn without_a_deadline_the_period_of_the_kind_applies() {
        let policy = DuePolicy::default();
        let received = at(2026, 3, 1, 9);
        let subpoena = policy.dates(RequestKind::Subpoena, None, received);
        assert_eq!(subpoena.due_at, received + Duration::days(30));
        let emergency = policy.dates(RequestKind::EmergencyDisclosure, None, received);
        assert_eq!(emergency.due_at, received + Duration::hours(24));
        // A quarter of 24 hours, not three days before.
        assert_eq!(emergency.due_soon_at, received + Duration::hours(18));
    }

    #[test]
    fn preservation_records_its_expiry() {
        let policy = DuePolicy::default();
        let received = at(2026, 3, 1, 9);
        let dates = policy.dates(RequestKind::PreservationRequest, None, received);
        assert_eq!(dates.expires_at, Some(received + Duration::days(90)));
    }

    #[test]
    fn a_deadline_in_the_past_is_due_at_once() {
        let policy = DuePolicy::default();
        let received = at(2026, 3, 1, 9);
        let dates = policy.dates(
            RequestKind::Subpoena,
            NaiveDate::from_ymd_opt(2026, 2, 1),
            received,
        );
        assert!(dates.due_at < received);
        assert_eq!(dates.due_soon_at, dates.due_at);
    }
}
