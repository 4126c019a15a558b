"""Kibana integration: the saved-objects API (``lcom kibana import`` / ``export``)."""
