"""Schema migrations: each a function, applied once, in order, recorded in `_migrations`.

Channel data (`items`, `thread`, `item_labels`) and the user's decisions (`triage`) live
in separate tables joined by key, so no sync can overwrite a decision.

The file carries the inbox's mark (`PRAGMA application_id`) and how many migrations made
it (`PRAGMA user_version`), so another program's database, or one a newer inbox made, is
refused before anything is written to it. Migrations run in one write transaction that
reads what is applied only once it holds the lock: a second process opening a new file at
the same moment waits, then finds everything done. Each migration is a savepoint: one that
fails leaves no trace and stays pending.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

import sqlite_utils

from inbox.errors import ForeignDatabase, NewerDatabase, StoreError

APPLICATION_ID = 0x494E4258
""""INBX": `PRAGMA application_id` of every inbox database."""

MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = []


def migration(function: Callable[[sqlite_utils.Database], None]):
    MIGRATIONS.append(function)
    return function


@migration
def m001_initial(db: sqlite_utils.Database) -> None:
    db["items"].create(
        {
            "key": str, "source": str, "kind": str, "external_id": str, "url": str,
            "title": str, "body": str, "author": str, "author_is_staff": int,
            "created_at": str, "last_activity_at": str, "replies": int,
            "last_reply_by_staff": int, "answered": int, "state": str, "labels": str,
            "synced_at": str,
        },
        pk="key",
        not_null={"source", "kind", "external_id", "title", "created_at", "last_activity_at"},
        defaults={"replies": 0, "answered": 0, "state": "open", "labels": "[]", "author_is_staff": 0},
    )
    db["items"].create_index(["last_activity_at"], index_name="items_by_activity")
    db["items"].create_index(["created_at"], index_name="items_by_created")
    db["items"].create_index(["source", "last_activity_at"], index_name="items_by_source")
    db["items"].enable_fts(["title", "body", "author"], create_triggers=True, tokenize="unicode61")

    db["thread"].create(
        {"key": str, "reply_id": str, "author": str, "author_is_staff": int,
         "created_at": str, "body": str},
        pk=("key", "reply_id"),
    )
    db["thread"].create_index(["key", "created_at"], index_name="thread_by_item")

    db["item_labels"].create({"key": str, "label": str}, pk=("key", "label"))
    db["item_labels"].create_index(["label"], index_name="labels_by_name")

    db["triage"].create(
        {"key": str, "type": str, "status": str, "assignee": str, "done": int,
         "done_activity_at": str, "snoozed_until": str, "note": str, "updated_at": str},
        pk="key",
        defaults={"done": 0},
    )
    db["triage"].create_index(["assignee"], index_name="triage_by_assignee")

    db["sources"].create(
        {"name": str, "kind": str, "last_attempt_at": str, "last_success_at": str,
         "last_error": str, "rate_remaining": int, "rate_limit": int, "rate_reset_at": str},
        pk="name",
    )
    db["cursors"].create(
        {"source": str, "stream": str, "next_url": str, "high_water": str,
         "pending_high_water": str},
        pk=("source", "stream"),
    )
    db["etags"].create({"url": str, "etag": str, "last_modified": str}, pk="url")


@migration
def m002_thread_at(db: sqlite_utils.Database) -> None:
    """When an item's whole thread (and body) was last fetched: the activity it had then.

    A source re-fetches a thread when the item's activity has moved past this, which also
    retries a thread whose fetch failed last time.
    """
    db["items"].add_column("thread_at", str)


@migration
def m003_leaks_and_runs(db: sqlite_utils.Database) -> None:
    """Secrets found in posts (masked, never the secret) and ticked playbook runs.

    Items stored before the scanner existed are scanned here, once.
    """
    from inbox.text.leaks import leaks_json  # only the migration needs it

    db["items"].add_column("leaks", str)
    replies: dict[str, list[str]] = {}
    for key, body in db.execute("SELECT key, body FROM thread"):
        replies.setdefault(key, []).append(body)
    found = []
    for key, title, body in db.execute("SELECT key, title, body FROM items"):
        flagged = leaks_json([title, body, *replies.get(key, [])])
        if flagged:
            found.append((flagged, key))
    db.conn.executemany("UPDATE items SET leaks = ? WHERE key = ?", found)

    db["playbook_runs"].create(
        {"id": int, "playbook": str, "run_date": str, "event_start": str, "started_at": str},
        pk="id", not_null={"playbook", "run_date"},
    )
    db["playbook_runs"].create_index(["playbook", "run_date"], unique=True, index_name="runs_by_date")
    db["playbook_ticks"].create(
        {"run_id": int, "step_id": str, "step_text": str, "ticked_at": str},
        pk=("run_id", "step_id"), foreign_keys=[("run_id", "playbook_runs", "id")],
    )


@migration
def m004_idea_board(db: sqlite_utils.Database) -> None:
    """What an idea board says: its status (mapped to our lifecycle) and supporters."""
    db["items"].add_column("idea_status", str)
    db["items"].add_column("supporters", int)


@migration
def m005_responding(db: sqlite_utils.Database) -> None:
    """Replies drafted and posted, Jira keys, when an item was assigned, and releases.

    `thread.by_us` marks a reply the inbox posted: it stays a staff reply whatever a later
    sync says about the account that posted it.
    """
    db["triage"].add_column("jira_key", str)
    db["triage"].add_column("assigned_at", str)
    db.execute("UPDATE triage SET assigned_at = updated_at WHERE assignee IS NOT NULL")
    db["thread"].add_column("by_us", int)
    db["drafts"].create(
        {"key": str, "template": str, "text": str, "updated_at": str, "error": str},
        pk="key",
    )
    db["releases"].create(
        {"version": str, "key": str, "announced_at": str},
        pk=("version", "key"),
    )
    db["releases"].create_index(["key"], index_name="releases_by_item")


@migration
def m006_rules_sla_people(db: sqlite_utils.Database) -> None:
    """What rules did (so the preview can say which rule, when, and a rule never undoes a
    hand decision), each awaiting item's response-time due moment, and people: the
    config's logins per person, and the tags set on them."""
    db["rule_actions"].create(
        {"id": int, "key": str, "rule": str, "field": str, "value": str, "at": str},
        pk="id", not_null={"key", "rule", "field", "at"},
    )
    db["rule_actions"].create_index(["key", "at"], index_name="rule_actions_by_item")
    db["sla_due"].create({"key": str, "due_at": str, "since": str}, pk="key")
    db["sla_due"].create_index(["due_at"], index_name="sla_due_by_time")
    db["person_logins"].create({"person": str, "kind": str, "login": str}, pk=("person", "kind", "login"))
    db["person_logins"].create_index(["login"], index_name="person_logins_by_login")
    db["person_tags"].create({"person": str, "tag": str, "at": str}, pk=("person", "tag"))


