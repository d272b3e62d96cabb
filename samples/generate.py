"""Generate lprlogs' bundled synthetic samples: small records releases in every shape lprlogs reads.

Run ``python samples/generate.py`` to rewrite every generated file under samples/ from the fixed seed;
the output is byte-identical on every run (the tests check it for the text formats). Everything here
is invented: the organisation names follow Flock's naming style (real agency names are used only as
searchers, with made-up searches), officer names are made-up initials and surnames, plates are made up.
See samples/README.md for what each file exercises and what a reader should find in it.

Needs xlsxwriter (installed with lprlogs) and fpdf2 (in the ``test`` extra) for the PDF printout.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import uuid
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

SEED = 2026
HERE = Path(__file__).resolve().parent
UTC = dt.UTC
FIXED_CREATED = dt.datetime(2026, 4, 30, 12, 0, 0)  # document metadata date, so files are reproducible

# --- columns of Flock's export variants (FORMATS.md section 1) -----------------------------------

COLS14 = [
    "ID",
    "Name",
    "Org Name",
    "Total Networks Searched",
    "Total Devices Searched",
    "Time Frame",
    "License Plate",
    "Reason",
    "Case #",
    "Filters",
    "Search Time",
    "Search Type",
    "Text Prompt",
    "Moderation",
]
COLS13 = [c for c in COLS14 if c != "Total Devices Searched"]
COLS11 = [c for c in COLS14 if c not in ("ID", "Text Prompt", "Moderation")]
COLS10 = [
    "ID",
    "Name",
    "Org Name",
    "Total Networks Searched",
    "License Plate",
    "Reason",
    "Case #",
    "Filters",
    "Search Time",
    "Search Type",
]

# --- organisations ------------------------------------------------------------------------------
# (name, role) where role steers the reasons: local, federal, immigration (a local agency known for
# immigration work in these samples), school, campus, far (a distant agency doing national lookups).

OUTSIDE_ORGS: list[tuple[str, str]] = [
    ("Houston TX PD", "local"),
    ("Cobb County GA SO", "immigration"),
    ("Kansas City MO PD", "local"),
    ("Indiana PA PD", "local"),
    ("Cypress Fairbanks ISD (TX) PD", "school"),
    ("[Federal] Federal Bureau of Investigation (FBI)", "federal"),
    ("US Postal Inspection Service", "federal"),
    ("Lake Travis ISD TX PD [Inactive]", "school"),
    ("Federal Way WA PD", "local"),
    ("University City MO PD", "local"),
    ("College Place WA PD", "local"),
    ("Justice IL PD", "local"),
    ("Nevada City CA PD", "local"),
    ("Texas City TX PD", "far"),
    ("Virginia Beach VA PD", "local"),
    ("Washington County OR SO", "local"),
    ("Colbert County AL SO", "immigration"),
    ("Marianna FL PD", "immigration"),
    ("Collier County FL SO", "immigration"),
    ("Harris County TX SO", "far"),
    ("Tulsa OK PD", "local"),
    ("Portland ME PD", "local"),
    ("Honolulu HI PD", "far"),
    ("Dover DE PD", "local"),
    ("Fort Wayne IN PD", "local"),
    ("Salem OR PD", "local"),
    ("Mesa AZ PD", "far"),
    ("[Federal] Homeland Security Investigations (HSI)", "federal"),
    ("[Federal] US Border Patrol", "federal"),
    ("Blue Ridge Parkway VA - National Park Service", "federal"),
    ("Cook County IL SO", "local"),
    ("Naperville IL PD", "local"),
    ("Joliet IL PD", "local"),
    ("Illinois State Police", "local"),
    ("DNU - Mountain View CA PD (Santa Clara County)", "local"),
    ("Brookhaven GA PD", "immigration"),
]

SURNAMES = [
    "Okafor",
    "Lindqvist",
    "Marchetti",
    "Abara",
    "Tanaka",
    "Quillen",
    "Ostrowski",
    "Varga",
    "Nakamura",
    "Delacroix",
    "Mbeki",
    "Halvorsen",
    "Ferreira",
    "Castellan",
    "Brightwater",
    "Ashdown",
    "Kowalczyk",
    "Renwick",
    "Solberg",
    "Tembo",
]

ORDINARY_REASONS = [
    ("stolen vehicle", 30),
    ("bolo", 12),
    ("missing person", 8),
    ("robbery", 8),
    ("burglary suspect", 7),
    ("hit and run", 7),
    ("felony warrant", 6),
    ("narcotics investigation", 6),
    ("domestic violence", 6),
    ("assault suspect vehicle", 5),
    ("shots fired", 4),
    ("fraud", 4),
    ("carjacking", 4),
    ("Amber alert", 2),
    ("welfare check", 3),
    ("stolen plate", 4),
    ("homicide", 2),
    ("catalytic converter theft", 3),
    ("reckless driving", 2),
    ("wanted person", 4),
    ("retail theft", 4),
    ("kidnapping", 1),
    ("Stolen Vehicle 25-10443", 3),
    ("arson", 1),
    ("mail theft", 2),
    ("smash and grab", 2),
    # traps: must NOT be flagged as immigration-related
    ("police assist", 4),
    ("notice of violation", 2),
    ("possession of ice", 2),
    ("case E287021", 2),
    ("vehicle removal", 2),
    ("office burglary", 2),
    ("service of warrant", 2),
    ("device theft", 1),
    ("ice sales investigation", 1),
    ("justice dept request", 1),
    ("crystal ice", 1),
    ("Federal Way assist", 1),
    ("price gouging complaint", 1),
]
VAGUE_REASONS = [("Investigation", 6), ("inv", 5), ("d", 2), (".", 2), ("test", 2), ("x", 1), ("", 6)]
IMMIGRATION_REASONS = [
    ("ICE detainer", 3),
    ("immigration", 3),
    ("assist ICE", 3),
    ("ICE WARRANT", 2),
    ("Deportation Warrant", 1),
    ("USBP Immigration Investigation", 1),
    ("ICE+ERO", 1),
    ("imigration check", 1),
    ("287(g) task force", 1),
    ("removal order", 1),
    ("illegal reentry", 1),
    ("Customs & Border Patrol", 1),
    ("deportee", 1),
    ("Drugs/immigration violations", 1),
    ("undocumented subject", 1),
]
AGENCY_REASONS = [
    ("HSI-Drug Lead", 3),
    ("CBP narcotics seizure", 2),
    ("HSI narcs", 2),
    ("HSI Stolen", 1),
    ("DHS fraud task force", 1),
]
DROPDOWN = [
    ("Auto Theft / VCD Investigation - Auto Theft / VCD Investigation", 25),
    ("Other - Not Applicable", 15),
    ("Missing Person - ", 5),
    ("Robbery - armed robbery", 5),
    ("Narcotics - ", 5),
    ("Burglary - commercial", 5),
    ("Warrant Service - felony warrant", 6),
    ("Homicide - ", 2),
    ("Assault - ", 5),
    ("Fraud - ", 3),
]
DROPDOWN_IMMIGRATION = [
    ("Immigration (civil/administrative) - ", 4),
    ("Immigration (criminal) - ", 2),
    ("Immigration (criminal) - alien smuggling", 1),
]
FILTERS = [
    "suvgmcblack",
    "Ford, F-150, white",
    "7ABC*",
    "sedan,silver",
    "toyotacamrygray",
    "pickup truck red",
    "Honda, Civic",
    "white van no plate",
    "motorcycle",
]
TEXT_PROMPTS = [
    "white pickup truck with ladder rack",
    "red sedan with damaged rear bumper",
    "black SUV with roof rack near the school",
    "silver minivan with temporary plate",
    "blue hatchback with a bike rack",
]
SEARCH_TYPES = [
    ("lookup", 60),
    ("search", 15),
    ("lookup - Mobile", 6),
    ("visual", 4),
    ("multiGeo", 3),
    ("convoy", 2),
    ("search - Mobile", 3),
]
REDACTION_MARKERS = ["***", "REDACTED", " REDACTED", "[REDACTED]", "###", "* * *", "7923.600 GC"]


def weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs], k=1)[0]


def rng_for(name: str) -> random.Random:
    """One generator per file, so editing one file's recipe does not change the others."""
    return random.Random(f"{SEED}:{name}")


