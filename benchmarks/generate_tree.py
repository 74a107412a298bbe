"""Writes a large, valid config tree for timing the validator.

10,000 customer statuses of about 800 bytes each, 5,000 customer groups and 1,000 departments,
plus the reference lists, with the cross-references a real tree has: next-status chains that
end (never loop) and related statuses that name entries of the reference lists. Every entry is
valid, so the benchmark times the path a clean pull request takes.

    python benchmarks/generate_tree.py [TARGET] [--statuses N] [--groups N] [--departments N]
"""

from __future__ import annotations

import argparse
import random
import shutil
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


def _modeline(kind: str) -> str:
    return f"# yaml-language-server: $schema=../../schemas/{kind}.schema.json\n"


def _flag(rng: random.Random) -> str:
    return "true" if rng.random() < 0.5 else "false"


def status_text(index: int, total: int, rng: random.Random) -> str:
    stage = STAGES[index % len(STAGES)]
    last_in_chain = index % CHAIN_LENGTH == CHAIN_LENGTH - 1 or index + 1 >= total
    next_status = "null" if last_in_chain else f"status-{index + 1:05d}"
    crm_only = rng.random() < 0.1
    # The chain's errors: a CRM-only status is never billable, a final-bill status always is
    # (and keeps the portal login where the final bill is fetched).
    final_invoice = not crm_only and rng.random() < 0.3
    final_options = "\n".join(
        f"{option}: {_flag(rng) if final_invoice else 'false'}"
        for option in ("ignore_cutoff_date", "ignore_billable_status", "ignore_cutoff_date_calls", "ignore_billable_status_calls")
    )
    active = rng.random() < 0.5
    return (
        _modeline("statuses")
        + (f"# {stage} accounts, variant {index}.\n" if index % 10 == 0 else "")
        + f"name: {stage} {index:05d}\n"
        f"short_name: S{index:05d}\n"
        f"availability: {AVAILABILITY[index % 3]}\n"
        f"display_class: status-{stage.lower().replace(' ', '-')}\n"
        f"display_position: {index * 10}\n"
        f"is_active: {'true' if active else 'false'}\n"
        f"is_suspended: {'false' if active else _flag(rng)}\n"
        f"crm_only: {'true' if crm_only else 'false'}\n"
        f"has_frontend_login_access: {'false' if crm_only else 'true' if final_invoice else _flag(rng)}\n"
        f"next_status: {next_status}\n"
        f"related_number_status: {rng.choice(REFERENCE_LISTS['number-statuses'])}\n"
        f"related_service_status: {rng.choice(REFERENCE_LISTS['service-statuses'])}\n"
        f"related_feature_status: {rng.choice(REFERENCE_LISTS['feature-statuses'])}\n"
        f"visible_in_backend: {_flag(rng)}\n"
        f"is_billable: {'false' if crm_only else 'true' if final_invoice else _flag(rng)}\n"
        f"send_correspondence: {_flag(rng)}\n"
        + (f"override_invoice_message: 'Account {index}: {stage.lower()}.'\n" if index % 5 == 0 else "override_invoice_message: ''\n")
        + f"ignore_invoice_thresholds: {_flag(rng)}\n"
        f"can_have_calls: {_flag(rng)}\n"
        f"can_have_fixed_charges: {_flag(rng)}\n"
        f"process_automatic_payments: {_flag(rng)}\n"
        f"final_invoice: {'true' if final_invoice else 'false'}\n"
        f"{final_options}\n"
        f"require_status_reason: {_flag(rng)}\n"
        f"require_updated_date: {_flag(rng)}\n"
    )


def group_text(index: int, rng: random.Random) -> str:
    region = REGIONS[index % len(REGIONS)]
    return (
        _modeline("groups")
        + f"name: {region} Group {index:05d}\n"
        f"display_class: group-{region.lower().replace(' ', '-')}\n"
        f"display_position: {index * 10}\n"
        f"personal_customer: {_flag(rng)}\n"
        f"reseller: {_flag(rng)}\n"
    )


def department_text(index: int) -> str:
    return _modeline("departments") + f"name: {TEAMS[index % len(TEAMS)]} {index:05d}\n"


def generate(target: Path, statuses: int = 10_000, groups: int = 5_000, departments: int = 1_000, seed: int = 2) -> int:
    """Writes the tree under target (replacing it) and returns the number of files."""
    rng = random.Random(seed)
    if target.exists():
        shutil.rmtree(target)
    written = 0
    for kind, codes in REFERENCE_LISTS.items():
        folder = target / kind
        folder.mkdir(parents=True)
        for code in codes:
            (folder / f"{code}.yaml").write_text(
                # Billable, neither active nor suspended: no chain rule has anything to say, whatever
                # flags the random customer statuses naming them have.
                _modeline(kind) + f"name: {code.replace('-', ' ').title()}\navailability: Standard\nis_billable: true\n"
            )
            written += 1
    batches = (
        ("statuses", statuses, lambda i: status_text(i, statuses, rng), "status"),
        ("groups", groups, lambda i: group_text(i, rng), "group"),
        ("departments", departments, department_text, "department"),
    )
    for kind, count, render, prefix in batches:
        folder = target / kind
        folder.mkdir(parents=True)
        for index in range(count):
            (folder / f"{prefix}-{index:05d}.yaml").write_text(render(index))
            written += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", nargs="?", type=Path, default=Path("benchmarks/out/config"))
    parser.add_argument("--statuses", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=5_000)
    parser.add_argument("--departments", type=int, default=1_000)
    args = parser.parse_args()
    files = generate(args.target, args.statuses, args.groups, args.departments)
    print(f"wrote {files} files under {args.target}")


if __name__ == "__main__":
    main()