MIRRORED = ("type", "snoozed_until", "assignee", "assigned_at")
"""Triage columns copied onto `items` (same names), so every filter reads one row."""
_DONE_MARK = "CASE WHEN {row}.done = 1 THEN COALESCE({row}.done_activity_at, '9999') END"
"""What `items.done_mark` holds: the activity a "done" covers ('9999': any activity)."""


@migration
def m007_filter_columns_and_tallies(db: sqlite_utils.Database) -> None:
    """Everything a filter reads on the item's own row, ordered indexes for paging by key,
    and counts kept per bucket, so lists and counts cost the same at any size.

    Triggers keep the copies: a triage write updates the item's `type`, `snoozed_until`,
    `assignee`, `assigned_at` and `done_mark`; a due moment written to `sla_due` updates
    its `due_at`. `is_done`, `awaiting` and `has_due` are computed columns.
    """
    from inbox.store import tallies  # the counts' own module owns their SQL

    conn = db.conn
    for column in (*MIRRORED, "done_mark", "due_at"):
        conn.execute(f"ALTER TABLE items ADD COLUMN {column} TEXT")
    conn.execute("ALTER TABLE items ADD COLUMN is_done INTEGER GENERATED ALWAYS AS "
                 "(done_mark IS NOT NULL AND last_activity_at <= done_mark) VIRTUAL")
    conn.execute("ALTER TABLE items ADD COLUMN awaiting INTEGER GENERATED ALWAYS AS "
                 "(replies = 0 OR last_reply_by_staff IS NOT 1) VIRTUAL")
    conn.execute("ALTER TABLE items ADD COLUMN has_due INTEGER GENERATED ALWAYS AS "
                 "(due_at IS NOT NULL) VIRTUAL")

    copy = ", ".join(f"{c} = {{row}}.{c}" for c in MIRRORED) + f", done_mark = {_DONE_MARK}"
    for event, row in (("INSERT", "new"), ("UPDATE", "new")):
        conn.execute(f"CREATE TRIGGER triage_mirror_{event.lower()} AFTER {event} ON triage BEGIN "
                     f"UPDATE items SET {copy.format(row=row)} WHERE key = {row}.key; END")
    conn.execute("CREATE TRIGGER triage_mirror_delete AFTER DELETE ON triage BEGIN UPDATE items SET "
                 + ", ".join(f"{c} = NULL" for c in (*MIRRORED, "done_mark")) + " WHERE key = old.key; END")
    for event, row in (("INSERT", "new"), ("UPDATE", "new")):
        conn.execute(f"CREATE TRIGGER sla_due_mirror_{event.lower()} AFTER {event} ON sla_due BEGIN "
                     f"UPDATE items SET due_at = {row}.due_at WHERE key = {row}.key; END")
    conn.execute("CREATE TRIGGER sla_due_mirror_delete AFTER DELETE ON sla_due BEGIN "
                 "UPDATE items SET due_at = NULL WHERE key = old.key; END")
    # An item that comes back (removed, then synced again) finds its triage and due moment.
    conn.execute(
        "CREATE TRIGGER items_mirror_insert AFTER INSERT ON items WHEN "
        "EXISTS (SELECT 1 FROM triage WHERE key = new.key) OR EXISTS (SELECT 1 FROM sla_due WHERE key = new.key) "
        f"BEGIN UPDATE items SET ({', '.join(MIRRORED)}, done_mark) = "
        f"(SELECT {', '.join(MIRRORED)}, {_DONE_MARK.format(row='t')} FROM triage t WHERE t.key = new.key), "
        "due_at = (SELECT due_at FROM sla_due WHERE key = new.key) WHERE key = new.key; END")
    conn.execute(
        f"UPDATE items SET ({', '.join(MIRRORED)}, done_mark) = "
        f"(SELECT {', '.join(MIRRORED)}, {_DONE_MARK.format(row='t')} FROM triage t WHERE t.key = items.key) "
        "WHERE key IN (SELECT key FROM triage)")
    conn.execute("UPDATE items SET due_at = (SELECT due_at FROM sla_due s WHERE s.key = items.key) "
                 "WHERE key IN (SELECT key FROM sla_due)")

    # Paging by key: each built-in view's order served by an index, both ways.
    conn.execute("DROP INDEX IF EXISTS items_by_activity")
    conn.execute("CREATE INDEX items_by_recency ON items (last_activity_at DESC, key)")
    conn.execute("CREATE INDEX items_by_lane ON items (state, is_done, last_activity_at DESC, key)")
    conn.execute("CREATE INDEX items_by_snooze ON items (snoozed_until) WHERE snoozed_until IS NOT NULL")
    conn.execute("CREATE INDEX items_by_assignee ON items (assignee COLLATE NOCASE) WHERE assignee IS NOT NULL")
    conn.execute("CREATE INDEX items_by_due ON items (due_at) WHERE due_at IS NOT NULL")
    conn.execute("CREATE INDEX items_with_leaks ON items (last_activity_at) WHERE leaks IS NOT NULL")
    tallies.install(conn)


