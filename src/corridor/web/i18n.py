"""The pages' words in Arabic and English: one catalogue a language, every key in both.

The catalogues are JSON files beside this module (``locales/en.json``, ``locales/ar.json``).
Templates call ``t("key")``; the pages' scripts get the catalogue of their language and call
``t("key")`` too. A key missing from a catalogue raises :class:`MissingTranslation` (and a
test reads every template and script for the keys they use), so a page never shows a raw key.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import cache
from importlib.resources import files
from types import MappingProxyType

LANGUAGES = ("ar", "en")
"""The languages of the pages; the first is the default at the crossing."""

DIRECTION = MappingProxyType({"ar": "rtl", "en": "ltr"})
"""Which way each language is written."""

DEFAULT_LANGUAGE = "en"
"""The language when neither the reader's choice nor the browser says which."""

LANGUAGE_COOKIE = "corridor_lang"
"""The cookie that keeps a reader's choice of language on this device."""


class MissingTranslation(KeyError):
    """A page asked for a word that a catalogue does not have."""


@cache
def catalogue(language: str) -> Mapping[str, str]:
    """Every key and its words in ``language`` (one of :data:`LANGUAGES`)."""
    if language not in LANGUAGES:
        raise MissingTranslation(f"no catalogue for language {language!r}")
    text = files("corridor.web").joinpath("locales", f"{language}.json").read_text("utf-8")
    data = json.loads(text)
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise MissingTranslation(f"locales/{language}.json must map keys to text")
    return MappingProxyType(data)


def translator(language: str) -> Callable[..., str]:
    """``t(key, **values)``: the words of ``key`` in ``language``, with ``{name}`` filled."""
    words = catalogue(language)

    def t(key: str, **values: object) -> str:
        try:
            text = words[key]
        except KeyError:
            raise MissingTranslation(f"{key!r} has no {language} translation in "
                                     f"locales/{language}.json") from None
        return text.format(**values) if values else text

    return t


def choose(asked: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The page language: asked for in the address, else the reader's cookie, else the first
    of the browser's languages that corridor has, else English."""
    for candidate in (asked, cookie):
        if candidate in LANGUAGES:
            return candidate
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE
