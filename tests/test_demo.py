"""The bundled demo workspace: realistic, every channel kind, relative times, safe text."""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
import subprocess
import sys
import tomllib
from contextlib import closing
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from inbox import config as config_module
from inbox import demo
from inbox.cli import main
from inbox.config import parse
from inbox.models import IdeaStatus
from inbox.query import INBOX_QUERY
from inbox.sources import registry
from inbox.sources.discourse import DiscourseSource
from inbox.sources.github import GitHubSource
from inbox.sources.gitlab import GitLabSource
from inbox.sources.intercom import IntercomSource
from inbox.sources.slack import SlackSource, is_post
from inbox.sources.stackexchange import StackExchangeSource
from inbox.sources.uservoice import UserVoiceSource
from inbox.sources.zendesk import ZendeskSource
from inbox.store import Store, item_json
from inbox.store.sweeps import define as define_sweeps
from inbox.timeutil import parse_time
from inbox.views import all_views

NOW = datetime(2026, 11, 18, 12, 0, 30, tzinfo=timezone.utc)
# C0 and C1 controls except tab and newline, and the bidi overrides: none may be stored
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# every channel kind, with its source name and how many items the demo holds
KINDS = {"github": ("server", 26), "discourse": ("forum", 22), "stackexchange": ("so", 16),
         "gitlab": ("desktop", 6), "slack": ("slack", 7), "zendesk": ("helpdesk", 7),
         "intercom": ("chat", 4), "uservoice": ("ideas", 6)}


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Store:
    store = Store(tmp_path_factory.mktemp("demo") / "demo.db")
    demo.load_demo(store, now=NOW)
    store.sweeps = define_sweeps(demo.demo_config())
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
        ("server", "github"), ("forum", "discourse"), ("so", "stackexchange"),
        ("desktop", "gitlab"), ("slack", "slack"), ("helpdesk", "zendesk"), ("chat", "intercom"),
        ("ideas", "uservoice")]
    assert {s.kind: s.name for s in config.sources} == {kind: name for kind, (name, _) in KINDS.items()}
    assert config.source("forum").get("base_url") == "https://forum.example.org"
    # every adapter builds from it without a secret in sight (the demo never syncs)
    built = {s.name: registry.build(s, config, env={}) for s in config.sources}
    assert built["desktop"].base_url == "https://gitlab.example.org/api/v4"
    assert built["helpdesk"].base_url == "https://parley.zendesk.com"
    assert built["ideas"].base_url == "https://parley.uservoice.com"
    assert built["slack"].workspace == "https://parley-community.slack.com"
    assert 1 <= len(config.views) <= 2
    assert parse(demo.DEMO_CONFIG).team.me == demo.ME  # parse does not consume it


def test_demo_config_holds_no_secrets() -> None:
    text = json.dumps(demo.DEMO_CONFIG, default=str)
    for source in demo.DEMO_CONFIG["sources"]:
        for key in source:
            if "token" in key or "key" in key or "secret" in key or "password" in key:
                assert key.endswith("_env"), key  # names an environment variable, never a value
    assert "ghp_" not in text and "Bearer" not in text and "xox" not in text


def test_the_config_is_a_file_the_config_loader_reads() -> None:
    loaded = config_module.load(demo.CONFIG_PATH, required=True)
    assert loaded.path == demo.CONFIG_PATH and demo.CONFIG_PATH.suffix == ".toml"
    assert demo.DEMO_CONFIG == tomllib.loads(demo.CONFIG_PATH.read_text(encoding="utf-8"))
    assert demo.demo_config() == loaded
    # what the TUI's sweep, SLA, rules and People screen read is in the file
    assert {"team", "sources", "views", "people", "jira", "docs", "sweep", "sla", "rules"} <= set(demo.DEMO_CONFIG)
    assert loaded.sweep.min_age == timedelta(days=2) and loaded.sla.respond_within == timedelta(hours=24)
    assert loaded.people and loaded.jira and loaded.docs and loaded.views
    assert [rule.name for rule in loaded.rules] == [
        "blog-plugin-updates", "domain-changes", "build-minutes", "job-applications"]
    assert loaded.team.rotation_start.isoformat() == "2025-01-06"  # a TOML date


