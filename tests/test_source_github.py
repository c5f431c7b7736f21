"""GitHub issues adapter: the shared contract plus what only GitHub does.

Pull requests share the issues list and are left out; pages are followed through the
`Link` header exactly as given; an unchanged re-sync costs two 304s; the repo-wide
comment stream says who replied last.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from inbox.store import Store
from tests.adapter_base import (
    NOW,
    AdapterContract,
    Canned,
    FakeChannel,
    FakeSleep,
    NormalizeCase,
    load,
    ok,
)

BASE = "https://ghe.orchardly.test/api/v3"
ISSUES = "/api/v3/repos/orchardly/orchard-sync/issues"
COMMENTS = "/api/v3/repos/orchardly/orchard-sync/issues/comments"
PAGE_2 = f"{BASE}/repositories/4242/issues?state=all&sort=updated&direction=desc&per_page=100&page=2"
ETAG_ISSUES = 'W/"9c0ffee0issues1"'
ETAG_COMMENTS = 'W/"9c0ffee0comments1"'
RATE = {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "4990", "x-ratelimit-used": "10",
        "x-ratelimit-reset": "1773224400", "x-ratelimit-resource": "core"}


def issue(number: int, **changes: Any) -> dict:
    """One issue from the fixture pages, optionally changed."""
    for page in ("github_issues_page1.json", "github_issues_page2.json"):
        for raw in load(page):
            if raw["number"] == number:
                return {**raw, **changes}
    raise KeyError(number)


def page_1_headers(etag: str = ETAG_ISSUES) -> dict[str, str]:
    return {
        "ETag": etag,
        # a deprecation rel before next, and a last rel: only next is followed
        "Link": ('<https://docs.github.com/rest/overview/api-versions>; rel="deprecation"; type="text/html", '
                 f'<{PAGE_2}>; rel="next", <{PAGE_2}>; rel="last"'),
        **RATE,
    }


def page_2_headers() -> dict[str, str]:
    first = PAGE_2.replace("page=2", "page=1")
    return {"ETag": 'W/"9c0ffee0issues2"', "Link": f'<{first}>; rel="prev", <{first}>; rel="first"', **RATE}


def conditional(etag: str, fresh: Canned) -> Any:
    """GitHub's answer to If-None-Match: 304 (no body, no rate cost) when the ETag still holds."""

    def respond(request: httpx.Request) -> Canned:
        if request.headers.get("if-none-match") == etag:
            return Canned(304, headers={"ETag": etag, **RATE})
        return fresh

    return respond


