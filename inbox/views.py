"""The sidebar's views: built-in saved searches plus the user's own `[[views]]`.

Each view is just a query, so the sidebar, `inbox list` and the tests agree on what
"Awaiting us" or "Help Wanted sweep" means. The two sweep views are `sweep:` terms: the
very posts `inbox sweep` and the `W` screen list (`inbox.store.sweeps`).
"""

from __future__ import annotations

from inbox.config import Config, View
from inbox.query import INBOX_QUERY
from inbox.timeutil import format_duration

DAILY_SWEEP = View("Help Wanted sweep", "sweep:daily")
WEEKLY_SWEEP = View("Weekly sweep", "sweep:weekly")

BUILTIN_VIEWS: tuple[View, ...] = (
    View("Inbox", INBOX_QUERY),
    View("Awaiting us", f"{INBOX_QUERY} is:awaiting"),
    View("Overdue", f"{INBOX_QUERY} is:overdue"),
    DAILY_SWEEP,
    WEEKLY_SWEEP,
    View("Troubleshooting", f"{INBOX_QUERY} type:troubleshooting"),
    View("Feature proposals", f"{INBOX_QUERY} type:feature"),
    View("Bugs", f"{INBOX_QUERY} type:bug"),
    View("Questions", f"{INBOX_QUERY} type:question"),
    View("Untagged", f"{INBOX_QUERY} type:none"),
    View("Mine", "-is:done assignee:me"),
    View("Snoozed", "is:snoozed"),
    View("Done", "is:done"),
)


def follow_up_view(config: Config) -> View:
    """Assigned, still waiting on us, and handed over longer ago than `follow_up`."""
    return View("Needs follow-up",
                f"{INBOX_QUERY} is:awaiting assigned:>={format_duration(config.team.follow_up)}")


def all_views(config: Config) -> list[View]:
    """Built-in views, then the config's; Mine only when the config says who `me` is."""
    views = [v for v in BUILTIN_VIEWS if v.name != "Mine" or config.team.me]
    snoozed = next(i for i, v in enumerate(views) if v.name == "Snoozed")
    views.insert(snoozed, follow_up_view(config))
    return views + list(config.views)
