"""What the inbox reports on what it holds: the weekly sweep, the stats and who awaits an
answer by when (the SLA). They read the store and never change a post."""
