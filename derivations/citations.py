"""Which chapters cite which source, computed from the book itself, never typed by hand.

A chapter cites a source when its text (``book/<chapter>.md``) holds a ``{cite}`key``` role, in
any form (``{cite}``, ``{cite:t}``, ``{cite:p}``, several keys separated by commas), or when a
derivation the chapter shows (:func:`derivations.chapter`) cites it in its title, its intro or
the reason given for a step, a fact or an enumeration. The appendix *Sources*
(``book/sources.md``) prints, under each report, the chapters found here, and
``tests/test_sources.py`` checks that every report of ``references.bib`` is cited somewhere.

>>> from derivations.citations import used_in
>>> used_in("report000")  # doctest: +SKIP
'Used in {doc}`notation`, {doc}`dense`, … and {doc}`autoencoder`.'
"""

import functools
import re
from pathlib import Path

import derivations
from derivations import BOOK
from derivations.core import text

#: A citation role and its keys: {cite}`a`, {cite:t}`a`, {cite}`a,b`.
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]*)`")
#: Pages that name the sources rather than use them: the introduction names all of them at
#: once, the appendices list and describe them.
NOT_USING = {"intro", "sources", "bibliography"}


def keys_in(text):
    """The citation keys in a piece of MyST text, in order, each once."""
    found = (key.strip() for keys in CITE.findall(text) for key in keys.split(","))
    return list(dict.fromkeys(key for key in found if key))


def derivation_text(d):
    """All the words a derivation shows: its title, its intro and every reason it gives."""
    pieces = [d.title, d.intro]
    pieces += [step.why for chain in d.chains for step in chain.steps]
    pieces += [fact.why for fact in d.facts] + [e.why for e in d.enumerations]
    return "\n".join(text(piece) for piece in pieces if piece is not None)


def pages(book=BOOK):
    """The book's pages in reading order, as in ``_toc.yml`` beside the ``book`` folder."""
    book = Path(book)
    toc = book.parent / "_toc.yml"
    if not toc.is_file():
        raise FileNotFoundError(
            f"the book's sources are not at {book}: the lists of citations are computed from "
            "them, so run this from the repository (pip install -e '.[book]')"
        )
    return re.findall(r"^\s*(?:-\s*)?(?:root|file):\s*book/([\w-]+)", toc.read_text(), re.M)


@functools.cache
def citations(book=BOOK):
    """``{key: [chapter, …]}``: for each key cited anywhere, the chapters that cite it, in
    book order (a chapter once, whether its text or its derivations cite the key)."""
    book = Path(book)
    order = [page for page in pages(book) if page not in NOT_USING]
    texts = {page: (book / f"{page}.md").read_text() for page in order}
    for name in derivations.names():
        chapter = derivations.chapter(name)
        if chapter in texts:
            texts[chapter] += "\n" + derivation_text(derivations.get(name))
    used = {}
    for page in order:
        for key in keys_in(texts[page]):
            used.setdefault(key, []).append(page)
    return used


def used_in(key, book=BOOK):
    """One Markdown sentence: "Used in {doc}`a`, {doc}`b` and {doc}`c`." for source ``key``."""
    chapters = citations(Path(book)).get(key)
    if not chapters:
        raise ValueError(f"no chapter cites {key!r}")
    links = [f"{{doc}}`{chapter}`" for chapter in chapters]
    listed = links[0] if len(links) == 1 else ", ".join(links[:-1]) + " and " + links[-1]
    return f"Used in {listed}."


def bibliography_keys(book=BOOK):
    """The keys of ``references.bib``, in the order of the file."""
    return re.findall(r"^@\w+\{([^,\s]+),", (Path(book) / "references.bib").read_text(), re.M)
