"""Every chapter in _toc.yml has the parts of a textbook chapter: learning objectives, exercises
with hidden solutions, a summary, further reading with citations, and no references to the
sources by number. Marked ``book``: skip with ``pytest -m "not book"``.

That every chapter executes is tested by tests/test_book_notebooks.py, which runs each chapter
alone, outside the repository, as a reader runs the downloaded notebook, and then the checks of
its solutions (``-k <chapter>`` runs one chapter).
"""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def chapters():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part["chapters"]]
    return [ROOT / f"{f}.md" for f in files]


# Pages without exercises: the introduction and the appendix.
NOT_CHAPTERS = {"intro", "verification", "glossary", "sources", "bibliography"}


def is_notebook(path):
    return "kernelspec:" in path.read_text().split("\n---", 1)[0]


def teaching_chapters():
    return [p for p in chapters() if p.stem not in NOT_CHAPTERS]


@pytest.mark.book
@pytest.mark.parametrize("path", teaching_chapters(), ids=lambda p: p.stem)
def test_chapter_has_exercises_with_hidden_solutions(path):
    text = path.read_text()
    assert text.count("## Exercises") == 1, f"{path.name}: needs one '## Exercises' section"
    assert text.count(":class: dropdown") >= 2, f"{path.name}: needs at least two hidden solutions"


@pytest.mark.book
@pytest.mark.parametrize("path", teaching_chapters(), ids=lambda p: p.stem)
def test_chapter_is_a_textbook_chapter(path):
    text = path.read_text()
    assert ":::{admonition} Learning objectives" in text, f"{path.name}: learning objectives"
    assert text.count("\n## Summary\n") == 1, f"{path.name}: needs one '## Summary' section"
    further = text.split("\n## Further reading\n", 1)
    assert len(further) == 2, f"{path.name}: needs a '## Further reading' section"
    assert "{cite" in further[1].split("\n## ", 1)[0], f"{path.name}: further reading cites"
    assert "{index}" in text, f"{path.name}: needs index entries"


@pytest.mark.book
@pytest.mark.parametrize("path", chapters(), ids=lambda p: p.stem)
def test_sources_are_cited_not_named(path):
    """The reader does not have the reports: no "report 000" in prose; {cite}`report000`."""
    if path.stem == "sources":
        return
    text = re.sub(r"\{cite(:[a-z]+)?\}`[^`]*`", "", path.read_text())
    found = re.findall(r"[Rr]eports? \(?0{0,2}[0-4]\b", text)
    assert not found, f"{path.name}: mentions {found}; cite the source instead"


def test_bibliography_is_listed_once():
    pages = [p for p in chapters() if "```{bibliography}" in p.read_text()]
    assert [p.stem for p in pages] == ["bibliography"]
