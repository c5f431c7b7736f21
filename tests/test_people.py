"""People: one person per login per channel until `[people.NAME]` joins them; staff and
custom tags; engagement levels; the office-hours call-outs; the people query; the
`people` command; the People screen (hostile names literal, tagging, choosing).
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from textual.app import App
from textual.widgets import DataTable, Input

from inbox.cli import people as cli_people
from inbox.config import Config, parse
from inbox.errors import ConfigError, QueryError, UsageError
from inbox.models import Item, Reply
from inbox.store import Store
from inbox.triage.people import (
    Person,
    author_term,
    engagement_level,
    first_people,
    helpful,
    list_people,
    people_config,
    person_logins_rows,
    sync_person_logins,
)
from inbox.triage.tags import remove_tag, set_tag
from inbox.tui.screens.people import PeopleScreen
from inbox.tui.screens.prompt import PromptScreen

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
HOSTILE = "[@click=app.quit]x"
SOURCES = [
    {"name": "server", "kind": "github", "repo": "acme/server"},
    {"name": "mobile", "kind": "github", "repo": "acme/mobile"},
    {"name": "forum", "kind": "discourse", "base_url": "https://forum.example.org"},
]
KINDS = {"server": "github", "mobile": "github", "forum": "discourse"}


def make_config(people: dict[str, Any] | None = None, staff: list[str] | None = None) -> Config:
    data: dict[str, Any] = {"team": {"staff": staff or []}, "sources": SOURCES}
    if people is not None:
        data["people"] = people
    return parse(data)


_counter = iter(range(1, 1_000_000))


def post(source: str, author: str, *, ago: timedelta = timedelta(days=1), staff: bool = False,
         replies: list[tuple[str, timedelta] | tuple[str, timedelta, bool]] = ()) -> Item:
    """An item by `author`, `ago` before NOW, with replies (author, ago[, staff])."""
    n = next(_counter)
    thread = [Reply(external_id=f"r{n}-{i}", author=r[0], author_is_staff=bool(r[2]) if len(r) > 2 else False,
                    created_at=NOW - r[1], body="an answer") for i, r in enumerate(replies)]
    created = NOW - ago
    last = max([created, *(reply.created_at for reply in thread)])
    return Item(source=source, kind=KINDS[source], external_id=str(n), url=f"https://example.org/{n}",
                title=f"Post {n}", body="text", author=author, author_is_staff=staff,
                created_at=created, last_activity_at=last, replies=len(thread), thread=thread)


def save(store: Store, *items: Item) -> None:
    for source in {item.source for item in items}:
        store.save_page(source, [item for item in items if item.source == source])


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "inbox.db")
    yield store
    store.close()


def by_name(people: list[Person], name: str) -> list[Person]:
    return [p for p in people if p.name == name]


# --- identity merging ---------------------------------------------------------------------------

AMY = {"amy": {"github": "amy-acme", "discourse": "core-amy"}}


def test_a_mapped_person_is_one_person_across_channels(store):
    config = make_config(AMY)
    save(store,
         post("server", "amy-acme", ago=timedelta(days=3)),
         post("forum", "core-amy", ago=timedelta(days=40)),
         post("mobile", "Amy-Acme"),  # GitHub logins ignore case
         post("server", "bob", replies=[("amy-acme", timedelta(hours=5))]),
         post("forum", "cat", replies=[("core-amy", timedelta(hours=2)), ("dan", timedelta(hours=1))]))
    people = list_people(config, store, now=NOW)
    [amy] = by_name(people, "amy")
    assert amy.mapped and set(amy.channels) == {"github", "discourse"}
    assert amy.channels[0] == "github"  # most active first
    assert (amy.posts, amy.replies) == (3, 2)
    assert amy.logins == [("github", "amy-acme"), ("discourse", "core-amy")]
    assert amy.first_seen == NOW - timedelta(days=40)
    assert amy.last_seen == NOW - timedelta(hours=2)
    names = {p.name for p in people}
    assert not names & {"amy-acme", "Amy-Acme", "core-amy"}
    assert names == {"amy", "bob", "cat", "dan"}


def test_author_name_finds_a_persons_posts_on_every_channel(store):
    config = make_config(AMY)
    github, forum, other = post("server", "amy-acme"), post("forum", "core-amy"), post("forum", "amy-acme")
    save(store, github, forum, other)
    assert store.list_items("author:amy", now=NOW) == []  # not until the logins are synced
    sync_person_logins(config, store)
    found = {row["key"] for row in store.list_items("author:amy", now=NOW)}
    assert found == {github.key, forum.key}  # amy-acme on the forum is someone else
    assert {row["key"] for row in store.list_items(author_term("amy"), now=NOW)} == found


def test_the_same_login_on_two_channels_stays_two_people(store):
    save(store, post("server", "jo"), post("forum", "jo"), post("mobile", "jo"))
    people = by_name(list_people(make_config(), store, now=NOW), "jo")
    assert sorted((p.channels, p.posts) for p in people) == [(["discourse"], 1), (["github"], 2)]
    assert sorted(p.logins for p in people) == [[("discourse", "jo")], [("github", "jo")]]


def test_a_source_name_maps_a_login_on_that_source_only(store):
    config = make_config({"sam": {"server": "sam-gh"}})
    save(store, post("server", "sam-gh"), post("mobile", "sam-gh"))
    people = list_people(config, store, now=NOW)
    assert sorted((p.name, p.mapped, p.channels, p.posts) for p in people) == [
        ("sam", True, ["github"], 1), ("sam-gh", False, ["github"], 1)]
    assert person_logins_rows(config) == [("sam", "server", "sam-gh")]


def test_a_mapped_person_with_no_activity_is_listed(store):
    [amy] = list_people(make_config(AMY), store, now=NOW)
    assert (amy.name, amy.posts, amy.replies, amy.level, amy.last_seen) == ("amy", 0, 0, 4, None)


@pytest.mark.parametrize("people, message", [
    ("amy", "[people] must hold tables"),
    ({"amy": "amy-acme"}, "people.amy must be a table of logins"),
    ({"amy": {}}, "people.amy: give at least one login"),
    ({"amy": {"githb": "amy-acme"}}, "people.amy.githb: not a channel kind or a source name"),
    ({"amy": {"github": 7}}, "people.amy.github must be a login or a list of logins"),
    ({"amy": {"github": []}}, "people.amy.github must be a login or a list of logins"),
    ({"amy": {"github": ["ok", 1]}}, "people.amy.github must be a login"),
    ({"amy": {"github": " "}}, "people.amy.github: '' is not a login"),
    ({"amy smith": {"github": "a"}}, "people.amy smith: a person's name is letters"),
    ({"amy": {"github": "a"}, "Amy": {"discourse": "b"}}, "people.Amy: the same person as people.amy"),
    ({"amy": {"github": "amy-acme"}, "bo": {"github": "AMY-ACME"}}, "people.bo.github: 'AMY-ACME' is already people.amy.github"),
    ({"amy": {"github": "x"}, "bo": {"server": "x"}}, "people.bo.server: 'x' is already people.amy.github"),
])
def test_bad_people_config_names_the_entry(people, message):
    with pytest.raises(ConfigError) as caught:
        people_config(make_config(people))
    assert message in str(caught.value)
    assert str(caught.value).startswith("config: ")


def test_one_login_on_two_sources_of_a_kind_may_be_two_people():
    config = make_config({"amy": {"server": "x"}, "bo": {"mobile": "x", "github": ["bo", "Bo"]}})
    assert people_config(config) == {"amy": {"server": ["x"]}, "bo": {"mobile": ["x"], "github": ["bo"]}}


# --- staff and tags -----------------------------------------------------------------------------

def test_staff_comes_from_team_staff_and_from_the_channel(store):
    config = make_config({"amy": {"github": "amy-acme", "discourse": "core-amy"}}, staff=["LEE", "core-amy"])
    save(store,
         post("server", "lee"),  # [team] staff, any case
         post("forum", "mod", staff=True),  # the forum says so on a post
         post("server", "ann", replies=[("maintainer", timedelta(hours=1), True)]),  # on a reply
         post("forum", "amy-acme"))  # one of amy's logins is in [team] staff (the forum one)
    people = {p.name: p for p in list_people(config, store, now=NOW)}
    assert {name for name, p in people.items() if "staff" in p.tags} == {"lee", "mod", "maintainer", "amy"}
    assert people["ann"].tags == [] and not people["ann"].staff
    assert people["amy-acme"].tags == []  # amy-acme on the forum is not amy


def test_custom_tags_are_set_and_removed_by_name(store):
    config = make_config(AMY, staff=["lee"])
    save(store, post("server", "amy-acme"), post("server", "lee"), post("forum", "jo"))
    assert set_tag(store, "amy", " Champion ", now=NOW) is True
    assert set_tag(store, "AMY", "champion", now=NOW) is False  # already there, any case
    set_tag(store, "lee", "contributor", now=NOW)
    set_tag(store, "jo", "first-timer", now=NOW)
    people = {p.name: p for p in list_people(config, store, now=NOW)}
    assert people["amy"].tags == ["champion"]
    assert people["lee"].tags == ["staff", "contributor"]
    assert people["jo"].tags == ["first-timer"]
    assert remove_tag(store, "Amy", "CHAMPION", now=NOW) is True
    assert remove_tag(store, "amy", "champion", now=NOW) is False
    assert remove_tag(store, "lee", "staff", now=NOW) is False  # automatic: stays
    people = {p.name: p for p in list_people(config, store, now=NOW)}
    assert people["amy"].tags == [] and people["lee"].tags == ["staff", "contributor"]


def test_a_staff_tag_set_by_hand_counts_as_staff(store):
    save(store, post("server", "bot"))
    set_tag(store, "bot", "staff", now=NOW)
    [bot] = list_people(make_config(), store, now=NOW)
    assert bot.tags == ["staff"] and not bot.staff


@pytest.mark.parametrize("tag", ["", "two words", "[bold]x", "café", "-x", "x" * 41])
def test_a_tag_is_letters_digits_and_dashes(store, tag):
    with pytest.raises(UsageError):
        set_tag(store, "amy", tag, now=NOW)


# --- engagement ---------------------------------------------------------------------------------

@pytest.mark.parametrize("weight, recent, level", [
    (40, True, 1), (20, True, 1), (20, False, 2), (19, True, 2), (6, True, 2), (6, False, 2),
    (5, True, 3), (2, False, 3), (1, True, 4), (0, False, 4),
])
def test_engagement_level_thresholds(weight, recent, level):
    assert engagement_level(weight, recent) == level


def test_engagement_levels_from_activity(store):
    days = timedelta(days=1)
    save(store,
         # 10 answers in the last 20 days: weight 20, recent -> leading
         *[post("server", "someone", ago=30 * days, replies=[("lead", (i + 1) * days)]) for i in range(10)],
         # 10 answers 40-80 days ago: weight 20 but nothing in 30 days -> contributing
         *[post("server", "someone", ago=90 * days, replies=[("quiet", (40 + 4 * i) * days)]) for i in range(10)],
         # one answer yesterday -> participating; one post -> exploring
         post("forum", "asker", ago=days, replies=[("answerer", days / 2)]),
         # many answers, all more than 90 days ago -> exploring
         *[post("forum", "someone", ago=200 * days, replies=[("gone", 100 * days)]) for _ in range(12)])
    people = {p.name: p for p in list_people(make_config(), store, now=NOW)}
    assert {name: (p.level, p.level_label) for name, p in people.items() if name != "someone"} == {
        "lead": (1, "leading"), "quiet": (2, "contributing"), "answerer": (3, "participating"),
        "asker": (4, "exploring"), "gone": (4, "exploring")}
    assert (people["gone"].weight, people["gone"].recent_weight) == (24, 0)
    ordered = [p.name for p in list_people(make_config(), store, now=NOW)]
    assert ordered.index("lead") < ordered.index("quiet") < ordered.index("answerer") < ordered.index("asker")


def test_since_counts_only_the_window_and_leaves_out_the_quiet(store):
    save(store,
         post("server", "jo", ago=timedelta(days=2), replies=[("amy", timedelta(days=1)), ("old", timedelta(days=20))]),
         post("server", "jo", ago=timedelta(days=30)))
    people = {p.name: p for p in list_people(make_config(), store, now=NOW, since=timedelta(days=7))}
    assert set(people) == {"jo", "amy"}
    assert (people["jo"].posts, people["jo"].first_seen) == (1, NOW - timedelta(days=30))


# --- office hours call-outs ---------------------------------------------------------------------

def test_helpful_ranks_community_answers_in_the_window(store):
    config = make_config({"amy": {"github": ["amy-acme", "amy-old"], "discourse": "core-amy"}},
                         staff=["lee"])
    day = timedelta(days=1)
    edge = timedelta(days=14)
    save(store,
         # amy: two answers on GitHub, one on the forum; her answer on her own post (other login) is left out
         post("server", "ann", ago=3 * day, replies=[("amy-acme", 2 * day), ("amy-old", day)]),
         post("forum", "ann", ago=3 * day, replies=[("core-amy", 3 * day)]),
         post("server", "amy-acme", ago=3 * day, replies=[("amy-old", day), ("amy-acme", day)]),
         # jo: three answers too, but the latest is older than amy's latest -> after amy
         post("server", "ann", ago=20 * day, replies=[("jo", 5 * day), ("jo", 6 * day), ("jo", edge)]),
         # kim: one answer exactly at the window's edge (counts), one just outside (does not)
         post("forum", "ann", ago=20 * day, replies=[("kim", edge), ("kim", edge + timedelta(seconds=1))]),
         # staff, however many answers, are not call-outs (by [team], by the channel)
         post("server", "ann", ago=3 * day, replies=[("lee", day), ("mod", day, True)]),
         *[post("server", "ann", ago=3 * day, replies=[("lee", day)]) for _ in range(5)],
         # answers in the future of `now` (clock skew) do not count
         post("server", "ann", ago=day, replies=[("zed", -day)]),
         # own posts only
         post("forum", "solo", ago=2 * day, replies=[("solo", day), ("solo", day / 2)]))
    ranked = helpful(config, store, now=NOW, since=edge)
    assert [(p.name, p.helped) for p in ranked] == [("amy", 3), ("jo", 3), ("kim", 1)]
    assert ranked[0].helped_channels == ["github", "discourse"]
    assert ranked[0].last_helped == NOW - day
    assert [p.name for p in helpful(config, store, now=NOW, since=timedelta(days=4))] == ["amy"]


def test_a_community_member_tagged_staff_by_hand_is_no_call_out(store):
    save(store, post("server", "ann", replies=[("bot", timedelta(hours=1))]))
    assert [p.name for p in helpful(make_config(), store, now=NOW)] == ["bot"]
    set_tag(store, "bot", "staff", now=NOW)
    assert helpful(make_config(), store, now=NOW) == []


# --- the people query ---------------------------------------------------------------------------

def test_query_filters_by_text_tag_level_and_channel(store):
    config = make_config(AMY, staff=["lee"])
    save(store,
         *[post("server", "x", replies=[("amy-acme", timedelta(days=1))]) for _ in range(10)],
         post("forum", "lee"), post("forum", "jo-smith"))
    set_tag(store, "jo-smith", "champion", now=NOW)

    def names(query: str) -> list[str]:
        return sorted(p.name for p in list_people(config, store, now=NOW, query=query))

    assert names("") == ["amy", "jo-smith", "lee", "x"]
    assert names("SMITH") == ["jo-smith"]
    assert names("acme") == ["amy"]  # a login finds its person
    assert names("tag:champion") == ["jo-smith"]
    assert names("tag:staff") == ["lee"]
    assert names("-tag:staff") == ["amy", "jo-smith", "x"]
    assert names("level:1") == ["amy"] == names("level:leading")
    assert names("channel:discourse") == ["amy", "jo-smith", "lee"]  # amy: by her forum login
    assert names("channel:discourse level:4 -lee") == ["jo-smith"]
    assert names('"jo-sm"') == ["jo-smith"]
    for bad in ("colour:red", "level:9", "tag:"):
        with pytest.raises(QueryError):
            list_people(config, store, now=NOW, query=bad)


# --- the command --------------------------------------------------------------------------------

def namespace(**given: Any) -> argparse.Namespace:
    values: dict[str, Any] = {"query": [], "helpful": False, "since": None, "json": False, "tag": None,
                              "untag": None, "limit": 100}
    values.update(given)
    return argparse.Namespace(**values)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="inbox")
    cli_people.add_parsers(root.add_subparsers(dest="command"))
    return root


def test_the_command_parses_its_options():
    args = parser().parse_args(["people", "tag:champion", "amy", "--helpful", "--since", "7d", "--json"])
    assert (args.query, args.helpful, args.since, args.json) == (["tag:champion", "amy"], True, "7d", True)
    args = parser().parse_args(["people", "--tag", "amy", "champion", "--untag", "jo", "contributor"])
    assert (args.tag, args.untag) == (["amy", "champion"], ["jo", "contributor"])


def test_the_command_prints_json_and_syncs_the_logins_first(store, capsys):
    config = make_config(AMY)
    save(store, post("server", "amy-acme"), post("forum", "core-amy", replies=[("jo", timedelta(hours=1))]))
    assert cli_people.run("people", config, store, now=NOW, args=namespace(json=True)) == 0
    rows = json.loads(capsys.readouterr().out)
    amy = next(row for row in rows if row["name"] == "amy")
    assert amy["posts"] == 2 and sorted(amy["channels"]) == ["discourse", "github"]
    assert amy["logins"] == [{"channel": "github", "login": "amy-acme"},
                             {"channel": "discourse", "login": "core-amy"}]
    assert {"level", "level_label", "tags", "first_seen", "last_seen", "replies"} <= set(amy)
    assert amy["last_seen"].endswith("Z")
    assert len(store.list_items("author:amy", now=NOW)) == 2  # synced by the command


def test_the_command_prints_names_as_text_never_markup(store, capsys):
    save(store, post("server", HOSTILE), post("forum", "[bold red]boom[/]\x1b]52;c;ZXZpbA==\x07"))
    assert cli_people.run("people", make_config(), store, now=NOW, args=namespace()) == 0
    out = capsys.readouterr().out
    assert HOSTILE in out and "[bold red]boom[/]" in out
    assert "\x1b]52" not in out and "\x07" not in out
    assert "level" in out and "exploring" in out


def test_the_command_lists_call_outs_for_office_hours(store, capsys):
    save(store,
         post("forum", "ann", ago=timedelta(days=3),
              replies=[("jo", timedelta(days=2)), ("jo", timedelta(days=1)), ("kim", timedelta(days=10))]),
         post("server", "ann", ago=timedelta(days=30), replies=[("old", timedelta(days=20))]))
    assert cli_people.run("people", make_config(), store, now=NOW, args=namespace(helpful=True)) == 0
    out = capsys.readouterr().out
    assert out.startswith("Call-outs for office hours:")
    assert "in the last 14d" in out
    lines = out.splitlines()[1:]
    assert lines[0].startswith("1. jo  2 replies on discourse")
    assert lines[1].startswith("2. kim  1 reply on discourse")
    assert "old" not in out
    cli_people.run("people", make_config(), store, now=NOW, args=namespace(helpful=True, since="5d", json=True))
    assert [row["name"] for row in json.loads(capsys.readouterr().out)] == ["jo"]
    cli_people.run("people", make_config(), store, now=NOW, args=namespace(helpful=True, since="1h"))
    assert "No community member answered a post in the last 1h." in capsys.readouterr().out


def test_the_command_tags_and_untags(store, capsys):
    config = make_config(AMY)
    save(store, post("server", "amy-acme"))
    cli_people.run("people", config, store, now=NOW, args=namespace(tag=["AMY", "Champion"]))
    assert capsys.readouterr().out == "amy: tagged champion\n"
    cli_people.run("people", config, store, now=NOW, args=namespace(query=["tag:champion"], json=True))
    assert [row["name"] for row in json.loads(capsys.readouterr().out)] == ["amy"]
    cli_people.run("people", config, store, now=NOW, args=namespace(untag=["amy", "champion"]))
    assert capsys.readouterr().out == "amy: untagged champion\n"
    with pytest.raises(UsageError, match="no person named 'nobody'"):
        cli_people.run("people", config, store, now=NOW, args=namespace(tag=["nobody", "champion"]))
    with pytest.raises(UsageError, match="a tag is letters"):
        cli_people.run("people", config, store, now=NOW, args=namespace(tag=["amy", "not a tag"]))
    with pytest.raises(UsageError, match="--since"):
        cli_people.run("people", config, store, now=NOW, args=namespace(since="soon"))


def test_the_command_lists_the_most_engaged_first_and_says_how_many_more(store, capsys):
    rng = random.Random(5)
    save(store, *(post(rng.choice(list(KINDS)), f"user{n % 37}", ago=timedelta(hours=rng.randrange(1, 3000)),
                       replies=[(f"user{rng.randrange(60)}", timedelta(hours=rng.randrange(1, 900)))
                                for _ in range(rng.randrange(3))])
                  for n in range(150)))
    everyone = list_people(make_config(), store, now=NOW)
    assert len(everyone) > 40
    first, total = first_people(make_config(), store, now=NOW, limit=7)
    assert [p.name for p in first] == [p.name for p in everyone[:7]] and total == len(everyone)
    assert first_people(make_config(), store, now=NOW, query="level:4", limit=3)[1] == sum(
        p.level == 4 for p in everyone)

    assert cli_people.run("people", make_config(), store, now=NOW, args=namespace(limit=7)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 + 7 + 1 and lines[1].split()[0] == everyone[0].name
    assert lines[-1] == f"…and {len(everyone) - 7} more (--limit 0 lists everyone)"
    assert cli_people.run("people", make_config(), store, now=NOW, args=namespace(limit=0)) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1 + len(everyone)
    assert cli_people.run("people", make_config(), store, now=NOW, args=namespace(limit=3, json=True)) == 0
    out, err = capsys.readouterr()
    assert [row["name"] for row in json.loads(out)] == [p.name for p in everyone[:3]]
    assert err == f"inbox: the first 3 of {len(everyone)} people (--limit 0 lists everyone)\n"
    assert parser().parse_args(["people"]).limit == 100
    with pytest.raises(SystemExit):
        parser().parse_args(["people", "--limit", "some"])


# --- the People screen --------------------------------------------------------------------------

class PeopleApp(App):
    def __init__(self, people: list[Person]) -> None:
        super().__init__()
        self.people = people
        self.tagged: list[tuple[str, str, bool]] = []
        self.chosen: list[str | None] = []

    def on_mount(self) -> None:
        self.push_screen(PeopleScreen(self.people, now=NOW, on_tag=self.tag), self.chosen.append)

    def tag(self, person: str, tag: str, add: bool) -> None:
        self.tagged.append((person, tag, add))


def screen_people(store: Store) -> list[Person]:
    save(store,
         post("server", HOSTILE, ago=timedelta(days=2)),
         post("forum", "amy", replies=[("amy", timedelta(hours=1)), ("jo", timedelta(hours=2))]))
    return list_people(make_config(), store, now=NOW)


async def test_the_screen_shows_hostile_names_literally(store):
    app = PeopleApp(screen_people(store))
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        cells = [table.get_row_at(row)[0] for row in range(table.row_count)]
        assert HOSTILE in [cell.plain for cell in cells]
        assert HOSTILE in app.export_screenshot()
        assert app.is_running  # the name did not click app.quit


async def test_t_tags_through_the_callback(store):
    app = PeopleApp(screen_people(store))
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        name = screen.highlighted.name
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        for key in "Champion":
            await pilot.press(key)
        await pilot.press("enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.tagged == [(name, "champion", True)]
        table = screen.query_one(DataTable)
        assert "champion" in table.get_row_at(table.cursor_row)[-1].plain
        await pilot.press("T")
        await pilot.pause()
        await pilot.press("enter")  # the prompt offers the last tag
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.tagged[-1] == (name, "champion", False)
        assert table.get_row_at(table.cursor_row)[-1].plain == ""


async def test_slash_filters_and_enter_chooses_the_person(store):
    app = PeopleApp(screen_people(store))
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert screen.query_one(DataTable).row_count == 3
        await pilot.press("slash")
        await pilot.pause()
        assert isinstance(app.focused, Input)
        for key in "jo":
            await pilot.press(key)
        await pilot.pause()
        assert screen.query_one(DataTable).row_count == 1
        await pilot.press("escape")  # closes the filter, keeps it
        await pilot.pause()
        assert isinstance(app.focused, DataTable) and screen.query_one(DataTable).row_count == 1
        await pilot.press("enter")
        await pilot.pause()
        assert app.chosen == ["jo"]


async def test_escape_closes_with_nothing_chosen(store):
    app = PeopleApp(screen_people(store))
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.chosen == [None]


async def test_T_leaves_an_automatic_staff_tag_alone(store):
    save(store, post("server", "lee"))
    people = list_people(make_config(staff=["lee"]), store, now=NOW)
    app = PeopleApp(people)
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        await pilot.press("T")
        await pilot.pause()
        assert not isinstance(app.screen, PromptScreen) and app.tagged == []


def test_a_reply_without_a_time_is_still_counted(store):
    item = post("server", "ann", replies=[("jo", timedelta(hours=1))])
    item.thread.append(Reply(external_id="no-time", author="jo", author_is_staff=False, created_at=None,
                             body="?"))
    item.replies = 2
    save(store, item)
    people = {p.name: p for p in list_people(make_config(), store, now=NOW)}
    assert people["jo"].replies == 2 and people["jo"].last_seen == NOW - timedelta(hours=1)
    assert [p.helped for p in helpful(make_config(), store, now=NOW)] == [1]


def test_the_people_core_does_not_import_textual():
    import subprocess
    import sys

    code = ("import sys, inbox.triage.people, inbox.cli.people\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_syncing_the_logins_writes_only_when_the_config_changed(store):
    assert sync_person_logins(make_config(), store) is False  # nothing configured, nothing stored
    assert sync_person_logins(make_config(AMY), store) is True
    assert sync_person_logins(make_config(AMY), store) is False
    assert sync_person_logins(make_config({"amy": {"github": "amy-acme"}}), store) is True
    assert sync_person_logins(make_config(), store) is True
    assert store.db.execute("SELECT COUNT(*) FROM person_logins").fetchone()[0] == 0
