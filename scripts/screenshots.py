"""Regenerate screenshots/*.svg from the bundled demo (headless, frozen clock).

    python scripts/screenshots.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inbox.tui.demo_app import make_demo_app  # noqa: E402

SIZE = (170, 45)
SIZES = {"main-80x24": (80, 24)}
"""Scenes taken at another size than SIZE."""
SCENES = {
    "main": [],
    "main-80x24": [],
    "filter": ["slash", *"is:awaiting age:>=2d -label:enterprise", "enter"],
    "thread": ["j", "j", "j", "enter"],
    "help": ["question_mark"],
    "playbooks": ["slash", *"is:leak", "enter", "p", "enter"],
    "compose": ["slash", *"kind:gitlab type:troubleshooting", "enter", "r"],
}


async def shoot(name: str, keys: list[str], folder: Path) -> Path:
    app = make_demo_app(folder / f"{name}.db")
    async with app.run_test(size=SIZES.get(name, SIZE)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        for key in keys:
            await pilot.press(key)
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause(0.2)
        path = ROOT / "screenshots" / f"{name}.svg"
        app.save_screenshot(str(path))
    app.store.close()
    return path


async def main() -> None:
    (ROOT / "screenshots").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        for name, keys in SCENES.items():
            print(await shoot(name, keys, Path(folder)))


if __name__ == "__main__":
    asyncio.run(main())