def make_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def make_plate(rng: random.Random) -> str:
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    style = rng.random()
    if style < 0.5:
        return f"{rng.randint(1, 9)}{''.join(rng.choices(letters, k=3))}{rng.randint(0, 999):03d}"
    if style < 0.8:
        return f"{''.join(rng.choices(letters, k=3))}{rng.randint(0, 9999):04d}"
    return f"{''.join(rng.choices(letters, k=2))}{rng.randint(10000, 99999)}"


def make_officer(rng: random.Random) -> str:
    return f"{rng.choice('ABCDEFGHJKLMNPRSTW')}. {rng.choice(SURNAMES)}"


def make_case(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.55:
        return ""
    if roll < 0.85:
        return f"{rng.choice(['25', '26'])}-{rng.randint(1000, 29999)}"
    return f"{rng.choice(['E', 'SD', 'PA'])}{rng.randint(100000, 999999)}"


def reason_for(rng: random.Random, role: str, era: str) -> str:
    """A reason typed (era 'pre') or picked from a dropdown (era 'post') by an organisation of this role."""
    immigration_rate = {"federal": 0.18, "immigration": 0.12, "far": 0.04}.get(role, 0.015)
    agency_rate = {"federal": 0.12, "immigration": 0.04}.get(role, 0.01)
    roll = rng.random()
    if roll < immigration_rate:
        if era == "post" and rng.random() < 0.6:
            return weighted(rng, DROPDOWN_IMMIGRATION)
        return weighted(rng, IMMIGRATION_REASONS)
    if roll < immigration_rate + agency_rate:
        return weighted(rng, AGENCY_REASONS)
    if roll < immigration_rate + agency_rate + 0.16:
        return weighted(rng, VAGUE_REASONS)
    if era == "post":
        return weighted(rng, DROPDOWN)
    return weighted(rng, ORDINARY_REASONS)


# --- time formatting ----------------------------------------------------------------------------


def flock_time(moment: dt.datetime, padded: bool = True) -> str:
    """'11/14/2025, 09:53:36 AM UTC' (padded) or '9/9/2025, 1:02:03 PM UTC' (unpadded)."""
    hour12 = moment.hour % 12 or 12
    ampm = "AM" if moment.hour < 12 else "PM"
    if padded:
        return f"{moment.month:02d}/{moment.day:02d}/{moment.year}, {hour12:02d}:{moment:%M:%S} {ampm} UTC"
    return f"{moment.month}/{moment.day}/{moment.year}, {hour12}:{moment:%M:%S} {ampm} UTC"


def random_moment(rng: random.Random, start: dt.date, end: dt.date) -> dt.datetime:
    """A UTC instant between start and end (inclusive days)."""
    days = (end - start).days
    base = dt.datetime(start.year, start.month, start.day, tzinfo=UTC)
    return base + dt.timedelta(days=rng.randint(0, days), seconds=rng.randint(0, 86399))


def lookback(rng: random.Random) -> dt.timedelta:
    """How far back a search reaches: mostly days, some at the 30-day edge, a few far beyond it."""
    roll = rng.random()
    if roll < 0.70:
        return dt.timedelta(hours=rng.choice([1, 2, 6, 12, 24, 48, 72, 168]))
    if roll < 0.84:
        return dt.timedelta(days=rng.choice([7, 14, 21]))
    if roll < 0.90:
        return dt.timedelta(days=30)  # exactly at the retention promise: not long
    if roll < 0.92:
        return dt.timedelta(days=30, seconds=1)  # one second past it: long
    return dt.timedelta(days=rng.choice([45, 60, 90, 180, 365]))


# --- rows ---------------------------------------------------------------------------------------


def make_search(
    rng: random.Random, *, org: str, role: str, when: dt.datetime, era: str, producer: str
) -> dict[str, object]:
    """One search as canonical values; writers format it into a variant's cells."""
    search_type = weighted(rng, SEARCH_TYPES)
    prompt, moderation = "", "allow" if era == "pre" else ""
    if rng.random() < 0.05:
        search_type = rng.choice(["freeform", "freeform - Mobile"])
        prompt = rng.choice(TEXT_PROMPTS)
        moderation = weighted(rng, [("allow", 6), ("warn", 2), ("block", 1)])
    if role == "federal" or (role == "far" and rng.random() < 0.5):
        networks = rng.randint(900, 6900)
    elif rng.random() < 0.15:
        networks = rng.randint(100, 890)  # statewide lookups
    else:
        networks = rng.randint(1, 60)
    start = when - lookback(rng)
    end = when + dt.timedelta(minutes=rng.choice([0, 0, 0, 5, 60])) if rng.random() < 0.2 else when
    return {
        "id": make_uuid(rng),
        "name": make_officer(rng),
        "org": org,
        "networks": networks,
        "devices": networks * rng.randint(8, 25),
        "start": start,
        "end": end,
        "plate": "" if search_type in ("freeform", "freeform - Mobile", "visual") else make_plate(rng),
        "reason": reason_for(rng, role, era),
        "case": make_case(rng),
        "filters": rng.choice(FILTERS) if search_type.startswith("search") or rng.random() < 0.05 else "",
        "when": when,
        "type": search_type,
        "prompt": prompt,
        "moderation": moderation,
        "own": org == producer,
    }


def make_searches(
    name: str,
    n: int,
    *,
    producer: str,
    start: dt.date,
    end: dt.date,
    era: str,
    own_share: float = 0.45,
    orgs: list[tuple[str, str]] | None = None,
    rng: random.Random | None = None,
) -> list[dict[str, object]]:
    """n searches of a producer's cameras (own users and outside organisations), newest first like Flock."""
    rng = rng or rng_for(name)
    pool = orgs if orgs is not None else OUTSIDE_ORGS
    rows = []
    for _ in range(n):
        if rng.random() < own_share:
            org, role = producer, "local"
        else:
            org, role = rng.choice(pool)
        rows.append(
            make_search(
                rng, org=org, role=role, when=random_moment(rng, start, end), era=era, producer=producer
            )
        )
    rows.sort(key=lambda r: r["when"], reverse=True)  # type: ignore[arg-type, return-value]
    return rows


def move_to(row: dict[str, object], when: dt.datetime) -> None:
    """Move a search to another instant, its time frame with it."""
    shift = when - row["when"]  # type: ignore[operator]
    for key in ("start", "end", "when"):
        row[key] = row[key] + shift  # type: ignore[operator]


def cells(
    row: dict[str, object],
    columns: list[str],
    *,
    padded: bool = True,
    frame_sep: str = "\n",
    mask_outside: bool = False,
) -> list[str]:
    """Format one search as the cells of the given Flock columns."""
    masked = mask_outside and not row["own"]
    start, end = row["start"], row["end"]
    frame = f"{flock_time(start, padded)}{frame_sep}{flock_time(end, padded)}"  # type: ignore[arg-type]
    values = {
        "ID": row["id"],
        "Name": "***" if masked else row["name"],
        "Org Name": row["org"],
        "Total Networks Searched": str(row["networks"]),
        "Total Devices Searched": str(row["devices"]),
        "Time Frame": frame,
        "License Plate": "***" if masked and row["plate"] else row["plate"],
        "Reason": row["reason"],
        "Case #": row["case"],
        "Filters": "***" if masked and row["filters"] else row["filters"],
        "Search Time": flock_time(row["when"], padded),
        "Search Type": row["type"],  # type: ignore[arg-type]
        "Text Prompt": row["prompt"],
        "Moderation": row["moderation"],
        "Offense Type": row.get("offense", ""),
        "Search Date": f"{row['when']:%Y-%m-%d}",
    }
    return [str(values[c]) for c in columns]


def write_csv(
    path: Path,
    header: list[str] | None,
    rows: Iterable[list[str]],
    *,
    encoding: str = "utf-8",
    newline: str = "\n",
    before: Iterable[list[str]] = (),
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    for line in before:
        writer.writerow(line)
    if header is not None:
        writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode(encoding))


# --- the files ------------------------------------------------------------------------------------

MAIN_PRODUCER = "Oak Ridge Park IL PD"
WRITTEN: list[Path] = []
TARGET = [HERE]  # where out() writes; generate(target) points it elsewhere (the tests use a temp folder)
# What each audit file holds, as canonical values (path relative to samples/, posix; zip members as
# 'archive.zip!/member'): the tests compare the store with this, so a reader bug cannot hide in a golden file.
EXPECTED: dict[str, list[dict[str, object]]] = {}
# The same for side tables (events, sharing): path -> rows as tuples of the view's columns named in the key.
EXPECTED_SIDE: dict[str, dict[str, list[tuple[object, ...]]]] = {}
# Rows a reader must quarantine (they cannot be read without guessing), per path.
EXPECTED_QUARANTINE: dict[str, int] = {}


def expect(relative: str, rows: list[dict[str, object]], columns: list[str], **fixed: object) -> None:
    """Record the canonical values a reader must produce for ``rows`` written with ``columns``."""
    records = []
    for row in rows:
        record: dict[str, object] = {"search_time": row["when"]}
        if "ID" in columns:
            record["search_id"] = row["id"]
        if "Org Name" in columns:
            record["searcher_org"] = row["org"]
        if "Total Networks Searched" in columns:
            record["networks_searched"] = row["networks"]
        if "Time Frame" in columns:
            record["time_frame_start"], record["time_frame_end"] = row["start"], row["end"]
        if "Reason" in columns:
            record["reason"] = row["reason"]
        record.update(fixed)
        records.append(record)
    EXPECTED.setdefault(relative, []).extend(records)


def rel(path: Path) -> str:
    return path.relative_to(TARGET[0]).as_posix()


def out(relative: str) -> Path:
    path = TARGET[0] / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    WRITTEN.append(path)
    return path


def main_network_audit() -> None:
    """14 columns, ~800 rows: the city PD whose cameras many outside agencies searched."""
    name = f"9_1_2025-11_30_2025-{MAIN_PRODUCER}-Network-Audit.csv"
    rng = rng_for(name)
    rows = make_searches(
        name,
        790,
        producer=MAIN_PRODUCER,
        start=dt.date(2025, 9, 1),
        end=dt.date(2025, 11, 30),
        era="pre",
        rng=rng,
    )
    for row in rng.sample(rows, 40):  # redacted officer names, every marker agencies use
        row["name"] = rng.choice(REDACTION_MARKERS)
    rows[10]["reason"] = "<script>alert(1)</script>"
    rows[11]["reason"] = '=HYPERLINK("http://example.com","x")'
    rows[12]["reason"] = "+1 immigration check"  # formula-looking text that is also tier 1
    rows[13]["reason"] = "@SUM(A1)"
    for row in rows[10:14]:  # moderated freeform searches: a short finding, so the report shows them all
        row.update(type="freeform", prompt=rng.choice(TEXT_PROMPTS), moderation="warn", plate="")
    # exact duplicate rows: one row exported five times (a group of five), another twice
    rows[100:101] = [rows[100]] * 5
    rows.insert(300, rows[299])
    write_csv(out(f"flock/{name}"), COLS14, [cells(r, COLS14) for r in rows])
    expect(f"flock/{name}", rows, COLS14)


def post_cutover_network_audit() -> None:
    """13 columns after the Dec 2025 cutover: other agencies' Name, License Plate, Filters are ***."""
    name = f"1_1_2026-1_31_2026-{MAIN_PRODUCER}-Network-Audit.csv"
    rows = make_searches(
        name, 300, producer=MAIN_PRODUCER, start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 31), era="post"
    )
    write_csv(out(f"flock/{name}"), COLS13, [cells(r, COLS13, mask_outside=True) for r in rows])
    expect(f"flock/{name}", rows, COLS13)


