"""Plan -> one transaction on the live database, under a lock, with an audit row per change."""

from billing_config.apply.transaction import ApplyRefused, ApplyResult, run_apply

__all__ = ["ApplyRefused", "ApplyResult", "run_apply"]
