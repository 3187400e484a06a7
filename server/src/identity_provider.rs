//! Sign-in through Ory Hydra: this app is an OpenID Connect client of it (authorization code
//! flow with PKCE, `state` and nonce), and also its login and consent provider (`hydra.rs`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::{AccountId, TenantId};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreJweContentEncryptionAlgorithm,
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

/// The claims our consent page adds to the ID token: the sign-in's context.
impl AdditionalClaims for SignInContext {}

type StoreIdToken =
    IdToken<SignInContext, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm>;

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

/// The provider's metadata and published keys, as last fetched.
struct Discovered {
    client: Arc<DiscoveredClient>,
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

    async fn client(&self) -> Result<Arc<DiscoveredClient>, SignInError> {
        if let Some(discovered) = &*self.discovered.read().await {
            return Ok(discovered.client.clone());
        }
        let mut slot = self.discovered.write().await;
        if let Some(discovered) = &*slot {
            return Ok(discovered.client.clone());
        }
        let client = Arc::new(self.discover().await?);
        *slot = Some(Discovered { client: client.clone(), refetched_at: None });
        Ok(client)
    }

    /// The provider discovered again after `stale` failed to verify a token, unless another
    /// request already did, or the last refetch was under [`MIN_REFETCH_INTERVAL`] ago (then
    /// the kept one, and the token is refused).
    async fn refetched(&self, stale: &Arc<DiscoveredClient>) -> Result<Arc<DiscoveredClient>, SignInError> {
        let mut slot = self.discovered.write().await;
        if let Some(discovered) = &*slot {
            let recent = discovered.refetched_at.is_some_and(|at| at.elapsed() < MIN_REFETCH_INTERVAL);
            if !Arc::ptr_eq(&discovered.client, stale) || recent {
                return Ok(discovered.client.clone());
            }
        }
        tracing::info!("an ID token's key is not in the provider's kept key set: fetching the set again");
        let client = Arc::new(self.discover().await?);
        *slot = Some(Discovered { client: client.clone(), refetched_at: Some(Instant::now()) });
        Ok(client)
    }

    async fn discover(&self) -> Result<DiscoveredClient, SignInError> {
        let issuer = IssuerUrl::new(self.settings.public_url.clone())
            .map_err(|e| SignInError::Discovery(e.to_string()))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| SignInError::Discovery(e.to_string()))?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(self.settings.client_secret.clone())),
        )
        .set_redirect_uri(self.redirect_url.clone()))
    }

    /// Where to send the browser to sign in, and what to remember until it comes back.
    pub async fn authorization(&self) -> Result<(String, PendingAuthorization), SignInError> {
        let client = self.client().await?;
        let (pkce_challenge, pkce_verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("openid".into()))
            .set_pkce_challenge(pkce_challenge)
            .url();
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
        let client = self.client().await?;
        let response = client
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
        let claims = match token.claims(&client.id_token_verifier(), &nonce) {
            // Signed by a key we do not have: Hydra may have rotated its keys since we fetched them.
            Err(ClaimsVerificationError::SignatureVerification(_)) => {
                token.claims(&self.refetched(&client).await?.id_token_verifier(), &nonce)
            }
            verified => verified,
        }
        .map_err(|e| SignInError::InvalidToken(e.to_string()))?;
        let account = claims
            .subject()
            .parse::<i64>()
            .map(AccountId::new)
            .map_err(|_| SignInError::InvalidToken("the subject is not an account id".into()))?;
        let into = match claims.additional_claims() {
            SignInContext::Store { tenant_id, .. } => SignedInTo::Store(TenantId::new(*tenant_id)),
            SignInContext::Staff { .. } => SignedInTo::Staff,
        };
        Ok(VerifiedSignIn { account, into, id_token: raw })
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
