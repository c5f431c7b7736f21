"""Channel text made safe and readable."""

import pytest

from inbox.text import clean, html_to_text, one_line, unescape


@pytest.mark.parametrize("hostile, shown", [
    ("a\x1b]52;c;ZXZpbA==\x07b", "ab"),                      # OSC 52 clipboard write
    ("a\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\b", "alinkb"),  # OSC 8 link
    ("\x1b[31mred\x1b[0m", "red"),                            # colour
    ("\x9b31mred", "red"),                                    # 8-bit CSI
    ("bell\x07 nul\x00 bs\x08", "bell nul bs"),
    ("right\u202eleft", "rightleft"),                         # bidi override
    ("line\r\nnext\rlast", "line\nnext\nlast"),
    ("[@click=app.quit]x[/]", "[@click=app.quit]x[/]"),        # markup is just text
])
def test_clean_strips_escapes_and_keeps_text(hostile, shown):
    assert clean(hostile) == shown


def test_one_line_folds_whitespace():
    assert one_line("  a\n\tb  ") == "a b"


@pytest.mark.parametrize("raw, decoded", [
    ("It&#39;s &quot;fine&quot; &amp; Fran&#231;ois", "It's \"fine\" & François"),
    ("?q=apples&section=faq", "?q=apples&section=faq"),       # a lookalike is not an entity
    ("&lt;script&gt;", "<script>"),
    ("&#x1b;[31m", "[31m"),                                   # a decoded escape is still cleaned
])
def test_unescape_decodes_only_complete_entities(raw, decoded):
    assert unescape(raw) == decoded


def test_html_to_text_keeps_structure_readable():
    html = ("<p>Hi <b>there</b></p><ul><li>one</li><li>two</li></ul>"
            "<blockquote><p>quoted</p><p>twice</p></blockquote>"
            "<pre><code>a  =  1\nb = 2</code></pre><p>see <a href='https://docs.example.org/x'>docs</a></p>"
            "<script>alert(1)</script>")
    assert html_to_text(html) == ("Hi there\n\n- one\n- two\n\n> quoted\n>\n> twice\n\n"
                                  "a  =  1\nb = 2\n\nsee docs (https://docs.example.org/x)")


def test_html_to_text_survives_broken_markup():
    assert "text" in html_to_text("<p>text<div><</p></b>")
