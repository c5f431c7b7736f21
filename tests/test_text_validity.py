"""Channel data the store can always take: valid Unicode from the parser, and a hostile
value in any field of one item costing that item only, never its page or its channel."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from inbox.store import Store
from inbox.text import valid_json, valid_text
from tests.adapter_base import Canned
from tests.test_http_hardening import KINDS, contract


@pytest.mark.parametrize(("body", "expected"), [
    (rb'{"t": "a\ud800b"}', {"t": "a\ufffdb"}),
    (rb'{"t": "\udc00\ud800"}', {"t": "\ufffd\ufffd"}),
    (rb'{"\ud800": 1}', {"\ufffd": 1}),
    (rb'{"t": "\ud83d\ude00 and \uD800\uDC00"}', {"t": "\U0001F600 and \U00010000"}),
    (rb'{"t": "\\ud800"}', {"t": "\\ud800"}),  # an escaped backslash: the text `\ud800`
    (rb'{"t": "\\\ud800"}', {"t": "\\\ufffd"}),
    (b'{"t": "\xed\xa0\x80 \xff"}', {"t": "\ufffd\ufffd\ufffd \ufffd"}),  # surrogate and stray bytes
    (b'\xef\xbb\xbf{"t": "bom"}', {"t": "bom"}),
    ('{"t": "\u00e9"}'.encode("utf-16"), {"t": "\u00e9"}),
])
def test_valid_json_gives_only_valid_unicode(body: bytes, expected: Any) -> None:
    data = valid_json(body)
    assert data == expected
    json.dumps(data, ensure_ascii=False).encode("utf-8")  # what a store write needs


def test_valid_json_still_refuses_what_is_not_json() -> None:
    with pytest.raises(ValueError):
        valid_json(b'{"t": "cut sh')


def test_valid_text() -> None:
    assert valid_text("plain") == "plain"
    assert valid_text("a\ud800b\ud83d\ude00") == "a\ufffdb\U0001F600"


LISTS = {"github": (), "gitlab": (), "discourse": ("topic_list", "topics"), "stackexchange": ("items",),
         "slack": ("messages",), "zendesk": ("tickets",), "intercom": ("conversations",),
         "uservoice": ("suggestions",)}
HOSTILE = ([1], 10**20)
"""Not an id, a string or a time; and a number no SQLite integer holds."""


def first_item(data: Any, kind: str) -> dict:
    for key in LISTS[kind]:
        data = data[key]
    return next(entry for entry in data if isinstance(entry, dict))


@pytest.mark.parametrize("kind", KINDS)
async def test_a_hostile_value_in_any_field_costs_one_item_at_most(kind: str, tmp_path: Path) -> None:
    adapter = contract(kind)
    canned = adapter.small_channel().route(adapter.list_path).responses[0]
    fields = list(first_item(canned.data, kind))
    failed = []
    for n, (field, value) in enumerate((f, v) for f in fields for v in HOSTILE):
        channel = adapter.small_channel()
        route = channel.route(adapter.list_path)
        data = copy.deepcopy(route.responses[0].data)
        first_item(data, kind)[field] = value
        route.responses = [Canned(canned.status, data, canned.headers), *route.responses[1:]]
        store = Store(tmp_path / f"{n}.db")
        result = await adapter.sync(channel, store)
        if result.error or store.item_count(adapter.name) == 0:
            failed.append((field, value, result.error))
        store.close()
    assert failed == []


CONTROLS = "x\u009b31m\u001b]8;;https://evil.example\u0007 \u202eq"
"""An 8-bit CSI, an OSC 8 hyperlink escape, BEL, a space and a bidi override."""


@pytest.mark.parametrize("kind", KINDS)
async def test_no_control_character_reaches_a_stored_link_or_key(kind: str, tmp_path: Path) -> None:
    """`inbox list` prints each post's link and key: a channel's text in them (a GitHub
    html_url, a Discourse slug, a Zendesk id) is percent-encoded, or the post skipped, so
    no escape sequence reaches the terminal through them."""
    import sqlite3

    adapter = contract(kind)
    channel = adapter.small_channel()
    route = channel.route(adapter.list_path)
    canned = route.responses[0]
    data = copy.deepcopy(canned.data)
    item = first_item(data, kind)
    for field, value in list(item.items()):
        if isinstance(value, str) or field in ("id", "number", "iid", "question_id"):
            item[field] = f"{value}{CONTROLS}"
    route.responses = [Canned(canned.status, data, canned.headers), *route.responses[1:]]
    store = Store(tmp_path / "inbox.db")
    result = await adapter.sync(channel, store)
    store.close()
    assert not result.error
    with sqlite3.connect(tmp_path / "inbox.db") as db:
        rows = db.execute("SELECT key, url FROM items").fetchall()
    assert rows
    for key, url in rows:
        assert not any(c in key for c in "\u009b\u001b\u0007\u202e"), (kind, key)
        assert not any(c in url for c in "\u009b\u001b\u0007\u202e "), (kind, url)


def test_a_link_keeps_letters_and_encodes_only_what_a_terminal_could_act_on() -> None:
    from inbox.text import link

    assert link("https://bücher.example/über?q=ä%20b") == "https://bücher.example/über?q=ä%20b"
    assert link("https://x.example/a b\x1b[2J\u202e\u009b") == "https://x.example/a%20b%1B[2J%E2%80%AE%C2%9B"

