"""Reports: ``aggregate`` reads the store per speaker and topic; ``render`` writes a table, JSON, CSV or HTML."""
