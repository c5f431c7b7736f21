"""The one HTTP session every outgoing call shares (sources, Jira, the sweep's webhook),
with its limits on bodies and its redaction of tokens; it sits below the sources."""
