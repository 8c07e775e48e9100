"""quotes: find who said what in news articles, and where each speaker stands on your topics."""

__version__ = "0.1.0"
