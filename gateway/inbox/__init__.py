"""The social worker's inbox of Liquidlogic-shaped assessment updates."""
