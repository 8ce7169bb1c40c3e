"""The deep-learning forecaster: ``analysis`` (stationarity, ACF), ``dataset`` (panel, scaling, windows),
``level`` (the seasonal-naive level the network corrects), ``net`` (the nn.Module), ``loop`` (the training
loop), ``device`` (``--device auto|cpu|cuda``), ``forecaster`` (fit/predict façade and its state as
tensors); its model files live in ``storecast.artifacts.lstm``, its scores in ``storecast.evaluation.lstm``.

Nothing is re-exported here, so importing the package never imports torch.
"""

__all__: list[str] = []
