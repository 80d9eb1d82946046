"""The text catalogue: gettext .po files per language, keyed by stable message ids.

Each language directory holds one .po file per area (``bot.po``, ``pathway.po``,
``triage.po``...); all are merged. Message ids are keys such as ``start.welcome``;
placeholders use ``str.format`` syntax (``{number}``). A test checks that every key
exists in every language with the same placeholders.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("ko", "en")
DEFAULT_LANGUAGE = "ko"


class Catalog:
    """Texts by language and key. Missing keys raise KeyError: a silent fallback hides bugs."""

    def __init__(
        self, texts: Mapping[str, Mapping[str, str]], values: Mapping[str, object] | None = None
    ) -> None:
        self._texts = {lang: dict(entries) for lang, entries in texts.items()}
        self._values = dict(values or {})

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self._texts)

    def keys(self, language: str) -> set[str]:
        return set(self._texts[language])

    def raw(self, language: str, key: str) -> str:
        return self._texts[language][key]

    def text(self, language: str, key: str, /, **values: object) -> str:
        lang = language if language in self._texts else DEFAULT_LANGUAGE
        return self._texts[lang][key].format(**{**self._values, **values})

    def with_values(self, **values: object) -> Catalog:
        """A catalogue that fills these placeholders itself (the clinic's numbers), so that a
        text such as the warning-sign card renders wherever it is sent from."""
        return Catalog(self._texts, {**self._values, **values})

    def has(self, key: str) -> bool:
        return all(key in entries for entries in self._texts.values())

    def with_texts(self, extra: Mapping[str, Mapping[str, str]]) -> Catalog:
        """A catalogue that also holds ``extra`` (texts from a clinic's own files); a key
        already here is refused rather than silently replaced."""
        clash = {key for lang, entries in extra.items() for key in entries} & {
            key for entries in self._texts.values() for key in entries
        }
        if clash:
            raise ValueError(f"text keys defined twice: {', '.join(sorted(clash))}")
        return Catalog(
            {lang: {**entries, **extra.get(lang, {})} for lang, entries in self._texts.items()},
            self._values,
        )


def placeholders(template: str) -> set[str]:
    """The ``{name}`` fields a template uses."""
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def read_language(directory: Path) -> dict[str, str]:
    texts: dict[str, str] = {}
    for po_file in sorted(directory.glob("*.po")):
        with po_file.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if not message.id or not isinstance(message.id, str):
                continue
            if message.id in texts:
                raise ValueError(f"{po_file.name}: message id {message.id!r} defined twice")
            if isinstance(message.string, str) and message.string:
                texts[message.id] = message.string
    return texts


@cache
def load_catalog(root: Path = LOCALE_DIR) -> Catalog:
    return Catalog({lang: read_language(root / lang / "LC_MESSAGES") for lang in LANGUAGES})
