"""GitLab project issues (REST v4), with each changed issue's notes as the thread.

The list is asked only for what changed since the last complete sync (`updated_after`),
newest first, paged by the `Link` header (or `x-next-page`). GitLab has no staff flag:
staff come from the config. System notes ("changed the description") are not replies.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

from inbox.config import Option
from inbox.errors import SourceError
from inbox.models import Cursor, Item, Reply
from inbox.net.http import Session, with_params
from inbox.sources.base import Page, Posted, Source, Stream, SyncContext, activity
from inbox.sources.pagination import link_header_pages
from inbox.text import clean, one_line
from inbox.timeutil import iso, parse_time


def _below(cursor: Cursor, failed: str | None) -> Cursor:
    """Keep the next sync's `updated_after` before an issue whose notes failed to load, so
    it is listed (and its notes tried) again; unchanged issues there cost no extra request."""
    if failed is None:
        return cursor
    floor = iso(parse_time(failed) - timedelta(seconds=1))

    def cap(value: str | None) -> str | None:
        return min(value, floor) if value else value

    return replace(cursor, high_water=cap(cursor.high_water), pending_high_water=cap(cursor.pending_high_water))


def _is_merge_request(raw: dict[str, Any]) -> bool:
    """Merge requests are not inbox items (the issues list should never hold one)."""
    return ("source_branch" in raw or "merge_status" in raw
            or "/-/merge_requests/" in str(raw.get("web_url") or ""))


def _hidden(note: dict[str, Any]) -> bool:
    """System notes are GitLab's own log; internal notes are not seen by who asked."""
    return bool(note.get("system") or note.get("internal") or note.get("confidential"))


