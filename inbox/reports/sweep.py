"""The Help Wanted sweep: the daily list of posts the whole community is asked to help
with, and the Wednesday list of issues that went quiet, ready to paste or post to Slack.

Daily, in the order the community process gives (an item shows once, in the first
section that takes it):
1. posts from the sweep sources with no answer after `min_age` (2 days lets the
   community answer first), oldest first since they waited longest;
2. new forum posts since the release that mention a release keyword (enterprise,
   upgrade, license) and still await an answer, whatever their age: release fallout
   needs the team quickly;
3. forum threads where the team posted (opened it, or asked in a reply) and a community
   member posted last: the ball is back in our court.
Weekly: issues and questions idle for more than `weekly_idle`, not opened by the team.
Both leave out what `exclude` matches (Help Wanted issues created from Jira are for
contributors, not for this list).

Pure core: reads the store, never writes it. Only `post_to_webhook` does I/O.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from inbox.config import Config, SweepSettings
from inbox.errors import ConfigError, SourceError, UsageError
from inbox.net.http import Session
from inbox.query import INBOX_QUERY, parse_query
from inbox.store import Store, item_json
from inbox.text import one_line
from inbox.text.markup import slack_escape
from inbox.timeutil import ago, format_duration, iso, parse_time

FORMATS = ("mrkdwn", "markdown", "text", "json")
WEBHOOK_SOURCE = "slack webhook"
_TAGS = {"discourse": "#forum", "github": "#github", "gitlab": "#gitlab",
         "stackexchange": "#stackoverflow", "slack": "#slack", "zendesk": "#zendesk",
         "intercom": "#intercom", "uservoice": "#ideas"}
_CHANNELS = {"github": "GitHub", "gitlab": "GitLab", "discourse": "the forum",
             "stackexchange": "Stack Overflow", "slack": "Slack", "zendesk": "Zendesk",
             "intercom": "Intercom", "uservoice": "the ideas board"}


def sweep_settings(config: Config) -> SweepSettings:
    """`[sweep]` and `[slack]`, as the config read them when it loaded."""
    return config.sweep


# --- building the sweep -------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One post in the sweep: its store row (with body) and how long it has waited."""

    item: dict[str, Any]
    age: timedelta
    """Since it was created."""
    idle: timedelta
    """Since its last activity."""
    replies: int


@dataclass
class Section:
    title: str
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Sweep:
    """The message before formatting: who is called, and the sections in order."""

    weekly: bool
    now: datetime
    sections: list[Section]
    tags: tuple[str, ...] = ()
    """Channel hashtags in the daily header (#forum #github)."""
    rotation: str | None = None
    """This week's developer on support rotation, mentioned in the daily header."""
    intro: str = ""
    """The words after the mentions."""

    @property
    def entries(self) -> list[Entry]:
        return [entry for section in self.sections for entry in section.entries]

    @property
    def empty(self) -> bool:
        """Nothing to ask anyone about: the command should not post."""
        return not self.entries


def build_sweep(config: Config, store: Store, *, now: datetime, weekly: bool = False,
                settings: SweepSettings | None = None) -> Sweep:
    """The daily Help Wanted list, or with `weekly` the Wednesday list of quiet issues.

    Raises:
        ConfigError: a bad `[sweep]` setting.
    """
    settings = settings or sweep_settings(config)
    me = config.team.me
    excluded = _excluded(store, settings.exclude, now, me)
    seen: set[str] = set(excluded)

    def take(rows: list[dict[str, Any]]) -> list[Entry]:
        entries = []
        for row in rows:
            if row["key"] in seen:
                continue
            seen.add(row["key"])
            entries.append(_entry(row, now))
        return entries

    if weekly:
        return _weekly(config, store, settings, now, take)

    sources = {source.name: source.kind for source in config.sources}
    chosen = [name for name in settings.sources if name in sources]
    forums = [name for name in chosen if sources[name] == "discourse"]

    def rows(query: str, names: list[str]) -> list[dict[str, Any]]:
        # The query language has no OR: one query per source, merged.
        found: list[dict[str, Any]] = []
        for name in names:
            found += store.list_items(f"{query} source:{name}", now=now, me=me, with_body=True)
        return found

    sections: list[Section] = []
    waiting = rows(f"{INBOX_QUERY} is:awaiting age:>={format_duration(settings.min_age)}", chosen)
    waiting.sort(key=lambda row: (row["created_at"], row["key"]))
    sections.append(Section(f"No answer yet after {_words(settings.min_age)} or more", take(waiting)))

    if settings.release_date is not None and settings.release_keywords:
        released = datetime.combine(settings.release_date, datetime.min.time(), timezone.utc)
        fresh = []
        if released <= now:  # the query narrows to whole minutes; the exact cut is below
            minutes = math.ceil((now - released).total_seconds() / 60)
            fresh = [row for row in rows(f"{INBOX_QUERY} is:awaiting age:<={minutes}m", forums)
                     if row["created_at"] >= iso(released) and _mentions(row, settings.release_keywords)]
        fresh.sort(key=lambda row: (row["created_at"], row["key"]))
        words = ", ".join(settings.release_keywords)
        sections.append(Section(f"New forum posts since the {settings.release_date.isoformat()} release "
                                f"that mention {words}", take(fresh)))

    # Threads are read only for what no earlier section took (mostly posts younger than min_age).
    answered = [row for row in rows(f"{INBOX_QUERY} is:awaiting replies:>0", forums)
                if row["key"] not in seen and _back_to_us(config, store, row)]
    answered.sort(key=lambda row: (row["last_activity_at"], row["key"]))
    sections.append(Section("A community member answered a question from the team", take(answered)))

    project = f"{settings.project} " if settings.project else ""
    kinds = [sources[name] for name in chosen]
    tags = tuple(dict.fromkeys(_TAGS.get(kind, f"#{kind}") for kind in sorted(set(kinds), key=_kind_order)))
    return Sweep(
        weekly=False, now=now, sections=sections, tags=tags,
        rotation=one_line(config.team.on_rotation(now.date()) or "") or None,
        intro=("These posts are open to everyone in the community. If you find something you "
               "think you know the answer to or can help with, please help post a response and "
               f"be part of creating a vibrant {project}community!"),
    )