def older_org_audit() -> None:
    """11 columns (older export, no ID, Text Prompt or Moderation), file name with a REDACTED - prefix."""
    producer = "Colbert County AL SO"
    name = f"REDACTED - 3_1_2025-3_31_2025-{producer}-Audit.csv"
    rows = make_searches(
        name,
        150,
        producer=producer,
        start=dt.date(2025, 3, 1),
        end=dt.date(2025, 3, 31),
        era="pre",
        own_share=1.0,
    )
    rng = rng_for(name + ":names")
    for row in rows:
        row["name"] = rng.choice(["REDACTED", "[REDACTED]", row["name"]])
    write_csv(out(f"flock/{name}"), COLS11, [cells(r, COLS11) for r in rows], newline="\r\n")
    expect(f"flock/{name}", rows, COLS11)


def federal_user_export() -> None:
    """10 columns: federal users' searches touching the producer's cameras, names and plates masked."""
    name = f"3_1_2026-3_31_2026-{MAIN_PRODUCER}-Federal-Audit.csv"
    rng = rng_for(name)
    federal = [
        ("US Postal Inspection Service", 50),
        ("[Federal] Federal Bureau of Investigation (FBI)", 35),
        ("Blue Ridge Parkway VA - National Park Service", 3),
        ("[Federal] Homeland Security Investigations (HSI)", 8),
        ("[Federal] US Border Patrol", 4),
    ]
    rows = []
    for _ in range(120):
        org = weighted(rng, federal)
        row = make_search(
            rng,
            org=org,
            role="federal",
            when=random_moment(rng, dt.date(2026, 3, 1), dt.date(2026, 3, 31)),
            era="post",
            producer=MAIN_PRODUCER,
        )
        row.update(name="***", plate="***", type="lookup", filters="", networks=rng.randint(1076, 2690))
        if rng.random() < 0.7:
            row["reason"] = "Other - Not Applicable"
        rows.append(row)
    rows.sort(key=lambda r: r["when"], reverse=True)  # type: ignore[arg-type, return-value]
    write_csv(out(f"flock/{name}"), COLS10, [cells(r, COLS10) for r in rows])
    expect(f"flock/{name}", rows, COLS10)


def trimmed_org_audit() -> None:
    """Agency-trimmed subset (columns deleted before release), ' - Redacted' suffix in the name."""
    producer = "Tulsa OK PD"
    name = f"10_1_2025-10_31_2025-{producer}-Audit - Redacted.csv"
    columns = [
        "ID",
        "Org Name",
        "Total Networks Searched",
        "Time Frame",
        "Reason",
        "Search Time",
        "Search Type",
    ]
    rows = make_searches(
        name,
        70,
        producer=producer,
        start=dt.date(2025, 10, 1),
        end=dt.date(2025, 10, 31),
        era="pre",
        own_share=1.0,
    )
    write_csv(out(f"flock/{name}"), columns, [cells(r, columns) for r in rows])
    expect(f"flock/{name}", rows, columns)


def split_time_org_audit() -> None:
    """Split 'Search Date' (YYYY-MM-DD) and 'Search Time' (HH:MM:SS) columns; ' (1)' in the file name."""
    producer = "Mesa AZ PD"
    name = f"8_1_2025-8_31_2025-{producer}-Audit (1).csv"
    columns = [
        "ID",
        "Name",
        "Org Name",
        "Total Networks Searched",
        "Time Frame",
        "License Plate",
        "Reason",
        "Case #",
        "Search Date",
        "Search Time",
        "Search Type",
    ]
    rows = make_searches(
        name,
        60,
        producer=producer,
        start=dt.date(2025, 8, 1),
        end=dt.date(2025, 8, 31),
        era="pre",
        own_share=1.0,
    )
    lines = []
    for row in rows:
        line = cells(row, columns)
        line[columns.index("Search Time")] = f"{row['when']:%H:%M:%S}"
        lines.append(line)
    write_csv(out(f"flock/{name}"), columns, lines)
    expect(f"flock/{name}", rows, columns)


