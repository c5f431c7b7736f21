"""Reply templates: loading, rendering, refusing a reply with a hole in it, and ranking."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from inbox.config import parse
from inbox.errors import UsageError
from inbox.playbooks.frontmatter import FrontMatterError
from inbox.respond.templates import (
    Template,
    TemplateError,
    fuzzy_score,
    load_templates,
    parse_template,
    rank,
    render,
    reply_values,
)

ITEM = {"key": "server:7", "kind": "github", "author": "wren-alder", "title": "Sync stalls after upgrade",
        "url": "https://github.com/orchardly/orchard/issues/7", "jira_key": None}
JIRA = {"base_url": "https://orchardly.atlassian.test", "project": "ORC", "email": "bot@orchardly.test",
        "token_env": "JIRA_TOKEN"}
FULL = parse({
    "team": {"me": "maya", "rotation": ["devin", "priya"], "rotation_start": date(2026, 11, 2)},
    "docs": {"forum": "https://forum.orchardly.test", "ideas": "https://ideas.orchardly.test",
             "docs": "https://docs.orchardly.test", "troubleshooting": "https://docs.orchardly.test/trouble",
             "contributing": "https://docs.orchardly.test/contribute",
             "careers": "https://orchardly.test/careers", "security": "https://docs.orchardly.test/security"},
    "jira": JIRA,
})
TODAY = date(2026, 11, 18)  # the third week from rotation_start: priya's


def template(body: str, **front: str) -> Template:
    head = "\n".join(f"{k}: {v}" for k, v in {"title": "T", **front}.items())
    return parse_template(f"---\n{head}\n---\n{body}\n", name="t")


RENDERED = [
    ("Hi {author}!", {}, "Hi wren-alder!"),
    ("Re: {title} ({url})", {}, "Re: Sync stalls after upgrade (https://github.com/orchardly/orchard/issues/7)"),
    ("Thanks for posting on {channel}.", {}, "Thanks for posting on GitHub."),
    ("— {me}", {}, "— maya"),
    ("{rotation} will look at it", {}, "devin will look at it"),  # week 3 from 2 Nov: devin, priya, devin
    ("Continue at {docs.forum}", {}, "Continue at https://forum.orchardly.test"),
    ("Shipped in {version}", {"version": "11.2"}, "Shipped in 11.2"),
    ("Filed {jira_url}", {"jira_key": "ORC-12"}, "Filed https://orchardly.atlassian.test/browse/ORC-12"),
    ("Literal {{braces}} stay", {}, "Literal {braces} stay"),
    ("Two {author} and {author}", {}, "Two wren-alder and wren-alder"),
]


@pytest.mark.parametrize(("body", "extra", "expected"), RENDERED, ids=[r[0] for r in RENDERED])
def test_rendering(body: str, extra: dict, expected: str) -> None:
    item = {**ITEM, **{k: v for k, v in extra.items() if k != "version"}}
    values = reply_values(item, FULL, today=TODAY, version=extra.get("version"))
    assert render(template(body), values) == expected


MISSING = [
    # (body, config, the words the error must have)
    ("See {docs.forum}", {}, ["{docs.forum}", 'add forum = "https://…" under [docs]']),
    ("See {docs.ideas} or {docs.forum}", {"docs": {"forum": "https://f.test"}}, ["{docs.ideas}"]),
    ("Hi", {}, []),  # needs nothing
    ("— {me}", {}, ["{me}", "[team]"]),
    ("{rotation} is on", {"team": {"me": "x"}}, ["{rotation}", "rotation = "]),
    ("in {version}", {}, ["{version}", "--release"]),
    ("filed {jira_url}", {"jira": JIRA}, ["{jira_url}", "inbox jira KEY"]),
    ("filed {jira_url}", {}, ["{jira_url}"]),
]


@pytest.mark.parametrize(("body", "raw", "words"), MISSING, ids=[m[0] + str(i) for i, m in enumerate(MISSING)])
def test_a_missing_value_is_named_not_sent(body: str, raw: dict, words: list[str]) -> None:
    values = reply_values(ITEM, parse(raw), today=TODAY)
    if not words:
        assert render(template(body), values) == body
        return
    with pytest.raises(TemplateError) as raised:
        render(template(body), values)
    for word in words:
        assert word in str(raised.value)


def test_a_declared_link_is_needed_even_when_the_body_does_not_use_it() -> None:
    with pytest.raises(TemplateError, match="docs.install"):
        render(template("Hi", links="[install]"), reply_values(ITEM, FULL, today=TODAY))


def test_hostile_post_text_is_inserted_as_plain_text() -> None:
    item = {**ITEM, "author": "[@click=app.quit]x\x1b[31m", "title": "a\x1b]52;c;ZXZpbA==\x07b\nnext"}
    text = render(template("{author}: {title}"), reply_values(item, FULL, today=TODAY))
    assert "\x1b" not in text and "\x07" not in text and "\n" not in text
    assert text.startswith("[@click=app.quit]x")


@pytest.mark.parametrize(("body", "front", "error"), [
    ("Hi {nme}", {}, "t:4: unknown variable {nme}"),
    ("Hi {docs.}", {}, "unknown variable {docs.}"),
    ("Hi {author.__class__}", {}, "unknown variable"),
    ("", {}, "has no text"),
    ("Hi", {"types": "[bugs]"}, "t:3: types: 'bugs' is not one of"),
    ("Hi", {"kinds": "[twitter]"}, "kinds: 'twitter' is not one of"),
])
def test_a_broken_template_is_one_line_with_its_place(body: str, front: dict, error: str) -> None:
    with pytest.raises(FrontMatterError, match=error.replace("{", r"\{").replace("}", r"\}").replace("[", r"\[")):
        template(body, **front)


def test_the_bundled_templates_load_and_render_with_a_full_config() -> None:
    library = load_templates()
    assert library.warnings == []
    assert {t.name for t in library} == {"ask-details", "move-to-forum", "move-to-ideas", "bug-filed",
                                        "help-wanted", "docs-answer", "feature-shipped", "careers",
                                        "secret-leak", "duplicate"}
    values = reply_values({**ITEM, "jira_key": "ORC-3", "duplicate_url": "https://forum.orchardly.test/t/9"}, FULL,
                          today=TODAY, version="11.2")
    for entry in library:
        text = render(entry, values)
        assert "{" not in text, entry.name
    shipped = render(library.get("feature-shipped"), values)
    assert "Thank you wren-alder for nominating the feature! It is now available in 11.2." in shipped
    assert "https://orchardly.atlassian.test/browse/ORC-3" in render(library.get("bug-filed"), values)
    assert "https://forum.orchardly.test" in render(library.get("move-to-forum"), values)
    assert "https://ideas.orchardly.test" in render(library.get("move-to-ideas"), values)
    assert "https://forum.orchardly.test/t/9" in render(library.get("duplicate"), values)
    leak = render(library.get("secret-leak"), values)
    assert "rotate or revoke that credential" in leak and "We have edited the post to remove it" in leak
    assert "https://docs.orchardly.test/security" in leak and leak.startswith("Hi wren-alder,")


def test_every_bundled_template_says_which_link_it_lacks() -> None:
    bare = parse({"team": {"me": "maya", "rotation": ["devin"]}})
    for entry in load_templates():
        if not entry.links:
            continue
        with pytest.raises(TemplateError) as raised:
            render(entry, reply_values({**ITEM, "jira_key": None}, bare, today=TODAY, version="1"))
        for link in entry.links:
            assert f"{{docs.{link}}}" in str(raised.value)


def test_a_user_folder_overrides_and_extends_and_a_broken_file_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "ask-details.md").write_text("---\ntitle: Our own ask\n---\nTell us more, {author}.\n")
    (tmp_path / "welcome.md").write_text("---\ntitle: Welcome\ntypes: [question]\n---\nWelcome {author}!\n")
    (tmp_path / "broken.md").write_text("---\ntitle: [oops\n---\nHi\n")
    library = load_templates([tmp_path, tmp_path / "missing"])
    assert library.get("ask-details").title == "Our own ask"
    assert library.get("welcome").types == ("question",)
    assert any("broken.md:2: front matter" in w for w in library.warnings)
    assert any("missing: template folder not found" in w for w in library.warnings)
    with pytest.raises(UsageError, match="did you mean ask-details"):
        library.get("ask-detail")


def test_templates_that_suit_the_post_come_first() -> None:
    library = load_templates()
    github_trouble = [t.name for t in rank(library, post_type="troubleshooting", kind="github")]
    assert github_trouble[0] == "move-to-forum"  # suits both the type and the channel
    assert set(github_trouble[:3]) == {"move-to-forum", "ask-details", "docs-answer"}
    forum_trouble = [t.name for t in rank(library, post_type="troubleshooting", kind="discourse")]
    assert forum_trouble.index("move-to-forum") > forum_trouble.index("ask-details")
    feature = [t.name for t in rank(library, post_type="feature", kind="uservoice")]
    assert feature[:3] == ["feature-shipped", "help-wanted", "move-to-ideas"]
    assert len(rank(library, post_type=None, kind="slack")) == len(library) == 10


@pytest.mark.parametrize(("query", "first"), [("mvid", "move-to-ideas"), ("forum", "move-to-forum"),
                                             ("shipped", "feature-shipped"), ("jira", None)])
def test_fuzzy_search_narrows_the_picker(query: str, first: str | None) -> None:
    found = rank(load_templates(), post_type="bug", kind="github", query=query)
    assert (found[0].name if found else None) == first


def test_fuzzy_score_prefers_word_starts() -> None:
    assert fuzzy_score("mf", "move-to-forum") > fuzzy_score("mf", "xmxxxf")
    assert fuzzy_score("zz", "move") is None


def test_rotation_is_one_developer_a_week() -> None:
    team = FULL.team
    assert [team.on_rotation(date(2026, 11, d)) for d in (2, 8, 9, 16, 23)] == \
        ["devin", "devin", "priya", "devin", "priya"]
    assert team.on_rotation(date(2026, 10, 30)) == "priya"  # the week before the start
    assert parse({}).team.on_rotation(TODAY) is None


def test_a_filed_bug_puts_bug_filed_first() -> None:
    from inbox.respond.templates import preferred_template

    library = load_templates()
    prefer = preferred_template({"jira_key": "ORC-3"})
    assert rank(library, post_type="troubleshooting", kind="github", prefer=prefer)[0].name == "bug-filed"
    assert preferred_template({"jira_key": None}) is None


def test_a_leaked_secret_puts_secret_leak_first_even_over_a_filed_bug() -> None:
    from inbox.respond.templates import preferred_template

    leaked = {"leaks": '[{"kind": "github-token", "masked": "ghp_…abcd"}]', "jira_key": "ORC-3"}
    prefer = preferred_template(leaked)
    assert prefer == "secret-leak"
    assert rank(load_templates(), post_type="question", kind="discourse", prefer=prefer)[0].name == "secret-leak"
    assert preferred_template({"leaks": None, "jira_key": None}) is None
