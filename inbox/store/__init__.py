"""The SQLite store: schema, migrations and the one writer of the inbox database."""

from inbox.store.db import Cursor, RowKey, Store, row_key
from inbox.store.items import channel_wait_of, item_json

__all__ = ["Cursor", "RowKey", "Store", "channel_wait_of", "item_json", "row_key"]
