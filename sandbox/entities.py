"""Message entities: offsets in UTF-16 code units, bot commands in user texts, HTML parse mode."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from sandbox.errors import bad_request

Entity = dict[str, Any]

_COMMAND = re.compile(r"(?<![^\s])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@/])")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def command_entities(text: str) -> list[Entity]:
    """`bot_command` entities, as Telegram marks them in a user's message."""
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group()),
        }
        for match in _COMMAND.finditer(text)
    ]


_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}


class _HtmlEntities(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.parts: list[str] = []
        self._position = 0
        self.open: list[tuple[str, Entity]] = []
        self.entities: list[Entity] = []

    def _byte_offset(self) -> int:
        line, column = self.getpos()
        lines = self.source.split("\n")
        index = sum(len(text) + 1 for text in lines[: line - 1]) + column
        return len(self.source[:index].encode())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        entity: Entity
        if tag in _SIMPLE_TAGS:
            entity = {"type": _SIMPLE_TAGS[tag]}
        elif tag == "span" and attributes.get("class") == "tg-spoiler":
            entity = {"type": "spoiler"}
        elif tag == "a" and attributes.get("href"):
            entity = {"type": "text_link", "url": attributes["href"]}
        elif tag == "blockquote":
            expandable = "expandable" in attributes
            entity = {"type": "expandable_blockquote" if expandable else "blockquote"}
        elif tag == "tg-emoji" and attributes.get("emoji-id"):
            entity = {"type": "custom_emoji", "custom_emoji_id": attributes["emoji-id"]}
        else:
            raise bad_request(
                f'can\'t parse entities: Unsupported start tag "{tag}" '
                f"at byte offset {self._byte_offset()}"
            )
        language = (attributes.get("class") or "").removeprefix("language-")
        if tag == "code" and self.open and self.open[-1][0] == "pre" and language:
            self.open[-1][1]["language"] = language
        entity["offset"] = self._position
        self.open.append((tag, entity))

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1][0] != tag:
            expected = f'"</{self.open[-1][0]}>"' if self.open else "no end tag"
            raise bad_request(
                f"can't parse entities: Unmatched end tag at byte offset "
                f'{self._byte_offset()}, expected {expected}, found "</{tag}>"'
            )
        _, entity = self.open.pop()
        entity["length"] = self._position - entity["offset"]
        if entity["length"] > 0 and not (entity["type"] == "code" and self._inside_pre()):
            self.entities.append(entity)

    def _inside_pre(self) -> bool:
        return any(tag == "pre" for tag, _ in self.open)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self._position += utf16_len(data)


def parse_html(source: str) -> tuple[str, list[Entity]]:
    """Text and entities of an HTML-formatted message, or 400 "can't parse entities"."""
    parser = _HtmlEntities(source)
    parser.feed(source)
    parser.close()
    if parser.open:
        tag = parser.open[-1][0]
        raise bad_request(
            f"can't parse entities: Can't find end tag corresponding to start tag \"{tag}\""
        )
    return "".join(parser.parts), _ordered(parser.entities)


def _ordered(entities: list[Entity]) -> list[Entity]:
    keyed = [
        {"type": e["type"], "offset": e["offset"], "length": e["length"], **e} for e in entities
    ]
    return sorted(keyed, key=lambda e: (e["offset"], -e["length"]))


def strip_text(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Trim surrounding whitespace as Telegram does, moving and clipping entities with it."""
    start = utf16_len(text[: len(text) - len(text.lstrip())])
    stripped = text.strip()
    end = start + utf16_len(stripped)
    kept = []
    for entity in entities:
        left = max(entity["offset"], start)
        right = min(entity["offset"] + entity["length"], end)
        if right > left:
            kept.append({**entity, "offset": left - start, "length": right - left})
    return stripped, kept


def format_text(text: str, parse_mode: str | None, entities: Any) -> tuple[str, list[Entity]]:
    """Apply `parse_mode` or explicit `entities` to a message text or caption."""
    if isinstance(entities, list):
        return strip_text(text, [dict(e) for e in entities if isinstance(e, dict)])
    mode = (parse_mode or "").lower()
    if mode == "html":
        return strip_text(*parse_html(text))
    if mode in ("", "markdown", "markdownv2"):
        return strip_text(text, [])
    raise bad_request(f"unsupported parse_mode {parse_mode}")
