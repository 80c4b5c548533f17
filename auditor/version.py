"""The installed package's version, in a module of its own: every layer may read it without
importing the package face (``auditor/__init__.py``, which imports the public API)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("auditor")
except PackageNotFoundError:  # running from a source checkout that was never installed
    __version__ = "0.0.0+source"
