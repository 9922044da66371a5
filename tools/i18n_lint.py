"""Finds text a person reads that is not marked for translation, in the templates and the JavaScript.

    python tools/i18n_lint.py            # every template and script; exit 1 on a finding
    python tools/i18n_lint.py FILE...    # these files only

Templates: any text between tags, and any aria-label, title, alt or placeholder attribute, that has a letter
and stands outside {% translate %} / {% blocktranslate %} (template variables are the views' business: their
strings are marked in Python). Scripts: any string that reads like words (a capitalised word, two words, a
sentence's punctuation, a letter outside ASCII) and is not an argument of gettext, ngettext or pgettext
(static/js/i18n.js), leaving out console messages, errors thrown and class names. `make lint` runs it;
docs/i18n.md says how to mark a string. A string that is not text but reads like it can be written as
`/* i18n: not text */ "..."` on the same line.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Words that stay as they are in every language.
NOT_TEXT = {"Classroom Pulse"}

TEXT_ATTRIBUTES = {"aria-label", "aria-description", "aria-roledescription", "title", "alt", "placeholder"}
MARKER = "\x00"  # stands for a template tag or variable (or a translated piece) in the page's source
NOT_TEXT_COMMENT = "/* i18n: not text */"


@dataclass(frozen=True, slots=True)
class Finding:
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: not marked for translation: {self.text!r}"


def _reads_as_text(text: str) -> bool:
    text = " ".join(text.replace(MARKER, " ").split())
    text = re.sub(r"&[a-zA-Z]+;|&#\d+;", " ", text)
    for allowed in NOT_TEXT:
        text = text.replace(allowed, " ")
    return any(unicodedata.category(ch).startswith("L") for ch in text)


# --- Templates -------------------------------------------------------------------------------------------------


def _template_without_marked_text(source: str) -> str:
    """The template's source with every tag, variable, comment and translated block replaced by MARKER (its
    newlines kept, so lines still count), leaving only the literal text between them."""
    from django.template.base import DebugLexer, TokenType

    out: list[str] = []
    skipping_until: str | None = None
    for token in DebugLexer(source).tokenize():
        start, end = token.position
        raw = source[start:end]
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents.split() else ""
            if skipping_until and name == skipping_until:
                skipping_until = None
            elif name in ("blocktranslate", "blocktrans"):
                skipping_until = "end" + name
            elif name == "comment":
                skipping_until = "endcomment"
            elif name == "block" and token.contents.split()[-1].endswith("_class"):
                skipping_until = "endblock"  # a class attribute's value (main_class, body_class), not text
        if token.token_type == TokenType.TEXT and skipping_until is None:
            out.append(raw)
        else:
            out.append(MARKER + "\n" * raw.count("\n"))
    return "".join(out)


class _TextFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.found: list[tuple[int, str]] = []
        self._raw: list[str] = []  # the open <script> / <style>, whose content is not text

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._raw.append(tag)
        for name, value in attrs:
            if name in TEXT_ATTRIBUTES and value and _reads_as_text(value):
                self.found.append((self.getpos()[0], value))

    def handle_endtag(self, tag: str) -> None:
        if self._raw and self._raw[-1] == tag:
            self._raw.pop()

    def handle_data(self, data: str) -> None:
        if not self._raw and _reads_as_text(data):
            line = self.getpos()[0] + data[: len(data) - len(data.lstrip())].count("\n")
            self.found.append((line, " ".join(data.replace(MARKER, " ").split())))


def template_findings(path: Path, source: str) -> list[Finding]:
    finder = _TextFinder()
    finder.feed(_template_without_marked_text(source))
    finder.close()
    return [Finding(_relative(path), line, text) for line, text in finder.found]


# --- Scripts ---------------------------------------------------------------------------------------------------

TRANSLATING_CALLS = {"gettext", "ngettext", "pgettext", "npgettext", "gettext_noop", "interpolate"}
# Calls whose strings are for developers or the DOM, never read on a page.
NOT_READ_CALLS = {"Error", "TypeError", "RangeError", "warn", "error", "log", "info", "debug", "assert"}
_REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^") | {"return", "typeof", "case", "", "=>"}


@dataclass(frozen=True, slots=True)
class _Str:
    line: int
    text: str
    callee: str  # the innermost call the string is an argument of ("" at top level)
    before: str  # the two significant tokens before it, joined ("className =", "class :")
    ignored: bool


def _js_strings(source: str) -> Iterator[_Str]:
    """Every string and template literal of a script (a template literal's ${...} parts as MARKER), with the
    call it is an argument of. A small tokenizer: enough for this project's modules, not a parser."""
    i, line, n = 0, 1, len(source)
    calls: list[str] = []  # callee of each open "(", "" for a plain parenthesis
    tokens: list[str] = []  # significant tokens so far (identifiers, punctuation), for context

    def ignored_on(line_no: int) -> bool:
        lines = source.splitlines()
        return 0 < line_no <= len(lines) and NOT_TEXT_COMMENT in lines[line_no - 1]

    def read_template(start: int) -> tuple[str, int, int]:
        """From just after a backtick: the literal's text (with MARKER for each ${...}) and where it ends."""
        j, depth, parts, newlines = start, 0, [], 0
        while j < n:
            ch = source[j]
            if ch == "\\":
                parts.append(source[j : j + 2])
                j += 2
                continue
            if ch == "`" and depth == 0:
                return "".join(parts), j + 1, newlines
            if ch == "$" and j + 1 < n and source[j + 1] == "{" and depth == 0:
                parts.append(MARKER)
                depth = 1
                j += 2
                continue
            if depth:
                if ch == "{":
                    depth += 1
                elif ch == "}":
                    depth -= 1
                elif ch in "'\"":
                    end = _string_end(source, j)
                    j = end
                    continue
                elif ch == "`":
                    _, end, inner_newlines = read_template(j + 1)
                    newlines += inner_newlines
                    j = end
                    continue
            else:
                parts.append(ch)
            if ch == "\n":
                newlines += 1
            j += 1
        return "".join(parts), n, newlines

    while i < n:
        ch = source[i]
        if ch == "\n":
            line += 1
            i += 1
        elif ch.isspace():
            i += 1
        elif source.startswith("//", i):
            end = source.find("\n", i)
            i = n if end < 0 else end
        elif source.startswith("/*", i):
            end = source.find("*/", i + 2)
            end = n if end < 0 else end + 2
            line += source.count("\n", i, end)
            i = end
        elif ch in "'\"":
            end = _string_end(source, i)
            yield _Str(
                line, source[i + 1 : end - 1], calls[-1] if calls else "", " ".join(tokens[-2:]), ignored_on(line)
            )
            tokens.append("str")
            i = end
        elif ch == "`":
            text, end, newlines = read_template(i + 1)
            yield _Str(line, text, calls[-1] if calls else "", " ".join(tokens[-2:]), ignored_on(line))
            tokens.append("str")
            line += newlines
            i = end
        elif ch == "/" and (tokens[-1] if tokens else "") in _REGEX_AFTER:
            j, in_class = i + 1, False
            while j < n and (in_class or source[j] != "/"):
                if source[j] == "\\":
                    j += 1
                elif source[j] == "[":
                    in_class = True
                elif source[j] == "]":
                    in_class = False
                j += 1
            i = j + 1
            while i < n and source[i].isalpha():
                i += 1
            tokens.append("regex")
        elif ch.isalpha() or ch in "_$":
            j = i
            while j < n and (source[j].isalnum() or source[j] in "_$"):
                j += 1
            tokens.append(source[i:j])
            i = j
        elif ch == "(":
            previous = tokens[-1] if tokens else ""
            calls.append(previous if re.fullmatch(r"[A-Za-z_$][\w$]*", previous) else "")
            tokens.append("(")
            i += 1
        elif ch == ")":
            if calls:
                calls.pop()
            tokens.append(")")
            i += 1
        elif source.startswith("=>", i):
            tokens.append("=>")
            i += 2
        else:
            tokens.append(ch)
            i += 1


def _string_end(source: str, start: int) -> int:
    """The index just after the quoted string that starts at `start`."""
    quote, j = source[start], start + 1
    while j < len(source) and source[j] != quote:
        j += 2 if source[j] == "\\" else 1
    return j + 1


def _js_reads_as_text(text: str) -> bool:
    plain = text.replace(MARKER, " ")
    if not _reads_as_text(plain):
        return False
    if any(ord(ch) > 127 and unicodedata.category(ch).startswith("L") for ch in plain):
        return True
    words = plain.strip()
    if re.search(r"[A-Za-z][a-z]*'?[a-z]* +[A-Za-z][a-z]{1,}", words) and not re.search(r"[#\[\]>=]", words):
        return True
    if re.match(r"[A-Z][a-z]+(?![A-Za-z]*[A-Z])\b", words):  # "Sharing", not "NotAllowedError"
        return True
    if MARKER in text and re.fullmatch(r"[\sA-Za-z'’…:·,!?()]*", plain):  # `${n} min`, not `${id}/live/`
        return True
    return bool(re.search(r"[A-Za-z][.!?…]$", words))


def script_findings(path: Path, source: str) -> list[Finding]:
    findings = []
    for string in _js_strings(source):
        if string.ignored or string.callee in TRANSLATING_CALLS or string.callee in NOT_READ_CALLS:
            continue
        if string.before in ("className =", "class :", "className +=") or string.callee in ("toggle", "add", "remove"):
            continue
        if string.callee == "import" or string.before.endswith("from"):
            continue
        if _js_reads_as_text(string.text):
            findings.append(Finding(_relative(path), string.line, string.text.replace(MARKER, "${…}")))
    return findings


# --- Running it ------------------------------------------------------------------------------------------------


def _relative(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return path.as_posix()


def files_checked() -> list[Path]:
    """Every template and script of the project."""
    return sorted([*(ROOT / "templates").rglob("*.html"), *(ROOT / "static" / "js").rglob("*.js")])


def findings_in(paths: Iterable[Path]) -> list[Finding]:
    found: list[Finding] = []
    for path in paths:
        source = path.read_text(encoding="utf-8")
        found += template_findings(path, source) if path.suffix == ".html" else script_findings(path, source)
    return found


def main(argv: list[str]) -> int:
    from django.conf import settings

    if not settings.configured:
        settings.configure()  # the template lexer needs no project settings
    paths = [Path(arg) for arg in argv] if argv else files_checked()
    found = findings_in(paths)
    for finding in found:
        print(finding)
    if found:
        print(f"{len(found)} text(s) not marked for translation (docs/i18n.md says how).", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
