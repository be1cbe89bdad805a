//! Sign-in with external OpenID Connect providers: authorization code flow
//! with PKCE, `state` and `nonce` checked, ID token verified (signature,
//! issuer, audience, expiry, nonce) by `openidconnect`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use services::{ExternalIdentity, ServiceError, Services};

use crate::http::AppState;

/// One configured provider.
#[derive(Clone, Debug)]
pub struct Provider {
    /// Short name used in URLs: `/auth/oidc/{name}/start`.
    pub name: String,
    /// What the button says: "Sign in with {label}".
    pub label: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
}

impl Provider {
    fn redirect_uri(&self, public_url: &str) -> String {
        format!(
            "{}/auth/oidc/{}/callback",
            public_url.trim_end_matches('/'),
            self.name
        )
    }
}

const FLOW_KEY: &str = "oidc_flow";

/// What the start of a sign-in leaves in the session for its callback.
#[derive(Debug, Serialize, Deserialize)]
struct Flow {
    provider: String,
    state: String,
    nonce: String,
    pkce_verifier: String,
    next: String,
    link_user: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct StartQuery {
    next: Option<String>,
    link: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// Why a sign-in stopped: rendered as a small error page.
#[derive(Debug)]
pub struct Refusal {
    status: StatusCode,
    message: String,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        render(self.status, &self.message)
    }
}

fn page(status: StatusCode, message: &str) -> Refusal {
    Refusal {
        status,
        message: message.to_owned(),
    }
}

fn render(status: StatusCode, message: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><title>Sign-in failed · Steward</title>\
         <link rel=\"stylesheet\" href=\"/pkg/steward.css\"></head><body><main id=\"main\" class=\"page\">\
         <section class=\"error-page\" role=\"alert\"><p class=\"code\">{}</p><h1>Sign-in could not be completed</h1>\
         <p>{}</p><p><a href=\"/sign-in\">Back to sign-in</a></p></section></main></body></html>",
        status.as_u16(),
        html_escape(message)
    );
    (status, Html(body)).into_response()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn http_client() -> Result<openidconnect::reqwest::Client, Refusal> {
    openidconnect::reqwest::Client::builder()
        // The identity provider must answer directly: a redirect here is an attack vector.
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| {
            tracing::error!(error = %e, "cannot build the OIDC HTTP client");
            page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side.",
            )
        })
}

async fn discover(
    p: &Provider,
    http: &openidconnect::reqwest::Client,
) -> Result<CoreProviderMetadata, Refusal> {
    let issuer = IssuerUrl::new(p.issuer.clone()).map_err(|e| {
        tracing::error!(provider = %p.name, error = %e, "bad issuer URL");
        page(
            StatusCode::BAD_GATEWAY,
            "The identity provider is misconfigured.",
        )
    })?;
    CoreProviderMetadata::discover_async(issuer, http)
        .await
        .map_err(|e| {
            tracing::warn!(provider = %p.name, error = %e, "OIDC discovery failed");
            page(
                StatusCode::BAD_GATEWAY,
                "The identity provider did not answer. Try again later.",
            )
        })
}

fn find<'a>(state: &'a AppState, name: &str) -> Result<&'a Provider, Refusal> {
    state
        .oidc
        .iter()
        .find(|p| p.name == name)
        .ok_or_else(|| page(StatusCode::NOT_FOUND, "There is no such sign-in provider."))
}

/// `GET /auth/oidc/{name}/start`: off to the provider.
pub async fn start(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(q): Query<StartQuery>,
    session: Session,
) -> Response {
    match start_inner(&state, &name, q, &session).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn start_inner(
    state: &AppState,
    name: &str,
    q: StartQuery,
    session: &Session,
) -> Result<Response, Refusal> {
    let p = find(state, name)?;
    let http = http_client()?;
    let metadata = discover(p, &http).await?;
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(p.client_id.clone()),
        Some(ClientSecret::new(p.client_secret.clone())),
    )
    .set_redirect_uri(
        RedirectUrl::new(p.redirect_uri(&state.public_url)).map_err(|_| {
            page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side.",
            )
        })?,
    );
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();
    let link_user = if q.link.is_some() {
        session
            .get::<String>(app::auth::session::USER_KEY)
            .await
            .ok()
            .flatten()
    } else {
        None
    };
    let flow = Flow {
        provider: p.name.clone(),
        state: csrf.secret().clone(),
        nonce: nonce.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
        next: app::auth::safe_next(q.next.as_deref()),
        link_user,
    };
    session.insert(FLOW_KEY, &flow).await.map_err(|e| {
        tracing::error!(error = %e, "cannot store the OIDC flow in the session");
        page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong on our side.",
        )
    })?;
    Ok(Redirect::to(url.as_str()).into_response())
}

