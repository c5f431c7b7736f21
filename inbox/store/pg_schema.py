"""The inbox's schema on PostgreSQL: the same tables, columns and meanings as the SQLite
migrations build, in PostgreSQL's words, applied once and atomically.

What SQLite keeps by triggers PostgreSQL keeps by triggers too (triage and due moments
copied onto the item's row, the items the SLA refresh must compute again); what SQLite
keeps as running tallies for speed, PostgreSQL counts when asked (`item_tallies`,
`author_tallies` and `author_times` are views here), which its planner does quickly at the
sizes a team's shared inbox reaches. Text columns compare byte by byte (`COLLATE "C"`),
as SQLite's do, so keys and ISO times sort the same on both.

Each step runs in one transaction under an advisory lock, so two teammates starting the
inbox at once on a new database do not both build it.
"""

from __future__ import annotations

from collections.abc import Callable

T = 'TEXT COLLATE "C"'

_TABLES = f"""
CREATE COLLATION IF NOT EXISTS nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
-- words as SQLite's unicode61 tokenizer takes them: lowercased, without accents (cafe finds café)
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE TEXT SEARCH CONFIGURATION inbox_words (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION inbox_words ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;

CREATE TABLE items (
    key {T} PRIMARY KEY, source {T} NOT NULL, kind {T} NOT NULL, external_id {T} NOT NULL, url {T},
    title {T} NOT NULL, body {T}, author {T}, author_is_staff INTEGER DEFAULT 0,
    created_at {T} NOT NULL, last_activity_at {T} NOT NULL, replies INTEGER DEFAULT 0,
    last_reply_by_staff INTEGER, answered INTEGER DEFAULT 0, state {T} DEFAULT 'open',
    labels {T} DEFAULT '[]', synced_at {T}, thread_at {T}, leaks {T}, idea_status {T}, supporters INTEGER,
    type {T}, snoozed_until {T}, assignee {T}, assigned_at {T}, done_mark {T}, due_at {T},
    rowid BIGSERIAL,
    is_done INTEGER GENERATED ALWAYS AS
        (CASE WHEN done_mark IS NOT NULL AND last_activity_at <= done_mark THEN 1 ELSE 0 END) STORED,
    awaiting INTEGER GENERATED ALWAYS AS
        (CASE WHEN replies = 0 OR last_reply_by_staff IS DISTINCT FROM 1 THEN 1 ELSE 0 END) STORED,
    has_due INTEGER GENERATED ALWAYS AS (CASE WHEN due_at IS NOT NULL THEN 1 ELSE 0 END) STORED,
    search tsvector GENERATED ALWAYS AS (to_tsvector('inbox_words',
        left(coalesce(title, '') || ' ' || coalesce(body, '') || ' ' || coalesce(author, ''), 200000))) STORED
);
CREATE INDEX items_by_created ON items (created_at);
CREATE INDEX items_by_source ON items (source, last_activity_at);
CREATE INDEX items_by_recency ON items (last_activity_at DESC, key);
CREATE INDEX items_by_lane ON items (state, is_done, last_activity_at DESC, key);
CREATE INDEX items_by_type ON items (type, state, is_done, last_activity_at DESC, key) WHERE type IS NOT NULL;
CREATE INDEX items_done ON items (last_activity_at DESC, key) WHERE is_done = 1;
CREATE INDEX items_snoozed ON items (last_activity_at DESC, key) WHERE snoozed_until IS NOT NULL;
CREATE INDEX items_by_snooze ON items (snoozed_until) WHERE snoozed_until IS NOT NULL;
CREATE INDEX items_by_assignee ON items ((assignee COLLATE nocase)) WHERE assignee IS NOT NULL;
CREATE INDEX items_by_due ON items (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX items_with_leaks ON items (last_activity_at) WHERE leaks IS NOT NULL;
CREATE INDEX items_search ON items USING gin (search);

CREATE TABLE thread (
    key {T} NOT NULL, reply_id {T} NOT NULL, author {T}, author_is_staff INTEGER, created_at {T}, body {T},
    by_us INTEGER, rowid BIGSERIAL, PRIMARY KEY (key, reply_id)
);
CREATE INDEX thread_by_item ON thread (key, created_at, author_is_staff);

CREATE TABLE item_labels (key {T} NOT NULL, label {T} NOT NULL, PRIMARY KEY (key, label));
CREATE INDEX labels_by_name ON item_labels ((label COLLATE nocase), key);

CREATE TABLE triage (
    key {T} PRIMARY KEY, type {T}, status {T}, assignee {T}, done INTEGER DEFAULT 0, done_activity_at {T},
    snoozed_until {T}, note {T}, updated_at {T}, jira_key {T}, assigned_at {T}
);
CREATE INDEX triage_by_assignee ON triage (assignee);

CREATE TABLE sources (
    name {T} PRIMARY KEY, kind {T}, last_attempt_at {T}, last_success_at {T}, last_error {T},
    rate_remaining INTEGER, rate_limit INTEGER, rate_reset_at {T}
);
CREATE TABLE cursors (
    source {T} NOT NULL, stream {T} NOT NULL, next_url {T}, high_water {T}, pending_high_water {T},
    PRIMARY KEY (source, stream)
);
CREATE TABLE etags (url {T} PRIMARY KEY, etag {T}, last_modified {T});

CREATE TABLE playbook_runs (
    id BIGSERIAL PRIMARY KEY, playbook {T} NOT NULL, run_date {T} NOT NULL, event_start {T}, started_at {T}
);
CREATE UNIQUE INDEX runs_by_date ON playbook_runs (playbook, run_date);
CREATE TABLE playbook_ticks (
    run_id BIGINT NOT NULL REFERENCES playbook_runs (id), step_id {T} NOT NULL, step_text {T}, ticked_at {T},
    PRIMARY KEY (run_id, step_id)
);

CREATE TABLE drafts (key {T} PRIMARY KEY, template {T}, text {T}, updated_at {T}, error {T});
CREATE TABLE releases (version {T} NOT NULL, key {T} NOT NULL, announced_at {T}, rowid BIGSERIAL,
                       PRIMARY KEY (version, key));
CREATE INDEX releases_by_item ON releases (key);

CREATE TABLE rule_actions (
    id BIGSERIAL PRIMARY KEY, key {T} NOT NULL, rule {T} NOT NULL, field {T} NOT NULL, value {T}, at {T} NOT NULL
);
CREATE INDEX rule_actions_by_item ON rule_actions (key, at);

CREATE TABLE sla_due (key {T} PRIMARY KEY, due_at {T}, since {T});
CREATE INDEX sla_due_by_time ON sla_due (due_at);
CREATE TABLE sla_changed (key {T} PRIMARY KEY);
CREATE TABLE sla_state (id INTEGER PRIMARY KEY CHECK (id = 1), fingerprint {T}, generation INTEGER NOT NULL);
INSERT INTO sla_state (id, fingerprint, generation) VALUES (1, NULL, 0);

CREATE TABLE person_logins (person {T} NOT NULL, kind {T} NOT NULL, login {T} NOT NULL,
                            PRIMARY KEY (person, kind, login));
CREATE INDEX person_logins_by_login ON person_logins (login);
CREATE TABLE person_tags (person {T} NOT NULL, tag {T} NOT NULL, at {T}, PRIMARY KEY (person, tag));
CREATE TABLE author_tally_state (id INTEGER PRIMARY KEY CHECK (id = 1), recent_from {T} NOT NULL);
INSERT INTO author_tally_state (id, recent_from)
    VALUES (1, to_char((now() AT TIME ZONE 'UTC') - interval '90 days', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
"""

