//! Sign-in through Ory Hydra: this app is an OpenID Connect client of it (authorization code
//! flow with PKCE, `state` and nonce), and also its login and consent provider (`hydra.rs`).

use secrecy::ExposeSecret;
use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::{AccountId, TenantId};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use openidconnect::core::{
    CoreAuthPrompt, CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm, CoreProviderMetadata,
};
use openidconnect::ClaimsVerificationError;
use openidconnect::{
    AdditionalClaims, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IdToken, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    TokenResponse as _,
};
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;

use crate::config::HydraSettings;
use crate::hydra::{HydraAdmin, SignInContext};

type DiscoveredClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The ID token's claims beyond the standard ones: the sign-in's context our consent page put
/// there, and the provider's login session it belongs to.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct ProviderClaims {
    #[serde(flatten)]
    context: SignInContext,
    /// Hydra's login session (`sid`), which a back-channel logout names.
    #[serde(default)]
    sid: Option<String>,
}

impl AdditionalClaims for ProviderClaims {}

type StoreIdToken =
    IdToken<ProviderClaims, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm>;

/// The `events` member every logout token carries (Back-Channel Logout 1.0, 2.4).
const BACKCHANNEL_LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// How old a logout token may be: one replayed later than this is refused.
const LOGOUT_TOKEN_MAX_AGE: Duration = Duration::from_secs(300);

/// What the browser's session keeps between `/login` and `/auth/callback`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PendingAuthorization {
    state: String,
    nonce: String,
    pkce_verifier: String,
}

/// Where a verified sign-in goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignedInTo {
    Store(TenantId),
    /// The admin panel.
    Staff,
}

/// A verified sign-in: who, and into which store (or the admin panel).
#[derive(Clone, Debug)]
pub struct VerifiedSignIn {
    pub account: AccountId,
    pub into: SignedInTo,
    /// Kept for logout (`id_token_hint`).
    pub id_token: String,
    /// The provider's login session, which a back-channel logout names.
    pub provider_session: Option<String>,
}

/// A verified logout token: which sign-ins ended at the provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EndedAtProvider {
    /// Every session begun from this login session.
    LoginSession(String),
    /// Every session of the account begun before the token was issued.
    Account { account: AccountId, issued_at: chrono::DateTime<chrono::Utc> },
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("the identity provider could not be reached or described: {0}")]
    Discovery(String),
    #[error("the sign-in answer does not belong to this browser's sign-in (state mismatch)")]
    StateMismatch,
    #[error("exchanging the code failed: {0}")]
    Exchange(String),
    #[error("the ID token is not valid: {0}")]
    InvalidToken(String),
    #[error("the logout token is not valid: {0}")]
    InvalidLogoutToken(String),
}

pub struct IdentityProvider {
    pub admin: HydraAdmin,
    http: reqwest::Client,
    settings: HydraSettings,
    redirect_url: RedirectUrl,
    post_logout_url: String,
    /// Discovered on first use and kept: Hydra may start after this app.
    discovered: RwLock<Option<Discovered>>,
}

/// The provider as last discovered: the client for its endpoints, and its published keys in the
/// form logout tokens are checked with.
struct Provider {
    client: DiscoveredClient,
    keys: JwkSet,
}

/// The provider's metadata and published keys, as last fetched.
struct Discovered {
    provider: Arc<Provider>,
    /// When the keys were last fetched again because a token's did not verify.
    refetched_at: Option<Instant>,
}

/// A token signed with a key the kept set lacks (Hydra rotated its keys) fetches the set again,
/// at most this often: a flood of forged tokens cannot make every sign-in a fetch from Hydra.
const MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(60);

impl IdentityProvider {
    pub fn new(settings: HydraSettings, public_url: &str) -> anyhow::Result<IdentityProvider> {
        // Redirects are the browser's business, never the server's.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()?;
        Ok(IdentityProvider {
            admin: HydraAdmin::new(http.clone(), &settings.admin_url),
            http,
            redirect_url: RedirectUrl::new(format!("{public_url}/auth/callback"))?,
            post_logout_url: format!("{public_url}/"),
            settings,
            discovered: RwLock::new(None),
        })
    }

    pub fn client_id(&self) -> &str {
        &self.settings.client_id
    }

    async fn provider(&self) -> Result<Arc<Provider>, SignInError> {
        if let Some(discovered) = &*self.discovered.read().await {
            return Ok(discovered.provider.clone());
        }
        let mut slot = self.discovered.write().await;
        if let Some(discovered) = &*slot {
            return Ok(discovered.provider.clone());
        }
        let provider = Arc::new(self.discover().await?);
        *slot = Some(Discovered { provider: provider.clone(), refetched_at: None });
        Ok(provider)
    }

