//! The two migration folders are kept in step by hand: this migrates a fresh SQLite file and a
//! fresh PostgreSQL database and compares every table, column by column (name, order,
//! normalised type, null or not, default, primary key). It runs in CI's PostgreSQL suite.

mod postgres {
    use crate::helpers::TestDb;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn both_backends_migrate_to_the_same_tables_and_columns() {
        let sqlite = TestDb::sqlite().await;
        let postgres = TestDb::postgres().await;
        let on_sqlite = sqlite.store.schema().await.unwrap();
        let on_postgres = postgres.store.schema().await.unwrap();
        assert!(on_sqlite.len() >= 18, "tables: {:?}", on_sqlite.keys());
        assert_eq!(
            on_sqlite.keys().collect::<Vec<_>>(),
            on_postgres.keys().collect::<Vec<_>>(),
            "the two backends have different tables"
        );
        let mut differences = Vec::new();
        for (table, sqlite_columns) in &on_sqlite {
            let postgres_columns = &on_postgres[table];
            if sqlite_columns != postgres_columns {
                differences.push(format!(
                    "{table}:\n  sqlite:   {sqlite_columns:?}\n  postgres: {postgres_columns:?}"
                ));
            }
        }
        assert!(
            differences.is_empty(),
            "migrations/sqlite and migrations/postgres disagree:\n{}",
            differences.join("\n")
        );
        // The comparison sees what matters: a real column on each side.
        let servers = &on_sqlite["servers"];
        assert!(
            servers
                .iter()
                .any(|c| c.name == "guild_id" && c.primary_key)
        );
        assert!(
            servers
                .iter()
                .any(|c| c.name == "name" && c.default.as_deref() == Some("''") && !c.nullable)
        );
    }
}
