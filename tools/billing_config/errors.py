"""Errors a user can act on. The CLI prints them as one clear message, never a traceback."""

from __future__ import annotations


class UserError(Exception):
    """Something the user can fix: bad input, a refused change, an unreachable database."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
