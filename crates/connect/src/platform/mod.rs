//! One module per platform API; `google` holds what the three Google APIs share.

pub mod ga4;
pub(crate) mod google;
pub mod google_ads;
pub mod linkedin;
pub mod meta;
pub mod sheets;
