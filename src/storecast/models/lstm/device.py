"""Where the LSTM runs: ``--device auto|cpu|cuda`` resolved to a torch device name.

Why apart: the CLI checks the choice before it reads any data (seconds on the real files), the
forecaster needs it at fit and predict time, and the answer must be the same everywhere. CPU is the
default, so the tests and a CPU build of PyTorch never need a GPU; a model file always holds CPU
tensors, whatever device trained it (see ``LSTMForecaster.state_tensors``).
"""

from __future__ import annotations

__all__ = ["DEVICES", "check_device_name", "resolve_device", "gpu_name"]

DEVICES = ("auto", "cpu", "cuda")


def check_device_name(device: str) -> str:
    """``device`` when it is one of `DEVICES`, else a ValueError naming the choices."""
    if device not in DEVICES:
        raise ValueError(f"`device` must be one of {', '.join(DEVICES)}; got {device!r}.")
    return device


def resolve_device(device: str) -> str:
    """"cpu" or "cuda": "auto" takes the GPU when PyTorch sees one, else the CPU.

    Raises
    ------
    ValueError
        ``device`` is not one of `DEVICES`.
    MissingDependencyError
        "cuda" on a machine where ``torch.cuda.is_available()`` is False (one line, exit 2 in the CLI),
        saying whether PyTorch is a CPU-only build or sees no GPU, and what to pass instead.
    """
    check_device_name(device)
    if device == "cpu":  # no torch import: the default path costs nothing
        return "cpu"
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if device == "auto":
        return "cpu"
    from storecast.errors import MissingDependencyError

    why = (f"torch {torch.__version__} is a CPU-only build" if torch.version.cuda is None
           else f"torch {torch.__version__} (CUDA {torch.version.cuda}) sees no GPU: check the driver and "
                "CUDA_VISIBLE_DEVICES")
    raise MissingDependencyError(f"`--device cuda` needs a GPU that PyTorch can use, but {why}; use --device cpu, "
                                 "or --device auto to take a GPU only where there is one.")


def gpu_name(device: str) -> str | None:
    """The GPU's name for a resolved "cuda" (recorded in the card beside the device), else None."""
    if device != "cuda":
        return None
    import torch

    return str(torch.cuda.get_device_name())
