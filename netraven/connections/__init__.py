"""Talking to devices: a small ``Connection`` contract, its registry, and implementations."""
