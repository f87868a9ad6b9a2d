"""Local test setup for the wire tests."""

from __future__ import annotations

import contextlib
import sys
import warnings
from pathlib import Path

# When a property fails, Hypothesis imports its patch writer (and libcst, which warns
# about mypy_extensions.TypedDict) while pytest reports the failure; with warnings as
# errors that turns every property failure into an INTERNALERROR. Import it up front.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    # Without libcst Hypothesis skips the patch, and there is nothing to import.
    with contextlib.suppress(ImportError):
        import hypothesis.extra._patching  # noqa: F401

# The live interoperability tests drive vidgear with the capture script's helpers.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "golden"))
