"""Entities: bot commands in user texts, HTML parse mode, trimming — offsets in UTF-16 units."""

from __future__ import annotations

import pytest

from sandbox.entities import command_entities, format_text, parse_html
from sandbox.errors import BotApiError
from sandbox.markup import validate_markup


@pytest.mark.parametrize(
    ("text", "commands"),
    [
        ("/start", [(0, 6)]),
        ("/start abc", [(0, 6)]),
        ("/start@spinecare_bot payload", [(0, 20)]),
        ("hi /help", [(3, 5)]),
        ("😀 /help", [(3, 5)]),
        ("path/to/file", []),
        ("/", []),
        ("a/b /c/d", []),
    ],
)
def test_bot_commands_are_marked_where_telegram_marks_them(
    text: str, commands: list[tuple[int, int]]
) -> None:
    found = command_entities(text)

    assert [(e["offset"], e["length"]) for e in found] == commands
    assert all(e["type"] == "bot_command" for e in found)


def test_html_becomes_text_and_entities() -> None:
    text, entities = parse_html(
        '<b>통증</b> 😀 <i>x</i> <a href="https://example.org">link</a> &lt;3 '
        '<pre><code class="language-python">print()</code></pre>'
    )

    assert text == "통증 😀 x link <3 print()"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 2},
        {"type": "italic", "offset": 6, "length": 1},
        {"type": "text_link", "offset": 8, "length": 4, "url": "https://example.org"},
        {"type": "pre", "offset": 16, "length": 7, "language": "python"},
    ]


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<b>open", "Can't find end tag"),
        ("<b>x</i>", "Unmatched end tag"),
        ("<script>x</script>", "Unsupported start tag"),
    ],
)
def test_broken_html_cannot_be_parsed(html: str, reason: str) -> None:
    with pytest.raises(BotApiError, match=reason) as refused:
        parse_html(html)

    assert refused.value.description.startswith("Bad Request: can't parse entities")


def test_surrounding_whitespace_is_trimmed_and_entities_move_with_it() -> None:
    text, entities = format_text("\n  <b>hi</b> \n", "HTML", None)

    assert text == "hi"
    assert entities == [{"type": "bold", "offset": 0, "length": 2}]


def test_an_unknown_parse_mode_is_refused() -> None:
    with pytest.raises(BotApiError, match="unsupported parse_mode"):
        format_text("x", "BBCode", None)


@pytest.mark.parametrize(
    ("markup", "reason"),
    [
        ({"inline_keyboard": [[{"text": "b", "callback_data": "é" * 33}]]}, "BUTTON_DATA_INVALID"),
        ({"inline_keyboard": [[{"text": "b", "callback_data": ""}]]}, "BUTTON_DATA_INVALID"),
        ({"inline_keyboard": [[{"text": "b"}]]}, "Text buttons are unallowed"),
        ({"inline_keyboard": [{"text": "b", "callback_data": "x"}]}, "Array of Arrays"),
        ({"inline_keyboard": [[{"text": "b", "url": "ftp://x"}]]}, "BUTTON_URL_INVALID"),
        ("not an object", "can't parse reply keyboard markup"),
    ],
)
def test_invalid_keyboards_are_refused(markup: object, reason: str) -> None:
    with pytest.raises(BotApiError, match=reason):
        validate_markup(markup)


def test_callback_data_of_exactly_64_bytes_is_accepted() -> None:
    markup = {"inline_keyboard": [[{"text": "b", "callback_data": "é" * 32}]]}

    assert validate_markup(markup) == markup