_FUNCTIONS = """
CREATE FUNCTION inbox_json_array(list text) RETURNS TABLE (value text) LANGUAGE sql IMMUTABLE AS
$$ SELECT json_array_elements_text(list::json) $$;

-- a full-text term as the query language writes it for SQLite's FTS5: "a phrase" or
-- "a prefix"* ("" inside quotes is one "); the words of a phrase in order
CREATE FUNCTION inbox_tsquery(term text) RETURNS tsquery LANGUAGE sql IMMUTABLE AS $$
SELECT CASE
    WHEN words::text = '' THEN words
    WHEN prefix THEN regexp_replace(words::text, '''$', ''':*')::tsquery
    ELSE words END
FROM (SELECT right(term, 1) = '*' AS prefix,
             phraseto_tsquery('inbox_words', replace(
                 substr(term, 2, length(term) - CASE WHEN right(term, 1) = '*' THEN 3 ELSE 2 END), '""', '"'))
             AS words) AS parts
$$;

-- the statistics' keyword and staff tests (SQLite runs them in Python)
CREATE FUNCTION inbox_mentions(title text, body text, keywords text) RETURNS boolean LANGUAGE sql IMMUTABLE AS
$$ SELECT EXISTS (SELECT 1 FROM json_array_elements_text(keywords::json) AS k (word)
                  WHERE strpos(lower(coalesce(title, '') || E'\\n' || coalesce(body, '')), k.word) > 0) $$;
CREATE FUNCTION inbox_is_staff(login text, staff text) RETURNS boolean LANGUAGE sql IMMUTABLE AS
$$ SELECT coalesce(login, '') <> '' AND lower(login) IN (SELECT json_array_elements_text(staff::json)) $$;
-- days as SQLite counts them, so a difference of two is the same figure on both
CREATE FUNCTION julianday(moment text) RETURNS double precision LANGUAGE sql IMMUTABLE AS
$$ SELECT extract(epoch FROM moment::timestamptz) / 86400.0 + 2440587.5 $$;
"""

