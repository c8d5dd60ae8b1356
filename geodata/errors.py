"""The project's exceptions. Each carries a message fit to show a user: what was wrong and where."""

from __future__ import annotations


class GeodataError(Exception):
    """Base class: a problem the user can act on (bad file, bad option, missing data)."""


class ImportRejected(GeodataError):
    """A file was refused; nothing was written. The message names the file, feature and reason."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{path}: refused, nothing was written:\n{shown}{more}")


class UnknownUnit(GeodataError):
    """An admin unit that does not exist at the date asked for."""
