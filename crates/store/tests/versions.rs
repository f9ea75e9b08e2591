//! A campaign's two versions: `data_version` changes with everything its analysis reads, the
//! inputs version only with what a marketing-mix model reads (rows, settings, campaign fields,
//! offline channel spend). A snapshot or the choice of a revenue basis leaves a model run's
//! inputs as they were, so the run stays current.
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use spendlens_core::Platform;
use spendlens_core::campaign::{CampaignId, CampaignSpec, OrgId, PlatformSettings};
use spendlens_core::daily::DailyRow;
use spendlens_store::{Store, StoredSnapshot};

use crate::support::{plain_spec, stores};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-21T12:00:00Z")
        .map(|t| t.to_utc())
        .unwrap_or_default()
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap_or_default()
}

/// Both versions of the campaign, as the store answers them.
async fn versions(store: &dyn Store, org: &OrgId, id: &CampaignId) -> (i64, i64) {
    let data = store
        .campaign_with_settings(org, id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .map(|(_, _, v)| v)
        .unwrap_or_else(|| panic!("no campaign"));
    let inputs = store
        .inputs_version(org, id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no campaign"));
    (data, inputs)
}

#[tokio::test]
async fn snapshots_and_the_revenue_basis_change_the_analysis_not_a_model_s_inputs() {
    for (backend, store) in stores().await {
        let org = store
            .create_account("a@example.com", "hash", "Org", now())
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"))
            .org_id;
        let spec = plain_spec("C");
        let c = store
            .create_campaign(&org, &spec, now())
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        let s = store.as_ref();
        let (data, inputs) = versions(s, &org, &c.id).await;

        // Not a model's inputs: the analysis changes, the inputs do not.
        let snapshot = StoredSnapshot {
            date: day(),
            spend: Decimal::ONE,
            impressions: 1,
            clicks: 1,
            conversions: Decimal::ZERO,
            revenue: Decimal::ZERO,
            aov: Decimal::ZERO,
        };
        assert!(
            store
                .write_snapshot(&c.id, &snapshot, now())
                .await
                .unwrap_or_else(|e| panic!("{backend}: {e}"))
        );
        assert!(
            store
                .set_revenue_basis(&org, &c.id, "mmm", "last_touch", now())
                .await
                .unwrap_or_else(|e| panic!("{backend}: {e}"))
        );
        let (data_after, inputs_after) = versions(s, &org, &c.id).await;
        assert!(data_after > data, "{backend}: {data} → {data_after}");
        assert_eq!(inputs_after, inputs, "{backend}");

        // A model's inputs: both change, each time.
        let row = DailyRow {
            date: day(),
            platform: Platform::Meta,
            external_campaign_id: String::new(),
            spend: Decimal::TEN,
            impressions: 100,
            engagements: 0,
            clicks: 3,
            conversions: Decimal::ONE,
            conversion_value: None,
            revenue: None,
            currency: None,
        };
        let mut last = (data_after, inputs_after);
        for step in ["rows", "settings", "campaign"] {
            match step {
                "rows" => {
                    store
                        .upsert_rows(&org, &c.id, std::slice::from_ref(&row), None, now())
                        .await
                        .unwrap_or_else(|e| panic!("{backend}: {e}"));
                }
                "settings" => {
                    let settings = PlatformSettings {
                        ga4_average_order_value: Some(Decimal::TEN),
                        ..PlatformSettings::default()
                    };
                    store
                        .put_settings(&org, &c.id, &settings, now())
                        .await
                        .unwrap_or_else(|e| panic!("{backend}: {e}"));
                }
                _ => {
                    let renamed = CampaignSpec {
                        name: "D".into(),
                        ..spec.clone()
                    };
                    store
                        .update_campaign(&org, &c.id, &renamed, now())
                        .await
                        .unwrap_or_else(|e| panic!("{backend}: {e}"));
                }
            }
            let now_at = versions(s, &org, &c.id).await;
            assert!(
                now_at.0 > last.0 && now_at.1 > last.1,
                "{backend}, {step}: {last:?} → {now_at:?}"
            );
            last = now_at;
        }

        // Another organisation's campaign has no inputs version to read.
        let other = store
            .create_account("b@example.com", "hash", "Org", now())
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"))
            .org_id;
        assert_eq!(
            store
                .inputs_version(&other, &c.id)
                .await
                .unwrap_or_else(|e| panic!("{backend}: {e}")),
            None,
            "{backend}"
        );
    }
}
