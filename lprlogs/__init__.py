"""lprlogs: ALPR audit-log releases into a cited Parquet store, answered with readable DuckDB SQL."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lprlogs")
except PackageNotFoundError:  # running from a source checkout that was never installed
    __version__ = "0.0.0+source"
