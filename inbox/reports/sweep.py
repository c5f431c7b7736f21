"""The Help Wanted sweep: the daily list of posts the whole community is asked to help
with, and the Wednesday list of issues that went quiet, ready to paste or post to Slack.

Which posts each list takes, and in which section, is `inbox.store.sweeps`: the same
definition the sidebar's sweep views and `sweep:daily` / `sweep:weekly` read, so the
message, the `W` screen and the sidebar count the same posts.

A section lists its first `max_per_section` posts, then how many more there are and the
`inbox list` query that shows them all: the store counts each section and reads only the
rows shown, so a message is as long, and as quick, for a million items as for a hundred.

Pure core: reads the store, never writes it. Only `post_to_webhook` does I/O.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from inbox.config import Config, SweepSettings
from inbox.errors import ConfigError, QueryError, SourceError, UsageError
from inbox.net.http import Session
from inbox.query import KINDS, parse_query
from inbox.store import Store, item_json
from inbox.store.sweeps import Part, Slice, define, words
from inbox.text import one_line
from inbox.text.markup import slack_escape
from inbox.timeutil import ago, iso, parse_time

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
    """One post in the sweep: its store row and how long it has waited."""

    item: dict[str, Any]
    age: timedelta
    """Since it was created."""
    idle: timedelta
    """Since its last activity."""
    replies: int


@dataclass
class Section:
    """One part of the message: its first posts, and how many it takes in all."""

    title: str
    entries: list[Entry] = field(default_factory=list)
    """The first `[sweep] max_per_section` posts, in the section's order."""
    total: int = 0
    """How many posts the section takes (counted, not listed); never fewer than the entries."""
    query: str = ""
    """The `inbox list` query that lists every post of the section."""
    exact: bool = True
    """Whether `query` lists only them; when the query language cannot say all the section
    asks (keywords, who posted last), it lists them among others."""

    def __post_init__(self) -> None:
        self.total = max(self.total, len(self.entries))

    @property
    def more(self) -> int:
        """Posts the section takes beyond its entries."""
        return self.total - len(self.entries)


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
        """The posts the message lists."""
        return [entry for section in self.sections for entry in section.entries]

    @property
    def total(self) -> int:
        """The posts the sections take, listed or not."""
        return sum(section.total for section in self.sections)

    @property
    def empty(self) -> bool:
        """Nothing to ask anyone about: the command should not post."""
        return not self.total


def build_sweep(config: Config, store: Store, *, now: datetime, weekly: bool = False,
                bodies: bool = True) -> Sweep:
    """The daily Help Wanted list, or with `weekly` the Wednesday list of quiet issues.

    Each section is counted in the store and only its first `max_per_section` posts are
    read, with their bodies for the JSON format (the other formats show none: pass
    `bodies=False`).
    """
    settings = sweep_settings(config)
    sections = _Sections(config, store, settings, now, bodies)
    defined = define(config)
    listed = [sections.take(part) for part in (defined.weekly if weekly else defined.daily)]
    if weekly:
        channels = _join([_CHANNELS.get(kind, kind) for kind in settings.weekly_kinds])
        return Sweep(
            weekly=True, now=now, sections=listed,
            intro=(f"Issues and questions{' on ' + channels if channels else ''} with no activity for "
                   f"more than {words(settings.weekly_idle)}, not opened by the team:"),
        )
    sources = {source.name: source.kind for source in config.sources}
    kinds = [sources[name] for name in settings.sources if name in sources]
    project = f"{settings.project} " if settings.project else ""
    tags = tuple(dict.fromkeys(_TAGS.get(kind, f"#{kind}") for kind in sorted(set(kinds), key=_kind_order)))
    return Sweep(
        weekly=False, now=now, sections=listed, tags=tags,
        rotation=one_line(config.team.on_rotation(now.date()) or "") or None,
        intro=("These posts are open to everyone in the community. If you find something you "
               "think you know the answer to or can help with, please help post a response and "
               f"be part of creating a vibrant {project}community!"),
    )