@migration
def m008_view_indexes(db: sqlite_utils.Database) -> None:
    """An index in the order of each view whose rows are sparse in the lane index: a type
    view walks only its type, Done only what is done, so their first and last pages cost
    what the Inbox's do."""
    conn = db.conn
    conn.execute("CREATE INDEX items_by_type ON items (type, state, is_done, last_activity_at DESC, key) "
                 "WHERE type IS NOT NULL")
    conn.execute("CREATE INDEX items_done ON items (last_activity_at DESC, key) WHERE is_done = 1")
    conn.execute("CREATE INDEX items_snoozed ON items (last_activity_at DESC, key) WHERE snoozed_until IS NOT NULL")


@migration
def m009_sla_changes(db: sqlite_utils.Database) -> None:
    """What the SLA refresh has to compute again, so it need not compute everything.

    Triggers note in `sla_changed` every item whose clock inputs moved (its state, times,
    reply count and last replier, its thread, its done mark), whoever wrote them: a sync
    in another process, a posted reply, a triage. `sla_state` holds a fingerprint of the
    settings `sla_due` was computed with; none yet, so the first refresh computes all.
    """
    conn = db.conn
    conn.execute("CREATE TABLE sla_changed (key TEXT PRIMARY KEY) WITHOUT ROWID")
    conn.execute("CREATE TABLE sla_state (id INTEGER PRIMARY KEY CHECK (id = 1), fingerprint TEXT, "
                 "generation INTEGER NOT NULL)")
    conn.execute("INSERT INTO sla_state (id, fingerprint, generation) VALUES (1, NULL, 0)")
    # not INSERT OR IGNORE: a trigger's conflict clause gives way to the outer statement's,
    # and a sync's upsert has one
    note = ("INSERT INTO sla_changed (key) SELECT {row}.key "
            "WHERE NOT EXISTS (SELECT 1 FROM sla_changed WHERE key = {row}.key);")
    watched = {"items": ("key", "created_at", "last_activity_at", "replies", "last_reply_by_staff", "state"),
               "thread": ("key", "author_is_staff", "created_at"),
               "triage": ("key", "done", "done_activity_at")}
    for table, columns in watched.items():
        moved = " OR ".join(f"old.{column} IS NOT new.{column}" for column in columns)
        conn.execute(f"CREATE TRIGGER sla_changed_{table}_insert AFTER INSERT ON {table} "
                     f"BEGIN {note.format(row='new')} END")
        conn.execute(f"CREATE TRIGGER sla_changed_{table}_update AFTER UPDATE OF {', '.join(columns)} "
                     f"ON {table} WHEN {moved} BEGIN {note.format(row='old')} {note.format(row='new')} END")
        conn.execute(f"CREATE TRIGGER sla_changed_{table}_delete AFTER DELETE ON {table} "
                     f"BEGIN {note.format(row='old')} END")


