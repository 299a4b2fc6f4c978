"""What makes this software another region's map: its languages (KG_LANGUAGES), its
wording (data/strings/), its area and title (data/catalog.ttl) and its municipalities
(data/imports/geo/), each checked with a clear error for a bad value. The whole second
instance runs in tests/test_federation.py."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from endpoint.http.i18n import deployment_strings, interface_strings
from kg.build.importers import municipalities
from kg.deployment import DeploymentError, graph_texts, region_area
from kg.labels import chain, default_language, languages, languages_of, negotiate, pick
from kg.settings import Settings
from tests.conftest import ROOT


def test_languages_are_the_deployments_in_its_order() -> None:
    assert languages() == ("fr", "nl", "en")  # nothing set: Brussels' order
    assert chain("en") == ("en", "fr", "nl")
    with languages_of(("nl", "en", "fr")):
        assert default_language() == "nl"
        assert chain("fr") == ("fr", "nl", "en")
        assert chain("de") == ("nl", "en", "fr")
        assert pick({"fr": "Anvers", "nl": "Antwerpen"}, "en") == "Antwerpen"
        assert negotiate(None, "de, en;q=0.5") == "en"
        assert negotiate(None, None) == "nl"
    assert pick({"fr": "Anvers", "nl": "Antwerpen"}, "en") == "Anvers"
    with languages_of(("nl",)):  # a region may leave languages out
        assert negotiate("fr", "fr") == "nl"
        assert pick({"fr": "Anvers"}, "nl") == "Anvers"  # then any language


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nl,de", "de: the interface is written in fr, nl, en only"),
        ("nl,nl", "a language is named twice"),
        ("", "no language given"),
    ],
)
def test_a_bad_language_setting_says_what(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings.from_env({"KG_LANGUAGES": value})
    assert Settings.from_env({"KG_LANGUAGES": "nl, en"}).languages == ("nl", "en")


def _strings(tmp_path: Path, content: object) -> Path:
    folder = tmp_path / "data" / "strings"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "region.json").write_text(json.dumps(content), encoding="utf-8")
    return tmp_path


def test_a_deployment_replaces_the_interfaces_wording(tmp_path: Path) -> None:
    root = _strings(tmp_path, {"site.title": {"nl": "Creatief Vlaanderen"}})
    texts = deployment_strings(root)
    assert texts["site.title"] == {"nl": "Creatief Vlaanderen"}
    assert texts["site.subtitle"] == interface_strings()["site.subtitle"]  # the rest stays
    # the interface's own strings name no region; this map's wording is its data
    own = deployment_strings(ROOT)
    assert "bruxellois" in own["site.title"]["fr"]
    assert all("ruxel" not in text for text in interface_strings()["site.title"].values())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"site.titel": {"nl": "x"}}, "'site.titel' is not a string of the interface"),
        ({"site.title": {"de": "x"}}, "'site.title' has 'de'"),
        ({"site.title": "x"}, "'site.title' needs texts by language"),
        ({"signin.mail.body": {"nl": "Open {m}"}}, r"must keep the placeholders \({m}, {url}\)"),
        ([1, 2], "an object of strings is expected"),
    ],
)
def test_a_bad_strings_file_says_what_and_where(
    tmp_path: Path, content: object, message: str
) -> None:
    root = _strings(tmp_path, content)
    with pytest.raises(ValueError, match=message) as found:
        deployment_strings(root)
    assert "data/strings/region.json" in str(found.value)


def test_the_region_and_the_graphs_title_come_from_the_catalogue(tmp_path: Path) -> None:
    assert region_area(ROOT) == "http://data.europa.eu/nuts/code/BE100"
    assert graph_texts(ROOT).titles["en"] == "Brussels creative-ecosystem knowledge graph"
    (tmp_path / "data").mkdir()
    catalog = tmp_path / "data" / "catalog.ttl"
    with pytest.raises(DeploymentError, match=r"cannot read data/catalog\.ttl"):
        region_area(tmp_path)
    catalog.write_text(
        "<catalog> a <http://www.w3.org/ns/dcat#Catalog> .\n"
        "<id/dataset/kg> <http://purl.org/dc/terms/title> 'Kaart'@nl .\n"
    )
    with pytest.raises(DeploymentError, match=r"one dct:spatial \(found none\)"):
        region_area(tmp_path)
    assert graph_texts(tmp_path).titles == {"nl": "Kaart"}
    catalog.write_text("<catalog> a ")
    with pytest.raises(DeploymentError, match=r"data/catalog\.ttl"):
        region_area(tmp_path)


def test_municipalities_are_read_in_the_languages_the_table_has(tmp_path: Path) -> None:
    geo = tmp_path / "data" / "imports" / "geo"
    shutil.copytree(ROOT / "data" / "imports" / "geo", geo)
    found = municipalities.read(ROOT)
    assert len(found) == 19
    assert {"fr", "nl"} <= set(found[0].names) and found[0].population_year == "2020"
    table = (geo / "municipalities.csv").read_text().splitlines()
    (geo / "municipalities.csv").write_text("\n".join(table[:2]).replace("name_fr", "nom"))
    (one,) = municipalities.read(tmp_path)
    assert set(one.names) == {"nl"}
    (geo / "municipalities.csv").write_text("nis_code,nuts3\n21001,BE100\n")
    with pytest.raises(ValueError, match="name_<language> and population_<year> are needed"):
        municipalities.read(tmp_path)
    (geo / "municipalities.csv").write_text("nis_code,name_nl,nuts3,population_2023\n9,X,B,1\n")
    with pytest.raises(ValueError, match=r"municipalities\.csv:2: 9 has no boundary"):
        municipalities.read(tmp_path)