class _Sections:
    """Counts and reads the sweep's sections, each once, against one clock."""

    def __init__(self, config: Config, store: Store, settings: SweepSettings, now: datetime,
                 bodies: bool) -> None:
        self.config, self.store, self.settings, self.now, self.bodies = config, store, settings, now, bodies
        self.unexcluded = _negated(settings.exclude)
        self._known: list[str] | None = None

    def known(self) -> list[str]:
        """Every source name the config or the store knows, for `-source:` terms."""
        if self._known is None:
            configured = [source.name for source in self.config.sources]
            self._known = list(dict.fromkeys([*configured, *sorted(self.store.stats.sources())]))
        return self._known

    def take(self, part: Part) -> Section:
        """The section of the posts `part` takes: counted, its first rows read, and the
        `inbox list` query that lists them all."""
        piece = part.slice
        if piece.sources is not None and not piece.sources or piece.kinds is not None and not piece.kinds:
            return Section(part.title)  # no source to sweep
        total, rows = self.store.stats.section(piece, now=self.now, me=self.config.team.me,
                                               limit=self.settings.max_per_section, bodies=self.bodies)
        if self.bodies:  # the JSON format: each post as `inbox list --json` gives it
            rows = self.store.duplicates.attach(list(rows))
        return Section(part.title, [_entry(row, self.now) for row in rows], total=total,
                       query=self._shown(piece), exact=self._exact(piece))

    def _shown(self, piece: Slice) -> str:
        """The slice in the query language, as far as it can say it."""
        terms = [piece.query.text]
        if piece.sources is not None:
            names = list(piece.sources)
            terms += ([_term("source", names[0])] if len(names) == 1
                      else [_term("source", name, negated=True) for name in self.known() if name not in names])
        if piece.kinds is not None:
            kinds = list(piece.kinds)
            terms += ([_term("kind", kinds[0])] if len(kinds) == 1
                      else [_term("kind", kind, negated=True) for kind in KINDS if kind not in kinds])
        # what the section asks that the query language cannot say makes the shown query wider
        terms += [_term("author", login, negated=True) for login in self.config.team.staff if piece.not_by]
        terms.append(self.unexcluded or "")
        return " ".join(term for term in terms if term)

    def _exact(self, piece: Slice) -> bool:
        """Whether the shown query lists only the section's posts."""
        staff = list(self.config.team.staff) if piece.not_by else []
        return (self.unexcluded is not None and piece.release is None and piece.back_to_us is None
                and all(_is_login(self.config, login) for login in staff))


def _term(field_name: str, value: str, *, negated: bool = False) -> str:
    """`field:value` as the filter bar reads it: quoted when it holds a space."""
    shown = value if re.fullmatch(r'[^\s"]+', value) else '"' + value.replace('"', "") + '"'
    return f"{'-' if negated else ''}{field_name}:{shown}"


def _is_login(config: Config, login: str) -> bool:
    """Whether `-author:LOGIN` leaves out exactly that staff login's posts: it also leaves
    out a `[people.LOGIN]`'s other logins, and compares ASCII letters only without case."""
    people = {name.lower() for name in config.people}
    return login.isascii() and '"' not in login and login.lower() not in people


def _negated(exclude: str) -> str | None:
    """`[sweep] exclude` as a term that leaves out what it matches; "" when it matches
    nothing, None when the query language cannot negate it (more than one term)."""
    query = parse_query(exclude)
    if not query.terms:
        return ""
    if len(query.terms) > 1:
        return None
    text = exclude.strip()
    flipped = text[1:] if text.startswith("-") else f"-{text}"
    try:
        terms = parse_query(flipped).terms
    except QueryError:
        return None
    return flipped if terms == (replace(query.terms[0], negated=not query.terms[0].negated),) else None


def _entry(row: dict[str, Any], now: datetime) -> Entry:
    created = parse_time(row["created_at"]) or now
    active = parse_time(row["last_activity_at"]) or created
    return Entry(item=row, age=max(timedelta(0), now - created), idle=max(timedelta(0), now - active),
                 replies=int(row["replies"] or 0))


def _kind_order(kind: str) -> int:
    order = list(_TAGS)
    return order.index(kind) if kind in order else len(order)


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
    heading, line, bullet, text = {"mrkdwn": (_mrkdwn_heading, _mrkdwn_line, "• ", _mrkdwn_text),
                                   "markdown": (_markdown_heading, _markdown_line, "- ", _markdown_text),
                                   "text": (_text_heading, _text_line, "- ", one_line)}[fmt]
    out = [header(sweep, fmt)]
    for section in sweep.sections:
        if not section.entries:
            continue
        out += ["", heading(section.title)]
        out += [line(entry, now, sweep.weekly) for entry in section.entries]
        if section.more:
            out.append(bullet + text(more_line(section)))
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


def more_line(section: Section) -> str:
    """`…and 1,234 more: inbox list '...'`, the words after a section's last post."""
    command = f"inbox list {shlex.quote(section.query)}"
    return (f"…and {section.more:,} more: {command}" if section.exact
            else f"…and {section.more:,} more, among those of {command}")


def sweep_json(sweep: Sweep, now: datetime | None = None) -> dict[str, Any]:
    """`{header, weekly, generated_at, total, sections: [{title, total, more, query,
    query_exact, items: [item JSON + age_days, idle_days]}]}`; titles verbatim, as in
    `inbox list --json`; `total` is every post the sweep takes (what `inbox list
    sweep:daily` lists); `items` are the first of the section's `total` posts (`more` the
    rest), and `query` lists them all (only them when `query_exact`)."""
    now = now or sweep.now
    return {
        "header": header(sweep, "text"),
        "weekly": sweep.weekly,
        "generated_at": iso(now),
        "total": sweep.total,
        "sections": [
            {"title": section.title, "total": section.total, "more": section.more,
             "query": section.query or None, "query_exact": section.exact,
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
    try:  # never quoted: the URL is the secret
        parts = urlsplit(url)
        usable = (parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and url.isprintable()
                  and parts.port != 0)  # reading the port checks its range
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL):
        usable = False
    if not usable:
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
    if response is None or error.status is None or 300 <= error.status < 400:
        # no answer at all (network, timeout), or a redirect not followed: said as it is
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
