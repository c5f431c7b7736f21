"""GitHub issues (pull requests left out) and the repo-wide comment stream.

Both streams use stable URLs sorted by update time, so the stored ETag of the first page
answers an unchanged re-sync with a 304 that costs no rate limit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

from inbox.config import Option
from inbox.errors import SourceError
from inbox.models import Item, Reply
from inbox.net.http import Session
from inbox.sources.base import Page, Posted, Source, Stream, SyncContext, activity
from inbox.sources.pagination import link_header_pages
from inbox.text import clean, one_line
from inbox.timeutil import parse_time

STAFF_ASSOCIATIONS = {"OWNER", "MEMBER", "COLLABORATOR"}
MAX_BODY = 65_536
"""The longest comment GitHub takes (in characters)."""


class GitHubSource(Source):
    kind = "github"
    required = ("repo",)
    options = {"repo": Option.TEXT, "token_env": Option.ENV}
    default_base_url = "https://api.github.com"
    writable = True
    labelable = True
    assignable = True

    @property
    def repo(self) -> str:
        return str(self.config.get("repo")).strip("/")

    def headers(self) -> dict[str, str]:
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        token = self.secret("token_env")
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    async def fetch(self, session: Session, context: SyncContext) -> AsyncIterator[Page]:
        root = f"{self.base_url}/repos/{self.repo}"
        async for page in self._stream(session, context, "issues",
                                       f"{root}/issues?state=all&sort=updated&direction=desc&per_page=100"):
            yield page
        async for page in self._stream(session, context, "comments",
                                       f"{root}/issues/comments?sort=updated&direction=desc&per_page=100"):
            yield page

    async def _stream(self, session: Session, context: SyncContext, name: str,
                      fresh_url: str) -> AsyncIterator[Page]:
        stream = Stream(name, context.cursor(name))
        url = stream.first_url(fresh_url)
        etag = None if stream.resuming else context.etag(url)
        async for fetched in link_header_pages(session, url, etag=etag):
            if fetched.not_modified:
                yield Page(name, not_modified=True)
                return
            if not isinstance(fetched.data, list):
                raise SourceError(self.name, f"expected a list of {name}, got something else ({fetched.url})")
            raws = [raw for raw in fetched.data if isinstance(raw, dict)]
            times = [activity(raw.get("updated_at") or raw.get("created_at")) for raw in raws]
            cursor, finished = stream.after_page(times, fetched.next_url)
            page = Page(name, cursor=cursor, etag=(fetched.url, fetched.etag) if fetched.url == url else None)
            if name == "issues":
                normalized = (self.normalize_or_skip(raw, context, f"issue #{raw.get('number')}",
                                                     page=fetched.url)
                              for raw in raws if "pull_request" not in raw)
                page.items = [item for item in normalized if item is not None]
            else:
                for raw in raws:
                    number = str(raw.get("issue_url") or "").rstrip("/").rsplit("/", 1)[-1]
                    reply = self.normalize_or_skip(raw, context, f"comment {raw.get('id')}", page=fetched.url,
                                                   normalize=self.normalize_comment)
                    if number.isdigit() and reply is not None:
                        page.replies.setdefault(self.key(number), []).append(reply)
            yield page
            if finished:
                return

    def _login(self, user: Any) -> str:
        if isinstance(user, dict) and user.get("login"):
            return clean(user["login"])
        return "ghost"  # GitHub's placeholder for a deleted account

    def _staff(self, login: str, association: Any) -> bool:
        return association in STAFF_ASSOCIATIONS or self.is_staff(login)

    def check_url(self) -> str:
        return f"{self.base_url}/repos/{self.repo}"

    def normalize(self, raw: dict[str, Any]) -> Item:
        login = self._login(raw.get("user"))
        created = parse_time(raw.get("created_at"))
        labels = [one_line(label.get("name") if isinstance(label, dict) else label)
                  for label in raw.get("labels") or []]
        return Item(
            source=self.name,
            kind=self.kind,
            external_id=str(raw["number"]),
            url=str(raw.get("html_url") or f"https://github.com/{self.repo}/issues/{raw['number']}"),
            title=one_line(raw.get("title")),
            body=clean(raw.get("body")).strip(),
            author=login,
            author_is_staff=self._staff(login, raw.get("author_association")),
            created_at=created,
            last_activity_at=parse_time(raw.get("updated_at")) or created,
            replies=int(raw.get("comments") or 0),
            answered=False,
            state="closed" if raw.get("state") == "closed" else "open",
            labels=[label for label in labels if label],
        )

    def normalize_comment(self, raw: dict[str, Any]) -> Reply:
        login = self._login(raw.get("user"))
        return Reply(
            external_id=str(raw.get("id")),
            author=login,
            author_is_staff=self._staff(login, raw.get("author_association")),
            created_at=parse_time(raw.get("created_at")),
            body=clean(raw.get("body")).strip(),
        )

    # --- writing back ------------------------------------------------------------------

    def _issue_url(self, item: Mapping[str, Any]) -> str:
        number = quote(str(item["external_id"]), safe="")
        return f"{self.base_url}/repos/{self.repo}/issues/{number}"

    async def fetch_thread(self, session: Session, item: Mapping[str, Any]) -> Item:
        """GET .../issues/{n} and every page of .../issues/{n}/comments (oldest first)."""
        url = self._issue_url(item)
        issue, _ = await session.get_json(url)
        comments: list[Any] = []
        async for fetched in link_header_pages(session, f"{url}/comments?per_page=100"):
            if not isinstance(fetched.data, list):
                raise SourceError(self.name, f"expected a list of comments ({fetched.url})")
            comments += fetched.data

        def normalize(issue: Any) -> Item:
            fresh = self.normalize(issue)
            thread = [self.normalize_comment(c) for c in comments if isinstance(c, dict)]
            return replace(fresh, thread=thread,
                           last_reply_by_staff=thread[-1].author_is_staff if thread else None)

        return self.normalize_fetched(issue, f"issue #{item['external_id']}", url, normalize)

    async def post_reply(self, session: Session, item: Mapping[str, Any], text: str) -> Posted:
        """POST .../issues/{n}/comments; the 201 comment is the reply the sync will see."""
        if len(text) > MAX_BODY:
            raise SourceError(self.name, f"the reply is {len(text):,} characters; "
                                         f"GitHub takes at most {MAX_BODY:,}")
        data, _ = await session.send_json("POST", f"{self._issue_url(item)}/comments", {"body": text})
        if not isinstance(data, dict) or data.get("id") in (None, ""):
            raise session.error("GitHub answered without the comment; check the issue before "
                                "posting again")
        reply = self.normalize_comment(data)
        if not isinstance(data.get("user"), dict):
            reply = replace(reply, author="you")
        if reply.created_at is None:
            reply = replace(reply, created_at=datetime.now(timezone.utc))
        url = data.get("html_url") or f"{item.get('url')}#issuecomment-{reply.external_id}"
        return Posted(reply=reply, url=str(url))

    async def add_labels(self, session: Session, item: Mapping[str, Any], labels: list[str]) -> list[str]:
        """POST .../issues/{n}/labels adds (never replaces); GitHub answers with them all."""
        data, _ = await session.send_json("POST", f"{self._issue_url(item)}/labels", {"labels": list(labels)})
        if not isinstance(data, list):
            raise session.error("GitHub answered without the issue's labels")
        names = [one_line(label.get("name") if isinstance(label, dict) else label) for label in data]
        return [name for name in names if name]

    async def set_assignee(self, session: Session, item: Mapping[str, Any], login: str | None,
                           previous: str | None) -> bool:
        """POST .../issues/{n}/assignees adds `login`, then DELETE takes `previous` off;
        assignees someone set on GitHub stay. GitHub answers with the issue, and drops a
        login it cannot assign without a word, so the answer is checked for it."""
        url = f"{self._issue_url(item)}/assignees"
        if not login and not previous:
            return False  # nobody the inbox assigned there to take off
        if login:
            data, _ = await session.send_json("POST", url, {"assignees": [login]}, once=False)
            if login.lower() not in _assignees(session, data):
                raise session.error(f"GitHub did not assign {login}: no such user, or not one who can be "
                                    f"assigned on {self.repo}", 422)
        if previous and previous.lower() != (login or "").lower():
            data, _ = await session.send_json("DELETE", url, {"assignees": [previous]}, once=False)
            _assignees(session, data)
        return True


def _assignees(session: Session, issue: Any) -> list[str]:
    """The logins an issue GitHub sent back is assigned to, lowercased."""
    found = issue.get("assignees") if isinstance(issue, dict) else None
    if not isinstance(found, list):
        raise session.error("GitHub answered without the issue's assignees")
    return [str(user.get("login") or "").lower() for user in found if isinstance(user, dict)]
