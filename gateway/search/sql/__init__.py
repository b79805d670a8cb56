"""Search requests as SQLAlchemy Core queries over the resources and search index tables."""

from gateway.search.sql.execute import SearchPage, execute_search

__all__ = ["SearchPage", "execute_search"]
