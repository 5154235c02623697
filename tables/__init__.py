"""Registries of published figures (data files) and their regenerated reproductions."""
