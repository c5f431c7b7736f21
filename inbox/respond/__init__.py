"""Answering a post: reply templates, posting replies back to a channel, filing a bug in
Jira and the thank-yous for a release, kept together because they are one user task."""
