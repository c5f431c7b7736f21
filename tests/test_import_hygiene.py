"""The core is reachable without the TUI: importing any module outside `inbox.tui` never
loads Textual. The modules are found by walking the package, so a new one is covered."""

import subprocess
import sys

WALK = """
import importlib, pkgutil, sys
import inbox

names = sorted(info.name for info in pkgutil.walk_packages(inbox.__path__, "inbox.")
               if info.name.split(".")[1] not in ("tui", "__main__"))  # __main__ runs the app
for name in names:
    importlib.import_module(name)
print(len(names))
print(sorted(m for m in sys.modules if m == "textual" or m.startswith("textual.")))
"""


def test_core_does_not_import_textual():
    out = subprocess.run([sys.executable, "-c", WALK], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    count, loaded = out.stdout.strip().splitlines()
    assert int(count) > 50  # the walk found the package, not an empty path
    assert loaded == "[]"
