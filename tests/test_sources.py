"""The appendix *Sources* lists, under each report, the chapters that cite it. The lists are
computed from the book's citations when the book is built (derivations/citations.py): here,
every report of references.bib is cited by some chapter, and the page prints each list."""

import re
from pathlib import Path

import pytest

import derivations
from derivations.citations import (
    bibliography_keys,
    citations,
    derivation_text,
    keys_in,
    used_in,
)

BOOK = Path(__file__).resolve().parents[1] / "book"
REPORTS = [key for key in bibliography_keys(BOOK) if key.startswith("report")]


def test_citation_keys_are_found_in_every_form():
    text = "A {cite}`a`, {cite:t}`b`, {cite:p}`c, a` and {cite}`d,e`; not `f` or {doc}`g`."
    assert keys_in(text) == ["a", "b", "c", "d", "e"]


def test_the_bibliography_has_the_five_reports():
    assert REPORTS == [f"report00{i}" for i in range(5)]


@pytest.mark.parametrize("key", REPORTS)
def test_every_report_is_cited_by_some_chapter(key):
    chapters = citations(BOOK).get(key, [])
    assert chapters, f"no chapter cites {key}: cite it, or drop it from references.bib"


def test_citations_follow_the_table_of_contents_and_skip_the_front_matter(tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    (tmp_path / "_toc.yml").write_text(
        "root: book/intro\nparts:\n  - chapters:\n      - file: book/a\n      - file: book/b\n"
    )
    (book / "intro.md").write_text("All of them {cite}`x,y,z`.")
    (book / "a.md").write_text("First {cite}`y, x`.")
    (book / "b.md").write_text("Then {cite:t}`x`, and {doc}`a` is no citation.")
    assert citations(book) == {"y": ["a"], "x": ["a", "b"]}


@pytest.mark.parametrize("key", REPORTS)
def test_the_sentence_links_every_chapter(key):
    sentence = used_in(key, BOOK)
    assert sentence.startswith("Used in ") and sentence.endswith(".")
    assert re.findall(r"\{doc\}`([\w-]+)`", sentence) == citations(BOOK)[key]


def test_a_derivations_citations_are_read_from_its_texts():
    # The stride-2 question cites the report's mistake in the reason given for a fact.
    d = derivations.get("conv_stride2_hand_question")
    assert "report000" in keys_in(derivation_text(d))
    assert derivations.chapter(d.name) in citations(BOOK)["report000"]


def test_the_sources_page_prints_each_list_and_types_none():
    text = (BOOK / "sources.md").read_text()
    for key in REPORTS:
        assert f'Markdown(used_in("{key}"))' in text
    assert "Used in {doc}" not in text, "the lists are computed, not typed"
