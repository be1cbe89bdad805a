//! The one error type of every server function.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

/// What a person may be told. Causes stay in the server's logs, under the
/// correlation id shown here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("We could not find that.")]
    NotFound,
    #[error("{message}")]
    Invalid {
        message: String,
        /// (field name, message) pairs for forms.
        fields: Vec<(String, String)>,
    },
    #[error("You are not allowed to do that.")]
    Forbidden,
    #[error("Sign in to continue.")]
    Unauthorized,
    #[error("Too many attempts. Try again in {retry_after_secs} seconds.")]
    RateLimited { retry_after_secs: u64 },
    #[error("Something went wrong on our side. Reference: {correlation_id}")]
    Internal { correlation_id: String },
    #[error("{0}")]
    Request(String),
}

impl AppError {
    /// The message for one form field, if that field was refused.
    pub fn field(&self, name: &str) -> Option<String> {
        match self {
            AppError::Invalid { fields, .. } => fields
                .iter()
                .find(|(f, _)| f == name)
                .map(|(_, m)| m.clone()),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        // Transport and encoding failures: say what a person can act on, not the
        // decoder's internals.
        let msg = match value {
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => {
                "We could not reach Steward. Check your connection and try again."
            }
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                #[cfg(feature = "ssr")]
                ssr::set_status(400);
                "The request was incomplete or malformed."
            }
            _ => "Something went wrong. Try again.",
        };
        AppError::Request(msg.to_owned())
    }
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::AppError;
    use services::ServiceError;

    /// The id that ties what a user sees to the server's logs: the request id.
    fn correlation_id() -> String {
        leptos::prelude::use_context::<http::request::Parts>()
            .and_then(|p| {
                p.headers
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
    }

    pub(super) fn set_status(code: u16) {
        if let Some(r) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
            && let Ok(status) = http::StatusCode::from_u16(code)
        {
            r.set_status(status);
        }
    }

    impl From<ServiceError> for AppError {
        fn from(e: ServiceError) -> Self {
            match e {
                ServiceError::NotFound => {
                    set_status(404);
                    AppError::NotFound
                }
                ServiceError::Forbidden => {
                    set_status(403);
                    AppError::Forbidden
                }
                ServiceError::Unauthorized => {
                    set_status(401);
                    AppError::Unauthorized
                }
                ServiceError::RateLimited { retry_after_secs } => {
                    set_status(429);
                    if let Some(r) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
                        && let Ok(v) = http::HeaderValue::from_str(&retry_after_secs.to_string())
                    {
                        r.insert_header(http::header::RETRY_AFTER, v);
                    }
                    AppError::RateLimited { retry_after_secs }
                }
                ServiceError::Invalid(message) | ServiceError::Conflict(message) => {
                    set_status(422);
                    AppError::Invalid {
                        message,
                        fields: Vec::new(),
                    }
                }
                ServiceError::TooLarge { limit } => {
                    set_status(413);
                    AppError::Invalid {
                        message: format!(
                            "That is too large: the limit is {} MiB.",
                            limit / (1024 * 1024)
                        ),
                        fields: Vec::new(),
                    }
                }
                ServiceError::InvalidFields(fields) => {
                    set_status(422);
                    AppError::Invalid {
                        message: "Some fields need attention.".into(),
                        fields,
                    }
                }
                ServiceError::Internal(cause) => {
                    let correlation_id = correlation_id();
                    tracing::error!(%correlation_id, error = %cause, "request failed");
                    set_status(500);
                    AppError::Internal { correlation_id }
                }
            }
        }
    }
}
