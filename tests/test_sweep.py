"""The Help Wanted sweep: which posts the daily and weekly lists take (age and idle
boundaries, staff, Help Wanted from Jira, the release window, the ball back in our
court), how the message reads in each format with hostile titles, and the one POST to
the Slack webhook (its refusals explained, never sent twice, never the URL in a message).
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from inbox.config import Config, parse
from inbox.errors import ConfigError, SourceError, UsageError
from inbox.models import Item, Reply
from inbox.reports.sweep import (
    SweepSettings,
    build_sweep,
    header,
    post_to_webhook,
    render,
    sweep_json,
    sweep_settings,
)
from inbox.store import Store

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # a Wednesday
KINDS = {"forum": "discourse", "server": "github", "mobile": "github", "lab": "gitlab",
         "so": "stackexchange", "help": "zendesk"}
URLS = {"forum": "https://forum.example.org/t/topic/{n}",
        "server": "https://github.com/parley-chat/parley-server/issues/{n}",
        "mobile": "https://github.com/parley-chat/parley-mobile/issues/{n}",
        "lab": "https://gitlab.com/parley/parley-desktop/-/issues/{n}",
        "so": "https://stackoverflow.com/questions/{n}",
        "help": "https://parley.zendesk.com/agent/tickets/{n}"}
WEBHOOK = "https://hooks.slack.com/services/T00000000/B00000000/XXXXsecretXXXXsecretXXXX"

INTRO = ("These posts are open to everyone in the community. If you find something you think "
         "you know the answer to or can help with, please help post a response and be part of "
         "creating a vibrant Parley community!")


def make_config(sweep: dict[str, Any] | None = None, *, rotation: bool = True,
                slack: dict[str, Any] | None = None) -> Config:
    data: dict[str, Any] = {
        "team": {"staff": ["alice", "bob"], "me": "alice"},
        "sources": [
            {"name": "forum", "kind": "discourse", "base_url": "https://forum.example.org"},
            {"name": "server", "kind": "github", "repo": "parley-chat/parley-server"},
            {"name": "mobile", "kind": "github", "repo": "parley-chat/parley-mobile"},
            {"name": "lab", "kind": "gitlab", "project": "parley/parley-desktop"},
            {"name": "so", "kind": "stackexchange", "tagged": "parley"},
            {"name": "help", "kind": "zendesk", "subdomain": "parley", "email": "a@example.org",
             "token_env": "ZENDESK_TOKEN"},
        ],
        "sweep": {"release_date": date(2026, 11, 15), "project": "Parley", **(sweep or {})},
    }
    if rotation:
        data["team"].update(rotation=["carol", "dave"], rotation_start=date(2026, 11, 2))
    if slack is not None:
        data["slack"] = slack
    return parse(data)


def make_item(source: str, number: int, *, created: timedelta, active: timedelta | None = None,
              **changes: Any) -> Item:
    """An item created `created` before NOW, last active `active` before NOW."""
    item = Item(
        source=source, kind=KINDS[source], external_id=str(number),
        url=URLS[source].format(n=number), title=f"Question {number}", body="It does not work.",
        author="rhys", author_is_staff=False, created_at=NOW - created,
        last_activity_at=NOW - (active if active is not None else created),
    )
    return replace(item, **changes)


def reply(number: int, author: str, *, staff: bool, ago: timedelta) -> Reply:
    return Reply(external_id=str(number), author=author, author_is_staff=staff,
                 created_at=NOW - ago, body=f"reply {number}")


@pytest.fixture
def store(tmp_path) -> Store:
    store = Store(tmp_path / "inbox.db")
    yield store
    store.close()


def save(store: Store, *items: Item) -> None:
    for item in items:
        store.save_page(item.source, [item])


def keys(sweep, section: int | None = None) -> list[str]:
    sections = sweep.sections if section is None else [sweep.sections[section]]
    return [entry.item["key"] for s in sections for entry in s.entries]


DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)


# --- the daily list: what it takes ----------------------------------------------------------

def test_posts_exactly_two_days_old_are_in_and_a_minute_younger_are_not(store: Store) -> None:
    save(store,
         make_item("forum", 1, created=2 * DAY),
         make_item("forum", 2, created=2 * DAY - MINUTE),
         make_item("server", 3, created=2 * DAY + MINUTE),
         make_item("server", 4, created=DAY + 23 * timedelta(hours=1) + 59 * MINUTE))
    sweep = build_sweep(make_config(), store, now=NOW)
    assert keys(sweep, 0) == ["server:3", "forum:1"]  # oldest first: waited longest
    assert sweep.sections[0].title == "Waiting for our answer, 2 days old or more"


def test_answered_by_staff_is_left_out_and_a_community_reply_is_not_an_answer(store: Store) -> None:
    save(store,
         make_item("forum", 1, created=3 * DAY, active=DAY, replies=1, last_reply_by_staff=True),
         make_item("forum", 2, created=3 * DAY, active=DAY, replies=2, last_reply_by_staff=False),
         make_item("server", 3, created=5 * DAY, active=DAY, replies=1, last_reply_by_staff=True))
    assert keys(build_sweep(make_config(), store, now=NOW)) == ["forum:2"]


def test_done_snoozed_and_closed_posts_are_left_out(store: Store) -> None:
    save(store,
         make_item("forum", 1, created=3 * DAY),
         make_item("forum", 2, created=3 * DAY),
         make_item("forum", 3, created=3 * DAY, state="closed"),
         make_item("forum", 4, created=3 * DAY))
    store.set_triage(["forum:1"], {"done": True}, now=NOW, by="test")
    store.set_triage(["forum:2"], {"snoozed_until": NOW + DAY}, now=NOW, by="test")
    store.set_triage(["forum:4"], {"snoozed_until": NOW - MINUTE}, now=NOW, by="test")  # woke up
    assert keys(build_sweep(make_config(), store, now=NOW)) == ["forum:4"]


def test_help_wanted_issues_from_jira_are_left_out(store: Store) -> None:
    save(store,
         make_item("server", 1, created=4 * DAY, labels=["Help Wanted", "Area/Plugins"]),
         make_item("server", 2, created=4 * DAY, labels=["help wanted"]),  # labels match as the query does
         make_item("server", 3, created=4 * DAY, labels=["bug"]))
    assert keys(build_sweep(make_config(), store, now=NOW)) == ["server:3"]


def test_exclude_is_a_query_and_empty_leaves_nothing_out(store: Store) -> None:
    save(store,
         make_item("server", 1, created=4 * DAY, labels=["Help Wanted"]),
         make_item("server", 2, created=3 * DAY, author="jira-bot"))
    everything = build_sweep(make_config({"exclude": ""}), store, now=NOW)
    assert keys(everything) == ["server:1", "server:2"]
    by_author = build_sweep(make_config({"exclude": "author:jira-bot"}), store, now=NOW)
    assert keys(by_author) == ["server:1"]


def test_default_sources_are_the_forum_and_github(store: Store) -> None:
    save(store, *(make_item(source, n, created=3 * DAY)
                  for n, source in enumerate(["forum", "server", "mobile", "lab", "so", "help"], 1)))
    config = make_config()
    assert sweep_settings(config).sources == ("forum", "server", "mobile")
    assert sorted(keys(build_sweep(config, store, now=NOW))) == ["forum:1", "mobile:3", "server:2"]


def test_the_sources_setting_chooses_what_the_daily_list_reads(store: Store) -> None:
    save(store, *(make_item(source, n, created=3 * DAY)
                  for n, source in enumerate(["forum", "server", "mobile", "lab", "so"], 1)))
    sweep = build_sweep(make_config({"sources": ["server", "so"]}), store, now=NOW)
    assert sorted(keys(sweep)) == ["server:2", "so:5"]
    assert header(sweep).startswith("[Help Wanted] #github #stackoverflow @here @carol ")


# --- release fallout ------------------------------------------------------------------------

def release_config(**sweep: Any) -> Config:
    # min_age far away, so only the release section takes these posts
    return make_config({"min_age": "30d", **sweep})


def test_new_forum_posts_since_the_release_that_mention_a_keyword(store: Store) -> None:
    release = datetime(2026, 11, 15, tzinfo=UTC)
    save(store,
         make_item("forum", 1, created=NOW - release, title="Upgrade to 11.2 broke SSO"),
         make_item("forum", 2, created=DAY, title="SSO question", body="Is this ENTERPRISE only?"),
         make_item("forum", 3, created=DAY, title="Our licensed seats vanished"),
         make_item("forum", 4, created=DAY, title="Dark mode colours"),
         make_item("forum", 5, created=NOW - release + MINUTE, title="Upgrade failed before release"),
         make_item("server", 6, created=DAY, title="Upgrade breaks plugins"),  # forum only
         make_item("forum", 7, created=DAY, title="Upgraded, answered", replies=1,
                   last_reply_by_staff=True))
    sweep = build_sweep(release_config(), store, now=NOW)
    titles = [s.title for s in sweep.sections]
    assert titles[1] == ("New forum posts since the 2026-11-15 release that mention "
                         "enterprise, upgrade, license, waiting for our answer")
    assert keys(sweep, 1) == ["forum:1", "forum:2", "forum:3"]


def test_release_keywords_come_from_the_config(store: Store) -> None:
    save(store, make_item("forum", 1, created=DAY, title="Licence key rejected"),
         make_item("forum", 2, created=DAY, title="Upgrade stuck"))
    sweep = build_sweep(release_config(release_keywords=["Licence"]), store, now=NOW)
    assert keys(sweep, 1) == ["forum:1"]


def test_a_release_still_to_come_lists_nothing_yet(store: Store) -> None:
    save(store, make_item("forum", 1, created=DAY, title="Upgrade broke SSO"))
    sweep = build_sweep(release_config(release_date=date(2026, 12, 1)), store, now=NOW)
    assert keys(sweep, 1) == []


def test_no_release_date_no_release_section(store: Store) -> None:
    save(store, make_item("forum", 1, created=DAY, title="Upgrade broke SSO"))
    config = make_config({"min_age": "30d"})
    config.sweep = replace(config.sweep, release_date=None)
    sweep = build_sweep(config, store, now=NOW)
    assert len(sweep.sections) == 2
    assert keys(sweep) == []


# --- the ball back in our court ---------------------------------------------------------------

def test_a_community_reply_to_a_question_from_the_team_comes_back(store: Store) -> None:
    asked = [reply(1, "alice", staff=True, ago=20 * 60 * MINUTE), reply(2, "rhys", staff=False, ago=MINUTE)]
    answered = [*asked, reply(3, "bob", staff=True, ago=MINUTE / 2)]
    config_staff = [reply(1, "bob", staff=False, ago=2 * 60 * MINUTE),  # staff by the config
                    reply(2, "rhys", staff=False, ago=MINUTE)]
    only_community = [reply(1, "yusuf", staff=False, ago=2 * 60 * MINUTE),
                      reply(2, "rhys", staff=False, ago=MINUTE)]
    save(store,
         make_item("forum", 1, created=DAY, active=MINUTE, replies=2, last_reply_by_staff=False,
                   thread=asked),
         make_item("forum", 2, created=DAY, active=MINUTE / 2, replies=3, last_reply_by_staff=True,
                   thread=answered),
         make_item("forum", 3, created=DAY, active=MINUTE, replies=2, last_reply_by_staff=False,
                   thread=config_staff),
         make_item("forum", 4, created=DAY, active=MINUTE, replies=2, last_reply_by_staff=False,
                   thread=only_community),
         # the team opened the topic with a question; a member answered
         make_item("forum", 5, created=DAY, active=MINUTE, replies=1, author="alice",
                   author_is_staff=True, last_reply_by_staff=False,
                   thread=[reply(1, "rhys", staff=False, ago=MINUTE)]),
         # not known who replied last, but the stored thread says a member did
         make_item("forum", 6, created=DAY, active=MINUTE, replies=2, last_reply_by_staff=None,
                   thread=asked))
    sweep = build_sweep(make_config(), store, now=NOW)
    assert sweep.sections[-1].title == "A community member answered a question from the team"
    assert sorted(keys(sweep, -1)) == ["forum:1", "forum:3", "forum:5", "forum:6"]


def test_the_channel_says_who_replied_last_when_the_stored_thread_is_cut_short(store: Store) -> None:
    # Discourse sends the first ~20 posts: the thread ends with staff, the channel says a member
    cut = [reply(1, "rhys", staff=False, ago=5 * 60 * MINUTE), reply(2, "alice", staff=True, ago=4 * 60 * MINUTE)]
    save(store, make_item("forum", 1, created=DAY, active=MINUTE, replies=30, last_reply_by_staff=False,
                          thread=cut))
    assert keys(build_sweep(make_config(), store, now=NOW), -1) == ["forum:1"]


def test_an_item_is_listed_once_in_the_first_section_that_takes_it(store: Store) -> None:
    thread = [reply(1, "alice", staff=True, ago=2 * DAY), reply(2, "rhys", staff=False, ago=DAY)]
    save(store, make_item("forum", 1, created=3 * DAY, active=DAY, title="Enterprise upgrade fails",
                          replies=2, last_reply_by_staff=False, thread=thread))
    sweep = build_sweep(make_config({"release_date": date(2026, 11, 14)}), store, now=NOW)
    assert [keys(sweep, i) for i in range(3)] == [["forum:1"], [], []]


# --- the header -----------------------------------------------------------------------------

def test_the_header_calls_here_and_the_developer_on_rotation(store: Store) -> None:
    sweep = build_sweep(make_config(), store, now=NOW)
    assert header(sweep) == f"[Help Wanted] #forum #github @here @carol {INTRO}"
    assert header(sweep, "mrkdwn") == f"[Help Wanted] #forum #github <!here> @carol {INTRO}"
    next_week = build_sweep(make_config(), store, now=NOW + 7 * DAY)
    assert "@here @dave These" in header(next_week)


def test_no_rotation_no_mention_and_no_project_name(store: Store) -> None:
    config = make_config(rotation=False)
    config.sweep = replace(config.sweep, project=None)
    text = header(build_sweep(config, store, now=NOW))
    assert text == ("[Help Wanted] #forum #github @here These posts are open to everyone in the "
                    "community. If you find something you think you know the answer to or can help "
                    "with, please help post a response and be part of creating a vibrant community!")


# --- the weekly list --------------------------------------------------------------------------

def test_weekly_takes_issues_quiet_for_more_than_seven_days_not_opened_by_the_team(store: Store) -> None:
    save(store,
         make_item("server", 1, created=30 * DAY, active=7 * DAY),                 # exactly 7d: not more
         make_item("server", 2, created=30 * DAY, active=7 * DAY + MINUTE),
         make_item("server", 3, created=30 * DAY, active=10 * DAY, author_is_staff=True),
         make_item("server", 4, created=30 * DAY, active=10 * DAY, author="bob"),  # staff by the config
         make_item("lab", 5, created=30 * DAY, active=9 * DAY),
         make_item("so", 6, created=30 * DAY, active=20 * DAY),
         make_item("forum", 7, created=30 * DAY, active=20 * DAY),                # not a weekly kind
         make_item("server", 8, created=30 * DAY, active=20 * DAY, state="closed"),
         make_item("server", 9, created=30 * DAY, active=20 * DAY, labels=["Help Wanted"]),
         make_item("mobile", 10, created=30 * DAY, active=8 * DAY, replies=3, last_reply_by_staff=True),
         make_item("server", 11, created=30 * DAY, active=20 * DAY))
    store.set_triage(["server:11"], {"done": True}, now=NOW, by="test")
    sweep = build_sweep(make_config(), store, now=NOW, weekly=True)
    assert keys(sweep) == ["so:6", "lab:5", "mobile:10", "server:2"]  # quiet longest first
    assert header(sweep) == ("[Weekly] Issues and questions on GitHub, GitLab and Stack Overflow "
                             "with no activity for more than 7 days, not opened by the team:")
    assert "@here" not in render(sweep, "mrkdwn") and "<!here>" not in render(sweep, "mrkdwn")


def test_weekly_settings(store: Store) -> None:
    save(store, make_item("server", 1, created=30 * DAY, active=4 * DAY),
         make_item("so", 2, created=30 * DAY, active=4 * DAY))
    config = make_config({"weekly_kinds": ["stackexchange"], "weekly_idle": "3d"})
    sweep = build_sweep(config, store, now=NOW, weekly=True)
    assert keys(sweep) == ["so:2"]
    assert "more than 3 days" in header(sweep)


# --- formats --------------------------------------------------------------------------------

def one_entry(store: Store, title: str, *, url: str | None = None, replies: int = 2,
              source: str = "forum") -> str:
    item = make_item(source, 1, created=3 * DAY, active=DAY, title=title, replies=replies,
                     last_reply_by_staff=False)
    if url is not None:
        item = replace(item, url=url)
    save(store, item)
    return item.url


def entry_line(text: str) -> str:
    [line] = [line for line in text.splitlines() if line.startswith(("• ", "- "))]
    return line


def test_mrkdwn_entry(store: Store) -> None:
    one_entry(store, "Can't log in after upgrade")
    text = render(build_sweep(make_config(), store, now=NOW), "mrkdwn")
    assert entry_line(text) == ("• <https://forum.example.org/t/topic/1|Can't log in after upgrade>"
                                " · forum · 3d old · 2 replies")
    assert "\n*Waiting for our answer, 2 days old or more*\n" in text
    assert text.startswith("[Help Wanted] #forum #github <!here> @carol These posts")


ZW = "\u200b"


@pytest.mark.parametrize(("title", "shown"), [
    ("<!channel> free licenses", "&lt;!channel&gt; free licenses"),
    ("ping <@U123> and <!here|here>", "ping &lt;@U123&gt; and &lt;!here|here&gt;"),
    ("<https://evil.example|click me>", "&lt;https://evil.example|click me&gt;"),
    ("Q&A: a > b", "Q&amp;A: a &gt; b"),
    ("*bold* _em_ ~gone~ `code`", (f"{ZW}*{ZW}bold{ZW}*{ZW} {ZW}_{ZW}em{ZW}_{ZW} "
                                   f"{ZW}~{ZW}gone{ZW}~{ZW} {ZW}`{ZW}code{ZW}`{ZW}")),
    ("a*b* snake_case_name", f"a*b{ZW}*{ZW} snake_case_name"),  # Slack never formats inside a word
    ("[x](javascript:alert(1))", "[x](javascript:alert(1))"),  # not a link in mrkdwn
    ("title\x1b]52;c;ZXZpbA==\x07 with\x1b[31m colour\r\nand a newline",
     "title with colour and a newline"),
])
def test_mrkdwn_escapes_hostile_titles(store: Store, title: str, shown: str) -> None:
    url = one_entry(store, title)
    line = entry_line(render(build_sweep(make_config(), store, now=NOW), "mrkdwn"))
    assert line == f"• <{url}|{shown}> · forum · 3d old · 2 replies"
    inside = line[len(f"• <{url}|"):line.rindex("> · forum")]
    assert "<" not in inside and ">" not in inside  # the link is the only <...>
    for forbidden in ("<!channel>", "<@U123>", "*bold*", "\x1b", "\x07", "\n"):
        assert forbidden not in line


def test_mrkdwn_urls_cannot_break_out_of_the_link(store: Store) -> None:
    one_entry(store, "Pipes", url="https://forum.example.org/t/a|b>c&d")
    line = entry_line(render(build_sweep(make_config(), store, now=NOW), "mrkdwn"))
    assert line.startswith("• <https://forum.example.org/t/a%7Cb&gt;c&amp;d|Pipes>")


def test_a_url_that_is_not_http_never_becomes_a_link(store: Store) -> None:
    one_entry(store, "Click", url="javascript:alert(1)")
    sweep = build_sweep(make_config(), store, now=NOW)
    assert entry_line(render(sweep, "mrkdwn")) == "• Click · forum · 3d old · 2 replies"
    assert entry_line(render(sweep, "markdown")) == "- Click · forum · 3d old · 2 replies"


def test_markdown_entry_and_escaping(store: Store) -> None:
    one_entry(store, "[x](javascript:alert(1)) *hi* <b>", replies=1)
    text = render(build_sweep(make_config(), store, now=NOW), "markdown")
    assert entry_line(text) == (r"- [\[x\]\(javascript:alert\(1\)\) \*hi\* \<b\>]"
                                "(https://forum.example.org/t/topic/1) · forum · 3d old · 1 reply")
    assert r"**Waiting for our answer, 2 days old or more**" in text
    assert text.startswith(r"\[Help Wanted\] \#forum \#github @here @carol These posts")


def test_markdown_link_targets_are_encoded(store: Store) -> None:
    one_entry(store, "Parens", url="https://forum.example.org/t/a(b)<c>?q=1&r=%20")
    line = entry_line(render(build_sweep(make_config(), store, now=NOW), "markdown"))
    assert line.startswith("- [Parens](https://forum.example.org/t/a%28b%29%3Cc%3E?q=1&r=%20) · ")


def test_text_is_plain(store: Store) -> None:
    one_entry(store, "Crash\x1b[2J on *start*", replies=0)
    text = render(build_sweep(make_config(), store, now=NOW), "text")
    assert entry_line(text) == ("- Crash on *start* (https://forum.example.org/t/topic/1)"
                                " · forum · 3d old · no replies")
    assert "Waiting for our answer, 2 days old or more:" in text.splitlines()


def test_weekly_lines_say_how_long_it_has_been_quiet(store: Store) -> None:
    save(store, make_item("server", 5, created=30 * DAY, active=9 * DAY, title="Old"))
    line = entry_line(render(build_sweep(make_config(), store, now=NOW, weekly=True), "text"))
    assert line == ("- Old (https://github.com/parley-chat/parley-server/issues/5) · server · "
                    "4w old · no replies · quiet for 9d")


def test_json_shape(store: Store) -> None:
    hostile = "<!channel> *verbatim* [x](y)"
    one_entry(store, hostile)
    sweep = build_sweep(make_config(), store, now=NOW)
    data = json.loads(render(sweep, "json"))
    assert data == sweep_json(sweep)
    assert data["header"] == f"[Help Wanted] #forum #github @here @carol {INTRO}"
    assert data["weekly"] is False and data["generated_at"] == "2026-11-18T12:00:00Z"
    assert [s["title"] for s in data["sections"]] == [
        "Waiting for our answer, 2 days old or more",
        "New forum posts since the 2026-11-15 release that mention enterprise, upgrade, license, "
        "waiting for our answer",
        "A community member answered a question from the team"]
    [item] = data["sections"][0]["items"]
    assert item["key"] == "forum:1" and item["title"] == hostile  # JSON keeps the title as written
    assert item["age_days"] == 3 and item["idle_days"] == 1 and item["replies"] == 2
    assert {"url", "author", "created_at", "labels", "done", "body"} <= set(item)
    assert item["body"] == "It does not work."
    first = data["sections"][0]
    assert (first["total"], first["more"], first["query_exact"]) == (1, 0, True)
    assert first["query"] == ('is:open -is:done -is:snoozed is:awaiting age:>=2d -source:lab -source:so '
                              '-source:help -label:"Help Wanted"')
    # the other formats show no bodies, so none are read
    assert build_sweep(make_config(), store, now=NOW, bodies=False).entries[0].item.get("body") is None


def test_an_empty_sweep_says_so(store: Store) -> None:
    sweep = build_sweep(make_config(), store, now=NOW)
    assert sweep.empty
    assert render(sweep, "text").endswith("\n\nNothing to list today.\n")


def test_unknown_format(store: Store) -> None:
    with pytest.raises(UsageError, match="unknown format 'html'"):
        render(build_sweep(make_config(), store, now=NOW), "html")


# --- settings -------------------------------------------------------------------------------

def test_defaults() -> None:
    config = parse({"sources": [{"name": "forum", "kind": "discourse", "base_url": "https://f.example.org"},
                                {"name": "so", "kind": "stackexchange", "tagged": "x"}]})
    assert sweep_settings(config) == SweepSettings(sources=("forum",))
    settings = sweep_settings(config)
    assert settings.min_age == timedelta(days=2) and settings.weekly_idle == timedelta(days=7)
    assert settings.exclude == 'label:"Help Wanted"' and settings.release_date is None
    assert settings.release_keywords == ("enterprise", "upgrade", "license")
    assert settings.weekly_kinds == ("github", "gitlab", "stackexchange")
    assert settings.project is None and settings.webhook_env is None
    assert settings.max_per_section == 25  # three sections of the longest lines fit in one Slack message


def test_settings_from_the_file() -> None:
    config = make_config({"min_age": "36h", "release_keywords": ["Enterprise", "licence"],
                          "release_date": "2026-11-15"}, slack={"webhook_env": "SLACK_WEBHOOK_URL"})
    settings = sweep_settings(config)
    assert settings.min_age == timedelta(hours=36)
    assert settings.release_keywords == ("enterprise", "licence")
    assert settings.release_date == date(2026, 11, 15)
    assert settings.webhook_env == "SLACK_WEBHOOK_URL"


@pytest.mark.parametrize(("section", "key", "value", "message"), [
    ("sweep", "min_age", "2x", "config: sweep.min_age: bad duration '2x'"),
    ("sweep", "min_age", 2, "config: sweep.min_age must be a duration"),
    ("sweep", "weekly_idle", "0d", "config: sweep.weekly_idle must be longer than 0"),
    ("sweep", "release_date", "soon", "config: sweep.release_date must be a date like 2026-11-15"),
    ("sweep", "release_date", datetime(2026, 11, 15, 9, 0), "config: sweep.release_date must be a date"),
    ("sweep", "release_keywords", "upgrade", "config: sweep.release_keywords must be a list of strings"),
    ("sweep", "release_keywords", ["upgrade", " "], "config: sweep.release_keywords: an empty keyword"),
    ("sweep", "exclude", "colour:red", "config: sweep.exclude: unknown field 'colour:'"),
    ("sweep", "exclude", ["label:x"], "config: sweep.exclude must be a query string"),
    ("sweep", "sources", ["forum", "nope"], "config: sweep.sources: no source named 'nope'"),
    ("sweep", "sources", "forum", "config: sweep.sources must be a list of strings"),
    ("sweep", "weekly_kinds", ["jira"], "config: sweep.weekly_kinds: 'jira' is not a channel kind"),
    ("sweep", "project", "", "config: sweep.project must be the community's name"),
    ("sweep", "max_per_section", 0, "config: sweep.max_per_section must be a whole number of posts"),
    ("sweep", "max_per_section", "10", "config: sweep.max_per_section must be a whole number of posts"),
    ("sweep", "max_per_section", True, "config: sweep.max_per_section must be a whole number of posts"),
    ("sweep", "max_per_section", 2.5, "config: sweep.max_per_section must be a whole number of posts"),
    ("sweep", "max_per_sectoin", 5, "config: [sweep]: unknown key max_per_sectoin (did you mean max_per_section?)"),
    ("sweep", "min-age", "2d", "config: [sweep]: unknown key min-age (did you mean min_age?)"),
    ("slack", "webhook_env", "MY VAR", "config: slack.webhook_env must name an environment variable"),
    ("slack", "webhook_url", WEBHOOK, "config: slack.webhook_url: the webhook URL is a secret"),
])
def test_bad_settings_name_the_field(section: str, key: str, value: Any, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        make_config({key: value} if section == "sweep" else None,
                    slack={key: value} if section == "slack" else {})
    assert str(caught.value).startswith(message)
    assert WEBHOOK not in str(caught.value)


def test_errors_name_the_config_file_when_it_loads(tmp_path) -> None:
    from inbox.config import load

    path = tmp_path / "config.toml"
    path.write_text('[sweep]\nmin_age = "soon"\n')
    with pytest.raises(ConfigError, match=r"config\.toml: sweep\.min_age: bad duration"):
        load(path)


# --- posting to Slack -----------------------------------------------------------------------

class FakeSlack:
    """An incoming webhook answering every request the same way, recording them."""

    def __init__(self, status: int = 200, body: str = "ok", *, error: Exception | None = None) -> None:
        self.status, self.body, self.error = status, body, error
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.error is not None:
            raise self.error
        return httpx.Response(self.status, text=self.body, headers={"content-type": "text/html"})


SETTINGS = SweepSettings(sources=(), webhook_env="SLACK_WEBHOOK_URL")
ENV = {"SLACK_WEBHOOK_URL": WEBHOOK}


async def never_sleep(seconds: float) -> None:
    raise AssertionError(f"a webhook POST is never sent again ({seconds}s)")


async def post(slack: FakeSlack, text: str = "hello", **kwargs: Any) -> None:
    await post_to_webhook(SETTINGS, text, env=ENV, transport=httpx.MockTransport(slack),
                          sleep=kwargs.pop("sleep", never_sleep), **kwargs)


async def test_posting_sends_one_exact_request(store: Store) -> None:
    one_entry(store, "<!channel> & *help*")
    text = render(build_sweep(make_config(), store, now=NOW), "mrkdwn")
    slack = FakeSlack()
    await post(slack, text)
    [request] = slack.requests
    assert request.method == "POST"
    assert str(request.url) == WEBHOOK
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {"text": text}


@pytest.mark.parametrize(("status", "body", "message"), [
    (400, "invalid_payload", "slack webhook: invalid_payload: Slack could not read the message"),
    (400, "no_text", "slack webhook: no_text: the message was empty"),
    (410, "channel_is_archived", "slack webhook: channel_is_archived: the webhook's channel is archived"),
    (404, "no_service", "slack webhook: no_service: the webhook was removed or disabled: make a new "
                        "one, and put its URL in SLACK_WEBHOOK_URL"),
    (403, "action_prohibited", "slack webhook: action_prohibited: a Slack admin restricts posting"),
    (400, "some_new_code", "slack webhook: some_new_code: Slack refused the message (HTTP 400)"),
    (404, "<html>Not Found</html>", "slack webhook: Slack refused the message (HTTP 404)"),
    (500, "", "slack webhook: Slack had a server error (HTTP 500); the message may have been posted"),
    (503, "service_unavailable", "slack webhook: service_unavailable: Slack had a server error (HTTP 503)"),
])
async def test_refusals_are_explained_and_never_resent(status: int, body: str, message: str) -> None:
    slack = FakeSlack(status, body)
    with pytest.raises(SourceError) as caught:
        await post(slack)
    assert len(slack.requests) == 1
    assert str(caught.value).startswith(message)
    assert caught.value.status == status
    assert_no_secret(str(caught.value))


def assert_no_secret(text: str) -> None:
    assert WEBHOOK not in text
    assert "XXXXsecretXXXX" not in text and "hooks.slack.com/services" not in text


async def test_an_answer_other_than_ok_is_reported(store: Store) -> None:
    slack = FakeSlack(200, f"queued at {WEBHOOK}")
    with pytest.raises(SourceError, match="may have been posted") as caught:
        await post(slack)
    assert_no_secret(str(caught.value))


async def test_a_timeout_is_never_sent_again() -> None:
    slack = FakeSlack(error=httpx.ReadTimeout("timed out", request=None))
    with pytest.raises(SourceError, match="it may have gone through") as caught:
        await post(slack)
    assert len(slack.requests) == 1
    assert "the webhook URL" in str(caught.value)
    assert_no_secret(str(caught.value))


async def test_no_connection_is_retried_then_reported_without_the_url() -> None:
    slack = FakeSlack(error=httpx.ConnectError(f"cannot reach {WEBHOOK}"))
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    with pytest.raises(SourceError, match="cannot connect") as caught:
        await post(slack, sleep=sleep)
    assert len(slack.requests) == 4 and len(waits) == 3  # it surely never arrived
    assert_no_secret(str(caught.value))


async def test_a_rate_limit_is_waited_out() -> None:
    answers = iter([httpx.Response(429, headers={"retry-after": "2"}, text="rate_limited"),
                    httpx.Response(200, text="ok")])
    seen: list[httpx.Request] = []
    waits: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return next(answers)

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    await post_to_webhook(SETTINGS, "hi", env=ENV, transport=httpx.MockTransport(handler), sleep=sleep)
    assert len(seen) == 2 and waits == [2.0]


async def test_no_webhook_configured() -> None:
    with pytest.raises(ConfigError, match=r"set webhook_env under \[slack\]"):
        await post_to_webhook(SweepSettings(sources=()), "hi", env=ENV)


async def test_the_webhook_variable_unset_or_not_a_url() -> None:
    with pytest.raises(ConfigError, match="SLACK_WEBHOOK_URL is not set"):
        await post_to_webhook(SETTINGS, "hi", env={})
    with pytest.raises(ConfigError, match="SLACK_WEBHOOK_URL does not hold an http\\(s\\) URL") as caught:
        await post_to_webhook(SETTINGS, "hi", env={"SLACK_WEBHOOK_URL": "hooks.slack.com/services/XXXXsecretXXXX"})
    assert_no_secret(str(caught.value))
    for broken in ("https://hooks.slack.com/services/XXXX\nsecretXXXX", "https://hooks.slack.com:99999/XXXXsecretXXXX",
                   "https://[hooks.slack.com/XXXXsecretXXXX"):
        with pytest.raises(ConfigError, match="does not hold an http\\(s\\) URL") as caught:
            await post_to_webhook(SETTINGS, "hi", env={"SLACK_WEBHOOK_URL": broken})
        assert_no_secret(str(caught.value))


async def test_nothing_to_post() -> None:
    slack = FakeSlack()
    with pytest.raises(UsageError, match="nothing to post"):
        await post(slack, "  \n")
    assert slack.requests == []


def test_the_sweep_imports_no_textual() -> None:
    code = ("import sys, inbox.reports.sweep\n"
            "print([m for m in sys.modules if m == 'textual' or m.startswith('textual.')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- the webhook over real HTTP -------------------------------------------------------------

class _Webhook:
    """A Slack incoming webhook on loopback: `ok`, or a plain-text error code."""

    def __new__(cls, answer_status: int = 200, answer_text: str = "ok"):
        from tests.loopback import Answer, Channel

        class Webhook(Channel):
            name = "webhook"
            methods = ("POST",)

            def handle(self, request):
                return Answer(answer_status, None, {"content-type": "text/plain"}, answer_text.encode())

        return Webhook("/services/T000/B000/sEcReTpath")


@pytest.mark.parametrize(("status", "text", "error"), [
    (200, "ok", None),
    (400, "invalid_payload", "invalid_payload"),
    (404, "no_service", "no_service"),
    (410, "channel_is_archived", "channel_is_archived"),
])
async def test_the_webhook_over_loopback(status: int, text: str, error: str | None) -> None:
    from tests.loopback import Loopback

    hook = _Webhook(status, text)
    with Loopback(hook) as server:
        url = server.base_url(hook)
        settings = sweep_settings(parse({"slack": {"webhook_env": "HOOK"}}))
        message = "[Help Wanted] <!here> • <https://forum.test/t/1|A &lt;title&gt;>"
        if error is None:
            await post_to_webhook(settings, message, env={"HOOK": url})
        else:
            with pytest.raises(SourceError) as raised:
                await post_to_webhook(settings, message, env={"HOOK": url})
            assert error in str(raised.value)
            assert "sEcReTpath" not in str(raised.value) and url not in str(raised.value)
        posts = [r for r in server.log if r.method == "POST"]
        assert len(posts) == 1  # sent once, never repeated
        assert json.loads(posts[0].body) == {"text": message}


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_a_redirect_elsewhere_never_carries_the_webhooks_secret_path(status: int) -> None:
    """The webhook's URL is its secret: a hop to another server that copies its path would
    hand that server the secret, so it is not followed, and the line says why."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "hooks.slack.com":
            return httpx.Response(status, headers={"Location": f"https://collector.example{request.url.path}"})
        return httpx.Response(200, text="ok")

    with pytest.raises(SourceError) as caught:
        await post_to_webhook(SETTINGS, "hi", env=ENV, transport=httpx.MockTransport(handler), sleep=never_sleep)
    assert [r.url.host for r in seen] == ["hooks.slack.com"], "the secret path went to another server"
    assert f"redirected (HTTP {status}) to https://collector.example" in str(caught.value)
    assert_no_secret(str(caught.value))
