"""The fast validator agrees with pyshacl, the reference, on synthetic data with seeded errors,
and finds every one of them; clean synthetic data conforms."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.generate import generate
from bench.synthetic import kbo_number
from bench.validators import NOT_SHACL, fast, issue_key
from kg.build import pipeline as build
from kg.errors import ValidationFailed
from kg.settings import Settings
from tests.reference import ERRORS, ORGANISATIONS, reference_keys, synthetic, union_of


def test_fast_validator_agrees_with_pyshacl_and_finds_every_seeded_error(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var")
    extra, expected = synthetic(settings, tmp_path, ERRORS)
    assert len(expected) == ERRORS

    # the build's own validation (its union holds every source the build loads)
    with pytest.raises(ValidationFailed) as failure:
        build.run(settings, extra=extra, keep=False)
    issues = failure.value.report.issues
    built = {issue_key(i) for i in issues if i.check not in NOT_SHACL}
    assert [i for i in issues if i.check in NOT_SHACL] == []

    # both validators on one union: ontology, schemes, municipalities and the synthetic data
    # (pyshacl's run may have started with the session: tests/reference.py)
    shapes_nt, union = union_of(settings, tmp_path, extra)
    found = fast(shapes_nt, union)
    ref = reference_keys(shapes_nt, union)

    assert sorted(found) == sorted(ref)  # same results, one for one
    assert set(found) == expected  # every seeded error, and nothing else
    assert built == expected


def test_clean_synthetic_data_conforms(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var")
    extra, expected = synthetic(settings, tmp_path, 0)
    assert expected == set()
    result = build.run(settings, extra=extra, keep=False)
    assert result.report.conforms, result.report.issues
    assert result.graphs["clean.nt"] > 70 * ORGANISATIONS


def test_generator_is_deterministic_and_labels_everything_synthetic(tmp_path: Path) -> None:
    a, b = tmp_path / "a.nt", tmp_path / "b.nt"
    assert generate(20, a, errors=5) == generate(20, b, errors=5)
    assert a.read_bytes() == b.read_bytes()
    text = a.read_text(encoding="utf-8")
    assert text.count('"Synthetic organisation generated for benchmarks"@en') == 20
    assert "_:" not in text
    subjects = {line.split(" ", 1)[0] for line in text.splitlines()}
    assert all("/synthetic-" in s for s in subjects)


def test_kbo_check_digits() -> None:
    # 0403.170.701 is a real, valid number: 97 - 4031707 % 97 == 1
    assert kbo_number(4_031_707) == "0403170701"
