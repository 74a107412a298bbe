"""Writes a large, valid config tree for timing the validator.

10,000 customer statuses of about 800 bytes each, 5,000 customer groups and 1,000 departments,
plus the reference lists, with the cross-references a real tree has: next-status chains that
end (never loop) and related statuses that name entries of the reference lists. Every entry is
valid, so the benchmark times the path a clean pull request takes.

Two styles hold the same entries with the same values:
- plain: the canonical style `fmt` writes, one 'key: value' a line, quoting only where needed;
- hand-written: how people write YAML by hand: every text value quoted, single or double at
  random, comments above some keys and at the end of some lines, blank lines between groups
  of fields. The validator should cost about the same on both.

    python benchmarks/generate_tree.py [TARGET] [--statuses N] [--groups N] [--departments N]
                                       [--style plain|hand-written]
"""

from __future__ import annotations

import argparse
import random
import shutil
from collections.abc import Callable
from pathlib import Path

REFERENCE_LISTS = {
    "number-statuses": ("available", "active", "suspended", "quarantined", "ceased"),
    "service-statuses": ("pending", "active", "suspended", "ceased"),
    "feature-statuses": ("pending", "active", "suspended", "ceased"),
}
AVAILABILITY = ("Headline", "Standard", "Historical")
STAGES = ("Prospect", "Pending", "Active", "Suspended", "Debt Recovery", "Ceased", "Ex-Customer")
REGIONS = ("London", "North West", "Scotland", "Wales", "Midlands", "South West", "Yorkshire")
TEAMS = ("Accounts", "Technical Support", "Sales", "Customer Service", "Provisioning", "Porting")
# Statuses come in chains of this many (prospect -> active -> suspended -> ceased ...), each
# ending in a status without a next status.
CHAIN_LENGTH = 5
STYLES = ("plain", "hand-written")

Value = str | bool | int | None
# An entry: groups of fields (a blank line between groups in the hand-written style), and an
# optional comment for the top of the file.
Entry = tuple[str | None, list[list[tuple[str, Value]]]]

# The hand-written style's comments: above a key, and at the end of a key's line.
NOTES_ABOVE = {
    "display_class": "How the entry looks in the customer list.",
    "next_status": "Where an account goes from here; null ends the chain.",
    "related_number_status": "Numbers, services and features follow the account.",
    "final_invoice": "Final bill: the four options below apply only when final_invoice is true.",
    "personal_customer": "Who the group is for.",
}
NOTES_AT_END = {
    "short_name": "shown on invoices",
    "display_position": "sort order",
    "is_billable": "checked by finance",
    "override_invoice_message": "printed on the invoice, if set",
    "reseller": "see the reseller agreement",
}


def _modeline(kind: str) -> str:
    return f"# yaml-language-server: $schema=../../schemas/{kind}.schema.json\n"


def _flag(rng: random.Random) -> bool:
    return rng.random() < 0.5


def status_entry(index: int, total: int, rng: random.Random) -> Entry:
    # The random draws keep the order of the earlier, string-building version of this script
    # (the CRM-only draw first, as the chain rules need), so the plain tree stays byte for byte
    # what earlier benchmark runs timed.
    stage = STAGES[index % len(STAGES)]
    last_in_chain = index % CHAIN_LENGTH == CHAIN_LENGTH - 1 or index + 1 >= total
    crm_only = rng.random() < 0.1
    # The chain's errors: a CRM-only status is never billable, a final-bill status always is
    # (and keeps the portal login where the final bill is fetched).
    final_invoice = not crm_only and rng.random() < 0.3
    final_options = [
        (option, _flag(rng) if final_invoice else False)
        for option in ("ignore_cutoff_date", "ignore_billable_status", "ignore_cutoff_date_calls", "ignore_billable_status_calls")
    ]
    active = rng.random() < 0.5
    identity: list[tuple[str, Value]] = [
        ("name", f"{stage} {index:05d}"),
        ("short_name", f"S{index:05d}"),
        ("availability", AVAILABILITY[index % 3]),
        ("display_class", f"status-{stage.lower().replace(' ', '-')}"),
        ("display_position", index * 10),
    ]
    flags: list[tuple[str, Value]] = [
        ("is_active", active),
        ("is_suspended", False if active else _flag(rng)),
        ("crm_only", crm_only),
        ("has_frontend_login_access", False if crm_only else True if final_invoice else _flag(rng)),
    ]
    related: list[tuple[str, Value]] = [
        ("next_status", None if last_in_chain else f"status-{index + 1:05d}"),
        ("related_number_status", rng.choice(REFERENCE_LISTS["number-statuses"])),
        ("related_service_status", rng.choice(REFERENCE_LISTS["service-statuses"])),
        ("related_feature_status", rng.choice(REFERENCE_LISTS["feature-statuses"])),
    ]
    billing: list[tuple[str, Value]] = [
        ("visible_in_backend", _flag(rng)),
        ("is_billable", False if crm_only else True if final_invoice else _flag(rng)),
        ("send_correspondence", _flag(rng)),
        ("override_invoice_message", f"Account {index}: {stage.lower()}." if index % 5 == 0 else ""),
        *((key, _flag(rng)) for key in ("ignore_invoice_thresholds", "can_have_calls", "can_have_fixed_charges", "process_automatic_payments")),
    ]
    final: list[tuple[str, Value]] = [("final_invoice", final_invoice), *final_options]
    requirements: list[tuple[str, Value]] = [("require_status_reason", _flag(rng)), ("require_updated_date", _flag(rng))]
    header = f"{stage} accounts, variant {index}." if index % 10 == 0 else None
    return header, [identity, flags, related, billing, final, requirements]


