"""Organisation names: parse, classify and match them.

Every cross-agency and school finding depends on reading organisation names right. This package turns
a name as written in a release (``Houston TX PD``, ``[Federal] Federal Bureau of Investigation (FBI)``,
``ALAMEDA COUNTY SHERIFFS OFFICE (CA)``, ``Mountain View Police Department``) into a
:class:`Classification`: a normalised name, the state, the kind of organisation, the federal / school /
inactive booleans, an ``agency_key`` shared by spellings of one agency, and a display name.

- :mod:`.rules`: the rule tables under ``queries/agencies/`` (CSV, each row with a ``why``).
- :mod:`.classification`: names -> classifications, keys, display names. Pure: no store, no engine.
- :mod:`.display`: an account label cleaned of Flock's decorations.
- :mod:`.registry`: a reporter's corrections (``lprlogs agencies load-registry``), kept in the store.
- :mod:`.ice287g`: ICE's 287(g) lists, kept in the store and matched to the names.
- :mod:`.table`: the ``agencies`` and ``agreements`` tables built from names and counts.
- :mod:`.commands`: the ``lprlogs agencies`` commands (it opens an engine, so it is not imported here).
"""

from __future__ import annotations

from . import ice287g
from .classification import (
    CLASSIFY_COLUMNS,
    Classification,
    classify,
    classify_rows,
    display_name,
    make_key,
    resolve_keys,
    with_ice_names,
)
from .display import clean_label
from .registry import (
    REGISTRY_FILE,
    Registry,
    RegistryRule,
    read_registry,
    reference_dir,
    registry_for,
    save_registry,
    stored_registry,
)
from .rules import KINDS, RULES_VERSION, Rules, rules_dir
from .table import (
    AGENCY_SCHEMA,
    AGREEMENT_SCHEMA,
    agencies_from_counts,
    build_tables,
    inputs_fingerprint,
    list_agencies,
    name_counts,
)

__all__ = [
    "AGENCY_SCHEMA", "AGREEMENT_SCHEMA", "CLASSIFY_COLUMNS", "KINDS", "REGISTRY_FILE", "RULES_VERSION",
    "Classification", "Registry", "RegistryRule", "Rules", "agencies_from_counts", "build_tables", "classify", "classify_rows", "clean_label", "display_name", "ice287g", "inputs_fingerprint",
    "list_agencies", "make_key", "name_counts", "read_registry", "reference_dir", "registry_for", "resolve_keys", "rules_dir", "save_registry", "stored_registry", "with_ice_names",
]
