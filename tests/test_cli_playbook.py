"""`inbox playbook`: list, show, checklist; offline, with no config and no database."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.cli_helpers import run


def test_lists_every_playbook_with_no_config_and_no_database(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("INBOX_CONFIG", "")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    code, out, err = run(capsys, "playbook")
    assert code == 0 and err == ""
    names = [line.split()[0] for line in out.splitlines()]
    assert {"office-hours", "demo-day", "livestream", "secret-leak", "community-monitoring",
            "help-wanted-sweep", "feature-release"} <= set(names)
    assert any(line.split(None, 1) == ["office-hours", "Office hours: " + line.split(": ", 1)[1]]
               for line in out.splitlines() if line.startswith("office-hours "))
    assert not (tmp_path / "data").exists()  # no database was created


def test_shows_one_rendered(capsys):
    code, out, _ = run(capsys, "playbook", "demo-day")
    assert code == 0
    assert "Demo day" in out and "Schedule" in out and "20px" in out
    assert "- [ ]" not in out  # task lines drawn as boxes


def test_checklist_prints_only_the_steps_with_due_times(capsys):
    code, out, _ = run(capsys, "playbook", "livestream", "--checklist", "--at", "2026-11-25 17:00")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Livestream from Zoom to YouTube"
    auth = next(line for line in lines if "Start the YouTube auth flow" in line)
    assert auth.startswith("  [ ] ") and "(-10m, Wed 25 Nov 16:50 UTC)" in auth
    assert all(line.startswith("  [ ] ") or not line.startswith(" ") for line in lines[1:])


def test_unknown_name_suggests_the_closest(capsys):
    code, out, err = run(capsys, "playbook", "livestrem")
    assert code == 2 and out == ""
    assert err.strip() == "inbox: no playbook named 'livestrem'; did you mean livestream?"


def test_bad_at_is_a_usage_error(capsys):
    code, _, err = run(capsys, "playbook", "livestream", "--at", "tomorrowish")
    assert code == 2 and "--at tomorrowish" in err


def test_user_folder_override_and_broken_file_warning(capsys, tmp_path):
    folder = tmp_path / "team"
    folder.mkdir()
    (folder / "demo-day.md").write_text("---\ntitle: Our demo day\nsummary: Ours.\n---\n- [ ] Book the room\n")
    (folder / "broken.md").write_text("---\ntitle: Broken\nsummary: x\ntags: [a\n---\n")
    config = tmp_path / "config.toml"
    config.write_text('[playbooks]\npaths = ["team"]\n')  # relative to the config file
    code, out, err = run(capsys, "--config", config, "playbook")
    assert code == 0
    assert [line.split(None, 1)[1] for line in out.splitlines() if line.startswith("demo-day ")] == \
        ["Our demo day: Ours."]
    assert "office-hours" in out
    [warning] = err.splitlines()
    assert warning.startswith(f"inbox: warning: {folder / 'broken.md'}:4: front matter:")
    code, out, _ = run(capsys, "--config", config, "playbook", "demo-day", "--checklist")
    assert out.splitlines() == ["Our demo day", "  [ ] Book the room"]


def test_works_from_a_non_editable_install(tmp_path):
    """The bundled playbooks (and the starter config) ship inside the wheel: build it,
    install it into a bare folder, and read a playbook from there with the repo out of
    sys.path."""
    root = Path(__file__).resolve().parent.parent
    wheel_dir = tmp_path / "wheel"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                            "-q", "-w", str(wheel_dir), str(root)], capture_output=True, text=True)
    if built.returncode != 0:
        raise AssertionError(built.stderr[-2000:])
    [wheel] = wheel_dir.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = {name for name in archive.namelist() if name.endswith(".py")}
    package = root / "inbox"
    source = {f"inbox/{path.relative_to(package).as_posix()}" for path in package.rglob("*.py")}
    assert source <= shipped, f"not in the wheel: {sorted(source - shipped)}"
    stale = {name for name in shipped - source if not name.startswith("inbox/bundled_")}
    assert not stale, f"in the wheel but not in inbox/ (a stale build/?): {sorted(stale)}"
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                    str(wheel)], check=True, capture_output=True)
    code = ("import sys; sys.path = [p for p in sys.path if 'site-packages' in p or 'lib/python' in p]; "
            f"sys.path.insert(0, {str(target)!r}); "
            "import inbox.playbooks as p; lib = p.load_library(); "
            "import inbox.config.starter as st; assert 'kind = \"github\"' in st.starter_text(); "
            "assert p.__file__.startswith(sys.path[0]), p.__file__; "
            "print(len(lib), lib.get('secret-leak').title, lib.warnings)")
    env = {**os.environ, "PYTHONPATH": ""}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[0] == "7" and "[]" in out.stdout
