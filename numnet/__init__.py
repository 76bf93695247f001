"""numnet: neural networks from scratch in NumPy, with backward passes written by hand.

Rows are samples: dense inputs are ``(N, features)``, images ``(N, C, H, W)``. Layers look and
behave like their PyTorch namesakes; each ``backward`` is derived and checked in ``derivations/``.
"""

# Core: modules, dense layers, activations, MSE, gradient checking.
from numnet import init
from numnet.activations import ELU, GELU, LeakyReLU, ReLU, Sigmoid, Softplus, Tanh
from numnet.gradcheck import gradcheck, numerical_gradient, relative_error
from numnet.linear import Linear
from numnet.losses import Loss, MSELoss
from numnet.module import Module, Parameter, Sequential
from numnet.random import manual_seed

# Softmax and classification losses.
from numnet.losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, NLLLoss
from numnet.softmax import LogSoftmax, Softmax, log_softmax, logsumexp

# Convolution and pooling.
from numnet.conv import Conv2d
from numnet.flatten import Flatten
from numnet.pool import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d

# Optimisers, schedules, training, metrics, data.
from numnet.optim import SGD, Adagrad, Adam, AdamW, RMSprop
from numnet.schedules import ConstantLR, ExponentialLR, StepLR
from numnet.schedules import CosineAnnealingLR, MultiStepLR, ReduceLROnPlateau
from numnet.clip import clip_grad_norm_, clip_grad_value_
from numnet import data, metrics
from numnet.data import Standardizer, one_hot, train_val_test_split
from numnet.metrics import accuracy, confusion_matrix, precision_recall_f1
from numnet.train import EarlyStopping, History, evaluate, fit, predict
from numnet.serialization import load, save

# Regularisation.
from numnet.batchnorm import BatchNorm1d, BatchNorm2d
from numnet.layernorm import LayerNorm
from numnet.dropout import Dropout
from numnet.penalties import elastic_net_penalty, l1_penalty, l2_penalty

# Case studies.
from numnet.pca import PCA
from numnet.image_metrics import psnr

# Exercises that check themselves.
from numnet import exercises

__version__ = "0.1.0"
