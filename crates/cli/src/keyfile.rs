//! The token encryption key of a single-file (SQLite) installation: when none is configured, one
//! is generated on first start and kept beside the database (`<database>.key`, mode 0600), so
//! platform connections work with zero set-up. PostgreSQL deployments, where several instances
//! must share one key, configure `secret_key` themselves.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use rand::RngCore;
use spendlens_web::Settings;

/// The database file of an SQLite URL (`None` for PostgreSQL and in-memory databases).
pub fn sqlite_file(database_url: &str) -> Option<PathBuf> {
    let path = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path.contains(":memory:") {
        return None;
    }
    Some(PathBuf::from(path))
}

/// The key file for an SQLite URL (`None` for PostgreSQL and in-memory databases).
fn key_path(database_url: &str) -> Option<PathBuf> {
    sqlite_file(database_url).map(|p| PathBuf::from(format!("{}.key", p.display())))
}

/// Checks a configured key, or loads (creating on first use) the installation's key file.
pub fn ensure_secret_key(settings: &mut Settings) -> anyhow::Result<()> {
    settings
        .check_secret_key()
        .context("secret_key (SPENDLENS_SECRET_KEY) is unusable")?;
    if settings.secret_key.is_some() {
        return Ok(());
    }
    let Some(path) = key_path(&settings.database_url) else {
        tracing::warn!(
            "no secret_key configured: platform connections are disabled until one is set"
        );
        return Ok(());
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut key = [0u8; 32];
            rand::rng().fill_bytes(&mut key);
            let text = hex::encode(key);
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options
                .open(&path)
                .with_context(|| format!("creating the key file {}", path.display()))?;
            file.write_all(text.as_bytes())
                .and_then(|()| file.sync_all())
                .with_context(|| format!("writing the key file {}", path.display()))?;
            tracing::info!(path = %path.display(), "generated the token encryption key (keep this file with the database)");
            text
        }
        Err(e) => {
            return Err(e).with_context(|| format!("reading the key file {}", path.display()));
        }
    };
    settings.secret_key = Some(text.trim().to_owned().into());
    settings
        .check_secret_key()
        .with_context(|| format!("the key file {} is unusable", path.display()))?;
    Ok(())
}

/// Loads the installation's key file when one exists and no key is configured, creating none:
/// what `doctor` checks is the key `serve` and `sync` would use.
pub fn load_existing_key(settings: &mut Settings) -> anyhow::Result<()> {
    if settings.secret_key.is_some() {
        return Ok(());
    }
    let Some(path) = key_path(&settings.database_url) else {
        return Ok(());
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            settings.secret_key = Some(text.trim().to_owned().into());
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("reading the key file {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_file_lives_beside_an_sqlite_database_only() {
        assert_eq!(
            key_path("sqlite://data/spendlens.db"),
            Some(PathBuf::from("data/spendlens.db.key"))
        );
        assert_eq!(
            key_path("sqlite:spendlens.db?mode=rwc"),
            Some(PathBuf::from("spendlens.db.key"))
        );
        assert_eq!(key_path("sqlite::memory:"), None);
        assert_eq!(key_path("postgres://u@h/db"), None);
    }

    #[test]
    fn a_key_is_generated_once_and_then_reused() {
        let dir = std::env::temp_dir().join(format!("spendlens-key-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let db = dir.join("x.db");
        let _ = std::fs::remove_file(dir.join("x.db.key"));
        let mut first = Settings {
            database_url: format!("sqlite://{}", db.display()),
            ..Settings::default()
        };
        assert!(ensure_secret_key(&mut first).is_ok());
        assert!(first.token_cipher().is_some());
        let mut second = Settings {
            database_url: format!("sqlite://{}", db.display()),
            ..Settings::default()
        };
        assert!(ensure_secret_key(&mut second).is_ok());
        use secrecy::ExposeSecret;
        assert_eq!(
            first
                .secret_key
                .as_ref()
                .map(|k| k.expose_secret().to_owned()),
            second
                .secret_key
                .as_ref()
                .map(|k| k.expose_secret().to_owned())
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode =
                std::fs::metadata(dir.join("x.db.key")).map(|m| m.permissions().mode() & 0o777);
            assert_eq!(mode.ok(), Some(0o600));
        }
        let mut bad = Settings {
            secret_key: Some("too-short".to_owned().into()),
            ..Settings::default()
        };
        assert!(ensure_secret_key(&mut bad).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
