"""GitLab issues adapter: the shared contract plus what only GitLab does.

The project path is one URL-encoded segment; pages follow `Link` (or `x-next-page` when a
proxy drops `Link`); a re-sync asks only for what changed since the last one; notes are
fetched only for issues whose activity moved, without GitLab's system notes; merge
requests are never items; staff come from the config alone.
"""

from __future__ import annotations

from typing import Any, ClassVar

import httpx

from inbox.config import parse
from inbox.sources import registry
from inbox.store import Store
from tests.adapter_base import (
    NOW,
    AdapterContract,
    Canned,
    Contains,
    FakeChannel,
    FakeSleep,
    NormalizeCase,
    load,
    ok,
)

BASE = "https://gitlab.orchardly.test/api/v4"
ISSUES = "/api/v4/projects/4242/issues"
BY_PATH = "/api/v4/projects/orchardly/orchard-sync/issues"  # httpx shows the path decoded
FIRST = f"{BASE}/projects/4242/issues?scope=all&state=all&order_by=updated_at&sort=desc&per_page=100"
PAGE_2 = FIRST + "&page=2"
RATE = {"ratelimit-limit": "2000", "ratelimit-remaining": "1990", "ratelimit-reset": "1773224400"}


def notes_path(iid: int, issues: str = ISSUES) -> str:
    return f"{issues}/{iid}/notes"


def issue(iid: int, **changes: Any) -> dict:
    for page in ("gitlab_issues_page1.json", "gitlab_issues_page2.json"):
        for raw in load(page):
            if raw["iid"] == iid:
                return {**raw, **changes}
    raise KeyError(iid)


def with_notes(iid: int, **changes: Any) -> dict:
    return {"issue": issue(iid, **changes), "notes": load(f"gitlab_notes_{iid}.json")}


def page_1_headers(first: str = FIRST) -> dict[str, str]:
    return {"Link": f'<{first}&page=2>; rel="next", <{first}&page=1>; rel="first", <{first}&page=2>; rel="last"',
            "x-next-page": "2", "x-page": "1", "x-per-page": "100", "x-prev-page": "", "x-total": "6",
            "x-total-pages": "2", **RATE}


def page_2_headers(first: str = FIRST) -> dict[str, str]:
    return {"Link": f'<{first}&page=1>; rel="prev", <{first}&page=1>; rel="first", <{first}&page=2>; rel="last"',
            "x-next-page": "", "x-page": "2", "x-per-page": "100", "x-prev-page": "1", "x-total": "6",
            "x-total-pages": "2", **RATE}


