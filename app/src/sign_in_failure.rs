//! Why signing in went back to a form: the `error` code in the form's query, spelled once for the
//! server that sends it (`server::auth`) and the pages that explain it (the sign-in page and the
//! store choice).

/// What the page says when it cannot tell why (a code it does not know).
pub const UNKNOWN_FAILURE: &str = "Something went wrong on our side. Please try again in a moment.";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInFailure {
    Credentials,
    NoStore,
    InvalidEmail,
    /// Too many failed attempts; the query's `wait` says for how many minutes.
    Throttled,
    Unavailable,
    /// Too many passwords are being checked at once.
    Busy,
    /// Hydra's login request expired or was used already.
    Expired,
    Cancelled,
    ProviderUnavailable,
    /// The store chosen is not (or no longer) one of the account's.
    NotAMember,
}

impl SignInFailure {
    pub const ALL: [SignInFailure; 10] = [
        SignInFailure::Credentials,
        SignInFailure::NoStore,
        SignInFailure::InvalidEmail,
        SignInFailure::Throttled,
        SignInFailure::Unavailable,
        SignInFailure::Busy,
        SignInFailure::Expired,
        SignInFailure::Cancelled,
        SignInFailure::ProviderUnavailable,
        SignInFailure::NotAMember,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SignInFailure::Credentials => "credentials",
            SignInFailure::NoStore => "no-store",
            SignInFailure::InvalidEmail => "invalid-email",
            SignInFailure::Throttled => "throttled",
            SignInFailure::Unavailable => "unavailable",
            SignInFailure::Busy => "busy",
            SignInFailure::Expired => "expired",
            SignInFailure::Cancelled => "cancelled",
            SignInFailure::ProviderUnavailable => "provider-unavailable",
            SignInFailure::NotAMember => "not-a-member",
        }
    }

    pub fn from_code(code: &str) -> Option<SignInFailure> {
        SignInFailure::ALL.into_iter().find(|failure| failure.code() == code)
    }

    /// What the page says; `wait_minutes` is the query's `wait`, read only if it is a number.
    pub fn message(self, wait_minutes: Option<String>) -> String {
        match self {
            SignInFailure::Credentials => {
                "That email and password do not match an account. Check them and try again.".into()
            }
            SignInFailure::NoStore => "This account does not belong to any store yet.".into(),
            SignInFailure::InvalidEmail => "Enter an email address like name@example.com.".into(),
            SignInFailure::Expired => "This sign-in has expired or was already used. Start again.".into(),
            SignInFailure::Cancelled => "Signing in was cancelled. Start again when you are ready.".into(),
            SignInFailure::ProviderUnavailable => {
                "The sign-in service cannot be reached right now. Please try again in a moment.".into()
            }
            SignInFailure::Unavailable => {
                "Signing in is not possible for a moment. Please try again shortly.".into()
            }
            SignInFailure::Busy => {
                "Too many people are signing in at this moment. Please try again in a few seconds.".into()
            }
            SignInFailure::Throttled => {
                let minutes = wait_minutes
                    .filter(|m| !m.is_empty() && m.chars().all(|c| c.is_ascii_digit()))
                    .unwrap_or_else(|| "a few".into());
                let unit = if minutes == "1" { "minute" } else { "minutes" };
                format!("Too many failed sign-ins. For your account's safety, wait {minutes} {unit} and try again.")
            }
            SignInFailure::NotAMember => {
                "You are not a member of that store (any more). Choose another one.".into()
            }
        }
    }

    /// The message for a code as it came in the query; [`UNKNOWN_FAILURE`] for one not known.
    pub fn explain(code: &str, wait_minutes: Option<String>) -> String {
        SignInFailure::from_code(code)
            .map_or_else(|| UNKNOWN_FAILURE.into(), |failure| failure.message(wait_minutes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_as_its_failure_and_has_a_message_of_its_own() {
        assert_eq!(SignInFailure::explain("no-such-code", None), UNKNOWN_FAILURE, "positive control");
        let mut messages = Vec::new();
        for failure in SignInFailure::ALL {
            assert_eq!(SignInFailure::from_code(failure.code()), Some(failure));
            messages.push(failure.message(None));
        }
        messages.sort();
        messages.dedup();
        assert_eq!(messages.len(), SignInFailure::ALL.len(), "two failures say the same");
        assert!(!messages.iter().any(|m| m == UNKNOWN_FAILURE));
    }

    #[test]
    fn a_wait_is_read_only_when_it_is_a_number() {
        let says = |wait: &str| SignInFailure::Throttled.message(Some(wait.into()));
        assert!(says("1").contains("wait 1 minute "));
        assert!(says("15").contains("wait 15 minutes"));
        assert!(says("<b>soon</b>").contains("wait a few minutes"));
    }
}
