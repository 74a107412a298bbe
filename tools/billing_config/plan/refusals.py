"""The refusals apply makes at run time, declared here because apply/ cannot be imported
lightly: importing any module of it loads SQLAlchemy, and `docs` and `explain` must stay
quick. apply/transaction.py (stale plan) and apply/lock.py (lock) are where they are checked.
"""

from __future__ import annotations

from billing_config.findings import E, declare

STALE_PLAN = declare(
    "stale-plan", E, "sync", "Apply refuses a saved plan when the live database changed since it was made.",
    reason="A saved plan is applied exactly as reviewed or not at all: if someone changed live in between, "
    "what was reviewed is no longer what would be written.",
    mistake="billing-config plan --target live --out plan.json\n# ... someone edits a status on the platform ...\n"
    "billing-config apply --target live --plan plan.json",
    fix="billing-config plan --target live --out plan.json     # review the new plan\n"
    "billing-config apply --target live --plan plan.json",
)
APPLY_LOCKED = declare(
    "apply-locked", E, "sync", "Apply refuses to run while another apply holds the lock for longer than --lock-timeout.",
    reason="Two applies at once would each write from a state the other is changing; one waits, and gives up "
    "after --lock-timeout, naming the holder and having changed nothing.",
    mistake="billing-config apply --target live --yes     # while a CI apply is running",
    fix="billing-config apply --target live --yes --lock-timeout 120   # or wait for it and run again",
)
CODE_COLLISION = declare(
    "code-collision", E, "sync", "Plan refuses to create a code the live code column already holds under its collation.",
    reason="A MariaDB column with a case-insensitive or PAD SPACE collation sees 'Billing' or 'billing ' as "
    "'billing': the insert would die on a duplicate key in the middle of apply.",
    mistake="config/departments/billing.yaml   # live already has a row with code 'Billing'",
    fix="rename or remove the live row 'Billing' on the platform (or adopt it), then plan again",
)
DELETE_NOT_MAPPED = declare(
    "delete-not-mapped", E, "sync", "Plan refuses a delete on a target whose mapping says nothing about deletes.",
    reason="A vendor table may not allow rows to disappear; only the mapping's `delete` (soft or hard) says how "
    "an entry leaves it.",
    mistake="git rm config/departments/old-team.yaml   # mapping has no delete for departments",
    fix="[kinds.departments]\ndelete = { active = \"N\" }    # or set availability: Historical instead",
)
PROTECTED_ROW = declare(
    "protected-row", E, "sync", "Plan refuses to change or delete a row the mapping protects.",
    reason="A vendor's application relies on some rows by their key or code (a seeded status its PHP tests for, "
    "a default group no screen may delete); the mapping's protect marks them, and the tool reads, references and "
    "exports them but never writes them.",
    mistake="[kinds.statuses]\nprotect = { id = { in = [-1, 0, 1, 2, 3] } }\n# config/statuses/st-never.yaml renamed 'Never contacted'",
    fix="# config/statuses/st-never.yaml as live has it (billing-config export writes it)",
)
