"""Tooling, not the product: the class simulator, the load benchmark and the demo. Nothing imports it."""