def test_the_package_ships_the_config_and_every_data_file() -> None:
    pyproject = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools = pyproject["tool"]["setuptools"]
    if isinstance(setuptools.get("packages"), list):
        assert "inbox.demo" in setuptools["packages"]
    patterns = setuptools["package-data"]["inbox.demo"]
    here = demo.CONFIG_PATH.parent
    files = [path.relative_to(here).as_posix() for path in [demo.CONFIG_PATH, *demo.DATA.iterdir()]]
    assert {f"data/{kind}.yaml" for kind in demo.KINDS} <= set(files)
    for name in files:
        assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns), name


# --- the data files ------------------------------------------------------------------

# each kind's data file: the list of entries, and the field its external id comes from
ENTRIES = {"github": ("issues", "number"), "discourse": ("topics", "id"),
           "stackexchange": ("questions", "id"), "gitlab": ("issues", "iid"),
           "slack": ("messages", None), "zendesk": ("tickets", "id"),
           "intercom": ("conversations", "id"), "uservoice": ("suggestions", "id")}


@pytest.mark.parametrize("kind", demo.KINDS)
def test_every_entry_of_a_data_file_comes_through_its_adapter(kind: str, config) -> None:
    entries, id_field = ENTRIES[kind]
    written = yaml.safe_load((demo.DATA / f"{kind}.yaml").read_text(encoding="utf-8"))[entries]
    source, items = demo.items_of(kind, config, NOW)
    assert source.kind == kind and len(items) == len(written) == KINDS[kind][1]  # none skipped
    assert len({item.key for item in items}) == len(items)
    if id_field:
        assert {item.key for item in items} == {f"{source.name}:{entry[id_field]}" for entry in written}


def test_times_in_the_data_are_durations_before_now() -> None:
    from inbox.demo.common import ago, span

    assert span("35m") == timedelta(minutes=35)
    assert span("2d 4h") == timedelta(days=2, hours=4)
    assert ago(NOW, "1w") == NOW - timedelta(weeks=1)
    for bad in ("", "2x", "2d4h", "-3d"):
        with pytest.raises(ValueError, match="bad"):
            span(bad)


def test_the_preset_triage_names_items_that_exist(store: Store) -> None:
    presets = demo.preset_triage(NOW)
    assert presets
    for keys, changes in presets:
        assert changes and all(store.item(key, now=NOW) for key in keys), keys
        if "duplicate_of" in changes:
            assert store.item(changes["duplicate_of"], now=NOW), changes
    snoozed = [c for _, c in presets if "snoozed_until" in c]
    assert snoozed and all(parse_time(c["snoozed_until"]) > NOW for c in snoozed)


# --- loading -------------------------------------------------------------------------

def test_load_returns_the_item_count_and_has_every_kind(store: Store) -> None:
    fresh = Store(":memory:")
    count = demo.load_demo(fresh, now=NOW)
    assert count == fresh.item_count() == store.item_count()
    kinds = {kind: store.count(f"kind:{kind}", now=NOW) for kind in KINDS}
    assert kinds == {kind: number for kind, (_, number) in KINDS.items()}  # all 8 kinds, stable
    assert sum(kinds.values()) == count == 94
    assert {name: store.item_count(name) for name, _ in KINDS.values()} == {
        name: number for name, number in KINDS.values()}


