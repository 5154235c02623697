"""Reproductions of published tables (see tables/)."""