@migration
def m010_reindex_changed_text_only(db: sqlite_utils.Database) -> None:
    """Re-index an item for search only when its title, body or author changed: a sync
    saves every item it sees again, mostly with the same text, and an upsert names every
    column."""
    conn = db.conn
    conn.execute("DROP TRIGGER IF EXISTS items_au")
    conn.execute(
        "CREATE TRIGGER items_au AFTER UPDATE OF title, body, author ON items "
        "WHEN old.title IS NOT new.title OR old.body IS NOT new.body OR old.author IS NOT new.author BEGIN "
        "INSERT INTO items_fts (items_fts, rowid, title, body, author) "
        "VALUES ('delete', old.rowid, old.title, old.body, old.author); "
        "INSERT INTO items_fts (rowid, title, body, author) VALUES (new.rowid, new.title, new.body, new.author); "
        "END")


@migration
def m011_label_reply_and_snooze_indexes(db: sqlite_utils.Database) -> None:
    """Labels found by name whatever their case (`label:Bug` reads the posts so labelled
    instead of every post), a thread's replies with who wrote them, in order (the first
    staff reply, without reading each reply's row), and snoozed posts with what counts
    read of them."""
    conn = db.conn
    conn.execute("DROP INDEX IF EXISTS labels_by_name")
    conn.execute("CREATE INDEX labels_by_name ON item_labels (label COLLATE NOCASE, key)")
    conn.execute("DROP INDEX IF EXISTS thread_by_item")
    conn.execute("CREATE INDEX thread_by_item ON thread (key, created_at, author_is_staff)")
    # What a count subtracts for `-is:snoozed`, answered from the index alone: it holds
    # every column a tally bucket tests (a few thousand snoozed posts read in a millisecond).
    conn.execute("DROP INDEX IF EXISTS items_by_snooze")
    conn.execute("CREATE INDEX items_by_snooze ON items (snoozed_until, source, kind, state, is_done, "
                 "awaiting, type, author_is_staff, has_due, created_at, last_activity_at, due_at) "
                 "WHERE snoozed_until IS NOT NULL")


