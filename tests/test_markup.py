"""Markdown replies as Slack mrkdwn and as Intercom's HTML: structure kept (nested lists,
code spans, quotes, links whose targets hold parentheses), and the user's text never
read as markup by the channel (raw HTML, `<!channel>`, `javascript:` links)."""

from __future__ import annotations

import pytest

from inbox.text.markup import slack_escape, to_html, to_mrkdwn

NESTED = "- fruit\n  - apple\n    1. pick\n    2. wash\n  - pear\n- veg"
NUMBERED = "1. install\n2. configure\n   - token\n     - scopes\n3. sync"


# --- nested lists ------------------------------------------------------------------------

def test_nested_lists_keep_their_levels_in_mrkdwn() -> None:
    assert to_mrkdwn(NESTED) == ("• fruit\n"
                                 "    ◦ apple\n"
                                 "        1. pick\n"
                                 "        2. wash\n"
                                 "    ◦ pear\n"
                                 "• veg")


def test_numbered_list_with_nested_bullets_in_mrkdwn() -> None:
    assert to_mrkdwn(NUMBERED) == ("1. install\n"
                                   "2. configure\n"
                                   "    ◦ token\n"
                                   "        ▪ scopes\n"
                                   "3. sync")


def test_numbered_list_keeps_its_start() -> None:
    assert to_mrkdwn("3. c\n4. d") == "3. c\n4. d"
    assert to_html("3. c\n4. d") == '<ol start="3"><li>c</li><li>d</li></ol>'


def test_nested_lists_in_html() -> None:
    assert to_html(NESTED) == ("<ul><li>fruit<ul><li>apple<ol><li>pick</li><li>wash</li></ol></li>"
                               "<li>pear</li></ul></li><li>veg</li></ul>")
    assert to_html(NUMBERED) == ("<ol><li>install</li><li>configure<ul><li>token<ul><li>scopes</li>"
                                 "</ul></li></ul></li><li>sync</li></ol>")


def test_a_second_paragraph_in_an_item_stays_under_it() -> None:
    assert to_mrkdwn("- a\n\n  more\n- b") == "• a\n\n    more\n• b"


# --- code --------------------------------------------------------------------------------

def test_double_backtick_code_span_in_html() -> None:
    assert to_html("run ``a ` b`` now") == "<p>run <code>a ` b</code> now</p>"


def test_double_backtick_code_span_in_mrkdwn_shows_the_backtick() -> None:
    # Slack's `code` cannot hold a backtick; ``` does, as typed
    assert to_mrkdwn("run ``a ` b`` now") == "run ```a ` b``` now"
    assert to_mrkdwn("``plain``") == "`plain`"


def test_code_is_escaped_but_not_restyled() -> None:
    assert to_mrkdwn("`<!here> **x**`") == "`&lt;!here&gt; **x**`"
    assert to_html("`<b>**x**</b>`") == "<p><code>&lt;b&gt;**x**&lt;/b&gt;</code></p>"


def test_fenced_code() -> None:
    text = "```python\nif a < b and *c*:\n    `x`\n```"
    assert to_mrkdwn(text) == "```\nif a &lt; b and *c*:\n    `x`\n```"
    assert to_html(text) == "<pre><code>if a &lt; b and *c*:\n    `x`\n</code></pre>"


# --- links -------------------------------------------------------------------------------

WIKI = "https://en.wikipedia.org/wiki/Foo_(bar)"


def test_link_target_with_parentheses() -> None:
    assert to_mrkdwn(f"see [x]({WIKI}) too") == f"see <{WIKI}|x> too"
    assert to_html(f"see [x]({WIKI}) too") == f'<p>see <a href="{WIKI}">x</a> too</p>'


@pytest.mark.parametrize("link", [
    "[x](javascript:alert(1))", "[x](JavaScript:alert(1))", "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=)", "[x](/relative)", "[x](ftp://x.test/f)",
])
def test_only_http_and_mailto_links_are_made(link: str) -> None:
    assert to_html(link) == f"<p>{link}</p>"
    assert to_mrkdwn(link) == link


def test_an_autolink_to_javascript_stays_text() -> None:
    assert to_html("<javascript:alert(1)>") == "<p>&lt;javascript:alert(1)&gt;</p>"
    assert to_mrkdwn("<javascript:alert(1)>") == "&lt;javascript:alert(1)&gt;"


