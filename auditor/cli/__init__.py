"""Command line: parse arguments into settings, call the orchestrator, map errors to exit codes.

``parser`` and ``scan_options`` build the parser, ``arguments`` converts option values and
``main`` dispatches and maps errors to exit codes (0/1/2/3/4, 130 interrupted, 141 broken pipe).
"""

from auditor.cli.main import EXIT_BUG, main
from auditor.cli.parser import EXIT_CODES, build_parser, command_line

__all__ = ["EXIT_BUG", "EXIT_CODES", "build_parser", "command_line", "main"]