@migration
def m012_author_tallies(db: sqlite_utils.Database) -> None:
    """Posts and replies per author and source, kept by triggers, so the people directory
    reads a row per author rather than every post and reply (as `m019` left it)."""
    from inbox.store import people  # the people's own module owns their SQL

    people.install(db.conn)


@migration
def m013_triage_history(db: sqlite_utils.Database) -> None:
    """Who changed which triage field of an item, when, from what to what, and the rule if
    one did (`triage_history`); when each item's triage last changed (`last_triage_change`);
    and when each person last opened each item (`item_seen`). Together they say, per
    person, which items changed since that person last looked."""
    conn = db.conn
    conn.execute("CREATE TABLE triage_history (id INTEGER PRIMARY KEY, key TEXT NOT NULL, at TEXT NOT NULL, "
                 "changed_by TEXT NOT NULL, field TEXT NOT NULL, old TEXT, new TEXT, rule TEXT)")
    conn.execute("CREATE INDEX triage_history_by_item ON triage_history (key, at, id)")
    conn.execute("CREATE TABLE last_triage_change (key TEXT PRIMARY KEY, changed_at TEXT NOT NULL)")
    conn.execute("CREATE TABLE item_seen (person TEXT NOT NULL, key TEXT NOT NULL, seen_at TEXT NOT NULL, "
                 "PRIMARY KEY (person, key))")


@migration
def m014_presence(db: sqlite_utils.Database) -> None:
    """Who has the reply editor open on which item, kept alive by a heartbeat
    (`inbox.store.presence`): a row per item and person, found by item."""
    db.conn.execute("CREATE TABLE presence (key TEXT NOT NULL, who TEXT NOT NULL, seen_at TEXT NOT NULL, "
                    "PRIMARY KEY (key, who))")

SNOOZE_END = ("CASE WHEN channel_wait IS NULL THEN snoozed_until "
              "WHEN snoozed_until IS NULL OR snoozed_until < COALESCE(channel_wait_until, '9999') "
              "THEN COALESCE(channel_wait_until, '9999') ELSE snoozed_until END")
"""What `items.snooze_end` holds: when the post is back, the later of the user's snooze and
the channel's wait ('9999': a wait with no end, until a sync says the channel lifted it)."""


