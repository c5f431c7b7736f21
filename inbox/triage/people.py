"""People: every author across channels, merged where the config says two logins are one
person, with what they did, how engaged they are and the tags the team gave them.

An identity is a login on a channel: two logins are one person only where `[people.NAME]`
says so (`identities` reads it).

Engagement follows Orbit's levels, by activity weight (a post 1, a reply 2: answering
helps someone else, which is what a community runs on) over the last 90 days, and recency:

    1 leading        weight >= 20 in the last 90 days, and active in the last 30
    2 contributing   weight >= 6 in the last 90 days (three answers)
    3 participating  weight >= 2 in the last 90 days (one answer, or two posts)
    4 exploring      the rest: a single post, or nothing in the last 90 days

Pure core: the store keeps a tally per author and source (`store.people`), so listing
everyone reads a row per author, not every post and reply; the first hundred read only
the authors active in the last 90 days, and those people's rows. Only `sync_person_logins`
writes here, through the store (a read may also move the edge the store's recent counts
start from); the team's tags on people are `inbox.triage.tags`.
"""

from __future__ import annotations

import gc
import heapq
import math
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from inbox.config import Config
from inbox.errors import QueryError
from inbox.store import Store
from inbox.timeutil import iso, parse_time
from inbox.triage.identities import ASCII_LOWER, fold, people_config, person_logins_rows

LEVELS = {1: "leading", 2: "contributing", 3: "participating", 4: "exploring"}
"""Engagement levels, Orbit-like: 1 is the most engaged."""
POST_WEIGHT = 1
REPLY_WEIGHT = 2
"""A reply weighs twice a post: it answers someone else."""
RECENT = timedelta(days=30)
"""Level 1 needs activity this recent."""
WINDOW = timedelta(days=90)
"""Levels weigh the activity of this window; older activity counts for nothing."""
LEADING_WEIGHT = 20
CONTRIBUTING_WEIGHT = 6
PARTICIPATING_WEIGHT = 2
DEFAULT_HELPFUL_WINDOW = timedelta(days=14)
"""`inbox people --helpful`: the week or two before office hours."""

_QUERY_TOKEN = re.compile(r'\s*(-?)(?:([A-Za-z_]+):("[^"]*"?|\S*)|("[^"]*"?)|(\S+))')
QUERY_FIELDS = ("tag", "level", "channel")


def sync_person_logins(config: Config, store: Store) -> bool:
    """Write the config's `[people.NAME]` logins to the store, so `author:NAME` finds a
    person's posts on every channel. Run it whenever a config meets a store: it only
    reads unless the config changed (so `inbox list` never waits on a sync's writes).
    Returns whether it wrote."""
    rows = person_logins_rows(config)
    if sorted(store.people.logins()) == sorted(set(rows)):
        return False
    store.people.set_logins(rows)
    return True


def author_term(name: str) -> str:
    """The query term that lists a person's posts: `author:amy`, `author:"Jo Smith"`."""
    if re.fullmatch(r'[^\s"]+', name):
        return f"author:{name}"
    return 'author:"' + name.replace('"', "") + '"'


# --- people ------------------------------------------------------------------------------------

