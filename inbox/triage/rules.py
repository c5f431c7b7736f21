"""Rules: the team's routines, applied to what each sync brings.

A `[[rules]]` entry is a name, a query in the query language, and actions beside them:
`type`, `status`, `assign`, `done`, `snooze`, `label` (a channel label) and `template`
(draft a reply); `rules_config` reads and checks them. After a sync, each rule in config
order acts on the new or changed items its query matches. Every action is recorded in
`rule_actions` (which rule, what, when), so the preview can say so and so a rule can tell
its own decisions from the user's:

- a field the user set by hand (a value no rule recorded) is never changed by a rule;
- a field a rule set and the user then cleared (un-done, unassigned, unsnoozed, type
  removed) stays clear until the item has new activity; then the rules may act again;
- nothing already there is applied again, so running twice records nothing new; a
  `done` that new activity brought back is marked done again (a new action);
- when two rules set the same field of one item, the first in the config decides;
- `label` and `template` act once per item: a label someone removed, or a draft that was
  sent or discarded, does not come back; a draft already there is never overwritten.

`apply_rules` is for synchronous callers; async code (a sync, the TUI) awaits
`apply_rules_async`, which runs the database work in a thread so an event loop never waits
on SQLite. Its one I/O, adding channel labels, comes after the database work; no lock is
held over the network.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import httpx

from inbox.config import Config
from inbox.errors import ConfigError, QueryError, SourceError, UsageError
from inbox.store import Store
from inbox.store.rules import RulesPass
from inbox.text import one_line
from inbox.timeutil import iso, parse_time, utcnow
from inbox.triage.rules_config import SKIPPED, TRIAGE_ACTIONS, Rule, load_rules

_FIELDS = {"assign": "assignee", "snooze": "snoozed_until"}
"""The triage field an action writes, where the names differ."""


# --- what rules did ---------------------------------------------------------------------

@dataclass(frozen=True)
class RuleAction:
    """One thing a rule did to an item, or would have done and did not (`applied` False,
    `reason` says why)."""

    rule: str
    key: str
    field: str
    """The action: type, status, assign, done, snooze, label or template."""
    value: str
    """As recorded: `bug`, `true`, the snooze's end (ISO), the label, the template."""
    applied: bool = True
    reason: str | None = None
    title: str = ""
    """The item's title, for listings."""

    def describe(self) -> str:
        """`server:12 type=bug`, or `server:12 type=bug (set by hand to question: left alone)`."""
        text = f"{self.key} {self.field}={_shown(self.field, self.value)}"
        return text if self.applied else f"{text} ({one_line(self.reason or 'skipped')})"


def _shown(field: str, value: str | None) -> str:
    if field == "snooze" and value:
        return f"until {_when(value)}"
    return one_line(value or "")


def _when(moment: str | None) -> str:
    parsed = parse_time(moment)
    return parsed.strftime("%Y-%m-%d %H:%M") if parsed else one_line(moment or "")


@dataclass(frozen=True)
class RulePreview:
    """`inbox rules --dry-run`, per rule: how many items it matches now and what it would do."""

    rule: Rule
    matched: int
    actions: list[RuleAction]


@dataclass(frozen=True)
class _Done:
    """A row of `rule_actions`."""

    rule: str
    value: str | None
    at: str


# --- applying ---------------------------------------------------------------------------

def apply_rules(config: Config, store: Store, *, now: datetime, keys: Sequence[str] | None = None,
                dry_run: bool = False, rules: Sequence[Rule] | None = None,
                env: Mapping[str, str] | None = None,
                transport: httpx.AsyncBaseTransport | None = None) -> list[RuleAction]:
    """Run the rules on `keys` (the items a sync brought; None: every item).

    Triage changes, drafts and their `rule_actions` rows are written in one transaction;
    each rule sees what the rules before it did. A dry run does the same and rolls back,
    and adds no label. Returns what was done and what was left alone (with the reason);
    what was already as the rule wants is not listed.

    Raises:
        ConfigError: a bad `[[rules]]` entry (when `rules` is not given).
    """
    run = _apply(config, store, now=now, keys=keys, dry_run=dry_run, rules=rules, env=env)
    if run.labels:  # the only network work, on a loop of its own (async code awaits apply_rules_async)
        asyncio.run(run.write_labels(transport))
    return run.actions


async def apply_rules_async(config: Config, store: Store, *, now: datetime, keys: Sequence[str] | None = None,
                            dry_run: bool = False, rules: Sequence[Rule] | None = None,
                            env: Mapping[str, str] | None = None,
                            transport: httpx.AsyncBaseTransport | None = None) -> list[RuleAction]:
    """`apply_rules` for async callers: the same run, awaited on the caller's loop."""
    return (await _run(config, store, now=now, keys=keys, dry_run=dry_run, rules=rules, env=env,
                       transport=transport)).actions


