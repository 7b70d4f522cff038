"""The demo's catalogue: a Grants.gov XML extract written from the extract's schema.

No real extract can be fetched offline, so the demo writes one in the real format (namespace,
record types, ``MMDDYYYY`` dates, ``none`` amounts) and imports it through the real import, as
an operator's daily file would be. The records are modelled on real federal programmes cities
use (their numbers start with ``DEMO-`` so that nobody mistakes them for live notices); dates
are relative to the day the demo is seeded, so that the catalogue is never all closed.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

NAMESPACE = "http://apply.grants.gov/system/OpportunityDetail-V1.0"


@dataclass(frozen=True)
class DemoOpportunity:
    opportunity_id: str
    number: str
    title: str
    agency_code: str
    agency_name: str
    description: str
    categories: tuple[str, ...]
    applicants: tuple[str, ...]
    listings: tuple[str, ...] = ()
    posted: int = -30  # days from today
    closes: int | None = 45  # None: no close date
    ceiling: int | None = None
    floor: int | None = None
    total: int | None = None
    awards: int | None = None
    cost_sharing: bool = False
    eligibility_text: str = ""
    forecast: bool = False
    instruments: tuple[str, ...] = ("G",)
    category: str = "D"
    extra: dict[str, str] = field(default_factory=dict)


DEMO_OPPORTUNITIES: tuple[DemoOpportunity, ...] = (
    DemoOpportunity(
        "900101",
        "DEMO-EPA-OLEM-OBLR-27-01",
        "Brownfields Multipurpose, Assessment, and Cleanup Grants",
        "EPA",
        "Environmental Protection Agency",
        "Funding to assess and clean up brownfield sites — vacant and abandoned properties whose "
        "reuse is complicated by contamination — and to plan their redevelopment with the "
        "neighbourhoods around them. Eligible activities include inventories of vacant and "
        "blighted properties, environmental site assessments, cleanup planning and community "
        "engagement.",
        ("ENV", "CD"),
        ("00", "01", "02", "04", "07", "08", "12"),
        ("66.818",),
        posted=-20,
        closes=40,
        ceiling=500_000,
        floor=100_000,
        total=60_000_000,
        awards=120,
    ),
    DemoOpportunity(
        "900102",
        "DEMO-HUD-FR-6900-N-27",
        "Choice Neighborhoods Implementation Grants",
        "HUD",
        "Department of Housing and Urban Development",
        "Transforms neighbourhoods with distressed public or HUD-assisted housing through a "
        "comprehensive plan: replacing housing, improving services and investing in vacant "
        "and blighted property, public safety and economic development.",
        ("HO", "CD"),
        ("02", "08", "01"),
        ("14.889",),
        posted=-45,
        closes=25,
        ceiling=50_000_000,
        floor=10_000_000,
        total=200_000_000,
        awards=4,
        cost_sharing=True,
    ),
    DemoOpportunity(
        "900103",
        "DEMO-DOJ-BJA-27-CVIPI",
        "Community Violence Intervention and Prevention Initiative",
        "USDOJ-OJP-BJA",
        "Bureau of Justice Assistance",
        "Supports community-based violence intervention — street outreach, hospital-based "
        "programmes, focused deterrence — where gun violence is concentrated, with a "
        "research partner to evaluate results.",
        ("LJL",),
        ("00", "01", "02", "07", "12", "13"),
        ("16.045",),
        posted=-15,
        closes=30,
        ceiling=2_000_000,
        floor=500_000,
        total=85_000_000,
        awards=50,
    ),
    DemoOpportunity(
        "900104",
        "DEMO-DOT-SS4A-27",
        "Safe Streets and Roads for All",
        "DOT-OST",
        "Department of Transportation",
        "Infrastructure Investment and Jobs Act funding for action plans and projects that "
        "prevent roadway deaths and serious injuries: safer crossings, lighting, traffic "
        "calming.",
        ("T", "IIJ"),
        ("02", "01", "04", "07"),
        ("20.939",),
        posted=-60,
        closes=12,
        ceiling=25_000_000,
        floor=100_000,
        total=982_000_000,
        awards=500,
        cost_sharing=True,
    ),
    DemoOpportunity(
        "900105",
        "DEMO-DOT-RCP-27",
        "Reconnecting Communities Pilot Program",
        "DOT-OST",
        "Department of Transportation",
        "Planning and capital grants to remove, retrofit or mitigate highways and other "
        "infrastructure that divide neighbourhoods, restoring connections to jobs and housing.",
        ("T", "IIJ", "CD"),
        ("02", "01", "04", "07", "12"),
        ("20.940",),
        forecast=True,
        posted=20,
        closes=110,
        ceiling=5_000_000,
        total=198_000_000,
    ),
    DemoOpportunity(
        "900106",
        "DEMO-HUD-LHR-27",
        "Lead Hazard Reduction Grant Program",
        "HUD",
        "Department of Housing and Urban Development",
        "Identifies and controls lead-based paint hazards in privately owned housing rented to "
        "or owned by low-income families, prioritising older housing in poor repair.",
        ("HO", "HL"),
        ("01", "02", "07"),
        ("14.905",),
        posted=-10,
        closes=55,
        ceiling=7_000_000,
        floor=1_000_000,
        total=150_000_000,
        awards=30,
        cost_sharing=True,
    ),
    DemoOpportunity(
        "900107",
        "DEMO-HUD-PRO-27",
        "Pathways to Removing Obstacles to Housing (PRO Housing)",
        "HUD",
        "Department of Housing and Urban Development",
        "Grants to identify and remove barriers to affordable housing production and "
        "preservation: zoning reform, land banking of vacant lots, faster permitting.",
        ("HO", "CD"),
        ("01", "02", "04"),
        ("14.024",),
        posted=-5,
        closes=70,
        ceiling=7_000_000,
        floor=1_000_000,
        total=100_000_000,
    ),
    DemoOpportunity(
        "900108",
        "DEMO-HHS-CDC-27-VIP",
        "State Injury and Violence Prevention Programme",
        "HHS-CDC",
        "Centers for Disease Control and Prevention",
        "Funds state health departments to prevent injuries and violence; states fund local "
        "partners, including cities, to implement strategies.",
        ("HL",),
        ("00",),
        ("93.136",),
        posted=-25,
        closes=35,
        ceiling=1_200_000,
        total=30_000_000,
    ),
    DemoOpportunity(
        "900109",
        "DEMO-NEA-OT-27",
        "Our Town: Creative Placemaking",
        "NEA",
        "National Endowment for the Arts",
        "Supports projects that integrate arts and culture into community revitalisation, "
        "including the reuse of vacant lots and storefronts, led by a local government or a "
        "nonprofit partnership.",
        ("AR", "CD"),
        ("25",),
        eligibility_text=(
            "Partnerships must involve at least two organisations: one must be a nonprofit "
            "organisation and one must be a local government entity."
        ),
        posted=-50,
        closes=20,
        ceiling=150_000,
        floor=25_000,
        cost_sharing=True,
    ),
    DemoOpportunity(
        "900110",
        "DEMO-NSF-SCC-27",
        "Smart and Connected Communities",
        "NSF",
        "National Science Foundation",
        "Research grants on data and technology for community challenges; led by universities "
        "with community partners.",
        ("ST",),
        ("06", "20"),
        ("47.070",),
        posted=-40,
        closes=60,
        ceiling=2_500_000,
    ),
    DemoOpportunity(
        "900111",
        "DEMO-EDA-27-PWEAA",
        "Public Works and Economic Adjustment Assistance",
        "DOC-EDA",
        "Economic Development Administration",
        "Construction, non-construction and revolving loan projects that help distressed "
        "communities build the infrastructure for jobs; rolling deadline.",
        ("CD", "BC"),
        ("99",),
        eligibility_text=(
            "Eligible applicants include a State, city or other political subdivision, an "
            "Indian Tribe, an institution of higher education, or a nonprofit acting in "
            "cooperation with a political subdivision."
        ),
        posted=-200,
        closes=None,
        ceiling=10_000_000,
        floor=100_000,
        cost_sharing=True,
    ),
    DemoOpportunity(
        "900112",
        "DEMO-USDA-RD-27-RHS",
        "Rural Housing Preservation Grants",
        "USDA-RD",
        "Rural Development",
        "Repairs housing of low- and very-low-income owners in rural areas.",
        ("HO",),
        ("02", "12", "07"),
        ("10.433",),
        posted=-90,
        closes=-5,
        ceiling=250_000,
    ),
    DemoOpportunity(
        "900113",
        "DEMO-DOJ-BJA-27-BCJI",
        "Innovations in Community-Based Crime Reduction",
        "USDOJ-OJP-BJA",
        "Bureau of Justice Assistance",
        "Place-based strategies to reduce crime in hot spots, including the remediation of "
        "vacant and blighted properties, with residents and a research partner.",
        ("LJL", "CD"),
        ("02", "01", "12", "07"),
        ("16.817",),
        posted=-12,
        closes=48,
        ceiling=1_000_000,
        floor=700_000,
        total=9_000_000,
    ),
    DemoOpportunity(
        "900114",
        "DEMO-HHS-ACF-27-HM",
        "Healthy Marriage and Responsible Fatherhood",
        "HHS-ACF",
        "Administration for Children and Families",
        "Services for couples and fathers.",
        ("ISS",),
        ("12", "13", "23"),
        ("93.086",),
        posted=-8,
        closes=50,
        ceiling=1_500_000,
    ),
)


def _date(today: dt.date, days: int | None) -> str:
    return "" if days is None else (today + dt.timedelta(days=days)).strftime("%m%d%Y")


def _add(parent: ET.Element, tag: str, text: str) -> None:
    if text != "":
        ET.SubElement(parent, f"{{{NAMESPACE}}}{tag}").text = text


def _record(item: DemoOpportunity, today: dt.date) -> ET.Element:
    kind = "OpportunityForecastDetail_1_0" if item.forecast else "OpportunitySynopsisDetail_1_0"
    record = ET.Element(f"{{{NAMESPACE}}}{kind}")
    _add(record, "OpportunityID", item.opportunity_id)
    _add(record, "OpportunityTitle", item.title)
    _add(record, "OpportunityNumber", item.number)
    _add(record, "OpportunityCategory", item.category)
    for instrument in item.instruments:
        _add(record, "FundingInstrumentType", instrument)
    for category in item.categories:
        _add(record, "CategoryOfFundingActivity", category)
    for listing in item.listings:
        _add(record, "CFDANumbers", listing)
    for code in item.applicants:
        _add(record, "EligibleApplicants", code)
    _add(record, "AdditionalInformationOnEligibility", item.eligibility_text)
    _add(record, "AgencyCode", item.agency_code)
    _add(record, "AgencyName", item.agency_name)
    _add(record, "PostDate", _date(today, item.posted))
    if item.forecast:
        _add(record, "EstimatedSynopsisPostDate", _date(today, item.posted))
        _add(record, "EstimatedApplicationDueDate", _date(today, item.closes))
        _add(record, "FiscalYear", str((today + dt.timedelta(days=item.posted)).year))
    else:
        _add(record, "CloseDate", _date(today, item.closes))
    _add(record, "LastUpdatedDate", _date(today, min(item.posted, 0)))
    _add(record, "AwardCeiling", "none" if item.ceiling is None else str(item.ceiling))
    _add(record, "AwardFloor", "none" if item.floor is None else str(item.floor))
    _add(record, "EstimatedTotalProgramFunding", "" if item.total is None else str(item.total))
    _add(record, "ExpectedNumberOfAwards", "" if item.awards is None else str(item.awards))
    _add(record, "Description", f"<p>{item.description}</p>")
    _add(record, "Version", "Synopsis 1" if not item.forecast else "Forecast 1")
    _add(record, "CostSharingOrMatchingRequirement", "Yes" if item.cost_sharing else "No")
    for tag, text in item.extra.items():
        _add(record, tag, text)
    return record


def extract_bytes(items: tuple[DemoOpportunity, ...], today: dt.date) -> bytes:
    """The XML of an extract holding ``items``, dated relative to ``today``."""
    ET.register_namespace("", NAMESPACE)
    root = ET.Element(f"{{{NAMESPACE}}}Grants")
    for item in items:
        root.append(_record(item, today))
    ET.indent(root)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def write_demo_extract(folder: Path, today: dt.date) -> Path:
    """Write ``GrantsDBExtractYYYYMMDDv2.zip`` as Grants.gov publishes it (one XML member)."""
    name = f"GrantsDBExtract{today:%Y%m%d}v2"
    path = folder / f"{name}.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{name}.xml", extract_bytes(DEMO_OPPORTUNITIES, today))
    return path
