"""The overviews the main screen opens over the whole inbox: response times (`T`) and
the people (`P`).

Not a screen: the main screen owns an `Overviews` and calls it. Each is read in a thread
worker run on the screen, and comes back as a message the screen hands here to open.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from inbox.errors import InboxError
from inbox.tui.messages import PeopleReady, Said, StatsReady

if TYPE_CHECKING:
    from inbox.tui.app import InboxApp
    from inbox.tui.screens.main import MainScreen


class Overviews:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    @property
    def app(self) -> InboxApp:
        return self.screen.app

    # --- response times ---------------------------------------------------------------

    def stats(self) -> None:
        self.screen.run_worker(self._read_stats, thread=True, exclusive=True, group="stats")

    def _read_stats(self) -> None:
        from inbox.reports.stats import build_report

        app = self.app
        try:
            report = build_report(app.config, app.store, now=app.now(), since=timedelta(days=30))
        except InboxError as exc:
            self.screen.post_message(Said(f"No stats: {exc}", "error"))
            return
        self.screen.post_message(StatsReady(report))

    def show_stats(self, message: StatsReady) -> None:
        from inbox.tui.screens.stats import StatsScreen

        self.app.push_screen(StatsScreen(message.report, zone=self.app.zone))

    # --- people -----------------------------------------------------------------------

    def people(self) -> None:
        self.screen.run_worker(self._read_people, thread=True, exclusive=True, group="people")

    def _read_people(self) -> None:
        from inbox.triage.people import list_people

        app = self.app
        try:
            people = list_people(app.config, app.store, now=app.now())
        except InboxError as exc:
            self.screen.post_message(Said(f"No people: {exc}", "error"))
            return
        self.screen.post_message(PeopleReady(people))

    def show_people(self, message: PeopleReady) -> None:
        from inbox.triage.tags import remove_tag, set_tag
        from inbox.tui.screens.people import PeopleScreen

        app, store = self.app, self.app.store

        def tag(person: str, tag: str, add: bool) -> None:  # run in the people screen's thread worker
            (set_tag if add else remove_tag)(store, person, tag, now=app.now())

        def chosen(name: str | None) -> None:
            if name:
                self.screen.filter_by_person(name)

        app.push_screen(PeopleScreen(message.people, now=app.now(), on_tag=tag), chosen)