def test_mailto_and_autolinks() -> None:
    assert to_mrkdwn("[mail](mailto:a@b.test) <https://x.test>") == "<mailto:a@b.test|mail> <https://x.test>"
    assert to_html("<https://x.test>") == '<p><a href="https://x.test">https://x.test</a></p>'


def test_images_are_not_loaded_into_a_reply() -> None:
    assert to_html("![logo](https://x.test/l.png)") == '<p>!<a href="https://x.test/l.png">logo</a></p>'


# --- quotes ------------------------------------------------------------------------------

def test_block_quotes_stay_quotes_in_mrkdwn() -> None:
    assert to_mrkdwn("> quoted\n> **more**") == "> quoted\n> *more*"
    assert to_mrkdwn("before\n\n> one\n>\n> two\n\nafter") == "before\n\n> one\n>\n> two\n\nafter"


def test_a_typed_angle_bracket_is_still_escaped() -> None:
    assert to_mrkdwn("a > b and \\> c") == "a &gt; b and &gt; c"


def test_nested_quote_joins_the_one_slack_shows() -> None:
    assert to_mrkdwn("> a\n>\n> > b") == "> a\n>\n> b"
    assert to_html("> a\n>\n> > b") == "<blockquote><p>a</p><blockquote><p>b</p></blockquote></blockquote>"


# --- the user's text stays text ----------------------------------------------------------

@pytest.mark.parametrize("raw, mrkdwn, html", [
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;",
     "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
    ('<img src=x onerror="alert(1)">', '&lt;img src=x onerror="alert(1)"&gt;',
     "<p>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</p>"),
])
def test_raw_html_is_escaped(raw: str, mrkdwn: str, html: str) -> None:
    assert to_mrkdwn(raw) == mrkdwn
    assert to_html(raw) == html
    block = to_html(f"a\n\n{raw}\n\nb")  # on its own lines, where HTML blocks begin
    assert "<script" not in block and "<img" not in block


@pytest.mark.parametrize("typed", ["<!channel>", "<!here>", "<@U123>", "<#C42|general>",
                                   "&lt;!channel&gt;", "`<!everyone>`", "[<!channel>](https://x.test)"])
def test_mentions_typed_by_the_user_cannot_ping(typed: str) -> None:
    sent = to_mrkdwn(typed)
    assert "<!" not in sent and "<@" not in sent and "<#" not in sent


def test_textual_markup_stays_literal() -> None:
    typed = "[@click=app.quit]quit[/] and [b]bold[/b]"
    assert to_mrkdwn(typed) == typed
    assert to_html(typed) == f"<p>{typed}</p>"


def test_ampersands_are_escaped_once() -> None:
    assert to_mrkdwn("R&D &amp; QA") == "R&amp;D &amp; QA"
    assert to_html("R&D") == "<p>R&amp;D</p>"


# --- emphasis and headings ---------------------------------------------------------------

def test_emphasis() -> None:
    text = "**bold** *em* _also_ ~~gone~~ ***both*** snake_case_name"
    assert to_mrkdwn(text) == "*bold* _em_ _also_ ~gone~ _*both*_ snake_case_name"
    assert to_html(text) == ("<p><strong>bold</strong> <em>em</em> <em>also</em> <s>gone</s>"
                             " <em><strong>both</strong></em> snake_case_name</p>")


def test_headings_become_bold_lines() -> None:
    assert to_mrkdwn("# Fixed *today*\n\nbody") == "*Fixed _today_*\n\nbody"
    assert to_mrkdwn("## **Already bold**") == "*Already bold*"
    assert to_html("# Fixed\nbody") == "<p><strong>Fixed</strong></p><p>body</p>"


def test_line_breaks() -> None:
    assert to_mrkdwn("one\ntwo\n\nthree") == "one\ntwo\n\nthree"
    assert to_html("one\r\ntwo\n\nthree") == "<p>one<br>two</p><p>three</p>"


def test_slack_escape_escapes_only_what_slack_reserves() -> None:
    assert slack_escape("<@U1> & *x* _y_") == "&lt;@U1&gt; &amp; *x* _y_"
