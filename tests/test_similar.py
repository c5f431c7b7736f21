"""The same question across channels, in the store (on SQLite and on PostgreSQL): the
similar posts rank the question asked on another channel first, take hostile text as
words, leave out the post itself and say each post's state and whether we answered; two
posts linked as duplicates show on both, in both histories, and a copy carries the link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from inbox.errors import UsageError
from inbox.models import Item, Reply
from inbox.store import Store, open_store
from inbox.store.copy import copy
from inbox.store.similar import Budget, Search, choose
from inbox.text.terms import Term, key_terms
from inbox.triage.history import describe

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)

POSTS = [
    # (source, kind, id, title, body)
    ("server", "github", "1", "Webhooks stop firing after upgrading to 10.2",
     "Since the upgrade our outgoing webhooks never fire. The integration log shows nothing at all."),
    ("forum", "discourse", "7", "Outgoing webhooks not firing since the 10.2 upgrade",
     "After upgrading, none of our outgoing webhooks fire any more. Anyone else?"),
    ("so", "stackexchange", "3", "How do I fire a webhook from a slash command?",
     "I want a slash command to call our webhook with the channel name."),
    ("server", "github", "2", "Desktop app crashes on start on Windows 11",
     "The desktop app crashes right after the splash screen since the upgrade."),
    ("slack", "slack", "5", "Push notifications delayed on iOS",
     "Notifications arrive minutes late on iOS 17 with the self-hosted push proxy."),
    ("helpdesk", "zendesk", "9", "Invoice for the enterprise licence",
     "Could you send the invoice for our renewal to accounts?"),
]


def make_item(source: str, kind: str, number: str, title: str, body: str, hours: int = 1) -> Item:
    return Item(source=source, kind=kind, external_id=number, url=f"https://example.org/{source}/{number}",
                title=title, body=body, author="rhys", author_is_staff=False,
                created_at=NOW - timedelta(days=hours), last_activity_at=NOW - timedelta(hours=hours))


def fill(store: Store) -> None:
    for hours, post in enumerate(POSTS, start=1):
        source = post[0]
        replies = None
        if post[:3] == ("forum", "discourse", "7"):  # the team answered it on the forum
            replies = {"forum:7": [Reply(external_id="r1", author="maya", author_is_staff=True,
                                         body="Fixed in 10.2.1", created_at=NOW - timedelta(minutes=30))]}
        store.save_page(source, [make_item(*post, hours=hours)], replies=replies)


@pytest.fixture
def store(store_location):
    store = open_store(store_location)
    fill(store)
    yield store
    store.close()


# --- similar posts ----------------------------------------------------------------------------


def test_the_same_question_on_another_channel_comes_first(store):
    found = store.similar("server:1", now=NOW)
    assert found[0]["key"] == "forum:7"
    assert found[0] == {"key": "forum:7", "source": "forum", "kind": "discourse",
                        "title": "Outgoing webhooks not firing since the 10.2 upgrade",
                        "url": "https://example.org/forum/7", "state": "open", "answered": True}
    assert "server:1" not in [row["key"] for row in found]  # never the post itself
    assert [row["key"] for row in store.similar("forum:7", now=NOW)][0] == "server:1"


def test_a_name_written_with_a_dot_finds_its_other_half(store):
    """SQLite's index reads Rocket.Chat as two words, PostgreSQL's as one: both find the pair."""
    store.save_page("helpdesk", [make_item(
        "helpdesk", "zendesk", "40", "Bulk import from Rocket.Chat loses thread replies",
        "After importing our Rocket.Chat export, every reply became top-level.")])
    store.save_page("forum", [make_item("forum", "discourse", "41", "Rocket.Chat migration flattens threads",
                                        "We migrated from Rocket.Chat and the imported threads are gone.")])
    assert store.similar("helpdesk:40", now=NOW)[0]["key"] == "forum:41"
    assert store.similar("forum:41", now=NOW)[0]["key"] == "helpdesk:40"


def test_the_list_says_each_posts_state_and_whether_we_answered(store):
    store.set_triage(["forum:7"], {"done": True}, now=NOW, by="amy")
    store.set_triage(["so:3"], {"snoozed_until": NOW + timedelta(days=2)}, now=NOW, by="amy")
    found = {row["key"]: row for row in store.similar("server:1", now=NOW, limit=5)}
    assert found["forum:7"]["state"] == "done" and found["forum:7"]["answered"] is True
    assert found["so:3"]["state"] == "snoozed" and found["so:3"]["answered"] is False


def test_limit_unknown_key_and_a_post_like_no_other(store):
    assert len(store.similar("server:1", now=NOW, limit=1)) == 1
    assert store.similar("server:1", now=NOW, limit=0) == []
    assert store.similar("server:404", now=NOW) is None
    assert store.similar("helpdesk:9", now=NOW) == []  # no word of it is anywhere else


@pytest.mark.parametrize("title", [
    '"unbalanced quote', "NEAR(webhooks firing) OR * AND NOT", "{title}: webhooks ^firing", "webhooks* -firing",
    "'; DROP TABLE items; --", "webhooks & | ! <-> :* firing", "[@click=app.quit]webhooks[/]", "\x1b]52;c;aGk=\x07",
    "ÜBER façade naïve webhooks", "\u0000webhooks\u2028firing", "",
])
def test_hostile_text_is_only_words(store, title):
    """Whatever a post says, its similar posts are a list, never a search syntax error."""
    store.save_page("forum", [make_item("forum", "discourse", "66", title, title + " outgoing webhooks firing")])
    found = store.similar("forum:66", now=NOW)
    assert isinstance(found, list)
    assert "forum:66" not in [row["key"] for row in found]


def test_a_title_match_counts_more_than_a_body_match(store):
    store.save_page("forum", [
        make_item("forum", "discourse", "20", "Kerberos ticket renewal", "Any ideas?"),
        make_item("forum", "discourse", "21", "Nightly job", "Kerberos ticket renewal."),
        make_item("forum", "discourse", "22", "Kerberos ticket renewal broken", "See the title."),
    ])
    assert store.similar("forum:20", now=NOW)[0]["key"] == "forum:22"


def test_the_words_of_a_post_leave_out_what_says_nothing():
    terms = key_terms("Hi, how do I rotate the database password?",
                      "Thanks! I am trying to rotate the password of the database. " * 50 + "x" * 100, limit=6)
    assert [(t.word, t.in_title) for t in terms] == [("rotate", True), ("database", True), ("password", True)]
    assert [t.word for t in key_terms("Café", "", limit=3)] == ["cafe"]


def test_common_words_go_and_the_cost_stays_bounded():
    terms = [Term("webhooks", True), Term("the", False), Term("firing", True), Term("upgrade", False),
             Term("alone", False)]
    counts = {"webhooks": 40, "the": 9_000, "firing": 30, "upgrade": 800, "alone": 1}
    roomy = Budget(read=100_000, rank=10_000, per_word=False)
    search = choose(terms, counts, 10_000, known=True, budget=roomy)
    assert search == Search((), ("firing", "webhooks", "upgrade"))  # no common word, none found only here
    # past what a ranking may rank, the rarest words are required
    wide = {**counts, "webhooks": 900, "firing": 700}
    required = choose(terms, wide, 10_000, known=True, budget=Budget(read=100_000, rank=500, per_word=False))
    assert required == Search(("firing", "upgrade"), ("webhooks",))
    assert required.match() == '{title body} : ("firing" AND "upgrade" AND ("webhooks"))'
    # past what it may read, the words in most posts go (one stays)
    assert choose(terms, wide, 10_000, known=True, budget=Budget(read=1_000, rank=10_000, per_word=False)) == \
        Search((), ("firing",))
    # ranked per word: three words in 1,740 posts are 5,220 rankings
    assert choose(terms, wide, 10_000, known=True, budget=Budget(read=100_000, rank=5_000, per_word=True)).required


# --- duplicates -------------------------------------------------------------------------------


def test_a_link_shows_on_both_posts_and_in_both_histories(store):
    assert store.duplicates.link(["server:1"], "forum:7", by="amy", now=NOW) == ["server:1"]
    mine, theirs = store.duplicates.of("server:1", now=NOW), store.duplicates.of("forum:7", now=NOW)
    assert [(row["key"], row["duplicate_of"], row["state"], row["answered"]) for row in mine] == [
        ("forum:7", True, "open", True)]
    assert [(row["key"], row["duplicate_of"], row["linked_by"]) for row in theirs] == [("server:1", False, "amy")]
    assert store.duplicates.keys_of(["server:1", "forum:7", "so:3"]) == {
        "server:1": ["forum:7"], "forum:7": ["server:1"], "so:3": []}
    item = store.item("server:1", now=NOW)
    assert item["duplicates"] == ["forum:7"] and item["duplicate_url"] == "https://example.org/forum/7"
    assert [(c.by, c.field, c.old, c.new) for c in store.history.of("server:1")] == [
        ("amy", "duplicate_of", None, "forum:7")]
    assert [describe(c) for c in store.history.of("forum:7")] == ["linked server:1 as its duplicate"]


def test_a_pair_is_linked_once_whichever_way_and_unlinked_either_way(store):
    store.duplicates.link(["server:1"], "forum:7", by="amy", now=NOW)
    assert store.duplicates.link(["forum:7"], "server:1", by="bob", now=NOW) == []  # linked already
    assert store.duplicates.unlink(["forum:7"], "server:1", by="bob", now=NOW + timedelta(minutes=1)) == ["forum:7"]
    assert store.duplicates.keys_of(["server:1"]) == {"server:1": []}
    assert [describe(c) for c in store.history.of("server:1")] == [
        "marked a duplicate of forum:7", "unmarked as a duplicate of forum:7"]
    assert store.duplicates.unlink(["forum:7"], "server:1", by="bob", now=NOW) == []


def test_an_unknown_post_or_the_post_itself_is_refused(store):
    with pytest.raises(UsageError, match="no item with key forum:404"):
        store.duplicates.link(["server:1"], "forum:404", by="amy", now=NOW)
    with pytest.raises(UsageError, match="cannot be a duplicate of itself"):
        store.duplicates.link(["server:1"], "server:1", by="amy", now=NOW)
    assert store.duplicates.keys_of(["server:1"]) == {"server:1": []}
    assert store.history.of("server:1") == []


def test_the_linked_posts_answered_one_is_what_a_reply_points_to(store):
    store.duplicates.link(["so:3", "forum:7"], "server:1", by="amy", now=NOW)
    linked = store.duplicates.of("server:1", now=NOW)
    assert [row["key"] for row in linked] == ["forum:7", "so:3"]  # answered first
    assert store.item("server:1", now=NOW)["duplicate_url"] == "https://example.org/forum/7"


def test_a_copy_carries_the_links(store_location, tmp_path: Path):
    source = Store(tmp_path / "mine.db")
    fill(source)
    source.duplicates.link(["server:1"], "forum:7", by="amy", now=NOW)
    target = open_store(store_location if str(store_location) != str(tmp_path / "inbox.db")
                        else tmp_path / "other.db")
    try:
        copied = {entry.table: entry for entry in copy(source, target)}
        assert copied["duplicates"].same and copied["duplicates"].target.rows == 1
        assert [row["key"] for row in target.duplicates.of("forum:7", now=NOW)] == ["server:1"]
        assert [c.field for c in target.history.of("forum:7")] == ["duplicate"]
    finally:
        source.close()
        target.close()