def _weekly(config: Config, store: Store, settings: SweepSettings, now: datetime,
            take: Callable[[list[dict[str, Any]]], list[Entry]]) -> Sweep:
    """Not closed or done, idle more than `weekly_idle`, not opened by the team."""
    query = f"{INBOX_QUERY} staff:no idle:>{format_duration(settings.weekly_idle)}"
    found: list[dict[str, Any]] = []
    for kind in settings.weekly_kinds:
        found += [row for row in store.list_items(f"{query} kind:{kind}", now=now, me=config.team.me,
                                                  with_body=True)
                  if not config.is_staff(row["author"])]
    found.sort(key=lambda row: (row["last_activity_at"], row["key"]))
    channels = _join([_CHANNELS.get(kind, kind) for kind in settings.weekly_kinds])
    title = f"No activity for more than {_words(settings.weekly_idle)}, not opened by the team"
    return Sweep(
        weekly=True, now=now, sections=[Section(title, take(found))],
        intro=(f"Issues and questions{' on ' + channels if channels else ''} with no activity for "
               f"more than {_words(settings.weekly_idle)}, not opened by the team:"),
    )


def _excluded(store: Store, exclude: str, now: datetime, me: str | None) -> set[str]:
    query = parse_query(exclude)
    if not query.terms:  # an empty exclude leaves nothing out (not everything)
        return set()
    return {row["key"] for row in store.list_items(query, now=now, me=me)}


def _entry(row: dict[str, Any], now: datetime) -> Entry:
    created = parse_time(row["created_at"]) or now
    active = parse_time(row["last_activity_at"]) or created
    return Entry(item=row, age=max(timedelta(0), now - created), idle=max(timedelta(0), now - active),
                 replies=int(row["replies"] or 0))


def _mentions(row: dict[str, Any], keywords: tuple[str, ...]) -> bool:
    """Substring match on the lowercased title and body: "upgrade" also finds "upgraded"."""
    text = f"{row['title'] or ''}\n{row.get('body') or ''}".casefold()
    return any(keyword.casefold() in text for keyword in keywords)


def _back_to_us(config: Config, store: Store, row: dict[str, Any]) -> bool:
    """The team asked in the thread (or opened it) and a community member posted last.

    The channel's own word on who replied last wins over the stored thread, which may be
    cut short (Discourse sends only the first ~20 posts).
    """
    def staff(author: str | None, flag: Any) -> bool:
        return bool(flag) or config.is_staff(author)

    thread = store.thread(row["key"])
    last_by_staff = row["last_reply_by_staff"]
    if last_by_staff is None:
        if not thread:
            return False  # nobody knows who replied last
        last_by_staff = staff(thread[-1]["author"], thread[-1]["author_is_staff"])
    if last_by_staff:
        return False
    return staff(row["author"], row["author_is_staff"]) or any(
        staff(reply["author"], reply["author_is_staff"]) for reply in thread)


def _kind_order(kind: str) -> int:
    order = list(_TAGS)
    return order.index(kind) if kind in order else len(order)


