"""The bundled reply templates (Markdown with YAML front matter), shipped as inbox.bundled_templates."""
