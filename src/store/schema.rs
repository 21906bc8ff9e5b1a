//! The schema as a migrated database describes it, with each backend's spelling of a type, a
//! default and "not null" brought to one form, so a test can check that `migrations/sqlite`
//! and `migrations/postgres` (kept in step by hand) made the same tables and columns.

use std::collections::BTreeMap;

use super::{Backend, Store, StoreError};

/// A column as the live database has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnShape {
    pub name: String,
    /// `integer`, `text`, `real` or `blob`: SQLite's INTEGER and PostgreSQL's BIGINT are one
    /// kind here, as the store reads both into `i64`.
    pub kind: String,
    pub nullable: bool,
    /// The default as written, without PostgreSQL's `::type` casts; `None` for none (an
    /// identity or AUTOINCREMENT key has none).
    pub default: Option<String>,
    pub primary_key: bool,
}

impl Store {
    /// Every table (but sqlx's own) with its columns in declared order.
    pub async fn schema(&self) -> Result<BTreeMap<String, Vec<ColumnShape>>, StoreError> {
        let mut schema = BTreeMap::new();
        for table in self.table_names().await? {
            let columns = self.column_shapes(&table).await?;
            schema.insert(table, columns);
        }
        Ok(schema)
    }

    async fn column_shapes(&self, table: &str) -> Result<Vec<ColumnShape>, StoreError> {
        // (name, declared type, not null, default, part of the primary key)
        let rows: Vec<(String, String, i64, Option<String>, i64)> = match self.backend {
            Backend::Sqlite => {
                sqlx::query_as(
                    "SELECT name, type, \"notnull\", dflt_value, pk \
                     FROM pragma_table_info($1) ORDER BY cid",
                )
                .bind(table)
                .fetch_all(&self.pool)
                .await?
            }
            Backend::Postgres => {
                sqlx::query_as(
                    "SELECT c.column_name::TEXT, c.data_type::TEXT, \
                     CASE WHEN c.is_nullable = 'NO' THEN 1 ELSE 0 END::BIGINT, \
                     c.column_default::TEXT, \
                     CASE WHEN EXISTS ( \
                       SELECT 1 FROM information_schema.table_constraints t \
                       JOIN information_schema.key_column_usage k \
                         ON k.constraint_name = t.constraint_name \
                        AND k.table_schema = t.table_schema AND k.table_name = t.table_name \
                       WHERE t.constraint_type = 'PRIMARY KEY' \
                         AND t.table_schema = c.table_schema AND t.table_name = c.table_name \
                         AND k.column_name = c.column_name) THEN 1 ELSE 0 END::BIGINT \
                     FROM information_schema.columns c \
                     WHERE c.table_schema = current_schema() AND c.table_name = $1 \
                     ORDER BY c.ordinal_position",
                )
                .bind(table)
                .fetch_all(&self.pool)
                .await?
            }
        };
        Ok(rows
            .into_iter()
            .map(
                |(name, declared, not_null, default, primary_key)| ColumnShape {
                    name,
                    kind: normalise_kind(&declared),
                    // A primary key is never null, whether or not SQLite says so.
                    nullable: not_null == 0 && primary_key == 0,
                    default: default.map(|d| normalise_default(&d)),
                    primary_key: primary_key != 0,
                },
            )
            .collect())
    }
}

fn normalise_kind(declared: &str) -> String {
    let lower = declared.to_ascii_lowercase();
    let kind = match lower.as_str() {
        "integer" | "int" | "bigint" | "int8" | "smallint" | "boolean" => "integer",
        "text" | "character varying" | "varchar" => "text",
        "real" | "double precision" | "float8" => "real",
        "blob" | "bytea" => "blob",
        _ => return lower,
    };
    kind.to_owned()
}

/// `'x'::text` and `'x'` are one default, as are `(1)` and `1`.
fn normalise_default(default: &str) -> String {
    let mut text = default.trim();
    while let Some(inner) = text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        text = inner.trim();
    }
    match text.rfind("::") {
        Some(cast) if !text[cast..].contains('\'') => text[..cast].to_owned(),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_backends_spelling_of_a_type_and_a_default_is_brought_to_one() {
        assert_eq!(normalise_kind("INTEGER"), normalise_kind("bigint"));
        assert_eq!(normalise_kind("TEXT"), normalise_kind("text"));
        assert_ne!(normalise_kind("TEXT"), normalise_kind("bigint"));
        assert_eq!(normalise_default("'gentle-week'::text"), "'gentle-week'");
        assert_eq!(normalise_default("'a::b'"), "'a::b'");
        assert_eq!(normalise_default("(1)"), "1");
        assert_ne!(normalise_default("0"), normalise_default("1"));
    }
}