def _words(span: timedelta) -> str:
    """A duration for people: 2 days, 36 hours, 90 minutes."""
    minutes = int(span.total_seconds() // 60)
    for unit, size in (("day", 24 * 60), ("hour", 60)):
        if minutes >= size and minutes % size == 0:
            count = minutes // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


# --- formatting ---------------------------------------------------------------------------------

def render(sweep: Sweep, fmt: str = "mrkdwn", now: datetime | None = None) -> str:
    """The message as Slack mrkdwn (to post), Markdown, plain text, or JSON.

    Titles are channel text, so hostile: folded onto one line, control characters gone,
    and in mrkdwn and Markdown every character that could mention, link or format escaped.
    """
    now = now or sweep.now
    if fmt == "json":
        return json.dumps(sweep_json(sweep, now), ensure_ascii=False, indent=2)
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r} (use {', '.join(FORMATS)})")
    heading, line = {"mrkdwn": (_mrkdwn_heading, _mrkdwn_line),
                     "markdown": (_markdown_heading, _markdown_line),
                     "text": (_text_heading, _text_line)}[fmt]
    out = [header(sweep, fmt)]
    for section in sweep.sections:
        if not section.entries:
            continue
        out += ["", heading(section.title)]
        out += [line(entry, now, sweep.weekly) for entry in section.entries]
    if sweep.empty:
        out += ["", "Nothing to list today."]
    return "\n".join(out) + "\n"


def header(sweep: Sweep, fmt: str = "text") -> str:
    """The first line: `[Help Wanted] #forum #github @here @carol These posts ...`.

    In mrkdwn `@here` is Slack's `<!here>` (plain `@here` notifies nobody from a webhook);
    the rotation login stays `@login` text, since Slack mentions a person only by member id.
    """
    if sweep.weekly:
        words = ["[Weekly]", sweep.intro]
    else:
        here = "<!here>" if fmt == "mrkdwn" else "@here"
        mention = [f"@{sweep.rotation}"] if sweep.rotation else []
        words = ["[Help Wanted]", *sweep.tags, here, *mention, sweep.intro]
    if fmt == "mrkdwn":
        return " ".join(word if word == "<!here>" else _mrkdwn_text(word) for word in words)
    if fmt == "markdown":
        return _markdown_text(" ".join(words))
    return one_line(" ".join(words))


def sweep_json(sweep: Sweep, now: datetime | None = None) -> dict[str, Any]:
    """`{header, weekly, generated_at, sections: [{title, items: [item JSON + age_days,
    idle_days]}]}`; titles verbatim, as in `inbox list --json`."""
    now = now or sweep.now
    return {
        "header": header(sweep, "text"),
        "weekly": sweep.weekly,
        "generated_at": iso(now),
        "sections": [
            {"title": section.title,
             "items": [{**item_json(entry.item), "age_days": _days(entry.item["created_at"], now),
                        "idle_days": _days(entry.item["last_activity_at"], now)}
                       for entry in section.entries]}
            for section in sweep.sections
        ],
    }


def _days(value: str | None, now: datetime) -> int | None:
    moment = parse_time(value)
    return None if moment is None else max(0, (now - moment).days)


def _facts(entry: Entry, now: datetime, weekly: bool) -> list[str]:
    """`forum · 3d old · 2 replies` (weekly adds how long it has been quiet)."""
    item, replies = entry.item, entry.replies
    count = "no replies" if replies == 0 else f"{replies} repl{'y' if replies == 1 else 'ies'}"
    facts = [one_line(item["source"]), f"{ago(item['created_at'], now)} old", count]
    if weekly:
        facts.append(f"quiet for {ago(item['last_activity_at'], now)}")
    return facts


def _link(url: Any) -> str | None:
    """The item's page if it is a plain http(s) URL; anything else is never made a link."""
    text = one_line(url)
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in text:
        return None
    return text


# Slack has no escape for its formatting characters: a zero-width space on each side of
# one that could open or close formatting keeps `*bold*`, `_em_`, `~strike~` and `code`
# as typed, whichever way Slack reads the space. Inside a word (`invalid_grant`) Slack
# never formats, and the name stays intact for whoever copies it.
_SLACK_FORMATTING = "*_~`"


def _mrkdwn_text(text: Any) -> str:
    value = slack_escape(one_line(text))
    out = []
    for index, char in enumerate(value):
        if char in _SLACK_FORMATTING and not (value[index - 1:index].isalnum()
                                              and value[index + 1:index + 2].isalnum()):
            char = f"\u200b{char}\u200b"
        out.append(char)
    return "".join(out)


def _mrkdwn_heading(title: str) -> str:
    return f"*{_mrkdwn_text(title)}*"


def _mrkdwn_line(entry: Entry, now: datetime, weekly: bool) -> str:
    title = _mrkdwn_text(entry.item["title"]) or "(no title)"
    url = _link(entry.item["url"])
    shown = f"<{slack_escape(url).replace('|', '%7C')}|{title}>" if url else title
    return " · ".join([f"• {shown}", *(_mrkdwn_text(fact) for fact in _facts(entry, now, weekly))])


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>~&|#!()])")


