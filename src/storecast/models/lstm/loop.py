"""The LSTM's training loop: mini-batch Adam, a plateau schedule and early stopping on a validation window.

Why apart from the forecaster: the forecaster decides *what* to learn (windows of a store panel, the loss,
the calibration); this module only decides *how long, how fast and where* (CPU or GPU), and reads the
same for any network.
"""

from __future__ import annotations

__all__ = ["EpochBatch", "MIN_IMPROVEMENT", "train_with_early_stopping", "to_device"]

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

# A validation loss (the forecaster's loss, MSE or Huber, on scaled log sales) counts as better only when it
# falls by more than this, so that float noise between epochs does not reset the patience count.
MIN_IMPROVEMENT = 1e-5


class EpochBatch(Protocol):
    """One epoch's training tensors and the order to visit them in (fresh random origins every epoch)."""

    def __call__(self) -> tuple[dict[str, Any], Any]: ...


def to_device(batch: dict[str, Any], device: str) -> dict[str, Any]:
    """The same tensors on ``device`` (no copy when they are there already, as on the CPU)."""
    return {k: v.to(device) for k, v in batch.items()}


def train_with_early_stopping(net: Any, loss: Callable[[dict], Any], draw_epoch: EpochBatch, val: dict[str, Any], *,
                              epochs: int, batch_size: int, lr: float, patience: int, device: str = "cpu",
                              progress: Callable[[int, float, float], None] | None = None) -> list[dict]:
    """Train ``net`` in place on ``device``; keep the weights of the epoch with the lowest validation loss.

    Returns the history, one ``{"epoch", "train_loss", "val_loss"}`` per epoch run. The step size halves
    when the validation loss stalls (the late epochs then refine instead of oscillating); training stops
    after ``patience`` epochs without improvement. ``net`` is moved to ``device`` (a resolved "cpu" or
    "cuda", see `device.resolve_device`) and stays there; each epoch's tensors are moved once, before
    its steps, and ``loss`` receives them there.
    """
    import torch

    net.to(device)
    val = to_device(val, device)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1)
    best, best_state, waited, history = np.inf, None, 0, []
    for epoch in range(epochs):
        batch, order = draw_epoch()
        batch, order = to_device(batch, device), order.to(device)
        net.train()
        total = 0.0
        for start in range(0, len(order), batch_size):
            idx = order[start: start + batch_size]
            step_loss = loss({k: v[idx] for k, v in batch.items()})
            opt.zero_grad()
            step_loss.backward()
            opt.step()
            total += float(step_loss.detach()) * len(idx)
        train_loss = total / len(order)
        net.eval()
        with torch.no_grad():
            val_loss = float(loss(val))
        sched.step(val_loss)
        history.append({"epoch": epoch + 1, "train_loss": train_loss, "val_loss": val_loss})
        if progress:
            progress(epoch + 1, train_loss, val_loss)
        if val_loss < best - MIN_IMPROVEMENT:
            best, waited = val_loss, 0
            best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
        else:
            waited += 1
            if waited >= patience:
                break
    if best_state is None:  # every epoch's validation loss was NaN or inf: no weights worth keeping
        raise ValueError(f"the LSTM's validation loss was never finite in {len(history)} epoch(s) (last "
                         f"{history[-1]['val_loss'] if history else 'none'}): training diverged; lower `lr`.")
    net.load_state_dict(best_state)
    net.eval()
    return history
