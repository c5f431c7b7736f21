"""The import layers declared in pyproject.toml hold: `lint-imports` keeps every contract.

Front ends sit above the service layer, which sits above triage, respond and reports,
then the sync, the sources, the store and the plain helpers; only the TUI imports Textual.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout


def test_every_layer_names_a_module_that_exists():
    import importlib.util
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    for contract in config["contracts"]:
        names = [part.strip() for layer in contract.get("layers", []) for group in layer.split("|")
                 for part in group.split(":")]
        names += contract.get("modules", []) + contract.get("source_modules", [])
        for name in names:
            assert importlib.util.find_spec(name) is not None, f"{contract['name']}: no module {name}"
