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
from numnet.losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, NLLLoss
from numnet.softmax import Softmax, log_softmax, logsumexp

# Convolution and pooling.
from numnet.conv import Conv2d
from numnet.flatten import Flatten
from numnet.pool import MaxPool2d

# Optimisers, schedules, training, metrics, data.
from numnet.optim import SGD
from numnet.schedules import ConstantLR, ExponentialLR, StepLR
from numnet import data, metrics
from numnet.data import Standardizer, one_hot, train_val_test_split
from numnet.metrics import accuracy, confusion_matrix, precision_recall_f1
from numnet.train import EarlyStopping, History, evaluate, fit, predict

# Regularisation.
from numnet.batchnorm import BatchNorm1d
from numnet.dropout import Dropout
from numnet.penalties import elastic_net_penalty, l1_penalty, l2_penalty

# Case studies.
from numnet.pca import PCA
from numnet.image_metrics import psnr

__version__ = "0.1.0"
