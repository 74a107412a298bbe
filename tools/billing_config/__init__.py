"""billing-config: the customer lists of a telecom billing platform, kept as code."""

__version__ = "0.1.0"
