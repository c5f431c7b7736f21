"""Inbox databases shaped like a real community's, built through the store's public API.

The scale benchmark compares the inbox at very different sizes, so every size must look
alike: the same channels in the same proportions, threads of about three replies, 12% of
the posts triaged, three years of history in which old posts are closed or done and
recent ones open. Building goes through `Store.save_page` and `Store.set_triage`, and the
due moments through the workspace's SLA refresh, so every index and trigger a sync would
touch is filled the way a sync fills it.

The generator is deterministic (seeded by size). Databases are cached by size, by
`GENERATOR_VERSION` and by the schema version a new store gets, so a change to either
rebuilds; an older schema's database of the same size is copied and migrated instead,
as a user's would be, unless a rebuild is asked for.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from inbox.models import IdeaStatus, Item, PostType, Reply
from inbox.store import Store
from inbox.timeutil import utcnow

GENERATOR_VERSION = 1
"""Bump whenever the generated data changes: cached databases are then rebuilt."""
PAGE = 2_000
"""Items per `save_page` when building: big pages keep a million items to minutes."""
HISTORY = timedelta(days=3 * 365)
TRIAGED = 0.12

SOURCES: tuple[tuple[str, str, float, dict[str, str]], ...] = (
    # name, kind, share of the items, the kind's config options
    ("forum", "discourse", 0.20, {"base_url": "https://forum.example.org", "api_username": "maya-okafor",
                                  "api_key_env": "DISCOURSE_API_KEY"}),
    ("server", "github", 0.17, {"repo": "parley-chat/parley-server", "token_env": "GITHUB_TOKEN"}),
    ("mobile", "github", 0.07, {"repo": "parley-chat/parley-mobile", "token_env": "GITHUB_TOKEN"}),
    ("plugins", "github", 0.04, {"repo": "parley-chat/parley-plugins", "token_env": "GITHUB_TOKEN"}),
    ("desktop", "gitlab", 0.06, {"project": "parley-chat/parley-desktop", "token_env": "GITLAB_TOKEN",
                                 "base_url": "https://gitlab.example.org/api/v4"}),
    ("so", "stackexchange", 0.08, {"site": "stackoverflow", "tagged": "parley"}),
    ("slack", "slack", 0.14, {"channel": "C0PARLEY01", "workspace": "parley-community",
                              "token_env": "SLACK_TOKEN"}),
    ("helpdesk", "zendesk", 0.12, {"subdomain": "parley", "email": "maya.okafor@example.org",
                                   "token_env": "ZENDESK_TOKEN"}),
    ("chat", "intercom", 0.08, {"app_id": "prly4x7c", "token_env": "INTERCOM_TOKEN"}),
    ("ideas", "uservoice", 0.04, {"subdomain": "parley", "client_id": "community-inbox",
                                  "secret_env": "USERVOICE_CLIENT_SECRET"}),
)
STAFF = ("maya-okafor", "devin-park", "lena-schultz", "priya-nair", "tomas-ruiz", "ana-souza",
         "kenji-watanabe", "olga-ivanova")
ME = STAFF[0]
CHAMPIONS = 5
"""The most active community members, given [people] entries across channels."""
CHAT_KINDS = {"slack", "zendesk", "intercom", "uservoice"}
"""Channels that show people by display name rather than by login."""

# --- text ---------------------------------------------------------------------------------

_FIRST = ("dana", "olivia", "pablo", "linda", "annika", "dmitri", "kwame", "chris", "helena",
          "marek", "rachel", "wen", "sofia", "frank", "aisha", "katja", "hiro", "kofi", "emilie",
          "bea", "yusuf", "nadia", "tanvir", "jonas", "fatima", "lucas", "mei", "ravi", "ines",
          "omar", "greta", "noah", "lea", "sam", "zoe", "igor", "nina", "alex", "tariq", "elif",
          "mateo")
_LAST = ("kim", "chen", "martinez", "park", "berg", "volkov", "asante", "oneill", "brandt",
         "kowalski", "lopez", "li", "lindqvis", "miller", "bello", "weber", "tanaka", "mensah",
         "dubois", "hughes", "kaya", "farouk", "hossain", "wolf", "zahra", "silva", "wu", "patel",
         "costa", "haddad", "nowak", "smith", "moreau", "rossi", "novak", "jensen", "garcia",
         "ito")
_SUBJECTS = ("Desktop app", "Push notifications", "LDAP group sync", "SAML login", "Postgres migration",
             "Webhooks", "The mobile app", "Search", "File uploads", "The Helm chart", "The Docker image",
             "The plugin API", "Slash commands", "Email digests", "Link previews", "Guest accounts",
             "Compliance export", "The audit log", "Bot accounts", "Threaded replies", "The CLI",
             "Custom emoji", "Message drafts", "Read receipts", "The REST API", "SSO with Keycloak",
             "Elasticsearch indexing", "S3 storage", "Channel sidebar", "Video calls")
_PROBLEMS = ("stops working", "crashes on start", "is very slow", "shows a blank window",
             "fails with a 500 error", "loops forever", "times out", "drops messages",
             "ignores the config file", "returns the wrong results", "uses too much memory",
             "never finishes", "logs a stack trace", "loses settings", "sends duplicates")
_CONTEXTS = ("after upgrading to 10.2", "on Windows 11", "behind a corporate proxy", "on Kubernetes",
             "in high availability mode", "since this morning", "for guest users", "on iOS 17",
             "with MySQL 8", "on Android 14", "with more than 5,000 users", "after a restart",
             "in the air-gapped install", "with the ARM image", "")
_ACTIONS = ("move a channel between teams", "restore a deleted message", "run the server behind nginx",
            "export all messages for one user", "limit guest access to one channel",
            "rotate the database password", "set up SAML with Azure AD", "scale to three nodes",
            "write a bot that replies in threads", "change the default theme for everyone",
            "migrate from Slack", "turn off link previews", "back up the file store")
_FEATURES = ("scheduled messages", "quiet hours per channel", "a dark theme for the desktop app",
             "per-channel notification sounds", "message reminders", "polls in channels",
             "read-only announcement channels", "an audit log API", "a Terraform provider",
             "custom user statuses", "end-to-end encryption for DMs", "shared channels with partners")
_SENTENCE_FORMS = (
    "I followed the {doc} guide but {subject} still {problem}.",
    "This started {context} and nothing in the logs explains it.",
    "We have about {number} users on {version} with {database}.",
    "The server log shows `{error}` every few seconds.",
    "Restarting the service helps for an hour, then {subject} {problem} again.",
    "Is there a setting for this, or is it a known issue?",
    "Our admins tried clearing the cache and reinstalling, with no luck.",
    "It works fine in the browser, only the {client} is affected.",
    "Any pointers would be appreciated, this blocks our rollout.",
    "Thanks for the quick answer, that fixed it for us.",
    "Can you share the output of `parleyctl system status`?",
    "That looks like the bug fixed in {version}: please upgrade and tell us if it persists.",
    "We would love {feature}, our team asks for it every week.",
    "Same here {context}, subscribing.",
    "I can reproduce this with a fresh install {context}.",
    "Setting `{setting}` to false made no difference.",
)
_FILLS = {
    "doc": ("install", "upgrade", "high availability", "LDAP", "SAML", "backup", "Kubernetes"),
    "number": ("40", "250", "1,200", "5,000", "18,000"),
    "version": ("10.1.4", "10.2.0", "10.2.1", "9.11.6", "11.0.0-rc1"),
    "database": ("PostgreSQL 15", "PostgreSQL 13", "MySQL 8.0", "Aurora"),
    "error": ("context deadline exceeded", "connection reset by peer", "pq: too many connections",
              "websocket closed with code 1006", "failed to decode JSON"),
    "client": ("desktop app", "iOS app", "Android app", "CLI"),
    "setting": ("EnableLinkPreviews", "EnableGuestAccounts", "ExperimentalTimezone", "EnableSVGs"),
    "subject": tuple(s.lower() for s in _SUBJECTS), "problem": _PROBLEMS,
    "context": tuple(c for c in _CONTEXTS if c), "feature": _FEATURES,
}
_LEAK_LINES = ("GITHUB_TOKEN=ghp_{token}", "export AWS_ACCESS_KEY_ID=AKIA{upper}")


def _sentences(rng: random.Random, count: int) -> list[str]:
    """A fixed pool of filled-in sentences: picking from it is fast enough for millions of posts."""
    pool = []
    for _ in range(count):
        form = rng.choice(_SENTENCE_FORMS)
        pool.append(form.format(**{name: rng.choice(values) for name, values in _FILLS.items()}))
    return pool


_POOL = _sentences(random.Random(0), 600)

# --- people -------------------------------------------------------------------------------


def _display(login: str) -> str:
    """`dana-kim42` as a chat channel shows it: `Dana Kim`."""
    first, _, rest = login.partition("-")
    return f"{first.title()} {rest.rstrip('0123456789').title()}"


def community(size: int) -> list[str]:
    """The community's logins: more people the bigger the inbox, up to a city's worth."""
    rng = random.Random(7)
    count = min(60_000, max(40, size // 20))
    return [f"{rng.choice(_FIRST)}-{rng.choice(_LAST)}{n}" for n in range(count)]


# --- items ----------------------------------------------------------------------------------


@dataclass
class Plan:
    """What the triage pass will decide: (changes, the moment it was decided) per key."""

    triage: list[tuple[str, dict[str, Any], datetime]] = field(default_factory=list)


class Generator:
    """Items of one source, page by page, with their threads and a triage plan."""

    def __init__(self, size: int, now: datetime) -> None:
        self.size = size
        self.now = now
        self.rng = random.Random(size)
        self.people = community(size)
        self.plan = Plan()
        self._reply_ids = 0

    def counts(self) -> list[tuple[str, str, int]]:
        """(source, kind, items) with the items adding up to the size."""
        counts = [round(share * self.size) for _, _, share, _ in SOURCES]
        counts[0] += self.size - sum(counts)
        return [(name, kind, count) for (name, kind, _, _), count in zip(SOURCES, counts)]

    def pages(self, size: int = PAGE) -> Iterator[tuple[str, list[Item], dict[str, list[Reply]]]]:
        """(source, items, streamed replies) pages of `size` items, oldest first within each source."""
        for source, kind, count in self.counts():
            history = HISTORY.total_seconds()
            ages = sorted((self.rng.random() * history for _ in range(count)), reverse=True)
            for start in range(0, count, size):
                items = [self.item(source, kind, start + n + 1, self.now - timedelta(seconds=age))
                         for n, age in enumerate(ages[start:start + size])]
                streamed: dict[str, list[Reply]] = {}
                if kind == "github":  # GitHub's comments come as their own stream, as in a sync
                    for item in items:
                        streamed[item.key], item.thread = item.thread or [], None
                yield source, items, streamed

    def _author(self) -> str:
        """A community member; a few post far more than most."""
        return self.people[int(len(self.people) * self.rng.random() ** 3)]

    def _shown(self, login: str, kind: str) -> str:
        return _display(login) if kind in CHAT_KINDS else login

    def _text(self, low: int, high: int) -> str:
        return " ".join(self.rng.choices(_POOL, k=self.rng.randint(low, high)))

    def _title(self, kind: str) -> str:
        rng = self.rng
        if kind == "uservoice" or rng.random() < 0.08:
            return f"Please add {rng.choice(_FEATURES)}"
        if kind in ("stackexchange", "slack", "discourse") and rng.random() < 0.5:
            return f"How do I {rng.choice(_ACTIONS)}?"
        return f"{rng.choice(_SUBJECTS)} {rng.choice(_PROBLEMS)} {rng.choice(_CONTEXTS)}".strip()

    def _body(self, kind: str) -> str:
        rng = self.rng
        if kind in ("github", "gitlab"):
            body = (f"### Summary\n{self._text(2, 4)}\n\n### Steps to reproduce\n"
                    f"1. {rng.choice(_POOL)}\n2. {rng.choice(_POOL)}\n\n### Environment\n"
                    f"- Parley server: {rng.choice(_FILLS['version'])}\n"
                    f"- Database: {rng.choice(_FILLS['database'])}\n")
        else:
            body = "\n\n".join(self._text(1, 4) for _ in range(rng.randint(1, 3)))
        if rng.random() < 0.001:  # someone pasted a live-looking token
            token = "".join(rng.choices("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", k=36))
            body += "\n\n```\n" + rng.choice(_LEAK_LINES).format(token=token, upper=token[:16].upper()) + "\n```"
        return body

    def _thread(self, kind: str, author: str, created: datetime, is_open: bool) -> list[Reply]:
        """About three replies (many none, a few dozen at most), from staff and community."""
        rng = self.rng
        count = min(40, int(rng.expovariate(1 / 3.4)))
        if not count:
            return []
        room = (self.now - created).total_seconds()
        spread = room if is_open else min(room, 14 * 86400)
        moments = sorted(created.timestamp() + rng.random() * spread for _ in range(count))
        replies = []
        for moment in moments:
            self._reply_ids += 1
            staff = rng.random() < 0.38
            login = rng.choice(STAFF[:5]) if staff else (author if rng.random() < 0.5 else self._author())
            replies.append(Reply(external_id=str(self._reply_ids), author=self._shown(login, kind),
                                 author_is_staff=staff, body=self._text(1, 3),
                                 created_at=datetime.fromtimestamp(int(moment), UTC)))
        return replies

    def _labels(self, kind: str, is_open: bool) -> list[str]:
        rng = self.rng
        labels = []
        if kind in ("github", "gitlab", "discourse"):
            if rng.random() < (0.25 if kind != "discourse" else 0.06):
                labels.append("bug")
            elif rng.random() < 0.12:
                labels.append("enhancement")
            if rng.random() < 0.05:
                labels.append("Help Wanted")
            if is_open and rng.random() < 0.15:
                labels.append("needs-triage")
        elif kind == "stackexchange":
            labels = ["parley", rng.choice(("docker", "kubernetes", "postgresql", "ldap", "websocket"))]
        elif kind in ("zendesk", "intercom") and rng.random() < 0.15:
            labels.append(rng.choice(("enterprise", "billing", "domains")))
        return labels

    def _is_open(self, age: timedelta) -> bool:
        """Recent posts are open; most older ones were closed long ago."""
        days = age.total_seconds() / 86400
        chance = 0.92 if days < 7 else 0.7 if days < 30 else 0.3 if days < 90 else 0.08 if days < 365 else 0.015
        return self.rng.random() < chance

    def item(self, source: str, kind: str, number: int, created: datetime) -> Item:
        rng = self.rng
        created = created.replace(microsecond=0)
        is_open = self._is_open(self.now - created)
        login = rng.choice(STAFF) if rng.random() < 0.04 else self._author()
        thread = self._thread(kind, login, created, is_open)
        external_id = f"{int(created.timestamp())}.{number:06d}" if kind == "slack" else str(1000 + number)
        idea = kind == "uservoice"
        item = Item(
            source=source, kind=kind, external_id=external_id, url=_url(source, kind, external_id),
            title=self._title(kind), body=self._body(kind), author=self._shown(login, kind),
            author_is_staff=login in STAFF, created_at=created,
            last_activity_at=max([created, *(r.created_at for r in thread)]),
            replies=len(thread), last_reply_by_staff=thread[-1].author_is_staff if thread else None,
            answered=kind in ("discourse", "stackexchange") and any(r.author_is_staff for r in thread)
            and rng.random() < 0.5,
            state="open" if is_open else "closed", labels=self._labels(kind, is_open), thread=thread,
            idea_status=rng.choice(list(IdeaStatus)).value if idea and rng.random() < 0.6 else None,
            supporters=min(5_000, int(rng.paretovariate(1.2))) if idea else None,
        )
        if rng.random() < TRIAGED:
            self._plan_triage(item, is_open)
        return item

    def _plan_triage(self, item: Item, is_open: bool) -> None:
        """A tag always; old open posts mostly done; some snoozed ahead; some assigned."""
        rng = self.rng
        changes: dict[str, Any] = {"type": rng.choice(list(PostType)).value}
        age = self.now - item.created_at
        if rng.random() < (0.5 if not is_open else 0.7 if age > timedelta(days=30) else 0.15):
            changes["done"] = True
        elif rng.random() < 0.2:
            changes["snoozed_until"] = (self.now + timedelta(days=rng.randint(1, 30))).replace(hour=9, minute=0, second=0)
        if rng.random() < 0.25:
            changes["assignee"] = rng.choice(STAFF[:5])
        decided = min(self.now, item.created_at + timedelta(hours=rng.randint(1, 72)))
        self.plan.triage.append((item.key, changes, decided))


def _url(source: str, kind: str, external_id: str) -> str:
    options = next(opts for name, _, _, opts in SOURCES if name == source)
    if kind == "github":
        return f"https://github.com/{options['repo']}/issues/{external_id}"
    if kind == "gitlab":
        return f"https://gitlab.example.org/{options['project']}/-/issues/{external_id}"
    if kind == "slack":
        return f"https://parley-community.slack.com/archives/C0PARLEY01/p{external_id.replace('.', '')}"
    return {
        "discourse": f"https://forum.example.org/t/{external_id}",
        "stackexchange": f"https://stackoverflow.com/questions/{external_id}",
        "zendesk": f"https://parley.zendesk.com/agent/tickets/{external_id}",
        "intercom": f"https://app.intercom.com/a/apps/prly4x7c/inbox/conversation/{external_id}",
        "uservoice": f"https://parley.uservoice.com/forums/1-ideas/suggestions/{external_id}",
    }[kind]


# --- config -------------------------------------------------------------------------------


def _toml(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


def write_config(path: Path, now: datetime | None = None) -> Path:
    """The config every size is run with: the sources, [team], [sla], [people], [sweep]."""
    now = now or utcnow()
    lines = ["# Written by benchmarks/dataset.py for the scale benchmark's databases.", "",
             "[team]", f"staff = {_toml(STAFF)}", f"me = {_toml(ME)}",
             f"rotation = {_toml(STAFF[1:4])}", "rotation_start = 2025-01-06", 'follow_up = "2d"', ""]
    for name, kind, _, options in SOURCES:
        lines += ["[[sources]]", f"name = {_toml(name)}", f"kind = {_toml(kind)}"]
        lines += [f"{key} = {_toml(value)}" for key, value in options.items()] + [""]
    lines += ["[[views]]", 'name = "Enterprise"', 'query = "label:enterprise is:awaiting"', ""]
    for person in STAFF[:5]:
        lines += [f"[people.{person}]"] + [f"{kind} = {_toml(person)}" for kind in
                                           ("github", "gitlab", "discourse", "stackexchange")]
        lines += [f"{kind} = {_toml(_display(person))}" for kind in ("slack", "zendesk", "intercom")] + [""]
    for login in community(1)[:CHAMPIONS]:
        lines += [f"[people.{login}]", f"github = {_toml(login)}", f"discourse = {_toml(login)}",
                  f"slack = {_toml(_display(login))}", ""]
    lines += ["[sla]", 'respond_within = "24h"', 'business_hours = "09:00-17:00"',
              'business_days = ["mon", "tue", "wed", "thu", "fri"]', 'timezone = "Europe/Berlin"', "",
              "[sweep]", 'project = "Parley"', 'min_age = "2d"',
              f"release_date = {(now - timedelta(days=21)).date().isoformat()}",
              'release_keywords = ["enterprise", "upgrade", "license", "licence"]',
              'exclude = \'label:"Help Wanted"\'', 'sources = ["forum", "server", "mobile", "plugins"]', ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    return path


# --- building -------------------------------------------------------------------------------


def schema_version() -> int:
    """`PRAGMA user_version` of a brand-new store: what this checkout's migrations make."""
    store = Store(":memory:")
    try:
        return store.db.conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        store.close()


