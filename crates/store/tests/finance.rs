//! The finance store on each backend: the ledger round trip and its organisation scoping, the
//! all-or-nothing insert, campaign finance facts, settings with rates, and alerts raised once.
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use spendlens_core::campaign::{CampaignId, CampaignSpec, OrgId};
use spendlens_finance::ledger::{CreativeProduction, MediaSpend, OperationalOverhead, PlatformFee};
use spendlens_finance::{
    AlertKind, AttributionMethod, FxRate, LedgerEntry, OverheadMethod, Period,
};
use spendlens_store::Store;
use spendlens_store::finance::{
    CampaignFinance, LedgerScope, NewAlert, StoredAlertState, StoredFinanceSettings,
};

use crate::support::stores;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-21T12:00:00Z")
        .map(|t| t.to_utc())
        .unwrap_or_default()
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap_or_default()
}

async fn org_with_campaign(store: &dyn Store, email: &str) -> (OrgId, CampaignId) {
    let p = store
        .create_account(email, "x", "Org", now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let spec = CampaignSpec {
        name: "C".into(),
        currency: "USD".into(),
        budget: Some(d("1000")),
        start_date: Some(day("2026-11-01")),
        end_date: Some(day("2026-11-30")),
        time_zone: "UTC".into(),
    };
    let c = store
        .create_campaign(&p.org_id, &spec, now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    (p.org_id, c.id)
}

fn entries(c: &CampaignId) -> Vec<LedgerEntry> {
    vec![
        LedgerEntry::MediaSpend(MediaSpend {
            campaign_id: c.clone(),
            amount: d("1200.50"),
            currency: "USD".into(),
            attribution_method: AttributionMethod::MultiTouch,
            allocation_date: day("2026-11-03"),
        }),
        LedgerEntry::CreativeProduction(CreativeProduction {
            campaign_id: c.clone(),
            amount: d("3000"),
            currency: "EUR".into(),
            resource_hours: 40,
            fixed_cost_allocation: d("250.25"),
            incurred_on: day("2026-11-01"),
        }),
        LedgerEntry::PlatformFee(PlatformFee {
            campaign_id: c.clone(),
            amount: d("99"),
            currency: "USD".into(),
            platform: "google_ads".into(),
            billing_period: Period::parse("2026-11").unwrap_or(Period::day(day("2026-11-01"))),
        }),
        LedgerEntry::OperationalOverhead(OperationalOverhead {
            amount: d("9000"),
            currency: "USD".into(),
            allocation_method: OverheadMethod::Headcount,
            reporting_period: Period::parse("2026-Q4").unwrap_or(Period::day(day("2026-10-01"))),
        }),
    ]
}

#[tokio::test]
async fn the_ledger_round_trips_and_is_scoped() {
    for (backend, store) in stores().await {
        let (org, c) = org_with_campaign(store.as_ref(), "a@x.io").await;
        let (other_org, other_c) = org_with_campaign(store.as_ref(), "b@x.io").await;
        let written = store
            .insert_ledger_entries(&org, &entries(&c), now())
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"))
            .unwrap_or_default();
        assert_eq!(written.len(), 4, "{backend}");
        let all = store
            .ledger(&org, LedgerScope::All)
            .await
            .unwrap_or_default();
        let back: Vec<LedgerEntry> = all.iter().map(|e| e.entry.clone()).collect();
        let mut expected = entries(&c);
        expected.sort_by_key(|e| e.category());
        let mut got = back.clone();
        got.sort_by_key(|e| e.category());
        assert_eq!(got, expected, "{backend}: exact round trip");
        assert_eq!(
            store
                .ledger(&org, LedgerScope::Campaign(&c))
                .await
                .map(|v| v.len())
                .ok(),
            Some(3)
        );
        assert_eq!(
            store
                .ledger(&org, LedgerScope::Overhead)
                .await
                .map(|v| v.len())
                .ok(),
            Some(1)
        );
        // Another organisation sees none of it, and cannot touch it.
        assert_eq!(
            store
                .ledger(&other_org, LedgerScope::All)
                .await
                .map(|v| v.len())
                .ok(),
            Some(0)
        );
        let id = written[0].id.clone();
        assert_eq!(
            store
                .ledger_entry(&other_org, LedgerScope::All, &id)
                .await
                .ok(),
            Some(None)
        );
        assert_eq!(
            store
                .delete_ledger_entry(&other_org, LedgerScope::All, &id)
                .await
                .ok(),
            Some(false)
        );
        // An entry of the wrong scope is not found through it.
        assert_eq!(
            store
                .ledger_entry(&org, LedgerScope::Overhead, &id)
                .await
                .ok(),
            Some(None)
        );
        // All or nothing: one entry naming another organisation's campaign writes nothing.
        let mut mixed = entries(&c);
        mixed.push(entries(&other_c).remove(0));
        assert_eq!(
            store.insert_ledger_entries(&org, &mixed, now()).await.ok(),
            Some(None),
            "{backend}"
        );
        assert_eq!(
            store
                .ledger(&org, LedgerScope::All)
                .await
                .map(|v| v.len())
                .ok(),
            Some(4)
        );
        // Update within scope; moving it to a foreign campaign is refused.
        let replacement = entries(&c).remove(2);
        let updated = store
            .update_ledger_entry(&org, LedgerScope::Campaign(&c), &id, &replacement, now())
            .await
            .ok()
            .flatten();
        assert_eq!(updated.map(|u| u.entry), Some(replacement), "{backend}");
        let foreign = entries(&other_c).remove(0);
        assert_eq!(
            store
                .update_ledger_entry(&org, LedgerScope::All, &id, &foreign, now())
                .await
                .ok(),
            Some(None)
        );
        assert_eq!(
            store
                .delete_ledger_entry(&org, LedgerScope::Campaign(&c), &id)
                .await
                .ok(),
            Some(true)
        );
        // Deleting the campaign deletes its costs, not the organisation's overhead.
        assert_eq!(store.delete_campaign(&org, &c).await.ok(), Some(true));
        let left: Vec<_> = store
            .ledger(&org, LedgerScope::All)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.entry.category())
            .collect();
        assert_eq!(
            left,
            vec![spendlens_finance::CostCategory::OperationalOverhead],
            "{backend}"
        );
    }
}

#[tokio::test]
async fn campaign_facts_and_settings() {
    for (backend, store) in stores().await {
        let (org, c) = org_with_campaign(store.as_ref(), "a@x.io").await;
        let (other_org, _) = org_with_campaign(store.as_ref(), "b@x.io").await;
        assert_eq!(
            store.campaign_finance(&org, &c).await.ok(),
            Some(Some(CampaignFinance::default()))
        );
        assert_eq!(
            store.campaign_finance(&other_org, &c).await.ok(),
            Some(None)
        );
        let facts = CampaignFinance {
            headcount: 3,
            attribution_method: AttributionMethod::FirstTouch,
        };
        assert_eq!(
            store
                .put_campaign_finance(
                    &other_org,
                    &c,
                    Some(facts.headcount),
                    Some(facts.attribution_method),
                    now()
                )
                .await
                .ok(),
            Some(false)
        );
        assert_eq!(
            store
                .put_campaign_finance(
                    &org,
                    &c,
                    Some(facts.headcount),
                    Some(facts.attribution_method),
                    now()
                )
                .await
                .ok(),
            Some(true),
            "{backend}"
        );
        assert_eq!(
            store.campaign_finance(&org, &c).await.ok(),
            Some(Some(facts))
        );
        assert_eq!(
            store.org_campaign_finance(&org).await.ok(),
            Some(vec![(c.clone(), facts)])
        );
        // One fact set alone keeps the other as stored.
        for (headcount, method) in [(Some(5), None), (None, Some(AttributionMethod::LastTouch))] {
            let set = store
                .put_campaign_finance(&org, &c, headcount, method, now())
                .await;
            assert_eq!(set.ok(), Some(true), "{backend}");
        }
        assert_eq!(
            store.campaign_finance(&org, &c).await.ok(),
            Some(Some(CampaignFinance {
                headcount: 5,
                attribution_method: AttributionMethod::LastTouch
            })),
            "{backend}"
        );
        // Never set before: the fact not given takes its default.
        let (fresh_org, fresh) = org_with_campaign(store.as_ref(), "c@x.io").await;
        let set = store
            .put_campaign_finance(
                &fresh_org,
                &fresh,
                None,
                Some(AttributionMethod::MultiTouch),
                now(),
            )
            .await;
        assert_eq!(set.ok(), Some(true), "{backend}");
        assert_eq!(
            store.campaign_finance(&fresh_org, &fresh).await.ok(),
            Some(Some(CampaignFinance {
                headcount: 0,
                attribution_method: AttributionMethod::MultiTouch
            })),
            "{backend}"
        );
        store
            .put_campaign_finance(
                &org,
                &c,
                Some(facts.headcount),
                Some(facts.attribution_method),
                now(),
            )
            .await
            .ok();
        assert_eq!(
            store
                .org_campaign_finance(&other_org)
                .await
                .map(|v| v.len())
                .ok(),
            Some(0)
        );

        assert_eq!(store.finance_settings(&org).await.ok(), Some(None));
        let settings = StoredFinanceSettings {
            cost_of_capital: d("0.0825"),
            webhook_url: Some("https://hooks.example.com/a".into()),
            webhook_secret_sealed: Some("{\"v\":1}".into()),
            rates: vec![
                FxRate {
                    from: "GBP".into(),
                    to: "USD".into(),
                    rate: d("1.2712345678"),
                },
                FxRate {
                    from: "EUR".into(),
                    to: "USD".into(),
                    rate: d("1.085"),
                },
            ],
        };
        store
            .put_finance_settings(&org, &settings, now())
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert_eq!(
            store.finance_settings(&org).await.ok().flatten(),
            Some(settings.clone()),
            "{backend}: rates exact and in order"
        );
        assert!(
            !format!("{settings:?}").contains("\"v\""),
            "the sealed secret is redacted"
        );
        let mut fewer = settings.clone();
        fewer.rates.truncate(1);
        fewer.webhook_secret_sealed = None;
        store
            .put_finance_settings(&org, &fewer, now())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            store.finance_settings(&org).await.ok().flatten(),
            Some(fewer)
        );
        assert_eq!(store.finance_settings(&other_org).await.ok(), Some(None));
    }
}