_MIRRORED = ("type", "snoozed_until", "assignee", "assigned_at")
_DONE_MARK = "CASE WHEN {row}.done = 1 THEN COALESCE({row}.done_activity_at, '9999') END"

_TRIGGERS = f"""
-- triage decisions and due moments copied onto the item's row (every filter reads one row)
CREATE FUNCTION inbox_triage_mirror() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE items SET {', '.join(f'{c} = NULL' for c in _MIRRORED)}, done_mark = NULL WHERE key = OLD.key;
    ELSE
        UPDATE items SET {', '.join(f'{c} = NEW.{c}' for c in _MIRRORED)},
            done_mark = {_DONE_MARK.format(row='NEW')} WHERE key = NEW.key;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER triage_mirror AFTER INSERT OR UPDATE OR DELETE ON triage
    FOR EACH ROW EXECUTE FUNCTION inbox_triage_mirror();

CREATE FUNCTION inbox_due_mirror() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE items SET due_at = NULL WHERE key = OLD.key;
    ELSE
        UPDATE items SET due_at = NEW.due_at WHERE key = NEW.key;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER sla_due_mirror AFTER INSERT OR UPDATE OR DELETE ON sla_due
    FOR EACH ROW EXECUTE FUNCTION inbox_due_mirror();

-- an item that comes back (removed, then synced again) finds its triage and due moment
CREATE FUNCTION inbox_item_arrives() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT {', '.join(f't.{c}' for c in _MIRRORED)}, {_DONE_MARK.format(row='t')}
        INTO {', '.join(f'NEW.{c}' for c in _MIRRORED)}, NEW.done_mark FROM triage t WHERE t.key = NEW.key;
    SELECT s.due_at INTO NEW.due_at FROM sla_due s WHERE s.key = NEW.key;
    RETURN NEW;
END $$;
CREATE TRIGGER items_mirror_insert BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION inbox_item_arrives();

-- what the SLA refresh has to compute again: every item whose clock inputs moved
CREATE FUNCTION inbox_sla_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO sla_changed (key) VALUES (OLD.key) ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO sla_changed (key) VALUES (NEW.key) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
"""

_NOTIFIED = ("items", "thread", "triage", "item_labels")


def _notify_triggers() -> str:
    """Every write to what a list shows tells the listening inboxes, once per transaction
    (PostgreSQL folds the same notification sent twice in one transaction)."""
    function = ("CREATE FUNCTION inbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$ "
                "BEGIN PERFORM pg_notify('inbox_changed', ''); RETURN NULL; END $$;")
    return "\n".join([function, *(f"CREATE TRIGGER {table}_notify AFTER INSERT OR UPDATE OR DELETE ON {table} "
                                   "FOR EACH STATEMENT EXECUTE FUNCTION inbox_notify();" for table in _NOTIFIED)])


_SLA_WATCHED = {"items": ("key", "created_at", "last_activity_at", "replies", "last_reply_by_staff", "state"),
                "thread": ("key", "author_is_staff", "created_at"),
                "triage": ("key", "done", "done_activity_at")}


def _sla_triggers() -> str:
    statements = []
    for table, columns in _SLA_WATCHED.items():
        moved = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
        statements += [
            f"CREATE TRIGGER sla_changed_{table}_write AFTER INSERT OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION inbox_sla_changed();",
            f"CREATE TRIGGER sla_changed_{table}_update AFTER UPDATE ON {table} "
            f"FOR EACH ROW WHEN ({moved}) EXECUTE FUNCTION inbox_sla_changed();",
        ]
    return "\n".join(statements)


_VIEWS = """
-- the counts SQLite keeps per bucket, counted when asked
CREATE VIEW item_tallies AS
SELECT source, kind, state, is_done, awaiting, type, author_is_staff, has_due, COUNT(*) AS n
FROM items GROUP BY source, kind, state, is_done, awaiting, type, author_is_staff, has_due;

-- who wrote what: one row per post and per reply (a reply's source is its key's prefix)
CREATE VIEW author_rows AS
SELECT source, author, created_at AS at, 1 AS posts, 0 AS replies,
       CASE WHEN COALESCE(author_is_staff, 0) <> 0 THEN 1 ELSE 0 END AS staff
FROM items WHERE author IS NOT NULL AND author <> ''
UNION ALL
SELECT split_part(key, ':', 1), author, created_at, 0, 1,
       CASE WHEN COALESCE(author_is_staff, 0) <> 0 THEN 1 ELSE 0 END
FROM thread WHERE author IS NOT NULL AND author <> '';

CREATE VIEW author_tallies AS
SELECT r.source, r.author, SUM(r.posts) AS posts, SUM(r.replies) AS replies, SUM(r.staff) AS staff,
       MIN(r.at) AS first_at, MAX(r.at) AS last_at,
       SUM(CASE WHEN r.at >= s.recent_from THEN r.posts ELSE 0 END) AS recent_posts,
       SUM(CASE WHEN r.at >= s.recent_from THEN r.replies ELSE 0 END) AS recent_replies
FROM author_rows r CROSS JOIN author_tally_state s GROUP BY r.source, r.author;

CREATE VIEW author_times AS
SELECT source, author, at, SUM(posts) AS posts, SUM(replies) AS replies
FROM author_rows WHERE at IS NOT NULL GROUP BY source, author, at;
"""