@dataclass(slots=True)
class Person:
    """One person: a `[people.NAME]` entry, or one login on one channel kind."""

    name: str
    """The config's name, or the login for an unmapped author."""
    logins: list[tuple[str, str]] = field(default_factory=list)
    """(channel kind or source name, login): the config's for a mapped person."""
    mapped: bool = False
    """Whether `[people.NAME]` defines this person."""
    channels: list[str] = field(default_factory=list)
    """Channel kinds where they were seen, most active first."""
    posts: int = 0
    """Items they opened (in the `since` window when one was given)."""
    replies: int = 0
    """Replies they gave in threads (in the `since` window when one was given)."""
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    tags: list[str] = field(default_factory=list)
    """Tags set on them, plus `staff` when the channel or [team] staff says so."""
    staff: bool = False
    """Staff automatically: a channel flagged them, or a login is in [team] staff."""
    weight: int = 0
    """All-time activity weight: posts + 2 x replies."""
    recent_weight: int = 0
    """The weight of the last 90 days: what the level is made of."""
    level: int = 4
    helped: int = 0
    """`helpful` only: replies on other people's posts in the window."""
    helped_channels: list[str] = field(default_factory=list)
    """`helpful` only: the channel kinds where they gave those replies."""
    last_helped: datetime | None = None

    @property
    def level_label(self) -> str:
        return LEVELS[self.level]

    @property
    def query(self) -> str:
        """The filter that lists their posts in the inbox."""
        return author_term(self.name)

    def json(self) -> dict[str, Any]:
        data = {
            "name": self.name,
            "logins": [{"channel": key, "login": login} for key, login in self.logins],
            "mapped": self.mapped,
            "channels": list(self.channels),
            "posts": self.posts,
            "replies": self.replies,
            "first_seen": iso(self.first_seen),
            "last_seen": iso(self.last_seen),
            "tags": list(self.tags),
            "staff": self.staff,
            "weight": self.weight,
            "recent_weight": self.recent_weight,
            "level": self.level,
            "level_label": self.level_label,
        }
        if self.helped:
            data.update(helped=self.helped, helped_channels=list(self.helped_channels),
                        last_helped=iso(self.last_helped))
        return data


def engagement_level(recent_weight: int, active_recently: bool) -> int:
    """1 leading .. 4 exploring, from the last 90 days' weight and activity in the last 30."""
    if recent_weight >= LEADING_WEIGHT and active_recently:
        return 1
    if recent_weight >= CONTRIBUTING_WEIGHT:
        return 2
    if recent_weight >= PARTICIPATING_WEIGHT:
        return 3
    return 4


class _Directory:
    """Who is who: resolves (source, kind, login) to a person's key, from the config."""

    def __init__(self, config: Config) -> None:
        self.mapping = people_config(config)
        # one table for kind and source keys: a key matches an item's kind or its source,
        # exactly as `author:` does in the query language
        self.logins: dict[tuple[str, str], str] = {}
        for name, logins in self.mapping.items():
            for key, values in logins.items():
                for login in values:
                    self.logins[(key, fold(login))] = name

    def resolve(self, source: str, kind: str, login: str) -> str:
        """A person's key: their name, or NUL kind NUL folded login for an unmapped one
        (no name holds a NUL, so the two never meet)."""
        folded = fold(login)
        name = self.logins.get((source, folded)) or self.logins.get((kind, folded))
        return name if name is not None else f"\0{kind}\0{folded}"


