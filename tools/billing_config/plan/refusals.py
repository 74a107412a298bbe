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
