"""The workspace both front ends call: a sync brings items, the rules act on them, the SLA
gives them due times, in that order, over a loopback GitHub. And the layering that makes
it shareable: it imports no Textual, and nothing in the TUI starts its own event loop."""

from __future__ import annotations

import ast
import asyncio
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import inbox
from inbox.config import parse
from inbox.errors import UsageError
from inbox.store import Store
from inbox.workspace import SyncReport, Workspace
from tests.adapter_base import FakeSleep
from tests.loopback import GitHubAPI, Loopback

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)
TOKEN = {"ORCHARD_GH_TOKEN": "ghp_LoopbackToken0000000000000000000000001"}
PACKAGE = Path(inbox.__file__).parent


@pytest.fixture
def github():
    api = GitHubAPI(token=TOKEN["ORCHARD_GH_TOKEN"])
    api.add_issue(11, "Sync hangs on large albums", created=NOW - timedelta(days=2))
    api.add_issue(12, "Docs typo", created=NOW - timedelta(hours=1))
    with Loopback(api) as server:
        yield api, server


def workspace(tmp_path: Path, server: Loopback, api: GitHubAPI, store: Store) -> Workspace:
    config = parse({
        "team": {"staff": ["maple-jo"], "me": "maple-jo"},
        "sources": [{"name": "orchard", "kind": "github", "repo": "orchardly/orchard-sync",
                     "token_env": "ORCHARD_GH_TOKEN", "base_url": server.base_url(api)}],
        "rules": [{"name": "hangs-are-bugs", "query": "hangs", "type": "bug", "label": "needs-triage"},
                  {"name": "typos-are-done", "query": "typo", "done": True}],
        "sla": {"respond_within": "4h"},
    })
    return Workspace(config, store, now=lambda: NOW, env=TOKEN)


async def test_a_sync_runs_the_rules_then_the_sla_on_what_it_brought(tmp_path, github) -> None:
    api, server = github
    store = Store(tmp_path / "inbox.db")
    heard: list = []
    report = await workspace(tmp_path, server, api, store).sync(sleep=FakeSleep(), on_rules=heard.append)

    assert isinstance(report, SyncReport) and not report.failed
    assert report.items == 2
    # the rules saw the synced items: the type is set here, the label written on GitHub
    assert sorted((a.key, a.field, a.value) for a in report.actions if a.applied) == [
        ("orchard:11", "label", "needs-triage"), ("orchard:11", "type", "bug"), ("orchard:12", "done", "true")]
    assert heard == [report.actions]
    assert store.item("orchard:11", now=NOW)["type"] == "bug"
    assert "needs-triage" in [label["name"] for label in api.issues[11]["labels"]]
    # then the SLA, after the rules: the item a rule marked done awaits no one, so has no due time
    assert set(store.sla.due_times(["orchard:11", "orchard:12"])) == {"orchard:11"}
    assert [row["key"] for row in store.list_items("is:overdue", now=NOW)] == ["orchard:11"]
    store.close()


async def test_a_second_sync_leaves_what_the_rules_did_alone(tmp_path, github) -> None:
    api, server = github
    store = Store(tmp_path / "inbox.db")
    space = workspace(tmp_path, server, api, store)
    await space.sync(sleep=FakeSleep())
    again = await space.sync(sleep=FakeSleep(), now=NOW + timedelta(minutes=10))
    assert not again.failed and [a for a in again.actions if a.applied] == []
    store.close()


def test_triage_returns_what_undo_restores(tmp_path, github) -> None:
    api, server = github
    store = Store(tmp_path / "inbox.db")
    space = workspace(tmp_path, server, api, store)
    asyncio.run(space.sync(sleep=FakeSleep()))
    before = space.triage(["orchard:12"], {"assignee": "maple-jo"})
    assert store.item("orchard:12", now=NOW)["assignee"] == "maple-jo"
    store.restore_triage(before, now=NOW, by="test")
    assert store.item("orchard:12", now=NOW)["assignee"] is None
    store.close()