def offense_type_org_audit() -> None:
    """13 columns plus 'Offense Type' next to Reason; a space before '.csv' in the file name."""
    producer = "Salem OR PD"
    name = f"2_1_2026-2_28_2026-{producer}-Audit .csv"
    columns = COLS13[:7] + ["Offense Type"] + COLS13[7:]
    rng = rng_for(name + ":offense")
    rows = make_searches(
        name,
        60,
        producer=producer,
        start=dt.date(2026, 2, 1),
        end=dt.date(2026, 2, 28),
        era="post",
        own_share=1.0,
    )
    offenses = [
        "Motor Vehicle Theft/Stolen",
        "Larceny/Theft Offenses",
        "Assault/Battery Offenses",
        "Drug/Narcotic Violations",
        "Missing Person",
        "Immigration Violation",
        "",
    ]
    for row in rows:
        row["offense"] = rng.choice(offenses)
    write_csv(out(f"flock/{name}"), columns, [cells(r, columns) for r in rows])
    expect(f"flock/{name}", rows, columns)


def messy_header_org_audit() -> None:
    """Header names with stray spaces and other case (' Name', 'ORG NAME', 'search time')."""
    producer = "Honolulu HI PD"
    name = f"7_1_2025-7_31_2025-{producer}-Audit.csv"
    header = [
        "ID",
        " Name",
        "ORG NAME",
        "Total Networks Searched ",
        "total devices searched",
        " Time Frame",
        "License plate",
        "Reason",
        "Case #",
        "Filters",
        "search time",
        "Search Type",
        "Text Prompt",
        "Moderation ",
    ]
    rows = make_searches(
        name,
        50,
        producer=producer,
        start=dt.date(2025, 7, 1),
        end=dt.date(2025, 7, 31),
        era="pre",
        own_share=1.0,
    )
    write_csv(out(f"flock/{name}"), header, [cells(r, COLS14) for r in rows])
    expect(f"flock/{name}", rows, COLS14)


def title_rows_org_audit() -> None:
    """Title rows above the header, as an agency's own export tool adds them."""
    producer = "Fort Wayne IN PD"
    name = f"5_1_2025-5_31_2025-{producer}-Audit.csv"
    rows = make_searches(
        name,
        50,
        producer=producer,
        start=dt.date(2025, 5, 1),
        end=dt.date(2025, 5, 31),
        era="pre",
        own_share=1.0,
    )
    before = [
        ["Fort Wayne IN PD - Flock Safety Audit Report"] + [""] * 13,
        ["Period: 5/1/2025 - 5/31/2025"] + [""] * 13,
        [""] * 14,
    ]
    write_csv(out(f"flock/{name}"), COLS14, [cells(r, COLS14) for r in rows], before=before)
    expect(f"flock/{name}", rows, COLS14)


def headerless_org_audit() -> None:
    """No header row at all: the known 14-column order."""
    producer = "Portland ME PD"
    name = f"6_1_2025-6_30_2025-{producer}-Audit.csv"
    rows = make_searches(
        name,
        50,
        producer=producer,
        start=dt.date(2025, 6, 1),
        end=dt.date(2025, 6, 30),
        era="pre",
        own_share=1.0,
    )
    write_csv(out(f"flock/{name}"), None, [cells(r, COLS14) for r in rows])
    expect(f"flock/{name}", rows, COLS14)


def repeated_header_network_audit() -> None:
    """A header repeated mid-file (pages of an export pasted together)."""
    producer = "Dover DE PD"
    name = f"10_1_2025-10_31_2025-{producer}-Network-Audit.csv"
    rows = make_searches(
        name, 80, producer=producer, start=dt.date(2025, 10, 1), end=dt.date(2025, 10, 31), era="pre"
    )
    lines = [cells(r, COLS14) for r in rows]
    lines.insert(40, list(COLS14))
    write_csv(out(f"flock/{name}"), COLS14, lines)
    expect(f"flock/{name}", rows, COLS14)


def stacked_org_audit() -> None:
    """Two monthly exports stacked with no second header; they overlap by a day (exact duplicates)."""
    producer = "Kansas City MO PD"
    name = f"9_1_2025-10_31_2025-{producer}-Audit.csv"
    rng = rng_for(name)
    october = make_searches(
        name,
        40,
        producer=producer,
        start=dt.date(2025, 10, 1),
        end=dt.date(2025, 10, 31),
        era="pre",
        own_share=1.0,
        rng=rng,
    )
    september = make_searches(
        name,
        40,
        producer=producer,
        start=dt.date(2025, 9, 1),
        end=dt.date(2025, 9, 30),
        era="pre",
        own_share=1.0,
        rng=rng,
    )
    overlap = [r for r in september if r["when"].date() == dt.date(2025, 9, 30)]  # type: ignore[union-attr]
    if not overlap:
        move_to(september[0], dt.datetime(2025, 9, 30, 14, 5, 9, tzinfo=UTC))
        overlap = [september[0]]
    # first export: Sep 30 - Oct 31 (newest first); second: Sep 1 - Sep 30, pasted below without header
    first = [cells(r, COLS14) for r in october + overlap]
    second = [cells(r, COLS14) for r in september]
    write_csv(out(f"flock/{name}"), COLS14, first + second)
    expect(f"flock/{name}", october + overlap + september, COLS14)


def shifted_row_org_audit() -> None:
    """One row shifted one cell right (an empty cell before the ID), one row missing its last cell."""
    producer = "Virginia Beach VA PD"
    name = f"11_1_2025-11_30_2025-{producer}-Audit.csv"
    rows = make_searches(
        name,
        50,
        producer=producer,
        start=dt.date(2025, 11, 1),
        end=dt.date(2025, 11, 30),
        era="pre",
        own_share=1.0,
    )
    lines = [cells(r, COLS14) for r in rows]
    lines[20] = [""] + lines[20]  # shifted one cell right: unambiguous, repairable
    lines[35] = lines[35][:-1]  # missing the trailing Moderation cell
    write_csv(out(f"flock/{name}"), COLS14, lines)
    expect(f"flock/{name}", rows, COLS14)


def to_time_frame_org_audit() -> None:
    """'<start> UTC to <end> UTC' time frames, and a 'to' period in the file name."""
    producer = "Texas City TX PD"
    name = f"4-1-2025 to 4-30-2025-{producer}-Audit.csv"
    rows = make_searches(
        name,
        50,
        producer=producer,
        start=dt.date(2025, 4, 1),
        end=dt.date(2025, 4, 30),
        era="pre",
        own_share=1.0,
    )
    write_csv(out(f"flock/{name}"), COLS14, [cells(r, COLS14, frame_sep=" to ") for r in rows])
    expect(f"flock/{name}", rows, COLS14)


def unpadded_org_audit() -> None:
    """Unpadded dates and hours: '9/9/2025, 1:02:03 PM UTC'."""
    producer = "Denver CO PD"
    name = f"9_1_2025-9_30_2025-{producer}-Audit.csv"
    rows = make_searches(
        name,
        50,
        producer=producer,
        start=dt.date(2025, 9, 1),
        end=dt.date(2025, 9, 30),
        era="pre",
        own_share=1.0,
    )
    write_csv(out(f"flock/{name}"), COLS14, [cells(r, COLS14, padded=False) for r in rows])
    expect(f"flock/{name}", rows, COLS14)


def dashes_devices_network_audit() -> None:
    """Total Devices Searched as '——' (two U+2014) on every row."""
    producer = "Atlanta GA PD"
    name = f"11_1_2025-11_30_2025-{producer}-Network-Audit.csv"
    rows = make_searches(
        name, 60, producer=producer, start=dt.date(2025, 11, 1), end=dt.date(2025, 11, 30), era="pre"
    )
    lines = [cells(r, COLS14) for r in rows]
    for line in lines:
        line[COLS14.index("Total Devices Searched")] = "\u2014\u2014"
    write_csv(out(f"flock/{name}"), COLS14, lines)
    expect(f"flock/{name}", rows, COLS14)
    # the export was cut off: the last row stops after five cells, with no newline (must be quarantined)
    truncated = cells(
        make_search(
            rng_for(name + ":cut"),
            org="Houston TX PD",
            role="local",
            producer=producer,
            when=dt.datetime(2025, 11, 1, 6, 0, 0, tzinfo=UTC),
            era="pre",
        ),
        COLS14,
    )[:5]
    truncated[4] = "\u2014\u2014"
    with open(TARGET[0] / f"flock/{name}", "a", encoding="utf-8", newline="") as fh:
        fh.write(",".join(truncated))
    EXPECTED_QUARANTINE[f"flock/{name}"] = 1