    /// The provider discovered again after `stale` failed to verify a token, unless another
    /// request already did, or the last refetch was under [`MIN_REFETCH_INTERVAL`] ago (then
    /// the kept one, and the token is refused).
    async fn refetched(&self, stale: &Arc<Provider>) -> Result<Arc<Provider>, SignInError> {
        let mut slot = self.discovered.write().await;
        if let Some(discovered) = &*slot {
            let recent = discovered.refetched_at.is_some_and(|at| at.elapsed() < MIN_REFETCH_INTERVAL);
            if !Arc::ptr_eq(&discovered.provider, stale) || recent {
                return Ok(discovered.provider.clone());
            }
        }
        tracing::info!("a token's key is not in the provider's kept key set: fetching the set again");
        let provider = Arc::new(self.discover().await?);
        *slot = Some(Discovered { provider: provider.clone(), refetched_at: Some(Instant::now()) });
        Ok(provider)
    }

    async fn discover(&self) -> Result<Provider, SignInError> {
        let issuer = IssuerUrl::new(self.settings.public_url.clone())
            .map_err(|e| SignInError::Discovery(e.to_string()))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| SignInError::Discovery(e.to_string()))?;
        // Key by key: one the logout check cannot read (an encryption key, a new key type) is
        // left out, not the whole set.
        let keys = metadata
            .jwks()
            .keys()
            .iter()
            .filter_map(|key| serde_json::to_value(key).ok().and_then(|key| serde_json::from_value(key).ok()))
            .collect();
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(self.settings.client_secret.expose_secret().to_owned())),
        )
        .set_redirect_uri(self.redirect_url.clone());
        Ok(Provider { client, keys: JwkSet { keys } })
    }

    /// Where to send the browser to sign in, and what to remember until it comes back. A `fresh`
    /// sign-in asks the provider not to reuse a login it remembers in this browser (`prompt=login`),
    /// so it is for the account the app says, not whoever signed in here before.
    pub async fn authorization(&self, fresh: bool) -> Result<(String, PendingAuthorization), SignInError> {
        let provider = self.provider().await?;
        let (pkce_challenge, pkce_verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = provider
            .client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("openid".into()))
            .set_pkce_challenge(pkce_challenge);
        if fresh {
            request = request.add_prompt(CoreAuthPrompt::Login);
        }
        let (url, state, nonce) = request.url();
        let pending = PendingAuthorization {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: pkce_verifier.secret().clone(),
        };
        Ok((url.to_string(), pending))
    }

    /// Exchanges the code and verifies the ID token: issuer, audience, nonce, and the signature
    /// against the provider's published keys.
    pub async fn complete(
        &self,
        pending: PendingAuthorization,
        code: String,
        state: &str,
    ) -> Result<VerifiedSignIn, SignInError> {
        if state != pending.state {
            return Err(SignInError::StateMismatch);
        }
        let provider = self.provider().await?;
        let response = provider
            .client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| SignInError::Exchange(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier))
            .request_async(&self.http)
            .await
            .map_err(|e| SignInError::Exchange(e.to_string()))?;
        let raw =
            response.id_token().ok_or_else(|| SignInError::InvalidToken("no ID token".into()))?.to_string();
        // Parsed again with our claims type: the core client's token type knows no store claims.
        let token: StoreIdToken =
            raw.parse().map_err(|e: serde_json::Error| SignInError::InvalidToken(e.to_string()))?;
        let nonce = Nonce::new(pending.nonce);
        let claims = match token.claims(&provider.client.id_token_verifier(), &nonce) {
            // Signed by a key we do not have: Hydra may have rotated its keys since we fetched them.
            Err(ClaimsVerificationError::SignatureVerification(_)) => {
                token.claims(&self.refetched(&provider).await?.client.id_token_verifier(), &nonce)
            }
            verified => verified,
        }
        .map_err(|e| SignInError::InvalidToken(e.to_string()))?;
        let account = claims
            .subject()
            .parse::<i64>()
            .map(AccountId::new)
            .map_err(|_| SignInError::InvalidToken("the subject is not an account id".into()))?;
        let extra = claims.additional_claims();
        let into = match extra.context {
            SignInContext::Store { tenant_id, .. } => SignedInTo::Store(TenantId::new(tenant_id)),
            SignInContext::Staff { .. } => SignedInTo::Staff,
        };
        Ok(VerifiedSignIn { account, into, id_token: raw, provider_session: extra.sid.clone() })
    }

    /// Verifies a back-channel logout token (Back-Channel Logout 1.0, 2.6) as an ID token is
    /// verified (signed by one of the provider's published keys, our issuer, our audience, not
    /// expired), and then as a logout token: the logout event, no `nonce` (so an ID token cannot
    /// pass for one), a `sid` or a `sub`, and issued within the last few minutes.
    pub async fn verify_logout_token(&self, raw: &str) -> Result<EndedAtProvider, SignInError> {
        let invalid = |why: &str| SignInError::InvalidLogoutToken(why.to_owned());
        let header = jsonwebtoken::decode_header(raw).map_err(|e| invalid(&e.to_string()))?;
        // Only the provider's own asymmetric keys: never a secret shared with clients.
        if matches!(header.alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512) {
            return Err(invalid("signed with a shared secret"));
        }
        let provider = self.provider().await?;
        let provider = match signing_key(&provider.keys, header.kid.as_deref()) {
            Some(_) => provider,
            None => self.refetched(&provider).await?,
        };
        let key =
            signing_key(&provider.keys, header.kid.as_deref()).ok_or_else(|| invalid("an unknown key"))?;
        let key = DecodingKey::from_jwk(key).map_err(|e| invalid(&e.to_string()))?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[self.settings.public_url.as_str()]);
        validation.set_audience(&[self.settings.client_id.as_str()]);
        validation.set_required_spec_claims(&["iss", "aud", "iat"]);
        let claims = jsonwebtoken::decode::<LogoutClaims>(raw, &key, &validation)
            .map_err(|e| invalid(&e.to_string()))?
            .claims;
        if !claims.events.get(BACKCHANNEL_LOGOUT_EVENT).is_some_and(serde_json::Value::is_object) {
            return Err(invalid("no back-channel logout event"));
        }
        if claims.nonce.is_some() {
            return Err(invalid("it carries a nonce, as an ID token does"));
        }
        let issued_at =
            chrono::DateTime::from_timestamp(claims.iat, 0).ok_or_else(|| invalid("no issue time"))?;
        let age = chrono::Utc::now().signed_duration_since(issued_at);
        let leeway = chrono::Duration::seconds(i64::try_from(validation.leeway).unwrap_or(60));
        if age > chrono::Duration::from_std(LOGOUT_TOKEN_MAX_AGE).unwrap_or_default() || age < -leeway {
            return Err(invalid("issued too long ago, or in the future"));
        }
        match (claims.sid, claims.sub) {
            (Some(sid), _) if !sid.is_empty() => Ok(EndedAtProvider::LoginSession(sid)),
            (_, Some(sub)) => {
                let account = sub
                    .parse::<i64>()
                    .map(AccountId::new)
                    .map_err(|_| invalid("the subject is not an account id"))?;
                Ok(EndedAtProvider::Account { account, issued_at })
            }
            _ => Err(invalid("neither sid nor sub")),
        }
    }

    /// RP-initiated logout at the provider, back to our home page afterwards.
    pub fn logout_url(&self, id_token_hint: &str) -> String {
        let query = serde_urlencoded::to_string([
            ("id_token_hint", id_token_hint),
            ("post_logout_redirect_uri", self.post_logout_url.as_str()),
            ("state", CsrfToken::new_random().secret().as_str()),
        ])
        .unwrap_or_default();
        format!("{}/oauth2/sessions/logout?{query}", self.settings.public_url.trim_end_matches('/'))
    }
}

