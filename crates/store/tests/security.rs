//! Issue 13's storage: API tokens that expire, record their use and are revoked with an audit
//! entry; the append-only audit log; registrations completed once; rate-limit attempts; the
//! outbox; previewed uploads with a quota per organisation. Each story on both backends.
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use spendlens_core::campaign::{CampaignId, OrgId};
use spendlens_store::{
    AuditEntry, PendingPreview, PendingRegistration, PreviewQuota, Principal, StoreError,
};
use spendlens_testkit::TestDatabase;
use sqlx::Connection;

use crate::support::{plain_spec, stores};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-21T12:00:00Z")
        .map(|t| t.to_utc())
        .unwrap_or_default()
}

fn ok<T>(r: Result<T, StoreError>, what: &str) -> T {
    r.unwrap_or_else(|e| panic!("{what}: {e}"))
}

fn revoke_entry(p: &Principal, id: &str) -> AuditEntry {
    AuditEntry {
        org_id: p.org_id.clone(),
        actor: Some(p.user_id.clone()),
        action: "api_token.revoke".into(),
        target_type: "api_token".into(),
        target_id: id.into(),
        details: json!({"name": "ci"}),
        at: now(),
    }
}

#[tokio::test]
async fn tokens_expire_record_their_use_and_are_revoked_with_an_audit_entry() {
    for (name, store) in stores().await {
        let a = ok(store.create_account("a@x.io", "h", "A", now()).await, name);
        let b = ok(store.create_account("b@x.io", "h", "B", now()).await, name);
        let forever = ok(
            store.create_api_token("ci", "t1", &a, now(), None).await,
            name,
        );
        let until = now() + Duration::days(1);
        let short = ok(
            store
                .create_api_token("short", "t2", &a, now(), Some(until))
                .await,
            name,
        );
        ok(
            store
                .create_api_token("theirs", "t3", &b, now(), None)
                .await,
            name,
        );
        // Expiry: valid before, gone at the instant.
        assert!(ok(store.api_token("t2", now()).await, name).is_some());
        assert!(
            ok(store.api_token("t2", until).await, name).is_none(),
            "{name}"
        );

        // Use: recorded unless recorded since the given instant.
        ok(
            store
                .touch_api_token(&forever, now(), now() - Duration::minutes(1))
                .await,
            name,
        );
        let later = now() + Duration::seconds(30);
        ok(
            store
                .touch_api_token(&forever, later, later - Duration::minutes(1))
                .await,
            name,
        );
        let used = ok(store.api_token("t1", later).await, name);
        assert_eq!(used.map(|u| u.last_used_at), Some(Some(now())), "{name}");

        // Listing: the organisation's own, oldest first, without secrets.
        let listed = ok(store.api_tokens(&a.org_id).await, name);
        assert_eq!(
            listed
                .iter()
                .map(|t| (t.id.as_str(), t.name.as_str(), t.expires_at))
                .collect::<Vec<_>>(),
            vec![
                (forever.as_str(), "ci", None),
                (short.as_str(), "short", Some(until))
            ],
            "{name}"
        );
        assert_eq!(listed[0].last_used_at, Some(now()));

        // Revoking another organisation's token does nothing and writes no entry.
        let theirs = ok(store.api_tokens(&b.org_id).await, name);
        let other = ok(
            store
                .revoke_api_token(&a.org_id, &theirs[0].id, &revoke_entry(&a, &theirs[0].id))
                .await,
            name,
        );
        assert!(other.is_none(), "{name}");
        assert!(ok(store.api_token("t3", now()).await, name).is_some());
        assert!(ok(store.audit_entries(&a.org_id, 10).await, name).is_empty());

        let revoked = ok(
            store
                .revoke_api_token(&a.org_id, &forever, &revoke_entry(&a, &forever))
                .await,
            name,
        );
        assert_eq!(revoked.map(|t| t.name), Some("ci".to_owned()));
        assert!(ok(store.api_token("t1", now()).await, name).is_none());
        let log = ok(store.audit_entries(&a.org_id, 10).await, name);
        assert_eq!(log.len(), 1, "{name}");
        assert_eq!(log[0].entry, revoke_entry(&a, &forever), "{name}");
        assert!(ok(store.audit_entries(&b.org_id, 10).await, name).is_empty());

        // A stand-alone entry, newest first.
        let mut entry = revoke_entry(&a, "x");
        entry.action = "api_token.create".into();
        entry.actor = None;
        entry.at = now() + Duration::minutes(1);
        ok(store.record(&entry).await, name);
        let log = ok(store.audit_entries(&a.org_id, 10).await, name);
        assert_eq!(
            log.iter()
                .map(|r| r.entry.action.as_str())
                .collect::<Vec<_>>(),
            vec!["api_token.create", "api_token.revoke"]
        );
        assert_eq!(ok(store.audit_entries(&a.org_id, 1).await, name).len(), 1);
    }
}

