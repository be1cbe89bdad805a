//! Sign in, sign up.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::AppError;
use crate::auth::{SignIn as SignInFn, SignUp as SignUpFn};

/// Field error text for `name`, from an action's last result.
pub fn field_error<T, S>(
    value: S,
    name: &'static str,
) -> impl Fn() -> Option<String> + Copy + Send + Sync + 'static
where
    T: Send + Sync + 'static,
    S: With<Value = Option<Result<T, AppError>>> + Copy + Send + Sync + 'static,
{
    move || {
        value.with(|r| match r {
            Some(Err(e)) => e.field(name),
            _ => None,
        })
    }
}

/// A banner for errors that are not about one field.
#[component]
pub fn FormError<T, S>(value: S) -> impl IntoView
where
    T: Send + Sync + 'static,
    S: With<Value = Option<Result<T, AppError>>> + Copy + Send + Sync + 'static,
{
    move || {
        value.with(|r| match r {
            Some(Err(AppError::Invalid { fields, message })) if fields.is_empty() => Some(
                view! { <div class="alert error" role="alert">{message.clone()}</div> }.into_any(),
            ),
            Some(Err(e)) if !matches!(e, AppError::Invalid { .. }) => Some(
                view! { <div class="alert error" role="alert">{e.to_string()}</div> }.into_any(),
            ),
            _ => None,
        })
    }
}

#[component]
pub fn SignIn() -> impl IntoView {
    let action = ServerAction::<SignInFn>::new();
    let value = action.value();
    let err = move |f| field_error(value, f);
    let next = move || use_query_map().read().get("next").unwrap_or_default();
    expect_context::<crate::AuthVersion>().bump_on_ok(value);
    view! {
        <Title text="Sign in" />
        <div class="narrow stack">
            <header class="page-header">
                <h1>"Sign in"</h1>
            </header>
            <FormError value />
            <ActionForm action attr:class="form" attr:id="sign-in-form">
                <input type="hidden" name="next" value=next />
                <div class="field">
                    <label for="si-email">"Email"</label>
                    <input id="si-email" type="email" name="email" autocomplete="username" required
                        aria-invalid=move || err("email")().map(|_| "true") />
                    <p class="field-error">{err("email")}</p>
                </div>
                <div class="field">
                    <label for="si-password">"Password"</label>
                    <input id="si-password" type="password" name="password" autocomplete="current-password" required
                        aria-invalid=move || err("password")().map(|_| "true") aria-describedby="si-password-error" />
                    <p class="field-error" id="si-password-error">{err("password")}</p>
                </div>
                <div class="form-actions">
                    <button class="button primary" type="submit" disabled=move || action.pending().get()>"Sign in"</button>
                </div>
            </ActionForm>
            <ExternalButtons next=Signal::derive(next) />
            <p>"New here? "<a href="/sign-up">"Create an account"</a>"."</p>
        </div>
    }
}

/// "Sign in with …" for each configured OpenID Connect provider.
#[component]
pub fn ExternalButtons(next: Signal<String>) -> impl IntoView {
    let options = Resource::new(|| (), |_| crate::auth::sign_in_options());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let providers = options.await.unwrap_or_default();
                (!providers.is_empty()).then(|| {
                    let next = next.get();
                    view! {
                        <div class="stack" id="external-sign-in">
                            <p class="muted">"Or use your organization's sign-in:"</p>
                            {providers.into_iter().map(|(name, label)| {
                                let href = if next.is_empty() {
                                    format!("/auth/oidc/{name}/start")
                                } else {
                                    format!("/auth/oidc/{name}/start?next={}", crate::pages::urlencode(&next))
                                };
                                view! { <a class="button secondary" href=href rel="external">{format!("Sign in with {label}")}</a> }
                            }).collect_view()}
                        </div>
                    }
                })
            })}
        </Suspense>
    }
}

#[component]
pub fn SignUp() -> impl IntoView {
    let action = ServerAction::<SignUpFn>::new();
    let value = action.value();
    let err = move |f| field_error(value, f);
    let next = move || use_query_map().read().get("next").unwrap_or_default();
    expect_context::<crate::AuthVersion>().bump_on_ok(value);
    view! {
        <Title text="Create an account" />
        <div class="narrow stack">
            <header class="page-header">
                <h1>"Create an account"</h1>
                <p class="lede">"Publishers list agents; buyers install them. Either way, it starts with an account."</p>
            </header>
            <FormError value />
            <ActionForm action attr:class="form" attr:id="sign-up-form">
                <input type="hidden" name="next" value=next />
                <div class="field">
                    <label for="su-name">"Your name"</label>
                    <input id="su-name" type="text" name="display_name" autocomplete="name" required maxlength="100"
                        aria-invalid=move || err("display_name")().map(|_| "true") />
                    <p class="field-error">{err("display_name")}</p>
                </div>
                <div class="field">
                    <label for="su-email">"Email"</label>
                    <input id="su-email" type="email" name="email" autocomplete="email" required
                        aria-invalid=move || err("email")().map(|_| "true") />
                    <p class="field-error">{err("email")}</p>
                </div>
                <div class="field">
                    <label for="su-password">"Password"</label>
                    <input id="su-password" type="password" name="password" autocomplete="new-password" required minlength="12"
                        aria-invalid=move || err("password")().map(|_| "true") aria-describedby="su-password-hint" />
                    <p class="hint" id="su-password-hint">"At least 12 characters. A few unrelated words work well."</p>
                    <p class="field-error">{err("password")}</p>
                </div>
                <div class="form-actions">
                    <button class="button primary" type="submit" disabled=move || action.pending().get()>"Create account"</button>
                </div>
            </ActionForm>
            <p>"Already have an account? "<a href="/sign-in">"Sign in"</a>"."</p>
        </div>
    }
}