def encoded_org_audits() -> None:
    """The same shape in three encodings: UTF-8 with BOM, UTF-16 (LE with BOM), cp1252 (with é, ó)."""
    specs = [
        ("Phoenix AZ PD", "utf-8-sig", 7),
        ("Brookhaven GA PD", "utf-16", 8),
        ("El Paso TX PD", "cp1252", 9),
    ]
    for producer, encoding, month in specs:
        name = f"{month}_1_2025-{month}_30_2025-{producer}-Audit.csv"
        rows = make_searches(
            name,
            40,
            producer=producer,
            start=dt.date(2025, month, 1),
            end=dt.date(2025, month, 28),
            era="pre",
            own_share=1.0,
        )
        if encoding == "cp1252":
            rows[3]["name"] = "A. Léger"
            rows[5]["reason"] = "apoyo inmigración"  # Spanish: tier 1 immigration
            rows[7]["reason"] = "vehículo robado - café"
        write_csv(
            out(f"flock/encodings/{name}"),
            COLS14,
            [cells(r, COLS14) for r in rows],
            encoding=encoding,
            newline="\r\n" if encoding == "utf-16" else "\n",
        )
        expect(f"flock/encodings/{name}", rows, COLS14)


def batch_months() -> None:
    """Two adjacent monthly Organization Audits overlapping by one day, for `lprlogs diff --since`."""
    producer = "Cobb County GA SO"
    rng = rng_for("batches")
    feb = make_searches(
        "feb",
        70,
        producer=producer,
        start=dt.date(2026, 2, 1),
        end=dt.date(2026, 2, 28),
        era="post",
        own_share=1.0,
        rng=rng,
    )
    mar = make_searches(
        "mar",
        70,
        producer=producer,
        start=dt.date(2026, 3, 1),
        end=dt.date(2026, 3, 31),
        era="post",
        own_share=1.0,
        rng=rng,
    )
    last_day = [r for r in feb if r["when"].date() == dt.date(2026, 2, 28)]  # type: ignore[union-attr]
    if not last_day:
        move_to(feb[0], dt.datetime(2026, 2, 28, 16, 40, 2, tzinfo=UTC))
        last_day = [feb[0]]
    mar[2]["reason"] = "Immigration (civil/administrative) - "
    mar[9]["reason"] = "assist ICE"
    write_csv(
        out(f"batches/month1/2_1_2026-2_28_2026-{producer}-Audit.csv"),
        COLS13,
        [cells(r, COLS13) for r in feb],
    )
    expect(f"batches/month1/2_1_2026-2_28_2026-{producer}-Audit.csv", feb, COLS13)
    write_csv(
        out(f"batches/month2/2_28_2026-3_31_2026-{producer}-Audit.csv"),
        COLS13,
        [cells(r, COLS13) for r in mar + last_day],
    )
    expect(f"batches/month2/2_28_2026-3_31_2026-{producer}-Audit.csv", mar + last_day, COLS13)


def spelled_differently_network_audit() -> None:
    """The producer's name in the file name ('Mountain View Police Department') is spelled differently from
    its own users' Org Name ('Mountain View CA PD (Santa Clara County)'): its own searches are not outside."""
    producer = "Mountain View Police Department"
    own_name = "Mountain View CA PD (Santa Clara County)"
    name = f"12_1_2025-12_17_2025-{producer}-Network-Audit.csv"
    rows = make_searches(
        name,
        40,
        producer=own_name,
        start=dt.date(2025, 12, 1),
        end=dt.date(2025, 12, 17),
        era="pre",
        own_share=0.6,
    )
    write_csv(out(f"flock/{name}"), COLS14, [cells(r, COLS14) for r in rows])
    expect(f"flock/{name}", rows, COLS14)


def school_network_audits() -> None:
    """A school district's and a campus's cameras, searched by police (some for immigration)."""
    for producer, name, n, start, end in [
        (
            "Maple Valley Unified School District CA",
            "9_1_2025-12_15_2025-Maple Valley Unified School District CA-Network-Audit.csv",
            200,
            dt.date(2025, 9, 1),
            dt.date(2025, 12, 15),
        ),
        (
            "Coastal Bay Community College District CA PD",
            "10_1_2025-11_30_2025-Coastal Bay Community College District CA PD-Network-Audit.csv",
            80,
            dt.date(2025, 10, 1),
            dt.date(2025, 11, 30),
        ),
    ]:
        rng = rng_for(name)
        rows = make_searches(
            name, n, producer=producer, start=start, end=end, era="pre", own_share=0.1, rng=rng
        )
        for row in rng.sample(rows, 6):
            row["reason"] = weighted(rng, IMMIGRATION_REASONS)
        write_csv(out(f"school/{name}"), COLS14, [cells(r, COLS14) for r in rows])
        expect(f"school/{name}", rows, COLS14)


# --- Excel ------------------------------------------------------------------------------------------


def _workbook(path: Path):  # noqa: ANN202 - xlsxwriter has no type hints
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        str(path), {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    )
    workbook.set_properties({"created": FIXED_CREATED, "author": "lprlogs samples"})
    return workbook


def excel_network_audit() -> None:
    """One sheet per month, a pivot-style summary, an empty sheet, a numeric reason, a 31-char sheet name."""
    producer = "Greenfield CA PD"
    path = out(f"excel/1_1_2025-3_31_2025-{producer}-Network-Audit.xlsx")
    rng = rng_for(path.name)
    workbook = _workbook(path)
    summary = workbook.add_worksheet("Summary")
    months = [
        ("January 2025", dt.date(2025, 1, 1), dt.date(2025, 1, 31)),
        ("February 2025", dt.date(2025, 2, 1), dt.date(2025, 2, 28)),
        ("3_1_2025-3_31_2025-Greenfield C", dt.date(2025, 3, 1), dt.date(2025, 3, 31)),
    ]  # cut at 31
    counts: dict[str, int] = {}
    for index, (sheet_name, start, end) in enumerate(months):
        sheet = workbook.add_worksheet(sheet_name)
        rows = make_searches(sheet_name, 100, producer=producer, start=start, end=end, era="pre", rng=rng)
        if index == 0:
            rows[6]["reason"] = "5237"  # Excel made a number of this reason (sheet row 8)
        expect(rel(path), rows, COLS14)
        for col, header in enumerate(COLS14):
            sheet.write_string(0, col, header)
        for r, row in enumerate(rows, start=1):
            line = cells(row, COLS14)
            counts[str(row["org"])] = counts.get(str(row["org"]), 0) + 1
            for col, value in enumerate(line):
                header = COLS14[col]
                numeric = header in ("Total Networks Searched", "Total Devices Searched")
                if numeric and index != 1:  # February keeps its numbers stored as text
                    sheet.write_number(r, col, int(value))
                elif header == "Reason" and value.isdigit():
                    sheet.write_number(r, col, int(value))
                else:
                    sheet.write_string(r, col, value)
    workbook.add_worksheet("Sheet3")  # empty
    summary.write_string(0, 0, "Row Labels")
    summary.write_string(0, 1, "Count of ID")
    ordered = sorted(counts.items())
    for r, (org, count) in enumerate(ordered, start=1):
        summary.write_string(r, 0, org)
        summary.write_number(r, 1, count)
    summary.write_string(len(ordered) + 1, 0, "Grand Total")
    summary.write_number(len(ordered) + 1, 1, sum(counts.values()))
    workbook.close()


