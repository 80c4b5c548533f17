"""What a failed live read says: one line for the report, and the permission it lacked.

A failed read becomes a :class:`~auditor.model.CollectionError`; its message is the service's
own first line (an SDK that could not read an answer says only that, since its text may
quote the body), and a 403 names the denied action so the report can say what to grant.
"""

from __future__ import annotations

import re

from azure.core.exceptions import DeserializationError, HttpResponseError, SerializationError

from auditor.collect.live.arm_reads import ArmReadError

SDK_MODEL_ERRORS = (DeserializationError, SerializationError)
"""An SDK could not turn an answer into its model: a fault of the answer, not an AzureError."""

_PERMISSION_RE = re.compile(r"perform action '([^']+)'", re.IGNORECASE)


def missing_permission(message: str) -> str | None:
    """The action a 403 message says was denied (``... perform action 'X' over scope ...``)."""
    match = _PERMISSION_RE.search(message)
    return match.group(1) if match else None


def error_text(exc: BaseException) -> str:
    """One line saying why a read failed: the first line of the service's own message."""
    if isinstance(exc, SDK_MODEL_ERRORS):
        # The SDK could not turn an answer into its model; its text may quote the body.
        return f"the answer could not be read ({type(exc).__name__})"
    if isinstance(exc, HttpResponseError):
        error = getattr(exc, "error", None)
        text = getattr(error, "message", None) or exc.message or str(exc)
        return str(text).splitlines()[0] if text else f"HTTP {exc.status_code}"
    if isinstance(exc, ArmReadError):
        return exc.message
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return str(text).splitlines()[0]
