//! Accounts, sessions, organizations, invitations, tokens, cross-site refusal,
//! rate limits, and the tenant boundary, over real HTTP on both engines.

use crate::helpers::{Browser, PASSWORD, TestApp, empty_apps};

fn ok(res: &reqwest::Response) -> bool {
    res.status().is_success() || res.status().is_redirection()
}

fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("steward_session="))
        .map(str::to_owned)
}

async fn signed_up(app: &TestApp, email: &str, name: &str) -> Browser {
    let b = Browser::new(app);
    let res = b.sign_up(email, name).await;
    assert!(ok(&res), "sign up {email}: {}", res.status());
    b
}

/// `who` creates an organization and returns its slug.
async fn org(who: &Browser, kind: &str, slug: &str) -> String {
    let res = who
        .call(
            "create_org",
            &[
                ("kind", kind),
                ("name", &format!("{slug} Org")),
                ("slug", slug),
            ],
        )
        .await;
    assert!(ok(&res), "create org {slug}: {}", res.status());
    slug.to_owned()
}

#[tokio::test]
async fn sign_up_sign_in_sign_out_with_safe_cookies() {
    for app in empty_apps().await {
        let b = Browser::new(&app);
        assert_eq!(b.me().await, serde_json::Value::Null);
        let res = b.sign_up("Ada@Example.com", "Ada Lovelace").await;
        assert!(ok(&res), "{}", res.status());
        let cookie = session_cookie(&res).expect("a session cookie");
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(!cookie.contains("Secure"), "plain http here: {cookie}");
        assert!(cookie.contains("Path=/"), "{cookie}");
        let me = b.me().await;
        assert_eq!(me["email"], "ada@example.com");
        assert_eq!(me["name"], "Ada Lovelace");

        // The stored hash is argon2id with OWASP parameters; the password is nowhere.
        let user = app
            .services
            .store
            .user_by_email("ada@example.com")
            .await
            .unwrap()
            .unwrap();
        let hash = user.password_hash.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(!hash.contains(PASSWORD));

        let res = b.call("sign_out", &[]).await;
        assert!(ok(&res));
        assert_eq!(b.me().await, serde_json::Value::Null);

        let res = b.sign_in("ada@example.com", PASSWORD).await;
        assert!(ok(&res));
        assert_eq!(b.me().await["email"], "ada@example.com");

        let actions: Vec<String> = app
            .services
            .store
            .audit_for_subject("user", &user.id.to_string(), 10)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(
            actions,
            vec!["user.signed_in", "user.signed_out", "user.signed_up"]
        );
    }
}

#[tokio::test]
async fn sign_in_cycles_the_session_id_and_sign_out_kills_it() {
    for app in empty_apps().await {
        let b = signed_up(&app, "eve@example.com", "Eve").await;
        // Take the cookie value the server set, and replay it from another client.
        let first = b.sign_in("eve@example.com", PASSWORD).await;
        let first = session_cookie(&first).unwrap();
        let first_id = first.split(';').next().unwrap().to_owned();
        let second = b.sign_in("eve@example.com", PASSWORD).await;
        let second_id = session_cookie(&second)
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        assert_ne!(first_id, second_id, "a sign-in must issue a new session id");

        let replay = crate::helpers::client();
        let who = |cookie: String| {
            let replay = replay.clone();
            let url = format!("{}/api/me", app.base);
            async move {
                replay
                    .post(url)
                    .header("cookie", cookie)
                    .header("accept", "application/json")
                    .send()
                    .await
                    .unwrap()
                    .json::<serde_json::Value>()
                    .await
                    .unwrap()
            }
        };
        assert_eq!(
            who(first_id.clone()).await,
            serde_json::Value::Null,
            "the old id is dead"
        );
        assert_eq!(who(second_id.clone()).await["email"], "eve@example.com");

        b.call("sign_out", &[]).await;
        assert_eq!(
            who(second_id).await,
            serde_json::Value::Null,
            "sign-out deletes the session"
        );
    }
}