@migration
def m015_channel_wait(db: sqlite_utils.Database) -> None:
    """A channel's own snooze or wait on a post (an Intercom conversation snoozed, a Zendesk
    ticket pending or on hold), as channel data a sync rewrites, and `snooze_end`, when the
    post is back: what `is:snoozed` reads. The user's snooze stays theirs (in `triage`, and
    its copy `snoozed_until`), so no sync can overwrite it; the indexes that served the
    snooze serve `snooze_end`, so pages and the counts' complements stay indexed.

    Conversations stored already as snoozed (the `snoozed` label Intercom's state became)
    wait until their next change; a ticket's status was not stored, so it waits from the
    next sync that sees it change.
    """
    conn = db.conn
    conn.execute("ALTER TABLE items ADD COLUMN channel_wait TEXT")
    conn.execute("ALTER TABLE items ADD COLUMN channel_wait_until TEXT")
    conn.execute(f"ALTER TABLE items ADD COLUMN snooze_end TEXT GENERATED ALWAYS AS ({SNOOZE_END}) VIRTUAL")
    conn.execute("UPDATE items SET channel_wait = 'snoozed' WHERE kind = 'intercom' AND state = 'open' "
                 "AND key IN (SELECT key FROM item_labels WHERE label = 'snoozed')")
    conn.execute("DROP INDEX IF EXISTS items_snoozed")
    conn.execute("CREATE INDEX items_snoozed ON items (last_activity_at DESC, key) WHERE snooze_end IS NOT NULL")
    conn.execute("DROP INDEX IF EXISTS items_by_snooze")
    conn.execute("CREATE INDEX items_by_snooze ON items (snooze_end, source, kind, state, is_done, "
                 "awaiting, type, author_is_staff, has_due, created_at, last_activity_at, due_at) "
                 "WHERE snooze_end IS NOT NULL")


@migration
def m016_sync_locks(db: sqlite_utils.Database) -> None:
    """Who is syncing which source, and since when (`inbox.store.sync_locks`)."""
    db.conn.execute("CREATE TABLE sync_locks (source TEXT PRIMARY KEY, who TEXT NOT NULL, host TEXT NOT NULL, "
                    "pid INTEGER NOT NULL, since TEXT NOT NULL)")


@migration
def m017_type_suggestions(db: sqlite_utils.Database) -> None:
    """Type suggestions: the model the team's tags trained (`type_model`, one row, shared by
    everyone on the database) and each item's suggestion on its own row (what it says and
    how sure), so `suggested:` and `confidence:` filters read one row; an index in list
    order per suggested type, as for `type:`."""
    conn = db.conn
    conn.execute("ALTER TABLE items ADD COLUMN suggested_type TEXT")
    conn.execute("ALTER TABLE items ADD COLUMN suggested_confidence REAL")
    conn.execute("CREATE INDEX items_by_suggestion ON items (suggested_type, state, is_done, "
                 "last_activity_at DESC, key) WHERE suggested_type IS NOT NULL")
    conn.execute("CREATE TABLE type_model (id INTEGER PRIMARY KEY CHECK (id = 1), model BLOB NOT NULL, "
                 "fingerprint TEXT NOT NULL, tagged INTEGER NOT NULL, trained_at TEXT NOT NULL, "
                 "generation INTEGER NOT NULL)")


@migration
def m018_duplicates(db: sqlite_utils.Database) -> None:
    """Posts linked as the same question asked twice (`inbox.store.duplicates`): a row per
    link, the duplicate first, found from either post."""
    conn = db.conn
    conn.execute("CREATE TABLE duplicates (key TEXT NOT NULL, of_key TEXT NOT NULL, linked_by TEXT NOT NULL, "
                 "linked_at TEXT NOT NULL, PRIMARY KEY (key, of_key))")
    conn.execute("CREATE INDEX duplicates_by_original ON duplicates (of_key, key)")


@migration
def m019_author_edges_found_when_read(db: sqlite_utils.Database) -> None:
    """The people's tally without a table of each author's times, which the triggers wrote
    on every post and reply a sync stored: a first or last time that leaves marks its row
    for the next read to find again, and the times are a view read by the posts' and
    replies' `created_at` indexes."""
    from inbox.store import people

    people.upgrade_edges(db.conn)


