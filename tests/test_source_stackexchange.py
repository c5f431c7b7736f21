"""Stack Exchange adapter: the shared contract plus what only Stack Exchange does.

Titles and names come HTML-escaped and times as epoch seconds; `backoff` must be waited
out before the same method is called again; the `key=` parameter raises the quota but is
never stored (not in a cursor, an ETag, an error); answers are fetched only for
questions whose activity moved.
"""

from __future__ import annotations

import gzip
import json
from typing import Any

import httpx

from inbox.store import Store
from inbox.sync import QuietProgress, sync_source
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

BASE = "https://api.stackexchange.test/2.3"
QUESTIONS = "/2.3/questions"
ANSWERS_1 = "/2.3/questions/78000101;78000088;78000075/answers"
ANSWERS_2 = "/2.3/questions/78000051/answers"


def question(question_id: int) -> dict:
    for page in ("stackexchange_questions_page1.json", "stackexchange_questions_page2.json"):
        for raw in load(page)["items"]:
            if raw["question_id"] == question_id:
                return raw
    raise KeyError(question_id)


def answers(question_id: int) -> list[dict]:
    found = []
    for page in ("stackexchange_answers_1.json", "stackexchange_answers_2.json"):
        found += [a for a in load(page)["items"] if a["question_id"] == question_id]
    return found


