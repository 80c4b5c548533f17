"""Live scans: the real Azure SDK clients read a tenant into the inventory builder.

``settings`` is light; ``run.collect_live`` (which imports the Azure SDKs) is imported only
when a live scan actually runs.
"""