@dataclass(frozen=True)
class Schema:
    """What a database file says about itself, read without writing to it."""

    application_id: int
    version: int
    tables: tuple[str, ...]
    applied: tuple[str, ...]

    @classmethod
    def read(cls, conn: sqlite3.Connection) -> Schema:
        tables = tuple(row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"))
        applied: tuple[str, ...] = ()
        if "_migrations" in tables:
            try:
                applied = tuple(row[0] for row in conn.execute("SELECT name FROM _migrations"))
            except sqlite3.OperationalError:  # someone else's `_migrations`, shaped otherwise
                applied = ()
        return cls(conn.execute("PRAGMA application_id").fetchone()[0],
                   conn.execute("PRAGMA user_version").fetchone()[0], tables, applied)

    @property
    def empty(self) -> bool:
        """A new file: nothing in it, and no other program's mark."""
        return not self.tables and self.application_id in (0, APPLICATION_ID) and (
            self.version == 0 or self.application_id == APPLICATION_ID)

    @property
    def current(self) -> bool:
        """Marked, and every migration of this version applied: nothing to write on opening."""
        return (self.application_id == APPLICATION_ID and self.version == len(MIGRATIONS)
                and {function.__name__ for function in MIGRATIONS} <= set(self.applied))

    @property
    def ours(self) -> bool:
        """Marked as the inbox's, or made by a release before the mark (its `_migrations`
        names our first migration, beside an `items` table)."""
        if self.application_id == APPLICATION_ID or self.empty:
            return True
        return (self.application_id == 0 and {"_migrations", "items"} <= set(self.tables)
                and MIGRATIONS[0].__name__ in self.applied)


def check(schema: Schema, where: str) -> None:
    """Refuse a file that is not the inbox's, or that a newer inbox has upgraded."""
    if not schema.ours:
        shown = ", ".join(name[:40] for name in schema.tables[:3]) + (", …" if len(schema.tables) > 3 else "")
        what = f"it has tables ({shown})" if schema.tables else f"it is marked {schema.application_id:#x}"
        raise ForeignDatabase(f"{where} is not an inbox database: {what} but not the inbox's mark, "
                              "so it was left untouched; give the inbox its own file with --db")
    known = {function.__name__ for function in MIGRATIONS}
    unknown = [name for name in schema.applied if name not in known]
    found = max(schema.version, len(schema.applied))
    if schema.version > len(MIGRATIONS) or unknown:
        raise NewerDatabase(f"{where} was made by a newer version of the inbox: schema version {found}, "
                            f"this version supports up to {len(MIGRATIONS)}; upgrade the inbox")


def apply(db: sqlite_utils.Database, where: str = "the database") -> list[str]:
    """Apply what is missing, under the write lock; returns the names applied.

    Migrations that succeed before one fails are kept; the failing one leaves nothing and
    is raised as a `StoreError`.
    """
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    failure: StoreError | None = None
    applied: list[str] = []
    try:
        schema = Schema.read(conn)
        check(schema, where)
        if "_migrations" not in schema.tables:
            conn.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
        done = set(schema.applied)
        for function in MIGRATIONS:
            if function.__name__ in done:
                continue
            conn.execute("SAVEPOINT migration")
            try:
                function(db)
                if not conn.in_transaction:
                    raise StoreError(f"migration {function.__name__} ended the transaction")
            except Exception as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK TO migration")
                    conn.execute("RELEASE migration")
                failure = StoreError(f"{where}: cannot upgrade the database: {function.__name__} failed "
                                     f"({type(exc).__name__}: {exc}); nothing of it was kept")
                failure.__cause__ = exc
                break
            conn.execute("INSERT INTO _migrations VALUES (?, datetime('now'))", [function.__name__])
            conn.execute("RELEASE migration")
            applied.append(function.__name__)
        version = len(done) + len(applied)
        if schema.application_id != APPLICATION_ID:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        if schema.version != version:
            conn.execute(f"PRAGMA user_version = {version}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    if failure is not None:
        raise failure
    return applied