class TestStackExchangeAdapter(AdapterContract):
    kind = "stackexchange"
    name = "so"
    base_url = BASE
    secret = "Xo0rch4rdK3y*t3st(("  # the shape of a real app key, with characters that URL-encode
    staff = ("Maple Jo",)
    list_path = QUESTIONS
    paged_keys = {f"so:{n}" for n in (78000101, 78000088, 78000075, 78000070, 78000051, 78000049)}
    normalize_cases = [
        NormalizeCase("entities-decoded-unanswered-although-answered-twice",
                      lambda: {"question": question(78000101), "answers": answers(78000101)}, {
            "external_id": "78000101",
            "url": "https://stackoverflow.com/questions/78000101/why-does-orchard-syncs-uploader-return-403-for-s3-gcs-buckets",
            "title": "Why does orchard-sync's uploader return \"403\" for S3 & GCS buckets?",
            "body": "With orchard-sync 2.4 every upload to S3 fails:\n\n403 Forbidden: <AccessDenied>\n\n"
                    "The same credentials work with the AWS CLI (https://aws.amazon.com/cli/).",
            "author": "Fran\u00e7ois L'Estrange",
            "author_is_staff": False,
            "created_at": "2026-03-09T08:00:00Z",
            "last_activity_at": "2026-03-10T17:41:09Z",
            "replies": 2,
            "last_reply_by_staff": True,  # Maple Jo answered last
            "answered": False,  # is_answered is false although there are answers
            "state": "open",
            "labels": ["orchard-sync", "amazon-s3", "google-cloud-storage"],
            "thread": [("Quince R", False), ("Maple Jo", True)],
        }),
        NormalizeCase("accepted-answer", lambda: {"question": question(78000088), "answers": answers(78000088)}, {
            "answered": True,
            "replies": 1,
            "last_reply_by_staff": False,
            "author": "ivy_c",
            "created_at": "2026-03-08T10:00:00Z",
            "thread": [("sorrel.dev", False)],
        }),
        NormalizeCase("deleted-owner-closed-question",
                      lambda: {"question": question(78000075), "answers": answers(78000075)}, {
            "author": "user22001447",
            "author_is_staff": False,
            "state": "closed",
            "answered": False,
            "thread": [("deleted user", False)],
        }),
        NormalizeCase("hostile-title-and-body", lambda: {"question": question(78000070), "answers": None}, {
            "title": "Output shows [bold red]x[/] instead of colours",
            "body": Contains("I ran orchard sync --color and got", "[@click=app.quit] in my log.",
                             lacking=("52;c", "cm0gLXJm")),
            "author": "Tom & Jerry's <Shop>",
            "replies": 0,
            "last_reply_by_staff": None,
            "thread": [],  # no answers: the thread is complete without a fetch
        }),
        NormalizeCase("answers-not-fetched", lambda: {"question": question(78000051), "answers": None}, {
            "title": "orchard-sync <mirror> keeps re-downloading files",
            "body": "Every run downloads everything again.\n\n- version 2.3\n- mirror on SFTP",
            "answered": True,
            "replies": 1,
            "last_reply_by_staff": None,
            "thread": None,
            "last_activity_at": "2026-03-06T09:45:00Z",
        }),
        NormalizeCase("no-owner-at-all", lambda: {"question": question(78000049), "answers": None}, {
            "author": "deleted user",
            "created_at": "2026-03-05T15:20:00Z",
            "labels": ["orchard-sync"],
        }),
        NormalizeCase("bare-question-object", lambda: question(78000049), {
            "external_id": "78000049",
            "title": "Where does orchard-sync keep its cache?",
        }),
    ]

    def options(self, base_url: str) -> dict[str, Any]:
        return {"site": "stackoverflow", "tagged": ["orchard-sync", "python"], "key_env": "SO_APP_KEY",
                "base_url": base_url}

    def env(self) -> dict[str, str]:
        return {"SO_APP_KEY": self.secret}

    def paged_channel(self, timeline: list | None = None) -> FakeChannel:
        channel = FakeChannel(timeline)
        channel.on(QUESTIONS, ok(load("stackexchange_questions_page1.json")), page="1")
        channel.on(QUESTIONS, ok(load("stackexchange_questions_page2.json")), page="2")
        channel.on(ANSWERS_1, ok(load("stackexchange_answers_1.json")))
        channel.on(ANSWERS_2, ok(load("stackexchange_answers_2.json")))
        return channel

    def small_channel(self) -> FakeChannel:
        channel = FakeChannel()
        channel.on(QUESTIONS, ok(load("stackexchange_questions_page2.json")))
        channel.on(ANSWERS_2, ok(load("stackexchange_answers_2.json")))
        return channel

    def assert_authenticated(self, request: httpx.Request) -> None:
        assert request.url.params["key"] == self.secret
        assert request.url.params["site"] == "stackoverflow"

    def echoing_error(self) -> Canned:
        return Canned(400, {"error_id": 400, "error_message": f"key {self.secret} is not valid for this site",
                            "error_name": "bad_parameter"})

    # --- what only Stack Exchange does --------------------------------------------------

    async def test_the_documented_query_is_sent(self, store: Store) -> None:
        channel = self.paged_channel()
        await self.sync(channel, store)

        params = dict(channel.requests[0].url.params)
        assert params == {"key": self.secret, "site": "stackoverflow", "tagged": "orchard-sync;python",
                          "sort": "activity", "order": "desc", "pagesize": "100", "page": "1",
                          "filter": "withbody"}

    async def test_epoch_times_are_stored_as_iso_z(self, store: Store) -> None:
        await self.sync(self.paged_channel(), store)

        row = store.item("so:78000101", now=NOW)
        assert (row["created_at"], row["last_activity_at"]) == ("2026-03-09T08:00:00Z", "2026-03-10T17:41:09Z")
        assert [r["created_at"] for r in store.thread("so:78000101")] == ["2026-03-09T10:00:00Z",
                                                                          "2026-03-10T15:00:00Z"]

    async def test_backoff_is_waited_out_before_the_same_method_is_called_again(self, store: Store) -> None:
        timeline: list = []
        channel = self.paged_channel(timeline)
        sleep = FakeSleep(timeline)

        result = await self.sync(channel, store, sleep=sleep)

        assert result.error is None
        kinds = [(what, value if what == "sleep" else httpx.URL(value).path) for what, value in timeline]
        # page 1 says backoff 10: the answers (another method) go at once, page 2 waits
        assert [k for k, _ in kinds] == ["request", "request", "sleep", "request", "request"]
        assert kinds[0][1] == kinds[3][1] == QUESTIONS and kinds[1][1] == ANSWERS_1
        assert 9 < kinds[2][1] <= 10
        assert httpx.URL(timeline[3][1]).params["page"] == "2"

    async def test_key_is_sent_but_never_stored_even_in_a_resume_cursor(self, store: Store) -> None:
        channel = self.paged_channel()
        channel.route(ANSWERS_2)  # page 2 breaks: the sync stops with a cursor pointing at it
        next(r for r in channel.routes if r.query == {"page": "2"}).responses = [Canned(503, {"error_id": 503})]
        result = await self.sync(channel, store)

        assert result.error and "503" in result.error
        [(next_url,)] = store.db.execute("SELECT next_url FROM cursors WHERE source = 'so'").fetchall()
        assert httpx.URL(next_url).params["page"] == "2" and "key" not in httpx.URL(next_url).params
        for form in self.secret_forms():
            assert form not in next_url
        assert store.db.execute("SELECT count(*) FROM etags WHERE url LIKE '%key=%'").fetchone()[0] == 0

        resumed = self.paged_channel()
        result = await self.sync(resumed, store)

        assert result.error is None
        first = resumed.requests[0].url
        assert first.path == QUESTIONS and first.params["page"] == "2", "resumed where it stopped"
        assert first.params["key"] == self.secret, "the key is added again, not read from the cursor"
        assert store.item_count("so") == 6
        assert store.db.execute("SELECT next_url FROM cursors WHERE source = 'so'").fetchone()[0] is None

    async def test_quota_is_recorded(self, store: Store) -> None:
        await self.sync(self.paged_channel(), store)

        [state] = store.source_states()
        assert (state["rate_remaining"], state["rate_limit"]) == (9968, 10000)

    async def test_answers_are_fetched_only_for_questions_with_new_activity(self, store: Store) -> None:
        await self.sync(self.paged_channel(), store)

        page = load("stackexchange_questions_page1.json")
        page["items"][0]["last_activity_date"] += 600
        page.pop("backoff")
        channel = FakeChannel()
        channel.on(QUESTIONS, ok(page), page="1")
        later = channel.on(QUESTIONS, ok(load("stackexchange_questions_page2.json")), page="2")
        channel.on("/2.3/questions/78000101/answers", ok({**load("stackexchange_answers_1.json"),
                                                          "items": answers(78000101)}))
        result = await self.sync(channel, store)

        assert result.error is None and channel.unmatched == []
        assert [r.url.path for r in channel.requests] == [QUESTIONS, "/2.3/questions/78000101/answers"]
        assert later.hits == [], "page 2 holds only activity the last sync saw"
        assert store.item("so:78000101", now=NOW)["last_activity_at"] == "2026-03-10T17:51:09Z"
        assert store.item("so:78000088", now=NOW)["last_reply_by_staff"] == 0, "kept from the first sync"

    async def test_gzip_responses_are_read(self, store: Store) -> None:
        channel = FakeChannel()
        for path, name in ((QUESTIONS, "stackexchange_questions_page2.json"), (ANSWERS_2, "stackexchange_answers_2.json")):
            channel.on(path, Canned(200, raw=gzip.compress(json.dumps(load(name)).encode()),
                                    headers={"Content-Encoding": "gzip"}))
        result = await self.sync(channel, store)

        assert result.error is None
        assert store.item("so:78000051", now=NOW)["title"] == "orchard-sync <mirror> keeps re-downloading files"

    async def test_an_unexpected_error_quoting_the_url_does_not_show_the_key(self, store: Store) -> None:
        def explode(request: httpx.Request) -> httpx.Response:
            raise RuntimeError(f"proxy said no to {request.url}")  # the key is in there, URL-encoded

        result = await sync_source(self.source(), store, progress=QuietProgress(), now=NOW,
                                   transport=httpx.MockTransport(explode), sleep=FakeSleep())

        assert result.error and "proxy said no to https://api.stackexchange.test/2.3/questions" in result.error
        self.assert_no_secret(result.error)
        [state] = store.source_states()
        self.assert_no_secret(state["last_error"])
