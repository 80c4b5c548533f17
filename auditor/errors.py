"""One error family per stage. The CLI catches only these and maps them to exit codes."""

from __future__ import annotations


class AuditorError(Exception):
    """Base of every error the CLI reports cleanly instead of with a traceback."""

    exit_code = 2


class InputError(AuditorError):
    """Bad input: an unreadable or malformed snapshot, template or option. Exit code 2."""


class CollectionFailure(AuditorError):
    """Collection could not start at all (no credential, no subscription reachable)."""


class RuleError(AuditorError):
    """A rule file is broken. Loading stops: a broken rule is never silently skipped."""


class ReportError(AuditorError):
    """A report could not be rendered or written."""
