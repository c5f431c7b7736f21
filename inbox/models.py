"""The inbox's data: what a channel said (Item, Reply) and what the user decided (Triage).

Pure data, no I/O. Channel data and triage never share a type, so a sync that rewrites
an Item can never touch a decision the user made.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo


class PostType(str, enum.Enum):
    """Step 1 of the community process: what kind of post this is."""

    TROUBLESHOOTING = "troubleshooting"
    FEATURE = "feature"
    BUG = "bug"
    QUESTION = "question"

    @property
    def label(self) -> str:
        return _TYPE_LABELS[self]


_TYPE_LABELS = {
    PostType.TROUBLESHOOTING: "Troubleshooting",
    PostType.FEATURE: "Feature Proposal",
    PostType.BUG: "Bug",
    PostType.QUESTION: "Question",
}


CHANNEL_NAMES = {
    "github": "GitHub", "gitlab": "GitLab", "discourse": "the forum",
    "stackexchange": "Stack Overflow", "slack": "Slack", "zendesk": "the help desk",
    "intercom": "chat", "uservoice": "the ideas board",
}
"""How a reply names the channel a post came from (`{channel}`)."""

PRODUCT_NAMES = {
    "github": "GitHub", "gitlab": "GitLab", "discourse": "Discourse",
    "stackexchange": "Stack Overflow", "slack": "Slack", "zendesk": "Zendesk",
    "intercom": "Intercom", "uservoice": "UserVoice",
}
"""Each channel kind by the name its users know it by (what a channel's wait is said in)."""


class IdeaStatus(str, enum.Enum):
    """The idea lifecycle a feature proposal moves through."""

    UNDER_REVIEW = "under-review"
    PLANNED = "planned"
    STARTED = "started"
    HELP_WANTED = "help-wanted"
    COMPLETED = "completed"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return self.value.replace("-", " ").title()


@dataclass(frozen=True)
class Reply:
    """One answer, comment or post in an item's thread, as the channel gave it."""

    external_id: str
    author: str
    author_is_staff: bool
    created_at: datetime
    body: str


@dataclass(frozen=True)
class ChannelWait:
    """The channel's own pause on a post: an Intercom conversation snoozed, a Zendesk ticket
    pending (waiting on the customer) or on hold. It keeps the post out of the Inbox like
    the user's snooze does, but it is channel data: the next sync rewrites it, and it
    never touches the snooze the user set."""

    reason: str
    """The channel's own word: `snoozed`, `pending` or `hold`."""
    until: datetime | None = None
    """When it ends by itself; None: until the channel says otherwise (a later sync)."""

    def describe(self, kind: str | None, now: datetime, zone: tzinfo | None = timezone.utc) -> str:
        """`snoozed in Intercom until Dec 7`, `pending in Zendesk`, `on hold in Zendesk`;
        without a `kind`, the shorter form a list row may have room for (`snoozed until Dec 7`).
        Times are in `zone` (None: local time); UTC says so."""
        words = "on hold" if self.reason == "hold" else self.reason
        text = f"{words} in {PRODUCT_NAMES.get(kind, kind)}" if kind else words
        until = self._until(now, zone)
        if not until:
            return text
        return f"{text} {until}" + (" UTC" if ":" in until and zone is timezone.utc else "")

    def brief(self, now: datetime, zone: tzinfo | None = timezone.utc) -> str:
        """A dozen characters for a list column: `until Dec 7`, `until 15:00`, `pending`, `on hold`."""
        return self._until(now, zone) or ("on hold" if self.reason == "hold" else self.reason)

    def _until(self, now: datetime, zone: tzinfo | None) -> str:
        """`until 15:00` (today in `zone`), `until Dec 7`, `until Jan 3 2027`, or "" (no end)."""
        if self.until is None:
            return ""
        until, today = self.until.astimezone(zone), now.astimezone(zone)
        if until.date() == today.date():
            return f"until {until:%H:%M}"
        year = f" {until.year}" if until.year != today.year else ""
        return f"until {until:%b} {until.day}{year}"


@dataclass
class Item:
    """One post from one channel, normalized. Produced by a source's pure `normalize`."""

    source: str
    kind: str
    external_id: str
    url: str
    title: str
    body: str | None
    """Plain text or Markdown; None = not fetched this time (the stored body is kept)."""
    author: str
    author_is_staff: bool
    created_at: datetime
    last_activity_at: datetime
    replies: int = 0
    last_reply_by_staff: bool | None = None
    answered: bool = False
    state: str = "open"
    labels: list[str] = field(default_factory=list)
    thread: list[Reply] | None = None
    """The replies, when the channel gave them with the item; None = not fetched."""
    idea_status: str | None = None
    """Where an idea board says the idea stands, mapped to our lifecycle (IdeaStatus values).
    Shown as the item's status until the user sets one."""
    supporters: int | None = None
    """How many people back the idea (idea boards only)."""
    channel_wait: ChannelWait | None = None
    """The channel's own snooze or wait, if it has put the post aside."""

    @property
    def key(self) -> str:
        return f"{self.source}:{self.external_id}"


@dataclass
class Triage:
    """What the user decided about an item. Only the user (or their scripts) writes it."""

    key: str
    type: PostType | None = None
    status: IdeaStatus | None = None
    assignee: str | None = None
    done: bool = False
    done_activity_at: str | None = None
    """The item's last activity when it was marked done: newer activity brings it back."""
    snoozed_until: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Cursor:
    """Where a stream of one source stands: mid-sync position and how far it has seen."""

    next_url: str | None = None
    high_water: str | None = None
    pending_high_water: str | None = None
