"""A small HTTP server on 127.0.0.1 that speaks just enough GitHub, Discourse and Stack Exchange.

Each channel is an in-memory emulator mounted under a path prefix of one threaded server,
so a config's `base_url` points at it (`server.base_url(github)`). Tests change the
state between syncs (a new comment, a reply, an answer) and inject faults (a 500 on page
3, a 429 with Retry-After) to drive `inbox.sync` end to end over real HTTP.

The emulators follow the public APIs the way ../shared/API-NOTES.md describes them:
GitHub pages with `Link` (next URLs under `/repositories/ID/...`, plus a `deprecation`
rel), weak ETags and 304s that cost no rate limit; Discourse's `more_topics_url`
without `.json`, posters as user ids resolved through `users[]`, staff flags omitted
when false; Stack Exchange's wrapper with `has_more`, quota and `backoff`, epoch times,
HTML entities in titles and names, gzip bodies.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit


def iso_z(moment: datetime | str) -> str:
    """GitHub's form: `2026-03-10T16:20:05Z`."""
    if isinstance(moment, str):
        return moment
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ms(moment: datetime | str) -> str:
    """Discourse's form: `2026-03-10T16:20:05.000Z`."""
    if isinstance(moment, str):
        return moment
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def epoch(moment: datetime | int) -> int:
    """Stack Exchange's form: epoch seconds."""
    return moment if isinstance(moment, int) else int(moment.timestamp())


@dataclass
class Request:
    """One request as the server saw it (the mount prefix already taken off `path`)."""

    channel: str
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    target: str
    """The raw request target, prefix and query included, exactly as sent."""


@dataclass
class Answer:
    """What a handler sends back."""

    status: int = 200
    data: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None

    def body(self) -> bytes:
        if self.raw is not None:
            return self.raw
        if self.data is None:
            return b""
        return json.dumps(self.data).encode("utf-8")


@dataclass
class Fault:
    """Answer matching requests with `answer` instead of the emulator, `times` times (None: always)."""

    matches: Callable[[Request], bool]
    answer: Answer
    times: int | None = None
    hits: int = 0


class Channel:
    """An API emulator mounted at `prefix`; subclasses answer `handle`."""

    name = ""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix.rstrip("/")
        self.requests: list[Request] = []

    def handle(self, request: Request) -> Answer:  # pragma: no cover - abstract
        raise NotImplementedError


# --- GitHub ----------------------------------------------------------------------------


