"""The one error type that means "the user asked for something we refuse"."""


class UsageError(Exception):
    """Bad input: the CLI prints the message on one line and exits with status 2."""