/// `GET /auth/oidc/{name}/callback`: back from the provider.
pub async fn callback(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(q): Query<CallbackQuery>,
    session: Session,
) -> Response {
    match callback_inner(&state, &name, q, &session).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn callback_inner(
    state: &AppState,
    name: &str,
    q: CallbackQuery,
    session: &Session,
) -> Result<Response, Refusal> {
    let p = find(state, name)?;
    // The flow is single-use, whatever happens next.
    let flow: Option<Flow> = session.remove(FLOW_KEY).await.ok().flatten();
    let mismatch = || {
        page(
            StatusCode::BAD_REQUEST,
            "The answer from the identity provider did not match a sign-in started here. Start again.",
        )
    };
    let Some(flow) = flow else {
        return Err(mismatch());
    };
    if flow.provider != p.name || q.state.as_deref() != Some(flow.state.as_str()) {
        tracing::warn!(provider = %p.name, "OIDC callback with a state that does not match");
        return Err(mismatch());
    }
    if let Some(err) = q.error {
        tracing::info!(provider = %p.name, error = %err, "provider refused the sign-in");
        return Err(page(
            StatusCode::BAD_REQUEST,
            "The identity provider did not sign you in.",
        ));
    }
    let Some(code) = q.code else {
        return Err(mismatch());
    };
    let http = http_client()?;
    let metadata = discover(p, &http).await?;
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(p.client_id.clone()),
        Some(ClientSecret::new(p.client_secret.clone())),
    )
    .set_redirect_uri(
        RedirectUrl::new(p.redirect_uri(&state.public_url)).map_err(|_| {
            page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side.",
            )
        })?,
    );
    let failed = |what: &str, e: &dyn std::fmt::Display| {
        tracing::warn!(provider = %p.name, error = %e, "OIDC {what} failed");
        page(
            StatusCode::BAD_REQUEST,
            "The identity provider's answer could not be verified.",
        )
    };
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| failed("code exchange setup", &e))?
        .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier))
        .request_async(&http)
        .await
        .map_err(|e| failed("code exchange", &e))?;
    let id_token = tokens
        .id_token()
        .ok_or_else(|| failed("ID token", &"no id_token in the response"))?;
    let claims = id_token
        .claims(&client.id_token_verifier(), &Nonce::new(flow.nonce))
        .map_err(|e| failed("ID token verification", &e))?;
    let identity = ExternalIdentity {
        provider: p.name.clone(),
        subject: claims.subject().as_str().to_owned(),
        email: claims.email().map(|e| e.as_str().to_owned()),
        email_verified: claims.email_verified().unwrap_or(false),
        name: claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned()),
    };
    let linking = flow.link_user.as_deref().and_then(|u| u.parse().ok());
    let services: &Services = &state.services;
    let user = match services.sign_in_external(&identity, linking).await {
        Ok(u) => u,
        Err(ServiceError::Invalid(m)) => return Err(page(StatusCode::CONFLICT, &m)),
        Err(e) => {
            tracing::error!(error = ?e, "external sign-in failed");
            return Err(page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side.",
            ));
        }
    };
    let signed_in = async {
        session.cycle_id().await?;
        session
            .insert(app::auth::session::USER_KEY, user.id.to_string())
            .await?;
        session
            .insert(app::auth::session::SIGNED_IN_KEY, services::records_now())
            .await
    };
    signed_in.await.map_err(|e| {
        tracing::error!(error = %e, "cannot write the session");
        page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong on our side.",
        )
    })?;
    Ok(Redirect::to(&flow.next).into_response())
}