def test_everything_goes_through_the_adapters_normalize(monkeypatch) -> None:
    calls: dict[str, int] = {}

    def spy(cls, name):
        original = getattr(cls, name)

        def wrapper(self, *args):
            calls[f"{cls.__name__}.{name}"] = calls.get(f"{cls.__name__}.{name}", 0) + 1
            return original(self, *args)
        monkeypatch.setattr(cls, name, wrapper)

    adapters = {"github": GitHubSource, "discourse": DiscourseSource,
                "stackexchange": StackExchangeSource, "gitlab": GitLabSource, "slack": SlackSource,
                "zendesk": ZendeskSource, "intercom": IntercomSource, "uservoice": UserVoiceSource}
    for cls in adapters.values():
        spy(cls, "normalize")
    spy(GitHubSource, "normalize_comment")
    spy(GitLabSource, "normalize_note")
    spy(SlackSource, "normalize_reply")
    spy(ZendeskSource, "normalize_comment")
    store = Store(":memory:")
    count = demo.load_demo(store, now=NOW)
    for kind, cls in adapters.items():
        assert calls[f"{cls.__name__}.normalize"] == store.count(f"kind:{kind}", now=NOW), kind
    assert sum(calls[f"{cls.__name__}.normalize"] for cls in adapters.values()) == count

    def replies(kind: str) -> int:
        return sum(len(store.thread(r["key"])) for r in store.list_items(f"kind:{kind}", now=NOW))
    assert calls["GitHubSource.normalize_comment"] == replies("github")
    assert calls["SlackSource.normalize_reply"] == replies("slack")
    # system notes and private comments are normalized by nobody: they are not replies
    notes = demo.gitlab_payloads(NOW)[1]
    assert calls["GitLabSource.normalize_note"] == replies("gitlab") == sum(
        not n["system"] for thread in notes.values() for n in thread)
    comments = demo.zendesk_payloads(NOW)[1]
    assert calls["ZendeskSource.normalize_comment"] == replies("zendesk") == sum(
        c["public"] for page in comments.values() for c in page["comments"][1:])


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


def test_raw_payloads_of_the_newer_channels_have_their_shape() -> None:
    issues, notes = demo.gitlab_payloads(NOW)
    assert [i["updated_at"] for i in issues] == sorted((i["updated_at"] for i in issues), reverse=True)
    for issue in issues:
        assert {"id", "iid", "project_id", "title", "description", "state", "created_at", "updated_at",
                "labels", "author", "user_notes_count", "web_url", "references"} <= set(issue)
        assert issue["state"] in ("opened", "closed") and issue["references"]["full"].endswith(f"#{issue['iid']}")
        assert issue["user_notes_count"] == sum(not n["system"] for n in notes[issue["iid"]])
        assert all(isinstance(label, str) for label in issue["labels"])
    assert {i["state"] for i in issues} == {"opened", "closed"}
    assert any(n["system"] for thread in notes.values() for n in thread)

    history, threads, lookups = demo.slack_payloads(NOW)
    assert history["ok"] and all(t["ok"] for t in threads.values())
    for message in history["messages"]:
        assert re.match(r"^\d{10}\.\d{6}$", message["ts"])
    assert {m.get("subtype") for m in history["messages"]} >= {None, "file_share", "channel_join",
                                                               "bot_message"}
    posts = [m for m in history["messages"] if is_post(m)]
    assert len(posts) == KINDS["slack"][1] < len(history["messages"])  # a join and a bot post are not
    for message in posts:
        thread = threads.get(message["ts"])
        assert (thread is None) == ("reply_count" not in message)
        if thread:
            assert thread["messages"][0] is message  # Slack lists the parent first
            assert message["reply_count"] == len(thread["messages"]) - 1
            assert message["latest_reply"] == max(m["ts"] for m in thread["messages"])
    assert any("<@U" in m["text"] and "|" in m["text"] and "&amp;" in m["text"] for m in posts)
    assert any(not answer["ok"] for answer in lookups.values())  # a user that cannot be looked up
    assert any(answer.get("user", {}).get("is_admin") for answer in lookups.values())

    export, comment_pages = demo.zendesk_payloads(NOW)
    assert export["end_of_stream"] is True and export["after_cursor"]
    assert [t["generated_timestamp"] for t in export["tickets"]] == sorted(
        t["generated_timestamp"] for t in export["tickets"])  # the export runs oldest change first
    user_ids = {u["id"] for u in export["users"]}
    for ticket in export["tickets"]:
        assert ticket["requester_id"] in user_ids
        assert ticket["via"]["channel"] == "email" and ticket["via"]["source"]["from"]["address"]
        comments = comment_pages[ticket["id"]]["comments"]
        assert comments[0]["body"] == ticket["description"]  # the first comment is the description
        assert all(c["author_id"] in {u["id"] for u in comment_pages[ticket["id"]]["users"]}
                   for c in comments)
    assert any(not c["public"] for page in comment_pages.values() for c in page["comments"])

    listing = demo.intercom_payloads(NOW)
    assert listing["type"] == "conversation.list"
    conversations = listing["conversations"]
    assert {c["state"] for c in conversations} == {"open", "snoozed", "closed"}
    for conversation in conversations:
        assert isinstance(conversation["created_at"], int) and isinstance(conversation["updated_at"], int)
        assert conversation["source"]["body"].startswith("<p>")
        assert conversation["id"].isdigit()
    assert sum(c["waiting_since"] is not None for c in conversations) == 1
    assert any(c["source"]["author"]["name"] is None for c in conversations)  # a visitor left only an email

    board = demo.uservoice_payloads(NOW)
    status_ids = {s["id"] for s in board["statuses"]}
    user_ids = {u["id"] for u in board["users"]}
    for suggestion in board["suggestions"]:
        assert suggestion["links"]["status"] in status_ids
        assert suggestion["links"]["created_by"] in user_ids
        assert isinstance(suggestion["supporters_count"], int) and suggestion["supporters_count"] > 0
        assert suggestion["portal_url"].startswith("https://ideas.example.org/forums/")
    assert {s["body_mime_type"] for s in board["suggestions"]} == {"", "text/html"}


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
    before = {_identity(r): r for r in rows(early)}
    for after in late.list_items("", now=later):
        was = before[_identity(after)]
        assert parse_time(after["created_at"]) - parse_time(was["created_at"]) == timedelta(days=40)
        assert parse_time(after["last_activity_at"]) <= later
    # the same views are full at either time
    for query in (INBOX_QUERY, "is:snoozed", "is:done", "idle:>7d", "age:<1h"):
        assert early.count(query, now=NOW, me=demo.ME) == late.count(query, now=later, me=demo.ME)


