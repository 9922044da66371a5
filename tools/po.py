"""A small reader of gettext .po files: enough to check the catalogues (tests/test_translations.py), no package.

Reads what `makemessages` writes: translator comments ("# "), flags ("#, "), references ("#: "), msgctxt,
msgid, msgid_plural, msgstr and msgstr[n], each a run of quoted strings; obsolete entries ("#~") are skipped.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class PoEntry:
    msgid: str = ""
    msgid_plural: str = ""
    msgctxt: str | None = None
    msgstr: list[str] = field(default_factory=list)  # one per plural form; one element without a plural
    references: list[str] = field(default_factory=list)  # "path" or "path:line", as makemessages wrote them
    flags: set[str] = field(default_factory=set)  # "fuzzy", "python-format", ...
    comments: list[str] = field(default_factory=list)  # translator comments, without "# "
    line: int = 0

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr) and "fuzzy" not in self.flags

    @property
    def files(self) -> set[str]:
        return {
            reference.rsplit(":", 1)[0] if reference.rsplit(":", 1)[-1].isdigit() else reference
            for reference in self.references
        }


def _unquote(text: str) -> str:
    value = ast.literal_eval(text.strip())
    if not isinstance(value, str):
        raise ValueError(f"not a quoted string: {text!r}")
    return value


def po_entries(path: Path) -> list[PoEntry]:
    """The entries of a .po file, the header (msgid "") first."""
    entries: list[PoEntry] = []
    entry = PoEntry()
    target: tuple[str, int] | None = None  # the field the next quoted continuation line belongs to

    def finish() -> None:
        nonlocal entry, target
        if target is not None:
            entries.append(entry)
        entry, target = PoEntry(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#~"):
            continue
        elif line.startswith("#:"):
            if target is not None:
                finish()
            entry.references += line[2:].split()
        elif line.startswith("#,"):
            if target is not None:
                finish()
            entry.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
        elif line.startswith("#.") or line.startswith("#|"):
            continue
        elif line.startswith("#"):
            if target is not None:
                finish()
            entry.comments.append(line[1:].strip())
        elif line.startswith('"'):
            if target is None:
                raise ValueError(f"{path}:{number}: a quoted line outside an entry")
            name, index = target
            if name == "msgstr":
                entry.msgstr[index] += _unquote(line)
            else:
                setattr(entry, name, (getattr(entry, name) or "") + _unquote(line))
        else:
            keyword, _, rest = line.partition(" ")
            if keyword in ("msgctxt", "msgid") and target is not None and target[0] == "msgstr":
                finish()
            if not entry.line:
                entry.line = number
            if keyword.startswith("msgstr"):
                index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
                while len(entry.msgstr) <= index:
                    entry.msgstr.append("")
                entry.msgstr[index] = _unquote(rest)
                target = ("msgstr", index)
            elif keyword in ("msgid", "msgid_plural", "msgctxt"):
                setattr(entry, keyword, _unquote(rest))
                target = (keyword, 0)
            else:
                raise ValueError(f"{path}:{number}: unknown keyword {keyword!r}")
    finish()
    return entries
