"""The mistakes the checker recognises: key -> (short name, hint, link to the book section).

Links are relative to a built chapter page (the chapters sit side by side in the HTML book);
the anchor is the section heading, lower-cased, with every run of other characters made a '-'.
"""

MISTAKES = {
    # Activations and the chain rule.
    "activation_instead_of_derivative": (
        "the activation where its derivative belongs",
        "the backward pass multiplies the upstream gradient by the activation's derivative "
        "g'(x), not by g(x) itself (for the sigmoid g' = σ(1 − σ), for tanh 1 − tanh²).",
        "conv_backward.html#a-hand-worked-question",
    ),
    "activation_derivative_missing": (
        "the activation's derivative left out",
        "between the dense layer and the convolution sits the activation: dC = dY ⊙ g'(C).",
        "conv_backward.html#a-hand-worked-question",
    ),
    "upstream_gradient_ignored": (
        "the upstream gradient left out",
        "backward returns dy times the local derivative, element by element; the local "
        "derivative alone is the answer only when dy is all ones.",
        "dense.html#backpropagation-through-two-layers",
    ),
    # Softmax.
    "diagonal_jacobian": (
        "only the diagonal of the softmax Jacobian",
        "every p_i depends on every z_j, so dz = p ⊙ (dy − Σ_j dy_j p_j), not dy ⊙ p(1 − p).",
        "softmax.html#common-mistake-keeping-only-the-diagonal",
    ),
    "subtract_min": (
        "the minimum subtracted instead of the maximum",
        "subtracting the minimum makes every exponent ≥ 0, and e^(z − min) overflows once the "
        "logits spread by more than about 709; subtract each row's maximum.",
        "softmax.html#shifting-the-logits-and-which-shift-prevents-overflow",
    ),
    "no_shift": (
        "exp of the raw logits",
        "e^z overflows for z > 709.78 (and gives 0/0 for very negative rows); subtract each "
        "row's maximum first, which does not change softmax.",
        "softmax.html#shifting-the-logits-and-which-shift-prevents-overflow",
    ),
    "global_max": (
        "the maximum of the whole batch subtracted",
        "subtract each row's own maximum (max(axis=1, keepdims=True)): a row far below the "
        "batch's maximum underflows to 0/0.",
        "softmax.html#shifting-the-logits-and-which-shift-prevents-overflow",
    ),
    "wrong_axis": (
        "normalised over the wrong axis",
        "rows are samples: each row of p must sum to 1, so sum over axis=1 with keepdims=True.",
        "softmax.html#a-probability-distribution",
    ),
    # Losses.
    "missing_batch_mean": (
        "the sum over the batch instead of the mean",
        "the loss is the mean over the N samples, so its gradient (and value) carries a 1/N.",
        "losses.html#cross-entropy-after-softmax",
    ),
    "sign_flipped": (
        "the sign flipped",
        "the gradient is prediction minus target, (p − y)/N, not target minus prediction.",
        "losses.html#cross-entropy-after-softmax",
    ),
    "epsilon_inside_log": (
        "ε inside the log",
        "−log(p + ε) is a different function: it caps the cost of a confident mistake and "
        "gives a perfect prediction a negative loss. Use log(p) and log1p(−p) as they are.",
        "losses.html#common-mistake-inside-the-log",
    ),
    "missing_factor_two": (
        "the ½ convention's gradient",
        "MSELoss has no ½: the derivative of (pred − target)² is 2 (pred − target).",
        "dense.html#the-squared-error-loss-with-and-without-12",
    ),
    "sum_instead_of_mean": (
        "no division by the number of elements",
        "MSELoss is the mean over all n = N·K elements, so its gradient is 2(pred − target)/n.",
        "dense.html#the-squared-error-loss-with-and-without-12",
    ),
    "mean_over_samples_only": (
        "divided by the number of samples only",
        "MSELoss averages over every element, not only over the rows: divide by pred.size.",
        "dense.html#the-squared-error-loss-with-and-without-12",
    ),
    # Dense layers.
    "transposed_weight_gradient": (
        "the transposed weight gradient",
        "with rows as samples and W of shape (in, out), dW = xᵀ dy has the shape of W; "
        "dyᵀ x is the column convention's gradient.",
        "dense.html#the-three-gradients-of-a-dense-layer",
    ),
    "bias_mean_instead_of_sum": (
        "the mean of dy as the bias gradient",
        "the same b is added to every sample, so every sample's gradient adds up: "
        "db = dy.sum(axis=0).",
        "dense.html#the-three-gradients-of-a-dense-layer",
    ),
    "weight_not_transposed": (
        "W where Wᵀ belongs",
        "dx = dy Wᵀ: the gradient flows back through the transpose of the weights.",
        "dense.html#the-three-gradients-of-a-dense-layer",
    ),
    "wrong_order": (
        "the weights applied in the wrong order",
        "rows are samples, so a layer is x @ W and two layers are (x @ W1) @ W2.",
        "notation.html#rows-are-samples",
    ),
    # Dropout.
    "keep_probability_as_drop": (
        "p used as the keep probability",
        "p is the probability of dropping a unit (as in torch.nn.Dropout): keep each unit "
        "with probability 1 − p and scale the kept ones by 1/(1 − p).",
        "regularisation.html#a-common-mistake-drop-rate-or-keep-probability",
    ),
    "no_rescale": (
        "the kept units not rescaled",
        "inverted dropout divides the kept units by 1 − p during training, so that the "
        "expected output equals the input.",
        "regularisation.html#dropout",
    ),
    # Pooling.
    "gradient_to_every_entry": (
        "the gradient copied to every entry of the window",
        "only the maximum of a window affects the output, so only it receives the gradient.",
        "pooling.html#backward-the-gradient-goes-to-the-maximum",
    ),
    "gradient_to_all_tied_maxima": (
        "the gradient given to every tied maximum",
        "when a window holds its maximum twice, numnet (like PyTorch) gives the whole "
        "gradient to the first maximum in row-major order; giving it to each copy counts "
        "it twice.",
        "pooling.html#backward-the-gradient-goes-to-the-maximum",
    ),
    "gradient_to_last_tied_maximum": (
        "the gradient given to the last tied maximum",
        "any split between tied maxima is a valid subgradient, but numnet (like PyTorch) "
        "gives it to the first maximum in row-major order (np.argmax does).",
        "pooling.html#backward-the-gradient-goes-to-the-maximum",
    ),
    "gradient_split_among_tied_maxima": (
        "the gradient split among tied maxima",
        "a valid subgradient, but numnet (like PyTorch) gives the whole gradient to the first "
        "maximum in row-major order.",
        "pooling.html#backward-the-gradient-goes-to-the-maximum",
    ),
    # Convolution.
    "kernel_not_rotated": (
        "the kernel not rotated",
        "dx is the full correlation of the zero-padded dy with the kernel turned by 180° "
        "(K[::-1, ::-1]), equivalently: each dy[i, j] spreads dy[i, j]·K over its window.",
        "conv_backward.html#the-general-case-stride-padding-several-channels",
    ),
    "missing_plus_one": (
        "the +1 left out",
        "windows start at 0, s, 2s, …: there are ⌊(n + 2p − f)/s⌋ + 1 of them.",
        "convolution.html#how-big-is-the-output",
    ),
    "padding_once": (
        "the padding counted once",
        "padding is added on both sides: the padded length is n + 2p.",
        "convolution.html#how-big-is-the-output",
    ),
    "rounds_up": (
        "rounded up",
        "a window that runs past the edge is dropped, so the division rounds down (//).",
        "convolution.html#how-big-is-the-output",
    ),
    "no_floor": (
        "a fraction of a window",
        "sizes are whole numbers: (n + 2p − f) // s + 1.",
        "convolution.html#how-big-is-the-output",
    ),
    # Optimisation.
    "lr_in_velocity": (
        "form B's velocity mixed into form A",
        "numnet.SGD and torch.optim.SGD keep v ← μv + g and step w ← w − ηv; the velocity "
        "u ← μu − ηg belongs to the other form, with the opposite sign and η inside.",
        "optimisation.html#sgd-and-momentum",
    ),
    "stale_velocity": (
        "the step taken with the old velocity",
        "update the velocity first, v ← μv + g, then step with the new one: w ← w − ηv.",
        "optimisation.html#sgd-and-momentum",
    ),
    "velocity_as_average": (
        "the velocity as a moving average",
        "v ← μv + (1 − μ)g is an exponential average (as in Adam); SGD's momentum adds the "
        "whole gradient: v ← μv + g.",
        "optimisation.html#sgd-and-momentum",
    ),
    # Batch normalisation.
    "statistics_treated_as_constants": (
        "the batch statistics treated as constants",
        "in training mode μ and σ̂ are computed from the batch, so every output depends on "
        "every input: dx = γ/(Nσ̂)·(N dy − Σdy − x̂ Σ(dy x̂)), not γ dy/σ̂.",
        "regularisation.html#batch-normalisation",
    ),
    "gamma_gradient_without_normalising": (
        "dγ from x instead of x̂",
        "γ multiplies the normalised input, so dγ = Σ dy ⊙ x̂.",
        "regularisation.html#batch-normalisation",
    ),
}