def _identity(row: dict) -> str:
    """The key, except for Slack, whose key is the message's time: there, its text."""
    return f"slack/{row['title']}" if row["kind"] == "slack" else row["key"]


def test_loading_again_at_a_later_now_leaves_no_duplicates(tmp_path) -> None:
    store = Store(tmp_path / "demo.db")
    count = demo.load_demo(store, now=NOW)
    later = NOW + timedelta(days=3, hours=5)
    assert demo.load_demo(store, now=later) == count == store.item_count()
    assert store.item_count("slack") == KINDS["slack"][1]
    assert {_identity(r) for r in rows(store)} == {_identity(r) for r in rows_of_fresh(later)}
    slack = rows(store, "kind:slack")
    assert [(r["title"], r["created_at"]) for r in slack] == [
        (r["title"], r["created_at"]) for r in rows_of_fresh(later) if r["kind"] == "slack"]
    assert all(len(store.thread(r["key"])) == r["replies"] for r in slack)  # threads came along
    store.close()


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
    for kind in KINDS:
        assert store.count(f"kind:{kind} staff:no", now=NOW) > 0, kind
    for kind in ("github", "discourse", "uservoice"):
        assert store.count(f"kind:{kind} staff:yes", now=NOW) > 0, kind
    replies = [reply for r in rows(store) for reply in store.thread(r["key"])]
    assert any(reply["author_is_staff"] for reply in replies)
    assert any(not reply["author_is_staff"] for reply in replies)
    for kind in ("github", "discourse", "stackexchange", "gitlab", "slack"):
        found = [item_json(r)["last_reply_by_staff"] for r in rows(store, f"kind:{kind} replies:>0")]
        assert True in found and False in found, kind
    assert store.count("author:ghost", now=NOW) == 1  # a deleted GitHub account
    assert store.count('author:"user4471"', now=NOW) == 1  # a deleted Stack Overflow account


def _thread_authors(store: Store, kind: str) -> dict[str, bool]:
    return {reply["author"]: bool(reply["author_is_staff"])
            for r in rows(store, f"kind:{kind}") for reply in store.thread(r["key"])}