#[tokio::test]
async fn bad_credentials_say_nothing_specific_and_are_audited() {
    for app in empty_apps().await {
        signed_up(&app, "bob@example.com", "Bob").await;
        let b = Browser::new(&app);
        for (email, pw) in [
            ("bob@example.com", "wrong password here"),
            ("nobody@example.com", PASSWORD),
        ] {
            let res = b.sign_in(email, pw).await;
            assert_eq!(res.status(), 422);
            assert!(session_cookie(&res).is_none());
            let body: serde_json::Value = res.json().await.unwrap();
            assert_eq!(
                body["Invalid"]["fields"][0][1],
                "That email and password do not match an active account."
            );
        }
        let bob = app
            .services
            .store
            .user_by_email("bob@example.com")
            .await
            .unwrap()
            .unwrap();
        let trail = app
            .services
            .store
            .audit_for_subject("user", &bob.id.to_string(), 5)
            .await
            .unwrap();
        assert_eq!(trail[0].action, "user.sign_in_failed");
        assert_eq!(trail[0].actor, "anonymous");
        assert!(!trail[0].detail.contains("wrong password"));
        let unknown = app
            .services
            .store
            .audit_for_subject("user", "unknown", 5)
            .await
            .unwrap();
        assert_eq!(unknown.len(), 1);
        assert!(
            !unknown[0].detail.contains("nobody@example.com"),
            "no emails in the audit detail"
        );
    }
}

#[tokio::test]
async fn sign_up_refuses_bad_input_field_by_field() {
    for app in empty_apps().await {
        let b = Browser::new(&app);
        let res = b
            .call(
                "sign_up",
                &[
                    ("email", "nope"),
                    ("display_name", " "),
                    ("password", "short"),
                ],
            )
            .await;
        assert_eq!(res.status(), 422);
        let body: serde_json::Value = res.json().await.unwrap();
        let fields: Vec<&str> = body["Invalid"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f[0].as_str().unwrap())
            .collect();
        assert_eq!(fields, vec!["email", "display_name", "password"]);
        signed_up(&app, "dup@example.com", "Dup").await;
        let res = Browser::new(&app)
            .sign_up("DUP@example.com", "Dup Again")
            .await;
        assert_eq!(res.status(), 422, "duplicate email");
        assert_eq!(app.services.store.counts().await.unwrap().organizations, 0);
    }
}

#[tokio::test]
async fn sign_in_is_rate_limited_with_retry_after() {
    for app in empty_apps().await {
        let b = Browser::new(&app);
        let mut statuses = Vec::new();
        for _ in 0..12 {
            statuses.push(b.sign_in("target@example.com", "guess guess guess").await);
        }
        let last = statuses.pop().unwrap();
        assert_eq!(last.status(), 429);
        let retry: u64 = last.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&retry), "{retry}");
        assert!(statuses[..10].iter().all(|r| r.status() == 422));
    }
}

