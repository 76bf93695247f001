"""numnet: neural networks from scratch in NumPy, with backward passes written by hand.

Rows are samples: dense inputs are ``(N, features)``, images ``(N, C, H, W)``. Layers look and
behave like their PyTorch namesakes; each ``backward`` is derived and checked in ``derivations/``.
"""

# Core: modules, dense layers, activations, MSE, gradient checking.
from numnet import init
from numnet.activations import LeakyReLU, ReLU, Sigmoid, Tanh
from numnet.gradcheck import gradcheck, numerical_gradient, relative_error
from numnet.linear import Linear
from numnet.losses import Loss, MSELoss
from numnet.module import Module, Parameter, Sequential
from numnet.random import manual_seed

# Softmax and classification losses.

# Convolution and pooling.

# Optimisers, schedules, training, metrics, data.

# Regularisation.

__version__ = "0.1.0"
