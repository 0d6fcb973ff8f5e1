"""Fairness-aware loss scaling trained with torch: FIS- and FEBS-style per-sample weights.

Both rescale the per-sample binary cross-entropy of a small model (logistic regression or an
MLP) on the feature columns, batch by batch:

* **FIS** (fair identity scaling, after Harvard-GF/EF): an individual term, a softmax over the
  batch's per-sample losses at temperature ``T`` (hard samples weigh more), mixed with a group
  term, a softmax over the present groups' mean losses at the same temperature (groups the
  model serves worse weigh more): ``w_i = (1 - c) * B * softmax(l / T)_i + c * G_b *
  softmax(L / T)_{g(i)}``, where ``B`` is the batch size and ``G_b`` the number of groups in
  the batch, so both terms average 1.
* **FEBS** (fair error-bound scaling, after FairSeg): group weights ``tanh((min_g L_g / L_g) **
  gamma)`` from the present groups' mean losses; the best-served group gets ``tanh(1)`` and the
  others less. As FairSeg scales its predictions by this weight inside the Dice loss (which
  raises a worse group's loss), here each group's loss is divided by its weight: the worse a
  group is served, the more its rows count. ``gamma = 0`` gives equal weights.

Done right where the public reference code is fragile: weights use only the groups present in
the batch (a missing group neither zeroes the minimum nor the normalisation); every weight is
computed from detached losses under ``torch.no_grad()``, so no gradient flows through the
weights; the weights of a batch are normalised to mean 1 so the learning rate means the same
with and without scaling; training is seeded; the device is CPU unless CUDA is available and
asked for (``device="auto"``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal

import numpy as np

from fairlens._validation import check_choice, check_int, check_interval
from fairlens.data import FairLensInputError
from fairlens.wording.remedies import training_progress

Scaling = Literal["none", "fis", "febs"]
Architecture = Literal["mlp", "logistic"]
SCALINGS: tuple[str, ...] = ("none", "fis", "febs")
ARCHITECTURES: tuple[str, ...] = ("mlp", "logistic")
_EPS = 1e-8
_TRAINING_NAMES = {"fis": "Training with FIS", "febs": "Training with FEBS",
                   "none": "Training without scaling"}


def _torch():
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - torch is a dependency
        raise FairLensInputError("FIS/FEBS training needs torch (pip install torch).") from exc
    return torch


def fis_weights(losses, groups, *, coef: float, temperature: float):
    """FIS per-sample weights (mean 1 over the batch) from detached per-sample losses.

    Parameters
    ----------
    losses : torch.Tensor
        ``(B,)`` per-sample losses (detached inside).
    groups : torch.Tensor
        ``(B,)`` integer group codes.
    coef : float
        Share of the group term, ``c`` in [0, 1].
    temperature : float
        Softmax temperature ``T`` > 0 (large: nearly equal weights).
    """
    torch = _torch()
    with torch.no_grad():
        losses = losses.detach()
        b = losses.shape[0]
        individual = b * torch.softmax(losses / temperature, dim=0)
        present, inverse = torch.unique(groups, return_inverse=True)
        sums = torch.zeros(len(present), dtype=losses.dtype, device=losses.device)
        counts = torch.zeros_like(sums)
        sums.index_add_(0, inverse, losses)
        counts.index_add_(0, inverse, torch.ones_like(losses))
        group_loss = sums / counts
        group = len(present) * torch.softmax(group_loss / temperature, dim=0)
        w = (1.0 - coef) * individual + coef * group[inverse]
        return w / w.mean()


def febs_group_weights(group_loss, gamma: float):
    """FEBS weights ``tanh((min L / L_g) ** gamma)`` of the given (present) groups."""
    torch = _torch()
    with torch.no_grad():
        group_loss = group_loss.detach().clamp_min(0.0)
        ratio = (group_loss.min() + _EPS) / (group_loss + _EPS)
        return torch.tanh(ratio ** gamma)


def febs_weights(losses, groups, *, gamma: float):
    """FEBS per-sample multipliers (mean 1 over the batch): each row's loss is divided by its
    group's FEBS weight, computed over the groups present in the batch only."""
    torch = _torch()
    with torch.no_grad():
        losses = losses.detach()
        present, inverse = torch.unique(groups, return_inverse=True)
        sums = torch.zeros(len(present), dtype=losses.dtype, device=losses.device)
        counts = torch.zeros_like(sums)
        sums.index_add_(0, inverse, losses)
        counts.index_add_(0, inverse, torch.ones_like(losses))
        weight = febs_group_weights(sums / counts, gamma)
        m = 1.0 / weight[inverse]
        return m / m.mean()


