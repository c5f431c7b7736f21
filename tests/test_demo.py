"""The bundled demo workspace: realistic, every channel kind, relative times, safe text."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from inbox import demo
from inbox.config import parse
from inbox.query import INBOX_QUERY
from inbox.sources.discourse import DiscourseSource
from inbox.sources.github import GitHubSource
from inbox.sources.stackexchange import StackExchangeSource
from inbox.store import Store, item_json
from inbox.timeutil import parse_time

NOW = datetime(2026, 11, 18, 12, 0, 30, tzinfo=timezone.utc)
# C0 and C1 controls except tab and newline, and the bidi overrides: none may be stored
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Store:
    store = Store(tmp_path_factory.mktemp("demo") / "demo.db")
    demo.load_demo(store, now=NOW)
    yield store
    store.close()


@pytest.fixture(scope="module")
def config():
    return demo.demo_config()


def rows(store: Store, query: str = "", **kwargs) -> list[dict]:
    return store.list_items(query, now=NOW, me=demo.ME, with_body=True, **kwargs)


# --- the config ----------------------------------------------------------------------

def test_demo_config_parses_with_team_sources_and_views(config) -> None:
    assert config.team.me == demo.ME
    assert demo.ME in config.team.staff
    assert config.team.rotation and set(config.team.rotation) <= set(config.team.staff)
    assert config.team.rotation_start is not None
    assert [(s.name, s.kind) for s in config.sources] == [
        ("server", "github"), ("forum", "discourse"), ("so", "stackexchange")]
    assert config.source("forum").get("base_url") == "https://forum.example.org"
    assert 1 <= len(config.views) <= 2
    assert parse(demo.DEMO_CONFIG).team.me == demo.ME  # parse does not consume it


def test_demo_config_holds_no_secrets() -> None:
    text = json.dumps(demo.DEMO_CONFIG, default=str)
    for source in demo.DEMO_CONFIG["sources"]:
        for key in source:
            if "token" in key or "key" in key:
                assert key.endswith("_env"), key  # names an environment variable, never a value
    assert "ghp_" not in text and "Bearer" not in text


# --- loading -------------------------------------------------------------------------

def test_load_returns_the_item_count_and_has_every_kind(store: Store) -> None:
    fresh = Store(":memory:")
    count = demo.load_demo(fresh, now=NOW)
    assert count == fresh.item_count() == store.item_count()
    kinds = {kind: store.count(f"kind:{kind}", now=NOW)
             for kind in ("github", "discourse", "stackexchange")}
    assert kinds["github"] >= 20 and kinds["discourse"] >= 15 and kinds["stackexchange"] >= 12
    assert sum(kinds.values()) == count
    assert [store.item_count(name) for name in ("server", "forum", "so")] == [
        kinds["github"], kinds["discourse"], kinds["stackexchange"]]


def test_everything_goes_through_the_adapters_normalize(monkeypatch) -> None:
    calls: dict[str, int] = {}

    def spy(cls, name):
        original = getattr(cls, name)

        def wrapper(self, raw):
            calls[f"{cls.__name__}.{name}"] = calls.get(f"{cls.__name__}.{name}", 0) + 1
            return original(self, raw)
        monkeypatch.setattr(cls, name, wrapper)

    spy(GitHubSource, "normalize")
    spy(GitHubSource, "normalize_comment")
    spy(DiscourseSource, "normalize")
    spy(StackExchangeSource, "normalize")
    store = Store(":memory:")
    count = demo.load_demo(store, now=NOW)
    assert (calls["GitHubSource.normalize"] + calls["DiscourseSource.normalize"]
            + calls["StackExchangeSource.normalize"]) == count
    assert calls["GitHubSource.normalize_comment"] == sum(
        len(store.thread(r["key"])) for r in store.list_items("kind:github", now=NOW))


def test_raw_payloads_have_each_channels_shape() -> None:
    issues, comments = demo.github_payloads(NOW)
    for issue in issues:
        assert {"number", "title", "body", "user", "author_association", "labels", "comments",
                "state", "created_at", "updated_at", "html_url"} <= set(issue)
        assert issue["created_at"].endswith("Z") and issue["updated_at"] >= issue["created_at"]
        assert all(isinstance(label, dict) and "name" in label for label in issue["labels"])
    assert all(issue["comments"] == sum(c["issue_url"].endswith(f"/issues/{issue['number']}")
                                        for c in comments) for issue in issues)
    assert any(issue["user"] is None for issue in issues)  # a deleted account
    assert any("\r\n" in (issue["body"] or "") for issue in issues)
    assert any(c["user"]["type"] == "Bot" for c in comments)
    assert all({"id", "issue_url", "user", "author_association", "body", "created_at"} <= set(c)
               for c in comments)

    listing, threads = demo.discourse_payloads(NOW)
    topics = listing["topic_list"]["topics"]
    user_ids = {user["id"] for user in listing["users"]}
    assert topics[0]["pinned"], "/latest.json lists pinned topics first"
    for topic in topics:
        assert {"id", "title", "fancy_title", "slug", "posts_count", "created_at",
                "last_posted_at", "bumped_at", "posters", "last_poster_username"} <= set(topic)
        assert all(p["user_id"] in user_ids for p in topic["posters"])
        posts = threads[topic["id"]]["post_stream"]["posts"]
        assert len(posts) == topic["posts_count"]
        assert all(post["cooked"].startswith("<") for post in posts)
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", topic["created_at"])
    assert any(t["has_accepted_answer"] for t in topics)
    assert any("&rsquo;" in t["fancy_title"] for t in topics)
    assert any(post.get("admin") or post.get("moderator")
               for thread in threads.values() for post in thread["post_stream"]["posts"])

    questions, answers = demo.stackexchange_payloads(NOW)
    assert {"items", "has_more", "quota_max", "quota_remaining"} <= set(questions)
    for question in questions["items"]:
        assert isinstance(question["creation_date"], int)
        assert isinstance(question["last_activity_date"], int)
        assert question["answer_count"] == sum(a["question_id"] == question["question_id"]
                                               for a in answers["items"])
    titles = " ".join(q["title"] for q in questions["items"])
    assert "&#39;" in titles and "&quot;" in titles
    assert any(q["owner"]["user_type"] == "does_not_exist" for q in questions["items"])
    assert any("accepted_answer_id" in q for q in questions["items"])


def test_load_is_idempotent(tmp_path) -> None:
    store = Store(tmp_path / "demo.db")
    count = demo.load_demo(store, now=NOW)
    first = [item_json(r) for r in rows(store)]
    threads = {r["key"]: store.thread(r["key"]) for r in rows(store)}
    assert demo.load_demo(store, now=NOW) == count
    assert store.item_count() == count
    assert [item_json(r) for r in rows(store)] == first
    assert {key: store.thread(key) for key in threads} == threads
    store.close()


def test_same_now_same_data() -> None:
    one, two = Store(":memory:"), Store(":memory:")
    demo.load_demo(one, now=NOW)
    demo.load_demo(two, now=NOW)
    assert rows(one) == rows(two)
    assert all(one.thread(r["key"]) == two.thread(r["key"]) for r in rows(one))


def test_times_are_relative_to_now() -> None:
    later = NOW + timedelta(days=40)
    early, late = Store(":memory:"), Store(":memory:")
    demo.load_demo(early, now=NOW)
    demo.load_demo(late, now=later)
    before = {r["key"]: r for r in rows(early)}
    for after in late.list_items("", now=later):
        was = before[after["key"]]
        assert parse_time(after["created_at"]) - parse_time(was["created_at"]) == timedelta(days=40)
        assert parse_time(after["last_activity_at"]) <= later
    # the same views are full at either time
    for query in (INBOX_QUERY, "is:snoozed", "is:done", "idle:>7d", "age:<1h"):
        assert early.count(query, now=NOW, me=demo.ME) == late.count(query, now=later, me=demo.ME)


def test_naive_now_is_taken_as_utc() -> None:
    store = Store(":memory:")
    assert demo.load_demo(store, now=NOW.replace(tzinfo=None)) > 0
    assert rows(store) == rows_of_fresh(NOW)


def rows_of_fresh(now: datetime) -> list[dict]:
    store = Store(":memory:")
    demo.load_demo(store, now=now)
    return rows(store)


# --- what is in it -------------------------------------------------------------------

def test_staff_and_community_authors_and_replies(store: Store) -> None:
    assert store.count("staff:yes", now=NOW) >= 3
    assert store.count("staff:no", now=NOW) >= 30
    for kind in ("github", "discourse", "stackexchange"):
        assert store.count(f"kind:{kind} staff:no", now=NOW) > 0
    for kind in ("github", "discourse"):
        assert store.count(f"kind:{kind} staff:yes", now=NOW) > 0
    replies = [reply for r in rows(store) for reply in store.thread(r["key"])]
    assert any(reply["author_is_staff"] for reply in replies)
    assert any(not reply["author_is_staff"] for reply in replies)
    for kind in ("github", "discourse", "stackexchange"):
        found = [item_json(r)["last_reply_by_staff"] for r in rows(store, f"kind:{kind} replies:>0")]
        assert True in found and False in found, kind
    assert store.count("author:ghost", now=NOW) == 1  # a deleted GitHub account
    assert store.count('author:"user4471"', now=NOW) == 1  # a deleted Stack Overflow account


def test_ages_spread_from_minutes_to_weeks(store: Store) -> None:
    assert store.count("age:<1h", now=NOW) >= 2
    assert store.count("age:<1d age:>=1h", now=NOW) >= 3
    assert store.count("age:>=2d age:<1w", now=NOW) >= 10
    assert store.count("age:>=4w", now=NOW) >= 3
    assert store.count("is:open is:awaiting age:>=2d", now=NOW) >= 5
    assert store.count("is:open idle:>7d staff:no", now=NOW) >= 5
    assert store.count("idle:<1d", now=NOW) >= 5


def test_labels_states_answers_and_pinned(store: Store) -> None:
    for label in ("bug", "enhancement", "Help Wanted", "enterprise", "question"):
        assert store.count(f'label:"{label}"', now=NOW) > 0, label
    assert store.count("is:closed", now=NOW) >= 4
    for kind in ("github", "discourse", "stackexchange"):
        assert store.count(f"kind:{kind} is:closed", now=NOW) > 0, kind
    assert store.count("kind:stackexchange is:answered", now=NOW) >= 2
    assert store.count("kind:discourse is:answered", now=NOW) >= 1
    listing, _ = demo.discourse_payloads(NOW)
    pinned = [t for t in listing["topic_list"]["topics"] if t["pinned"]]
    assert len(pinned) == 1
    assert store.item(f"forum:{pinned[0]['id']}", now=NOW)["author_is_staff"] == 1
    help_wanted = rows(store, 'label:"Help Wanted"')
    assert help_wanted and all(r["author_is_staff"] for r in help_wanted)


def test_urls_and_keys(store: Store) -> None:
    for r in rows(store):
        data = item_json(r)
        assert data["key"] == f"{data['source']}:{data['external_id']}"
        assert data["url"].startswith("https://")
        if data["kind"] == "github":
            assert data["url"] == f"https://github.com/{demo.REPO}/issues/{data['external_id']}"
        if data["kind"] == "discourse":
            assert data["url"].startswith("https://forum.example.org/t/")
            assert data["url"].endswith(f"/{data['external_id']}")
        if data["kind"] == "stackexchange":
            assert data["url"].startswith("https://stackoverflow.com/questions/")


def test_entities_are_decoded(store: Store) -> None:
    titles = [r["title"] for r in rows(store)]
    assert not any(re.search(r"&(#\d+|#x[0-9a-f]+|[a-z]+);", t) for t in titles)
    assert store.count('author:"Émilie Dubois"', now=NOW) == 2
    assert store.count("author:\"Chris O'Neill\"", now=NOW) == 1
    assert any("'" in t for t in titles) and any('"' in t for t in titles)


# --- hostile text stays text ---------------------------------------------------------

def test_no_control_characters_or_escapes_are_stored(store: Store) -> None:
    texts = []
    for r in rows(store):
        texts += [r["title"], r["body"], r["author"], *json.loads(r["labels"])]
        texts += [part for reply in store.thread(r["key"]) for part in (reply["body"], reply["author"])]
    assert len(texts) > 150
    for text in texts:
        assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text, repr(text)
        assert not CONTROL.search(text), repr(text)
    # ...and the raw payloads did carry them, so the test means something
    raw = json.dumps([demo.github_payloads(NOW), demo.discourse_payloads(NOW),
                      demo.stackexchange_payloads(NOW)])
    assert "\\u001b[31m" in raw and "\\u001b]52;" in raw and "\\u001b]8;;" in raw


def test_markup_lookalikes_are_kept_as_plain_text(store: Store) -> None:
    titles = [r["title"] for r in rows(store)]
    assert any("[@click=app.quit]" in t for t in titles)
    assert any("[bold]" in t for t in titles)
    hostile = rows(store, '"click here"')
    assert hostile, "the hostile link-preview issue is searchable as text"
    assert "[@click=app.quit]Click here[/]" in hostile[0]["body"]
    assert "totally safe link" in hostile[0]["body"]
    assert "evil.example.net" not in hostile[0]["body"]  # the OSC 8 target is gone


# --- triage, and every view has something --------------------------------------------

def test_demo_triage(store: Store) -> None:
    for post_type in ("troubleshooting", "feature", "bug", "question"):
        assert store.count(f"{INBOX_QUERY} type:{post_type}", now=NOW) > 0, post_type
    assert store.count("assignee:me -is:done", now=NOW, me=demo.ME) >= 1
    assert store.count("is:done", now=NOW) >= 1
    assert store.count("is:snoozed", now=NOW) >= 1
    assert store.count("is:snoozed", now=NOW + timedelta(days=3)) == 0  # the snooze runs out
    assert store.count("status:planned", now=NOW) >= 1
    assert store.count("type:none", now=NOW) > store.count("-type:none", now=NOW)


def _builtin_queries() -> list[tuple[str, str]]:
    try:
        from inbox.views import BUILTIN_VIEWS
    except ImportError:  # the views module names DESIGN.md's queries; these are the same
        return [("Inbox", INBOX_QUERY), ("Awaiting", f"{INBOX_QUERY} is:awaiting"),
                ("Help Wanted", f"{INBOX_QUERY} is:awaiting age:>=2d"),
                ("Weekly", f"{INBOX_QUERY} idle:>7d staff:no"),
                ("Mine", "-is:done assignee:me"), ("Snoozed", "is:snoozed"), ("Done", "is:done")]
    return [(view.name, view.query) for view in BUILTIN_VIEWS]


@pytest.mark.parametrize(("name", "query"), _builtin_queries() + [
    (view["name"], view["query"]) for view in demo.DEMO_CONFIG["views"]])
def test_every_view_has_something_sensible(store: Store, name: str, query: str) -> None:
    found = rows(store, query)
    total = store.item_count()
    assert found, f"view {name!r} ({query}) is empty in the demo"
    if name not in ("Inbox",):
        assert len(found) < total, f"view {name!r} shows everything"
    if "is:open" in query or query == INBOX_QUERY:
        assert all(r["state"] == "open" for r in found)
    if "-is:done" in query:
        assert not any(r["done"] for r in found)


def test_inbox_leaves_out_done_snoozed_and_closed(store: Store) -> None:
    inbox = {r["key"] for r in rows(store, INBOX_QUERY)}
    for query in ("is:done", "is:snoozed", "is:closed"):
        assert not inbox & {r["key"] for r in rows(store, query)}, query
    assert len(inbox) >= 40


def test_the_demo_module_imports_no_textual() -> None:
    code = "import sys, inbox.demo; sys.exit(1 if 'textual' in sys.modules else 0)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
