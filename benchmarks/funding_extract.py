"""A Grants.gov XML extract generated from the schema, for the funding benchmarks.

``write_extract(path, n, seed)`` writes a ``GrantsDBExtract…v2.zip`` holding one XML document
(namespace ``http://apply.grants.gov/system/OpportunityDetail-V1.0``) with ``n`` opportunities
with realistic text lengths: titles 60–120 characters, HTML descriptions 1,500–4,000
characters in paragraphs (a record is about one or two of ``funding_search.TOPICS``, its
sentences drawn from those subjects' pools: common grant words and a Zipf tail of rare ones,
``funding_search.vocabulary(Random(seed))``), "additional information on eligibility" on two
in five, 1–6 applicant codes, 1–3 categories of activity, 1–2 assistance listings; about a
quarter are forecasts, and one synopsis in ten also has the forecast it superseded in the
same file (as the real extract does), so the document holds about ``1.1 × n`` records. Same
``n`` and ``seed``, same bytes.

    uv run python benchmarks/funding_extract.py 80000 /tmp/GrantsDBExtract20260101v2.zip
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import sys
import zipfile
from html import escape
from pathlib import Path

from funding_search import TOPICS, vocabulary

NAMESPACE = "http://apply.grants.gov/system/OpportunityDetail-V1.0"
APPLICANTS = ["00", "01", "02", "04", "05", "06", "07", "08", "11", "12", "13", "20", "21",
              "22", "23", "25", "99"]  # fmt: skip
# How often each code appears (cities "02" and counties "01" are among the commonest).
APPLICANT_WEIGHTS = [9, 8, 8, 6, 4, 6, 6, 4, 4, 9, 5, 5, 1, 3, 4, 8, 3]
ACTIVITIES = [
    "ACA",
    "AG",
    "AR",
    "BC",
    "CD",
    "CP",
    "DPR",
    "ED",
    "ELT",
    "EN",
    "ENV",
    "FN",
    "HL",
    "HO",
    "HU",
    "IIJ",
    "IS",
    "ISS",
    "LJL",
    "NR",
    "OZ",
    "RA",
    "RD",
    "ST",
    "T",
    "O",
]
INSTRUMENTS = ["G", "CA", "PC", "O"]
AGENCIES = [
    ("EPA", "Environmental Protection Agency"),
    ("DOT-OST", "Office of the Secretary of Transportation"),
    ("HUD", "Department of Housing and Urban Development"),
    ("HHS-CDC-NCCDPHP", "Centers for Disease Control - NCCDPHP"),
    ("HHS-NIH11", "National Institutes of Health"),
    ("DOJ-OJP-BJA", "Bureau of Justice Assistance"),
    ("USDA-RD", "Rural Development"),
    ("DOE-GFO", "Golden Field Office"),
    ("NEA", "National Endowment for the Arts"),
    ("DOC-EDA", "Economic Development Administration"),
    ("DHS-FEMA", "Federal Emergency Management Agency"),
    ("ED", "Department of Education"),
]
WORDS = [
    "community",
    "resilience",
    "infrastructure",
    "housing",
    "blight",
    "vacant",
    "property",
    "health",
    "equity",
    "transportation",
    "safety",
    "pedestrian",
    "climate",
    "adaptation",
    "workforce",
    "training",
    "youth",
    "violence",
    "prevention",
    "broadband",
    "energy",
    "efficiency",
    "water",
    "stormwater",
    "brownfield",
    "remediation",
    "planning",
    "capacity",
    "building",
    "evaluation",
    "research",
    "demonstration",
    "technical",
    "assistance",
    "rural",
    "urban",
    "tribal",
    "nonprofit",
    "partnership",
    "innovation",
    "data",
    "modernization",
    "recovery",
    "mitigation",
    "hazard",
    "economic",
    "development",
    "small",
    "business",
    "arts",
    "culture",
    "education",
    "early",
    "childhood",
    "nutrition",
    "opioid",
    "treatment",
    "behavioral",
    "mental",
    "wellness",
    "first",
    "responders",
    "justice",
    "reentry",
    "homeless",
    "services",
    "affordable",
    "lead",
    "abatement",
    "transit",
    "corridor",
    "resilience",
    "heat",
    "trees",
    "parks",
]


def _date(day: dt.date) -> str:
    return day.strftime("%m%d%Y")


class _Text:
    """Pools of sentences, one per subject (so generating 300 MB of text takes seconds, not
    minutes). A sentence mixes its subject's words, the grant words above and a Zipf tail of
    20,000 rarer words (``funding_search.vocabulary``): a word search then finds a few
    opportunities or thousands, as in the real catalogue, rather than every one."""

    def __init__(self, rng: random.Random, seed: int) -> None:
        self.rng = rng
        words, weights = vocabulary(random.Random(seed))
        cumulative = list(itertools.accumulate(weights))
        self.pools = [
            [self._sentence(topic.split(), words, cumulative) for _ in range(1_000)]
            for topic in TOPICS
        ]
        self.subjects = self.pools[:1]

    def _sentence(self, topic: list[str], words: list[str], cumulative: list[float]) -> str:
        # One subject word in twelve, one of the grant words above in twenty-four, the rest
        # from the Zipf vocabulary (as funding_search.py's catalogue).
        count = self.rng.randint(12, 28)
        chosen = self.rng.choices(words, cum_weights=cumulative, k=count)
        for position in range(0, count, 12):
            chosen[position] = self.rng.choice(topic)
        for position in range(6, count, 24):
            chosen[position] = self.rng.choice(WORDS)
        return chosen[0].capitalize() + " " + " ".join(chosen[1:]) + "."

    def choose_subjects(self) -> None:
        """The one or two subjects of the next record's text."""
        self.subjects = self.rng.sample(self.pools, self.rng.randint(1, 2))

    def paragraphs(self, low: int, high: int) -> str:
        target = self.rng.randint(low, high)
        parts: list[str] = []
        size = 0
        while size < target:
            pool = self.rng.choice(self.subjects)
            paragraph = " ".join(self.rng.sample(pool, self.rng.randint(2, 5)))
            parts.append(f"<p>{paragraph}</p>")
            size += len(paragraph) + 7
        return "".join(parts)[:target]

    def title(self) -> str:
        target = self.rng.randint(60, 120)
        words: list[str] = []
        while len(" ".join(words)) < target:
            pool = self.rng.choice(self.subjects)
            words.append(self.rng.choice(self.rng.choice(pool).split()).strip(".").capitalize())
        return " ".join(words)[:target].strip()