/// The claims of a logout token this app reads (`iss`, `aud` and `exp` are checked on decoding).
#[derive(Debug, Deserialize)]
struct LogoutClaims {
    iat: i64,
    #[serde(default)]
    events: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    nonce: Option<serde_json::Value>,
    #[serde(default)]
    sid: Option<String>,
    #[serde(default)]
    sub: Option<String>,
}

/// The signing key a token names, or the only one when it names none.
fn signing_key<'a>(keys: &'a JwkSet, kid: Option<&str>) -> Option<&'a Jwk> {
    match kid {
        Some(kid) => keys.find(kid),
        None => match keys.keys.as_slice() {
            [only] => Some(only),
            _ => None,
        },
    }
}

impl std::fmt::Debug for IdentityProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityProvider")
            .field("issuer", &self.settings.public_url)
            .field("client_id", &self.settings.client_id)
            .finish_non_exhaustive()
    }
}

impl app::state::SignInProvider for IdentityProvider {
    fn forget(
        &self,
        account: AccountId,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send + '_>> {
        Box::pin(async move {
            self.admin.revoke_login_sessions(&account.to_string()).await.map_err(|e| e.to_string())
        })
    }

    fn start<'a>(
        &'a self,
        session: &'a tower_sessions::Session,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<String, String>> + Send + 'a>> {
        Box::pin(async move { crate::auth::hydra::begin_sign_in(self, session).await })
    }
}
