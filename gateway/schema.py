"""Import every table module so the shared MetaData holds the whole schema (for alembic and tests)."""

from __future__ import annotations

import gateway.alerts.tables  # noqa: F401
import gateway.audit.table  # noqa: F401
import gateway.delivery.tables  # noqa: F401
import gateway.export.tables  # noqa: F401
import gateway.imports.tables  # noqa: F401
import gateway.inbox.tables  # noqa: F401
import gateway.linking.tables  # noqa: F401
import gateway.storage.index_tables  # noqa: F401
import gateway.storage.tables  # noqa: F401
import gateway.subscriptions.tables  # noqa: F401
from gateway.storage.metadata import metadata

__all__ = ["metadata"]
