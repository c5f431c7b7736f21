"""The store's SQL, written once in SQLite's dialect, as PostgreSQL reads it.

The store's statements keep to what both databases share (`ON CONFLICT`, `COALESCE`,
`UPDATE ... FROM`, `RETURNING`); the few SQLite idioms left are rewritten here, each by
one rule below, and cached per statement. The PostgreSQL schema (`inbox.store.pg_schema`)
supplies what the rules point at: the `nocase` collation, `inbox_json_array()`,
`inbox_tsquery()`, a `rowid` column where the SQLite tables have one, `items.search`.

| SQLite | PostgreSQL |
|---|---|
| `?`, `:name` | `%s`, `%(name)s` (a literal `%` doubled) |
| `INSERT OR IGNORE INTO t ...` | `INSERT INTO t ... ON CONFLICT DO NOTHING` |
| `IFNULL(` | `COALESCE(` |
| `x IS NOT y` (y not NULL) | `x IS DISTINCT FROM y` |
| `INDEXED BY name`, `NOT INDEXED`, unary `+` on a column | dropped (planner hints) |
| `LIMIT -1` | `LIMIT ALL` |
| `json_each(:list)` | `inbox_json_array(:list)` |
| `COLLATE NOCASE` | the schema's `nocase` collation (same name) |
| full text: `rowid IN (... items_fts MATCH :p)` | `search @@ inbox_tsquery(:p)` |
| `BEGIN IMMEDIATE` | `BEGIN` |
"""

from __future__ import annotations

import re
from functools import lru_cache

from inbox.store.where import FTS_TERM

_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|::|:(\w+)|\?|%")
_OR_IGNORE = re.compile(r"\bINSERT\s+OR\s+IGNORE\s+INTO\b", re.IGNORECASE)
_IS_NOT = re.compile(r"\bIS\s+NOT\s+(?!NULL\b|DISTINCT\b)", re.IGNORECASE)
_HINTS = re.compile(r"\s+INDEXED\s+BY\s+\w+|\s+NOT\s+INDEXED\b|(?<=[(\s])\+(?=[a-z_]+\.)", re.IGNORECASE)
_FULL_TEXT = re.compile(re.escape(FTS_TERM).replace(re.escape("{name}"), r"(\w+)"))


@lru_cache(maxsize=2048)
def postgres(sql: str) -> str:
    """`sql` as PostgreSQL (and psycopg's placeholders) read it."""
    text = sql.strip()
    if text.upper() == "BEGIN IMMEDIATE":
        return "BEGIN"
    text = _FULL_TEXT.sub(r"(i.search @@ inbox_tsquery(:\1))", text)
    ignore = bool(_OR_IGNORE.search(text))
    text = _OR_IGNORE.sub("INSERT INTO", text)
    text = re.sub(r"\bIFNULL\(", "COALESCE(", text, flags=re.IGNORECASE)
    text = re.sub(r"\bjson_each\(", "inbox_json_array(", text)
    text = _IS_NOT.sub("IS DISTINCT FROM ", text)
    text = _HINTS.sub("", text)
    text = re.sub(r"\bLIMIT -1\b", "LIMIT ALL", text)
    text = _placeholders(text)
    if ignore:
        text = text.rstrip().rstrip(";") + " ON CONFLICT DO NOTHING"
    return text


def _placeholders(sql: str) -> str:
    def one(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "?":
            return "%s"
        if token == "%":
            return "%%"
        if match.group(1):
            return f"%({match.group(1)})s"
        return token  # a string, a quoted name or a `::` cast stays as written

    return _TOKENS.sub(one, sql)


def upsert(table: str, columns: tuple[str, ...], key: tuple[str, ...]) -> str:
    """`INSERT OR REPLACE` as both databases say it: the row, or its other columns
    written over the row with the same `key`."""
    values = ", ".join("?" for _ in columns)
    others = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
    return (f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({values}) "
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {others}")
