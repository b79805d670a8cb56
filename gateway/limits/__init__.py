"""Bounds on what one request may ask of the gateway: body size, JSON shape, numbers, search size,
database time; see README.md in this folder."""