def test_staff_are_found_the_way_each_channel_says(store: Store) -> None:
    # GitLab has no staff flag: the team's logins from the config
    assert _thread_authors(store, "gitlab")["lena-schultz"] is True
    assert _thread_authors(store, "gitlab")["rachel-k"] is False
    # Slack: a staff login from the config (shown by display name) or the workspace's admin flag
    slack = _thread_authors(store, "slack")
    assert slack["Devin Park"] is True and slack["Priya"] is True
    assert slack["Tomás Ruiz"] is True  # "tomas.ruiz" is not a configured login: an admin
    assert slack["bea.h"] is False and slack["Parley FAQ"] is False  # a bot never answers for us
    # Zendesk: the agent role; UserVoice: the admin flag
    assert _thread_authors(store, "zendesk")["Lena Schultz"] is True
    assert store.count('kind:uservoice staff:yes author:"Maya Okafor"', now=NOW) == 1
    # Intercom: a teammate answering means nobody is waiting (waiting_since is null)
    chat = {r["title"]: item_json(r) for r in rows(store, "kind:intercom")}
    assert [data["last_reply_by_staff"] for data in chat.values() if data["replies"]] == [True] * 3


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
        if data["kind"] == "gitlab":
            assert data["url"] == (f"https://gitlab.example.org/parley-chat/parley-desktop/-/issues/"
                                   f"{data['external_id']}")
        if data["kind"] == "slack":  # a permalink: the ts without its dot
            assert data["url"] == ("https://parley-community.slack.com/archives/C0PARLEY01/"
                                   f"p{data['external_id'].replace('.', '')}")
        if data["kind"] == "zendesk":  # the agent's view of the ticket
            assert data["url"] == f"https://parley.zendesk.com/agent/tickets/{data['external_id']}"
        if data["kind"] == "intercom":
            assert data["url"] == ("https://app.intercom.com/a/inbox/prly4x7c/inbox/conversation/"
                                   f"{data['external_id']}")
        if data["kind"] == "uservoice":  # the public portal page, on the project's own domain
            assert re.match(rf"^https://ideas\.example\.org/forums/\d+-parley-ideas/suggestions/"
                            rf"{data['external_id']}-[a-z0-9-]+$", data["url"])


def test_entities_are_decoded(store: Store) -> None:
    titles = [r["title"] for r in rows(store)]
    assert not any(re.search(r"&(#\d+|#x[0-9a-f]+|[a-z]+);", t) for t in titles)
    assert store.count('author:"Émilie Dubois"', now=NOW) == 2
    assert store.count("author:\"Chris O'Neill\"", now=NOW) == 1
    assert any("'" in t for t in titles) and any('"' in t for t in titles)


def _by_title(store: Store, kind: str) -> dict[str, dict]:
    return {r["title"]: r for r in rows(store, f"kind:{kind}")}


def test_help_desk_holds_what_the_help_desk_routines_are_about(store: Store) -> None:
    tickets = _by_title(store, "zendesk")
    titles = " | ".join(tickets)
    for expected in ("plugins were updated automatically",    # blog plugin updates: mark solved
                     "DNS records changed",                   # domain changes: solved, audit trail
                     "build minutes",                         # hosting minutes: delete or done
                     "Application: Developer Advocate",       # a job applicant
                     "onboarding emails every community"):    # a newsletter
        assert expected in titles, expected
    domain = next(r for t, r in tickets.items() if "DNS records" in t)
    assert domain["state"] == "closed" and domain["answered"]  # solved: closed and answered
    assert store.thread(domain["key"]) == []  # the agent's private note is no reply
    [customer] = rows(store, "kind:zendesk replies:>0")
    assert customer["labels"] and "enterprise" in json.loads(customer["labels"])
    thread = store.thread(customer["key"])
    assert [r["author_is_staff"] for r in thread] == [1, 0]  # the agent answered, the customer followed up
    assert not any("Reissue requested" in r["body"] for r in thread)  # the private note stays out
    assert store.matches(customer["key"], "is:awaiting", now=NOW)
    assert store.count("kind:zendesk is:open is:awaiting", now=NOW) == 6
    # made-up vendors only: nothing the demo says names a real hosting or blog company
    raw = json.dumps([demo.zendesk_payloads(NOW), demo.intercom_payloads(NOW)]).lower()
    for name in ("wordpress", "netlify", "greenhouse", "meltano", "orbit.love", "zendesk.com/hc"):
        assert name not in raw, name