def _when(text: str | None) -> datetime | None:
    """A stored time (`2026-11-21T09:30:00Z`) as a datetime; the fast path of parse_time."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return parse_time(text)


# A person's running totals while the groups are read: a list, not an object, and keys
# that are strings: a big community has tens of thousands of people, and this loop and
# the garbage collector walking its containers are most of the time.
_POSTS, _REPLIES, _WPOSTS, _WREPLIES, _W90, _FIRST, _LAST, _STAFF, _CHANNELS, _SPELLING, _BUSIEST = range(11)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the people are built: tens of thousands of
    small acyclic containers would set it off again and again, each time walking the whole
    heap (a third of the time for 100k items). Reference counting still frees everything."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _compute(config: Config, store: Store, *, now: datetime, since: timedelta | None,
             logins: set[str] | None = None) -> tuple[_Directory, dict[str, Person]]:
    """Everyone's activity by person key; with `logins` (folded), only those logins' (the
    call-outs need a few hundred people, not the whole community)."""
    with _collector_paused():
        return _build(config, store, now=now, since=since, logins=logins)


def _build(config: Config, store: Store, *, now: datetime, since: timedelta | None,
           logins: set[str] | None) -> tuple[_Directory, dict[str, Person]]:
    directory = _Directory(config)
    # per source, one row per author: count, first and last, staff flag, the count in the
    # last 90 days (level 1's "active in the last 30" is the last time) and in `since`
    groups = store.people.activity(recent_from=now - WINDOW, window_from=now - since if since else None,
                                   logins=logins)
    tag_rows = store.people.tags()
    active_since = iso(now - RECENT)
    mapped = directory.logins

    tallies: dict[str, list] = {}
    for group in groups:
        source, kind, is_reply, rows = group.source, group.kind, group.replies, group.rows
        weight = REPLY_WEIGHT if is_reply else POST_WEIGHT
        count_at, window_at = (_REPLIES, _WREPLIES) if is_reply else (_POSTS, _WPOSTS)
        prefix = f"\0{kind}\0"
        for login, count, first, last, staff, n90, nsince in rows:
            folded = login.translate(ASCII_LOWER)
            key = (mapped.get((source, folded)) or mapped.get((kind, folded)) if mapped else None) \
                or prefix + folded
            tally = tallies.get(key)
            if tally is None:
                # most people are seen on one channel: its kind stands for the channel counts
                tallies[key] = [0, 0, 0, 0, 0, first, last, staff, kind, login, count]
                tally = tallies[key]
                tally[count_at], tally[window_at], tally[_W90] = count, nsince, weight * n90
                continue
            tally[count_at] += count
            tally[window_at] += nsince
            tally[_W90] += weight * n90
            # a reply stored without a time has None here; compare only real times
            if first is not None and (tally[_FIRST] is None or first < tally[_FIRST]):
                tally[_FIRST] = first
            if last is not None and (tally[_LAST] is None or last > tally[_LAST]):
                tally[_LAST] = last
            if staff:
                tally[_STAFF] = 1
            channels = tally[_CHANNELS]
            if channels != kind:
                if isinstance(channels, str):
                    channels = tally[_CHANNELS] = {channels: tally[_POSTS] + tally[_REPLIES] - count}
                channels[kind] = channels.get(kind, 0) + count
            if count > tally[_BUSIEST]:  # an unmapped person is named as their busiest spelling
                tally[_SPELLING], tally[_BUSIEST] = login, count

    tags: dict[str, set[str]] = {}
    for person, tag in tag_rows:
        tags.setdefault(fold(person), set()).add(tag)
    staff_logins = {login.lower() for login in config.team.staff}  # as Config.is_staff

    people: dict[str, Person] = {}
    for name, logins in directory.mapping.items():
        people[name] = Person(name=name, logins=[(key, login) for key, values in logins.items()
                                                 for login in values], mapped=True)
    windowed = since is not None
    for key, tally in tallies.items():
        person = people.get(key)
        if person is None:
            spelling = tally[_SPELLING]
            person = people[key] = Person(name=spelling, logins=[(key[1:key.index("\0", 1)], spelling)])
        channels = tally[_CHANNELS]
        person.posts = tally[_WPOSTS] if windowed else tally[_POSTS]
        person.replies = tally[_WREPLIES] if windowed else tally[_REPLIES]
        person.first_seen, person.last_seen = _when(tally[_FIRST]), _when(tally[_LAST])
        person.channels = ([channels] if isinstance(channels, str)
                           else sorted(channels, key=lambda k: (-channels[k], k)))
        person.staff = bool(tally[_STAFF])
        person.weight = POST_WEIGHT * tally[_POSTS] + REPLY_WEIGHT * tally[_REPLIES]
        person.recent_weight = tally[_W90]
        person.level = engagement_level(tally[_W90], (tally[_LAST] or "") >= active_since)
    for person in people.values():
        if not person.staff and staff_logins:
            names = [login for _, login in person.logins] + ([person.name] if person.mapped else [])
            person.staff = any(login.lower() in staff_logins for login in names)
        own = tags.get(fold(person.name)) if tags else None
        if own:
            person.tags = (["staff"] if person.staff or "staff" in own else []) + sorted(own - {"staff"})
        elif person.staff:
            person.tags = ["staff"]
    if windowed:
        people = {key: p for key, p in people.items() if p.posts or p.replies}
    return directory, people


def _rank(person: Person) -> tuple:
    """Most engaged first: level, recent weight, all-time weight, then the most recently
    seen, then by name (equal people keep the order they were found in)."""
    seen = -person.last_seen.timestamp() if person.last_seen else math.inf
    return person.level, -person.recent_weight, -person.weight, seen, person.name.lower()


def list_people(config: Config, store: Store, *, now: datetime, query: str = "",
                since: timedelta | None = None) -> list[Person]:
    """Everyone who posted or replied, merged by `[people.NAME]`, most engaged first.

    An unmapped author is one person per (channel kind, login): logins are per channel,
    so the same spelling on GitHub and on the forum may be two humans, and merging them
    is a claim only the config can make. With `since`, posts and replies count only that
    window and people with nothing in it are left out (first seen, last seen and the
    level stay whole-history). `query` as in `matches`.

    Raises:
        ConfigError: a bad `[people.NAME]`.
        QueryError: a bad query term.
    """
    return first_people(config, store, now=now, query=query, since=since)[0]


def first_people(config: Config, store: Store, *, now: datetime, query: str = "",
                 since: timedelta | None = None, limit: int | None = None) -> tuple[list[Person], int]:
    """The `limit` most engaged people `query` matches (None: all of them), as
    `list_people` orders them, and how many it matches: a list for the terminal does
    not sort, or print, a whole community."""
    terms = parse_people_query(query)
    if limit and not terms and since is None:
        leading = _leading(config, store, now=now, limit=limit)
        if leading is not None:
            return leading
    _, people = _compute(config, store, now=now, since=since)
    with _collector_paused():
        matching = [p for p in people.values() if not terms or _matches(p, terms)]
        if limit is None:
            return sorted(matching, key=_rank), len(matching)
        return heapq.nsmallest(limit, matching, key=_rank), len(matching)


def _leading(config: Config, store: Store, *, now: datetime, limit: int) -> tuple[list[Person], int] | None:
    """`first_people` without a query: the store names the people who can be among the
    first `limit` (the most engaged of those active in the window, one per login and
    kind), and only they, and everyone the config joins, are built. None when fewer than
    `limit` were active: the quiet rank too, and that takes everyone.

    Anyone the store leaves out ranks after `limit` people it named, so the first `limit`
    of those built are the first of everyone, in the same order.
    """
    apart = {login for _, login in _Directory(config).logins}  # merged by the config: built here
    leaders = store.people.leaders(
        recent_from=now - WINDOW, active_from=now - RECENT, weights=(POST_WEIGHT, REPLY_WEIGHT),
        levels=(LEADING_WEIGHT, CONTRIBUTING_WEIGHT, PARTICIPATING_WEIGHT), apart=apart, limit=limit)
    if leaders is None:
        return None
    _, people = _compute(config, store, now=now, since=None, logins=apart | {login for _, login, _, _ in leaders})
    # the store counts the people of every other login
    joined = sum(1 for key, person in people.items() if person.mapped or key[key.index("\0", 1) + 1:] in apart)
    total = store.people.count(apart=apart) + joined
    with _collector_paused():
        return heapq.nsmallest(limit, people.values(), key=_rank), total


def helpful(config: Config, store: Store, *, now: datetime,
            since: timedelta = DEFAULT_HELPFUL_WINDOW) -> list[Person]:
    """Community members (not staff) who answered the most in the window: replies created
    within `since` before `now` (the boundary counts) on posts they did not open, most
    first, ties to the most recent answer. For the office-hours call-outs."""
    rows = store.people.answers(since=now - since, now=now)
    directory = _Directory(config)
    # whole-history figures (and the staff flag) only for who answered: their logins, and
    # every login of a mapped person among them
    logins = {fold(row[2]) for row in rows}
    for name, keyed in directory.mapping.items():
        configured = {fold(login) for values in keyed.values() for login in values}
        if configured & logins:
            logins |= configured
    _, people = _compute(config, store, now=now, since=None, logins=logins)
    helped: dict[str, dict[str, Any]] = {}
    for source, kind, login, item_author, count, last in rows:
        key = directory.resolve(source, kind, login)
        if item_author and directory.resolve(source, kind, item_author) == key:
            continue  # answering their own post
        entry = helped.setdefault(key, {"count": 0, "last": "", "channels": {}})
        entry["count"] += count
        entry["last"] = max(entry["last"], last or "")
        entry["channels"][kind] = entry["channels"].get(kind, 0) + count
    ranked = []
    for key, entry in helped.items():
        person = people.get(key)
        if person is None or "staff" in person.tags:
            continue
        person.helped = entry["count"]
        person.last_helped = parse_time(entry["last"])
        person.helped_channels = sorted(entry["channels"], key=lambda k: (-entry["channels"][k], k))
        ranked.append(person)
    ranked.sort(key=lambda p: (-p.helped, -(p.last_helped.timestamp() if p.last_helped else 0.0),
                               fold(p.name)))
    return ranked


def person_named(config: Config, store: Store, name: str, *, now: datetime) -> Person | None:
    """`find_person` over everyone, reading only the people who can be called `name`: that
    login on any channel, and the config's people."""
    logins = {fold(name.strip())} | {login for _, login in _Directory(config).logins}
    _, people = _compute(config, store, now=now, since=None, logins=logins)
    return find_person(sorted(people.values(), key=_rank), name)