/// The database refuses to change or delete an audit entry, whoever asks.
#[tokio::test]
async fn the_audit_log_is_append_only() {
    let mut databases = vec![TestDatabase::sqlite("spendlens-store-tests")];
    databases.extend(TestDatabase::postgres("store").await);
    for db in &databases {
        let store = ok(spendlens_store::connect(db).await, db.backend());
        let p = ok(
            store.create_account("a@x.io", "h", "A", now()).await,
            "account",
        );
        ok(store.record(&revoke_entry(&p, "t")).await, "record");
        let statements = [
            "UPDATE audit_log SET action = 'nothing'",
            "DELETE FROM audit_log",
        ];
        for sql in statements {
            let refused = if db.backend() == "sqlite" {
                let mut c = sqlx::SqliteConnection::connect(db)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
                sqlx::query(sql).execute(&mut c).await.is_err()
            } else {
                let mut c = sqlx::PgConnection::connect(db)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
                sqlx::query(sql).execute(&mut c).await.is_err()
            };
            assert!(refused, "{}: {sql}", db.backend());
        }
        assert_eq!(
            ok(store.audit_entries(&p.org_id, 10).await, "list").len(),
            1
        );
    }
}

fn registration(token: &str, email: &str, expires_at: DateTime<Utc>) -> PendingRegistration {
    PendingRegistration {
        token_hash: token.into(),
        email: email.into(),
        password_hash: "argon".into(),
        organization_name: "Org".into(),
        created_at: now(),
        expires_at,
        invitation_token_hash: None,
    }
}

#[tokio::test]
async fn a_registration_completes_once_and_never_past_its_expiry() {
    for (name, store) in stores().await {
        assert!(!ok(store.has_users().await, name));
        let day = now() + Duration::hours(24);
        for (token, email) in [("r1", "New@X.io"), ("r2", "new@x.io"), ("r3", "late@x.io")] {
            ok(
                store
                    .create_pending_registration(&registration(token, email, day))
                    .await,
                name,
            );
        }
        // Past its expiry a link does nothing.
        assert_eq!(ok(store.complete_registration("r3", day).await, name), None);
        let (p, email) = ok(store.complete_registration("r1", now()).await, name)
            .unwrap_or_else(|| panic!("{name}: r1"));
        assert_eq!(email, "new@x.io");
        assert!(ok(store.has_users().await, name));
        let creds = ok(store.credentials("new@x.io").await, name);
        assert_eq!(
            creds.map(|c| (c.org_id, c.password_hash)),
            Some((p.org_id, "argon".to_owned()))
        );
        // Once only; and a second registration of the address is used up as taken.
        assert_eq!(
            ok(store.complete_registration("r1", now()).await, name),
            None
        );
        let taken = store.complete_registration("r2", now()).await;
        assert!(
            matches!(taken, Err(StoreError::Conflict("email"))),
            "{name}: {taken:?}"
        );
        assert_eq!(
            ok(store.complete_registration("r2", now()).await, name),
            None
        );
    }
}

#[tokio::test]
async fn attempts_are_counted_per_key_in_their_window() {
    for (name, store) in stores().await {
        let window = Duration::minutes(15);
        let mut ids = Vec::new();
        for minutes in [0, 5, 10] {
            let at = now() + Duration::minutes(minutes);
            ids.push(ok(
                store
                    .record_attempt("login_address", "k1", at, at - window)
                    .await,
                name,
            ));
        }
        ok(
            store
                .record_attempt("login_account", "k1", now(), now() - window)
                .await,
            name,
        );
        let at = now() + Duration::minutes(10);
        let seen = ok(
            store
                .attempts_since("login_address", "k1", at - window)
                .await,
            name,
        );
        assert_eq!((seen.count, seen.oldest), (3, Some(now())), "{name}");
        let later = now() + Duration::minutes(16);
        let seen = ok(
            store
                .attempts_since("login_address", "k1", later - window)
                .await,
            name,
        );
        assert_eq!(seen.count, 2, "{name}: the first left the window");
        ok(store.forget_attempt(&ids[2]).await, name);
        let seen = ok(
            store
                .attempts_since("login_address", "k1", now() - window)
                .await,
            name,
        );
        assert_eq!(seen.count, 2, "{name}");
        ok(store.forget_attempts("login_address", "k1").await, name);
        let none = ok(
            store
                .attempts_since("login_address", "k1", now() - window)
                .await,
            name,
        );
        assert_eq!((none.count, none.oldest), (0, None));
        let other_kind = ok(
            store
                .attempts_since("login_account", "k1", now() - window)
                .await,
            name,
        );
        assert_eq!(other_kind.count, 1, "{name}: kinds are separate");
    }
}