def test_slack_messages_are_made_readable(store: Store) -> None:
    messages = _by_title(store, "slack")
    helm = next(r for t, r in messages.items() if t.startswith("Following the Helm guide"))
    assert "the Helm guide (https://docs.example.org/install/helm)" in helm["body"]
    assert "@Devin Park's tip in #announcements" in helm["body"]  # a mention, by name
    assert "immutable` & the old pods" in helm["body"]  # &amp; decoded once
    assert not re.search(r"<[@#!]|<https?:", helm["body"] + helm["title"])
    assert any("[file: Empty sidebar in Safari 17]" in r["body"] for r in messages.values())
    authors = {r["author"] for r in messages.values()}
    assert "U06RT2M9KQZ" in authors  # a guest from another workspace: no name to be had
    assert {"Linda P.", "Kwame Asante", "selfhoster99", "bea.h", "Jonas W."} <= authors
    assert not any("has joined the channel" in t or t.startswith("Reminder:") for t in messages)


def test_website_chat_conversations(store: Store) -> None:
    chats = [item_json(r) for r in rows(store, "kind:intercom")]
    waiting = [c for c in chats if c["replies"] == 0]
    assert len(waiting) == 1 and store.matches(waiting[0]["key"], "is:awaiting", now=NOW)
    snoozed = [c for c in chats if "snoozed" in c["labels"]]
    assert len(snoozed) == 1 and snoozed[0]["state"] == "open"
    assert "priority" in snoozed[0]["labels"]
    assert store.count("kind:intercom is:closed", now=NOW) == 1
    assert any(c["author"] == "info@ff-lindenau.example" for c in chats)  # the email stands in
    assert all("<" not in c["body"] for c in chats)  # HTML made text
    assert any("Google Workspace" in c["body"] for c in chats)


def test_ideas_board_spans_the_idea_lifecycle(store: Store, config) -> None:
    ideas = registry.build(config.source("ideas"), config, env={})
    board = demo.uservoice_payloads(NOW)
    names = {s["id"]: s["name"] for s in board["statuses"]}
    used = [names[s["links"]["status"]] for s in board["suggestions"]]
    assert {ideas.idea_status(name) for name in used} == {status.value for status in IdeaStatus}
    closed = {s["title"] for s in board["suggestions"]
              if ideas.idea_status(names[s["links"]["status"]]) in ("completed", "declined")}
    assert {r["title"] for r in rows(store, "kind:uservoice is:closed")} == closed
    assert all(r["replies"] == s["comments_count"] for r, s in zip(
        sorted(rows(store, "kind:uservoice"), key=lambda r: r["external_id"]),
        sorted(board["suggestions"], key=lambda s: str(s["id"]))))
    html_body = next(r for r in rows(store, "kind:uservoice") if "Send later" in r["body"])
    assert "<b>" not in html_body["body"]


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
                      demo.stackexchange_payloads(NOW), demo.slack_payloads(NOW)])
    assert "\\u001b[31m" in raw and "\\u001b]52;" in raw and "\\u001b]8;;" in raw
    assert "\\u001b]11;" in raw  # the Slack one


def test_markup_lookalikes_are_kept_as_plain_text(store: Store) -> None:
    titles = [r["title"] for r in rows(store)]
    assert any("[@click=app.quit]" in t for t in titles)
    assert any("[bold]" in t for t in titles)
    hostile = rows(store, '"click here"')
    assert hostile, "the hostile link-preview issue is searchable as text"
    assert "[@click=app.quit]Click here[/]" in hostile[0]["body"]
    assert "totally safe link" in hostile[0]["body"]
    assert "evil.example.net" not in hostile[0]["body"]  # the OSC 8 target is gone
    [slack] = [r for r in rows(store, "kind:slack") if "[bold]" in r["title"]]
    assert slack["title"].startswith("Bot posts show *[bold]Deploy finished[/bold]*")
    assert "#0000ff" not in slack["body"] and "terminal background went blue" in slack["body"]


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