def _record(rng: random.Random, text: _Text, opportunity_id: int, forecast: bool) -> str:
    text.choose_subjects()
    agency_code, agency_name = rng.choice(AGENCIES)
    posted = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 540))
    fields: list[tuple[str, str]] = [
        ("OpportunityID", str(opportunity_id)),
        ("OpportunityTitle", text.title()),
        ("OpportunityNumber", f"{agency_code}-{posted.year}-{opportunity_id:07d}"),
        ("OpportunityCategory", rng.choice("DDDDMCEO")),
    ]
    fields += [("FundingInstrumentType", c) for c in rng.sample(INSTRUMENTS, rng.randint(1, 2))]
    fields += [("CategoryOfFundingActivity", c) for c in rng.sample(ACTIVITIES, rng.randint(1, 3))]
    fields += [
        ("CFDANumbers", f"{rng.randint(10, 98)}.{rng.randint(1, 999):03d}")
        for _ in range(rng.randint(1, 2))
    ]
    codes: list[str] = []
    while len(codes) < rng.randint(1, 6):
        code = rng.choices(APPLICANTS, APPLICANT_WEIGHTS)[0]
        if code not in codes:
            codes.append(code)
    fields += [("EligibleApplicants", code) for code in codes]
    if rng.random() < 0.4:
        fields.append(("AdditionalInformationOnEligibility", text.paragraphs(150, 900)))
    fields += [
        ("AgencyCode", agency_code),
        ("AgencyName", agency_name),
        ("PostDate", _date(posted)),
        ("LastUpdatedDate", _date(posted + dt.timedelta(days=rng.randint(0, 20)))),
    ]
    ceiling = rng.choice([0, 50_000, 100_000, 250_000, 500_000, 1_000_000, 5_000_000])
    if forecast:
        fields += [
            ("EstimatedSynopsisPostDate", _date(posted + dt.timedelta(days=60))),
            ("FiscalYear", str(posted.year + 1)),
            ("EstimatedApplicationDueDate", _date(posted + dt.timedelta(days=150))),
        ]
    else:
        if rng.random() < 0.9:
            fields.append(("CloseDate", _date(posted + dt.timedelta(days=rng.randint(30, 120)))))
        fields.append(("ArchiveDate", _date(posted + dt.timedelta(days=150))))
    fields += [
        ("AwardCeiling", str(ceiling) if ceiling else "none"),
        ("AwardFloor", str(ceiling // 10) if ceiling else "none"),
        ("EstimatedTotalProgramFunding", str(ceiling * rng.randint(1, 40))),
        ("ExpectedNumberOfAwards", str(rng.randint(1, 40))),
        ("Description", text.paragraphs(1_500, 4_000)),
        ("Version", "Forecast 1" if forecast else "Synopsis 1"),
        ("CostSharingOrMatchingRequirement", rng.choice(["Yes", "No"])),
    ]
    tag = "OpportunityForecastDetail_1_0" if forecast else "OpportunitySynopsisDetail_1_0"
    body = "".join(f"<{name}>{escape(value, quote=False)}</{name}>\n" for name, value in fields)
    return f"<{tag}>\n{body}</{tag}>\n"


def write_extract(path: Path, n: int, seed: int = 13) -> Path:
    """Write a zipped extract of ``n`` opportunities to ``path``; return ``path``."""
    rng = random.Random(seed)
    text = _Text(rng, seed)
    member = path.with_suffix(".xml").name
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open(member, "w", force_zip64=True) as raw,
    ):
        raw.write(
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Grants xmlns="{NAMESPACE}">\n'.encode()
        )
        for index in range(n):
            opportunity_id = 300_000 + index
            forecast = rng.random() < 0.25
            if not forecast and rng.random() < 0.1:
                raw.write(_record(rng, text, opportunity_id, True).encode())
            raw.write(_record(rng, text, opportunity_id, forecast).encode())
        raw.write(b"</Grants>\n")
    return path


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 80_000
    target = Path(sys.argv[2] if len(sys.argv) > 2 else "GrantsDBExtract20260101v2.zip")
    write_extract(target, count)
    print(f"{target}: {target.stat().st_size / 1e6:.1f} MB")