def _name(size: int, schema: int) -> str:
    return f"inbox-{size}-g{GENERATOR_VERSION}-s{schema}.db"


@dataclass
class Built:
    """A database ready to measure, and how it came to be."""

    path: Path
    build_seconds: float | None
    """How long building it took, whenever that was (kept beside it in a .json file)."""
    how: str = "cached"
    seconds: float | None = None
    """This run's work on it: building or migrating (None when cached)."""


def database(folder: Path, size: int, config_path: Path, *, rebuild: bool = False) -> Built:
    """The cached database of this size; else an older schema's copy, migrated; else built."""
    schema = schema_version()
    path = folder / _name(size, schema)
    if path.exists() and not rebuild:
        return Built(path, _facts(path).get("build_seconds"))
    how = "built"
    older = sorted((version, found) for found in folder.glob(f"inbox-{size}-g{GENERATOR_VERSION}-s*.db")
                   if (version := int(found.stem.rsplit("-s", 1)[1])) < schema)
    if older and not rebuild:
        try:
            return _migrated(older[-1][1], path)
        except Exception as exc:  # noqa: BLE001 - a migration that fails here is only a reason to build
            how = f"built, as migrating {older[-1][1].name} failed ({type(exc).__name__}: {exc})"
    start = time.perf_counter()
    build(path, size, config_path)
    seconds = time.perf_counter() - start
    _facts(path, {"build_seconds": round(seconds, 2), "built_at": utcnow().isoformat(timespec="seconds")})
    return Built(path, seconds, how, seconds)