# --- the demo's database and config file, used by every other command ---------------------

@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo-cli") / "demo.db"
    store = Store(path)
    demo.load_demo(store, now=NOW)
    store.close()
    return path


@pytest.fixture
def cli(demo_db: Path, monkeypatch, capsys):
    """`inbox --config <the demo's> --db <the demo's> ...` in this process, its clock at NOW."""
    for module in ("inbox.cli.items", "inbox.cli.sweep", "inbox.cli.stats", "inbox.cli.people"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: NOW)

    def run(*args: str) -> str:
        code = main(["--config", str(demo.CONFIG_PATH), "--db", str(demo_db), *args])
        out, err = capsys.readouterr()
        assert code == 0, err
        return out
    return run


def test_sweep_on_the_demo_is_the_one_the_tui_shows(cli, demo_db: Path, config) -> None:
    from inbox.reports.sweep import build_sweep, render

    out = cli("sweep")
    with closing(Store(demo_db)) as store:
        shown = build_sweep(config, store, now=NOW)  # what the sweep screen builds
    assert len(shown.entries) >= 10
    assert out == render(shown, "mrkdwn", NOW)
    listed = cli("sweep", "--format", "json")
    assert listed == render(shown, "json", NOW)
    assert sum(len(section["items"]) for section in json.loads(listed)["sections"]) == len(shown.entries)


def test_stats_on_the_demo_counts_the_overdue_the_tui_shows(cli, demo_db: Path, config) -> None:
    from inbox.reports.stats import build_report, stats_json

    out = json.loads(cli("stats", "--json"))
    with closing(Store(demo_db)) as store:
        overdue = store.count("is:overdue", now=NOW)
        assert out == stats_json(build_report(config, store, now=NOW, since=timedelta(days=30)))
    assert overdue >= 10 and out["total"]["overdue"] == overdue
    assert out["target"].startswith("24h business time")


def test_list_on_the_demo_shows_every_sidebar_view_as_the_tui_does(cli, demo_db: Path, config) -> None:
    views = all_views(config)
    assert {"Enterprise", "Unanswered forum"} <= {view.name for view in views}
    with closing(Store(demo_db)) as store:
        store.sweeps = define_sweeps(config)
        for view in views:
            shown = [r["key"] for r in store.list_items(view.query, now=NOW, me=config.team.me)]
            assert [i["key"] for i in json.loads(cli("list", "--json", view.query))] == shown, view.name
        assert [i["key"] for i in json.loads(cli("list", "--json", "is:overdue"))] == [
            r["key"] for r in store.list_items("is:overdue", now=NOW)]


def test_people_on_the_demo_is_the_people_screen(cli, demo_db: Path, config) -> None:
    from inbox.triage.people import list_people

    out = json.loads(cli("people", "--json"))
    with closing(Store(demo_db)) as store:
        assert out == [person.json() for person in list_people(config, store, now=NOW)]
    [devin] = [person for person in out if person["name"] == "devin-park"]  # one person, five logins
    assert len(devin["channels"]) == 5


def test_inbox_demo_says_where_its_database_and_config_are(tmp_path: Path, capsys) -> None:
    db = tmp_path / "demo.db"
    assert main(["--db", str(db), "demo", "--no-tui"]) == 0
    out = capsys.readouterr().out
    assert str(db) in out and str(demo.CONFIG_PATH) in out and len(out.splitlines()) <= 2
    # the command it suggests runs as printed, on the demo's own settings
    [suggested] = [line.split("Try: ", 1)[1] for line in out.splitlines() if "Try: " in line]
    words = shlex.split(suggested)
    assert words[0] == "inbox"
    assert main(words[1:]) == 0
    assert "These posts are open to everyone" in capsys.readouterr().out
