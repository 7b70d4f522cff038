"""The catalogue's pure readers: real samples, the schema-built extract, and every bad input."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest

from civiclab.funding.catalogue import formats
from civiclab.funding.catalogue.errors import CatalogueError
from civiclab.funding.catalogue.grantsgov_csv import read_csv
from civiclab.funding.catalogue.grantsgov_json import read_json
from civiclab.funding.catalogue.grantsgov_xml import read_xml
from civiclab.funding.catalogue.history import changes
from civiclab.funding.catalogue.records import DocType
from civiclab.funding.catalogue.text import html_to_text

DATA = Path(__file__).resolve().parents[1] / "data" / "funding"
EXTRACT = DATA / "GrantsDBExtract20240115v2.xml"
NS = "http://apply.grants.gov/system/OpportunityDetail-V1.0"


def synopsis(opportunity_id: str = "100", **fields: str) -> str:
    values = {
        "OpportunityID": opportunity_id,
        "OpportunityTitle": "Community Resilience Grants",
        "OpportunityNumber": f"NUM-{opportunity_id}",
        "EligibleApplicants": "02",
        "PostDate": "01022024",
        "CloseDate": "03042024",
        "AwardCeiling": "100000",
    }
    values.update(fields)
    body = "".join(f"<{k}>{v}</{k}>" for k, v in values.items() if v is not None)
    return f"<OpportunitySynopsisDetail_1_0>\n{body}\n</OpportunitySynopsisDetail_1_0>\n"


def extract(*records: str, namespace: str = NS, head: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{head}<Grants xmlns="{namespace}">\n'
        + "".join(records)
        + "</Grants>\n"
    )


def write(tmp_path: Path, text: str | bytes, name: str = "extract.xml") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def zipped(tmp_path: Path, members: dict[str, str], name: str = "GrantsDBExtract.zip") -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, text in members.items():
            archive.writestr(member, text)
    return path


def test_extract_fixture_reads_synopsis_and_forecasts() -> None:
    records = list(read_xml(EXTRACT))
    assert [(r.opportunity_id, r.doc_type, r.line) for r in records] == [
        ("347717", DocType.SYNOPSIS, 3),
        ("351204", DocType.FORECAST, 37),
        ("347717", DocType.FORECAST, 69),
    ]
    brownfields, ss4a, _ = records
    assert brownfields.instruments == ["CA", "G"]
    assert brownfields.activity_categories == ["ENV", "CD", "IIJ"]
    assert brownfields.applicant_codes == ["00", "01", "02", "12"]
    assert brownfields.close_date == dt.date(2023, 11, 13)
    assert brownfields.archive_date == dt.date(2023, 12, 13)
    assert (brownfields.award_ceiling, brownfields.award_floor) == (2_000_000, 500_000)
    assert brownfields.total_funding == 215_000_000
    assert brownfields.cost_sharing is True
    assert brownfields.description.startswith("The Brownfields Program provides")
    assert "planning & community involvement" in brownfields.description
    assert "\n\n" in brownfields.description and "<" not in brownfields.description
    assert ss4a.award_ceiling is None and ss4a.award_floor == 100_000
    assert ss4a.estimated_close_date == dt.date(2024, 5, 16)
    assert ss4a.fiscal_year == 2025
    assert ss4a.url == "https://www.grants.gov/search-results-detail/351204"


def test_extract_is_read_from_a_zip(tmp_path: Path) -> None:
    path = zipped(tmp_path, {"GrantsDBExtract20240115v2.xml": EXTRACT.read_text()})
    assert formats.detect(path) == formats.XML
    assert len(list(read_xml(path))) == 3


def test_html_to_text_keeps_paragraphs() -> None:
    text = html_to_text("<p>One &amp; two</p><p>Three<br/>four</p><script>x()</script>&lt;b&gt;")
    assert text == "One & two\n\nThree\nfour\n<b>"


def errors_of(path: Path) -> str:
    with pytest.raises(CatalogueError) as caught:
        list(formats.read(path)[1])
    return str(caught.value)


BAD_EXTRACTS = {
    "truncated": (
        extract(synopsis("100"), synopsis("200"))[:-60],
        "ends too early",
    ),
    "malformed": (
        extract(synopsis("100"), synopsis("200", OpportunityTitle="A <b> B")),
        "malformed XML",
    ),
    "wrong namespace": (extract(synopsis(), namespace="http://example.org/other"), "namespace"),
    "unknown record": (
        extract(
            synopsis(),
            "<OpportunityAwardDetail_1_0><OpportunityID>5</OpportunityID>"
            "</OpportunityAwardDetail_1_0>",
        ),
        "unknown record type <OpportunityAwardDetail_1_0>",
    ),
    "entity bomb": (
        extract(
            synopsis("100", OpportunityTitle="&lol2;"),
            head='<!DOCTYPE Grants [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>\n',
        ),
        "document type declaration",
    ),
    "impossible date": (
        extract(synopsis("100"), synopsis("200", CloseDate="13312024")),
        "13312024",
    ),
    "missing post date": (extract(synopsis("200", PostDate="")), "PostDate is missing"),
    "negative amount": (extract(synopsis("200", AwardCeiling="-5")), "negative"),
    "non-numeric amount": (extract(synopsis("200", AwardFloor="lots")), "not an amount"),
    "unknown applicant": (extract(synopsis("200", EligibleApplicants="42")), "applicant type"),
    "duplicate": (extract(synopsis("200"), synopsis("200")), "a second synopsis"),
}


@pytest.mark.parametrize("case", sorted(BAD_EXTRACTS))
def test_bad_extract_names_record_and_line(tmp_path: Path, case: str) -> None:
    text, expected = BAD_EXTRACTS[case]
    message = errors_of(write(tmp_path, text))
    assert expected in message
    assert "line " in message
    if case not in {"wrong namespace", "unknown record", "entity bomb", "truncated"}:
        assert "OpportunityID 200" in message


def test_wrong_encodings(tmp_path: Path) -> None:
    latin = (
        extract(synopsis("300", OpportunityTitle="Café"))
        .encode("utf-8")
        .replace("Café".encode(), "Café".encode("latin-1"))
    )
    assert "not UTF-8" in errors_of(write(tmp_path, latin))
    declared = extract(synopsis()).replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
    assert "declares the encoding 'ISO-8859-1'" in errors_of(write(tmp_path, declared))
    utf16 = extract(synopsis()).replace('encoding="UTF-8"', 'encoding="UTF-16"')
    assert "UTF-16" in errors_of(write(tmp_path, utf16.encode("utf-16")))


def test_zips_without_or_with_several_documents(tmp_path: Path) -> None:
    none = zipped(tmp_path, {"readme.txt": "hello"}, "none.zip")
    assert "holds no XML document" in errors_of(none)
    several = zipped(tmp_path, {"a.xml": extract(), "b.xml": extract()}, "several.zip")
    assert "holds 2 XML documents" in errors_of(several)


def test_oversized_member_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from civiclab.funding.catalogue import grantsgov_xml

    monkeypatch.setattr(grantsgov_xml, "MAX_XML_BYTES", 100)
    path = zipped(tmp_path, {"x.xml": extract(synopsis())})
    assert "bytes unzipped" in errors_of(path)


def test_forecast_and_synopsis_of_one_id_are_no_duplicate() -> None:
    ids = [(r.opportunity_id, r.doc_type) for r in read_xml(EXTRACT)]
    assert ("347717", DocType.SYNOPSIS) in ids and ("347717", DocType.FORECAST) in ids


def test_fetch_opportunity_json() -> None:
    [record] = read_json(DATA / "fetchOpportunity_333438.json")
    assert record.opportunity_id == "333438" and record.number == "PAR-21-168"
    assert record.post_date == dt.date(2021, 5, 10)
    assert record.close_date == dt.date(2024, 5, 7)
    assert record.award_ceiling == 125_000 and record.award_floor is None
    assert "02" in record.applicant_codes and len(record.applicant_codes) == 15
    assert record.activity_categories == ["ED", "ENV", "HL"]
    assert record.cost_sharing is False


def test_items_json() -> None:
    records = list(read_json(DATA / "grants_items_sample.json"))
    assert len(records) == 82
    first = records[0]
    assert first.opportunity_id == "361487" and first.number == "PAS-SVK-FY2026-01"
    assert first.applicant_codes == ["25"]
    assert first.activity_categories == ["ST"]
    placeholders = records[-2:]
    assert all(r.close_date is None for r in placeholders)


def test_search2_response_shapes(tmp_path: Path) -> None:
    hit = {
        "id": "347717",
        "number": "N-1",
        "title": "T",
        "agencyCode": "EPA",
        "agency": "EPA",
        "openDate": "04/24/2023",
        "closeDate": "06/23/2023",
        "oppStatus": "posted",
        "docType": "synopsis",
        "cfdaList": ["66.818"],
    }
    import json

    response = {"errorcode": 0, "msg": "ok", "data": {"hitCount": 1, "oppHits": [hit]}}
    [record] = read_json(write(tmp_path, json.dumps(response), "r.json"))
    assert record.close_date == dt.date(2023, 6, 23) and record.assistance_listings == ["66.818"]
    assert len(list(read_json(write(tmp_path, json.dumps([hit]), "bare.json")))) == 1
    bad = dict(hit, closeDate="13/31/2023")
    message = errors_of(write(tmp_path, json.dumps([hit, dict(bad, id="9")]), "bad.json"))
    assert "OpportunityID 9" in message and "record 2" in message


def test_listing_csv_quirks() -> None:
    records = list(read_csv(DATA / "New_grants.csv"))
    assert len(records) == 2_535
    assert sum(r.doc_type == DocType.FORECAST for r in records) == 554
    by_number = {r.number: r for r in records}
    qatar = by_number["PAS-QAT-FY24-001"]
    assert qatar.opportunity_id == "number-PAS-QAT-FY24-001"
    assert qatar.activity_categories == ["AR", "ED", "HU"]
    assert (qatar.award_ceiling, qatar.award_floor, qatar.cost_sharing) == (35_000, 5_000, False)
    assert by_number["PTS-SB-SYNP01"].instruments == ["G", "CA"]
    assert by_number["RFA-674-12-000005"].close_date is None  # 2099-01-01
    forecast = by_number["AF-HAR-FY24-01"]
    assert forecast.instruments == [] and forecast.cost_sharing is None
    assert forecast.close_date is None  # "no data"
    assert all("\ufffd" not in r.title for r in records)
    assert len(list(read_csv(DATA / "Grants_data_2024-02-09.csv"))) == 388


def test_hits_csv() -> None:
    records = list(read_csv(DATA / "search2_education_hits.csv"))
    assert len(records) == 132
    assert records[0].opportunity_id == "347717"
    assert records[0].assistance_listings == ["93.433"]


def test_bad_csv(tmp_path: Path) -> None:
    header = ",".join(
        [
            "Opportunity Number",
            "Opportunity Title",
            "Agency",
            "Opportunity Status",
            "Posted Date",
            "Close Date",
            "Instrument Type",
            "Category",
            "Matching",
            "Award Ceiling",
            "Award Floor",
        ]
    )
    row = "N-1,Title,EPA,Posted,01/02/2024,{close},Grant,Health,No,{ceiling},0"
    good = row.format(close="02/03/2024", ceiling="10")
    text = "\n".join(
        [header, good, row.format(close="02/30/2024", ceiling="10").replace("N-1", "N-2")]
    )
    message = errors_of(write(tmp_path, text + "\n", "l.csv"))
    assert "OpportunityID number-N-2, line 3" in message and "02/30/2024" in message
    negative = "\n".join([header, row.format(close="", ceiling="-3")])
    assert "negative" in errors_of(write(tmp_path, negative + "\n", "n.csv"))
    changed = "\n".join([header, good, good.replace("Title", "Other")])
    assert "a second synopsis" in errors_of(write(tmp_path, changed + "\n", "d.csv"))
    assert "columns" in errors_of(write(tmp_path, "a,b\n1,2\n", "c.csv"))


def test_content_hash_ignores_line_only() -> None:
    first, second = list(read_xml(EXTRACT))[:2]
    same = next(iter(read_xml(EXTRACT)))
    same.line = 999
    assert formats.content_hash(first) == formats.content_hash(same)
    assert formats.content_hash(first) != formats.content_hash(second)


def test_history_changes() -> None:
    synopsis_record = next(iter(read_xml(EXTRACT)))
    before = {
        "doc_type": "forecast",
        "close_date": dt.date(2023, 11, 1),
        "archive_date": None,
        "award_ceiling": 1_000_000,
        "award_floor": 500_000,
        "total_funding": 215_000_000,
        "applicant_codes": ["02"],
    }
    kinds = [c.kind for c in changes(before, synopsis_record, dt.date(2023, 10, 1))]
    assert kinds[:5] == [
        "posted",
        "deadline_extended",
        "archived",
        "ceiling_changed",
        "eligibility_changed",
    ]
    later = [
        c.kind
        for c in changes(
            before | {"doc_type": "synopsis", "close_date": dt.date(2024, 2, 1)},
            synopsis_record,
            dt.date(2024, 1, 1),
        )
    ]
    assert later[:2] == ["deadline_moved_earlier", "closed"] and "posted" not in later
    assert changes(None, synopsis_record)[0].kind == "created"


def test_unescaped_markup_in_a_field_keeps_its_text(tmp_path: Path) -> None:
    text = extract(synopsis("5", Description="<p xmlns=''>First</p><p xmlns=''>Second</p>"))
    [record] = read_xml(write(tmp_path, text))
    assert record.description == "First Second"


def test_json_errors(tmp_path: Path) -> None:
    import json

    failed = {"errorcode": 7, "msg": "Invalid keyword", "data": {}}
    assert "errorcode 7" in errors_of(write(tmp_path, json.dumps(failed), "e.json"))
    assert "malformed JSON" in errors_of(write(tmp_path, '{"oppHits": [', "m.json"))
    assert "none of the Grants.gov shapes" in errors_of(write(tmp_path, '{"a": 1}', "s.json"))
    item = {"url": "https://www.grants.gov/search-results-detail/12", "title": "T",
            "eligibilities": ["Martians"]}  # fmt: skip
    message = errors_of(write(tmp_path, json.dumps({"items": [item]}), "i.json"))
    assert "OpportunityID 12" in message and "'Martians' is not a known applicant type" in message


def test_format_detection(tmp_path: Path) -> None:
    assert formats.detect(DATA / "grants_items_sample.json") == formats.JSON
    assert formats.detect(DATA / "New_grants.csv") == formats.CSV
    assert formats.detect(EXTRACT) == formats.XML
    disguised = write(tmp_path, EXTRACT.read_bytes(), "extract.csv")
    assert formats.detect(disguised) == formats.XML
    assert "is empty" in errors_of(write(tmp_path, b"", "empty.csv"))
    assert "not a catalogue file" in errors_of(write(tmp_path, b"\x00\x01binary", "x.bin"))


def test_damaged_zip(tmp_path: Path) -> None:
    path = zipped(tmp_path, {"x.xml": extract(*(synopsis(str(i)) for i in range(1, 400)))})
    data = bytearray(path.read_bytes())
    data[200:260] = b"\x00" * 60  # inside the compressed member
    path.write_bytes(bytes(data))
    assert "damaged" in errors_of(path) or "malformed" in errors_of(path)
