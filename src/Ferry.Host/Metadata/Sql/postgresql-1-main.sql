-- Ferry metadata, PostgreSQL. Every script is idempotent: nodes run them on each start.
-- The Orleans ADO.NET providers read their SQL from this table, by key.
CREATE TABLE IF NOT EXISTS orleansquery
(
    querykey  varchar(64)   NOT NULL PRIMARY KEY,
    querytext varchar(8000) NOT NULL
);