class TestGitHubAdapter(AdapterContract):
    kind = "github"
    name = "orchard"
    base_url = BASE
    secret = "ghp_0rchardTestToken5ecret000000000000001"
    staff = ("QUINCE-R",)
    list_path = ISSUES
    paged_keys = {f"orchard:{n}" for n in (118, 115, 112, 109, 104, 101)}
    normalize_cases = [
        NormalizeCase("rich-markup-title-crlf-body", lambda: issue(118), {
            "external_id": "118",
            "url": "https://github.com/orchardly/orchard-sync/issues/118",
            "title": "Sync stalls at 99% when the [bold red]mirror[/] is offline",
            "body": "### Steps\n1. Point `mirror` at a host that is down\n2. Run `orchard sync`\n\n"
                    "The bar sits at 99% for ever.",
            "author": "pip-thornbury",
            "author_is_staff": False,
            "created_at": "2026-03-08T09:00:00Z",
            "last_activity_at": "2026-03-10T16:20:05Z",
            "replies": 2,
            "last_reply_by_staff": None,
            "answered": False,
            "state": "open",
            "labels": ["bug", "area: sync"],
            "thread": None,
        }),
        NormalizeCase("owner-with-null-body", lambda: issue(115), {
            "title": "Roadmap: offline mode for orchard-sync",
            "body": "",
            "author": "maple-jo",
            "author_is_staff": True,
            "replies": 0,
            "labels": ["enhancement"],
            "state": "open",
        }),
        NormalizeCase("ghost-author-and-terminal-escapes", lambda: issue(112), {
            "title": "Crash on start when the config is empty",
            "body": "Paste this: [@click=app.quit]Continue[/]\nlink and",
            "author": "ghost",
            "author_is_staff": False,
            "state": "closed",
            "created_at": "2026-03-02T10:10:10Z",
            "last_activity_at": "2026-03-09T08:13:27Z",
        }),
        NormalizeCase("bot-author", lambda: issue(109), {
            "author": "sprout[bot]",
            "author_is_staff": False,
            "labels": ["dependencies"],
            "body": "This issue lists updates the bot has detected.\n\n- [ ] httpx 0.28",
            "created_at": "2026-01-15T00:00:00Z",
        }),
        NormalizeCase("collaborator-closed-not-planned", lambda: issue(104), {
            "author": "fennel-k",
            "author_is_staff": True,
            "state": "closed",
            "labels": ["enhancement", "wontfix"],
            "replies": 1,
        }),
        NormalizeCase("first-time-contributor-title-whitespace", lambda: issue(101), {
            "title": 'Docs: typo in the "Quick start" page',
            "body": "",
            "author": "Yarrow-Lu",
            "author_is_staff": False,
            "labels": ["good first issue"],
        }),
        NormalizeCase("staff-from-config-case-insensitive",
                      lambda: issue(101, user={"login": "Quince-R", "id": 70048801, "type": "User"},
                                    author_association="CONTRIBUTOR"),
                      {"author": "Quince-R", "author_is_staff": True}),
        NormalizeCase("deleted-user-as-null", lambda: issue(101, user=None), {
            "author": "ghost",
            "author_is_staff": False,
        }),
        NormalizeCase("bare-minimum", lambda: {"number": 77, "title": "Bare", "user": {"login": "a"},
                                               "created_at": "2026-03-01T00:00:00Z", "state": "open"}, {
            "url": "https://github.com/orchardly/orchard-sync/issues/77",
            "body": "",
            "labels": [],
            "replies": 0,
            "last_activity_at": "2026-03-01T00:00:00Z",
        }),
    ]

    def options(self, base_url: str) -> dict[str, Any]:
        return {"repo": "orchardly/orchard-sync", "token_env": "ORCHARD_GITHUB_TOKEN", "base_url": base_url}

    def env(self) -> dict[str, str]:
        return {"ORCHARD_GITHUB_TOKEN": self.secret}

    def paged_channel(self, timeline: list | None = None) -> FakeChannel:
        channel = FakeChannel(timeline)
        channel.on(ISSUES, ok(load("github_issues_page1.json"), **page_1_headers()))
        channel.on("/api/v3/repositories/4242/issues", ok(load("github_issues_page2.json"), **page_2_headers()),
                   page="2")
        channel.on(COMMENTS, ok(load("github_comments.json"), ETag=ETAG_COMMENTS, **RATE))
        return channel

    def small_channel(self) -> FakeChannel:
        channel = FakeChannel()
        channel.on(ISSUES, ok(load("github_issues_page2.json"), ETag='W/"small"', **RATE))
        channel.on(COMMENTS, ok([], ETag='W/"none"', **RATE))
        return channel

    def assert_authenticated(self, request: httpx.Request) -> None:
        assert request.headers["authorization"] == f"Bearer {self.secret}"
        assert request.headers["accept"] == "application/vnd.github+json"
        assert request.headers["x-github-api-version"] == "2022-11-28"

    def echoing_error(self) -> Canned:
        return Canned(401, {"message": f"Bad credentials ({self.secret})",
                            "documentation_url": "https://docs.github.com/rest", "status": "401"})

    # --- what only GitHub does ----------------------------------------------------------

    async def test_pull_requests_are_left_out(self, store: Store) -> None:
        await self.sync(self.paged_channel(), store)

        assert store.item("orchard:117", now=NOW) is None
        assert store.db.execute("SELECT count(*) FROM thread WHERE key = 'orchard:117'").fetchone()[0] == 0

    async def test_link_next_is_followed_exactly(self, store: Store) -> None:
        channel = self.paged_channel()
        await self.sync(channel, store)

        issue_requests = [str(r.url) for r in channel.requests if r.url.path != COMMENTS]
        assert issue_requests[0].startswith(f"https://ghe.orchardly.test{ISSUES}?")
        assert issue_requests[1:] == [PAGE_2], "the next page is the Link URL, as given"

    async def test_no_link_header_is_one_page(self, store: Store) -> None:
        channel = self.small_channel()
        result = await self.sync(channel, store)

        assert result.error is None
        assert [r.url.path for r in channel.requests] == [ISSUES, COMMENTS]

    async def test_etag_is_kept_and_an_unchanged_resync_is_two_free_304s(self, store: Store) -> None:
        await self.sync(self.paged_channel(), store)
        etags = dict(store.db.execute("SELECT url, etag FROM etags").fetchall())
        assert sorted(etags.values()) == sorted([ETAG_ISSUES, ETAG_COMMENTS])
        synced = store.db.execute("SELECT key, synced_at FROM items").fetchall()

        channel = FakeChannel()
        channel.on(ISSUES, conditional(ETAG_ISSUES, ok(load("github_issues_page1.json"), **page_1_headers())))
        channel.on(COMMENTS, conditional(ETAG_COMMENTS, ok(load("github_comments.json"), **RATE)))
        later = NOW.replace(hour=12)
        result = await self.sync(channel, store, now=later)

        assert [r.headers.get("if-none-match") for r in channel.requests] == [ETAG_ISSUES, ETAG_COMMENTS]
        assert result.error is None and result.not_modified
        assert (result.items, result.replies, result.pages, result.requests) == (0, 0, 0, 2)
        assert result.summary() == "orchard: unchanged"
        assert store.db.execute("SELECT key, synced_at FROM items").fetchall() == synced
        [state] = store.source_states()
        assert state["rate_remaining"] == 4990 and state["last_success_at"] == "2026-03-11T12:00:00Z"

    async def test_resync_stops_at_activity_it_has_already_seen(self, store: Store) -> None:
        await self.sync(self.paged_channel(), store)

        changed = load("github_issues_page1.json")
        changed[2] = {**changed[2], "title": "Roadmap: offline mode (draft 2)", "updated_at": "2026-03-10T18:00:00Z"}
        changed.insert(0, changed.pop(2))
        channel = FakeChannel()
        channel.on(ISSUES, conditional('W/"new"', ok(changed, **page_1_headers('W/"new"'))))
        page_2 = channel.on("/api/v3/repositories/4242/issues", ok(load("github_issues_page2.json")), page="2")
        channel.on(COMMENTS, conditional(ETAG_COMMENTS, ok(load("github_comments.json"), **RATE)))
        result = await self.sync(channel, store)

        assert result.error is None
        assert page_2.hits == [], "page 2 holds only activity the last sync saw"
        assert store.item("orchard:115", now=NOW)["title"] == "Roadmap: offline mode (draft 2)"
        assert store.etag(f"https://ghe.orchardly.test{ISSUES}?state=all&sort=updated&direction=desc"
                          "&per_page=100") == 'W/"new"'

    async def test_comment_stream_says_who_replied_last(self, store: Store) -> None:
        result = await self.sync(self.paged_channel(), store)

        last = {row["key"]: row["last_reply_by_staff"] for row in store.list_items("", now=NOW)}
        assert last == {
            "orchard:118": 1,     # rowan-ek, MEMBER, after quince-r
            "orchard:115": None,  # no replies
            "orchard:112": None,
            "orchard:109": 0,     # the bot
            "orchard:104": 0,     # a CONTRIBUTOR after the COLLABORATOR opened it
            "orchard:101": 1,     # COLLABORATOR
        }
        thread = store.thread("orchard:118")
        assert [(r["author"], r["author_is_staff"]) for r in thread] == [("quince-r", 1), ("rowan-ek", 1)]
        assert thread[0]["body"] == "Same here with the SFTP mirror."
        assert thread[1]["body"] == "Reproduced on 2.4.1: the uploader never times out.\nA fix is in #117."
        assert result.replies == 6  # every comment on the page, the PR's included (dropped when saved)
        assert store.db.execute("SELECT count(*) FROM thread").fetchone()[0] == 5

    async def test_primary_rate_limit_403_waits_until_reset(self, store: Store) -> None:
        channel = self.small_channel()
        reset = int(time.time()) + 42
        channel.route(ISSUES).responses.insert(0, Canned(
            403, {"message": "API rate limit exceeded for user ID 1."},
            {"x-ratelimit-remaining": "0", "x-ratelimit-limit": "5000", "x-ratelimit-reset": str(reset)}))
        sleep = FakeSleep()

        result = await self.sync(channel, store, sleep=sleep)

        assert result.error is None, result.error
        assert len(sleep.calls) == 1 and 30 < sleep.calls[0] <= 44, sleep.calls
        assert store.item_count("orchard") == 3