class GitLabSource(Source):
    kind = "gitlab"
    required = ("project",)
    options = {"project": Option.ID, "token_env": Option.ENV}
    default_base_url = "https://gitlab.com/api/v4"
    writable = True
    labelable = True
    assignable = True

    @property
    def project(self) -> str:
        """The project path (`group/sub/project`) or id, as one URL path segment."""
        return quote(str(self.config.get("project")).strip("/"), safe="")

    def headers(self) -> dict[str, str]:
        token = self.secret("token_env")
        return {"PRIVATE-TOKEN": token} if token else {}

    async def fetch(self, session: Session, context: SyncContext) -> AsyncIterator[Page]:
        stream = Stream("issues", context.cursor("issues"))
        fresh = with_params(f"{self.base_url}/projects/{self.project}/issues", scope="all", state="all",
                            order_by="updated_at", sort="desc", per_page=100,
                            updated_after=stream.start.high_water)
        failed: str | None = None  # the oldest activity of an issue whose notes failed to load
        async for fetched in link_header_pages(session, stream.first_url(fresh), page_header="x-next-page"):
            if not isinstance(fetched.data, list):
                raise SourceError(self.name, f"expected a list of issues, got something else ({fetched.url})")
            raws = [raw for raw in fetched.data if isinstance(raw, dict)]
            times = [activity(raw.get("updated_at") or raw.get("created_at")) for raw in raws]
            cursor, finished = stream.after_page(times, fetched.next_url)
            issues = [(raw, when) for raw, when in zip(raws, times) if not _is_merge_request(raw)]
            known = context.threads_fetched_at([self.key(raw.get("iid")) for raw, _ in issues])
            items = []
            for issue, when in issues:
                raw: dict[str, Any] = {"issue": issue, "notes": None}
                if known.get(self.key(issue.get("iid"))) != when:
                    raw["notes"] = await self._notes(session, context, issue)
                    if raw["notes"] is None and when:
                        failed = min(failed or when, when)
                item = self.normalize_or_skip(raw, context, f"issue #{issue.get('iid')}", page=fetched.url)
                if item is not None:
                    items.append(item)
            yield Page("issues", items=items, cursor=_below(cursor, failed))
            if finished:
                return

    async def _notes(self, session: Session, context: SyncContext, issue: dict) -> list[dict] | None:
        """Every note of an issue, oldest first; [] without a request when it has none,
        None when they cannot be read (the stored thread stays, and is tried again)."""
        try:
            return await self._read_notes(session, issue)
        except SourceError as exc:
            if not exc.not_there:  # a deleted or hidden issue keeps what the list said
                context.warn(f"issue #{issue.get('iid')} notes: {exc.reason}")
            return None

    async def _read_notes(self, session: Session, issue: dict) -> list[dict]:
        """Every note of an issue, oldest first ([] without a request when it has none)."""
        if not issue.get("user_notes_count"):
            return []
        url = with_params(f"{self.base_url}/projects/{self.project}/issues/{issue.get('iid')}/notes",
                          sort="asc", order_by="created_at", per_page=100)
        notes: list[dict] = []
        async for fetched in link_header_pages(session, url, page_header="x-next-page"):
            if not isinstance(fetched.data, list):
                raise SourceError(self.name, f"expected a list of notes ({fetched.url})")
            notes += [note for note in fetched.data if isinstance(note, dict)]
        return notes

    def _username(self, user: Any) -> str:
        if isinstance(user, dict) and user.get("username"):
            return one_line(user["username"])
        return "ghost"  # GitLab's placeholder for a deleted account

    def _web_url(self, issue: dict[str, Any]) -> str:
        """The issue page when the API leaves `web_url` out: the web root is the API root
        without `/api/v4`; the path comes from `references.full` (the config may hold an id)."""
        root = self.base_url.removesuffix("/api/v4")
        full = str((issue.get("references") or {}).get("full") or "")
        path = full.split("#")[0] if "#" in full else str(self.config.get("project")).strip("/")
        return f"{root}/{path}/-/issues/{issue['iid']}"

    def check_url(self) -> str:
        return f"{self.base_url}/projects/{self.project}"

    def normalize(self, raw: dict[str, Any]) -> Item:
        """`raw` is {"issue": ..., "notes": [...] or None (not fetched)}, or a bare issue."""
        issue = raw.get("issue", raw)
        notes = raw.get("notes") if "issue" in raw else None
        author = self._username(issue.get("author"))
        created = parse_time(issue.get("created_at"))
        replies = int(issue.get("user_notes_count") or 0)
        thread = None if notes is None else [self.normalize_note(n) for n in notes if not _hidden(n)]
        last_reply_by_staff = thread[-1].author_is_staff if replies and thread else None
        labels = [one_line(label.get("name") if isinstance(label, dict) else label)
                  for label in issue.get("labels") or []]
        return Item(
            source=self.name,
            kind=self.kind,
            external_id=str(issue["iid"]),
            url=str(issue.get("web_url") or self._web_url(issue)),
            title=one_line(issue.get("title")),
            body=clean(issue.get("description")).strip(),
            author=author,
            author_is_staff=self.is_staff(author),
            created_at=created,
            last_activity_at=parse_time(issue.get("updated_at")) or created,
            replies=replies,
            last_reply_by_staff=last_reply_by_staff,
            answered=False,
            state="closed" if issue.get("state") == "closed" else "open",
            labels=[label for label in labels if label],
            thread=thread,
        )

    def normalize_note(self, note: dict[str, Any]) -> Reply:
        author = self._username(note.get("author"))
        return Reply(
            external_id=str(note.get("id")),
            author=author,
            author_is_staff=self.is_staff(author),
            created_at=parse_time(note.get("created_at")),
            body=clean(note.get("body")).strip(),
        )

    # --- writing back ------------------------------------------------------------------

    def _issue_url(self, item: Mapping[str, Any]) -> str:
        iid = quote(str(item["external_id"]), safe="")
        return f"{self.base_url}/projects/{self.project}/issues/{iid}"

    async def fetch_thread(self, session: Session, item: Mapping[str, Any]) -> Item:
        """GET .../issues/{iid}, then its notes."""
        url = self._issue_url(item)
        issue, _ = await session.get_json(url)
        if not isinstance(issue, dict):
            raise SourceError(self.name, f"expected an issue ({url})")
        notes = await self._read_notes(session, issue)
        return self.normalize_fetched({"issue": issue, "notes": notes}, f"issue #{item['external_id']}", url)

    async def post_reply(self, session: Session, item: Mapping[str, Any], text: str) -> Posted:
        """POST .../issues/{iid}/notes; the 201 note is the reply the sync will see.

        Raises:
            SourceError: also when GitLab answers 202: the text was only quick actions
                (`/close`), which GitLab ran without creating a note.
        """
        data, response = await session.send_json("POST", f"{self._issue_url(item)}/notes", {"body": text})
        if response.status_code == 202:
            summary = data.get("summary") if isinstance(data, dict) else None
            done = "; ".join(one_line(line) for line in summary if line) if isinstance(summary, list) else ""
            raise session.error("GitLab ran the quick actions but created no note"
                                + (f" ({done})" if done else "")
                                + ": write some text besides the /commands to post a reply", 202)
        if not isinstance(data, dict) or data.get("id") in (None, ""):
            raise session.error("GitLab answered without the note; check the issue before posting again")
        reply = self.normalize_note(data)
        if not isinstance(data.get("author"), dict):
            reply = replace(reply, author="you")
        if reply.created_at is None:
            reply = replace(reply, created_at=datetime.now(timezone.utc))
        return Posted(reply=reply, url=f"{item.get('url')}#note_{reply.external_id}")

    async def add_labels(self, session: Session, item: Mapping[str, Any], labels: list[str]) -> list[str]:
        """PUT .../issues/{iid} with `add_labels` (kept alongside the others); GitLab answers
        with the issue and every label it now has."""
        data, _ = await session.send_json("PUT", self._issue_url(item), {"add_labels": ",".join(labels)})
        if not isinstance(data, dict) or not isinstance(data.get("labels"), list):
            raise session.error("GitLab answered without the issue's labels")
        names = [one_line(label.get("name") if isinstance(label, dict) else label) for label in data["labels"]]
        return [name for name in names if name]

    async def set_assignee(self, session: Session, item: Mapping[str, Any], login: str | None,
                           previous: str | None) -> bool:
        """GitLab assigns by user id: `login` is looked up (`GET /users?username=`), the
        issue read for the assignees it has, and `PUT .../issues/{iid}` given them less
        `previous`, `login` first (an instance that allows one assignee keeps the first).
        GitLab leaves out an id it cannot assign without a word, so the answer is checked."""
        if not login and not previous:
            return False  # nobody the inbox assigned there to take off
        wanted = await self._user_id(session, login) if login else None
        issue, _ = await session.get_json(self._issue_url(item))
        current = _assignees(session, issue)
        kept = [user_id for user_id, username in current.items()
                if user_id != wanted and username.lower() != (previous or "").lower()]
        ids = ([wanted] if wanted is not None else []) + kept
        if set(ids) == set(current):
            return False  # already so
        data, _ = await session.send_json("PUT", self._issue_url(item), {"assignee_ids": ids}, once=False)
        assigned = _assignees(session, data)
        if wanted is not None and wanted not in assigned:
            raise session.error(f"GitLab did not assign {login}: not a member who can be assigned "
                                "issues in this project", 422)
        return True

    async def _user_id(self, session: Session, username: str) -> int:
        """A username's user id (`GET /users?username=`, which finds only that exact user)."""
        data, _ = await session.get_json(with_params(f"{self.base_url}/users", username=username))
        found = [user.get("id") for user in data if isinstance(user, dict)] if isinstance(data, list) else []
        found = [user_id for user_id in found if isinstance(user_id, int) and not isinstance(user_id, bool)]
        if not found:
            raise session.error(f"no GitLab user {username!r}", 404)
        return found[0]


def _assignees(session: Session, issue: Any) -> dict[int, str]:
    """An issue's assignees as GitLab sent it: user id -> username."""
    found = issue.get("assignees") if isinstance(issue, dict) else None
    if not isinstance(found, list):
        raise session.error("GitLab answered without the issue's assignees")
    return {user["id"]: str(user.get("username") or "") for user in found
            if isinstance(user, dict) and isinstance(user.get("id"), int) and not isinstance(user.get("id"), bool)}