def vigilant_workbook() -> None:
    """A Vigilant (LEARN) production: request, org lists A1..A4, counts, users, audit, other agencies."""
    path = out("vigilant/alpr-audits-westbrook-ca-pd-vigilant.xlsx")
    rng = rng_for(path.name)
    workbook = _workbook(path)
    request = workbook.add_worksheet("Request")
    items = [
        "The names of agencies and organizations with which the Agency shares ALPR data",
        "The names of agencies and organizations from which the Agency receives ALPR data",
        "The names of agencies with which the Agency shares hot lists",
        "The names of agencies from which the Agency receives hot lists",
        "All agreements or memoranda of understanding concerning ALPR data",
    ]
    for r, text in enumerate(items):
        request.write_string(r, 0, f"A{r + 1}")
        request.write_string(r, 1, text)
    request.write_string(4, 2, "Per request, A5 unnecessary as information in items A1-A4")
    vigilant_orgs = [
        "ALAMEDA COUNTY SHERIFFS OFFICE (CA)",
        "WESTBROOK POLICE DEPARTMENT (CA)",
        "ANAHEIM CA PD",
        "COBB COUNTY GA SO",
        "HOUSTON POLICE DEPARTMENT (TX)",
        "US BORDER PATROL - SAN DIEGO SECTOR (CA)",
        "HOMELAND SECURITY INVESTIGATIONS - LOS ANGELES (CA)",
        "ORANGE COUNTY DISTRICT ATTORNEY (CA)",
        "PHOENIX AZ PD",
        "SAN BERNARDINO COUNTY SHERIFF (CA)",
        "NEVADA CITY POLICE DEPARTMENT (CA)",
        "COLLIER COUNTY SHERIFFS OFFICE (FL)",
        "21ST DRUG TASK FORCE FRANKLIN (TN)",
    ]
    for index, sheet_name in enumerate(["A1", "A2", "A3", "A4"]):
        sheet = workbook.add_worksheet(sheet_name)
        sheet.write_string(0, 0, "ORGANIZATION NAME")
        chosen = sorted(rng.sample(vigilant_orgs, 6 + index))
        for r, org in enumerate(chosen, start=1):
            sheet.write_string(r, 0, org)
    counts = workbook.add_worksheet("B1&2")
    counts.write_string(0, 0, "Data provided between 1/1/19 and 2/11/25")
    counts.write_row(1, 0, ["B1", '"Detections"', "1074720"])
    counts.write_row(2, 0, ["B2", '"Hits"', "3127"])
    users = workbook.add_worksheet("Users")
    users.write_string(0, 0, "User Name")
    for r, surname in enumerate(SURNAMES[:12], start=1):
        users.write_string(r, 0, f"{'ABCDEFGHJKLM'[r - 1]}. {surname}")
    audit = workbook.add_worksheet("Audit")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    audit.write_row(0, 0, ["Reason", "DateTime"])
    reasons = [
        ("21-16030", 10),
        ("stolen vehicle", 8),
        ("bolo", 5),
        ("INV", 4),
        ("ICE detainer", 1),
        ("HSI-Drug Lead", 1),
        ("missing person", 3),
        ("robbery", 3),
        ("homicide", 1),
        ("", 2),
        ("assist ICE", 1),
        ("police assist", 2),
    ]
    moments = sorted(
        dt.datetime(2024, 11, 1) + dt.timedelta(seconds=rng.randint(0, 100 * 86400)) for _ in range(300)
    )
    expected = []
    for r, moment in enumerate(moments, start=1):
        if rng.random() < 0.05:
            number = rng.randint(20000, 29999)
            audit.write_number(r, 0, number)  # reasons Excel turned into integers
            reason = str(number)
        else:
            reason = weighted(rng, reasons)
            audit.write_string(r, 0, reason)
        audit.write_datetime(r, 1, moment, date_format)
        # local times without a zone: with no --tz they are stored as if UTC (the reader says so)
        expected.append({"when": moment.replace(tzinfo=UTC), "reason": reason})
    expect(rel(path), expected, ["Reason"])
    other = workbook.add_worksheet("OtherAgencies")
    other.write_row(0, 0, ["Month", "2025", "2024"])
    for r, month in enumerate(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        start=1,
    ):
        other.write_string(r, 0, month)
        other.write_string(r, 1, str(rng.randint(3000, 9000)) if r <= 2 else "-")
        other.write_string(r, 2, "-" if r <= 1 else str(rng.randint(1000, 9000)))
    workbook.close()


def event_log_workbook() -> None:
    """A Flock event log (hotlist changes): multi-line 'Label: value' details, blanked rows, empty sheet."""
    path = out("events/CPRA_2026-014_Hotlist.xlsx")
    rng = rng_for(path.name)
    workbook = _workbook(path)
    sheet = workbook.add_worksheet("CPRA 2026-014")
    workbook.add_worksheet("Sheet1")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss.000"})
    sheet.write_row(0, 0, ["Timestamp", "User", "Event Type", "Entity Type", "Entity Details"])
    moment = dt.datetime(2026, 1, 20, 17, 5, 0)
    hotlists = ["DISTRICT TEAM", "488 SUSPECT VEHICLE", "STOLEN VEHICLES - REGION", "MISSING ADULT 26-0112"]
    events: list[
        tuple[object, ...]
    ] = []  # (event_type, entity_type, redacted) per sheet row under the header
    for r in range(1, 61):
        moment -= dt.timedelta(minutes=rng.randint(3, 900), milliseconds=rng.randint(0, 999))
        if rng.random() < 0.15:
            events.append((None, None, True))
            continue  # a row the agency blanked out to redact it
        user = f"{rng.choice(SURNAMES)}, {rng.choice('ABCDEFGHJKLM')}."
        event = weighted(rng, [("create", 5), ("update", 3), ("delete", 2)])
        if rng.random() < 0.2:
            entity = "customHotlist"
            members = ", ".join(f"{rng.choice(SURNAMES)}, {rng.choice('ABCDEFGHJKLM')}." for _ in range(2))
            details = (
                f"Name: {rng.choice(hotlists)}\nOrganization Hotlist: {rng.choice(['Yes', 'No'])}\n"
                f"Audience Users: {members}\nAudience Roles: Patrol\n"
            )
        else:
            entity = "Custom Hotlist Entry"
            expiry = moment + dt.timedelta(days=rng.choice([7, 30, 90]), milliseconds=rng.randint(0, 999))
            plate = make_plate(rng) if rng.random() < 0.8 else ""
            details = (
                f"Hotlist Name: {rng.choice(hotlists)}\nLicense: {plate}\nState: california\n"
                f"Reason: {weighted(rng, ORDINARY_REASONS[:12] + [('ICE detainer', 1)])}\n"
                f"Case: {make_case(rng)}\n"
                f"Expiry: {expiry:%Y-%m-%dT%H:%M:%S}.{expiry.microsecond // 1000:03d}Z\n"
                f"Consolidated: false\n"
            )
            if event == "delete":
                deleted = f"Deleted Plates: License: {plate} State: california\n"
                details = f"Hotlist Name: {rng.choice(hotlists)}\n{deleted}"
        sheet.write_datetime(r, 0, moment, date_format)
        sheet.write_row(r, 1, [user, event, entity, details])
        events.append((event, entity, False))
    while events and events[-1][2]:
        events.pop()  # blank rows after the last event are not part of the sheet
    EXPECTED_SIDE[rel(path)] = {"events:event_type,entity_type,redacted": events}
    workbook.close()


