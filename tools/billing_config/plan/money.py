"""Amounts of money as a reviewer reads them: ``£1,234.50 a month``, ``1,234.50 CHF a month``.

A measure's unit names its currency first, by ISO code (``unit = "GBP a month"``); the sign
comes from the code for the currencies we know and the code itself is written after the
number otherwise. Amounts are :class:`~decimal.Decimal` to the cent from the database on:
never a float, so what a plan states is exactly what SQL summed.
"""

from __future__ import annotations

from decimal import Decimal

# ISO 4217 code -> the sign written before the number.
CURRENCY_SIGNS = {"GBP": "£", "EUR": "€", "USD": "$"}


def currency_of(unit: str) -> tuple[str | None, str]:
    """(ISO code, the rest) of a unit such as "GBP a month"; (None, unit) when it names none."""
    first, _, rest = unit.strip().partition(" ")
    if len(first) == 3 and first.isascii() and first.isalpha() and first.isupper():
        return first, rest.strip()
    return None, unit.strip()


def format_money(amount: Decimal, unit: str) -> str:
    """``£1,234.50 a month``: the currency's sign (or its code after the number), thousands
    separators, two decimals, then the rest of the unit."""
    code, rest = currency_of(unit)
    number = f"{abs(amount):,.2f}"
    minus = "-" if amount < 0 else ""
    if code in CURRENCY_SIGNS:
        text = f"{minus}{CURRENCY_SIGNS[code]}{number}"
    elif code is not None:
        text = f"{minus}{number} {code}"
    else:
        text = f"{minus}{number}"
    return f"{text} {rest}" if rest else text


def charges_phrase(unit: str) -> str:
    """What an amount of this unit is, for the Markdown lead sentence: "of recurring charges"
    for money over a period, "of charges" for money, nothing for any other measure."""
    code, rest = currency_of(unit)
    if code is None:
        return ""
    return "of recurring charges" if rest else "of charges"
