"""Errors a user can act on: each names where the problem is, the bad value and what is allowed."""


class FlashpointError(Exception):
    """A problem with the user's input; the CLI prints it on one line and exits with code 2."""


class FlashpointWarning(UserWarning):
    """Something the user should know, that does not stop the command (shown as one line)."""