def resolve_device(device: str) -> str:
    """``"auto"``: CUDA when available, else CPU; ``"cuda"`` fails clearly without a GPU."""
    torch = _torch()
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise FairLensInputError("device='cuda' was asked for but no CUDA GPU is available; use "
                                 "device='auto' or 'cpu'.")
    if device not in ("cpu", "cuda"):
        raise FairLensInputError(f"Unknown device {device!r}; choose auto, cpu or cuda.")
    return device


class FairLossClassifier:
    """A logistic model or MLP trained with FIS/FEBS-scaled (or plain) cross-entropy.

    Parameters
    ----------
    scaling : {"none", "fis", "febs"}
    architecture : {"mlp", "logistic"}
    hidden : tuple of int, default (64,)
        Hidden layer sizes of the MLP (ReLU).
    epochs : int, default 30
    batch_size : int, default 256
    lr : float, optional
        Adam learning rate; default 3e-3 for the MLP and 3e-2 for the logistic model (whose
        weights start at zero, as in scikit-learn, so that a short training never starts from
        an inverted model).
    weight_decay : float, default 1e-4
    fis_coef : float, default 0.5
        FIS: share of the group term ``c``.
    fis_temperature : float, default 1.0
        FIS: softmax temperature ``T``.
    febs_gamma : float, default 1.0
        FEBS: exponent ``gamma``.
    seed : int, default 0
    device : {"auto", "cpu", "cuda"}, default "auto"
    n_threads : int or None, default 1
        CPU threads torch uses while training (restored afterwards). One thread is the
        fastest for these small networks (about 4 times faster than two on the 2-core
        development machine); None keeps torch's setting.
    progress : callable, optional
        ``progress(done, total, message)`` after every epoch.

    Attributes
    ----------
    history_ : list of dict
        Per epoch: mean loss, the mean loss of every group, and the mean weight of each
        group's rows.
    device_ : str
    """

    def __init__(self, *, scaling: str = "fis", architecture: str = "mlp",
                 hidden: tuple[int, ...] = (64,), epochs: int = 30, batch_size: int = 256,
                 lr: float | None = None, weight_decay: float = 1e-4, fis_coef: float = 0.5,
                 fis_temperature: float = 1.0, febs_gamma: float = 1.0, seed: int = 0,
                 device: str = "auto", n_threads: int | None = 1,
                 progress: Callable[[int, int, str], None] | None = None) -> None:
        self.scaling = scaling
        self.architecture = architecture
        self.hidden = tuple(hidden)
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.fis_coef = fis_coef
        self.fis_temperature = fis_temperature
        self.febs_gamma = febs_gamma
        self.seed = seed
        self.device = device
        self.n_threads = n_threads
        self.progress = progress

    def _check(self) -> None:
        check_choice("scaling", self.scaling, SCALINGS)
        check_choice("architecture", self.architecture, ARCHITECTURES)
        check_interval("fis_coef", self.fis_coef, low=0.0, high=1.0)
        check_interval("fis_temperature", self.fis_temperature, low=0.0, closed="neither")
        check_interval("febs_gamma", self.febs_gamma, low=0.0)
        check_int("epochs", self.epochs, low=1)
        check_int("batch_size", self.batch_size, low=2)

    def _network(self, d: int):
        torch = _torch()
        nn = torch.nn
        if self.architecture == "logistic":
            net = nn.Sequential(nn.Linear(d, 1))
            with torch.no_grad():
                net[0].weight.zero_()
                net[0].bias.zero_()
            return net
        layers: list[Any] = []
        width = d
        for h in self.hidden:
            layers += [nn.Linear(width, int(h)), nn.ReLU()]
            width = int(h)
        layers.append(nn.Linear(width, 1))
        return nn.Sequential(*layers)

    def fit(self, x: np.ndarray, y: np.ndarray, groups: np.ndarray) -> FairLossClassifier:
        """Train on preprocessed features ``x``, labels 0/1 ``y`` and group codes ``groups``."""
        self._check()
        torch = _torch()
        previous = torch.get_num_threads()
        if self.n_threads:
            torch.set_num_threads(int(self.n_threads))
        try:
            return self._fit(x, y, groups)
        finally:
            torch.set_num_threads(previous)

    def _fit(self, x: np.ndarray, y: np.ndarray, groups: np.ndarray) -> FairLossClassifier:
        torch = _torch()
        device = resolve_device(self.device)
        self.device_ = device
        x_t = torch.as_tensor(np.asarray(x, dtype=np.float32), device=device)
        y_t = torch.as_tensor(np.asarray(y, dtype=np.float32), device=device)
        codes, uniques = _codes(groups)
        g_t = torch.as_tensor(codes, device=device)
        self.groups_ = uniques
        n = len(y_t)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(self.seed))
            net = self._network(x_t.shape[1]).to(device)
        gen = torch.Generator(device="cpu").manual_seed(int(self.seed))
        lr = self.lr if self.lr is not None else (
            3e-2 if self.architecture == "logistic" else 3e-3)
        opt = torch.optim.Adam(net.parameters(), lr=float(lr),
                               weight_decay=float(self.weight_decay))
        bce = torch.nn.BCEWithLogitsLoss(reduction="none")
        self.history_: list[dict[str, Any]] = []
        n_groups = len(uniques)
        for epoch in range(int(self.epochs)):
            net.train()
            order = torch.randperm(n, generator=gen).to(device)
            loss_sum = torch.zeros(n_groups, device=device)
            weight_sum = torch.zeros(n_groups, device=device)
            counts = torch.zeros(n_groups, device=device)
            for start in range(0, n, int(self.batch_size)):
                idx = order[start:start + int(self.batch_size)]
                if len(idx) < 2:
                    continue
                logits = net(x_t[idx]).squeeze(-1)
                losses = bce(logits, y_t[idx])
                gb = g_t[idx]
                if self.scaling == "fis":
                    w = fis_weights(losses, gb, coef=float(self.fis_coef),
                                    temperature=float(self.fis_temperature))
                elif self.scaling == "febs":
                    w = febs_weights(losses, gb, gamma=float(self.febs_gamma))
                else:
                    w = torch.ones_like(losses)
                loss = (w * losses).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
                with torch.no_grad():
                    loss_sum.index_add_(0, gb, losses.detach())
                    weight_sum.index_add_(0, gb, w)
                    counts.index_add_(0, gb, torch.ones_like(w))
            c = counts.clamp_min(1.0)
            group_loss = (loss_sum / c).cpu().numpy()
            record = {"epoch": epoch + 1,
                      "loss": float(loss_sum.sum().item() / max(counts.sum().item(), 1.0)),
                      "group_loss": {str(u): float(v) for u, v in zip(uniques, group_loss,
                                                                     strict=True)},
                      "group_weight": {str(u): float(v) for u, v in
                                       zip(uniques, (weight_sum / c).cpu().numpy(),
                                           strict=True)}}
            if not math.isfinite(record["loss"]):
                raise FairLensInputError("Training diverged (the loss is not finite); lower "
                                         "the learning rate.")
            self.history_.append(record)
            if self.progress is not None:
                self.progress(epoch + 1, int(self.epochs),
                              training_progress(_TRAINING_NAMES[self.scaling], epoch + 1,
                                                int(self.epochs), record["loss"]))
        net.eval()
        self.net_ = net.cpu()
        self.n_features_in_ = int(x_t.shape[1])
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """``(n, 2)`` class probabilities."""
        torch = _torch()
        with torch.no_grad():
            logits = self.net_(torch.as_tensor(np.asarray(x, dtype=np.float32))).squeeze(-1)
            p = torch.sigmoid(logits).double().numpy()
        return np.column_stack([1.0 - p, p])

    def to_sklearn(self) -> Any:
        """The trained network as an equivalent scikit-learn estimator (saveable with skops):
        :class:`~sklearn.linear_model.LogisticRegression` or
        :class:`~sklearn.neural_network.MLPClassifier` holding the same weights."""
        linears = [m for m in self.net_ if hasattr(m, "weight")]
        weights = [m.weight.detach().double().numpy() for m in linears]
        biases = [m.bias.detach().double().numpy() for m in linears]
        classes = np.array([0, 1])
        if self.architecture == "logistic":
            from sklearn.linear_model import LogisticRegression

            est = LogisticRegression()
            est.coef_ = weights[0].copy()
            est.intercept_ = biases[0].copy()
            est.classes_ = classes
            est.n_features_in_ = self.n_features_in_
            est.n_iter_ = np.array([len(self.history_)])
            return est
        from sklearn.neural_network import MLPClassifier
        from sklearn.preprocessing import LabelBinarizer

        est = MLPClassifier(hidden_layer_sizes=self.hidden, activation="relu")
        est.coefs_ = [w.T.copy() for w in weights]
        est.intercepts_ = [b.copy() for b in biases]
        est.n_layers_ = len(weights) + 1
        est.n_outputs_ = 1
        est.out_activation_ = "logistic"
        est.classes_ = classes
        est._label_binarizer = LabelBinarizer().fit(classes)
        est.n_features_in_ = self.n_features_in_
        est.n_iter_ = len(self.history_)
        return est


def _codes(groups: np.ndarray) -> tuple[np.ndarray, list[str]]:
    import pandas as pd

    codes, uniques = pd.factorize(pd.Series(np.asarray(groups)).astype(str), sort=True)
    return codes.astype(np.int64), [str(u) for u in uniques]
