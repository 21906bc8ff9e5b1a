//! What the benchmarks share: a PostgreSQL database of their own for one run, and which HTTP
//! path the bot under test takes to the fake Discord.

/// The bot's HTTP path: production's (serenity's own rate limiter, HTTPS to the fake as
/// discord.com) unless `SMALLACTS_BENCH_HTTP_PATH=proxy` asks for the proxy path
/// (`discord.api_url`, serenity's limiter off) to compare.
#[allow(dead_code)]
pub fn http_path() -> smallacts::sandbox::HttpPath {
    match std::env::var("SMALLACTS_BENCH_HTTP_PATH").as_deref() {
        Ok("proxy") => smallacts::sandbox::HttpPath::Proxy,
        _ => smallacts::sandbox::HttpPath::Production,
    }
}

#[allow(dead_code)]
/// A database created on the server named by `SMALLACTS_TEST_POSTGRES_URL` (default the local
/// test server), dropped by [`TempPostgres::drop_database`].
pub struct TempPostgres {
    admin: sqlx::PgConnection,
    name: String,
    pub url: String,
}

#[allow(dead_code)]
impl TempPostgres {
    pub async fn create(prefix: &str) -> anyhow::Result<TempPostgres> {
        use sqlx::{Connection, Executor};
        let admin_url = std::env::var("SMALLACTS_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let name = format!("{prefix}_{}", std::process::id());
        let mut admin = sqlx::PgConnection::connect(&admin_url).await?;
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await?;
        let mut url = url::Url::parse(&admin_url)?;
        url.set_path(&format!("/{name}"));
        Ok(TempPostgres {
            admin,
            name,
            url: url.to_string(),
        })
    }

    pub async fn drop_database(mut self) -> anyhow::Result<()> {
        use sqlx::Executor;
        let sql = format!("DROP DATABASE {} WITH (FORCE)", self.name);
        self.admin.execute(sqlx::AssertSqlSafe(sql)).await?;
        Ok(())
    }
}
