"""The same question across channels from scripts: `inbox similar` prints the preview's
list, `inbox triage --duplicate-of` and `--not-duplicate` link and unlink posts, the link
shows in `inbox list --json` on both posts and in `inbox log`, and `inbox reply` fills the
duplicate template with the other post's link."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from inbox.models import Item, Reply
from inbox.store import Store
from inbox.timeutil import utcnow
from tests.cli_helpers import run


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "inbox.db"
    store = Store(path)
    now = utcnow()

    def item(source, kind, number, title, body, days):
        return Item(source=source, kind=kind, external_id=number, url=f"https://example.org/{source}/{number}",
                    title=title, body=body, author="rhys", author_is_staff=False,
                    created_at=now - timedelta(days=days), last_activity_at=now - timedelta(days=days))

    store.save_page("server", [
        item("server", "github", "1", "Webhooks stop firing after upgrading to 10.2",
             "Since the upgrade our outgoing webhooks never fire.", 1),
        item("server", "github", "2", "Desktop app crashes on start", "Crashes after the splash screen.", 2),
    ])
    store.save_page("forum", [item("forum", "discourse", "7", "Outgoing webhooks not firing since 10.2",
                                   "After upgrading, none of our [bold]webhooks[/bold] fire.\x1b[31m", 3)],
                    replies={"forum:7": [Reply(external_id="r1", author="maya", author_is_staff=True,
                                               body="Fixed in 10.2.1", created_at=now)]})
    store.close()
    return path


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[team]\nme = "ana"\n')
    return path



def test_similar_prints_the_same_question_first(capsys, db, config):
    code, out, err = run(capsys, "--config", config, "--db", db, "similar", "server:1")
    assert code == 0 and err == ""
    first = out.splitlines()[0]
    assert first.split()[:4] == ["forum:7", "Discourse", "open", "answered"]
    assert first.endswith("Outgoing webhooks not firing since 10.2")
    assert "server:1 " not in out


def test_similar_json_and_limit(capsys, db, config):
    code, out, _ = run(capsys, "--config", config, "--db", db, "similar", "server:1", "--json", "--limit", "1")
    assert code == 0
    assert json.loads(out) == [{"key": "forum:7", "source": "forum", "kind": "discourse",
                                "title": "Outgoing webhooks not firing since 10.2",
                                "url": "https://example.org/forum/7", "state": "open", "answered": True,
                                "duplicate": False}]


@pytest.mark.parametrize("args", [["similar", "server:404"], ["similar", "server:1", "--limit", "-1"],
                                  ["triage", "server:1", "--duplicate-of", "forum:404"],
                                  ["triage", "server:1", "--duplicate-of", "server:1"]])
def test_a_bad_key_or_limit_is_one_line_and_exit_2(capsys, db, config, args):
    code, out, err = run(capsys, "--config", config, "--db", db, *args)
    assert code == 2 and out == ""
    assert err.startswith("inbox: ") and err.count("\n") == 1


def test_triage_links_and_unlinks_duplicates_and_both_posts_show_it(capsys, db, config):
    base = ("--config", config, "--db", db)
    code, out, _ = run(capsys, *base, "triage", "server:1", "--duplicate-of", "forum:7")
    assert (code, out) == (0, "server:1: linked as a duplicate of forum:7\n")
    code, out, _ = run(capsys, *base, "list", "--json")
    linked = {item["key"]: item["duplicates"] for item in json.loads(out)}
    assert linked == {"server:1": ["forum:7"], "server:2": [], "forum:7": ["server:1"]}

    code, out, _ = run(capsys, *base, "similar", "server:1", "--json")
    assert json.loads(out)[0]["duplicate"] is True
    _, out, _ = run(capsys, *base, "log", "forum:7")
    assert out.rstrip().endswith("ana  linked server:1 as its duplicate")

    code, out, _ = run(capsys, *base, "triage", "forum:7", "--not-duplicate", "server:1", "--done")
    assert code == 0
    assert out.splitlines() == ["forum:7: no longer linked with server:1", "forum:7: done=True"]
    _, out, _ = run(capsys, *base, "log", "server:1")
    assert out.rstrip().endswith("ana  unmarked as a duplicate of forum:7")
    _, out, _ = run(capsys, *base, "list", "--json", "is:open")
    assert all(item["duplicates"] == [] for item in json.loads(out))


def test_reply_fills_the_duplicate_template_with_the_other_posts_link(capsys, db, config):
    base = ("--config", config, "--db", db)
    code, out, err = run(capsys, *base, "reply", "server:1", "--template", "duplicate")
    assert code == 2 and "inbox triage KEY --duplicate-of OTHER" in err
    run(capsys, *base, "triage", "server:1", "--duplicate-of", "forum:7")
    code, out, _ = run(capsys, *base, "reply", "server:1", "--template", "duplicate")
    assert code == 0 and "https://example.org/forum/7" in out and out.startswith("Hi rhys,")