class GitHubAPI(Channel):
    """`/repos/{repo}/issues` and `/repos/{repo}/issues/comments`, paged with Link, ETags, 304s."""

    name = "github"

    def __init__(self, prefix: str = "/github", *, repo: str = "orchardly/orchard-sync",
                 repo_id: int = 4242, per_page: int = 2, token: str | None = None) -> None:
        super().__init__(prefix)
        self.repo, self.repo_id, self.per_page, self.token = repo, repo_id, per_page, token
        self.issues: dict[int, dict] = {}
        self.comments: list[dict] = []
        self.rate_remaining = 5000
        self.not_modified = 0
        self.base = ""  # set by the server when mounted

    # state -------------------------------------------------------------------------
    def add_issue(self, number: int, title: str, *, login: str = "pip-thornbury",
                  association: str = "NONE", created: datetime, updated: datetime | None = None,
                  body: str | None = "It does not work.", labels: tuple[str, ...] = (),
                  state: str = "open", pull_request: bool = False, user_type: str = "User") -> dict:
        html = f"https://github.com/{self.repo}/{'pull' if pull_request else 'issues'}/{number}"
        issue = {
            "url": f"https://api.github.com/repos/{self.repo}/issues/{number}",
            "repository_url": f"https://api.github.com/repos/{self.repo}",
            "html_url": html,
            "id": 5_000_000_000 + number,
            "node_id": f"I_kwDOLoop{number:05d}",
            "number": number,
            "title": title,
            "user": {"login": login, "id": 80_000_000 + sum(map(ord, login)), "type": user_type,
                     "site_admin": False, "html_url": f"https://github.com/{login}"},
            "labels": [{"id": 9_100_000 + i, "name": name, "color": "ededed", "default": False,
                        "description": None} for i, name in enumerate(labels)],
            "state": state,
            "locked": False,
            "assignee": None,
            "assignees": [],
            "milestone": None,
            "comments": 0,
            "created_at": iso_z(created),
            "updated_at": iso_z(updated or created),
            "closed_at": iso_z(updated or created) if state == "closed" else None,
            "author_association": association,
            "active_lock_reason": None,
            "body": body,
            "closed_by": None,
            "reactions": {"total_count": 0, "+1": 0, "-1": 0},
            "performed_via_github_app": None,
            "state_reason": "completed" if state == "closed" else None,
        }
        if pull_request:
            issue["draft"] = False
            issue["pull_request"] = {"url": f"https://api.github.com/repos/{self.repo}/pulls/{number}",
                                     "html_url": html, "merged_at": None}
        self.issues[number] = issue
        return issue

    def add_comment(self, number: int, login: str, association: str, at: datetime,
                    body: str = "Any news?") -> dict:
        """A new comment: the issue's `comments` and `updated_at` move, as on GitHub."""
        comment_id = 3_800_000_000 + len(self.comments) + 1
        comment = {
            "url": f"https://api.github.com/repos/{self.repo}/issues/comments/{comment_id}",
            "html_url": f"https://github.com/{self.repo}/issues/{number}#issuecomment-{comment_id}",
            "issue_url": f"https://api.github.com/repos/{self.repo}/issues/{number}",
            "id": comment_id,
            "node_id": f"IC_kwDOLoop{comment_id}",
            "user": {"login": login, "id": 80_000_000 + sum(map(ord, login)), "type": "User",
                     "site_admin": False},
            "created_at": iso_z(at),
            "updated_at": iso_z(at),
            "author_association": association,
            "body": body,
            "reactions": {"total_count": 0},
            "performed_via_github_app": None,
        }
        self.comments.append(comment)
        issue = self.issues[number]
        issue["comments"] += 1
        issue["updated_at"] = iso_z(at)
        return comment

    def edit_issue(self, number: int, at: datetime, **changes: Any) -> None:
        self.issues[number].update(changes)
        self.issues[number]["updated_at"] = iso_z(at)

    # HTTP --------------------------------------------------------------------------
    def handle(self, request: Request) -> Answer:
        if self.token and request.headers.get("authorization") != f"Bearer {self.token}":
            return Answer(401, {"message": "Bad credentials",
                                "documentation_url": "https://docs.github.com/rest", "status": "401"})
        repo_roots = (f"/repos/{self.repo}", f"/repositories/{self.repo_id}")
        for root in repo_roots:
            if request.path == f"{root}/issues":
                rows = sorted(self.issues.values(), key=lambda i: (i["updated_at"], i["number"]),
                              reverse=True)
                return self._page(request, rows, "issues")
            if request.path == f"{root}/issues/comments":
                rows = sorted(self.comments, key=lambda c: (c["updated_at"], c["id"]), reverse=True)
                return self._page(request, rows, "issues/comments")
        return Answer(404, {"message": "Not Found", "status": "404"})

    def _page(self, request: Request, rows: list[dict], what: str) -> Answer:
        size = min(int(request.query.get("per_page", 30)), self.per_page)
        page = int(request.query.get("page", 1))
        chunk = rows[(page - 1) * size: page * size]
        last = max(1, -(-len(rows) // size))
        body = json.dumps(chunk).encode()
        etag = 'W/"' + hashlib.sha256(body).hexdigest() + '"'
        headers = {"ETag": etag, "x-ratelimit-limit": "5000", "x-ratelimit-used": str(5000 - self.rate_remaining),
                   "x-ratelimit-reset": str(int(time.time()) + 3600), "x-ratelimit-resource": "core",
                   "x-github-api-version-selected": "2022-11-28"}
        if request.headers.get("if-none-match") == etag:
            self.not_modified += 1  # a 304 on an authorised request costs nothing
            headers["x-ratelimit-remaining"] = str(self.rate_remaining)
            return Answer(304, headers=headers)
        self.rate_remaining -= 1
        headers["x-ratelimit-remaining"] = str(self.rate_remaining)
        links = ['<https://docs.github.com/rest/overview/api-versions>; rel="deprecation"; type="text/html"']
        query = {k: v for k, v in request.query.items() if k != "page"}

        def link(n: int) -> str:
            return f"{self.base}/repositories/{self.repo_id}/{what}?" + urlencode({**query, "page": n})

        if page < last:
            links += [f'<{link(page + 1)}>; rel="next"', f'<{link(last)}>; rel="last"']
        if page > 1:
            links += [f'<{link(page - 1)}>; rel="prev"', f'<{link(1)}>; rel="first"']
        headers["Link"] = ", ".join(links)
        return Answer(200, raw=body, headers={"Content-Type": "application/json; charset=utf-8", **headers})


# --- Discourse -------------------------------------------------------------------------


class DiscourseAPI(Channel):
    """`/latest.json?page=N` and `/t/{id}.json` of a forum installed in a subfolder."""

    name = "discourse"

    def __init__(self, prefix: str = "/forum", *, per_page: int = 2, api_key: str | None = None) -> None:
        super().__init__(prefix)
        self.per_page, self.api_key = per_page, api_key
        self.users: dict[int, dict] = {}
        self.topics: dict[int, dict] = {}
        self.posts: dict[int, list[dict]] = {}

    # state -------------------------------------------------------------------------
    def add_user(self, user_id: int, username: str, *, name: str | None = None,
                 admin: bool = False, moderator: bool = False) -> dict:
        user = {"id": user_id, "username": username, "name": name,
                "avatar_template": f"/letter_avatar_proxy/v4/letter/{username[0]}/a9adbd/{{size}}.png",
                "trust_level": 4 if admin else 1}
        if admin:
            user["admin"] = True  # Discourse omits these keys when false
        if moderator:
            user["moderator"] = True
        self.users[user_id] = user
        return user

    def add_topic(self, topic_id: int, title: str, *, user_id: int, at: datetime,
                  cooked: str = "<p>How do I do this?</p>", pinned: bool = False,
                  tags: list | None = None, fancy_title: str | None = None) -> dict:
        self.topics[topic_id] = {
            "id": topic_id,
            "title": title,
            "fancy_title": fancy_title if fancy_title is not None else title.replace("&", "&amp;"),
            "slug": "-".join(title.lower().split())[:40] or "topic",
            "posts_count": 0,
            "reply_count": 0,
            "highest_post_number": 0,
            "image_url": None,
            "created_at": iso_ms(at),
            "last_posted_at": iso_ms(at),
            "bumped": True,
            "bumped_at": iso_ms(at),
            "archetype": "regular",
            "unseen": False,
            "pinned": pinned,
            "unpinned": None,
            "visible": True,
            "closed": False,
            "archived": False,
            "bookmarked": None,
            "liked": None,
            "tags": tags if tags is not None else [],
            "views": 1,
            "like_count": 0,
            "has_summary": False,
            "last_poster_username": None,
            "category_id": 5,
            "pinned_globally": False,
            "featured_link": None,
            "has_accepted_answer": False,
            "posters": [],
        }
        self.posts[topic_id] = []
        self.reply(topic_id, user_id, at, cooked)
        return self.topics[topic_id]

    def reply(self, topic_id: int, user_id: int, at: datetime, cooked: str = "<p>Try this.</p>") -> dict:
        """A new post: posts_count, last_posted_at, bumped_at and posters move."""
        user = self.users[user_id]
        topic, posts = self.topics[topic_id], self.posts[topic_id]
        post = {
            "id": topic_id * 100 + len(posts) + 1,
            "name": user.get("name"),
            "username": user["username"],
            "avatar_template": user["avatar_template"],
            "created_at": iso_ms(at),
            "cooked": cooked,
            "post_number": len(posts) + 1,
            "post_type": 1,
            "updated_at": iso_ms(at),
            "reply_to_post_number": None,
            "topic_id": topic_id,
            "user_id": user_id,
            "trust_level": user["trust_level"],
        }
        for flag in ("admin", "moderator"):
            if user.get(flag):
                post[flag] = True
        if user.get("admin") or user.get("moderator"):
            post["staff"] = True
        posts.append(post)
        topic["posts_count"] = topic["highest_post_number"] = len(posts)
        topic["reply_count"] = len(posts) - 1
        topic["last_posted_at"] = topic["bumped_at"] = iso_ms(at)
        topic["last_poster_username"] = user["username"]
        first, latest = posts[0]["user_id"], user_id
        if first == latest:
            topic["posters"] = [{"extras": "latest single", "description": "Original Poster, Most Recent Poster",
                                 "user_id": first, "primary_group_id": None}]
        else:
            topic["posters"] = [{"extras": None, "description": "Original Poster", "user_id": first,
                                 "primary_group_id": None},
                                {"extras": "latest", "description": "Most Recent Poster", "user_id": latest,
                                 "primary_group_id": None}]
        return post

    # HTTP --------------------------------------------------------------------------
    def handle(self, request: Request) -> Answer:
        if self.api_key and (request.headers.get("api-key") != self.api_key
                             or not request.headers.get("api-username")):
            return Answer(403, {"errors": ["You are not permitted to view the requested resource."],
                                "error_type": "invalid_access"})
        if request.path == "/latest.json":
            return self._latest(int(request.query.get("page", 0)))
        if request.path.startswith("/t/") and request.path.endswith(".json"):
            topic_id = int(request.path[3:-5].rsplit("/", 1)[-1])
            if topic_id in self.topics:
                return self._topic(topic_id)
        return Answer(404, {"errors": ["The requested URL or resource could not be found."],
                            "error_type": "not_found"})

    def _latest(self, page: int) -> Answer:
        pinned = [t for t in self.topics.values() if t["pinned"]]
        rest = sorted((t for t in self.topics.values() if not t["pinned"]),
                      key=lambda t: (t["bumped_at"], t["id"]), reverse=True)
        ordered = pinned + rest
        chunk = ordered[page * self.per_page:(page + 1) * self.per_page]
        ids = {p["user_id"] for t in chunk for p in t["posters"]}
        topic_list: dict[str, Any] = {"can_create_topic": True, "per_page": self.per_page,
                                      "topics": json.loads(json.dumps(chunk))}
        if (page + 1) * self.per_page < len(ordered):
            topic_list["more_topics_url"] = f"{self.prefix}/latest?page={page + 1}"  # no .json
        return Answer(200, {"users": [self.users[i] for i in sorted(ids)], "primary_groups": [],
                            "topic_list": topic_list})

    def _topic(self, topic_id: int) -> Answer:
        topic = self.topics[topic_id]
        detail = {k: v for k, v in topic.items() if k not in ("posters", "unseen", "bumped")}
        detail["post_stream"] = {"posts": self.posts[topic_id][:20],
                                 "stream": [p["id"] for p in self.posts[topic_id]]}
        detail["chunk_size"] = 20
        return Answer(200, detail)


# --- Stack Exchange --------------------------------------------------------------------


class StackExchangeAPI(Channel):
    """`/questions` and `/questions/{ids}/answers` of API 2.3, gzip-compressed."""

    name = "stackexchange"

    def __init__(self, prefix: str = "/so/2.3", *, pagesize: int = 2, key: str | None = None) -> None:
        super().__init__(prefix)
        self.pagesize, self.key = pagesize, key
        self.questions: dict[int, dict] = {}
        self.answers: list[dict] = []
        self.quota_remaining = 10000
        self.backoff: dict[str, int] = {}
        """method -> seconds: sent once with the next response of that method."""

    # state -------------------------------------------------------------------------
    def add_question(self, question_id: int, title: str, *, name: str, at: datetime,
                     tags: tuple[str, ...] = ("orchard-sync",), body: str = "<p>Help?</p>",
                     user_id: int | None = 1) -> dict:
        owner: dict[str, Any] = {"display_name": name}
        if user_id is None:
            owner["user_type"] = "does_not_exist"
        else:
            owner.update(user_id=user_id, user_type="registered", reputation=11,
                         link=f"https://stackoverflow.com/users/{user_id}/x")
        question = {
            "tags": list(tags),
            "owner": owner,
            "is_answered": False,
            "view_count": 5,
            "answer_count": 0,
            "score": 0,
            "last_activity_date": epoch(at),
            "creation_date": epoch(at),
            "question_id": question_id,
            "content_license": "CC BY-SA 4.0",
            "link": f"https://stackoverflow.com/questions/{question_id}/q",
            "title": title,
            "body": body,
        }
        self.questions[question_id] = question
        return question

    def answer(self, question_id: int, name: str, at: datetime, *, body: str = "<p>Do this.</p>",
               accepted: bool = False) -> dict:
        """A new answer: answer_count and last_activity_date move; accepted marks it answered."""
        question = self.questions[question_id]
        answer = {"owner": {"display_name": name, "user_type": "registered", "user_id": 7},
                  "is_accepted": accepted, "score": 0, "last_activity_date": epoch(at),
                  "creation_date": epoch(at), "answer_id": question_id * 10 + len(self.answers) + 1,
                  "question_id": question_id, "content_license": "CC BY-SA 4.0", "body": body}
        self.answers.append(answer)
        question["answer_count"] += 1
        question["last_activity_date"] = epoch(at)
        if accepted:
            question["accepted_answer_id"] = answer["answer_id"]
            question["is_answered"] = True
        return answer

    # HTTP --------------------------------------------------------------------------
    def handle(self, request: Request) -> Answer:
        if self.key and request.query.get("key") != self.key:
            return self._wrap([], False, method="", status=400,
                              error={"error_id": 400, "error_message": "key", "error_name": "bad_parameter"})
        page = int(request.query.get("page", 1))
        size = min(int(request.query.get("pagesize", 30)), self.pagesize)
        if request.path == "/questions":
            rows = sorted(self.questions.values(), key=lambda q: (q["last_activity_date"], q["question_id"]),
                          reverse=True)
            method = "questions"
        elif request.path.startswith("/questions/") and request.path.endswith("/answers"):
            ids = {int(i) for i in request.path.split("/")[2].split(";")}
            rows = sorted((a for a in self.answers if a["question_id"] in ids),
                          key=lambda a: (a["creation_date"], a["answer_id"]))
            method = "answers"
        else:
            return self._wrap([], False, method="", status=404,
                              error={"error_id": 404, "error_message": "no method found with this name",
                                     "error_name": "no_method"})
        chunk = rows[(page - 1) * size: page * size]
        return self._wrap(chunk, page * size < len(rows), method=method)

    def _wrap(self, items: list, has_more: bool, *, method: str, status: int = 200,
              error: dict | None = None) -> Answer:
        self.quota_remaining -= 1
        data: dict[str, Any] = error or {"items": json.loads(json.dumps(items)), "has_more": has_more,
                                         "quota_max": 10000, "quota_remaining": self.quota_remaining}
        if method in self.backoff:
            data["backoff"] = self.backoff.pop(method)
        return Answer(status, raw=gzip.compress(json.dumps(data).encode()),
                      headers={"Content-Type": "application/json; charset=utf-8",
                               "Content-Encoding": "gzip"})


# --- the server ------------------------------------------------------------------------


class Loopback:
    """A ThreadingHTTPServer on 127.0.0.1 (port 0) serving the mounted channels.

    Use as a context manager; `base_url(channel)` is what a config's `base_url` gets.
    """

    def __init__(self, *channels: Channel) -> None:
        self.channels: list[Channel] = []
        self.faults: list[Fault] = []
        self.log: list[Request] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        for channel in channels:
            self.channels.append(channel)

    @property
    def root(self) -> str:
        assert self._server is not None, "the server is not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def base_url(self, channel: Channel) -> str:
        return self.root + channel.prefix

    def fail(self, matches: Callable[[Request], bool], status: int = 500, *, times: int | None = None,
             headers: dict[str, str] | None = None, data: Any = None, raw: bytes | None = None) -> Fault:
        """Answer matching requests with this status instead (times=None: until cleared)."""
        if data is None and raw is None:
            data = {"message": "Server Error"}
        fault = Fault(matches, Answer(status, data, dict(headers or {}), raw), times)
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    # serving -----------------------------------------------------------------------
    def __enter__(self) -> Loopback:
        loopback = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stalls

            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                loopback._serve(self)

            def do_POST(self) -> None:  # noqa: N802
                self.send_response(405)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        for channel in self.channels:
            if isinstance(channel, GitHubAPI):
                channel.base = self.base_url(channel)
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        channel = next((c for c in self.channels if parts.path == c.prefix
                        or parts.path.startswith(c.prefix + "/")), None)
        request = Request(
            channel=channel.name if channel else "",
            method=handler.command,
            path=parts.path[len(channel.prefix):] if channel else parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in handler.headers.items()},
            target=handler.path,
        )
        with self._lock:
            self.log.append(request)
            fault = next((f for f in self.faults if f.matches(request)), None)
            if fault is not None:
                fault.hits += 1
                if fault.times is not None and fault.hits >= fault.times:
                    self.faults.remove(fault)
            if channel is not None:
                channel.requests.append(request)
            if fault is not None:
                answer = fault.answer
            elif channel is None:
                answer = Answer(404, {"message": "no channel mounted here"})
            else:
                try:
                    answer = channel.handle(request)
                except Exception as exc:  # a bug in an emulator shows as a 500 naming it
                    answer = Answer(500, {"message": f"emulator error: {type(exc).__name__}: {exc}"})
        body = answer.body() if answer.status != 304 else b""
        handler.send_response(answer.status)
        headers = {"Content-Type": "application/json; charset=utf-8", **answer.headers}
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if body:
            handler.wfile.write(body)
