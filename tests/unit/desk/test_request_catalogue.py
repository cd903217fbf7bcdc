"""The request catalogue: the shipped file, and every kind of bad entry skipped and named, never fatal."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from desk.requests.catalogue import CatalogueFile, load, main, parse
from settings import ROOT
from tests.unit.desk.request_fixtures import shipped

CATALOGUE = ROOT / "settings" / "requests.yml"


def raw() -> dict[str, Any]:
    return dict(yaml.safe_load(CATALOGUE.read_text(encoding="utf-8")))


def test_the_shipped_catalogue_has_the_four_kinds_without_problems() -> None:
    found = shipped()
    assert found.problems == ()
    assert {k: v.label("de") for k, v in found.kinds.items()} == {
        "software": "Software beantragen",
        "folder_access": "Zugriff auf Ordner/Laufwerk",
        "hardware": "Hardware bestellen",
        "new_staff": "Neue Mitarbeiterin / neuer Mitarbeiter",
    }
    share = found.kinds["folder_access"]
    assert share.approver({"share": "stadtkasse"}) == "k.schmidt"  # the data owner
    assert found.kinds["hardware"].approver({"item": "headset", "cost_centre": "3200"}) == "p.yilmaz"  # the lead
    assert found.kinds["software"].approver({"software": "gimp"}) is None
    [acrobat] = [e for e in found.kinds["software"].choices("software") if e.id == "adobe-acrobat-pro"]
    assert acrobat.note is not None and "Lizenz" in acrobat.note.de and "licence" in acrobat.note.en
    assert main([str(CATALOGUE)]) == 0


def test_values_are_checked_by_field_type() -> None:
    kind = shipped().kinds["new_staff"]
    assert kind.check("start_date", "01.02.2027") == "2027-02-01"
    assert kind.check("start_date", "2027-02-01") == "2027-02-01"
    assert kind.check("start_date", "31.02.2027") is None
    assert kind.check("cost_centre", "3200 bürgeramt") == "3200"  # by label, any case
    assert kind.check("cost_centre", "9999") is None
    assert kind.check("full_name", "Eva\nMeier") is None  # one line
    assert kind.check("full_name", "x" * 501) is None
    assert kind.check("equipment", "Laptop\nHeadset") == "Laptop\nHeadset"
    assert kind.missing({"full_name": "Eva Meier", "start_date": "morgen"}) == ["start_date", "cost_centre"]
    assert kind.shown("start_date", "2027-02-01") == "01.02.2027"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["people"].__setitem__("x.neu", {"email": "kein-mail", "name": "X"}), "people.x.neu: email"),
        (lambda d: d["lists"]["software"].append({"id": "bad id!", "label": "X"}), "lists.software.4: id"),
        (lambda d: d["lists"]["software"].append({"id": "gimp", "label": "GIMP 2"}), "id 'gimp' twice"),
        (
            lambda d: d["lists"]["shares"].append({"id": "bauamt", "label": "Bauamt", "approver": "niemand"}),
            "approver 'niemand' is not in people",
        ),
        (lambda d: d["kinds"]["software"]["fields"][0].__setitem__("choices", "programme"), "kinds.software: field"),
        (lambda d: d["kinds"]["software"].__setitem__("approval", "reason"), "must name a required choice field"),
        (lambda d: d["kinds"]["software"]["fields"][0].__setitem__("ticket_field", "title"), "standard ticket"),
        (lambda d: d["kinds"]["software"]["fields"][1].__setitem__("type", "number"), "kinds.software: fields.1"),
        (lambda d: d["kinds"]["software"].__setitem__("colour", "red"), "kinds.software: colour"),
        (lambda d: d["kinds"].__setitem__("Bad-Name", d["kinds"]["software"]), "kinds.Bad-Name: the name"),
    ],
)
def test_a_bad_entry_is_skipped_and_named_the_rest_stays(change: Any, problem: str) -> None:
    doc = raw()
    change(doc)
    found = parse(doc)
    assert len(found.problems) == 1 and problem in found.problems[0], found.problems
    assert "(skipped)" in found.problems[0]
    assert {"folder_access", "hardware", "new_staff"} <= set(found.kinds)  # the others are still offered


def test_a_share_whose_owner_was_skipped_is_not_offered() -> None:
    doc = raw()
    doc["people"]["k.schmidt"]["email"] = "not an address"
    found = parse(doc)
    assert [p.split(":")[0] for p in found.problems] == ["people.k.schmidt", "lists.shares.0", "lists.cost_centres.2"]
    assert found.kinds["folder_access"].entry("share", "stadtkasse") is None
    assert found.kinds["folder_access"].entry("share", "buergeramt") is not None


@pytest.mark.parametrize("content", ["kinds: [unclosed", "- just\n- a list\n", "\xff\xfe binary"])
def test_an_unreadable_file_is_an_empty_catalogue_with_one_problem(tmp_path: Path, content: str) -> None:
    path = tmp_path / "requests.yml"
    path.write_bytes(content.encode("latin-1"))
    found = load(path)
    assert found.kinds == {} and len(found.problems) == 1
    assert main([str(path)]) == 1
    assert load(tmp_path / "missing.yml").problems == ("missing.yml: cannot be read (FileNotFoundError)",)


def test_an_edited_file_is_read_again(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "requests.yml"
    path.write_text(CATALOGUE.read_text(encoding="utf-8"), encoding="utf-8")
    watched = CatalogueFile(path)
    assert "new_staff" in watched.get().kinds
    doc = raw()
    del doc["kinds"]["new_staff"]
    doc["kinds"]["software"]["fields"][0]["type"] = "colour"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    os.utime(path, ns=(1, 1))  # a different modification time even on coarse clocks
    found = watched.get()
    assert set(found.kinds) == {"folder_access", "hardware"}
    assert "request catalogue: kinds.software: fields.0.type" in caplog.text
    assert watched.get() is found  # unchanged file: not read again