class TestGitLabAdapter(AdapterContract):
    kind = "gitlab"
    name = "gl"
    base_url = BASE
    secret = "glpat-0rchardTestT0ken5ecret"
    staff = ("QUINCE-R", "maple-jo")
    list_path = ISSUES
    paged_keys: ClassVar[set[str]] = {f"gl:{n}" for n in (58, 57, 55, 52, 50)}
    normalize_cases: ClassVar[list[NormalizeCase]] = [
        NormalizeCase("hostile-title-crlf-body-system-and-internal-notes-left-out", lambda: with_notes(58), {
            "external_id": "58",
            "url": "https://gitlab.orchardly.test/orchardly/orchard-sync/-/issues/58",
            "title": "Sync stalls at 99% when the [bold red]mirror[/] is offline",
            "body": "### Steps\n1. Point `mirror` at a host that is down\n2. Run `orchard sync`\n\n"
                    "The bar sits at 99% for ever.",
            "author": "pip-thornbury",
            "author_is_staff": False,
            "created_at": "2026-03-08T09:00:00Z",
            "last_activity_at": "2026-03-10T16:20:05Z",
            "replies": 3,
            "last_reply_by_staff": False,  # rowan-ek; the internal note after it is not a reply
            "answered": False,
            "state": "open",
            "labels": ["bug", "area::sync"],
            "thread": [("quince-r", True), ("rowan-ek", False)],
        }),
        NormalizeCase("entity-lookalikes-verbatim-null-description-staff-author", lambda: issue(57), {
            "title": "Roadmap: offline mode &amp; <caching>",
            "body": "",
            "author": "Maple-Jo",
            "author_is_staff": True,  # team.staff, case-insensitive
            "replies": 0,
            "last_reply_by_staff": None,
            "labels": [],
            "thread": None,
        }),
        NormalizeCase("deleted-author-is-ghost-closed-staff-replied", lambda: with_notes(55), {
            "author": "ghost",
            "author_is_staff": False,
            "state": "closed",
            "replies": 1,
            "last_reply_by_staff": True,
            "thread": [("quince-r", True)],
            "labels": ["bug", "wontfix"],
        }),
        NormalizeCase("markup-in-text-stays-text", lambda: with_notes(52), {
            "title": "Docs: Tom & Jerry's <Shop> &#39;quoted&#39; example fails",
            "body": Contains("<docs/quickstart.md>", "`&&`", "<script>alert(1)</script> is shown as text."),
            "author": "yarrow.lu",
            "last_reply_by_staff": False,
            "created_at": "2026-03-04T15:00:00Z",
        }),
        NormalizeCase("null-author", lambda: issue(50), {
            "author": "ghost",
            "body": "",
            "created_at": "2026-03-01T07:00:00Z",
            "last_activity_at": "2026-03-01T07:00:00Z",
        }),
        NormalizeCase("no-notes-at-all-is-a-complete-empty-thread", lambda: {"issue": issue(50), "notes": []}, {
            "thread": [],
            "last_reply_by_staff": None,
        }),
        NormalizeCase("label-details-and-reopened", lambda: issue(
            52, state="reopened", labels=[{"id": 1, "name": "bug", "color": "#d9534f"}, {"name": " docs "}]), {
            "labels": ["bug", "docs"],
            "state": "open",
        }),
        NormalizeCase("bare-minimum-without-web-url", lambda: {
            "iid": 9, "title": "Bare", "author": {"username": "a"}, "created_at": "2026-03-01T00:00:00Z",
            "references": {"short": "#9", "full": "orchardly/orchard-sync#9"}}, {
            "url": "https://gitlab.orchardly.test/orchardly/orchard-sync/-/issues/9",
            "body": "",
            "labels": [],
            "replies": 0,
            "state": "open",
            "last_activity_at": "2026-03-01T00:00:00Z",
        }),
    ]

    def options(self, base_url: str) -> dict[str, Any]:
        return {"project": "4242", "token_env": "ORCHARD_GITLAB_TOKEN", "base_url": base_url}

    def env(self) -> dict[str, str]:
        return {"ORCHARD_GITLAB_TOKEN": self.secret}

    def paged_channel(self, timeline: list | None = None, issues: str = ISSUES) -> FakeChannel:
        channel = FakeChannel(timeline)
        first = FIRST.replace(ISSUES, issues.replace("orchardly/", "orchardly%2F"))
        channel.on(issues, ok(load("gitlab_issues_page1.json"), **page_1_headers(first)))
        channel.on(issues, ok(load("gitlab_issues_page2.json"), **page_2_headers(first)), page="2")
        for iid in (58, 55, 52):
            channel.on(notes_path(iid, issues), ok(load(f"gitlab_notes_{iid}.json"), **RATE))
        return channel

    def small_channel(self) -> FakeChannel:
        channel = FakeChannel()
        channel.on(ISSUES, ok(load("gitlab_issues_page2.json"), **RATE))
        channel.on(notes_path(52), ok(load("gitlab_notes_52.json"), **RATE))
        return channel

    def assert_authenticated(self, request: httpx.Request) -> None:
        assert request.headers["private-token"] == self.secret
        assert "authorization" not in request.headers

    def echoing_error(self) -> Canned:
        return Canned(401, {"message": f"401 Unauthorized: token {self.secret} is revoked"})

    # --- what only GitLab does ----------------------------------------------------------

    async def test_a_project_path_is_one_encoded_segment_and_the_query_is_documented(self, store: Store) -> None:
        channel = self.paged_channel(issues=BY_PATH)
        result = await self.sync(channel, store, source=self.source(project="/orchardly/orchard-sync/"))

        assert result.error is None and channel.unmatched == []
        first = channel.requests[0]
        assert first.url.raw_path.startswith(b"/api/v4/projects/orchardly%2Forchard-sync/issues?")
        assert dict(first.url.params) == {"scope": "all", "state": "all", "order_by": "updated_at",
                                          "sort": "desc", "per_page": "100"}
        notes = next(r for r in channel.requests if r.url.path == notes_path(58, BY_PATH))
        assert notes.url.raw_path.startswith(b"/api/v4/projects/orchardly%2Forchard-sync/issues/58/notes?")
        assert dict(notes.url.params) == {"sort": "asc", "order_by": "created_at", "per_page": "100"}
        assert store.item_count("gl") == 5

    async def test_link_next_is_followed_and_x_next_page_empty_ends(self, store: Store) -> None:
        channel = self.paged_channel()
        await self.sync(channel, store)

        lists = [str(r.url) for r in channel.requests if r.url.path == ISSUES]
        assert lists == [FIRST, PAGE_2]

    async def test_without_a_link_header_x_next_page_is_followed(self, store: Store) -> None:
        channel = FakeChannel()
        headers = {k: v for k, v in page_1_headers().items() if k != "Link"}
        channel.on(ISSUES, ok(load("gitlab_issues_page1.json"), **headers))
        page_2 = channel.on(ISSUES, ok(load("gitlab_issues_page2.json"), **{
            k: v for k, v in page_2_headers().items() if k != "Link"}), page="2")
        for iid in (58, 55, 52):
            channel.on(notes_path(iid), ok(load(f"gitlab_notes_{iid}.json")))
        result = await self.sync(channel, store)

        assert result.error is None and channel.unmatched == []
        assert len(page_2.hits) == 1 and str(page_2.hits[0].url) == PAGE_2
        assert {row["key"] for row in store.list_items("", now=NOW)} == self.paged_keys

    async def test_merge_requests_are_not_items(self, store: Store) -> None:
        channel = self.paged_channel()
        await self.sync(channel, store)

        assert store.item("gl:56", now=NOW) is None
        assert not [r for r in channel.requests if "/56/" in r.url.path], "no notes fetched for it"

    async def test_system_notes_are_not_in_the_thread(self, store: Store) -> None:
        await self.sync(self.paged_channel(), store)

        thread = store.thread("gl:58")
        assert [(r["reply_id"], r["author"], r["author_is_staff"]) for r in thread] == [
            ("3302", "quince-r", 1), ("3304", "rowan-ek", 0)]
        assert thread[1]["body"] == "Reproduced on 2.4.1: the uploader never times out.\nA fix is in !56."
        assert [r["reply_id"] for r in store.thread("gl:55")] == ["3201"]
        row = store.item("gl:58", now=NOW)
        assert (row["replies"], row["last_reply_by_staff"]) == (3, 0)
        assert store.item("gl:55", now=NOW)["last_reply_by_staff"] == 1

    async def test_a_resync_asks_only_for_what_changed_and_refetches_only_moved_notes(self, store: Store) -> None:
        await self.sync(self.paged_channel(), store)

        bumped = issue(52, updated_at="2026-03-10T18:00:00.000Z", user_notes_count=2)
        notes = load("gitlab_notes_52.json") + [{**load("gitlab_notes_55.json")[0], "id": 3102,
                                                  "noteable_iid": 52, "created_at": "2026-03-10T18:00:00.000Z",
                                                  "body": "Fixed in the docs, thanks!"}]
        channel = FakeChannel()
        changed = channel.on(ISSUES, ok([bumped, issue(58)], **RATE))
        channel.on(notes_path(52), ok(notes, **RATE))
        result = await self.sync(channel, store)

        assert result.error is None and channel.unmatched == [], [str(r.url) for r in channel.unmatched]
        assert changed.hits[0].url.params["updated_after"] == "2026-03-10T16:20:05Z"
        assert [r.url.path for r in channel.requests] == [ISSUES, notes_path(52)], "58 did not move"
        row = store.item("gl:52", now=NOW)
        assert (row["replies"], row["last_reply_by_staff"]) == (2, 1)
        assert store.db.execute("SELECT high_water, next_url FROM cursors WHERE source = 'gl'").fetchone() == (
            "2026-03-10T18:00:00Z", None)

    async def test_a_failed_notes_fetch_is_a_warning_and_is_tried_again(self, store: Store) -> None:
        channel = self.paged_channel()
        channel.route(notes_path(58)).responses = [Canned(502, {"message": "502 Bad Gateway"})]
        result = await self.sync(channel, store, sleep=FakeSleep())

        assert result.error is None
        assert len(result.warnings) == 1 and "issue #58" in result.warnings[0] and "502" in result.warnings[0]
        assert store.item("gl:58", now=NOW)["title"].startswith("Sync stalls")
        assert store.threads_fetched_at(["gl:58"]) == {}

        again = FakeChannel()
        again.on(ISSUES, ok(load("gitlab_issues_page1.json")[:1], **RATE))
        again.on(notes_path(58), ok(load("gitlab_notes_58.json"), **RATE))
        result = await self.sync(again, store)
        assert result.error is None and len(again.route(notes_path(58)).hits) == 1
        assert [r["author"] for r in store.thread("gl:58")] == ["quince-r", "rowan-ek"]

    async def test_an_interrupted_sync_resumes_at_the_page_it_stopped(self, store: Store) -> None:
        channel = self.paged_channel()
        next(r for r in channel.routes if r.query == {"page": "2"}).responses = [Canned(503, {"message": "down"})]
        result = await self.sync(channel, store, sleep=FakeSleep())
        assert result.error and "503" in result.error
        [(next_url,)] = store.db.execute("SELECT next_url FROM cursors WHERE source = 'gl'").fetchall()
        assert next_url == PAGE_2

        resumed = self.paged_channel()
        result = await self.sync(resumed, store)
        assert result.error is None
        assert str(resumed.requests[0].url) == PAGE_2
        assert {row["key"] for row in store.list_items("", now=NOW)} == self.paged_keys
        assert store.cursor("gl", "issues").high_water == "2026-03-10T16:20:05Z"

    def test_gitlab_com_is_the_default(self) -> None:
        options = {k: v for k, v in self.options(BASE).items() if k != "base_url"}
        config = parse({"sources": [{"name": "gl", "kind": "gitlab", **options}]})

        assert registry.build(config.sources[0], config, env=self.env()).base_url == "https://gitlab.com/api/v4"
