"""The deep-learning forecaster: ``analysis`` (stationarity, ACF), ``dataset`` (panel, scaling, windows),
``net`` (the nn.Module), ``loop`` (the training loop), ``device`` (``--device auto|cpu|cuda``),
``forecaster`` (fit/predict façade and model files); its scores live in ``storecast.evaluation.lstm``.

Nothing is re-exported here, so importing the package never imports torch.
"""

__all__: list[str] = []