async def test_the_demo_workspace_sends_nothing(tmp_path) -> None:
    store = Store(tmp_path / "inbox.db")
    demo = Workspace(parse({}), store, now=lambda: NOW, demo=True)
    assert await demo.write_type_label("orchard:1", "bug") is None
    with pytest.raises(UsageError, match="demo"):
        await demo.post_sweep("[Help Wanted]")
    with pytest.raises(UsageError, match="demo"):
        await demo.file_bug("orchard:1")
    store.close()


# --- the layers ------------------------------------------------------------------------------


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_the_workspace_imports_no_textual() -> None:
    imported: set[str] = set()
    for node in ast.walk(_tree(PACKAGE / "workspace.py")):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    assert imported and not [name for name in imported if name.split(".")[0] in ("textual", "rich")]
    # nor through what it imports, at once or when called
    lazy = sorted(name for name in imported if name.startswith("inbox."))
    code = ("import sys, inbox.workspace\n" + "".join(f"import {name}\n" for name in lazy)
            + "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


SYNCHRONOUS_ENTRIES = {"triage/rules.py:apply_rules"}
"""The one loop started outside the CLI: `apply_rules` for synchronous callers (the demo's
loader, before any app runs); async code awaits `apply_rules_async` instead."""


def test_nothing_outside_the_cli_starts_its_own_event_loop() -> None:
    """Workers await on the app's loop; `asyncio.run` inside one would start another. Only
    the CLI, which runs no loop of its own, starts one."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if (PACKAGE / "cli") in path.parents:
            continue
        tree = _tree(path)
        within = {}  # each node -> the innermost function holding it
        for function in ast.walk(tree):
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                within.update((node, function.name) for node in ast.walk(function))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            on_asyncio = (isinstance(func, ast.Attribute) and func.attr in ("run", "run_until_complete")
                          and isinstance(func.value, ast.Name) and func.value.id in ("asyncio", "loop"))
            bare = isinstance(func, ast.Name) and func.id == "run" and _imports_run_from_asyncio(path)
            where = f"{path.relative_to(PACKAGE).as_posix()}:{within.get(node)}"
            if (on_asyncio or bare) and where not in SYNCHRONOUS_ENTRIES:
                found.append(f"{where} (line {node.lineno})")
    assert found == []


def test_the_cli_triages_through_the_workspace(tmp_path, monkeypatch, capsys) -> None:
    """`inbox triage` and the TUI's triage keys are one call, `Workspace.triage`."""
    from inbox.cli import main
    from inbox.models import Item

    store = Store(tmp_path / "inbox.db")
    store.save_page("server", [Item(source="server", kind="github", external_id="1", url="https://github.com/a/b/issues/1",
                                    title="Issue 1", body="", author="ana", author_is_staff=False,
                                    created_at=NOW, last_activity_at=NOW)])
    store.close()
    calls = []
    real = Workspace.triage

    def spy(self, keys, changes):
        calls.append((list(keys), dict(changes)))
        return real(self, keys, changes)

    monkeypatch.setattr(Workspace, "triage", spy)
    config = tmp_path / "config.toml"
    config.write_text('[team]\nme = "amy"\n', encoding="utf-8")
    assert main(["--config", str(config), "--db", str(tmp_path / "inbox.db"), "triage", "server:1", "--done"]) == 0
    assert calls == [(["server:1"], {"done": True})]
    store = Store(tmp_path / "inbox.db")
    assert [(change.by, change.field) for change in store.history.of("server:1")] == [("amy", "done")]
    store.close()


def _imports_run_from_asyncio(path: Path) -> bool:
    return any(isinstance(node, ast.ImportFrom) and node.module == "asyncio"
               and any(alias.name == "run" for alias in node.names) for node in ast.walk(_tree(path)))
