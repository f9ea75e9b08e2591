//! Writers at the same time (issue 13): many writers of one campaign, and a long import beside
//! another campaign's writes, on each backend.
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use spendlens_core::Platform;
use spendlens_core::campaign::OrgId;
use spendlens_core::daily::DailyRow;
use spendlens_store::{ImportRecord, Store};

use crate::support::{plain_spec, stores};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-21T12:00:00Z")
        .map(|t| t.to_utc())
        .unwrap_or_default()
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
}

async fn account(store: &dyn Store) -> OrgId {
    store
        .create_account("a@x.io", "h", "A", now())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .org_id
}

async fn spend_total(
    store: &dyn Store,
    org: &OrgId,
    c: &spendlens_core::campaign::CampaignId,
) -> Decimal {
    store
        .platform_totals(org, c, day("2030-01-01"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .iter()
        .map(|t| t.spend)
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writers_of_one_campaign_queue_and_every_row_counts() {
    for (name, store) in stores().await {
        let org = account(store.as_ref()).await;
        let c = store
            .create_campaign(&org, &plain_spec("Busy"), now())
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let (writers, posts) = (16u32, 10u32);
        let mut tasks = Vec::new();
        for w in 0..writers {
            let (store, org, id) = (Arc::clone(&store), org.clone(), c.id.clone());
            tasks.push(tokio::spawn(async move {
                let mut failures = Vec::new();
                for p in 0..posts {
                    // Every writer touches the same two months (and re-sums both).
                    let rows: Vec<DailyRow> = ["2026-10-31", "2026-11-01"]
                        .iter()
                        .map(|date| DailyRow {
                            spend: Decimal::new(i64::from(w * 100 + p + 1), 2),
                            ..DailyRow::empty(day(date), Platform::Meta, format!("w{w}-p{p}"))
                        })
                        .collect();
                    if let Err(e) = store.upsert_rows(&org, &id, &rows, None, now()).await {
                        failures.push(e.to_string());
                    }
                }
                failures
            }));
        }
        let mut failures = Vec::new();
        for t in tasks {
            failures.extend(t.await.unwrap_or_else(|e| panic!("{e}")));
        }
        assert_eq!(failures, Vec::<String>::new(), "{name}");
        let expected: i64 = (0..writers)
            .flat_map(|w| (0..posts).map(move |p| 2 * i64::from(w * 100 + p + 1)))
            .sum();
        assert_eq!(
            spend_total(store.as_ref(), &org, &c.id).await,
            Decimal::new(expected, 2),
            "{name}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_long_import_lets_another_campaigns_writes_through() {
    for (name, store) in stores().await {
        let org = account(store.as_ref()).await;
        let big = store
            .create_campaign(&org, &plain_spec("Big import"), now())
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let other = store
            .create_campaign(&org, &plain_spec("Everyday"), now())
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        // 200,000 rows in 200 batches, with a pause after each as a parser takes: the import
        // runs for longer than SQLite's busy timeout (10 s), as a large file's does.
        let rows: usize = 200_000;
        let importer = {
            let (store, org, id) = (Arc::clone(&store), org.clone(), big.id.clone());
            tokio::spawn(async move {
                let record = ImportRecord {
                    source: "canonical".into(),
                    file_name: Some("big.csv".into()),
                    content_hash: None,
                    detail: None,
                };
                let mut w = store
                    .begin_import(&org, &id, &record, now())
                    .await?
                    .ok_or(spendlens_store::StoreError::NotFound("campaign"))?;
                let start = day("2025-01-01");
                let batch: Vec<usize> = (0..rows).collect();
                for chunk in batch.chunks(1000) {
                    let rows: Vec<DailyRow> = chunk
                        .iter()
                        .map(|&i| DailyRow {
                            spend: Decimal::ONE,
                            ..DailyRow::empty(
                                start + chrono::Duration::days(i64::try_from(i % 400).unwrap_or(0)),
                                Platform::Meta,
                                format!("c{}", i / 400),
                            )
                        })
                        .collect();
                    w.write(&rows).await?;
                    tokio::time::sleep(Duration::from_millis(55)).await;
                }
                w.commit(None).await
            })
        };
        // Meanwhile, another campaign is written to every 100 ms until the import is done.
        let mut writes = 0u32;
        let mut failures = Vec::new();
        while !importer.is_finished() {
            let row = DailyRow {
                spend: Decimal::ONE,
                ..DailyRow::empty(day("2026-11-01"), Platform::Meta, format!("w{writes}"))
            };
            if let Err(e) = store
                .upsert_rows(&org, &other.id, &[row], None, now())
                .await
            {
                failures.push(e.to_string());
            }
            writes += 1;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let imported = importer.await.unwrap_or_else(|e| panic!("{e}"));
        assert!(imported.is_ok(), "{name}: {imported:?}");
        assert_eq!(
            failures,
            Vec::<String>::new(),
            "{name}: writes beside the import"
        );
        assert!(writes > 10, "{name}: {writes} writes beside the import");
        assert_eq!(
            spend_total(store.as_ref(), &org, &big.id).await,
            Decimal::from(rows),
            "{name}"
        );
        assert_eq!(
            spend_total(store.as_ref(), &org, &other.id).await,
            Decimal::from(writes),
            "{name}"
        );
    }
}

/// Edits made on what each writer read (issue: two PATCHes at once, one answered 200 and undone
/// by the other): a write on a stale read is refused, not made; one on what is stored is made;
/// a gone record is said so. Many writers, each re-reading and applying its own change until it
/// lands, keep every change.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writes_made_on_a_stale_read_are_refused_so_no_change_is_lost() {
    use spendlens_finance::FxRate;
    use spendlens_store::Written;
    use spendlens_store::finance::StoredFinanceSettings;

    for (name, store) in stores().await {
        let org = account(store.as_ref()).await;
        let c = store
            .create_campaign(&org, &plain_spec("Edited"), now())
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let renamed = plain_spec("Renamed");
        let budgeted = spendlens_core::campaign::CampaignSpec {
            budget: Some(Decimal::new(100_000, 2)),
            ..plain_spec("Edited")
        };
        let write = |read, to| {
            let (store, org, id) = (Arc::clone(&store), org.clone(), c.id.clone());
            async move {
                store
                    .update_campaign_if(&org, &id, &read, &to, now())
                    .await
                    .unwrap_or_else(|e| panic!("{e}"))
            }
        };
        assert!(matches!(
            write(c.spec.clone(), renamed.clone()).await,
            Written::Done(ref d) if d.spec == renamed
        ));
        // Made on the first read, after the rename: refused, the rename stays.
        assert_eq!(
            write(c.spec.clone(), budgeted.clone()).await,
            Written::Changed,
            "{name}"
        );
        let stored = store.campaign(&org, &c.id).await.ok().flatten();
        assert_eq!(stored.map(|s| s.spec), Some(renamed.clone()), "{name}");
        let other = OrgId::new("another-org");
        assert_eq!(
            store
                .update_campaign_if(&other, &c.id, &renamed, &budgeted, now())
                .await
                .ok(),
            Some(Written::Missing),
            "{name}"
        );

        // Eight writers, each adding its own rate to the table on what it read, at once.
        let mut tasks = Vec::new();
        for w in 0..8u32 {
            let (store, org) = (Arc::clone(&store), org.clone());
            tasks.push(tokio::spawn(async move {
                let mut attempts = 0;
                loop {
                    attempts += 1;
                    let read = store.finance_settings(&org).await?;
                    let mut next = read.clone().unwrap_or(StoredFinanceSettings {
                        cost_of_capital: Decimal::ZERO,
                        webhook_url: None,
                        webhook_secret_sealed: None,
                        rates: Vec::new(),
                    });
                    next.rates.push(FxRate {
                        from: format!("X{w:02}").chars().take(3).collect(),
                        to: "USD".into(),
                        rate: Decimal::new(i64::from(w) + 1, 1),
                    });
                    match store
                        .put_finance_settings_if(&org, read.as_ref(), &next, now())
                        .await?
                    {
                        Written::Done(()) => {
                            return Ok::<u32, spendlens_store::StoreError>(attempts);
                        }
                        Written::Changed if attempts < 50 => continue,
                        other => panic!("{other:?}"),
                    }
                }
            }));
        }
        let mut retried = 0;
        for t in tasks {
            let attempts = t
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            retried += attempts - 1;
        }
        let rates = store
            .finance_settings(&org)
            .await
            .ok()
            .flatten()
            .map(|s| s.rates.len());
        assert_eq!(
            rates,
            Some(8),
            "{name}: every writer's rate kept ({retried} retries)"
        );
        assert_eq!(
            store
                .put_finance_settings_if(
                    &other,
                    None,
                    &StoredFinanceSettings {
                        cost_of_capital: Decimal::ZERO,
                        webhook_url: None,
                        webhook_secret_sealed: None,
                        rates: Vec::new(),
                    },
                    now()
                )
                .await
                .ok(),
            Some(Written::Missing),
            "{name}"
        );
    }
}

/// The campaign form writes a campaign's fields and its values together: created with both or
/// neither, and replaced only while both still are what the form showed. A value changed by
/// someone else after the form was read refuses the whole write, the fields included.
#[tokio::test]
async fn a_campaign_s_fields_and_values_are_written_together_or_not_at_all() {
    use spendlens_core::campaign::PlatformSettings;
    use spendlens_store::Written;

    for (name, store) in stores().await {
        let org = account(store.as_ref()).await;
        let valued = PlatformSettings {
            linkedin_conversion_value: Some(Decimal::new(180, 0)),
            ..PlatformSettings::default()
        };
        let c = store
            .create_campaign_with_settings(&org, &plain_spec("Form"), &valued, now())
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let settings = |store: Arc<dyn Store>, org: OrgId, id| async move {
            store.settings(&org, &id).await.ok().flatten()
        };
        assert_eq!(
            settings(Arc::clone(&store), org.clone(), c.id.clone()).await,
            Some(valued.clone()),
            "{name}"
        );

        // Someone sets another value after the form was read: the form's write is refused.
        let other_value = PlatformSettings {
            linkedin_conversion_value: Some(Decimal::new(200, 0)),
            ..PlatformSettings::default()
        };
        let put = store.put_settings(&org, &c.id, &other_value, now()).await;
        assert!(matches!(put, Ok(true)), "{name}");
        let renamed = plain_spec("Renamed");
        let form_values = PlatformSettings {
            ga4_average_order_value: Some(Decimal::new(90, 0)),
            ..valued.clone()
        };
        let written = store
            .update_campaign_and_settings_if(
                &org,
                &c.id,
                (&c.spec, &valued),
                (&renamed, &form_values),
                now(),
            )
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(written, Written::Changed, "{name}");
        let stored = store.campaign(&org, &c.id).await.ok().flatten();
        assert_eq!(
            stored.map(|s| s.spec.name),
            Some("Form".to_owned()),
            "{name}"
        );
        assert_eq!(
            settings(Arc::clone(&store), org.clone(), c.id.clone()).await,
            Some(other_value.clone()),
            "{name}"
        );

        // Made on what is stored now: both written.
        let written = store
            .update_campaign_and_settings_if(
                &org,
                &c.id,
                (&c.spec, &other_value),
                (&renamed, &form_values),
                now(),
            )
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            matches!(written, Written::Done(ref d) if d.spec == renamed),
            "{name}"
        );
        assert_eq!(
            settings(Arc::clone(&store), org.clone(), c.id.clone()).await,
            Some(form_values),
            "{name}"
        );
    }
}