#[tokio::test]
async fn cross_site_state_changes_are_refused() {
    for app in empty_apps().await {
        let before = app.services.store.counts().await.unwrap();
        let c = crate::helpers::client();
        let form = [
            ("email", "x@example.com"),
            ("display_name", "X"),
            ("password", PASSWORD),
        ];
        let url = format!("{}/api/sign_up", app.base);
        let evil = c
            .post(&url)
            .header("origin", "https://evil.example")
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(evil.status(), 403);
        assert_eq!(evil.headers()["content-type"], "application/problem+json");
        let evil = c
            .post(&url)
            .header("sec-fetch-site", "cross-site")
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(evil.status(), 403);
        let evil = c
            .post(format!("{}/api/report", app.base))
            .header("origin", "null")
            .form(&[
                ("slug", "x"),
                ("reason", "spam"),
                ("details", "0123456789ab"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(evil.status(), 403);
        assert_eq!(
            app.services.store.counts().await.unwrap(),
            before,
            "nothing was written"
        );
        // Reads are not state changes.
        let read = c
            .get(format!("{}/catalog", app.base))
            .header("sec-fetch-site", "cross-site")
            .send()
            .await
            .unwrap();
        assert_eq!(read.status(), 200);
        // The same form from the site itself goes through.
        let same = c
            .post(&url)
            .header("origin", &app.base)
            .header("sec-fetch-site", "same-origin")
            .form(&form)
            .send()
            .await
            .unwrap();
        assert!(ok(&same), "{}", same.status());
    }
}

#[tokio::test]
async fn organizations_invitations_and_roles() {
    for app in empty_apps().await {
        let owner = signed_up(&app, "owner@acme.example", "Olga Owner").await;
        let slug = org(&owner, "publisher", "acme-tools").await;
        let me = owner.me().await;
        assert_eq!(me["orgs"][0]["slug"], "acme-tools");
        assert_eq!(me["orgs"][0]["roles"][0], "Owner");

        // A slug is taken once; a tenant cannot be operator.
        let res = owner
            .call(
                "create_org",
                &[
                    ("kind", "publisher"),
                    ("name", "Again"),
                    ("slug", "acme-tools"),
                ],
            )
            .await;
        assert_eq!(res.status(), 422);
        let res = owner
            .call(
                "create_org",
                &[("kind", "operator"), ("name", "Ops"), ("slug", "my-ops")],
            )
            .await;
        assert_eq!(res.status(), 422);

        let res = owner
            .call(
                "invite",
                &[
                    ("slug", &slug),
                    ("email", "dev@acme.example"),
                    ("role", "developer"),
                ],
            )
            .await;
        assert_eq!(res.status(), 200);
        let link = res.json::<serde_json::Value>().await.unwrap()["link"]
            .as_str()
            .unwrap()
            .to_owned();
        let token = link.split("token=").nth(1).unwrap().to_owned();
        // A role of another kind of organization is refused.
        let res = owner
            .call(
                "invite",
                &[
                    ("slug", &slug),
                    ("email", "x@acme.example"),
                    ("role", "tenant_admin"),
                ],
            )
            .await;
        assert_eq!(res.status(), 422);

        // The wrong person cannot use the link; the right one can, once.
        let mallory = signed_up(&app, "mallory@example.com", "Mallory").await;
        let res = mallory
            .call("accept_invitation", &[("token", &token)])
            .await;
        assert_eq!(res.status(), 422);
        let dev = signed_up(&app, "dev@acme.example", "Dan Developer").await;
        let res = dev.call("accept_invitation", &[("token", &token)]).await;
        assert!(ok(&res), "{}", res.status());
        assert_eq!(dev.me().await["orgs"][0]["roles"][0], "Developer");
        let res = dev.call("accept_invitation", &[("token", &token)]).await;
        assert_eq!(res.status(), 422, "an invitation works once");

        // A developer sees the members but cannot manage them.
        let page: serde_json::Value = dev
            .call("org", &[("slug", &slug)])
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(page["members"].as_array().unwrap().len(), 2);
        assert_eq!(page["can_manage"], false);
        let dev_id = page["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["email"] == "dev@acme.example")
            .unwrap()["user_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let owner_id = page["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["email"] == "owner@acme.example")
            .unwrap()["user_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let res = dev
            .call(
                "set_member_role",
                &[("slug", &slug), ("user_id", &dev_id), ("role", "owner")],
            )
            .await;
        assert_eq!(res.status(), 403, "no self-promotion");

        // The owner changes roles; the last owner cannot leave or demote themselves.
        let res = owner
            .call(
                "set_member_role",
                &[("slug", &slug), ("user_id", &dev_id), ("role", "finance")],
            )
            .await;
        assert!(ok(&res));
        let res = owner
            .call(
                "set_member_role",
                &[
                    ("slug", &slug),
                    ("user_id", &owner_id),
                    ("role", "developer"),
                ],
            )
            .await;
        assert_eq!(res.status(), 422);
        let res = owner
            .call("remove_member", &[("slug", &slug), ("user_id", &owner_id)])
            .await;
        assert_eq!(res.status(), 422);
        let res = owner
            .call("remove_member", &[("slug", &slug), ("user_id", &dev_id)])
            .await;
        assert!(ok(&res));
        assert_eq!(dev.me().await["orgs"].as_array().unwrap().len(), 0);

        let org_id = app
            .services
            .store
            .org_by_slug(&slug)
            .await
            .unwrap()
            .unwrap()
            .id
            .to_string();
        let trail: Vec<String> = app
            .services
            .store
            .audit_page(0, 1000)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.org_id.as_deref() == Some(org_id.as_str()))
            .map(|e| e.action)
            .collect();
        assert_eq!(
            trail,
            vec![
                "org.created",
                "member.invited",
                "member.joined",
                "member.role_changed",
                "member.removed"
            ]
        );
        assert!(
            app.services
                .store
                .verify_audit_chain()
                .await
                .unwrap()
                .is_ok()
        );
    }
}

#[tokio::test]
async fn tokens_are_shown_once_hashed_scoped_and_revocable() {
    for app in empty_apps().await {
        let owner = signed_up(&app, "owner@gw.example", "Gina Gateway").await;
        let slug = org(&owner, "tenant", "gw-tenant").await;
        let res = owner
            .call(
                "create_token",
                &[
                    ("slug", &slug),
                    ("name", "prod gateway"),
                    ("scopes[]", "authorize"),
                    ("scopes[]", "usage:write"),
                    ("expires_in_days", "30"),
                ],
            )
            .await;
        assert_eq!(res.status(), 200);
        let secret = res.json::<serde_json::Value>().await.unwrap()["secret"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(secret.starts_with("stw_"));

        // Only the hash is stored, and the listing shows a prefix, never the secret.
        let page: serde_json::Value = owner
            .call("tokens", &[("slug", &slug)])
            .await
            .json()
            .await
            .unwrap();
        assert!(!page.to_string().contains(&secret));
        assert_eq!(
            page["tokens"][0]["scopes"],
            serde_json::json!(["authorize", "usage:write"])
        );
        assert_eq!(page["tokens"][0]["last_used"], "never");

        let api = crate::helpers::client();
        let whoami = |auth: Option<String>| {
            let mut r = api.get(format!("{}/api/v1/whoami", app.base));
            if let Some(a) = auth {
                r = r.header("authorization", a);
            }
            r.send()
        };
        let res = whoami(Some(format!("Bearer {secret}"))).await.unwrap();
        assert_eq!(res.status(), 200);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["organization"], "gw-tenant");
        assert_eq!(
            body["scopes"],
            serde_json::json!(["authorize", "usage:write"])
        );
        let page: serde_json::Value = owner
            .call("tokens", &[("slug", &slug)])
            .await
            .json()
            .await
            .unwrap();
        assert_ne!(
            page["tokens"][0]["last_used"], "never",
            "last use is recorded"
        );

        for bad in [
            None,
            Some("Bearer nope".to_owned()),
            Some(format!("Basic {secret}")),
            Some(format!("Bearer {}x", &secret[..51])),
        ] {
            let res = whoami(bad.clone()).await.unwrap();
            assert_eq!(res.status(), 401, "{bad:?}");
            assert_eq!(res.headers()["www-authenticate"], "Bearer");
            assert_eq!(res.headers()["content-type"], "application/problem+json");
        }

        // Bad input, field by field.
        let res = owner
            .call(
                "create_token",
                &[
                    ("slug", &slug),
                    ("name", ""),
                    ("scopes[]", "root"),
                    ("expires_in_days", "9999"),
                ],
            )
            .await;
        assert_eq!(res.status(), 422);
        let fields: Vec<String> =
            res.json::<serde_json::Value>().await.unwrap()["Invalid"]["fields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f[0].as_str().unwrap().to_owned())
                .collect();
        assert_eq!(fields, vec!["name", "scopes", "expires_in_days"]);

        let id = page["tokens"][0]["id"].as_str().unwrap().to_owned();
        let res = owner
            .call("revoke_token", &[("slug", &slug), ("token_id", &id)])
            .await;
        assert!(ok(&res));
        let res = whoami(Some(format!("Bearer {secret}"))).await.unwrap();
        assert_eq!(res.status(), 401, "a revoked token stops working at once");
        let res = owner
            .call("revoke_token", &[("slug", &slug), ("token_id", &id)])
            .await;
        assert_eq!(res.status(), 404, "nothing left to revoke");
    }
}

#[tokio::test]
async fn another_organization_is_invisible_whatever_id_is_sent() {
    for app in empty_apps().await {
        let alice = signed_up(&app, "alice@a.example", "Alice").await;
        let a = org(&alice, "publisher", "org-a").await;
        let res = alice
            .call(
                "create_token",
                &[
                    ("slug", &a),
                    ("name", "a-token"),
                    ("scopes[]", "events:read"),
                ],
            )
            .await;
        let a_secret = res.json::<serde_json::Value>().await.unwrap()["secret"]
            .as_str()
            .unwrap()
            .to_owned();
        let a_page: serde_json::Value = alice
            .call("tokens", &[("slug", &a)])
            .await
            .json()
            .await
            .unwrap();
        let a_token_id = a_page["tokens"][0]["id"].as_str().unwrap().to_owned();
        let a_members: serde_json::Value = alice
            .call("org", &[("slug", &a)])
            .await
            .json()
            .await
            .unwrap();
        let alice_id = a_members["members"][0]["user_id"]
            .as_str()
            .unwrap()
            .to_owned();

        let bob = signed_up(&app, "bob@b.example", "Bob").await;
        let b = org(&bob, "publisher", "org-b").await;
        let before = app.services.store.counts().await.unwrap();
        let audit_before = app.services.store.audit_len().await.unwrap();

        // Bob names org A directly: it does not exist for him.
        for (f, form) in [
            ("org", vec![("slug", a.as_str())]),
            ("tokens", vec![("slug", a.as_str())]),
            (
                "invite",
                vec![
                    ("slug", a.as_str()),
                    ("email", "bob@b.example"),
                    ("role", "owner"),
                ],
            ),
            (
                "revoke_token",
                vec![("slug", a.as_str()), ("token_id", a_token_id.as_str())],
            ),
            (
                "remove_member",
                vec![("slug", a.as_str()), ("user_id", alice_id.as_str())],
            ),
            (
                "set_member_role",
                vec![
                    ("slug", a.as_str()),
                    ("user_id", alice_id.as_str()),
                    ("role", "finance"),
                ],
            ),
        ] {
            let res = bob.call(f, &form).await;
            assert_eq!(res.status(), 404, "{f} on org A must look like nothing");
        }
        // Bob names his own org with A's ids: still nothing.
        for (f, form) in [
            (
                "revoke_token",
                vec![("slug", b.as_str()), ("token_id", a_token_id.as_str())],
            ),
            (
                "remove_member",
                vec![("slug", b.as_str()), ("user_id", alice_id.as_str())],
            ),
            (
                "set_member_role",
                vec![
                    ("slug", b.as_str()),
                    ("user_id", alice_id.as_str()),
                    ("role", "finance"),
                ],
            ),
        ] {
            let res = bob.call(f, &form).await;
            assert_eq!(res.status(), 404, "{f} with A's ids under B");
        }
        // And an anonymous visitor gets 401.
        let anon = Browser::new(&app);
        for f in ["org", "tokens"] {
            assert_eq!(anon.call(f, &[("slug", &a)]).await.status(), 401, "{f}");
        }
        assert_eq!(
            anon.call(
                "create_org",
                &[("kind", "publisher"), ("name", "N"), ("slug", "anon-org")]
            )
            .await
            .status(),
            401
        );

        assert_eq!(
            app.services.store.counts().await.unwrap(),
            before,
            "nothing changed"
        );
        assert_eq!(app.services.store.audit_len().await.unwrap(), audit_before);
        let res = crate::helpers::client()
            .get(format!("{}/api/v1/whoami", app.base))
            .header("authorization", format!("Bearer {a_secret}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "A's token still works");
    }
}

#[tokio::test]
async fn disabling_an_account_ends_its_sessions() {
    for app in empty_apps().await {
        let b = signed_up(&app, "leaver@example.com", "Leaver").await;
        let other = Browser::new(&app);
        other.sign_in("leaver@example.com", PASSWORD).await;
        assert_eq!(other.me().await["email"], "leaver@example.com");
        let user = app
            .services
            .store
            .user_by_email("leaver@example.com")
            .await
            .unwrap()
            .unwrap();
        app.services
            .disable_user(&services::Actor::System, user.id)
            .await
            .unwrap();
        assert_eq!(b.me().await, serde_json::Value::Null);
        assert_eq!(other.me().await, serde_json::Value::Null);
        assert_eq!(
            b.sign_in("leaver@example.com", PASSWORD).await.status(),
            422
        );
    }
}

#[derive(Debug, Default)]
struct RecordingMailer {
    sent: std::sync::Mutex<Vec<services::mail::Mail>>,
    fail: bool,
}

#[async_trait::async_trait]
impl services::mail::Mailer for RecordingMailer {
    async fn send(&self, mail: services::mail::Mail) -> Result<(), String> {
        self.sent.lock().unwrap().push(mail);
        if self.fail {
            Err("smtp is down".into())
        } else {
            Ok(())
        }
    }
}

#[tokio::test]
async fn invitations_go_through_a_pluggable_mailer_after_the_commit() {
    for mut app in empty_apps().await {
        let owner = signed_up(&app, "owner@mail.example", "Mo Mail").await;
        let slug = org(&owner, "tenant", "mail-tenant").await;
        for fail in [false, true] {
            let mailer = std::sync::Arc::new(RecordingMailer {
                fail,
                ..Default::default()
            });
            app.services = app.services.clone().with_mailer(mailer.clone());
            let user = app
                .services
                .store
                .user_by_email("owner@mail.example")
                .await
                .unwrap()
                .unwrap();
            let email = format!("invitee-{fail}@mail.example");
            let (inv, secret) = app
                .services
                .invite(&services::Actor::User(user.id), &slug, &email, "member")
                .await
                .expect("a mail failure does not undo the invitation");
            let sent = mailer.sent.lock().unwrap().clone();
            assert_eq!(sent.len(), 1);
            assert_eq!(sent[0].to, email);
            assert!(sent[0].body.contains(&secret), "the mail carries the link");
            assert!(sent[0].subject.contains("mail-tenant Org"));
            let open = app
                .services
                .store
                .in_org(inv.org_id)
                .open_invitations()
                .await
                .unwrap();
            assert!(open.iter().any(|i| i.id == inv.id));
        }
    }
}

#[tokio::test]
async fn a_session_ends_seven_days_after_sign_in_however_active() {
    for app in empty_apps().await {
        let b = Browser::new(&app);
        let res = b.sign_up("old@example.com", "Old Session").await;
        let id = session_cookie(&res)
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .trim_start_matches("steward_session=")
            .to_owned();
        assert_eq!(b.me().await["email"], "old@example.com");
        // Age the sign-in by eight days, as if the session had been kept alive since.
        let user = app
            .services
            .store
            .user_by_email("old@example.com")
            .await
            .unwrap()
            .unwrap();
        let eight_days_ago = services::records_now() - 8 * 24 * 3600 * 1000;
        let n = app
            .services
            .store
            .execute_raw(&format!(
                "UPDATE tower_session SET data = '{{\"user_id\":\"{}\",\"signed_in_at\":{eight_days_ago}}}' WHERE id = '{id}'",
                user.id
            ))
            .await
            .unwrap();
        assert_eq!(n, 1);
        assert_eq!(
            b.me().await,
            serde_json::Value::Null,
            "past its absolute lifetime"
        );
    }
}

#[tokio::test]
async fn sign_up_is_rate_limited_per_client() {
    for app in empty_apps().await {
        let b = Browser::new(&app);
        let mut last = None;
        for i in 0..11 {
            last = Some(b.sign_up(&format!("flood{i}@example.com"), "Flood").await);
        }
        let last = last.unwrap();
        assert_eq!(last.status(), 429);
        assert!(last.headers().contains_key("retry-after"));
        assert_eq!(
            app.services
                .store
                .user_by_email("flood10@example.com")
                .await
                .unwrap(),
            None
        );
    }
}

#[tokio::test]
async fn operators_read_across_organizations_only_through_the_audited_console() {
    for app in empty_apps().await {
        let owner = signed_up(&app, "owner@x.example", "Xena").await;
        org(&owner, "publisher", "x-pub").await;
        app.services
            .create_user("ops@op.example", "Opal Ops", PASSWORD, true)
            .await
            .unwrap();
        let ops = Browser::new(&app);
        assert!(ok(&ops.sign_in("ops@op.example", PASSWORD).await));

        // The directory lists organizations; only operators get it.
        let res = ops.call("console_orgs", &[]).await;
        assert_eq!(res.status(), 200);
        let list: serde_json::Value = res.json().await.unwrap();
        assert!(
            list.as_array()
                .unwrap()
                .iter()
                .any(|o| o["slug"] == "x-pub")
        );
        assert_eq!(owner.call("console_orgs", &[]).await.status(), 403);

        // Reading another organization's members leaves an audit entry first.
        let org_id = app
            .services
            .store
            .org_by_slug("x-pub")
            .await
            .unwrap()
            .unwrap()
            .id;
        let before = app.services.store.audit_len().await.unwrap();
        let res = ops.call("console_org", &[("slug", "x-pub")]).await;
        assert_eq!(res.status(), 200);
        let view: serde_json::Value = res.json().await.unwrap();
        assert_eq!(view["members"][0]["email"], "owner@x.example");
        let trail = app
            .services
            .store
            .audit_for_subject("org", &org_id.to_string(), 1)
            .await
            .unwrap();
        assert_eq!(trail[0].action, "operator.read");
        assert!(trail[0].actor.starts_with("user:"));
        assert_eq!(app.services.store.audit_len().await.unwrap(), before + 1);
        // The publisher cannot use the console path on anyone.
        assert_eq!(
            owner
                .call("console_org", &[("slug", "x-pub")])
                .await
                .status(),
            404
        );
    }
}
