"""The contract every channel fills in: a kind, its config keys, `fetch` and a pure `normalize`.

A source never touches the store. `fetch` reads what it needs to resume (cursors, ETags,
what is already stored) through a `SyncContext` and yields `Page`s; the sync saves each
page with its cursor in one transaction.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, Protocol

from inbox.config import Option, SourceConfig
from inbox.errors import ConfigError, SourceError
from inbox.models import Cursor, Item, Reply
from inbox.net.http import Session, strip_secrets
from inbox.text import clean, link
from inbox.timeutil import iso, parse_time


@dataclass
class Page:
    """What one fetched page adds to the inbox, and where the stream stands after it."""

    stream: str
    items: list[Item] = field(default_factory=list)
    replies: dict[str, list[Reply]] = field(default_factory=dict)
    cursor: Cursor | None = None
    etag: tuple[str, str | None] | None = None
    not_modified: bool = False
    removed: list[str] = field(default_factory=list)
    """Keys the channel says are gone (a deleted ticket): taken out of the inbox."""


@dataclass(frozen=True)
class Posted:
    """What the channel said when a reply was posted through its API."""

    reply: Reply | None
    """The reply as the channel stored it (its id is the one a later sync sees, so the sync
    updates it instead of adding it twice); None when the channel queued it for review."""
    url: str | None = None
    """Where the reply (or the thread) can be seen."""
    queued: bool = False
    """Accepted but not visible yet (a Discourse post waiting for a moderator)."""


class SyncContext(Protocol):
    """What a source may ask of the sync while fetching (reads only)."""

    now: datetime

    def cursor(self, stream: str) -> Cursor: ...
    def etag(self, url: str) -> str | None: ...
    def threads_fetched_at(self, keys: list[str]) -> dict[str, str]: ...
    def warn(self, message: str) -> None: ...


class Source:
    """Base of every channel adapter.

    Subclasses set `kind`, `required` (config keys that must be present), `options`
    (every config key they read, and what it holds), `default_base_url`, and implement
    `fetch` and `normalize`.
    """

    kind: ClassVar[str] = ""
    required: ClassVar[tuple[str, ...]] = ()
    options: ClassVar[Mapping[str, Option]] = {}
    """This kind's own config keys and what each holds, checked when the config loads (the
    keys every kind takes, such as `base_url` and `write`, are `config.COMMON_OPTIONS`)."""
    default_base_url: ClassVar[str | None] = None
    secret_keys: ClassVar[tuple[str, ...]] = ("token_env",)
    """Config keys naming environment variables that hold this kind's secrets."""
    writable: ClassVar[bool] = False
    """Whether the channel's API lets the team post a reply (else: copy it, open the page)."""
    labelable: ClassVar[bool] = False
    """Whether `add_labels` can put the type tag on the item as a channel label."""
    assignable: ClassVar[bool] = False
    """Whether the channel has assignees, so `set_assignee` writes the inbox's assignment there."""
    min_interval: ClassVar[timedelta] = timedelta(minutes=1)
    """The shortest wait between two syncs that the channel's rate limits allow; `sync
    --watch` and the TUI's background sync never go faster."""

    def __init__(self, config: SourceConfig, *, staff: frozenset[str] = frozenset(),
                 env: Mapping[str, str] | None = None) -> None:
        self.config = config
        self.name = config.name
        self.staff = frozenset(login.lower() for login in staff)
        self.env = os.environ if env is None else env
        base_url = config.get("base_url") or self.default_base_url
        if not base_url:
            raise ConfigError(f"source {self.name!r}: {self.kind} needs base_url = ...")
        self.base_url = str(base_url).rstrip("/")

    # --- configuration helpers -------------------------------------------------

    def secret(self, key: str, *, required: bool = False) -> str | None:
        """The value of the environment variable the config names under `key`.

        Raises:
            ConfigError: the config names a variable that is not set (or names none when
                `required`): said in one line naming both, rather than syncing anonymously;
                or the variable holds what no HTTP header can carry (a non-ASCII character,
                a line break): named, never shown, since it is a secret.
        """
        variable = self.config.get(key)
        if not variable:
            if required:
                raise ConfigError(f"source {self.name!r}: set {key} = \"VARIABLE\" naming the "
                                  "environment variable that holds the secret")
            return None
        value = self.env.get(variable)
        if not value:
            raise ConfigError(f"source {self.name!r}: environment variable {variable} "
                              f"(named by {key}) is not set")
        if not (value.isascii() and value.isprintable()):
            raise ConfigError(f"source {self.name!r}: environment variable {variable} (named by "
                              f"{key}) holds a non-ASCII character or a line break (a token or key "
                              "is printable ASCII)")
        return value

    def secrets(self) -> tuple[str, ...]:
        return tuple(v for v in (self.secret(k) for k in self.secret_keys) if v)

    def headers(self) -> dict[str, str]:
        """Auth and API headers, sent only to `base_url`'s origin (see `Session`)."""
        return {}

    def params(self) -> dict[str, str]:
        """Query parameters sent only to `base_url`'s origin and never stored (an API key)."""
        return {}

    def is_staff(self, login: str | None) -> bool:
        return bool(login) and login.lower() in self.staff

    def key(self, external_id: object) -> str:
        return f"{self.name}:{external_id}"

    def session(self, **kwargs: Any) -> Session:
        """The HTTP session for one sync, check or post: the credentials bound to
        `base_url`'s origin, and the limits a config may set per source (`timeout`: seconds
        one request may take in all; `max_body_mb`: the largest answer read)."""
        limits: dict[str, Any] = {}
        timeout, max_body = self._limit("timeout"), self._limit("max_body_mb")
        if timeout is not None:
            limits["deadline"] = float(timeout)
        if max_body is not None:
            limits["max_body"] = int(max_body * 2**20)
        return Session(self.name, origin=self.base_url, headers=self.headers(), params=self.params(),
                       secrets=self.secrets(), **{**limits, **kwargs})

    def _limit(self, key: str) -> float | None:
        value = self.config.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 10**6:
            raise ConfigError(f"source {self.name!r}: {key} must be a positive number, not {value!r}")
        return value

    # --- the contract ----------------------------------------------------------

    def fetch(self, session: Session, context: SyncContext) -> AsyncIterator[Page]:
        """Page through the channel from where the last sync stopped.

        Yields:
            One `Page` per API page, with the cursor to store alongside it.
        Raises:
            SourceError: the channel failed after retries, or sent a payload we cannot read.
        """
        raise NotImplementedError

    def normalize(self, raw: Any) -> Item:
        """One raw API object -> Item. Pure: no I/O, no clock, no store."""
        raise NotImplementedError

    def check_url(self) -> str:
        """A cheap URL that needs the credentials and the configured target (repo,
        channel, site): what `inbox sources --check` asks for."""
        raise NotImplementedError

    async def check(self, session: Session) -> None:
        """Try the credentials with one cheap request.

        Raises:
            SourceError: the channel refused or could not be reached, said in one line.
        """
        await session.get_json(self.check_url())

    # --- writing back (optional) -------------------------------------------------

    def cannot_post(self) -> str | None:
        """Why a reply cannot be posted through the API (None: it can). When it cannot,
        the inbox copies the reply and opens the page for the user to post by hand."""
        if not self.writable:
            return f"{self.kind} replies are posted by hand"
        return self.cannot_write("post")

    def cannot_write(self, action: str) -> str | None:
        """Why the inbox may not `action` (post, assign) on the channel at all: the source
        says `write = false`, or has no token (None: it may)."""
        if self.config.get("write") is False:
            return f"{action}ing is turned off for source {self.name!r} (write = false)"
        try:
            have_secret = bool(self.secrets())
        except ConfigError as exc:
            return str(exc)
        if not have_secret:
            return f"source {self.name!r} has no token to {action} with"
        return None

    async def post_reply(self, session: Session, item: Mapping[str, Any], text: str) -> Posted:
        """Post `text` (Markdown) as a reply on `item` (a stored row: key, external_id, url).

        Raises:
            SourceError: refused (422 with the channel's reason, 403) or unreachable. A POST
                is never retried after the request may have arrived, so nothing posts twice.
        """
        raise NotImplementedError

    async def add_labels(self, session: Session, item: Mapping[str, Any], labels: list[str]) -> list[str]:
        """Add `labels` to the item on the channel; returns every label it has now.

        Raises:
            SourceError: as for `post_reply`.
        """
        raise NotImplementedError

    async def fetch_thread(self, session: Session, item: Mapping[str, Any]) -> Item:
        """The item as the channel has it now, with its thread up to the newest reply: read
        just before a reply is posted, so one that came meanwhile is seen first. Every
        `writable` kind has one.

        Args:
            item: a stored row (key, external_id, url).
        Returns:
            The item with `thread` filled (all replies, or at least the newest).
        Raises:
            SourceError: refused, unreachable, or an answer that is not the item.
        """
        raise SourceError(self.name, f"{self.kind} items cannot be read one at a time")

    async def set_assignee(self, session: Session, item: Mapping[str, Any], login: str | None,
                           previous: str | None) -> bool:
        """Make `login` (this channel's login of the person, None: nobody) the item's assignee
        on the channel. `previous` is the login the inbox assigned before: where an item may
        have several assignees it is the one taken off, and the rest stay as the channel's
        users set them. Returns whether anything was sent.

        Raises:
            SourceError: refused (no such user, not assignable there, 403, 404, 422: the
                channel's reason) or unreachable.
        """
        raise NotImplementedError

    def normalize_or_skip(self, raw: Any, context: SyncContext, what: str, *, page: str | None = None,
                          normalize: Callable[[Any], Any] | None = None) -> Any:
        """`normalize(raw)` (or the given function, for a comment), but a malformed object
        is skipped with a warning naming it and its page: one bad item never holds up the
        rest of its page, let alone the source. Normalizing is pure, so whatever it raises
        is the object's fault."""
        try:
            return self._normalized(raw, normalize)
        except Exception as exc:
            where = f" on {strip_secrets(page)}" if page else ""
            context.warn(f"skipped {what}: unexpected data{where} ({type(exc).__name__}: {exc})")
            return None

    def normalize_fetched(self, raw: Any, what: str, url: str,
                          normalize: Callable[[Any], Any] | None = None) -> Any:
        """`normalize(raw)` for an item read on its own (`fetch_thread`): a malformed one is
        the channel's error, said in one line, instead of a skipped item."""
        try:
            return self._normalized(raw, normalize)
        except Exception as exc:
            raise SourceError(self.name, f"unexpected data for {what} on {strip_secrets(url)} "
                                         f"({type(exc).__name__}: {exc})") from None

    def _normalized(self, raw: Any, normalize: Callable[[Any], Any] | None) -> Any:
        made = (normalize or self.normalize)(raw)
        if isinstance(made, Item):
            _check_storable(made)
            made.url = link(made.url)  # printed by `inbox list`: no escape sequence hides in it
        return made


