"""Explanatory figures for the book, drawn by code at build time (matplotlib only).

One module per idea; every public function returns a :class:`matplotlib.figure.Figure`
(a :class:`~diagrams.style.Diagram`, which also shows itself in a notebook). Numbers written on
a figure are computed with numnet, so a figure cannot disagree with the library.

- :mod:`diagrams.dense`: a dense layer as matrix shapes, forward and backward;
- :mod:`diagrams.activation`: an activation acts on each entry; its backward is δ ⊙ g′(z);
- :mod:`diagrams.softmax`: softmax couples every output to every logit; the gradient ŷ − y;
- :mod:`diagrams.graph`: the computational graph of a two-layer network, and one node;
- :mod:`diagrams.training`: finite differences, symmetry, momentum, the training loop;
- :mod:`diagrams.regularisation`: a dropout mask, batch norm's normalise → scale → shift;
- :mod:`diagrams.conv`: a sliding window with padding and stride, im2col, the backward pass;
- :mod:`diagrams.pool`: max-pooling routes δ to the first maximum of each window.
"""