def sharing_workbook() -> None:
    """A Flock sharing list: comma-joined network names, ' - Condor Cameras' networks, an HOA, a store."""
    path = out("sharing/SharedNetworks_2026_January.xlsx")
    workbook = _workbook(path)
    sheet = workbook.add_worksheet("SharedNetworks_2026_January_15")
    sheet.write_row(0, 0, ["Organization Name", "Networks Shared With Me", "Networks I'm Sharing"])
    mine = "Oak Ridge Park IL PD,Oak Ridge Park IL PD - Condor Cameras,"
    rows = [
        ("Cook County IL SO ", "Cook County IL SO", mine),
        ("Naperville IL PD", "Naperville IL PD ,Naperville IL PD - Condor Cameras", mine),
        ("Willow Creek Estates HOA (IL)", "Willow Creek Estates HOA (IL)", None),
        ("Valley Home Centers - Store 1142 (IL)", "Valley Home Centers - Store 1142 (IL),", None),
        ("Houston TX PD", "Houston TX PD", mine),
        ("Cobb County GA SO", "Cobb County GA SO,Cobb County GA SO - LPR", mine),
        ("US Postal Inspection Service", None, mine),
        ("[Federal] Federal Bureau of Investigation (FBI)", None, mine),
        ("Maple Valley Unified School District CA", "Maple Valley Unified School District CA", mine),
        ("Joliet IL PD", "Joliet IL PD,City of Joliet IL (Public Works)", mine),
        ("Justice IL PD", "Justice IL PD", mine),
    ]
    expected: list[tuple[object, ...]] = []
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write_string(r, c, value)
        for value, direction in ((row[1], "shared_with_me"), (row[2], "i_share")):
            expected += [
                (row[0].strip(), n.strip(), direction) for n in (value or "").split(",") if n.strip()
            ]
    EXPECTED_SIDE[rel(path)] = {"sharing:organization,network,direction": expected}
    workbook.close()


def ice_287g_sample() -> None:
    """A synthetic 287(g) participating list in ICE's published shape (loaded with agencies load-287g)."""
    path = out("reference/ice-287g-participating-sample.xlsx")
    workbook = _workbook(path)
    sheet = workbook.add_worksheet("Sheet1")
    date_format = workbook.add_format({"num_format": "m/d/yyyy"})
    sheet.write_row(
        0,
        0,
        ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE", "SIGNED", "MOA", "ADDENDUM"],
    )
    rows = [
        (
            "ALABAMA",
            "Colbert County Sheriff's Office",
            "County",
            "Colbert County",
            "Task Force Model",
            (2025, 7, 2),
        ),
        (
            "ALABAMA",
            "Colbert County Sheriff's Office",
            "County",
            "Colbert County",
            "Warrant Service Officer ",
            (2025, 5, 8),
        ),
        (
            "ALABAMA",
            "Colbert County Sheriff's Office",
            "County",
            "Colbert County",
            "Jail Enforcement Model ",
            (2025, 5, 8),
        ),
        (
            "FLORIDA",
            "Marianna Police Department",
            "Municipality",
            "Jackson County",
            "Task Force Model ",
            (2025, 4, 1),
        ),
        (
            "FLORIDA",
            "Jackson County Sheriff's Office",
            "County",
            "Jackson County",
            "Warrant Service Officer",
            (2025, 3, 14),
        ),
        (
            "FLORIDA",
            "Collier County Sheriff's Office",
            "County",
            "Collier County",
            "Jail Enforcement Model",
            (2019, 6, 1),
        ),
        (
            "FLORIDA",
            "Collier County Sheriff's Office",
            "County",
            "Collier County",
            "Task Force Model ",
            (2025, 2, 20),
        ),
        (
            "GEORGIA",
            "Cobb County Sheriff's Office",
            "County",
            "Cobb County",
            "Jail Enforcement Model ",
            (2024, 10, 1),
        ),
        (
            "GEORGIA",
            "Brookhaven Police Department",
            "Municipality",
            "DeKalb County",
            "Task Force Model",
            (2025, 6, 9),
        ),
        (
            "ARKANSAS",
            "Washington County Sheriff's Office",
            "County",
            "Washington County",
            "Warrant Service Officer ",
            (2025, 1, 30),
        ),  # NOT Washington County OR SO
        (
            "TEXAS",
            "Harris County Constable Precinct 9",
            "County",
            "Harris County",
            "Warrant Service Officer",
            (2025, 5, 21),
        ),  # NOT Harris County TX SO
        (
            "TEXAS",
            "Galveston County Sheriff's Office",
            "County",
            "Galveston County",
            "Jail Enforcement Model",
            (2025, 4, 3),
        ),  # NOT Texas City TX PD (a city in Galveston County)
        ("MISSOURI", "Missouri State Highway Patrol", "State", "", "Task Force Model ", (2025, 3, 3)),
        (
            "OKLAHOMA",
            "Tulsa County Sheriff's Office",
            "County",
            "Tulsa County",
            "Jail Enforcement Model",
            (2024, 7, 1),
        ),  # NOT Tulsa OK PD
        (
            "INDIANA",
            "Fort Wayne Police Department",
            "Municipality",
            "Allen County",
            "Task Force Model",
            (2025, 6, 30),
        ),
        (
            "NEVADA",
            "Nye County Sheriff's Office",
            "County",
            "Nye County",
            "Warrant Service Officer ",
            (2025, 2, 11),
        ),
    ]
    for r, (state, agency, kind, county, support, signed) in enumerate(rows, start=1):
        sheet.write_row(r, 0, [state, agency, kind, county, support])
        sheet.write_datetime(r, 5, dt.datetime(*signed), date_format)
        sheet.write_string(r, 6, "link" if r % 3 else "link pending")
    workbook.close()


# --- portal -------------------------------------------------------------------------------------------


def portal_audits() -> None:
    """Transparency-portal search audits, old and new forms: every field quoted, no trailing newline."""
    rng = rng_for("portal-new")
    lines = ['"id","userId","searchDate","networkCount","reason","caseNumber","offenseType"']
    expected: list[dict[str, object]] = []
    moment = dt.datetime(2026, 4, 21, 23, 0, 0, tzinfo=UTC)
    offenses = [
        "Motor Vehicle Theft/Stolen",
        "Larceny/Theft Offenses",
        "Assault/Battery Offenses",
        "",
        "Drug/Narcotic Violations",
        "Missing Person",
    ]
    for i in range(100):
        moment -= dt.timedelta(seconds=rng.randint(600, 30000), milliseconds=rng.randint(0, 999))
        reason = reason_for(rng, "local", "pre")
        if i == 17:
            reason = 'missing elder "Tia" last seen'  # written unescaped by the portal: a broken quote
        elif i == 40:
            reason = "assist ICE"
        elif i == 41:
            reason = "HSI-Drug Lead"
        stamp = f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"
        fields = [
            make_uuid(rng),
            "***",
            stamp,
            str(rng.choice([1, 3, 39, 376, 624, rng.randint(1, 900)])),
            reason,
            make_case(rng),
            rng.choice(offenses),
        ]
        lines.append(",".join(f'"{v}"' for v in fields))
        expected.append({"id": fields[0], "when": moment, "networks": int(fields[3]), "reason": reason})
    path = out("portal/springfield-or-pd_2026-04-22_search_audit.csv")
    path.write_bytes("\n".join(lines).encode())
    expect(rel(path), expected, ["ID", "Total Networks Searched", "Reason"])

    rng = rng_for("portal-old")
    users = [make_uuid(rng) for _ in range(6)]
    lines = ['"id","userId","searchDate","cameraCount","reason"']
    expected = []
    moment = dt.datetime(2025, 6, 30, 23, 0, 0)
    old_reasons = [
        ("Person+Crime", 6),
        ("Vehicle+Crime", 6),
        ("stolen+vehicle", 5),
        ("missing+person", 3),
        ("bolo", 3),
        ("inv", 2),
        ("", 2),
        ("ICE+detainer", 1),
        ("possession+of+ice", 1),
        ("police+assist", 1),
        ("Immigration+", 1),
    ]
    for _ in range(100):
        moment -= dt.timedelta(seconds=rng.randint(600, 30000), milliseconds=rng.randint(0, 999))
        stamp = f"{moment:%Y-%m-%d %H:%M:%S}.{moment.microsecond // 1000:03d}"
        fields = [
            make_uuid(rng),
            rng.choice(users),
            stamp,
            str(rng.randint(1, 45)),
            weighted(rng, old_reasons),
        ]
        lines.append(",".join(f'"{v}"' for v in fields))
        # zone-less times are stored as UTC; '+' stands for a space
        expected.append(
            {"id": fields[0], "when": moment.replace(tzinfo=UTC), "reason": fields[4].replace("+", " ")}
        )
    path = out("portal/lakeside-ca-pd_2025-07-01_search_audit.csv")
    path.write_bytes("\n".join(lines).encode())
    expect(rel(path), expected, ["ID", "Reason"])