def p001_schema() -> str:
    """Everything the SQLite migrations m001-m012 built."""
    return _TABLES + _FUNCTIONS + _TRIGGERS + _sla_triggers() + _notify_triggers() + _VIEWS


def p002_triage_history() -> str:
    """m013: who changed what, when each item's triage last changed, who last opened what."""
    return f"""
CREATE TABLE triage_history (id BIGSERIAL PRIMARY KEY, key {T} NOT NULL, at {T} NOT NULL,
                             changed_by {T} NOT NULL, field {T} NOT NULL, old {T}, new {T}, rule {T});
CREATE INDEX triage_history_by_item ON triage_history (key, at, id);
CREATE TABLE last_triage_change (key {T} PRIMARY KEY, changed_at {T} NOT NULL);
CREATE TABLE item_seen (person {T} NOT NULL, key {T} NOT NULL, seen_at {T} NOT NULL, PRIMARY KEY (person, key));
"""


def p003_presence() -> str:
    """m014: who has the reply editor open on which item."""
    return f"CREATE TABLE presence (key {T} NOT NULL, who {T} NOT NULL, seen_at {T} NOT NULL, PRIMARY KEY (key, who));"


def p004_channel_wait() -> str:
    """m015: a channel's own snooze or wait, and `snooze_end` (what `is:snoozed` reads)."""
    from inbox.store.migrations import SNOOZE_END  # the same meaning on both

    return f"""
ALTER TABLE items ADD COLUMN channel_wait {T};
ALTER TABLE items ADD COLUMN channel_wait_until {T};
ALTER TABLE items ADD COLUMN snooze_end {T} GENERATED ALWAYS AS ({SNOOZE_END}) STORED;
DROP INDEX items_snoozed;
CREATE INDEX items_snoozed ON items (last_activity_at DESC, key) WHERE snooze_end IS NOT NULL;
DROP INDEX items_by_snooze;
CREATE INDEX items_by_snooze ON items (snooze_end) WHERE snooze_end IS NOT NULL;
"""


def p005_sync_locks() -> str:
    """m016: who is syncing which source (the lock itself is an advisory lock)."""
    return (f"CREATE TABLE sync_locks (source {T} PRIMARY KEY, who {T} NOT NULL, host {T} NOT NULL, "
            f"pid INTEGER NOT NULL, since {T} NOT NULL);")


def p006_type_suggestions() -> str:
    """m017: the type model the team's tags trained, and each item's suggestion."""
    return f"""
ALTER TABLE items ADD COLUMN suggested_type {T};
ALTER TABLE items ADD COLUMN suggested_confidence DOUBLE PRECISION;
CREATE INDEX items_by_suggestion ON items (suggested_type, state, is_done, last_activity_at DESC, key)
    WHERE suggested_type IS NOT NULL;
CREATE TABLE type_model (id INTEGER PRIMARY KEY CHECK (id = 1), model BYTEA NOT NULL, fingerprint {T} NOT NULL,
                         tagged INTEGER NOT NULL, trained_at {T} NOT NULL, generation INTEGER NOT NULL);
"""


def p007_duplicates() -> str:
    """m018: posts linked as duplicates; and how many posts the planner expects to hold a
    word (from the statistics of the `search` column), which the similar posts ask for
    their words in one statement (`inbox.store.similar`)."""
    return f"""
CREATE TABLE duplicates (key {T} NOT NULL, of_key {T} NOT NULL, linked_by {T} NOT NULL, linked_at {T} NOT NULL,
                         PRIMARY KEY (key, of_key));
CREATE INDEX duplicates_by_original ON duplicates (of_key, key);

CREATE FUNCTION inbox_word_posts(word text) RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE plan json;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT JSON) SELECT 1 FROM items WHERE search @@ plainto_tsquery(''inbox_words'', $1)'
        INTO plan USING word;
    RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::bigint;
END $$;
"""


STEPS: list[Callable[[], str]] = [p001_schema, p002_triage_history, p003_presence, p004_channel_wait,
                                  p005_sync_locks, p006_type_suggestions, p007_duplicates]
"""In order; each applied once, recorded in `_migrations` by its name."""
