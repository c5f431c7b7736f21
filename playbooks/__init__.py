"""The bundled playbooks (Markdown with YAML front matter), shipped as inbox.bundled_playbooks."""
