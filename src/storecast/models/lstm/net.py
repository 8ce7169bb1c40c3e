"""The network: an LSTM encoder over the look-back window and a per-day head for the horizon.

The head sees the encoder's summary of the store's recent weeks, the store embedding and one future
day's known inputs. Because each future day is scored on its own, a row's forecast does not depend on
which other days are in a request, the same guarantee the tree models give.
"""

from __future__ import annotations

__all__ = ["SalesNet", "NetEnsemble"]

from typing import cast

try:
    import torch
    from torch import nn
except ImportError as exc:  # tested with torch hidden (tests/cli/test_lstm_cli.py)
    from storecast.errors import LSTM_INSTALL_HINT, MissingDependencyError

    raise MissingDependencyError(LSTM_INSTALL_HINT) from exc


class SalesNet(nn.Module):
    """Encoder LSTM + store embedding + MLP head producing one scaled log-sales value per future day.

    With ``skip_index`` the decoder input at that position (the look-back level) is added to the output.
    """

    def __init__(self, n_stores: int, n_enc: int, n_dec: int, hidden: int = 64, emb: int = 8,
                 skip_index: int | None = None):
        super().__init__()
        self.skip_index = skip_index
        self.embedding = nn.Embedding(n_stores, emb)
        self.encoder = nn.LSTM(n_enc + emb, hidden, batch_first=True)
        self.head = nn.Sequential(
            nn.Linear(hidden + emb + n_dec, hidden), nn.ReLU(),
            nn.Linear(hidden, hidden), nn.ReLU(),
            nn.Linear(hidden, 1),
        )

    def encode(self, enc: torch.Tensor, store: torch.Tensor) -> torch.Tensor:
        """(B, hidden) summary of each look-back window."""
        e = self.embedding(store)
        x = torch.cat([enc, e[:, None, :].expand(-1, enc.shape[1], -1)], dim=-1)
        _, (h, _) = self.encoder(x)
        return h[-1]

    def decode(self, state: torch.Tensor, store: torch.Tensor, dec: torch.Tensor) -> torch.Tensor:
        """(B, K) predictions for K future days of each window."""
        e = self.embedding(store)
        k = dec.shape[1]
        x = torch.cat([state[:, None, :].expand(-1, k, -1), e[:, None, :].expand(-1, k, -1), dec], dim=-1)
        out = self.head(x).squeeze(-1)
        # residual on the seasonal-naive level: the head learns the correction, not the whole profile
        return out if self.skip_index is None else out + dec[..., self.skip_index]

    def forward(self, enc: torch.Tensor, store: torch.Tensor, dec: torch.Tensor) -> torch.Tensor:
        """Encode, then score every future day."""
        return self.decode(self.encode(enc, store), store, dec)


class NetEnsemble(nn.Module):
    """Several `SalesNet` trained alike from different seeds; forecasts are their mean in scaled log sales.

    Why: one network's forecast of a window moves by about 0.005 RMSPE with its seed (its random start
    and the training windows it draws); the mean of a few is a geometric mean of their Sales forecasts and
    steadier than any one of them. Same calls as `SalesNet`: ``encode`` stacks the members' summaries on
    dimension 1, so a caller may index the windows (dimension 0) between ``encode`` and ``decode``.
    """

    def __init__(self, members: list[SalesNet]):
        super().__init__()
        self.members = nn.ModuleList(members)  # registered: parameters, state_dict, .to(device)

    def _nets(self) -> list[SalesNet]:
        return [cast(SalesNet, m) for m in self.members]

    def encode(self, enc: torch.Tensor, store: torch.Tensor) -> torch.Tensor:
        """(B, members, hidden) each member's summary of each look-back window."""
        return torch.stack([m.encode(enc, store) for m in self._nets()], dim=1)

    def decode(self, state: torch.Tensor, store: torch.Tensor, dec: torch.Tensor) -> torch.Tensor:
        """(B, K) the members' mean prediction for K future days of each window."""
        return torch.stack([m.decode(state[:, i], store, dec) for i, m in enumerate(self._nets())]).mean(dim=0)

    def forward(self, enc: torch.Tensor, store: torch.Tensor, dec: torch.Tensor) -> torch.Tensor:
        """Encode, then score every future day."""
        return self.decode(self.encode(enc, store), store, dec)
