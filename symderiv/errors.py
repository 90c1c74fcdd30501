"""The one error type that means "the user asked for something we refuse", and how a refusal
quotes the value it refuses."""

LIMIT = 60


class UsageError(Exception):
    """Bad input: the CLI prints the message on one line and exits with status 2."""


def shown(value, limit: int = LIMIT) -> str:
    """`value` as a message quotes it: its repr on one line, shortened to about `limit`
    characters (a 1 MB formula must not give a 1 MB message)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 12]}… ({len(text):,} characters)"


def shown_path(path) -> str:
    """A path as a message names it: whole, unless it is very long; then its end, which names
    the file."""
    text = str(path)
    return text if len(text) <= 2 * LIMIT else f"…{text[-LIMIT:]} ({len(text):,} characters)"
