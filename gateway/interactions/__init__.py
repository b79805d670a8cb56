"""Interaction logic behind the routes: search and history Bundles, patch, batch/transaction."""
