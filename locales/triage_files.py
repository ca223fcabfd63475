"""The risk-term files of ``locales/triage/`` as staff see them in the console.

A plain listing, section by section, of what each file holds (comments left out).
It checks nothing: ``dialogs.triage`` reads the files for matching and the test
suite holds them to the format (``locales/triage/README.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from locales.languages import is_supported

TRIAGE_DIR = Path(__file__).resolve().parent / "triage"
ALWAYS = "es"
"""The language whose terms are read in every chat, whatever its language."""


@dataclass(frozen=True, slots=True)
class FileSection:
    """One ``[...]`` section: a category and severity, ``ignore`` or ``known-words``."""

    header: str
    lines: tuple[str, ...]

    @property
    def category(self) -> str | None:
        parts = self.header.split()
        return parts[0] if len(parts) == 2 else None

    @property
    def severity(self) -> str | None:
        parts = self.header.split()
        return parts[1] if len(parts) == 2 else None


def terms_file(code: str, directory: Path = TRIAGE_DIR) -> Path | None:
    """The file of ``code``'s terms, if the language is supported and has one."""
    if not is_supported(code):
        return None
    path = directory / f"{code}.txt"
    return path if path.is_file() else None


def file_sections(code: str, directory: Path = TRIAGE_DIR) -> list[FileSection]:
    """The sections of ``code``'s file in order; the same header twice is merged."""
    path = terms_file(code, directory)
    if path is None:
        return []
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(" ".join(line[1:-1].split()), [])
        elif current is not None:
            current.append(line)
    return [FileSection(header, tuple(lines)) for header, lines in sections.items() if lines]
