"""Report writers: the JSON document and the formats rendered from it."""