def _facts(path: Path, facts: dict[str, Any] | None = None) -> dict[str, Any]:
    """What is known about how a database was made: read, or written when given."""
    sidecar = path.with_suffix(".json")
    if facts is not None:
        sidecar.write_text(json.dumps(facts) + "\n")
        return facts
    try:
        return json.loads(sidecar.read_text())
    except (OSError, ValueError):
        return {}


def _migrated(old: Path, path: Path) -> Built:
    """A copy of an older schema's database (with what its WAL holds), opened once so the
    migrations run on it."""
    scratch = path.with_suffix(".migrating")
    with closing(sqlite3.connect(old)) as source, closing(sqlite3.connect(scratch)) as copy:
        source.backup(copy)
    start = time.perf_counter()
    try:
        Store(scratch).close()
    except BaseException:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{scratch}{suffix}").unlink(missing_ok=True)
        raise
    seconds = time.perf_counter() - start
    scratch.rename(path)
    facts = _facts(path, {**_facts(old), "migrated_from": old.name, "migration_seconds": round(seconds, 2)})
    return Built(path, facts.get("build_seconds"), f"migrated from {old.name}", seconds)


def build(path: Path, size: int, config_path: Path) -> None:
    """Save every page, apply the triage plan, refresh the SLA; the file appears only when done."""
    from inbox.sources.registry import load_config
    from inbox.workspace import Workspace

    scratch = path.with_suffix(".building")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{scratch}{suffix}").unlink(missing_ok=True)
    now = utcnow().replace(second=0, microsecond=0)
    generator = Generator(size, now)
    config = load_config(config_path)
    store = Store(scratch)
    try:
        for source, items, streamed in generator.pages():
            store.save_page(source, items, replies=streamed or None, synced_at=now)
        for (changes_key, moment), keys in _grouped(generator.plan, now).items():
            store.set_triage(keys, dict(changes_key), now=moment, by=config.team.who)
        Workspace(config, store, now=lambda: now).refresh_sla()
    finally:
        store.close()
    scratch.rename(path)


def _grouped(plan: Plan, now: datetime) -> dict[tuple[tuple, datetime], list[str]]:
    """The triage plan as one `set_triage` per (changes, day decided): far fewer
    transactions, each stamped with the end of its day (never after `now`)."""
    groups: dict[tuple[tuple, datetime], list[str]] = {}
    for key, changes, moment in plan.triage:
        day = min(moment.replace(hour=23, minute=59, second=0), now)
        groups.setdefault((tuple(sorted(changes.items())), day), []).append(key)
    return groups
