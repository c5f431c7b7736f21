"""Which posts the sweeps take: the one definition that `inbox sweep`, the `W` screen, the
sidebar's Help Wanted sweep and Weekly sweep views and the `sweep:daily` / `sweep:weekly`
terms all read, so each of them counts the same posts.

Daily, in the order the community process gives (a post belongs to the first part that
takes it, so the parts never overlap and the sweep's count is the sum of theirs):
1. posts from the sweep sources still waiting for our answer (no reply yet, or the last
   reply is not the team's) that are `min_age` old or more: the community answers first;
2. newer forum posts since the release that mention a release keyword (enterprise,
   upgrade, license) and wait for our answer: release fallout needs the team quickly;
3. newer forum threads the team opened or asked in, where a community member posted
   last: the ball is back in our court.
Weekly: issues and questions idle for more than `weekly_idle`, not opened by the team.
Both leave out what `[sweep] exclude` matches (Help Wanted issues created from Jira are for
contributors, not for this list).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from inbox.config import Config, SweepSettings
from inbox.query import INBOX_QUERY, Query, parse_query
from inbox.store.where import compile_terms
from inbox.timeutil import format_duration, iso

_STAFF = "(COALESCE({row}.author_is_staff, 0) <> 0 OR inbox_is_staff({row}.author, :{name}))"


def _back_to_us(name: str) -> str:
    """Who posted last is the community (the channel's word on the item, else the stored
    thread's last reply), in a thread the team opened or posted in."""
    staff = {"r": _STAFF.format(row="r", name=name), "i": _STAFF.format(row="i", name=name)}
    return ("(CASE WHEN i.last_reply_by_staff IS NULL THEN COALESCE((SELECT NOT " + staff["r"]
            + " FROM thread r WHERE r.key = i.key ORDER BY r.created_at DESC, r.rowid DESC LIMIT 1), FALSE) "
            "ELSE i.last_reply_by_staff = 0 END "
            "AND (" + staff["i"] + " OR EXISTS (SELECT 1 FROM thread r WHERE r.key = i.key AND "
            + staff["r"] + ")))")


@dataclass(frozen=True)
class Release:
    """Posts created since a release that mention one of its keywords."""

    since: str
    """ISO: created at or after this."""
    keywords: tuple[str, ...]
    """Casefolded; one is a substring of the casefolded title and body."""


@dataclass(frozen=True)
class Slice:
    """What one part of a sweep takes: a query, less what `exclude` matches, narrowed by
    what the query language cannot say. Logins compare as `Config.is_staff` does."""

    query: Query
    exclude: Query | None = None
    """What no part takes (`[sweep] exclude`)."""
    sources: tuple[str, ...] | None = None
    """Only posts of these sources (None: any source)."""
    kinds: tuple[str, ...] | None = None
    """Only posts of these channel kinds (None: any kind)."""
    release: Release | None = None
    release_news: bool = True
    """With `release`: only its news (True), or only what is not (False)."""
    not_by: tuple[str, ...] = ()
    """Lowercased logins whose posts are left out (`[team] staff`)."""
    back_to_us: tuple[str, ...] | None = None
    """Lowercased staff logins: only threads the team opened or replied in, where a
    community member posted last."""
    order: str = "created"
    """"created" (waited longest first) or "activity" (quiet longest first)."""


@dataclass(frozen=True)
class Part:
    """One section of a sweep: its heading, which says what the posts have in common, and
    the posts it takes."""

    title: str
    slice: Slice


@dataclass(frozen=True)
class Sweeps:
    """The daily and weekly sweeps of one config, each a tuple of parts in order."""

    daily: tuple[Part, ...]
    weekly: tuple[Part, ...]

    def parts(self, name: str) -> tuple[Part, ...]:
        """`daily` or `weekly` (the values of a `sweep:` term)."""
        return self.weekly if name == "weekly" else self.daily


def narrowed(query: Query, defined: Sweeps | None) -> list[Slice] | None:
    """The parts of the one sweep `query` takes (`sweep:daily type:bug`), each narrowed by
    the query's other terms; None unless the query takes exactly one sweep. The parts never
    overlap, so what the query matches is counted as the sum of theirs, each on the plan
    that suits it, rather than as one condition over every row."""
    named = [term for term in query.terms if term.field == "sweep"]
    if defined is None or len(named) != 1 or named[0].negated:
        return None
    rest = tuple(term for term in query.terms if term.field != "sweep")
    return [replace(part.slice, query=Query(part.slice.query.text, part.slice.query.terms + rest))
            for part in defined.parts(named[0].value)]


def define(config: Config) -> Sweeps:
    """The sweeps `[sweep]`, the sources and `[team] staff` describe."""
    settings = config.sweep
    kinds = {source.name: source.kind for source in config.sources}
    chosen = tuple(name for name in settings.sources if name in kinds)
    forums = tuple(name for name in chosen if kinds[name] == "discourse")
    excluded = parse_query(settings.exclude)
    exclude = excluded if excluded.terms else None
    staff = tuple(name.lower() for name in config.team.staff)
    waiting = f"{INBOX_QUERY} is:awaiting"
    younger = f"age:<{format_duration(settings.min_age)}"

    daily = [Part(f"Waiting for our answer, {words(settings.min_age)} old or more",
                  Slice(parse_query(f"{waiting} age:>={format_duration(settings.min_age)}"), exclude,
                        sources=chosen))]
    release = _release(settings)
    if release is not None:
        assert settings.release_date is not None
        daily.append(Part(f"New forum posts since the {settings.release_date.isoformat()} release that "
                          f"mention {', '.join(settings.release_keywords)}, waiting for our answer",
                          Slice(parse_query(f"{waiting} {younger}"), exclude, sources=forums, release=release)))
    daily.append(Part("A community member answered a question from the team",
                      Slice(parse_query(f"{waiting} {younger} replies:>0"), exclude, sources=forums,
                            release=release, release_news=False, back_to_us=staff, order="activity")))
    weekly = Part(f"No activity for more than {words(settings.weekly_idle)}, not opened by the team",
                  Slice(parse_query(f"{INBOX_QUERY} staff:no idle:>{format_duration(settings.weekly_idle)}"),
                        exclude, kinds=settings.weekly_kinds, not_by=staff, order="activity"))
    return Sweeps(daily=tuple(daily), weekly=(weekly,))


def _release(settings: SweepSettings) -> Release | None:
    """The last release's news, when `[sweep]` names its date and keywords. A release still
    to come takes nothing yet: no post was created after it."""
    if settings.release_date is None or not settings.release_keywords:
        return None
    released = datetime.combine(settings.release_date, datetime.min.time(), UTC)
    return Release(iso(released), tuple(keyword.casefold() for keyword in settings.release_keywords))


def words(span: timedelta) -> str:
    """A duration for people: 2 days, 36 hours, 90 minutes."""
    minutes = int(span.total_seconds() // 60)
    for unit, size in (("day", 24 * 60), ("hour", 60)):
        if minutes >= size and minutes % size == 0:
            count = minutes // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


# --- the SQL ---------------------------------------------------------------------------------

def slice_where(part: Slice, now: datetime, me: str | None, prefix: str = "") -> tuple[str, dict[str, Any]]:
    """The slice as one condition over `i` (and `t`), and its parameters, each named with
    `prefix`; the query and its exclusion are compiled together so their parameters never
    share a name."""
    own = part.query.terms
    excluded = part.exclude.terms if part.exclude is not None else ()
    clauses, params = compile_terms((*own, *excluded), now=now, me=me, prefix=prefix)
    where = clauses[:len(own)]
    if excluded:
        where.append(f"NOT ({' AND '.join(clauses[len(own):])})")
    for column, values in (("source", part.sources), ("kind", part.kinds)):
        if values is None:
            continue
        names = [f"{prefix}{column}{index}" for index in range(len(values))]
        params.update(zip(names, values))
        where.append(f"i.{column} IN ({', '.join(':' + name for name in names)})" if names else "1 = 0")
    if part.release is not None:
        params.update({f"{prefix}released": part.release.since,
                       f"{prefix}keywords": json.dumps(part.release.keywords)})
        news = f"(i.created_at >= :{prefix}released AND inbox_mentions(i.title, i.body, :{prefix}keywords))"
        where.append(news if part.release_news else f"NOT {news}")
    if part.not_by:
        params[f"{prefix}not_by"] = json.dumps(part.not_by)
        where.append(f"NOT inbox_is_staff(i.author, :{prefix}not_by)")
    if part.back_to_us is not None:
        params[f"{prefix}staff"] = json.dumps(part.back_to_us)
        where.append(_back_to_us(f"{prefix}staff"))
    return " AND ".join(where) or "1 = 1", params


def sweep_where(parts: tuple[Part, ...], now: datetime, me: str | None, prefix: str) -> tuple[str, dict[str, Any]]:
    """Any of the parts, as one condition (what a `sweep:` term compiles to); never NULL,
    so `-sweep:daily` is exactly the rest."""
    clauses, params = [], {}
    for index, part in enumerate(parts):
        where, found = slice_where(part.slice, now, me, f"{prefix}{index}_")
        clauses.append(f"({where})")
        params.update(found)
    return f"(COALESCE({' OR '.join(clauses) or 'FALSE'}, FALSE))", params


def functions(conn: sqlite3.Connection) -> None:
    """What SQL cannot say as Python says it: casefolded keyword matches and `[team] staff`
    (Unicode-lowercased logins), on every SQLite connection that may read a sweep (a
    server has them in its schema). Called only for the rows the other conditions leave."""
    conn.create_function("inbox_mentions", 3, _mentions, deterministic=True)
    conn.create_function("inbox_is_staff", 2, _is_staff, deterministic=True)


@lru_cache(maxsize=16)
def _names(encoded: str) -> tuple[str, ...]:
    """A JSON list parameter, read once per statement rather than once per row."""
    return tuple(json.loads(encoded))


def _mentions(title: str | None, body: str | None, keywords: str) -> int:
    text = f"{title or ''}\n{body or ''}".casefold()
    return int(any(keyword in text for keyword in _names(keywords)))


def _is_staff(login: str | None, staff: str) -> int:
    return int(bool(login) and login.lower() in _names(staff))