def _markdown_text(text: Any) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", one_line(text))


def _markdown_heading(title: str) -> str:
    return f"**{_markdown_text(title)}**"


def _markdown_line(entry: Entry, now: datetime, weekly: bool) -> str:
    title = _markdown_text(entry.item["title"]) or "(no title)"
    url = _link(entry.item["url"])
    if url:
        # `(`, `)`, `<`, `>` and spaces percent-encoded: the target cannot end the link early
        target = quote(url, safe=":/?#@!$&'*+,;=%-._~")
        title = f"[{title}]({target})"
    return " · ".join([f"- {title}", *(_markdown_text(fact) for fact in _facts(entry, now, weekly))])


def _text_heading(title: str) -> str:
    return f"{one_line(title)}:"


def _text_line(entry: Entry, now: datetime, weekly: bool) -> str:
    title = one_line(entry.item["title"]) or "(no title)"
    url = one_line(entry.item["url"])
    return " · ".join([f"- {title}" + (f" ({url})" if url else ""), *_facts(entry, now, weekly)])


# --- posting ------------------------------------------------------------------------------------

_HINTS = {
    "invalid_payload": "Slack could not read the message",
    "no_text": "the message was empty",
    "channel_is_archived": "the webhook's channel is archived: unarchive it or make a new webhook",
    "channel_not_found": "the webhook's channel is gone: make a new webhook",
    "no_service": "the webhook was removed or disabled: make a new one",
    "no_service_id": "the webhook URL is incomplete: copy it again from Slack",
    "no_team": "the webhook's workspace is gone: make a new webhook",
    "team_disabled": "the webhook's workspace is disabled",
    "invalid_token": "the webhook URL is no longer valid: make a new one",
    "action_prohibited": "a Slack admin restricts posting to that channel",
    "posting_to_general_channel_denied": "only admins may post to that channel",
    "user_not_found": "the webhook's owner left the workspace: make a new webhook",
    "msg_too_long": "the message is too long for Slack",
}


async def post_to_webhook(settings: SweepSettings, text: str, *, env: Mapping[str, str] | None = None,
                          transport: httpx.AsyncBaseTransport | None = None,
                          sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
    """POST `{"text": text}` to the Slack incoming webhook, once.

    A timeout or a 5xx may have posted it already, so it is never sent again (a rate
    limit refusal is waited out). The URL is the secret: no message ever holds it.

    Raises:
        ConfigError: no `[slack] webhook_env`, or the variable is unset or not a URL.
        UsageError: nothing to post.
        SourceError: Slack refused (its code and what to do) or could not be reached.
    """
    if not settings.webhook_env:
        raise ConfigError("no Slack webhook: set webhook_env under [slack] to the environment "
                          "variable that holds the incoming-webhook URL")
    env = os.environ if env is None else env
    name = settings.webhook_env
    url = (env.get(name) or "").strip()
    if not url:
        raise ConfigError(f"the environment variable {name} is not set: put the Slack "
                          "incoming-webhook URL in it (named by [slack] webhook_env)")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"the environment variable {name} does not hold an http(s) URL")
    if not text.strip():
        raise UsageError("nothing to post: the message is empty")

    secrets = (url, parts.path, parts.query)
    async with Session(WEBHOOK_SOURCE, origin=url, transport=transport, sleep=sleep, secrets=secrets) as session:
        try:
            response = await session.request("POST", url, json={"text": text}, once=True)
        except SourceError as exc:
            raise _refused(exc, session.last_response, name) from None
    body = response.text.strip()
    if body != "ok":
        raise SourceError(WEBHOOK_SOURCE, f"unexpected answer {session.redactor.line(body, 100)!r} "
                          f"(HTTP {response.status_code}); the message may have been posted: "
                          "check the channel before posting again", response.status_code)


def _refused(error: SourceError, response: httpx.Response | None, variable: str) -> SourceError:
    """Slack's plain-text code with what to do about it; never the URL."""
    if response is None or error.status is None:  # no answer at all (network, timeout)
        return SourceError(WEBHOOK_SOURCE, error.reason.replace("***", "the webhook URL"), error.status)
    status = response.status_code
    first = (response.text.strip().splitlines() or [""])[0].strip()
    code = first if re.fullmatch(r"[a-z][a-z0-9_]{1,60}", first) else ""
    if status >= 500:
        hint = (f"Slack had a server error (HTTP {status}); the message may have been posted: "
                "check the channel before posting again")
    else:
        hint = _HINTS.get(code, f"Slack refused the message (HTTP {status})")
        if hint.endswith("webhook") or hint.endswith("new one") or hint.endswith("from Slack"):
            hint += f", and put its URL in {variable}"
    return SourceError(WEBHOOK_SOURCE, f"{code}: {hint}" if code else hint, status)
