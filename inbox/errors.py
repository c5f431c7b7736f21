"""Error types, caught once at the edge (CLI, TUI) and shown as one clear line."""


class InboxError(Exception):
    """Anything the user can fix or should know about; its message is the one line shown."""


class ConfigError(InboxError):
    """The config file is missing, unreadable or has a bad value."""


class QueryError(InboxError):
    """A query in the query language does not parse."""


class SourceError(InboxError):
    """A channel could not be read (HTTP error, bad payload, network)."""

    def __init__(self, source: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.reason = message
        self.status = status
        """The HTTP status that ended the request, when there was one."""

    @property
    def not_there(self) -> bool:
        """404/403/410: the thing is gone or hidden, which is news, not a failure."""
        return self.status in (403, 404, 410)


class UsageError(InboxError):
    """The command line asked for something that cannot be done (unknown key, bad value)."""


class StoreError(InboxError):
    """The database file cannot serve as the inbox (not a database, or a migration failed)."""


class ReadCancelled(InboxError):
    """A read was stopped because nobody waits for its answer any more (a newer query)."""


class ForeignDatabase(StoreError):
    """The file is another program's database: the inbox neither uses nor changes it."""


class NewerDatabase(StoreError):
    """The database was upgraded by a newer version of the inbox than this one."""


class ReadOnlyDatabase(StoreError):
    """The database file, or the folder it needs for its journal, cannot be written."""


class DatabaseBusy(StoreError):
    """Another connection holds the database's write lock; trying again later may work."""


class DatabaseUnreachable(StoreError):
    """The database server cannot be reached, refused the login, or went away."""
