"""Liquidlogic-style social care adapter (CLD event rows and workflow forms; outbound updates)."""
