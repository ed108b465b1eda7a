"""The facts on ClickHouse: usage events and their daily rollup, when ``PUMPVIEW_CLICKHOUSE_URL``
is set (issue 21); the metadata stays in SQLite or PostgreSQL.

``connection`` parses the URL (a server, a cluster, ClickHouse Cloud, or embedded chDB) and opens a
clickhouse-connect client; ``schema`` is the DDL as code with a small versioned runner; ``write``
stores a sync window's facts under a version and collects the rows of versions the metadata
store did not commit.

ClickHouse has no multi-statement transactions, so a window's re-write is made crash-safe by
versions: every fact row carries the version of the write that made it, the metadata store
commits which version of each (integration, day) is visible, and reads filter on it.
"""
