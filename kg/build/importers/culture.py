"""Culture points of the Brussels region (UrbIS, 2014, FR/NL names) and of the City of
Brussels open-data portal (2014): places with coordinates, municipality and sources.

A venue listed by several datasets (Théâtre de Poche is in three) is one place citing each
of them: points of different datasets are the same place when their names agree once
normalised (``name_key``) and they lie within ``SAME_PLACE_METRES``. The comic-book route's
points are murals (``cci:Mural``), never merged with a venue."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import NamedNode

from kg.build.importers import municipalities
from kg.build.importers.geometry import point_wkt
from kg.build.importers.rdf import TripleWriter
from kg.namespaces import EU_AUTHORITY

FOLDER = Path("data/imports/brussels-culture-2014")

#: What data/imports/SOURCES.md says of the files' licences: the repository they were copied
#: from is under Apache-2.0 (its LICENSE, kept beside them); the licence the data had from
#: its publisher is named there without an address, so it is stated in words.
REPOSITORY_LICENCE = EU_AUTHORITY + "licence/APACHE_2_0"
CITY_RIGHTS = (
    "Copied from the PoiPointer/dataSources repository, under Apache-2.0. The source list "
    "names the data's own licence as the City of Brussels open licence (attribution), "
    "without an address for it."
)
URBIS_RIGHTS = (
    "Copied from the PoiPointer/dataSources repository, under Apache-2.0. The source list "
    "names the data's own licence as the Brussels regional open-data licence (UrbIS), "
    "without an address for it."
)


@dataclass(frozen=True)
class Dataset:
    slug: str
    file: str
    publisher: str
    title_en: str
    name_field: str | None  # None: UrbIS (TXT_FRE / TXT_DUT)
    lang: str  # the language of most of its names; LANGUAGE_OF_NAME lists the others
    mural: bool = False  # its points are murals, not venues
    rights: str = CITY_RIGHTS  # its licence in words (dct:rights), as the source list gives it


DATASETS = (
    Dataset(
        "urbis-culture-2014",
        "urbis_2d_map_zipoint_zones_of_interest_cu_culture.geojson",
        "CIRB/CIBG (UrbIS), Brussels-Capital Region",
        "UrbIS zones of interest: culture (2014)",
        None,
        "fr",
        rights=URBIS_RIGHTS,
    ),
    Dataset(
        "city-of-brussels-cultural-places-2014",
        "cultural-places.geojson",
        "City of Brussels",
        "City of Brussels: cultural places (2014)",
        "cultural_place",
        "en",
    ),
    Dataset(
        "city-of-brussels-theatres-2014",
        "theatres.geojson",
        "City of Brussels",
        "City of Brussels: theatres (2014)",
        "description",
        "fr",
    ),
    Dataset(
        "city-of-brussels-museums-2014",
        "museums0.geojson",
        "City of Brussels",
        "City of Brussels: museums (2014)",
        "museum",
        "en",
    ),
    Dataset(
        "city-of-brussels-comic-book-route-2014",
        "comic-book-route.geojson",
        "City of Brussels",
        "City of Brussels: comic book route (2014)",
        "character_author",
        "fr",
        mural=True,
    ),
)

#: Names whose language is not their dataset's. The City of Brussels files are the
#: portal's English export: generic names are translated ("Costume and Lace Museum"),
#: proper names are kept in French or Dutch; the theatres file is mostly French names; the
#: murals are named "series - author" after mostly French series titles.
LANGUAGE_OF_NAME: dict[str, dict[str, str]] = {
    "city-of-brussels-cultural-places-2014": {
        name: "fr"
        for name in (
            "Brigittines",
            "Théâtre de Poche",
            "Théâtre Royal du Parc",
            "La Bellone",
            "Cité Culture",
            "Théâtre les Tanneurs",
            "Riches-Claires",
            "La montagne magique",
        )
    }
    | {"Koninklijke Vlaamse Schouwburg": "nl"},
    "city-of-brussels-theatres-2014": {
        "Kaaitheater": "nl",
        "Beursschouwburg": "nl",
        "Koninklijke Vlaamse Schouwburg (KVS)": "nl",
    },
    "city-of-brussels-comic-book-route-2014": {
        "Statue of Gaston Lagaffe - Franquin": "en",
        "Billy the Cat - Colman & Desberg": "en",
        "Kiekeboe - Merho": "nl",
    },
}

#: Two points of different datasets farther apart than this are different places.
SAME_PLACE_METRES = 150.0
#: Words that say what kind of place it is, not which one ("Théâtre royal du Parc" and
#: "THEATRE ROYAL DU PARC" and "Théâtre Royal du Parc" are one name).
_GENERIC = """the of and de du des la le les l d et van het voor en theatre theater royal royale
koninklijk koninklijke museum musee centre center culturel cultural cultuurcentrum city
brussels bruxelles brussel ville stad"""
GENERIC_WORDS = frozenset(_GENERIC.split())
MUSEUM_WORDS = frozenset({"museum", "musee"})


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "place"


@dataclass(frozen=True)
class Place:
    slug: str
    names: dict[str, str]  # language -> name
    lon: float
    lat: float
    feature_id: str


@dataclass
class Group:
    """One place on the map: the points of the datasets that list it, first one first."""

    members: list[tuple[Dataset, Place]]

    @property
    def first(self) -> tuple[Dataset, Place]:
        return self.members[0]


def words(name: str) -> list[str]:
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.findall(r"[a-z0-9]+", ascii_text.lower())


def name_key(name: str) -> frozenset[str]:
    """The words that name the place, without the ones that say what kind of place it is."""
    found = words(name)
    return frozenset(w for w in found if w not in GENERIC_WORDS) or frozenset(found)


def same_name(a: Place, b: Place) -> bool:
    """One name of each, once normalised, holds the other's words ("La montagne magique",
    "THEATRE DE LA MONTAGNE MAGIQUE")."""
    for x in a.names.values():
        for y in b.names.values():
            kx, ky = name_key(x), name_key(y)
            # a theatre's museum is not the theatre ("MUSEE DU THEATRE ROYAL DE TOONE VII")
            if bool(MUSEUM_WORDS & set(words(x))) != bool(MUSEUM_WORDS & set(words(y))):
                continue
            if kx and ky and (kx <= ky or ky <= kx):
                return True
    return False


def metres(a: Place, b: Place) -> float:
    """Distance on the sphere (equirectangular: exact enough within a city)."""
    mean_lat = math.radians((a.lat + b.lat) / 2)
    dx = math.radians(b.lon - a.lon) * math.cos(mean_lat)
    dy = math.radians(b.lat - a.lat)
    return 6_371_000.0 * math.hypot(dx, dy)


def group(points: list[tuple[Dataset, Place]]) -> list[Group]:
    """Venues of different datasets that are the same place become one group; every point
    joins the nearest matching group that has none of its own dataset yet, in the order the
    datasets and their features come, so the result is the same at every build. A point that
    matches two groups of disjoint datasets joins them ("KVS" in UrbIS and "Koninklijke
    Vlaamse Schouwburg" in the cultural places meet through "… (KVS)" in the theatres)."""
    groups: list[Group] = []
    for ds, place in points:
        candidates = sorted(
            (metres(g.first[1], place), index)
            for index, g in enumerate(groups)
            if not ds.mural
            and not g.first[0].mural
            and all(other is not ds for other, _ in g.members)
            and metres(g.first[1], place) <= SAME_PLACE_METRES
            and any(same_name(p, place) for _, p in g.members)
        )
        if not candidates:
            groups.append(Group([(ds, place)]))
            continue
        target = groups[candidates[0][1]]
        target.members.append((ds, place))
        for _, index in candidates[1:]:
            other = groups[index]
            datasets = {id(d) for d, _ in target.members}
            if all(id(d) not in datasets for d, _ in other.members):
                target.members.extend(other.members)
                other.members = []
        target.members.sort(key=lambda m: DATASETS.index(m[0]))  # UrbIS first, as read
        groups = [g for g in groups if g.members]
    return groups


def read(root: Path, dataset: Dataset) -> Iterator[Place]:
    with open(root / FOLDER / dataset.file, encoding="utf-8") as f:
        features = json.load(f)["features"]
    seen: set[str] = set()
    for index, feat in enumerate(features):
        props, geometry = feat["properties"], feat.get("geometry")
        if not geometry or geometry.get("type") != "Point":
            continue
        lon, lat = geometry["coordinates"][:2]
        if dataset.name_field is None:
            names = {
                "fr": (props.get("TXT_FRE") or "").strip(),
                "nl": (props.get("TXT_DUT") or "").strip(),
            }
            feature_id = str(int(props["ID"]))
        else:
            name = (props.get(dataset.name_field) or "").strip()
            names = {LANGUAGE_OF_NAME.get(dataset.slug, {}).get(name, dataset.lang): name}
            feature_id = str(index + 1)
        names = {k: v for k, v in names.items() if v}
        if not names:
            continue
        # identifiers stay stable: the source's own id where it has one, else its position
        slug = (
            f"{dataset.slug}-{feature_id}"
            if dataset.name_field is None
            else (f"{dataset.slug}-{slugify(next(iter(names.values())))}")
        )
        while slug in seen:
            slug += "-2"
        seen.add(slug)
        yield Place(slug, names, float(lon), float(lat), feature_id)


def write(root: Path, base: str, graph: str, out: Path) -> Path:
    w = TripleWriter(base)
    g = NamedNode(graph)
    communes = municipalities.read(root)
    points: list[tuple[Dataset, Place]] = []
    for ds in DATASETS:
        dataset = w.iri(f"ds:{ds.slug}")
        w.add(g, "dct:source", dataset)
        w.type(dataset, "cci:SourceDataset")
        w.text(dataset, "dct:title", ds.title_en, "en")
        w.text(dataset, "dct:publisher", ds.publisher, "en")
        w.typed(dataset, "dct:issued", "2014", "gYear")
        w.add(dataset, "dct:license", NamedNode(REPOSITORY_LICENCE))
        w.text(dataset, "dct:rights", ds.rights, "en")
        w.typed(dataset, "cci:sourceFile", f"{FOLDER.as_posix()}/{ds.file}", "string")
        points.extend((ds, place) for place in read(root, ds))
    for found in group(points):
        write_place(w, found, communes)
    return w.write(out)


def write_place(w: TripleWriter, found: Group, communes: list[municipalities.Municipality]) -> None:
    """One place: its IRI is its first point's (UrbIS first), its name in each language the
    first one given, the others alternative names; every dataset that lists it is cited."""
    first_ds, first = found.first
    s = w.iri(f"place:{first.slug}")
    w.type(s, "cci:CulturalPlace", "schema:Place", "dct:Location")
    if first_ds.mural:
        w.type(s, "cci:Mural")
    names: dict[str, list[str]] = {}
    for ds, place in found.members:
        for lang, name in place.names.items():
            names.setdefault(lang, []).append(name)
        w.typed(s, "dct:identifier", place.feature_id, "string")
        w.add(s, "dct:source", w.iri(f"ds:{ds.slug}"))
    for lang, given in names.items():
        # UrbIS writes names in capitals: a dataset's mixed-case form reads better
        preferred = min(given, key=lambda name: (name.isupper(), given.index(name)))
        w.text(s, "skos:prefLabel", preferred, lang)
        for other in sorted(set(given) - {preferred}):
            w.text(s, "skos:altLabel", other, lang)
    geometry = NamedNode(s.value + "/geometry")
    w.add(s, "locn:geometry", geometry)
    w.type(geometry, "locn:Geometry", "geo:Geometry")
    w.wkt(geometry, point_wkt(first.lon, first.lat))
    commune = municipalities.locate(communes, first.lon, first.lat)
    if commune is not None:
        w.add(s, "cci:municipality", w.iri(f"mun:{commune.nis}"))
