"""Every chapter in _toc.yml executes top to bottom (jupytext + nbclient), from its own folder.

A failure names the chapter and the cell. Marked ``book``: skip with ``pytest -m "not book"``.
"""

from pathlib import Path

import jupytext
import pytest
import yaml
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def chapters():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part["chapters"]]
    return [ROOT / f"{f}.md" for f in files]


@pytest.mark.book
@pytest.mark.parametrize("path", chapters(), ids=lambda p: p.stem)
def test_chapter_executes(path):
    assert path.exists(), f"{path.name} is listed in _toc.yml but missing"
    nb = jupytext.read(path)
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    errors = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert not errors


@pytest.mark.book
@pytest.mark.parametrize("path", chapters(), ids=lambda p: p.stem)
def test_chapter_has_exercises_with_hidden_solutions(path):
    text = path.read_text()
    if path.stem in {"intro", "verification"}:
        return
    assert text.count("## Exercises") == 1, f"{path.name}: needs one '## Exercises' section"
    assert text.count(":class: dropdown") >= 2, f"{path.name}: needs at least two hidden solutions"
