"""Storage: schema, engine, migrations and savers. SQLite by default, PostgreSQL by URL."""
