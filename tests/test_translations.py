"""The translation catalogues (locale/, docs/i18n.md): complete for every language the site offers; compiled .mo
files in step with their .po sources; placeholders and markup kept; the strings awaiting a native speaker's
review listed."""

from __future__ import annotations

import gettext as gnu_gettext
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from tools.po import po_entries

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "locale"
TRANSLATED = [code for code, _ in settings.LANGUAGES if code != "en"]
DOMAINS = ("django", "djangojs")
PLACEHOLDER = re.compile(r"%\(\w+\)s|%s|%d")
MARKUP = re.compile(r"</?\w+[^>]*>")
MESSAGES_IGNORE = ["staticfiles/*", "tests/*", "artifacts/*", "runs/*", "deploy/*", "docs/*", "static/vendor/*"]


def catalogue(language: str, domain: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / f"{domain}.po"


def untranslated(path: Path) -> list[str]:
    return [f"{path.name}:{entry.line}: {entry.msgid!r}" for entry in po_entries(path)[1:] if not entry.translated]


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("domain", DOMAINS)
def test_every_message_is_translated_and_none_is_fuzzy(language, domain):
    path = catalogue(language, domain)
    entries = po_entries(path)
    assert entries[0].msgid == "" and f"Language: {language}" in entries[0].msgstr[0]
    assert len(entries) > 20, "a catalogue this small has lost its messages"
    assert untranslated(path) == []
    assert [e.msgid for e in entries if "fuzzy" in e.flags] == []  # a fuzzy entry is never shown: translate it


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("domain", DOMAINS)
def test_placeholders_and_markup_survive_translation(language, domain):
    for entry in po_entries(catalogue(language, domain))[1:]:
        sources = [entry.msgid, entry.msgid_plural or entry.msgid]
        for index, translation in enumerate(entry.msgstr):
            if not translation:
                continue
            source = sources[min(index, 1)]
            assert sorted(PLACEHOLDER.findall(translation)) == sorted(PLACEHOLDER.findall(source)), entry.msgid
            assert sorted(MARKUP.findall(translation)) == sorted(MARKUP.findall(source)), entry.msgid


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("domain", DOMAINS)
def test_the_committed_mo_files_are_compiled_from_the_po_files(language, domain):
    """`make run` serves the committed .mo files (no gettext tools needed): they must say what the .po says."""
    po = catalogue(language, domain)
    with po.with_suffix(".mo").open("rb") as mo:
        compiled = gnu_gettext.GNUTranslations(mo)
    for entry in po_entries(po)[1:]:
        if not entry.translated:
            continue
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt is not None else entry.msgid
        if entry.msgid_plural:
            for n, expected in zip((1, 2), entry.msgstr, strict=False):
                assert compiled.ngettext(key, entry.msgid_plural, n) == expected, f"run `make messages`: {entry.msgid}"
        else:
            assert compiled.gettext(key) == entry.msgstr[0], f"run `make messages`: {entry.msgid}"


def _review_marks() -> set[str]:
    return {
        entry.msgid
        for language in TRANSLATED
        for domain in DOMAINS
        for entry in po_entries(catalogue(language, domain))[1:]
        if any(comment.startswith("review:") for comment in entry.comments)
    }


def test_the_strings_awaiting_review_are_listed_in_the_docs():
    """Every message marked `# review:` in a catalogue is in docs/i18n.md's list, and the list names no other."""
    docs = (ROOT / "docs" / "i18n.md").read_text(encoding="utf-8")
    listed_part = docs.split("<!-- review list -->")[1].split("<!-- end of review list -->")[0]
    listed = set(re.findall(r"^- `(.+?)`", listed_part, re.M))
    assert listed == {message.replace("`", "'") for message in _review_marks()}


def _not_sources(folder: str, names: list[str]) -> set[str]:
    skipped = {".venv", ".git", "staticfiles", "artifacts", "runs", "tests", "docs", "deploy", "weights", "__pycache__"}
    return {name for name in names if name in skipped or name.startswith(".") or name.endswith((".sqlite3", ".pyc"))}


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed (apt-get install gettext)")
@pytest.mark.slow
@pytest.mark.parametrize("domain", DOMAINS)
def test_makemessages_leaves_nothing_untranslated(tmp_path, monkeypatch, domain):
    """What `make messages` would gather from the code today is all translated: no string was marked (or
    changed) without its translation. Runs makemessages on a copy of the sources and catalogues (makemessages
    writes where it reads)."""
    sources = tmp_path / "project"
    shutil.copytree(ROOT, sources, ignore=_not_sources)
    copy = sources / "locale"
    monkeypatch.chdir(sources)
    with override_settings(LOCALE_PATHS=[copy]):
        call_command(
            "makemessages",
            locale=TRANSLATED,
            domain=domain,
            no_obsolete=True,
            add_location="file",
            ignore_patterns=MESSAGES_IGNORE,
            verbosity=0,
        )
    for language in TRANSLATED:
        assert untranslated(copy / language / "LC_MESSAGES" / f"{domain}.po") == [], (
            "translate them, then `make messages`"
        )