def _check_storable(item: Item) -> None:
    """Raises ValueError for what no store row can hold, or no terminal should print: no
    id or one holding control characters, no time, a count past SQLite's integers."""
    if item.external_id in ("", "None") or item.external_id.startswith(("[", "{")):
        raise ValueError(f"no usable id ({item.external_id[:40]!r})")
    if clean(item.external_id) != item.external_id:
        raise ValueError(f"an id with control characters ({clean(item.external_id)[:40]!r})")
    if item.created_at is None or item.last_activity_at is None:
        raise ValueError("no creation time")
    for name in ("replies", "supporters"):
        count = getattr(item, name)
        if count is not None and not -2**63 <= count < 2**63:
            raise ValueError(f"{name} out of range")


def usable_id(value: Any) -> str | int | None:
    """An id from a channel when it is one (text or a whole number), else None: hostile
    data may put a list there, which no lookup can take."""
    return value if isinstance(value, (str, int)) and not isinstance(value, bool) else None


def by_id(objects: Any) -> dict[str | int, dict]:
    """Side-loaded objects (users, statuses) by `id`; any without a usable id left out."""
    found = {}
    for entry in objects if isinstance(objects, list) else []:
        key = usable_id(entry.get("id")) if isinstance(entry, dict) else None
        if key is not None:
            found[key] = entry
    return found


def activity(value: Any) -> str:
    """A raw object's time (`updated_at`, epoch seconds...) as the ISO text a page's order
    is judged by; "" when it is missing or no clock can hold it (`normalize_or_skip` then
    skips the object, and the page goes on)."""
    try:
        return iso(parse_time(value)) or ""
    except (OverflowError, OSError, ValueError):
        return ""


class Stream:
    """Tracks one incremental stream (issues, comments, topics) through a sync.

    Channels list newest activity first; once a page reaches activity older than what the
    last complete sync saw, the rest is known and the stream stops early. The cursor saved
    with each page says where to resume and how far a finished sync has seen.
    """

    def __init__(self, name: str, start: Cursor) -> None:
        self.name = name
        self.start = start
        self.resuming = start.next_url is not None
        self.newest: str | None = start.pending_high_water if self.resuming else None

    def first_url(self, fresh_url: str) -> str:
        return self.start.next_url or fresh_url

    def after_page(self, activity: list[str], next_url: str | None,
                   ordered: list[str] | None = None) -> tuple[Cursor, bool]:
        """The cursor to save with this page and whether the stream is finished.

        Args:
            activity: the last-activity time (ISO) of every object on the page.
            next_url: the next page, if the channel gave one.
            ordered: the times that should be newest first (default: `activity`); the
                early stop is only trusted when they are.
        """
        if activity:
            self.newest = max([self.newest or "", *activity])
        high_water = self.start.high_water
        ordered = activity if ordered is None else ordered
        descending = all(a >= b for a, b in zip(ordered, ordered[1:]))
        caught_up = bool(high_water and ordered and descending and ordered[-1] < high_water)
        if next_url is None or caught_up:
            newest = max(self.newest or "", high_water or "") or None
            return Cursor(next_url=None, high_water=newest, pending_high_water=None), True
        return Cursor(next_url=next_url, high_water=high_water, pending_high_water=self.newest), False
