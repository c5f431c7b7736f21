"""The command palette (ctrl+p) on the main screen: every action with its key, and each
view, playbook and reply template by name.

Built from the same action table as the bindings and the help screen, with the user's
`[keys]` remaps applied, so the key a command shows is the key that runs it. Names come
from the config and the library files; they are shown as plain text, never as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from inbox.text import one_line
from inbox.tui.actions import ACTIONS, shown_keys
from inbox.tui.widgets.sidebar import KEYED_VIEWS

if TYPE_CHECKING:
    from inbox.tui.screens.main import MainScreen


@dataclass(frozen=True)
class Command:
    title: str
    help: str
    keys: str
    """The key that runs it, as shown ("e", "h 3"); empty when it has none."""
    run: Callable[[], object]


def commands(screen: MainScreen) -> Iterator[Command]:
    """Actions in the table's order, then the views, the playbooks and the templates."""
    keymap = screen.app.config.keys
    for action in ACTIONS:
        if action.id != "back":
            yield Command(action.title, action.help, shown_keys(action.id, keymap),
                          partial(screen.run_action, action.action))
    views_key = shown_keys("views", keymap, first=True)
    for index, view in enumerate(screen.views):
        keys = f"{views_key} {shown_keys(f'view_{index + 1}', keymap, first=True)}" if index < KEYED_VIEWS else ""
        yield Command(f"View: {one_line(view.name)}", view.query, keys, partial(screen.action_open_view, index))
    for playbook in screen.library:
        yield Command(f"Playbook: {one_line(playbook.title)}", one_line(playbook.summary), "",
                      partial(screen.open_playbook, playbook.name))
    reply_key = shown_keys("reply", keymap, first=True)
    for template in screen.templates:
        yield Command(f"Reply with: {one_line(template.title)}", f"{template.name}: reply to the highlighted post",
                      reply_key, partial(screen.action_reply, template.name))


def _display(title: Content, keys: str) -> Content:
    return title.append(Content.styled(f"  {keys}", "dim")) if keys else title


class InboxCommands(Provider):
    async def discover(self) -> Hits:
        for command in commands(self.screen):  # type: ignore[arg-type]
            yield DiscoveryHit(_display(Content(command.title), command.keys), command.run,
                               text=command.title, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in commands(self.screen):  # type: ignore[arg-type]
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(score, _display(matcher.highlight(command.title), command.keys), command.run,
                          text=command.title, help=command.help)