def find_person(people: Iterable[Person], name: str) -> Person | None:
    """The person called `name` (case-insensitively), mapped people first."""
    wanted = fold(name.strip())
    found = [p for p in people if fold(p.name) == wanted]
    found.sort(key=lambda p: not p.mapped)
    return found[0] if found else None


# --- the people query --------------------------------------------------------------------------

@dataclass(frozen=True)
class PeopleTerm:
    field: str | None
    """None: a substring of the name or a login."""
    value: str
    negated: bool = False


def parse_people_query(text: str) -> list[PeopleTerm]:
    """`amy`, `tag:champion`, `level:1` (or `level:leading`), `channel:github`; `-term`
    negates; terms are ANDed. Raises QueryError for an unknown field or level."""
    terms: list[PeopleTerm] = []
    position = 0
    text = text or ""
    while position < len(text) and text[position:].strip():
        match = _QUERY_TOKEN.match(text, position)
        if not match or match.end() == position:
            raise QueryError(f"cannot read the people query at {text[position:]!r}")
        position = match.end()
        negated, name, value, phrase, word = match.groups()
        if name is not None:
            name = name.lower()
            value = value.strip('"')
            if name not in QUERY_FIELDS:
                raise QueryError(f"unknown field {name + ':'!r} for people "
                                 f"(fields: {', '.join(f + ':' for f in QUERY_FIELDS)})")
            if not value:
                raise QueryError(f"{name}: needs a value")
            value = value.lower()
            if name == "level":
                labels = {label: str(level) for level, label in LEVELS.items()}
                value = labels.get(value, value)
                if value not in ("1", "2", "3", "4"):
                    raise QueryError(f"level:{value} is not a level (use 1-4 or "
                                     f"{'|'.join(LEVELS.values())})")
            terms.append(PeopleTerm(name, value, bool(negated)))
        else:
            value = (phrase or "").strip('"') if phrase is not None else word
            if value:
                terms.append(PeopleTerm(None, fold(value), bool(negated)))
    return terms


def matches(person: Person, query: str) -> bool:
    """Whether the person matches a people query."""
    return _matches(person, parse_people_query(query))


def filter_people(people: Iterable[Person], query: str) -> list[Person]:
    """The people a query matches, in their order (the People screen's `/` filter): the
    query is parsed once. Raises QueryError for a bad term."""
    terms = parse_people_query(query)
    return [person for person in people if _matches(person, terms)] if terms else list(people)


def _matches(person: Person, terms: list[PeopleTerm]) -> bool:
    for term in terms:
        if term.field is None:
            hit = term.value in fold(person.name) or any(term.value in fold(login) for _, login in person.logins)
        elif term.field == "tag":
            hit = term.value in person.tags
        elif term.field == "level":
            hit = person.level == int(term.value)
        else:  # channel: a kind they were seen on, or a login configured for it
            hit = term.value in person.channels or any(key == term.value for key, _ in person.logins)
        if hit == term.negated:
            return False
    return True