def group_entry(index: int, rng: random.Random) -> Entry:
    region = REGIONS[index % len(REGIONS)]
    return None, [
        [
            ("name", f"{region} Group {index:05d}"),
            ("display_class", f"group-{region.lower().replace(' ', '-')}"),
            ("display_position", index * 10),
        ],
        [("personal_customer", _flag(rng)), ("reseller", _flag(rng))],
    ]


def department_entry(index: int) -> Entry:
    return None, [[("name", f"{TEAMS[index % len(TEAMS)]} {index:05d}")]]


def reference_entry(code: str) -> Entry:
    # Billable, neither active nor suspended: no chain rule has anything to say, whatever flags
    # the random customer statuses naming them have.
    return None, [[("name", code.replace("-", " ").title()), ("availability", "Standard"), ("is_billable", True)]]


def render_plain(kind: str, entry: Entry) -> str:
    """The canonical style: no blank lines, text quoted only when YAML would misread it."""
    header, groups = entry
    lines = [f"# {header}"] if header else []
    lines += [f"{key}: {_plain_scalar(value)}" for group in groups for key, value in group]
    return _modeline(kind) + "\n".join(lines) + "\n"


def render_hand_written(kind: str, entry: Entry, rng: random.Random) -> str:
    """Every text quoted in a randomly chosen style, comments above and beside some keys,
    a blank line between groups: what a person typing the file tends to write."""
    header, groups = entry
    lines = [f"# {header}", ""] if header else []
    for number, group in enumerate(groups):
        if number:
            lines.append("")
        for key, value in group:
            if key in NOTES_ABOVE:
                lines.append(f"# {NOTES_ABOVE[key]}")
            line = f"{key}: {_quoted(value, rng)}"
            if key in NOTES_AT_END:
                line += f"  # {NOTES_AT_END[key]}"
            lines.append(line)
    return _modeline(kind) + "\n".join(lines) + "\n"


def _plain_scalar(value: Value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return value if value and ": " not in value else "'" + value.replace("'", "''") + "'"


def _quoted(value: Value, rng: random.Random) -> str:
    if not isinstance(value, str):
        return _plain_scalar(value)
    if rng.random() < 0.5:
        return "'" + value.replace("'", "''") + "'"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def generate(
    target: Path, statuses: int = 10_000, groups: int = 5_000, departments: int = 1_000, seed: int = 2, style: str = "plain"
) -> int:
    """Writes the tree under target (replacing it) and returns the number of files."""
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}, not {style!r}")
    rng = random.Random(seed)
    style_rng = random.Random(seed + 1)  # its own stream, so both styles hold the same values

    def render(kind: str, entry: Entry) -> str:
        return render_plain(kind, entry) if style == "plain" else render_hand_written(kind, entry, style_rng)

    if target.exists():
        shutil.rmtree(target)
    written = 0
    for kind, codes in REFERENCE_LISTS.items():
        folder = target / kind
        folder.mkdir(parents=True)
        for code in codes:
            (folder / f"{code}.yaml").write_text(render(kind, reference_entry(code)))
            written += 1
    batches: tuple[tuple[str, int, Callable[[int], Entry], str], ...] = (
        ("statuses", statuses, lambda i: status_entry(i, statuses, rng), "status"),
        ("groups", groups, lambda i: group_entry(i, rng), "group"),
        ("departments", departments, department_entry, "department"),
    )
    for kind, count, entry_of, prefix in batches:
        folder = target / kind
        folder.mkdir(parents=True)
        for index in range(count):
            (folder / f"{prefix}-{index:05d}.yaml").write_text(render(kind, entry_of(index)))
            written += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", nargs="?", type=Path, default=Path("benchmarks/out/config"))
    parser.add_argument("--statuses", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=5_000)
    parser.add_argument("--departments", type=int, default=1_000)
    parser.add_argument("--style", choices=STYLES, default="plain")
    args = parser.parse_args()
    files = generate(args.target, args.statuses, args.groups, args.departments, style=args.style)
    print(f"wrote {files} files under {args.target}")


if __name__ == "__main__":
    main()
