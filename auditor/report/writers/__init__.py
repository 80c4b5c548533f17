"""The report writers: each module here defines ``WRITER``, found by :mod:`auditor.report.formats`.

A new output format is one new module in this package (see CONTRIBUTING's recipe).
"""