fn alert(kind: AlertKind) -> NewAlert {
    NewAlert {
        kind,
        as_of: day("2026-11-21"),
        used_pct: d("80.5"),
        pacing_pct: d("101.25"),
        spend: d("805"),
        budget: Some(d("1000")),
        currency: "USD".into(),
    }
}

#[tokio::test]
async fn alerts_are_recorded_once_by_compare_and_swap() {
    for (backend, store) in stores().await {
        let (org, c) = org_with_campaign(store.as_ref(), "a@x.io").await;
        let (other_org, _) = org_with_campaign(store.as_ref(), "b@x.io").await;
        assert_eq!(
            store.alert_state(&c).await.ok(),
            Some(StoredAlertState::default())
        );
        let raised = store
            .record_alerts(
                &org,
                &c,
                0,
                &[AlertKind::Budget80],
                &[alert(AlertKind::Budget80)],
                now(),
            )
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"))
            .unwrap_or_default();
        assert_eq!(raised.len(), 1);
        assert_eq!(raised[0].alert, alert(AlertKind::Budget80));
        // A second evaluation that read the same (old) version loses: nothing written twice.
        assert_eq!(
            store
                .record_alerts(
                    &org,
                    &c,
                    0,
                    &[AlertKind::Budget80],
                    &[alert(AlertKind::Budget80)],
                    now()
                )
                .await
                .ok(),
            Some(None),
            "{backend}"
        );
        assert_eq!(
            store.alert_state(&c).await.ok(),
            Some(StoredAlertState {
                raised: vec![AlertKind::Budget80],
                version: 1
            })
        );
        // Another organisation cannot record alerts on the campaign, nor see them.
        assert_eq!(
            store
                .record_alerts(&other_org, &c, 1, &[], &[], now())
                .await
                .ok(),
            Some(None)
        );
        assert_eq!(
            store.alerts(&other_org, None).await.map(|v| v.len()).ok(),
            Some(0)
        );
        let mine = store.alerts(&org, Some(&c)).await.unwrap_or_default();
        assert_eq!(mine.len(), 1);
        assert_eq!((mine[0].attempts, mine[0].delivered_at), (0, None));

        // Delivery attempts: failed, then delivered; delivered alerts are no longer pending.
        let id = mine[0].id.clone();
        assert_eq!(
            store.undelivered_alerts(5).await.map(|v| v.len()).ok(),
            Some(1)
        );
        store
            .mark_alert_attempt(&id, None, Some("the webhook answered 500"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            store.undelivered_alerts(1).await.map(|v| v.len()).ok(),
            Some(0)
        );
        store
            .mark_alert_attempt(&id, Some(now()), None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let after = store.alerts(&org, None).await.unwrap_or_default();
        assert_eq!(
            (after[0].attempts, after[0].delivered_at),
            (2, Some(now())),
            "{backend}"
        );
        assert_eq!(
            store.undelivered_alerts(5).await.map(|v| v.len()).ok(),
            Some(0)
        );
    }
}

#[tokio::test]
async fn a_ledger_file_imported_twice_changes_nothing_the_second_time() {
    for (backend, store) in stores().await {
        let (org, c) = org_with_campaign(store.as_ref(), "a@x.io").await;
        let (other_org, _) = org_with_campaign(store.as_ref(), "b@x.io").await;
        let file = |amount: &str| {
            format!(
                "category,campaign_id,amount,attribution_method,allocation_date,resource_hours,incurred_on,external_id\n\
                 media_spend,{c},{amount},last_touch,2026-11-03,,,\n\
                 media_spend,{c},{amount},last_touch,2026-11-03,,,\n\
                 creative_production,{c},75.5,,,4,2026-11-02,INV-7\n"
            )
        };
        let parsed = |amount: &str| {
            spendlens_finance::parse_ledger_file(file(amount).as_bytes(), "USD")
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let import = async |entries: &[spendlens_finance::ImportedEntry]| {
            store
                .import_ledger_entries(&org, &c, entries, now())
                .await
                .unwrap_or_else(|e| panic!("{backend}: {e}"))
                .unwrap_or_else(|| panic!("{backend}: campaign"))
        };
        let counts = |i: &spendlens_store::finance::LedgerImported| {
            (i.counts.inserted, i.counts.updated, i.counts.unchanged)
        };

        // Two identical rows stay two entries, and the file's third has an id.
        let first = import(&parsed("200")).await;
        assert_eq!(counts(&first), (3, 0, 0), "{backend}");
        let again = import(&parsed("200.00")).await;
        assert_eq!(counts(&again), (0, 0, 3), "{backend}: the same file");
        let ids = |i: &spendlens_store::finance::LedgerImported| {
            i.entries.iter().map(|e| e.id.clone()).collect::<Vec<_>>()
        };
        assert_eq!(ids(&again), ids(&first), "{backend}: the same entries");
        let stored = store
            .ledger(&org, LedgerScope::Campaign(&c))
            .await
            .unwrap_or_default();
        assert_eq!(stored.len(), 3, "{backend}");

        // The row with an id changed: that entry is updated in place.
        let mut changed = parsed("200");
        if let Some(LedgerEntry::CreativeProduction(e)) = changed.get_mut(2).map(|e| &mut e.entry) {
            e.amount = d("80");
        }
        let third = import(&changed).await;
        assert_eq!(counts(&third), (0, 1, 2), "{backend}");
        assert_eq!(third.entries[2].id, first.entries[2].id, "{backend}");
        let stored = store
            .ledger(&org, LedgerScope::Campaign(&c))
            .await
            .unwrap_or_default();
        assert_eq!(stored.len(), 3, "{backend}");

        // Another organisation cannot import into the campaign.
        assert!(
            store
                .import_ledger_entries(&other_org, &c, &parsed("200"), now())
                .await
                .unwrap_or_else(|e| panic!("{backend}: {e}"))
                .is_none(),
            "{backend}"
        );
    }
}