def preview_rules(config: Config, store: Store, *, now: datetime,
                  rules: Sequence[Rule] | None = None) -> list[RulePreview]:
    """What each rule would do now to every item, without writing anything."""
    rules = load_rules(config) if rules is None else list(rules)
    run = _apply(config, store, now=now, keys=None, dry_run=True, rules=rules)  # a dry run adds no label
    return [RulePreview(rule, run.matched.get(rule.name, 0),
                        [action for action in run.actions if action.rule == rule.name])
            for rule in rules]


def rules_after_sync(config: Config, store: Store, *, since: datetime | str, now: datetime | None = None,
                     env: Mapping[str, str] | None = None,
                     transport: httpx.AsyncBaseTransport | None = None) -> list[RuleAction]:
    """The hook for the end of a sync: the rules on what it saved (`synced_at >= since`,
    the sync's own start time). From async code, await `rules_after_sync_async`."""
    rules = load_rules(config)
    if not rules:
        return []
    keys = changed_keys_since(store, since)
    if not keys:
        return []
    return apply_rules(config, store, now=now or utcnow(), keys=keys, rules=rules, env=env,
                       transport=transport)


async def rules_after_sync_async(config: Config, store: Store, *, since: datetime | str,
                                 now: datetime | None = None, env: Mapping[str, str] | None = None,
                                 transport: httpx.AsyncBaseTransport | None = None) -> list[RuleAction]:
    """`rules_after_sync` for async callers (the sync, the workspace)."""
    rules = load_rules(config)
    if not rules:
        return []
    keys = await asyncio.to_thread(changed_keys_since, store, since)
    if not keys:
        return []
    return await apply_rules_async(config, store, now=now or utcnow(), keys=keys, rules=rules, env=env,
                                   transport=transport)


def changed_keys_since(store: Store, moment: datetime | str) -> list[str]:
    """Keys of the items saved at or after `moment` (a sync stamps what it saves)."""
    return store.keys_synced_since(moment)


async def _run(config: Config, store: Store, *, now: datetime, keys: Sequence[str] | None, dry_run: bool,
               rules: Sequence[Rule] | None, env: Mapping[str, str] | None = None,
               transport: httpx.AsyncBaseTransport | None = None) -> _Run:
    """The database pass in a thread (the loop stays free), then the labels over the network."""
    run = await asyncio.to_thread(_apply, config, store, now=now, keys=keys, dry_run=dry_run, rules=rules,
                                  env=env)
    if run.labels:
        await run.write_labels(transport)
    return run


def _apply(config: Config, store: Store, *, now: datetime, keys: Sequence[str] | None, dry_run: bool,
           rules: Sequence[Rule] | None, env: Mapping[str, str] | None = None) -> _Run:
    """The rules' database pass: one transaction, rolled back for a dry run."""
    rules = load_rules(config) if rules is None else list(rules)
    run = _Run(config, store, now, None if keys is None else list(dict.fromkeys(keys)), dry_run, env)
    if not rules or (run.keys is not None and not run.keys):
        return run
    if any("template" in rule.actions for rule in rules):
        from inbox.respond.templates import load_templates

        run.library = load_templates(config.template_paths)
    try:
        with store.rules_pass(dry_run=dry_run) as rules_pass:
            run.rules_pass = rules_pass
            run.load_history()
            for rule in rules:
                run.apply(rule)
    finally:
        run.rules_pass = None
    return run


@dataclass
class _LabelJob:
    index: int
    """Where its RuleAction is in `actions`, replaced by the outcome."""
    rule: str
    item: dict[str, Any]
    label: str


