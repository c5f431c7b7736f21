"""Slack: one channel's top-level messages, each with its thread (Web API).

Every message someone wrote in the channel is an item (joins, bot posts and other
`subtype` events are not); its thread replies are fetched again only when the thread's
`latest_reply` moved. User ids are resolved to names once per sync through `users.info`.

Slack reports failures as HTTP 200 `{"ok": false, "error": "code"}`: those become a
`SourceError` naming the code and what to do about it.

Incremental sync asks `conversations.history` only for messages newer than the last
complete sync (`oldest=`) minus `thread_window` (default 7d): history lists top-level
messages by when they were posted, so a reply to an old message is only seen through its
parent's `latest_reply`. Parents posted within the window are listed again and their
moved threads re-fetched; a reply to a parent older than the window is not seen until
that parent is listed again (`thread_window = "30d"` widens the net, `"0d"` turns it off).
A first sync reads the whole channel, or only its last `history` (e.g. `"90d"`) when set.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

from inbox.config import Option, SourceConfig
from inbox.errors import ConfigError, SourceError
from inbox.models import Cursor, Item, Reply
from inbox.net.http import Session, strip_secrets, with_params
from inbox.sources.base import Page, Posted, Source, Stream, SyncContext
from inbox.sources.pagination import cursor_pages
from inbox.text import clean, one_line
from inbox.text.markup import to_mrkdwn
from inbox.timeutil import iso, parse_duration, parse_time

TITLE_LENGTH = 120
DEFAULT_THREAD_WINDOW = "7d"
POST_SUBTYPES = {None, "file_share"}
"""Top-level messages that are someone's post: plain ones, and a file shared with a note."""
REPLY_SUBTYPES = {None, "file_share", "thread_broadcast", "bot_message", "me_message"}
"""Thread messages that count as replies (a bot's answer is a reply too, never staff)."""
MISSING_USER = {"user_not_found", "user_not_visible", "users_not_found"}

_HINTS = {
    "not_in_channel": "the app is not in the channel: /invite it there first",
    "channel_not_found": "check channel = \"C…\": it is the channel id, not its name, and a "
                         "private channel needs the groups:history scope",
    "invalid_auth": "the token is not valid: check the variable token_env names",
    "not_authed": "no token was sent: set token_env",
    "token_revoked": "the token was revoked: make a new one",
    "token_expired": "the token expired: make a new one",
    "account_inactive": "the token's user or app was deactivated",
    "missing_scope": "the token lacks a scope",
    "ratelimited": "Slack is rate limiting this app: try again in a minute",
    "access_denied": "the token may not read this channel",
    "team_access_not_granted": "the token has no access to this workspace",
    "invalid_cursor": "the saved position expired: sync again to start over",
}
_POST_HINTS = {
    "not_in_channel": "the app is not in the channel: /invite it there first (or give it the "
                      "chat:write.public scope for public channels)",
    "channel_not_found": "check channel = \"C…\": it is the channel id, not its name, and the "
                         "app must be able to see the channel",
    "missing_scope": "the token may not post: add the chat:write scope to the app",
    "is_archived": "the channel is archived: nothing can be posted there",
    "msg_too_long": "the reply is too long for Slack: shorten it",
    "no_text": "the reply is empty",
    "restricted_action": "the workspace does not let this app post in the channel",
    "restricted_action_read_only_channel": "the channel is read-only for this app",
    "restricted_action_thread_only_channel": "the channel only takes replies in threads",
    "cannot_reply_to_message": "Slack does not take replies to this message",
    "rate_limited": "Slack is rate limiting this app: try again in a minute",
}

