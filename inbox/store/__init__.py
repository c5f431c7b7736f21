"""The SQLite store: schema, migrations and the one writer of the inbox database."""

from inbox.store.db import Cursor, Store
from inbox.store.items import item_json

__all__ = ["Cursor", "Store", "item_json"]
