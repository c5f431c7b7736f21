"""Release day for the idea board: each idea Completed since the last release gets a
thank-you drafted (the `feature-shipped` template) and a row in the team's spreadsheet.

An idea belongs to the first release that announced it, so running the command again
for the same version is safe and a later release never thanks the same person twice.
A draft the user already started on an idea is kept, never overwritten.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from inbox.config import Config
from inbox.errors import UsageError
from inbox.respond.templates import TemplateError, TemplateLibrary, render, reply_values
from inbox.store import Store
from inbox.text import one_line

SHIPPED_TEMPLATE = "feature-shipped"
CSV_COLUMNS = ("title", "link", "nominator", "status", "version", "date")


@dataclass
class Announcement:
    item: dict[str, Any]
    version: str
    date: str
    """When the release first announced it (YYYY-MM-DD)."""
    reply: str | None = None
    """The drafted thank-you (None when it could not be drafted)."""
    note: str | None = None
    """Why there is no new draft: an earlier draft kept, or what the template lacks."""

    @property
    def row(self) -> dict[str, str]:
        return {"title": one_line(self.item["title"]), "link": one_line(self.item["url"]),
                "nominator": one_line(self.item["author"]), "status": "Completed",
                "version": self.version, "date": self.date}


def prepare_release(config: Config, store: Store, templates: TemplateLibrary, version: str, *,
                    now: datetime) -> list[Announcement]:
    """The ideas this release announces, each with its thank-you saved as a draft."""
    version = one_line(version)
    if not version:
        raise UsageError("give the release version, e.g. `inbox release 11.2`")
    template = templates.get(SHIPPED_TEMPLATE)
    earlier = store.releases.announced_elsewhere(version)
    ideas = [row for row in store.list_items("status:completed", now=now, me=config.team.me, with_body=False)
             if row["key"] not in earlier]
    ideas.sort(key=lambda row: (row["kind"], row["created_at"], row["key"]))
    store.releases.record(version, [row["key"] for row in ideas], now=now)
    dates = store.releases.dates(version)
    announcements = []
    for row in ideas:
        item = store.item(row["key"], now=now) or row
        announcement = Announcement(item, version, (dates.get(row["key"]) or "")[:10])
        draft = store.drafts.get(row["key"])
        if draft is not None:
            announcement.reply = draft.text if draft.template == SHIPPED_TEMPLATE else None
            announcement.note = ("the thank-you drafted earlier is kept" if draft.template == SHIPPED_TEMPLATE
                                 else "it has another draft in progress: not replaced")
        else:
            try:
                text = render(template, reply_values(item, config, today=now.date(), version=version))
            except TemplateError as exc:
                announcement.note = str(exc)
            else:
                store.drafts.save(row["key"], text, template=SHIPPED_TEMPLATE, now=now)
                announcement.reply = text
        announcements.append(announcement)
    return announcements


def release_csv(announcements: list[Announcement]) -> str:
    """The spreadsheet rows (with a header), as CSV text. Cells that a spreadsheet would
    run as a formula (=, +, -, @ first) are quoted with a leading apostrophe."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for announcement in announcements:
        writer.writerow({name: _cell(value) for name, value in announcement.row.items()})
    return out.getvalue()


def _cell(value: str) -> str:
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
