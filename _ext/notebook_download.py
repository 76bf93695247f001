"""Offer every executed chapter as a Jupyter notebook (.ipynb), offline.

myst-nb executes each MyST notebook and writes the result, outputs included, to
``<build>/jupyter_execute/<page>.ipynb``. For each such page this extension

* copies that notebook into the HTML output, ``_sources/<page>.ipynb``;
* sets ``ipynb_source`` so that sphinx-book-theme's download menu offers it
  (the theme does this by itself only when a Binder/Colab launch button is set);
* puts a "Run it yourself" line with a direct link under the page's title.

Pages without code (the glossary, the bibliography) have no executed notebook and
get nothing.
"""

import shutil
from pathlib import Path

RUN_IT_YOURSELF = (
    '<p class="run-it-yourself">Run it yourself: '
    '<a href="{href}" download>download this chapter as a Jupyter notebook'
    " (.ipynb)</a> with its outputs. It runs wherever numnet is installed "
    "with the book's extras: <code>pip install -e '.[book]'</code> in the "
    "repository.</p>\n"
)


def executed_notebook(app, pagename):
    path = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    return path if path.exists() else None


def offer_notebook(app, pagename, templatename, context, doctree):
    source = executed_notebook(app, pagename)
    if source is None or "body" not in context:
        return
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)
    context["ipynb_source"] = f"{pagename}.ipynb"
    href = f"{context['pathto']('_sources', 1)}/{pagename}.ipynb"
    body, line = context["body"], RUN_IT_YOURSELF.format(href=href)
    end_of_title = body.find("</h1>")
    if end_of_title < 0:
        context["body"] = line + body
    else:
        cut = end_of_title + len("</h1>")
        context["body"] = body[:cut] + "\n" + line + body[cut:]


def setup(app):
    # Before sphinx-book-theme builds its header buttons (priority 501).
    app.connect("html-page-context", offer_notebook, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
