use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(r) = use_context::<leptos_axum::ResponseOptions>() {
        r.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found" />
        <section class="error-page">
            <p class="code">"404"</p>
            <h1>"We could not find that page"</h1>
            <p class="muted">"The address may be mistyped, or the listing is no longer public."</p>
            <p><a href="/catalog">"Browse the catalog"</a>" or go "<a href="/">"home"</a>"."</p>
        </section>
    }
}
