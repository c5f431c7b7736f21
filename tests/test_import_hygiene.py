"""The core is reachable without the TUI: importing it never loads Textual."""

import subprocess
import sys

CORE = ["inbox.models", "inbox.config", "inbox.keys", "inbox.query", "inbox.store", "inbox.sources.registry",
        "inbox.sync", "inbox.views", "inbox.text", "inbox.timeutil", "inbox.demo", "inbox.cli",
        "inbox.playbooks", "inbox.playbook_render", "inbox.leaks", "inbox.store.runs",
        "inbox.store.drafts", "inbox.frontmatter", "inbox.triage.templates", "inbox.triage.replies",
        "inbox.triage.bugs", "inbox.triage.sweep",
        "inbox.triage.sla", "inbox.triage.stats", "inbox.cli_stats",
        "inbox.triage.people", "inbox.cli_people", "inbox.triage.rules", "inbox.cli_rules", "inbox.triage.release", "inbox.jira", "inbox.cli_respond", "inbox.desktop"]


def test_core_does_not_import_textual():
    code = ("import sys\n" + "".join(f"import {module}\n" for module in CORE)
            + "print(sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