_MRKDWN = re.compile(r"<([^<>\n]*)>|&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
_TS = re.compile(r"^\d{1,12}(?:\.\d{1,9})?$")


class SlackError(SourceError):
    """Slack answered `ok: false`; `code` is its error code (`not_in_channel`, ...)."""

    def __init__(self, source: str, message: str, code: str) -> None:
        super().__init__(source, message)
        self.code = code


def workspace_url(value: object) -> str | None:
    """`acme`, `acme.slack.com` or `https://acme.slack.com/` -> `https://acme.slack.com`."""
    text = one_line(value).rstrip("/")
    if not text:
        return None
    if text.startswith(("http://", "https://")):
        return text
    return f"https://{text}" if "." in text else f"https://{text}.slack.com"


def _metadata(data: Any) -> dict[str, Any]:
    metadata = data.get("response_metadata") if isinstance(data, dict) else None
    return metadata if isinstance(metadata, dict) else {}


def _next_cursor(data: Any) -> str | None:
    cursor = _metadata(data).get("next_cursor")
    return cursor if isinstance(cursor, str) and cursor else None


def _decode(text: str) -> str:
    """Slack escapes exactly `&`, `<` and `>`; one pass, so `&amp;lt;` stays `&lt;`."""
    return re.sub(r"&(amp|lt|gt);", lambda m: _ENTITIES[m.group(1)], text)


def _ts_time(ts: object) -> datetime | None:
    """A Slack `ts` ("1773158400.001200") -> an aware UTC datetime; ValueError if it is none."""
    if ts is None or ts == "":
        return None
    if not _TS.match(str(ts)):
        raise ValueError(f"not a Slack ts: {one_line(ts)[:40]!r}")
    try:
        return parse_time(float(str(ts)))
    except (OverflowError, OSError) as exc:
        raise ValueError(f"ts out of range: {one_line(ts)[:40]!r}") from exc


def _valid_ts(ts: object) -> bool:
    try:
        return _ts_time(ts) is not None
    except ValueError:
        return False


def _reply_count(message: Mapping[str, Any]) -> int:
    try:
        return max(0, int(message.get("reply_count") or 0))
    except (TypeError, ValueError):
        return 0


def _subtype(message: Any, parent_ts: str | None = None) -> str | None | bool:
    """The message's subtype (None for a plain one); False when it is no message at all."""
    if not isinstance(message, dict) or not isinstance(message.get("ts"), str) or not message["ts"]:
        return False
    subtype = message.get("subtype")
    if (subtype is not None and not isinstance(subtype, str)) or message["ts"] == parent_ts:
        return False
    return subtype


def is_post(message: Any) -> bool:
    """A top-level message someone wrote (not a join, a bot post or a thread reply)."""
    subtype = _subtype(message)
    if subtype is False or subtype not in POST_SUBTYPES or message.get("type", "message") != "message":
        return False
    if message.get("bot_id") and not message.get("user"):
        return False
    thread_ts = message.get("thread_ts")
    return not thread_ts or thread_ts == message.get("ts")


def is_reply(message: Any, parent_ts: str) -> bool:
    """A reply in a thread (the parent, which Slack lists first, is not)."""
    subtype = _subtype(message, parent_ts)
    return subtype is not False and subtype in REPLY_SUBTYPES


class SlackSource(Source):
    kind = "slack"
    required = ("channel",)
    options = {"channel": Option.TEXT, "workspace": Option.ASCII, "history": Option.DURATION,
               "thread_window": Option.DURATION, "token_env": Option.ENV}
    default_base_url = "https://slack.com/api"
    writable = True

    def __init__(self, config: SourceConfig, *, staff: frozenset[str] = frozenset(),
                 env: Mapping[str, str] | None = None) -> None:
        super().__init__(config, staff=staff, env=env)
        self.channel = str(config.get("channel")).strip()
        self.workspace = workspace_url(config.get("workspace"))
        self.thread_window = self._duration("thread_window", DEFAULT_THREAD_WINDOW)
        self.history = self._duration("history", None)
        """How far back a first sync reaches (None: the whole channel)."""
        self._users: dict[str, dict[str, Any] | None] = {}
        """users.info answers by id for this sync; None = the lookup failed (the id is shown)."""
        self._users_unavailable = False
        self._workspace_looked_up = False

    def _duration(self, key: str, default: str | None) -> timedelta | None:
        value = self.config.get(key, default)
        if value is None:
            return None
        try:
            return parse_duration(str(value))
        except ValueError as exc:
            raise ConfigError(f"source {self.name!r}: {key}: {exc}") from None

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret('token_env', required=True)}"}

    # --- fetching ----------------------------------------------------------------

    def _ok(self, session: Session, data: Any, method: str, url: str) -> dict[str, Any]:
        """The body of a successful call; `ok: false` (at HTTP 200) raises a SlackError."""
        if not isinstance(data, dict):
            raise session.error(f"{method}: expected a Slack response object ({strip_secrets(url)})")
        if data.get("ok") is True:
            return data
        code = one_line(data.get("error") or "unknown_error")
        hint = ((_POST_HINTS.get(code) if method == "chat.postMessage" else None)
                or _HINTS.get(code, f"see https://api.slack.com/methods/{method}"))
        if data.get("needed"):
            hint += f" (needs {one_line(data['needed'])})"
        details = _metadata(data).get("messages")
        if isinstance(details, list) and details:
            hint += ": " + session.redactor.line("; ".join(str(d) for d in details if d), 200)
        error = session.error(f"{method}: Slack error {code}: {hint}")
        raise SlackError(self.name, error.reason, code)

    def _history_url(self, high_water: str | None, now: datetime) -> str:
        """The first history page: the whole channel or its last `history` (first sync),
        else what is new since the last complete sync, widened by `thread_window` so recent
        threads are checked again."""
        since = parse_time(high_water)
        if since is not None:
            since -= self.thread_window or timedelta(0)
        elif self.history is not None:
            since = now - self.history
        oldest = f"{int(since.timestamp())}.000000" if since is not None else None
        return with_params(f"{self.base_url}/conversations.history", channel=self.channel,
                           limit=200, oldest=oldest)

    def check_url(self) -> str:
        return with_params(f"{self.base_url}/conversations.info", channel=self.channel)

    async def check(self, session: Session) -> None:
        url = self.check_url()
        data, _ = await session.get_json(url)
        self._ok(session, data, "conversations.info", url)  # Slack says no with HTTP 200

    async def fetch(self, session: Session, context: SyncContext) -> AsyncIterator[Page]:
        workspace = await self._workspace(session)
        start = context.cursor("messages")
        stream = Stream("messages", start)
        fresh = self._history_url(start.high_water, context.now)
        try:
            async for page in self._history(session, context, stream, stream.first_url(fresh), workspace):
                yield page
        except SlackError as exc:
            if exc.code != "invalid_cursor" or not stream.resuming:
                raise
            # The saved position (from an interrupted sync) expired: read from the start of
            # what this sync would have read anyway. Upserts by key make the overlap harmless.
            stream = Stream("messages", Cursor(high_water=start.high_water))
            async for page in self._history(session, context, stream, fresh, workspace):
                yield page

    async def _history(self, session: Session, context: SyncContext, stream: Stream, url: str,
                       workspace: str | None) -> AsyncIterator[Page]:
        async for fetched in cursor_pages(session, url, _next_cursor, param="cursor"):
            data = self._ok(session, fetched.data, "conversations.history", fetched.url)
            if not isinstance(data.get("messages", []), list):
                raise session.error(f"conversations.history: expected a list of messages "
                                    f"({strip_secrets(fetched.url)})")
            posts = [m for m in data.get("messages") or [] if is_post(m)]
            activity = []
            for message in posts:
                try:
                    activity.append(iso(self.activity(message)) or "")
                except (TypeError, ValueError):
                    activity.append("")
            # `oldest=` bounds the listing, and messages come by posting time while activity
            # follows replies: the stream ends with the pages, never early.
            cursor, finished = stream.after_page(activity, fetched.next_url, ordered=[])

            known = context.threads_fetched_at([self.key(m["ts"]) for m in posts])
            threads: dict[str, list[dict] | None] = {}
            for message, when in zip(posts, activity):
                if _reply_count(message) == 0:
                    threads[message["ts"]] = []
                elif when and known.get(self.key(message["ts"])) != when:
                    threads[message["ts"]] = await self._replies(session, context, message["ts"])
            await self._resolve_users(session, context.warn, posts, threads)

            items = []
            for message in posts:
                raw = {"message": message, "users": self._users, "workspace": workspace,
                       "replies": threads.get(message["ts"])}
                item = self.normalize_or_skip(raw, context, f"message {message['ts']}", page=fetched.url)
                if item is not None:
                    items.append(item)
            yield Page("messages", items=items, cursor=cursor)
            if finished:
                return

    async def _workspace(self, session: Session) -> str | None:
        """The workspace URL for permalinks: from the config, else asked once of `auth.test`."""
        if self.workspace or self._workspace_looked_up:
            return self.workspace
        self._workspace_looked_up = True
        try:
            data, _ = await session.get_json(f"{self.base_url}/auth.test")
        except SourceError:
            return None  # the history call that follows says what is wrong
        if isinstance(data, dict) and data.get("ok"):
            self.workspace = workspace_url(data.get("url"))
        return self.workspace

    async def _replies(self, session: Session, context: SyncContext, ts: str) -> list[dict] | None:
        """A thread's replies (the parent left out); None when they cannot be read now, so
        the thread is tried again next sync."""
        try:
            return (await self._read_thread(session, ts))[1]
        except SlackError as exc:
            if exc.code != "thread_not_found":  # a deleted thread is news, not a failure
                context.warn(f"thread {ts}: {exc.reason}")
            return None
        except SourceError as exc:
            if not exc.not_there:
                context.warn(f"thread {ts}: {exc.reason}")
            return None

    async def _read_thread(self, session: Session, ts: str) -> tuple[dict | None, list[dict]]:
        """A thread's parent message (None if no page had it) and its replies, every page."""
        url = with_params(f"{self.base_url}/conversations.replies", channel=self.channel, ts=ts, limit=200)
        parent: dict | None = None
        found: list[dict] = []
        async for fetched in cursor_pages(session, url, _next_cursor, param="cursor"):
            data = self._ok(session, fetched.data, "conversations.replies", fetched.url)
            messages = data.get("messages")
            messages = [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []
            parent = parent or next((m for m in messages if m.get("ts") == ts), None)
            found += [m for m in messages if is_reply(m, ts)]
        return parent, found

    async def _resolve_users(self, session: Session, warn: Callable[[str], None], posts: list[dict],
                             threads: Mapping[str, list[dict] | None]) -> None:
        """Look up, once per sync, every author and mentioned user on this page."""
        wanted: list[str] = []
        for message in [*posts, *(r for replies in threads.values() for r in replies or [])]:
            if isinstance(message.get("user"), str):
                wanted.append(message["user"])
            wanted += _MENTION.findall(str(message.get("text") or ""))
        for user_id in dict.fromkeys(wanted):
            if user_id in self._users or self._users_unavailable:
                continue
            try:
                data, _ = await session.get_json(with_params(f"{self.base_url}/users.info", user=user_id))
                data = self._ok(session, data, "users.info", f"{self.base_url}/users.info")
            except SlackError as exc:
                self._users[user_id] = None
                if exc.code not in MISSING_USER:
                    self._users_unavailable = True
                    warn(f"user names are shown as ids: {exc.reason}")
                continue
            except SourceError as exc:
                self._users[user_id] = None
                if not exc.not_there:
                    self._users_unavailable = True
                    warn(f"user names are shown as ids: {exc.reason}")
                continue
            user = data.get("user")
            self._users[user_id] = user if isinstance(user, dict) else None

    # --- normalizing ---------------------------------------------------------------

    @staticmethod
    def activity(message: Mapping[str, Any]) -> datetime | None:
        """When a message last saw activity: its latest reply, else its posting."""
        posted = _ts_time(message.get("ts"))
        latest = _ts_time(message.get("latest_reply")) if message.get("latest_reply") else None
        return max(posted, latest) if posted and latest else posted

    def permalink(self, ts: str, workspace: str | None) -> str:
        base = workspace or self.workspace or "https://slack.com"
        return f"{base}/archives/{self.channel}/p{ts.replace('.', '')}"

    def _user_name(self, user_id: str, users: Mapping[str, Any]) -> str | None:
        user = users.get(user_id)
        if not isinstance(user, dict):
            return None
        profile = user.get("profile") if isinstance(user.get("profile"), dict) else {}
        for name in (profile.get("display_name"), profile.get("real_name"), user.get("real_name"),
                     user.get("name")):
            if one_line(name):
                return one_line(name)
        return None

    def _author(self, message: Mapping[str, Any], users: Mapping[str, Any]) -> tuple[str, bool]:
        """(name, is staff) of who wrote a message."""
        user_id = message.get("user")
        if isinstance(user_id, str) and user_id:
            user = users.get(user_id) if isinstance(users.get(user_id), dict) else {}
            name = self._user_name(user_id, users) or one_line(user_id)
            profile = user.get("profile") if isinstance(user.get("profile"), dict) else {}
            logins = (name, user_id, user.get("name"), user.get("real_name"), profile.get("real_name"))
            staff = (any(user.get(flag) for flag in ("is_admin", "is_owner", "is_primary_owner"))
                     or any(self.is_staff(one_line(login)) for login in logins if login))
            return name, bool(staff)
        bot = message.get("bot_profile") if isinstance(message.get("bot_profile"), dict) else {}
        name = one_line(bot.get("name") or message.get("username") or message.get("bot_id")) or "unknown"
        return name, False  # a bot never answers for the team

    def readable(self, text: object, users: Mapping[str, Any], *, links: bool = True) -> str:
        """mrkdwn made readable: `<url|text>` -> `text (url)` (just `text` without `links`),
        `<@U1>` -> `@name`, `<#C1|general>` -> `#general`, `<!here>` -> `@here`, and the
        three entities Slack escapes decoded."""

        def token(match: re.Match[str]) -> str:
            if match.group(2):
                return _ENTITIES[match.group(2)]
            target, _, label = match.group(1).partition("|")
            label = _decode(label)
            if target.startswith("@"):
                return "@" + (self._user_name(target[1:], users) or label.lstrip("@") or target[1:])
            if target.startswith("#"):
                return "#" + (label.lstrip("#") or target[1:])
            if target.startswith("!"):
                word = target[1:].split("^", 1)[0]
                if word in ("here", "channel", "everyone"):
                    return "@" + word
                return label or "@" + word  # <!subteam^S1|@docs>, <!date^...|fallback>
            url = _decode(target)
            if url.startswith("mailto:"):
                return label or url[len("mailto:"):]
            if not label or label == url:
                return url
            return f"{label} ({url})" if links else label

        return clean(_MRKDWN.sub(token, str(text or "")))

    def _text(self, message: Mapping[str, Any], users: Mapping[str, Any]) -> str:
        """The whole message, readable, with the names of shared files after it."""
        text = self.readable(message.get("text"), users).strip()
        files = [f"[file: {one_line(f.get('title') or f.get('name'))}]"
                 for f in message.get("files") or [] if isinstance(f, dict) and (f.get("title") or f.get("name"))]
        return "\n".join(part for part in [text, *files] if part)

    def _title(self, message: Mapping[str, Any], users: Mapping[str, Any]) -> str:
        text = self.readable(message.get("text"), users, links=False)
        first = next((one_line(line) for line in text.split("\n") if one_line(line)), "")
        if not first:
            files = [f for f in message.get("files") or [] if isinstance(f, dict)]
            first = one_line(files[0].get("title") or files[0].get("name")) if files else ""
        first = first or "(message without text)"
        if len(first) > TITLE_LENGTH:
            first = first[:TITLE_LENGTH - 1].rstrip() + "…"
        return first

    def normalize(self, raw: dict[str, Any]) -> Item:
        """`raw` is {"message": ..., "users": {id: users.info user}, "replies": [...] or None
        (not fetched), "workspace": URL or None}; a bare message is accepted too."""
        message = raw.get("message", raw)
        users = (raw.get("users") or {}) if "message" in raw else {}
        ts = str(message["ts"])
        created = _ts_time(ts)
        replies = _reply_count(message)
        fetched = raw.get("replies") if "message" in raw else None
        if fetched is not None:
            thread: list[Reply] | None = [self.normalize_reply(r, users) for r in fetched
                                          if _valid_ts(r.get("ts"))]  # a broken reply, not the item
        else:
            thread = [] if replies == 0 else None
        last_reply_by_staff = None
        if replies and thread:
            last_reply_by_staff = max(thread, key=lambda r: (r.created_at, r.external_id)).author_is_staff
        author, staff = self._author(message, users)
        return Item(
            source=self.name,
            kind=self.kind,
            external_id=ts,
            url=self.permalink(ts, raw.get("workspace") if "message" in raw else None),
            title=self._title(message, users),
            body=self._text(message, users),
            author=author,
            author_is_staff=staff,
            created_at=created,
            last_activity_at=self.activity(message) or created,
            replies=replies,
            last_reply_by_staff=last_reply_by_staff,
            answered=False,
            state="open",
            labels=[],
            thread=thread,
        )

    def normalize_reply(self, message: dict[str, Any], users: Mapping[str, Any]) -> Reply:
        author, staff = self._author(message, users)
        return Reply(
            external_id=str(message.get("ts")),
            author=author,
            author_is_staff=staff,
            created_at=_ts_time(message.get("ts")),
            body=self._text(message, users),
        )

    # --- writing back ------------------------------------------------------------------

    async def fetch_thread(self, session: Session, item: Mapping[str, Any]) -> Item:
        """`conversations.replies` of the item's message: the message itself, then its replies."""
        ts = str(item["external_id"])
        workspace = await self._workspace(session)
        parent, replies = await self._read_thread(session, ts)
        if parent is None:
            raise SourceError(self.name, f"conversations.replies did not return message {one_line(ts)}")
        # a name that cannot be looked up shows as its id: not worth a word before posting
        await self._resolve_users(session, lambda warning: None, [parent], {ts: replies})
        raw = {"message": parent, "users": self._users, "workspace": workspace, "replies": replies}
        return self.normalize_fetched(raw, f"message {ts}", f"{self.base_url}/conversations.replies")

    async def post_reply(self, session: Session, item: Mapping[str, Any], text: str) -> Posted:
        """`chat.postMessage` in the item's thread, the Markdown made mrkdwn; the new
        message's `ts` is the reply id the sync will see. `ok: false` raises a SlackError."""
        thread_ts = str(item["external_id"])
        mrkdwn = to_mrkdwn(text)
        url = f"{self.base_url}/chat.postMessage"
        data, _ = await session.send_json("POST", url, {"channel": self.channel, "text": mrkdwn,
                                                        "thread_ts": thread_ts})
        data = self._ok(session, data, "chat.postMessage", url)
        message = data.get("message") if isinstance(data.get("message"), dict) else {}
        ts = message.get("ts") or data.get("ts")
        if not _valid_ts(ts):
            raise session.error("chat.postMessage answered without the message's ts; check the thread "
                                "before posting again")
        message = {"text": mrkdwn, **message, "ts": str(ts)}
        users: dict[str, Any] = dict(self._users)
        bot = message.get("bot_profile") if isinstance(message.get("bot_profile"), dict) else {}
        if isinstance(message.get("user"), str) and not users.get(message["user"]) and bot.get("name"):
            users[message["user"]] = {"name": bot["name"]}  # the app's own name until a sync looks it up
        reply = self.normalize_reply(message, users)
        if not message.get("user") and not message.get("bot_id") and not bot:
            reply = replace(reply, author="you")
        if reply.created_at is None:
            reply = replace(reply, created_at=datetime.now(timezone.utc))
        if self.workspace:
            link = f"{self.permalink(str(ts), self.workspace)}?thread_ts={thread_ts}&cid={self.channel}"
        else:
            link = str(item.get("url") or "") or None
        return Posted(reply=reply, url=link)
