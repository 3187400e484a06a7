//! Hydra's admin API for a login and consent provider: typed requests and answers that follow
//! its published models (`oAuth2LoginRequest`, `acceptOAuth2LoginRequest`, …, v26.2).
//!
//! Every answer that moves the flow on is `{redirect_to}`, where the browser must be sent.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Client {
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub skip_consent: Option<bool>,
}

/// `oAuth2LoginRequest`.
#[derive(Clone, Debug, Deserialize)]
pub struct LoginRequest {
    pub challenge: String,
    /// The person authenticated before and Hydra remembers it: accept with `subject` as is.
    pub skip: bool,
    pub subject: String,
    pub client: Client,
    pub request_url: String,
    #[serde(default)]
    pub requested_scope: Vec<String>,
}

/// What our login page puts in `context` and the consent page copies into the ID token: the
/// store chosen at sign-in, or the admin panel for staff (who belong to no store).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SignInContext {
    Store { tenant_id: i64, role: String },
    Staff { staff_role: String },
}

/// `acceptOAuth2LoginRequest`.
#[derive(Clone, Debug, Serialize)]
pub struct AcceptLogin {
    pub subject: String,
    pub remember: bool,
    /// Seconds; 0 keeps the login for the browser session.
    pub remember_for: i64,
    pub context: SignInContext,
}

/// `oAuth2ConsentRequest`.
#[derive(Clone, Debug, Deserialize)]
pub struct ConsentRequest {
    pub challenge: String,
    #[serde(default)]
    pub skip: Option<bool>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub client: Option<Client>,
    #[serde(default)]
    pub requested_scope: Vec<String>,
    #[serde(default)]
    pub requested_access_token_audience: Vec<String>,
    /// The `context` our login page accepted with.
    #[serde(default)]
    pub context: Option<SignInContext>,
}

/// `acceptOAuth2ConsentRequest`.
#[derive(Clone, Debug, Serialize)]
pub struct AcceptConsent {
    pub grant_scope: Vec<String>,
    pub grant_access_token_audience: Vec<String>,
    pub remember: bool,
    pub remember_for: i64,
    pub session: ConsentSession,
}

/// `acceptOAuth2ConsentRequestSession`: `id_token` keys land at the top of the ID token.
#[derive(Clone, Debug, Serialize)]
pub struct ConsentSession {
    pub id_token: SignInContext,
}

/// `rejectOAuth2Request`.
#[derive(Clone, Debug, Serialize)]
pub struct Reject {
    pub error: String,
    pub error_description: String,
    pub status_code: u16,
}

/// `oAuth2LogoutRequest`.
#[derive(Clone, Debug, Deserialize)]
pub struct LogoutRequest {
    #[serde(default)]
    pub challenge: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub rp_initiated: Option<bool>,
}

/// `oAuth2RedirectTo`.
#[derive(Clone, Debug, Deserialize)]
struct RedirectTo {
    redirect_to: String,
}

#[derive(Debug, thiserror::Error)]
pub enum HydraError {
    /// The challenge is unknown or expired (Hydra answers 404, or 410 without a way on).
    #[error("the sign-in request has expired or was already used")]
    Expired,
    /// The request was already handled (Hydra answers 410): the browser goes on at `redirect_to`,
    /// where Hydra continues the flow (a back button, a second tab).
    #[error("the sign-in request was already handled")]
    Handled { redirect_to: String },
    #[error("Hydra answered {status}: {body}")]
    Status { status: u16, body: String },
    #[error("could not reach Hydra: {0}")]
    Transport(#[from] reqwest::Error),
}

/// The admin API at `HYDRA_ADMIN_URL`.
#[derive(Clone, Debug)]
pub struct HydraAdmin {
    http: reqwest::Client,
    base: String,
}

impl HydraAdmin {
    pub fn new(http: reqwest::Client, admin_url: &str) -> HydraAdmin {
        HydraAdmin { http, base: admin_url.trim_end_matches('/').to_owned() }
    }

    fn url(&self, kind: &str, action: &str) -> String {
        format!("{}/admin/oauth2/auth/requests/{kind}{action}", self.base)
    }

    pub async fn login_request(&self, challenge: &str) -> Result<LoginRequest, HydraError> {
        self.get(&self.url("login", ""), "login_challenge", challenge).await
    }

    pub async fn accept_login(&self, challenge: &str, body: &AcceptLogin) -> Result<String, HydraError> {
        self.put(&self.url("login", "/accept"), "login_challenge", challenge, Some(body)).await
    }

    pub async fn reject_login(&self, challenge: &str, body: &Reject) -> Result<String, HydraError> {
        self.put(&self.url("login", "/reject"), "login_challenge", challenge, Some(body)).await
    }

    pub async fn consent_request(&self, challenge: &str) -> Result<ConsentRequest, HydraError> {
        self.get(&self.url("consent", ""), "consent_challenge", challenge).await
    }

    pub async fn accept_consent(&self, challenge: &str, body: &AcceptConsent) -> Result<String, HydraError> {
        self.put(&self.url("consent", "/accept"), "consent_challenge", challenge, Some(body)).await
    }

    pub async fn reject_consent(&self, challenge: &str, body: &Reject) -> Result<String, HydraError> {
        self.put(&self.url("consent", "/reject"), "consent_challenge", challenge, Some(body)).await
    }

    pub async fn logout_request(&self, challenge: &str) -> Result<LogoutRequest, HydraError> {
        self.get(&self.url("logout", ""), "logout_challenge", challenge).await
    }

    pub async fn accept_logout(&self, challenge: &str) -> Result<String, HydraError> {
        self.put::<()>(&self.url("logout", "/accept"), "logout_challenge", challenge, None).await
    }

    /// `revokeOAuth2LoginSessions` by subject: Hydra forgets every sign-in of the account, so
    /// its next login request is not `skip` and our page asks for the password.
    pub async fn revoke_login_sessions(&self, subject: &str) -> Result<(), HydraError> {
        let url = format!("{}/admin/oauth2/auth/sessions/login", self.base);
        let response = self.http.delete(url).query(&[("subject", subject)]).send().await?;
        match response.status().as_u16() {
            200..=299 => Ok(()),
            status => Err(HydraError::Status { status, body: response.text().await.unwrap_or_default() }),
        }
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        key: &str,
        challenge: &str,
    ) -> Result<T, HydraError> {
        let response = self.http.get(url).query(&[(key, challenge)]).send().await?;
        Ok(checked(response).await?.json().await?)
    }

    async fn put<B: Serialize>(
        &self,
        url: &str,
        key: &str,
        challenge: &str,
        body: Option<&B>,
    ) -> Result<String, HydraError> {
        let mut request = self.http.put(url).query(&[(key, challenge)]);
        if let Some(body) = body {
            request = request.json(body);
        }
        let answer: RedirectTo = checked(request.send().await?).await?.json().await?;
        Ok(answer.redirect_to)
    }
}

async fn checked(response: reqwest::Response) -> Result<reqwest::Response, HydraError> {
    match response.status().as_u16() {
        200..=299 => Ok(response),
        404 => Err(HydraError::Expired),
        410 => match response.json::<RedirectTo>().await {
            Ok(answer) => Err(HydraError::Handled { redirect_to: answer.redirect_to }),
            Err(_) => Err(HydraError::Expired),
        },
        status => Err(HydraError::Status { status, body: response.text().await.unwrap_or_default() }),
    }
}
