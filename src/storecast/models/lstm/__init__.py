"""The deep-learning forecaster: ``analysis`` (stationarity, ACF), ``dataset`` (panel, scaling, windows),
``net`` (the nn.Module), ``forecaster`` (fit/predict façade and model files), ``evaluate`` (holdout score).

Nothing is re-exported here, so importing the package never imports torch.
"""

__all__: list[str] = []