#[tokio::test]
async fn the_outbox_keeps_messages_per_recipient() {
    for (name, store) in stores().await {
        let mail = spendlens_store::OutgoingMail {
            to: "Ana@X.io".into(),
            subject: "Confirm".into(),
            body: "https://example.test/verify?token=abc".into(),
        };
        ok(store.enqueue_mail(&mail, now()).await, name);
        let got = ok(store.mail_to("ana@x.IO").await, name);
        assert_eq!(got.len(), 1, "{name}");
        assert_eq!(
            (got[0].mail.to.as_str(), got[0].sent_at),
            ("ana@x.io", None)
        );
        assert_eq!(got[0].mail.body, mail.body);
        assert!(ok(store.mail_to("bob@x.io").await, name).is_empty());
        // The newest unsent ones, oldest of them first.
        for (n, to) in ["bob@x.io", "cy@x.io"].into_iter().enumerate() {
            let later = now() + Duration::minutes(i64::try_from(n).unwrap_or(0) + 1);
            let mail = spendlens_store::OutgoingMail {
                to: to.into(),
                ..mail.clone()
            };
            ok(store.enqueue_mail(&mail, later).await, name);
        }
        let recipients = |list: Vec<spendlens_store::StoredMail>| {
            list.into_iter().map(|m| m.mail.to).collect::<Vec<_>>()
        };
        assert_eq!(
            recipients(ok(store.unsent_mail(10).await, name)),
            vec!["ana@x.io", "bob@x.io", "cy@x.io"],
            "{name}"
        );
        assert_eq!(
            recipients(ok(store.unsent_mail(2).await, name)),
            vec!["bob@x.io", "cy@x.io"],
            "{name}"
        );
    }
}

fn preview(n: usize) -> PendingPreview {
    PendingPreview {
        file_name: "a.csv".into(),
        source: Some("canonical".into()),
        rate: Some("1.1".into()),
        mapping: Some("date=Day,spend=\"Amount spent (INR)\"".into()),
        bytes: vec![b'x'; n],
    }
}

#[tokio::test]
async fn previews_are_taken_once_and_bounded_per_organisation() {
    for (name, store) in stores().await {
        let a = ok(store.create_account("a@x.io", "h", "A", now()).await, name);
        let b = ok(store.create_account("b@x.io", "h", "B", now()).await, name);
        let ca = ok(
            store
                .create_campaign(&a.org_id, &plain_spec("A"), now())
                .await,
            name,
        )
        .id;
        let cb = ok(
            store
                .create_campaign(&b.org_id, &plain_spec("B"), now())
                .await,
            name,
        )
        .id;
        let quota = PreviewQuota {
            max_count: 2,
            max_bytes: 100,
        };
        let expires = now() + Duration::minutes(30);
        let put = |token: &'static str, org: OrgId, c: CampaignId, n: usize| {
            let store = store.clone();
            async move {
                store
                    .put_preview(token, &org, &c, &preview(n), now(), expires, quota)
                    .await
            }
        };
        ok(put("b1", b.org_id.clone(), cb.clone(), 10).await, name);
        // A fills its quota many times over: B's preview stays.
        for token in ["a1", "a2", "a3", "a4"] {
            ok(put(token, a.org_id.clone(), ca.clone(), 10).await, name);
        }
        let take = |token: &'static str, org: OrgId, c: CampaignId, at: DateTime<Utc>| {
            let store = store.clone();
            async move { store.take_preview(token, &org, &c, at).await }
        };
        assert!(ok(take("a1", a.org_id.clone(), ca.clone(), now()).await, name).is_none());
        assert!(ok(take("a2", a.org_id.clone(), ca.clone(), now()).await, name).is_none());
        // Bound to the organisation and the campaign.
        assert!(ok(take("b1", a.org_id.clone(), cb.clone(), now()).await, name).is_none());
        assert!(ok(take("b1", b.org_id.clone(), ca.clone(), now()).await, name).is_none());
        assert_eq!(
            ok(take("b1", b.org_id.clone(), cb.clone(), now()).await, name),
            Some(preview(10)),
            "{name}"
        );
        assert!(ok(take("b1", b.org_id.clone(), cb.clone(), now()).await, name).is_none());
        // Bytes count too: a large one leaves only itself.
        ok(put("a5", a.org_id.clone(), ca.clone(), 95).await, name);
        assert!(ok(take("a4", a.org_id.clone(), ca.clone(), now()).await, name).is_none());
        // Expired previews are not taken.
        assert!(
            ok(
                take("a5", a.org_id.clone(), ca.clone(), expires).await,
                name
            )
            .is_none()
        );
    }
}
