"""Each chapter runs alone, as a reader runs the notebook the book offers for download.

Every chapter in _toc.yml that has code is converted with jupytext to .ipynb, copied ALONE into a
temporary folder outside the repository and executed there with nbclient (that folder is the
working directory). So a chapter may import installed packages (numnet, derivations, numpy, ...)
but may not import from tests/ or read repository files by relative path.

After the chapter, in the same kernel (the chapter's namespace), the ``python`` code blocks of its
hidden solutions (the "Check" snippets inside ``:class: dropdown`` admonitions) are executed, in
order; none may raise. Marked ``book``: skip with ``pytest -m "not book"``.
"""

import re
from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]

SOLUTION = re.compile(
    r"^:::+\{admonition\}[^\n]*\n:class: dropdown\n(.*?)^:::+[ \t]*$", re.M | re.S
)
PYTHON_BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)


def notebook_chapters():
    """The chapters of _toc.yml that are notebooks (have a kernelspec), in book order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]
    paths = [ROOT / f"{f}.md" for f in files]
    return [p for p in paths if "kernelspec:" in p.read_text().split("\n---", 1)[0]]


def solution_snippets(text):
    """The python code blocks inside the hidden solutions of a chapter's source, in order."""
    return [code for body in SOLUTION.findall(text) for code in PYTHON_BLOCK.findall(body)]


def test_solution_snippets_are_found():
    text = (
        "1. Exercise.\n\n:::{admonition} Solution\n:class: dropdown\nWords.\n"
        "```python\nx = 1\n```\nMore.\n```python\nprint(x)\n```\n:::\n\n"
        ":::{admonition} Note\nnot a solution\n```python\nraise\n```\n:::\n"
    )
    assert solution_snippets(text) == ["x = 1\n", "print(x)\n"]


@pytest.mark.book
@pytest.mark.parametrize("path", notebook_chapters(), ids=lambda p: p.stem)
def test_chapter_runs_alone_with_its_solution_checks(path, tmp_path):
    assert not tmp_path.resolve().is_relative_to(ROOT), "run outside the repository"
    text = path.read_text()
    notebook = tmp_path / f"{path.stem}.ipynb"
    jupytext.write(jupytext.reads(text, fmt="md:myst"), notebook)
    nb = nbformat.read(notebook, as_version=4)
    chapter_cells = len(nb.cells)
    for k, code in enumerate(solution_snippets(text)):
        nb.cells.append(nbformat.v4.new_code_cell(code, metadata={"solution_check": k}))

    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    try:
        client.execute()
    except CellExecutionError as error:
        failed = next(
            (
                i
                for i, c in enumerate(nb.cells)
                if any(o.get("output_type") == "error" for o in c.get("outputs", []))
            ),
            None,
        )
        where = (
            "a solution check" if failed is not None and failed >= chapter_cells else "the chapter"
        )
        source = nb.cells[failed].source if failed is not None else "?"
        pytest.fail(f"{path.name}: {where} failed in cell {failed}:\n{source}\n\n{error}")
