"""The one error tree. Everything a user can act on is a :class:`UserError`; the CLI prints it
as one clear message (never a traceback) and exits with its ``exit_code``.

Each message is written once, in the class that stands for the situation, so the same problem
reads the same whichever command meets it. Internal signals (an exception one module raises
and its own caller catches) are not here: they are private to their module and documented
there as never leaving it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from billing_config.findings import Finding


class UserError(Exception):
    """Something the user can fix: bad input, a refused change, an unreachable database.

    A message is one line, plus ``details``: one line per item (a problem, a refused change),
    shown indented below it. Each is printed as one line whatever it holds (the CLI escapes a
    line break inside one as ``\\x0a``), so a name or a key from a file, a live row or the
    environment can never start a line of its own: put each item in ``details`` rather than
    joining lines with ``\\n``.
    """

    exit_code: int = 1

    def __init__(self, message: str, exit_code: int | None = None, *, details: Sequence[str] = ()) -> None:
        self.headline = message
        self.details = tuple(details)
        full = message + "".join(f"\n  {detail}" for detail in self.details)
        super().__init__(full)
        self.message = full
        if exit_code is not None:
            self.exit_code = exit_code

    @property
    def lines(self) -> tuple[str, ...]:
        """The message as the lines the CLI prints, each escaped whole."""
        return (self.headline, *(f"  {detail}" for detail in self.details))


class ConfigInvalid(UserError):
    """The config tree has errors, so no plan, apply or seeding may use it.

    Carries the findings so that the command renders them exactly as ``validate`` does; the
    stage that found them never prints.
    """

    def __init__(self, findings: Sequence[Finding], errors: int) -> None:
        super().__init__(
            f"the configuration has {errors} error(s); fix them (see `billing-config validate`) "
            "before planning or applying: an invalid config never produces a plan"
        )
        self.findings = list(findings)


class TargetInvalid(ConfigInvalid):
    """Config values the target cannot store (rules target-limit, target-value): refused before
    any write, each located on its file and line like a validate finding."""

    def __init__(self, findings: Sequence[Finding], mapping: str) -> None:
        UserError.__init__(
            self,
            f"{len(findings)} config value(s) cannot be stored on this target (mapping: {mapping}); nothing was changed. "
            "Change them for this target; `billing-config validate --target NAME` shows those the mapping states",
        )
        self.findings = list(findings)


class SchemaMissing(UserError):
    """The database lacks tables the mapping names (for the reference schema: db init has not run)."""

    def __init__(self, where: str, missing: Sequence[str]) -> None:
        super().__init__(
            f"{where} does not have the billing tables ({', '.join(missing)} missing); "
            "create them with `billing-config db init`"
        )
        self.missing = list(missing)


class DatabaseError(UserError):
    """A database or driver error, already turned into one password-free line."""


class Refused(UserError):
    """A change the tool will not make (in use, over a threshold, stale plan, lock held);
    nothing was changed."""