# --- PDF printout ---------------------------------------------------------------------------------------


def pdf_printout() -> None:
    """An Organization Audit printed to PDF in the Okaloosa layout: 9 columns, header on page 1 only,
    Time Frame wrapped over six lines, the other cells on the frame's last line."""
    from fpdf import FPDF

    producer = "Pelican Bay County FL SO"
    name = f"11_1_2025-11_30_2025-{producer.replace(' ', '_')}-Audit.pdf"
    rng = rng_for(name)
    rows = make_searches(
        name,
        34,
        producer=producer,
        start=dt.date(2025, 11, 1),
        end=dt.date(2025, 11, 30),
        era="pre",
        own_share=1.0,
        rng=rng,
    )
    rows[4]["reason"] = ""
    rows[9]["reason"] = "ICE detainer"
    rows[9]["start"] = rows[9]["when"] - dt.timedelta(days=60)  # type: ignore[operator]
    rows[15]["moderation"] = "block"
    for row in rows:  # the printout's narrow Search Type column holds only the short types
        row["type"] = str(row["type"]).split(" - ")[0]
    pdf = FPDF(orientation="L", unit="pt", format="letter")
    pdf.set_creation_date(dt.datetime(2025, 12, 9, 15, 0, 0, tzinfo=UTC))
    pdf.set_producer("lprlogs samples")
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", size=6)
    columns = [
        ("ID", 50, "L"),
        ("Org Name", 183, "L"),
        ("Total Networks Searched", 256, "R"),
        ("Total Devices Searched", 336, "R"),
        ("Time Frame", 408, "L"),
        ("Reason", 448, "L"),
        ("Search Time", 565, "L"),
        ("Search Type", 652, "L"),
        ("Moderation", 692, "L"),
    ]
    right_edges = {"Total Networks Searched": 332, "Total Devices Searched": 406}
    line_height = 9.0
    top, bottom = 60.0, 560.0
    pdf.add_page()
    for title, x, _ in columns:
        pdf.text(x, top, title)
    y = top
    for row in rows:
        frame_lines = [*_wrapped_time(row["start"]), *_wrapped_time(row["end"])]  # type: ignore[arg-type]
        if y + line_height * len(frame_lines) > bottom:
            pdf.add_page()
            y = top - line_height
        last = y + line_height * len(frame_lines)
        values = {
            "ID": row["id"],
            "Org Name": row["org"],
            "Total Networks Searched": str(row["networks"]),
            "Total Devices Searched": str(row["devices"]),
            "Reason": row["reason"],
            "Search Time": flock_time(row["when"]),
            "Search Type": row["type"],  # type: ignore[arg-type]
            "Moderation": row["moderation"],
        }
        for title, x, align in columns[:4]:
            text = str(values[title])
            if align == "R":
                x = right_edges[title] - pdf.get_string_width(text) - 4
            pdf.text(x, last, text)
        for k, text in enumerate(frame_lines, start=1):
            pdf.text(408, y + line_height * k, text)
        for title, x, _ in columns[5:]:
            pdf.text(x, last, str(values[title]))
        y = last + 4
    pdf.output(str(out(f"pdf/{name}")))
    expect(f"pdf/{name}", rows, ["ID", "Org Name", "Total Networks Searched", "Time Frame", "Reason"])


def _wrapped_time(moment: dt.datetime) -> list[str]:
    date_part, time_part = flock_time(moment).split(", ")
    return [f"{date_part},", time_part.removesuffix(" UTC"), "UTC"]


# --- records-release zip --------------------------------------------------------------------------------

DOCX_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
DOCX_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="word/document.xml"/></Relationships>'
)


def _docx(paragraphs: list[str]) -> bytes:
    body = "".join(f'<w:p><w:r><w:t xml:space="preserve">{p}</w:t></w:r></w:p>' for p in paragraphs)
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    return _zip_bytes(
        [
            ("[Content_Types].xml", DOCX_CONTENT_TYPES),
            ("_rels/.rels", DOCX_RELS),
            ("word/document.xml", document),
        ]
    )


def _zip_bytes(members: list[tuple[str, str | bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member, content in members:
            info = zipfile.ZipInfo(member, date_time=(2026, 4, 30, 9, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content.encode("utf-8") if isinstance(content, str) else content)
    return buffer.getvalue()


def _csv_text(header: list[str], lines: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(lines)
    return buffer.getvalue()


def release_zip() -> None:
    """What a records portal delivers: a cover letter, a Word file and two audit CSVs in one zip."""
    producer = "Harbor City CA PD"
    network = make_searches(
        "zip-network", 50, producer=producer, start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 31), era="post"
    )
    own = make_searches(
        "zip-org",
        40,
        producer=producer,
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 1, 31),
        era="post",
        own_share=1.0,
    )
    letter = (
        "HARBOR CITY POLICE DEPARTMENT\nRecords Unit\n\nApril 30, 2026\n\nRe: Public Records Act request "
        "2026-001\n\nDear Requester,\n\nEnclosed are the Flock Safety audit logs responsive to your request "
        "for January 2026.\nOfficer names of other agencies are masked by the vendor. Records exempt under "
        "Government Code 7923.600 have been withheld.\n\nSincerely,\nRecords Unit\n"
    )
    members: list[tuple[str, str | bytes]] = [
        ("Release 2026-001/00 Cover letter.txt", letter),
        (
            "Release 2026-001/01 Exemption log.docx",
            _docx(
                ["Exemption log, request 2026-001", "Investigative records: GC 7923.600 (3 pages withheld)"]
            ),
        ),
        (
            f"Release 2026-001/1_1_2026-1_31_2026-{producer}-Network-Audit.csv",
            _csv_text(COLS13, [cells(r, COLS13, mask_outside=True) for r in network]),
        ),
        (
            f"Release 2026-001/1_1_2026-1_31_2026-{producer}-Audit.csv",
            _csv_text(COLS13, [cells(r, COLS13) for r in own]),
        ),
    ]
    out("release-2026-001.zip").write_bytes(_zip_bytes(members))
    expect(
        f"release-2026-001.zip!/Release 2026-001/1_1_2026-1_31_2026-{producer}-Network-Audit.csv",
        network,
        COLS13,
    )
    expect(f"release-2026-001.zip!/Release 2026-001/1_1_2026-1_31_2026-{producer}-Audit.csv", own, COLS13)


GENERATORS: list[Callable[[], None]] = [
    main_network_audit,
    post_cutover_network_audit,
    older_org_audit,
    federal_user_export,
    trimmed_org_audit,
    split_time_org_audit,
    offense_type_org_audit,
    messy_header_org_audit,
    title_rows_org_audit,
    headerless_org_audit,
    repeated_header_network_audit,
    stacked_org_audit,
    shifted_row_org_audit,
    to_time_frame_org_audit,
    unpadded_org_audit,
    dashes_devices_network_audit,
    spelled_differently_network_audit,
    encoded_org_audits,
    batch_months,
    school_network_audits,
    excel_network_audit,
    vigilant_workbook,
    event_log_workbook,
    sharing_workbook,
    ice_287g_sample,
    portal_audits,
    pdf_printout,
    release_zip,
]


def generate(target: Path = HERE) -> list[Path]:
    """Write every sample file under ``target`` (samples/ by default); returns their paths."""
    WRITTEN.clear()
    EXPECTED.clear()
    EXPECTED_SIDE.clear()
    EXPECTED_QUARANTINE.clear()
    TARGET[0] = Path(target)
    try:
        for make in GENERATORS:
            make()
    finally:
        TARGET[0] = HERE
    return list(WRITTEN)


if __name__ == "__main__":
    import sys

    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    written = generate(folder)
    total = sum(p.stat().st_size for p in written)
    print(f"wrote {len(written)} files under {folder} ({total / 1024:,.0f} KiB)")
