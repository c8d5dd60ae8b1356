"""Water-level forecasts: the model (``model``) and their issue, storage and replay (``issue``)."""