@dataclass
class _Run:
    """One run of the rules: what the store held before it, and what each rule did."""

    config: Config
    store: Store
    now: datetime
    keys: list[str] | None
    dry_run: bool
    env: Mapping[str, str] | None
    rules_pass: RulesPass | None = None
    """The store's rules pass while the rules run; None after it (labels are recorded
    one by one, once the channel has them)."""
    library: Any = None
    actions: list[RuleAction] = field(default_factory=list)
    matched: dict[str, int] = field(default_factory=dict)
    labels: list[_LabelJob] = field(default_factory=list)
    last: dict[tuple[str, str], _Done] = field(default_factory=dict)
    """(key, field) -> the latest triage action a rule took."""
    once: set[tuple[str, str, str]] = field(default_factory=set)
    """(key, field, value lowercased) of every label and template a rule applied."""
    skips: set[tuple[str, str, str, str]] = field(default_factory=set)
    """(key, rule, field, reason) of every recorded skip: recorded once."""
    claimed: dict[tuple[str, str], str] = field(default_factory=dict)
    """(key, field) -> the first rule of this run that set it."""
    sources: dict[str, Any] = field(default_factory=dict)

    @property
    def at(self) -> str:
        return iso(self.now)

    # --- reading -------------------------------------------------------------------

    def load_history(self) -> None:
        for done in self.rules_pass.history(self.keys):
            self._remember(done.key, done.rule, done.field, done.value, done.at)

    def _remember(self, key: str, rule: str, name: str, value: str | None, at: str) -> None:
        if name.startswith(SKIPPED):
            self.skips.add((key, rule, name, value or ""))
        elif name in ("label", "template"):
            self.once.add((key, name, (value or "").lower()))
        else:
            self.last[(key, name)] = _Done(rule, value, at)

    def matching(self, rule: Rule) -> list[dict[str, Any]]:
        try:
            return self.rules_pass.matching(rule.query, now=self.now, me=self.config.team.me, keys=self.keys)
        except QueryError as exc:
            raise QueryError(f"rule {rule.name}: {exc}") from None

    # --- deciding --------------------------------------------------------------------

    def apply(self, rule: Rule) -> None:
        rows = self.matching(rule)
        self.matched[rule.name] = len(rows)
        for row in rows:
            changes: dict[str, str] = {}
            for name, want in rule.actions.items():  # in ACTIONS order: the triage fields first
                if name in TRIAGE_ACTIONS:
                    value = self._triage(rule, row, name, want)
                    if value is not None:
                        changes[name] = value
                    continue
                if changes:
                    self._write_triage(rule, row, changes)
                    changes = {}
                if name == "label":
                    self._label(rule, row, want)
                else:
                    self._template(rule, row, want)
            if changes:
                self._write_triage(rule, row, changes)

    def _note(self, rule: Rule, row: Mapping[str, Any], name: str, value: str, reason: str | None = None
              ) -> RuleAction:
        action = RuleAction(rule.name, row["key"], name, value, applied=reason is None, reason=reason,
                            title=one_line(row.get("title")))
        self.actions.append(action)
        return action

    def _triage(self, rule: Rule, row: Mapping[str, Any], name: str, want: Any) -> str | None:
        """The value to write for this field, or None (already so, or left alone)."""
        key = row["key"]
        value = iso(self.now + want) if name == "snooze" else "true" if name == "done" else want
        write, reason = self._decide(row, name, value)
        owner = self.claimed.setdefault((key, name), rule.name)
        if owner != rule.name and write is not None:
            write, reason = None, f"left to rule {owner}, earlier in the config"
        if reason or write is not None:
            self._note(rule, row, name, value, reason)
        return write

    def _decide(self, row: Mapping[str, Any], name: str, value: str) -> tuple[str | None, str | None]:
        """(the value to write, or None; why it is left alone, or None when already so)."""
        current = _current(row, name)
        last = self.last.get((row["key"], name))
        if current is not None:
            if name == "snooze":
                if last is not None and last.value == current:
                    return None, None  # its snooze is still on
                return None, f"snoozed by hand until {_when(current)}: left alone"
            if _same(name, current, value):
                return None, None
            if last is not None and _same(name, current, last.value or ""):
                return value, None  # a rule's earlier value (the config changed, or another rule)
            return None, f"set by hand to {_shown(name, current)}: left alone"
        if last is None or (name == "done" and row["done_flag"]):
            return value, None  # never set, or done and brought back by new activity
        decided = max(last.at, row["triage_updated_at"] or "")
        if (row["last_activity_at"] or "") > decided:
            return value, None  # new activity since the rule acted or the user undid it
        if name == "snooze" and (row["triage_updated_at"] or "") <= last.at:
            return None, (f"rule {last.rule} snoozed it until {_when(last.value)}: not again until "
                          "the item has new activity")
        undone = {"done": "marked not done", "assign": "unassigned", "snooze": "unsnoozed"}.get(
            name, f"{name} cleared")
        return None, (f"{undone} by hand after rule {last.rule} set it: left alone until the item "
                      "has new activity")

    def _write_triage(self, rule: Rule, row: Mapping[str, Any], changes: dict[str, str]) -> None:
        """Through the store's triage write, as a decision in the TUI is, with the rule's records."""
        key = row["key"]
        fields = {_FIELDS.get(name, name): True if name == "done" else value for name, value in changes.items()}
        self.rules_pass.set_triage(key, fields, now=self.now, by=self.config.team.who, rule=rule.name)
        for name, value in changes.items():
            self._record(rule.name, key, name, value)

    def _record(self, rule: str, key: str, name: str, value: str) -> None:
        """In the pass, or on its own once the pass is over (a label the channel took)."""
        record = self.rules_pass.record if self.rules_pass is not None else self.store.rule_actions.record
        record(key, rule, name, value, now=self.now)
        self._remember(key, rule, name, value, self.at)

    def _skip(self, rule: Rule, row: Mapping[str, Any], name: str, value: str, reason: str) -> None:
        """An action the rule could not take: listed, and recorded on the item once."""
        action = self._note(rule, row, name, value, one_line(reason))
        self._record_skip(action)

    def _record_skip(self, action: RuleAction) -> None:
        field_name = SKIPPED + action.field
        if (action.key, action.rule, field_name, action.reason or "") not in self.skips:
            self._record(action.rule, action.key, field_name, action.reason or "")

    def _template(self, rule: Rule, row: Mapping[str, Any], name: str) -> None:
        from inbox.respond.templates import render, reply_values

        key = row["key"]
        if (key, "template", name.lower()) in self.once:
            return
        if self.rules_pass.has_draft(key):
            self._note(rule, row, "template", name, "the item has a draft already: left alone")
            return
        try:
            template = self.library.get(name)
            if (key, "template", template.name.lower()) in self.once:
                return
            version = self.store.releases.latest()
            text = render(template, reply_values(row, self.config, today=self.now.date(), version=version))
        except UsageError as exc:  # no such template, or a value it needs is missing
            self._skip(rule, row, "template", name, str(exc))
            return
        self.rules_pass.add_draft(key, text, template=template.name, now=self.now)
        self._record(rule.name, key, "template", template.name)
        self._note(rule, row, "template", template.name)

    def _label(self, rule: Rule, row: Mapping[str, Any], label: str) -> None:
        key = row["key"]
        have = [str(name).lower() for name in json.loads(row["labels"] or "[]")]
        if label.lower() in have or (key, "label", label.lower()) in self.once:
            return
        reason = self._cannot_label(row)
        if reason:
            self._skip(rule, row, "label", label, f"label {label!r} not added: {reason}")
            return
        self._note(rule, row, "label", label)  # done, or in a dry run: would be
        if not self.dry_run:
            self.once.add((key, "label", label.lower()))  # one job per label, whichever rules ask
            self.labels.append(_LabelJob(len(self.actions) - 1, rule.name, dict(row), label))

    def _cannot_label(self, row: Mapping[str, Any]) -> str | None:
        from inbox.respond.replies import source_of

        name = str(row["source"])
        if name not in self.sources:
            try:
                source = source_of(self.config, row, self.env)
            except ConfigError as exc:
                self.sources[name] = str(exc)
            else:
                if not source.labelable:
                    self.sources[name] = f"{source.kind} has no labels to write"
                else:
                    self.sources[name] = source.cannot_post() or source
        found = self.sources[name]
        return found if isinstance(found, str) else None

    # --- the network, after the transaction ----------------------------------------------

    async def write_labels(self, transport: httpx.AsyncBaseTransport | None) -> None:
        by_source: dict[str, list[_LabelJob]] = {}
        for job in self.labels:
            by_source.setdefault(str(job.item["source"]), []).append(job)
        for name, jobs in by_source.items():
            source = self.sources[name]
            async with source.session(transport=transport) as session:
                for job in jobs:
                    try:
                        labels = await source.add_labels(session, job.item, [job.label])
                    except SourceError as exc:
                        await asyncio.to_thread(self._label_failed, job, exc.reason)
                        continue
                    await asyncio.to_thread(self._label_added, job, labels)

    def _label_added(self, job: _LabelJob, labels: list[str]) -> None:
        self.store.set_labels(job.item["key"], [one_line(label) for label in labels])
        self._record(job.rule, job.item["key"], "label", job.label)

    def _label_failed(self, job: _LabelJob, reason: str) -> None:
        self.once.discard((job.item["key"], "label", job.label.lower()))  # tried again on the next change
        action = replace(self.actions[job.index], applied=False,
                         reason=one_line(f"label {job.label!r} not added: {reason}"))
        self.actions[job.index] = action
        self._record_skip(action)


def _current(row: Mapping[str, Any], name: str) -> str | None:
    """The field's value now, None when empty (not done, not snoozed now)."""
    if name == "type":
        return row["type"]
    if name == "status":
        return row["triage_status"]
    if name == "assign":
        return row["assignee"]
    if name == "done":
        return "true" if row["done"] else None
    return row["snoozed_until"] if row["snoozed"] else None


def _same(name: str, current: str, value: str) -> bool:
    if name == "assign":
        return current.lower() == value.lower()
    return current == value
