"""Backup, restore and verification of the gateway's store (see README.md beside this file)."""
