//! OpenID Connect sign-in: the callback's guards against a real provider
//! process (npm oidc-provider from end2end/), and account resolution rules.

use std::process::Stdio;

use services::{ExternalIdentity, ServiceError};

use crate::helpers::{Browser, empty_apps, start_with};

fn provider_script() -> Option<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let script = root.join("end2end/oidc/provider.mjs");
    let module = root.join("end2end/node_modules/oidc-provider");
    (script.exists() && module.exists()).then_some(script)
}

#[tokio::test]
async fn callback_refuses_a_state_that_does_not_match_and_is_single_use() {
    let Some(script) = provider_script() else {
        eprintln!("end2end/node_modules is not installed (run make tools-test): skipping");
        return;
    };
    for db in store::testing::engines().await {
        // The provider needs Steward's callback URL before Steward starts: reserve a port.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let oidc_port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut idp = tokio::process::Command::new("node")
            .arg(&script)
            .env("OIDC_PORT", oidc_port.to_string())
            .env(
                "OIDC_REDIRECT_URIS",
                format!("http://127.0.0.1:{port}/auth/oidc/testidp/callback"),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("node");
        let issuer = format!("http://127.0.0.1:{oidc_port}");
        let client = crate::helpers::client();
        for _ in 0..100 {
            if client
                .get(format!("{issuer}/.well-known/openid-configuration"))
                .send()
                .await
                .is_ok()
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let app = start_with(
            db,
            false,
            vec![server::oidc::Provider {
                name: "testidp".into(),
                label: "Test IdP".into(),
                issuer: issuer.clone(),
                client_id: "steward".into(),
                client_secret: "steward-test-secret".into(),
            }],
        )
        .await;
        let b = Browser::new(&app);
        // The app listens on its own port; the redirect URI names `port`, which is
        // fine here: the callback is called directly, never via the provider.
        let res = b
            .client
            .get(app.url("/auth/oidc/testidp/start"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        let location = res.headers()["location"].to_str().unwrap().to_owned();
        assert!(
            location.starts_with(&format!("{issuer}/auth?")),
            "{location}"
        );
        let url = url::Url::parse(&location).unwrap();
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(q["code_challenge_method"], "S256", "PKCE");
        assert!(q["nonce"].len() >= 16 && q["state"].len() >= 16);
        assert_eq!(q["scope"], "openid email profile");

        let wrong = b
            .client
            .get(app.url("/auth/oidc/testidp/callback?code=stolen&state=not-the-state"))
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 400);
        // The flow was consumed by the failed attempt: the right state no longer works either.
        let replay = b
            .client
            .get(app.url(&format!(
                "/auth/oidc/testidp/callback?code=stolen&state={}",
                q["state"]
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(replay.status(), 400);
        assert_eq!(b.me().await, serde_json::Value::Null, "nobody is signed in");

        // A provider error comes back as a refusal, not a crash.
        let res = b
            .client
            .get(app.url("/auth/oidc/testidp/start"))
            .send()
            .await
            .unwrap();
        let url = url::Url::parse(res.headers()["location"].to_str().unwrap()).unwrap();
        let state = url
            .query_pairs()
            .find(|(k, _)| k == "state")
            .unwrap()
            .1
            .into_owned();
        let res = b
            .client
            .get(app.url(&format!(
                "/auth/oidc/testidp/callback?error=access_denied&state={state}"
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
        assert_eq!(b.me().await, serde_json::Value::Null);

        let res = b
            .client
            .get(app.url("/auth/oidc/nope/start"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404);
        assert_eq!(app.services.store.counts().await.unwrap().organizations, 0);
        let _ = idp.kill().await;
    }
}

#[tokio::test]
async fn external_identities_never_merge_into_an_account_silently() {
    for app in empty_apps().await {
        let s = &app.services;
        let ext = |sub: &str, email: &str| ExternalIdentity {
            provider: "corp".into(),
            subject: sub.into(),
            email: Some(email.into()),
            email_verified: true,
            name: Some("Ext Person".into()),
        };
        // A new identity makes a new, password-less account.
        let u = s
            .sign_in_external(&ext("s-1", "new@corp.example"), None)
            .await
            .unwrap();
        assert_eq!(u.email, "new@corp.example");
        assert!(u.password_hash.is_none());
        // The same identity signs into the same account.
        let again = s
            .sign_in_external(&ext("s-1", "changed@corp.example"), None)
            .await
            .unwrap();
        assert_eq!(again.id, u.id);

        // An identity whose email belongs to a password account is refused...
        let b = Browser::new(&app);
        b.sign_up("pw@corp.example", "Pat Password").await;
        let pw = s
            .store
            .user_by_email("pw@corp.example")
            .await
            .unwrap()
            .unwrap();
        let err = s
            .sign_in_external(&ext("s-2", "pw@corp.example"), None)
            .await
            .unwrap_err();
        assert!(matches!(err, ServiceError::Invalid(_)), "{err:?}");
        // ...unless that account's owner, signed in, links it.
        let linked = s
            .sign_in_external(&ext("s-2", "pw@corp.example"), Some(pw.id))
            .await
            .unwrap();
        assert_eq!(linked.id, pw.id);
        assert_eq!(
            s.store.identities_of(pw.id).await.unwrap(),
            vec!["corp".to_owned()]
        );
        // An identity linked to one account cannot be linked to another.
        let err = s
            .sign_in_external(&ext("s-1", "x@corp.example"), Some(pw.id))
            .await
            .unwrap_err();
        assert!(matches!(err, ServiceError::Invalid(_)));
        // No verified email, no new account.
        let mut unverified = ext("s-3", "u@corp.example");
        unverified.email_verified = false;
        assert!(s.sign_in_external(&unverified, None).await.is_err());
        // A disabled account cannot sign in through its provider either.
        s.disable_user(&services::Actor::System, pw.id)
            .await
            .unwrap();
        assert!(
            s.sign_in_external(&ext("s-2", "pw@corp.example"), None)
                .await
                .is_err()
        );
    }
}
