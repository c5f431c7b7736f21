"""Community Inbox: every support channel of an open source community in one terminal inbox."""

__version__ = "0.1.0"
