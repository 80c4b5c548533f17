"""auditor: security compliance auditor for Azure Machine Learning and Azure AI Services."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("auditor")
except PackageNotFoundError:  # running from a source checkout that was never installed
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
