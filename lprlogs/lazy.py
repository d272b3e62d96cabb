"""polars, imported when first used: most runs (a Flock CSV or Excel export, a report) never need it,
and importing it costs about 0.2 s at every start of the command.

Modules that use polars write::

    if TYPE_CHECKING:
        import polars as pl
    else:
        from ..lazy import pl
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class _LazyModule:
    def __init__(self, name: str):
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attribute)


pl: Any = _LazyModule("polars")
