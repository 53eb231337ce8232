-- Loads a cairn-datagen CSV into SQLite for sqlite_bench, the way a careful user would:
-- one table with the CSV's columns, then an index that covers issue 2's query.
-- Run by tools/bench/run.sh as:  sqlite3 DB < load_sqlite.sql  with the CSV at ./plant.csv.
-- Durability is off while loading (the load is not what is compared).
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -262144;
CREATE TABLE records (
  timestamp TEXT NOT NULL,
  site TEXT,
  line TEXT,
  product TEXT,
  metric TEXT NOT NULL,
  value REAL NOT NULL,
  unit TEXT NOT NULL
);
.import --csv --skip 1 plant.csv records
CREATE INDEX records_by_metric_time ON records (metric, timestamp, product, value);
ANALYZE;
