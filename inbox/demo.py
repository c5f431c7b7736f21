"""The bundled demo workspace: a fictional project's support channels, a week in its life.

Parley is a made-up self-hosted team chat server. Its GitHub issues, Discourse forum,
Stack Overflow tag, desktop app's GitLab issues, community Slack channel, Zendesk help
desk, website chat (Intercom) and ideas board (UserVoice) are written here as the RAW
payloads each API returns (GitHub issue and comment dicts, Discourse `/latest.json` topics
with `users[]` and `/t/{id}.json` posts with cooked HTML, Stack Exchange questions with
epoch dates and HTML-entity titles, GitLab issues and notes, Slack mrkdwn messages with
`users.info` answers, the Zendesk incremental export with side-loaded users, Intercom
conversations with HTML bodies, UserVoice suggestions with their statuses), with times
relative to `now`, and go through each adapter's own `normalize` on their way into the
store, exactly as a sync would bring them. A few of them are hostile (markup in a title,
terminal escapes in a body) to show that they stay harmless text.

Same `now` -> same data: nothing here is random and nothing is read but the store.
"""

from __future__ import annotations

import base64
import copy
import html
import re
import uuid
import zlib
from datetime import date, datetime, timedelta, timezone
from typing import Any

from inbox.config import Config, parse
from inbox.models import Item, Reply
from inbox.sources import registry
from inbox.sources.slack import is_post, is_reply
from inbox.store import Store
from inbox.timeutil import iso, parse_time

REPO = "parley-chat/parley-server"
FORUM = "https://forum.example.org"
ME = "maya-okafor"
GITLAB_URL = "https://gitlab.example.org"
GITLAB_PROJECT = "parley-chat/parley-desktop"
GITLAB_PROJECT_ID = 318
SLACK_WORKSPACE = "parley-community"
ZENDESK_URL = "https://parley.zendesk.com"
USERVOICE_URL = "https://parley.uservoice.com"
IDEAS = "https://ideas.example.org"  # the UserVoice portal, on the project's own domain

DEMO_CONFIG: dict[str, Any] = {
    "team": {
        "staff": ["maya-okafor", "devin-park", "lena-schultz", "priya-nair", "tomas-ruiz"],
        "me": ME,
        "rotation": ["devin-park", "priya-nair", "tomas-ruiz"],
        "rotation_start": date(2025, 1, 6),
    },
    "sources": [
        {"name": "server", "kind": "github", "repo": REPO, "token_env": "GITHUB_TOKEN"},
        {"name": "forum", "kind": "discourse", "base_url": FORUM, "api_username": ME,
         "api_key_env": "DISCOURSE_API_KEY"},
        {"name": "so", "kind": "stackexchange", "site": "stackoverflow", "tagged": "parley"},
        {"name": "desktop", "kind": "gitlab", "project": GITLAB_PROJECT,
         "base_url": f"{GITLAB_URL}/api/v4", "token_env": "GITLAB_TOKEN"},
        {"name": "slack", "kind": "slack", "channel": "C0PARLEY01", "workspace": SLACK_WORKSPACE,
         "token_env": "SLACK_TOKEN"},
        {"name": "helpdesk", "kind": "zendesk", "subdomain": "parley",
         "email": "maya.okafor@example.org", "token_env": "ZENDESK_TOKEN"},
        {"name": "chat", "kind": "intercom", "app_id": "prly4x7c", "token_env": "INTERCOM_TOKEN"},
        {"name": "ideas", "kind": "uservoice", "subdomain": "parley", "client_id": "community-inbox",
         "secret_env": "USERVOICE_CLIENT_SECRET"},
    ],
    "views": [
        {"name": "Enterprise", "query": "label:enterprise is:awaiting"},
        {"name": "Unanswered forum", "query": "kind:discourse replies:0 is:open -is:done"},
    ],
    "people": {  # one developer, three logins: the People screen shows one person
        "devin-park": {"github": "devin-park", "discourse": "devin-park", "gitlab": "devin-park",
                       "stackexchange": "devin-park", "slack": "Devin Park"},
    },
    "jira": {
        "base_url": "https://jira.example.org",
        "project": "PAR",
        "email": "community-bot@example.org",
        "token_env": "JIRA_TOKEN",
        "labels": ["community"],
    },
    "docs": {
        "docs": "https://docs.example.org",
        "troubleshooting": "https://docs.example.org/troubleshooting",
        "contributing": "https://docs.example.org/contribute",
        "forum": FORUM,
        "ideas": IDEAS,
        "careers": "https://example.org/careers",
    },
    "sweep": {
        "project": "Parley",
        "min_age": "2d",
        "release_keywords": ["enterprise", "upgrade", "license", "licence"],
        "exclude": 'label:"Help Wanted"',
    },
    "sla": {
        "respond_within": "24h",
        "business_hours": "09:00-17:00",
        "business_days": ["mon", "tue", "wed", "thu", "fri"],
        "timezone": "UTC",
    },
    # The help desk's routines: automatic email is done (solved, for the paper trail), and a
    # job applicant is assigned and gets the "apply through the careers page" reply drafted.
    "rules": [
        {"name": "blog-plugin-updates", "query": 'kind:zendesk "plugins were updated"', "done": True},
        {"name": "domain-changes", "query": "kind:zendesk label:domains", "done": True},
        {"name": "build-minutes", "query": 'kind:zendesk "build minutes"', "done": True},
        {"name": "job-applications", "query": 'kind:zendesk "Application:"', "assign": ME,
         "template": "careers"},
    ],
}


def demo_config() -> Config:
    """The demo's settings, validated like any config file."""
    return parse(copy.deepcopy(DEMO_CONFIG))


# --- small helpers ------------------------------------------------------------------

_SPAN = re.compile(r"(\d+)([mhdw])")
_UNIT = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _span(text: str) -> timedelta:
    """`2d4h` -> timedelta: how long ago something happened, relative to `now`."""
    total = timedelta()
    for amount, unit in _SPAN.findall(text):
        total += timedelta(**{_UNIT[unit]: int(amount)})
    return total


def _id(name: str, low: int = 1_000_000, span: int = 90_000_000) -> int:
    """A stable numeric id for a name (crc32, not hash(): the same on every run)."""
    return low + zlib.crc32(name.encode("utf-8")) % span


def _inline(text: str) -> str:
    text = html.escape(text, quote=True)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    return re.sub(r"\[([^\]]+)\]\((https?://[^)\s]+)\)", r'<a href="\2">\1</a>', text)


def _cook(markdown: str, *, pre_class: str | None = None) -> str:
    """A little Markdown -> HTML, as Discourse `cooked` and Stack Exchange bodies look."""
    out: list[str] = []
    para: list[str] = []
    bullets: list[str] = []
    code: list[str] | None = None
    lang = ""

    def flush() -> None:
        if para:
            out.append("<p>" + "<br>\n".join(_inline(line) for line in para) + "</p>")
            para.clear()
        if bullets:
            out.append("<ul>\n" + "\n".join(f"<li>{_inline(b)}</li>" for b in bullets) + "\n</ul>")
            bullets.clear()

    for line in markdown.strip("\n").split("\n"):
        if code is not None:
            if line.startswith("```"):
                body = html.escape("\n".join(code), quote=False)
                if pre_class is None:
                    out.append(f'<pre><code class="lang-{lang or "auto"}">{body}\n</code></pre>')
                else:
                    out.append(f'<pre class="{pre_class}"><code>{body}\n</code></pre>')
                code = None
            else:
                code.append(line)
        elif line.startswith("```"):
            flush()
            code, lang = [], line[3:].strip()
        elif line.startswith("- "):
            if para:
                out.append("<p>" + "<br>\n".join(_inline(p) for p in para) + "</p>")
                para.clear()
            bullets.append(line[2:])
        elif not line.strip():
            flush()
        else:
            if bullets:
                flush()
            para.append(line)
    flush()
    return "\n".join(out)


def _se_escape(text: str) -> str:
    """Stack Exchange sends titles and names with HTML entities (`&#39;`, `&#233;`)."""
    escaped = html.escape(text, quote=True).replace("&#x27;", "&#39;")
    return "".join(c if ord(c) < 128 else f"&#{ord(c)};" for c in escaped)


def _fancy(title: str) -> str:
    """Discourse's `fancy_title`: entities and typographic quotes."""
    return html.escape(title, quote=False).replace("'", "&rsquo;").replace('"', "&quot;")


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "topic"


# --- the people ---------------------------------------------------------------------

STAFF_GITHUB = {"maya-okafor", "devin-park", "lena-schultz", "priya-nair", "tomas-ruiz"}
_FORUM_USERS: dict[str, dict[str, Any]] = {
    "maya-okafor": {"name": "Maya Okafor", "admin": True, "moderator": True},
    "devin-park": {"name": "Devin Park", "moderator": True},
    "lena-schultz": {"name": "Lena Schultz", "admin": True},
    "priya-nair": {"name": "Priya Nair", "moderator": True},
    "tomas-ruiz": {"name": "Tomás Ruiz", "moderator": True},
    "selfhoster99": {"name": None},
    "ci_tinkerer": {"name": "Rui Almeida"},
    "frank_ops": {"name": "Frank Osei"},
    "it-admin-gdansk": {"name": ""},
    "amara": {"name": "Amara Nwosu"},
    "katja": {"name": "Katja Hoffmann"},
    "wen_li": {"name": "Wen Li"},
    "dmitri_v": {"name": "Dmitri V."},
    "pablo.m": {"name": "Pablo Martín"},
    "rachelk": {"name": "Rachel K"},
    "jonas_w": {"name": "Jonas Weber"},
}

# --- GitHub: parley-chat/parley-server ----------------------------------------------
# (number, title, author, author_association, labels, created, closed, state_reason,
#  body, [(author, association, when, body), ...]); times are how long ago.

_ISSUE_TEMPLATE = """### Summary
{summary}

### Steps to reproduce
{steps}

### Expected behavior
{expected}

### Observed behavior
{observed}

### Environment
- Parley server: {version}
- Database: {database}
- Install method: {install}
"""


def _report(summary: str, steps: str, expected: str, observed: str, *, version: str = "10.2.1",
            database: str = "PostgreSQL 15", install: str = "Docker Compose", crlf: bool = False) -> str:
    body = _ISSUE_TEMPLATE.format(summary=summary, steps=steps, expected=expected,
                                  observed=observed, version=version, database=database,
                                  install=install)
    return body.replace("\n", "\r\n") if crlf else body


_GITHUB: list[tuple] = [
    (4131, "Desktop app shows a blank window after upgrading to 10.2.1 on Windows 11",
     "oliviachen-it", "NONE", ["bug", "needs-triage"], "35m", None, None,
     _report("After the server went to 10.2.1 the desktop app opens to a white window and never "
             "loads the team.",
             "1. Upgrade the server from 10.1.4 to 10.2.1\n2. Open Parley Desktop 5.9 on Windows 11",
             "The team sidebar and channels load.",
             "A blank white window. `Ctrl+Shift+I` shows `Refused to frame 'https://chat.acme.test'`.",
             install="Helm chart", crlf=True),
     []),
    (4130, "Link preview renders [bold]raw markup[/bold] and [@click=app.quit]buttons[/] from page titles",
     "tanvir-h", "CONTRIBUTOR", ["bug"], "5h", None, None,
     "When a message links to a page whose `og:title` contains square brackets, the unfurled "
     "preview shows them as formatting instead of text.\n\n"
     "Example page title: `[bold]Sale[/bold] [@click=app.quit]Click here[/]`\n\n"
     "The same page's description had an embedded terminal hyperlink, which the preview "
     "copied verbatim: \x1b]8;;https://evil.example.net/\x1b\\totally safe link\x1b]8;;\x1b\\\n\n"
     "Previews should treat everything from the remote page as plain text.",
     [("devin-park", "MEMBER", "3h",
       "Thanks, reproduced on master. The unfurler passes `og:title` straight to the renderer. "
       "Filed PARLEY-5120 and tagging this for the 10.3 milestone.")]),
    (4129, 'Postgres migration 000112 fails: column "remote_id" already exists',
     "rhys-devops", "NONE", ["bug", "area/upgrade"], "2d4h", None, None,
     _report("The upgrade from 10.2.0 to 10.2.1 stops at a migration and the server exits.",
             "1. Stop the server\n2. Replace the binary with 10.2.1\n3. Start it",
             "Migrations run and the server starts.",
             "```\nerror: migration 000112_add_remote_id failed: pq: column \"remote_id\" of "
             "relation \"channels\" already exists\n```",
             version="10.2.1 (upgrading from 10.2.0)", install="tarball + systemd"),
     [("marcusdev42", "NONE", "1d20h",
       "Same here going 10.2.0 -> 10.2.1 on PostgreSQL 15. Rolling back to 10.2.0 works.")]),
    (4128, "Feature request: per-channel notification schedules (quiet hours)",
     "sofia-lindqvist", "NONE", ["enhancement"], "3d", None, None,
     "Our support team wants notifications from `#incidents` around the clock but nothing from "
     "`#random` after 18:00. Today Do Not Disturb is all or nothing.\n\n"
     "**Proposal:** a schedule per channel in *Channel notification preferences*, e.g. "
     "`Mon-Fri 09:00-18:00`.\n\nHappy to help test a build.",
     [("maya-okafor", "MEMBER", "2d",
       "Thanks for the idea, Sofia! Could you post it on the ideas board "
       "(https://ideas.example.org) so others can vote on it? Please link the idea back here.")]),
    (4127, "Add `--dry-run` to `parleyctl import slack`",
     "yusuf-k", "CONTRIBUTOR", ["enhancement", "good first issue"], "4d", None, None,
     "Importing a 4 GB Slack export takes an hour and fails at the end when a channel name "
     "collides. A `--dry-run` that validates names, users and attachments without writing "
     "would save a lot of time.",
     [("devin-park", "MEMBER", "3d",
       "Sounds good. Would you like to send a PR? The command lives in "
       "`cmd/parleyctl/import.go`; the validation pass already exists as `validateArchive`."),
      ("yusuf-k", "CONTRIBUTOR", "2d", "Yes, I'll take it! Should the report be JSON or text?")]),
    (4126, "SAML login loops back to the sign-in page behind Azure AD",
     "nadia-farouk", "NONE", ["bug", "enterprise"], "2d6h", None, None,
     _report("With SAML 2.0 against Azure AD, users authenticate and land back on the Parley "
             "sign-in page.",
             "1. Configure SAML with the Azure AD federation metadata\n2. Click *Sign in with SAML*",
             "Signed in.",
             "Redirect loop. Server log: `SAML assertion is not valid yet (NotBefore in the "
             "future)`. Clocks are NTP-synced.",
             version="10.2.1 Enterprise", install="Kubernetes operator"),
     []),
    (4125, "[Help Wanted] Migrate the emoji picker to the virtualized list",
     "lena-schultz", "MEMBER", ["Help Wanted", "good first issue", "area/webapp"], "6d", None, None,
     "This issue was created automatically from Jira ticket PARLEY-5077.\n\n"
     "The emoji picker renders every emoji at once. Move it to `VirtualizedList` like the "
     "channel sidebar. See the contributor guide: https://docs.example.org/contribute",
     []),
    (4124, "[Help Wanted] Config setting for the maximum file preview size",
     "lena-schultz", "MEMBER", ["Help Wanted", "Up For Grabs"], "9d", None, None,
     "This issue was created automatically from Jira ticket PARLEY-5069.\n\n"
     "Add `FileSettings.MaxPreviewSizeMB` (default 50) and skip thumbnail generation above it.",
     [("hiro-tanaka", "CONTRIBUTOR", "8d", "Can I pick this up? I touched the thumbnailer last month.")]),
    (4123, "Push notifications delayed by several minutes on iOS with the self-hosted push proxy",
     "bertrand-l", "NONE", ["bug", "area/notifications"], "12d", None, None,
     _report("iOS notifications arrive 3-8 minutes late; Android is instant.",
             "1. Run parley-push-proxy 6.1 with our own APNs certificate\n2. Send a DM to an iOS user",
             "The notification arrives within seconds.",
             "It arrives minutes later, often in a burst.",
             database="MySQL 8.0", install="Docker"),
     [("priya-nair", "MEMBER", "11d",
       "Could you set the push proxy log level to debug and share the lines around one delayed "
       "message? Please remove device tokens first."),
      ("bertrand-l", "NONE", "10d",
       "Here you go:\n\n```\n2024/03/02 09:14:07 DEBUG apns: sending id=ab12 prio=5\n"
       "2024/03/02 09:19:41 DEBUG apns: delivered id=ab12\n```\nprio=5, not 10?")]),
    (4122, "Websocket disconnects every 60 seconds behind nginx",
     "kofi-mensah", "NONE", ["question"], "9d", "8d", "completed",
     "Every minute the web app shows *Connection lost* for a second. nginx 1.24 in front of "
     "Parley 10.2.0. Any idea?",
     [("devin-park", "MEMBER", "9d",
       "That's nginx's default `proxy_read_timeout` of 60s. See "
       "https://docs.example.org/install/nginx for the websocket block."),
      ("kofi-mensah", "NONE", "8d", "That was it, thanks! Closing.")]),
    (4121, "Search returns no results for words with umlauts (ä, ö, ü)",
     "annikaberg", "NONE", ["bug"], "3w", None, None,
     "Searching for `Übergabe` or `größe` finds nothing, although the messages exist. "
     "Searching `bergabe` finds them. MySQL 8.0, utf8mb4 everywhere.",
     [("tomas-ruiz", "MEMBER", "2w",
       "Reproduced with MySQL; PostgreSQL is fine. The full-text parser splits on the umlaut. "
       "Tracking in PARLEY-5003.")]),
    (4120, "Support Elasticsearch 8.x",
     "marcusdev42", "NONE", ["enhancement", "enterprise"], "5w", None, None,
     "Elasticsearch 7.17 goes out of support soon and our platform team wants to move the "
     "cluster to 8.x. Parley refuses to start with `unsupported Elasticsearch version 8.12.2`.",
     [("lena-schultz", "MEMBER", "4w", "This is planned for 10.3, tracked in PARLEY-4950."),
      ("marcusdev42", "NONE", "8d",
       "Any update? We're blocked on upgrading the cluster until this ships.")]),
    (4119, "Crash on startup: nil pointer dereference in plugin health check",
     "dmitri-v", "NONE", ["bug"], "1d", None, None,
     "Server crashes right after start when the Jira plugin is enabled:\n\n"
     "```\npanic: runtime error: invalid memory address or nil pointer dereference\n"
     "[signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x1c2f3e4]\n\n"
     "goroutine 412 [running]:\n"
     "github.com/parley-chat/parley-server/plugin.(*Health).check(0x0)\n"
     "\tplugin/health.go:88 +0x24\n```",
     [("tanvir-h", "CONTRIBUTOR", "20h", "Same crash here with Jira plugin 4.1.0; 4.0.2 is fine.")]),
    (4118, "Docs: Helm chart values for external Postgres are out of date",
     "hiro-tanaka", "CONTRIBUTOR", ["docs"], "6d", None, None,
     "The install guide still shows `externalDB.externalConnectionString`; chart 2.x uses "
     "`database.url`. Copying the guide silently falls back to the bundled database.",
     [("maya-okafor", "MEMBER", "5d",
       "Good catch, thank you! Would you like to open a PR against parley-docs? "
       "The page is `source/install/helm.md`.")]),
    (4117, "Bulk export fails with 'file too large' above 50 GB of attachments",
     None, "NONE", ["bug", "enterprise"], "6w", None, None,
     "`parleyctl export create --attachments` stops at 50 GB with `file too large`.",
     [("devin-park", "MEMBER", "5w", "Which file storage driver do you use, local or S3?")]),
    (4116, "Allow bots to post ephemeral messages through the REST API",
     "sofia-lindqvist", "NONE", ["enhancement"], "2w", "1w", "not_planned",
     "Only plugins can send ephemeral posts. Bots talking to the REST API would like to as well.",
     [("priya-nair", "MEMBER", "1w",
       "We discussed this and decided against it for now: ephemeral posts need a live session. "
       "The plugin API supports it; see https://docs.example.org/plugins/ephemeral")]),
    (4115, "Read receipts in group messages",
     "rhys-devops", "NONE", ["enhancement", "duplicate"], "4w", "3w", "not_planned",
     "It would help to see who read a message in a group DM.",
     [("devin-park", "MEMBER", "3w", "Duplicate of #3980, please add your use case there.")]),
    (4114, "Mobile: can't attach files over 10 MB although the server allows 100 MB",
     "oliviachen-it", "NONE", ["bug"], "2d1h", None, None,
     _report("Attachments over 10 MB fail on Parley Mobile 2.14 (Android and iOS).",
             "1. Set `FileSettings.MaxFileSize` to 100 MB\n2. Attach a 25 MB PDF on mobile",
             "The upload succeeds like on the web app.",
             "`File too large` toast immediately, no request reaches the server.",
             install="Helm chart"),
     []),
    (4113, "LDAP group sync removes users from channels they joined manually",
     "nadia-farouk", "NONE", ["bug", "enterprise"], "4d", None, None,
     "After each LDAP sync, users lose channels they joined by hand in group-synced teams.",
     [("tomas-ruiz", "MEMBER", "3d",
       "Can you confirm whether *Sync group members* is enabled on the channels, or only on the team?"),
      ("nadia-farouk", "NONE", "2d",
       "Confirmed: enabled for the team, disabled for those channels. Users are still removed.")]),
    (4112, "Upgrade guide: does 9.11 -> 10.0 need a manual search index rebuild?",
     "kofi-mensah", "NONE", ["question", "area/upgrade"], "3d", None, None,
     "The 10.0 changelog mentions a new search schema but the upgrade guide says nothing about "
     "reindexing. Do we need to run `parleyctl search reindex` after upgrading?",
     []),
    (4111, "Slash command /remind ignores the user's timezone",
     "yusuf-k", "NONE", ["bug", "good first issue"], "10d", None, None,
     "`/remind me at 9am to check the deploy` fires at 09:00 UTC, not 09:00 in my profile timezone.",
     [("devin-park", "MEMBER", "9d",
       "Confirmed, PARLEY-5061. This is a nice one to start with if anyone wants it!")]),
    (4110, "Message drafts lost when switching teams in the web app",
     "annikaberg", "NONE", ["bug"], "1h", None, None,
     "Typing a message, switching to another team and back: the draft is gone. 10.2.1, Firefox 125.",
     []),
    (4109, "Proposal: export a channel's history as Markdown",
     "hiro-tanaka", "CONTRIBUTOR", ["enhancement"], "16d", None, None,
     "For retrospectives we copy channel history into our wiki by hand. An *Export as Markdown* "
     "item in the channel menu would make that one click.",
     [("bertrand-l", "NONE", "10d", "+1, we'd use this for compliance archives too.")]),
    (4108, "Team sidebar flickers when a channel is renamed",
     "marcusdev42", "NONE", ["bug"], "8w", "4w", "not_planned",
     "Renaming a channel makes the whole sidebar flash for every member.",
     [("stale[bot]", "NONE", "5w",
       "This issue has been automatically marked as stale because it has not had recent activity. "
       "It will be closed if no further activity occurs."),
      ("stale[bot]", "NONE", "4w", "Closing due to inactivity.")]),
    (4107, "Question: how do I rotate the at-rest encryption key?",
     "dmitri-v", "NONE", ["question", "enterprise"], "20h", None, None,
     "Our security policy needs a yearly rotation of `SqlSettings.AtRestEncryptKey`. Is there a "
     "supported way that keeps existing data readable?",
     [("priya-nair", "MEMBER", "2h",
       "Yes: `parleyctl config rotate-key` re-encrypts in place. Steps: "
       "https://docs.example.org/admin/encryption#rotation")]),
    (4106, "Server log is full of colour codes when running under systemd",
     "frank-ops", "NONE", ["enhancement"], "5d", None, None,
     "journald shows the raw escape sequences:\n\n"
     "```\nMar 03 10:02:11 chat parley[912]: \x1b[33mWARN\x1b[0m slow query took 2.1s\n"
     "Mar 03 10:02:12 chat parley[912]: \x1b[31mERROR\x1b[0m \x1b]0;pwned\x07cluster ping failed\n```\n\n"
     "Please detect a non-terminal stdout (or add `LogSettings.ConsoleColor = false`).",
     []),
]

# --- Discourse: forum.example.org ------------------------------------------------------
# (id, title, category_id, tags, pinned, closed, accepted, [(author, when, markdown), ...])

_CATEGORIES = {"troubleshooting": 5, "ideas": 6, "developers": 7, "announcements": 8, "enterprise": 9}

_FORUM: list[tuple] = [
    (9001, "Read this before posting: how to get help with Parley", "announcements", [],
     True, True, False,
     [("maya-okafor", "20w",
       "Welcome! To get an answer quickly:\n\n"
       "- Say which Parley version you run and how you installed it\n"
       "- Paste logs as text in a code block, and remove passwords and tokens first\n"
       "- Search first: many install problems are answered in the "
       "[troubleshooting guide](https://docs.example.org/install/troubleshooting)\n\n"
       "Feature ideas go to the [ideas board](https://ideas.example.org). "
       "Security issues go to security@example.org, never here.")]),
    (9002, "[SOLVED] Docker install: pq: password authentication failed for user \"parley\"",
     "troubleshooting", ["installation", "docker"], False, False, True,
     [("selfhoster99", "4d",
       "Fresh install with the official compose file. The app container restarts forever:\n\n"
       "```\nerror: failed to ping DB: pq: password authentication failed for user \"parley\"\n```\n"
       "The password in `.env` is definitely right."),
      ("devin-park", "4d",
       "The Postgres volume keeps the password from the first start. If you changed "
       "`POSTGRES_PASSWORD` afterwards, remove the `db-data` volume (or change the password "
       "with `ALTER USER`). See [Docker install](https://docs.example.org/install/docker)."),
      ("selfhoster99", "3d", "That was it: an old volume from a test run. Thanks a lot!")]),
    (9003, "Parley 10.2 upgrade stuck at 'Running database migrations' for 40 minutes",
     "troubleshooting", ["upgrade"], False, False, False,
     [("frank_ops", "2d2h",
       "Upgrading 10.1.4 -> 10.2.1, about 3 million posts, PostgreSQL 14. The log stops at\n\n"
       "```\ninfo: Running database migrations... migration=000109_posts_add_index\n```\n"
       "CPU on the DB is at 100%. Should I wait or roll back?")]),
    (9004, "Enterprise licence not recognised after moving to a new server",
     "enterprise", ["enterprise", "licensing"], False, False, False,
     [("it-admin-gdansk", "3d",
       "We moved Parley to new hardware (same domain) and the System Console now says "
       "*No licence installed*. Uploading the `.parley-license` file again gives "
       "`licence is not valid for this installation`."),
      ("lena-schultz", "2d",
       "Licences are bound to the site URL and the installation id. Please email "
       "licensing@example.org with the old and new installation ids and we'll reissue it."),
      ("it-admin-gdansk", "1d", "I emailed on Monday and have no answer yet. Our renewal is due Friday.")]),
    (9005, "Feature idea: threaded replies in the mobile notification view", "ideas",
     ["feature-request", "mobile"], False, False, False,
     [("amara", "6d",
       "When a notification is a thread reply, tapping it opens the channel and I have to find "
       "the thread. Could it open the thread directly, like the desktop app?"),
      ("katja", "5d", "+1, this is the thing our field team complains about most.")]),
    (9006, "How do I write a plugin that adds a button to the post menu?", "developers",
     ["plugins"], False, False, False,
     [("wen_li", "18h",
       "I'm trying `registry.registerPostDropdownMenuAction` from the webapp plugin starter but "
       "nothing shows up. Is there a working example for 10.x?")]),
    (9007, "parleyctl prints red text everywhere and then fails to connect", "troubleshooting",
     ["parleyctl"], False, False, False,
     [("dmitri_v", "9h",
       "Output of `parleyctl --local system status`:\n\n"
       "```\n\x1b[31mError:\x1b[0m failed to connect to socket /var/tmp/parley_local.socket\n"
       "\x1b[1;31mhint:\x1b[0m is EnableLocalMode on?\x1b[2J\x1b[H\n```\n"
       "EnableLocalMode is true in config.json. Running as the parley user.")]),
    (9008, "Webhooks stop firing after the 10.1 -> 10.2 upgrade", "troubleshooting",
     ["upgrade", "integrations"], False, False, False,
     [("pablo.m", "1d",
       "Our incoming webhooks from Grafana return 200 but nothing is posted since the upgrade."),
      ("devin-park", "20h",
       "Is *Enable integrations to override usernames* still on? 10.2 resets it when the "
       "config is managed through environment variables."),
      ("pablo.m", "2h", "It's on. Still nothing posted, and no error in the server log.")]),
    (9009, "Office hours: November recording and Q&A notes", "announcements", ["office-hours"],
     False, False, False,
     [("maya-okafor", "6d",
       "Thanks to everyone who joined! The recording is on YouTube with timestamps for each "
       "question. Topics: the 10.3 roadmap, running Parley on ARM, and the new plugin "
       "permissions. Next session is in four weeks, the announcement will be here."),
      ("katja", "5d", "Thanks for the recording, the ARM part was really useful."),
      ("maya-okafor", "5d", "Glad it helped! The ARM notes are now in the docs too.")]),
    (9010, "Calls plugin: no audio when the server is behind NAT", "troubleshooting",
     ["calls", "networking"], False, False, False,
     [("rachelk", "3d",
       "Calls connect but nobody hears anybody. Server in a private network with a port "
       "forward for UDP 8443."),
      ("priya-nair", "2d",
       "Could you post the output of the RTC diagnostics (System Console > Calls > Run "
       "diagnostics) and your `ICEHostOverride` value?")]),
    (9011, "Is there a way to bulk-archive channels older than a year?", "troubleshooting",
     ["administration"], False, False, False,
     [("jonas_w", "10d", "We have 4,000 channels, most of them dead. Archiving by hand is not an option."),
      ("selfhoster99", "9d",
       "I wrote a small script against the API: list channels, check `last_post_at`, call "
       "`DELETE /api/v4/channels/{id}`. Happy to share it.")]),
    (9012, "SSO with Keycloak: invalid_grant after upgrading", "enterprise",
     ["sso", "enterprise", "upgrade"], False, False, False,
     [("katja", "2d5h",
       "Since 10.2 Keycloak logins fail with `invalid_grant: Code not valid`. Nothing changed "
       "on the Keycloak side.")]),
    (9013, "Proposal: show the Help Wanted board inside Parley", "ideas", ["feature-request"],
     False, False, False,
     [("amara", "3w",
       "New contributors never find the Help Wanted issues. A small panel in the product "
       "linking to them would help."),
      ("maya-okafor", "3w",
       "Love it. I've moved it to the ideas board so people can vote: "
       "https://ideas.example.org/ideas/PAR-I-212"),
      ("amara", "2w", "Voted, and shared with our local user group!")]),
    (9014, "High CPU on the server after enabling Elasticsearch", "troubleshooting",
     ["performance", "elasticsearch"], False, False, False,
     [("frank_ops", "8d", "CPU sits at 90% since we enabled Elasticsearch indexing."),
      ("tomas-ruiz", "8d", "What's your `BulkIndexingBatchSize`?"),
      ("frank_ops", "7d1h",
       "It was 5000; at 1000 it's better but still spikes every hour on the hour.")]),
    (9015, "Custom emoji upload fails with 413 Request Entity Too Large", "troubleshooting",
     ["nginx"], False, True, True,
     [("wen_li", "12d", "Any emoji over 1 MB fails with `413 Request Entity Too Large`."),
      ("devin-park", "12d", "That's nginx's `client_max_body_size`; set it to 50M in the Parley server block."),
      ("wen_li", "11d", "Fixed, thank you!")]),
    (9016, "Parley Desktop 6.0 beta: feedback thread", "announcements", ["desktop", "beta"],
     False, False, False,
     [("lena-schultz", "2w",
       "Desktop 6.0 beta is out, with the new tab bar and multi-server sign-in. Tell us what "
       "breaks!"),
      ("jonas_w", "13d", "Multi-server works great. The tray icon is blurry on KDE with 150% scaling."),
      ("amara", "1w", "Spell check forgets the language after a restart on macOS."),
      ("rachelk", "1d", "Beta 3 crashes on start on Ubuntu 24.04 (Wayland). Logs attached.")]),
    (9017, "Can't invite guests: 'Guest accounts are disabled' even though they're enabled",
     "troubleshooting", ["administration"], False, False, False,
     [("pablo.m", "45m",
       "Guest Access is enabled in the System Console, but inviting a guest says it's disabled.")]),
    (9018, "Compliance export to CSV on the free edition?", "enterprise",
     ["licensing", "compliance"], False, False, False,
     [("it-admin-gdansk", "5d", "Is the compliance export available without a licence?"),
      ("maya-okafor", "4d",
       "Compliance exports are part of Parley Enterprise. The free edition can export a "
       "channel with `parleyctl export`, though. See https://docs.example.org/admin/export"),
      ("it-admin-gdansk", "4d", "OK, thanks. We'll look at the trial.")]),
    (9019, "Polish translation missing strings in 10.2", "developers", ["i18n"], False, False, False,
     [("katja", "9d", "About 40 strings in the new settings modal are in English in the Polish locale."),
      ("jonas_w", "8d",
       "Translations live on Weblate; anyone can contribute there and they are merged before each release.")]),
    (9020, "Slow channel switching with 20k users on one team", "troubleshooting",
     ["performance"], False, False, False,
     [("selfhoster99", "1d6h",
       "Switching channels takes 2-3 seconds on our biggest team (20k members). The network tab "
       "shows `/api/v4/users/status/ids` taking most of it.")]),
    (9021, "GitHub Actions deploy: parleyctl login fails with 401", "troubleshooting",
     ["ci", "parleyctl"], False, False, False,
     [("ci_tinkerer", "3h",
       "Our deploy workflow cannot log in since this morning. Here is the whole step:\n\n"
       "```yaml\n- name: Deploy\n  env:\n    PARLEY_URL: https://chat.example.net\n"
       "    GH_TOKEN: " + "ghp_" + "R7kQ2mX9vLp4Tz8Wn3Yb6Hc1Jd5Fs0Ga2Ue7" + "\n"
       "  run: parleyctl auth login --token \"$GH_TOKEN\"\n```\n"
       "It prints `Error: 401 Unauthorized`. What scope does the token need?")]),
]

# --- Stack Overflow: [parley] ----------------------------------------------------------
# (question_id, title, author, tags, created, closed, body, [(author, when, accepted, score, body)])
_DELETED = "user4471"  # an account that no longer exists

_STACK: list[tuple] = [
    (79200101, "How do I authenticate a Parley bot with a personal access token in Python?",
     "Ravi Shankar", ["python", "parley", "rest"], "3w", None,
     "I created a bot account and a token, but every request returns 401:\n\n"
     "```\nrequests.get(url, headers={\"Token\": token})\n```",
     [("devin-park", "3w", True, 7,
       "The header is `Authorization: Bearer <token>`, not `Token`:\n\n"
       "```\nrequests.get(url, headers={\"Authorization\": f\"Bearer {token}\"})\n```")]),
    (79200102, 'Parley webhook returns 400 "Unable to parse incoming data" from curl',
     "Chris O'Neill", ["curl", "webhooks", "parley"], "2h", None,
     "```\ncurl -X POST -d 'text=hello' https://chat.example.com/hooks/abc123\n```\n"
     "returns `400 Unable to parse incoming data`. What am I missing?",
     []),
    (79200103, "Why doesn't my Parley plugin's ServeHTTP get called?",
     "Émilie Dubois", ["go", "parley", "plugins"], "4d", None,
     "My server plugin implements `ServeHTTP`, but requests to `/plugins/com.example.demo/hello` "
     "return 404.",
     [("Jonas W.", "3d", False, 2,
       "Check that `server.executables` is set in `plugin.json` and that the plugin id matches "
       "the path exactly; ids are case-sensitive.")]),
    (79200104, "Parley Docker container exits with code 137 on startup",
     "user8812231", ["docker", "parley"], "2d3h", None,
     "`docker compose up` starts Parley, then it exits with code 137 after about 30 seconds. "
     "The host has 2 GB RAM.",
     []),
    (79200105, "Connecting Parley to Amazon RDS PostgreSQL with IAM authentication",
     "Ana Lima", ["postgresql", "amazon-rds", "parley"], "9d", None,
     "Can Parley use IAM database authentication instead of a static password in `DataSource`?",
     [("tomas-ruiz", "8d", False, 1,
       "Not natively yet. The usual approach is an RDS Proxy with IAM auth in front of the "
       "database, and a regular password between Parley and the proxy.")]),
    (79200106, "Parley CLI prints [red]garbage[/red] colour codes when piped to a file",
     "dev_null_42", ["parley", "bash"], "6h", None,
     "When I run `parleyctl user list > users.txt` the file contains this:\n\n"
     "```\n\x1b[32mjdoe\x1b[0m\n\x1b]52;c;Y3VybCBodHRwczovL2V2aWwuZXhhbXBsZS5uZXQgfCBzaA==\x07"
     "\x1b[32masmith\x1b[0m\n```\n"
     "How can I get plain output? [@click=app.quit]",
     []),
    (79200107, "Parley REST API: get all posts in a channel since a timestamp",
     "Ravi Shankar", ["parley", "rest"], "2w", None,
     "Is there an endpoint for new posts in a channel since a given time, for a sync job?",
     [("Ana Lima", "2w", True, 4,
       "`GET /api/v4/channels/{id}/posts?since=<epoch ms>` returns posts created or edited "
       "since then.")]),
    (79200108, "Parley slash command response_type 'in_channel' is ignored",
     "Marek K.", ["parley", "slash-commands"], "5d", None,
     "My custom slash command returns `{\"response_type\": \"in_channel\", \"text\": \"ok\"}` "
     "but only I see the response.",
     [("devin-park", "4d", True, 3,
       "Send the header `Content-Type: application/json`; without it the body is read as text "
       "and the defaults (ephemeral) apply.")]),
    (79200109, "Parley websocket: 'token expired' after exactly 24 hours",
     _DELETED, ["websocket", "parley"], "6w", None,
     "Long-running integrations lose their websocket after 24h with `token expired`.",
     [("Jonas W.", "5w", False, 0,
       "Session length for bots is set by `ServiceSettings.SessionLengthSSOInHours`; use a "
       "personal access token instead of a session token.")]),
    (79200110, "Parley Helm chart: how to mount a custom config.json with secrets?",
     "kubeknight", ["kubernetes", "helm", "parley"], "1d", None,
     "I want database credentials from a Kubernetes Secret, not in `values.yaml`. How?",
     []),
    (79200111, "Parley server: SMTP test works but invitation emails never arrive",
     "Fatima Z.", ["smtp", "parley"], "3d", None,
     "*Test Connection* succeeds, but invitations never reach anyone.",
     [("kubeknight", "2d", False, 0,
       "Check `EmailSettings.SendEmailNotifications`; the test button ignores it but "
       "invitations don't.")]),
    (79200112, "How to increase the Parley file upload limit behind nginx?",
     "newbie_dev", ["nginx", "parley"], "10d", "10d",
     "Uploads over 1 MB fail with 413.",
     []),
    (79200113, "Parley plugin: store per-user settings in the KV store",
     "Émilie Dubois", ["go", "parley", "plugins"], "1w", None,
     "What's the recommended key layout for per-user settings in `KVSet`?",
     [("priya-nair", "6d", True, 5,
       "Prefix keys with the user id, e.g. `settings_<userID>`, and store one JSON document "
       "per user. `KVList` with a prefix lets you migrate them later.")]),
    (79200114, "How to run Parley end-to-end tests locally with Playwright?",
     "Marek K.", ["playwright", "parley"], "12h", None,
     "The CI config is complex. What's the minimal setup to run one e2e test locally?",
     []),
    (79200115, "Parley mobile build fails: 'Could not resolve com.parley:push-sdk'",
     "Lukas B.", ["android", "gradle", "parley"], "8d", None,
     "Building the mobile app from source fails in Gradle with "
     "`Could not resolve com.parley:push-sdk:3.2.0`.",
     []),
]


# --- GitLab: gitlab.example.org/parley-chat/parley-desktop -----------------------------
# (iid, title, author, labels, created, closed, description,
#  [(author, when, body, system), ...] oldest first); system notes are GitLab's own log.

_GITLAB_USERS = {
    "maya-okafor": "Maya Okafor", "devin-park": "Devin Park", "lena-schultz": "Lena Schultz",
    "priya-nair": "Priya Nair", "tomas-ruiz": "Tomás Ruiz",
    "rachel-k": "Rachel K", "jonas.weber": "Jonas Weber", "amara-n": "Amara Nwosu",
    "hiro-tanaka": "Hiro Tanaka", "m.kowalczyk": "Marta Kowalczyk", "oliviachen-it": "Olivia Chen",
    "bea.holm": "Beatriz Holm", "kwame-a": "Kwame Asante",
}

_GITLAB: list[tuple] = [
    (412, "6.0 beta 3 exits right after the splash screen on Ubuntu 24.04 (Wayland)",
     "rachel-k", ["bug", "platform::linux", "6.0-beta"], "20h", None,
     "Parley Desktop `6.0.0-beta.3` closes a second after the splash screen on Ubuntu 24.04 "
     "with a Wayland session. Beta 2 worked on the same machine.\n\n"
     "```\n[main] GPU process exited unexpectedly: exit_code=139\n"
     "[main] Failed to connect to Wayland display: No such file or directory\n```\n\n"
     "Starting it with `--ozone-platform=x11` works around it.",
     [("priya-nair", "18h", 'added ~"bug" ~"platform::linux" labels', True),
      ("lena-schultz", "16h",
       "Thanks for the clear report! Beta 3 changed the default platform hint. Does it start with "
       "`--ozone-platform-hint=auto` instead of forcing X11?", False),
      ("rachel-k", "14h", "Yes, that starts fine, including fractional scaling. Full log attached "
       "in case it helps.", False)]),
    (411, "Tray icon is blurry on KDE Plasma with 150% scaling",
     "jonas.weber", ["bug", "platform::linux", "area::tray"], "12d", None,
     "Since 5.9 the tray icon looks upscaled on KDE Plasma 6 with 150% display scaling. "
     "Other apps' tray icons are sharp. The app window itself renders fine.",
     [("kwame-a", "10d", "Same on Plasma 6.1 at 125%. It looks like the 16px icon is used and "
       "scaled up.", False)]),
    (410, "Spell checker forgets the selected language after a restart (macOS)",
     "amara-n", ["bug", "platform::macos"], "6d", None,
     "I pick *English (UK)* and *German* under Settings > Language. After quitting and opening "
     "the app again, only *English (US)* is selected. macOS 14.5, Parley Desktop 5.9.2.",
     [("devin-park", "5d",
       "Reproduced: the selection is saved before the dictionaries finish loading, so the "
       "default wins. The fix is in review and should land in 6.0 beta 4.", False)]),
    (409, "Option to start minimized to the tray when launched at login",
     "hiro-tanaka", ["enhancement", "area::tray"], "4d", None,
     "With *Launch at login* on, the main window opens on every boot. I'd like an option to "
     "start straight into the tray, the way most chat apps do.",
     [("bea.holm", "3d", "Would love this too. I close the window every single morning.", False)]),
    (408, "Can't add our server: ERR_CERT_AUTHORITY_INVALID with our company CA",
     "m.kowalczyk", [], "7h", None,
     "We run Parley behind our company's internal certificate authority. Browsers trust it (the "
     "root CA is deployed by group policy), but the desktop app says "
     "`net::ERR_CERT_AUTHORITY_INVALID` when I add https://chat.corp.example.\n\n"
     "Is there a setting to trust our root CA, or do we need to change something on the server?",
     []),
    (406, "Notification sound plays twice on Windows 11",
     "oliviachen-it", ["bug", "platform::windows"], "3w", "2w",
     "Every mention plays the notification sound twice, about half a second apart. "
     "Windows 11 23H2, Parley Desktop 5.9.0.",
     [("tomas-ruiz", "20d", "Thanks! Is *Use the system notification sound* on as well?", False),
      ("oliviachen-it", "19d", "Yes, it is. Turning it off makes it play once.", False),
      ("priya-nair", "2w", "Fixed in 5.9.1: both the app and Windows played the sound. "
       "Closing, please reopen if it still happens after updating.", False),
      ("priya-nair", "2w", "closed", True)]),
]

# --- Slack: parley-community, #community-help ------------------------------------------
# Users as `users.info` answers; a Slack Connect guest from another workspace cannot be
# looked up, so the sync (and the demo) shows their id.

SLACK_CHANNEL = "C0PARLEY01"
SLACK_TEAM = "T0PARLEYCM"
_SLACK_GUEST = "U06RT2M9KQZ"
_SLACK_USERS: dict[str, dict[str, Any]] = {
    # id: (name, real_name, display_name, flags)
    "U0PRLYMAYA": {"name": "maya-okafor", "real_name": "Maya Okafor", "display_name": "Maya Okafor",
                   "is_admin": True, "is_owner": True},
    "U0PRLYDEVN": {"name": "devin-park", "real_name": "Devin Park", "display_name": "Devin Park"},
    "U0PRLYPRIY": {"name": "priya-nair", "real_name": "Priya Nair", "display_name": "Priya"},
    "U0PRLYTOMS": {"name": "tomas.ruiz", "real_name": "Tomás Ruiz", "display_name": "",
                   "is_admin": True},
    "U05KWAMEA1": {"name": "kwame.asante", "real_name": "Kwame Asante", "display_name": ""},
    "U05BEAHOLM": {"name": "bea", "real_name": "Beatriz Holm", "display_name": "bea.h"},
    "U05SLFHST9": {"name": "selfhoster99", "real_name": "", "display_name": "selfhoster99"},
    "U05JONASWB": {"name": "jonas", "real_name": "Jonas Weber", "display_name": "Jonas W."},
    "U06LINDAPT": {"name": "linda.p", "real_name": "Linda Petrov", "display_name": "Linda P."},
}
_SLACK_BOT = ("B0PRLYFAQ1", "Parley FAQ")

# (when, user, mrkdwn text, files, [(when, user or None for the FAQ bot, text), ...])
_SLACK: list[tuple] = [
    ("1h5m", "U06LINDAPT",
     "Is there a way to see *who* reacted with which emoji on mobile? Long-press only shows "
     "the counts for me (Android, 2.14).",
     None,
     [("50m", "U05KWAMEA1",
       "Not on mobile as far as I know. On desktop you can hover over a reaction to see the "
       "names. Would love it on Android too.")]),
    ("3h", "U05KWAMEA1",
     "Bot posts show *[bold]Deploy finished[/bold]* literally instead of bold text, and after "
     "`parleyctl tail` my terminal background went blue \x1b]11;#0000ff\x07 :confused:\n"
     "Is the formatting different for bots?",
     None,
     [("2h", "U0PRLYDEVN",
       "Bots use Markdown like everyone else: `**Deploy finished**`. Square brackets are shown "
       "as typed. The blue background is an escape sequence in the raw log; "
       "`parleyctl tail --no-color` leaves those out.")]),
    ("5h", "U05SLFHST9",
     "Following <https://docs.example.org/install/helm|the Helm guide> and <@U0PRLYDEVN>'s tip "
     "in <#C0PARLEY02|announcements>, but `helm upgrade` fails with `spec.selector: field is "
     "immutable` &amp; the old pods stay up. Anyone seen this going from chart 1.x to 2.x?",
     None,
     [("4h", "U05BEAHOLM",
       "Yes! The selector labels changed in 2.0. Delete the deployment once with "
       "`kubectl delete deploy parley --cascade=orphan`, then run the upgrade again."),
      ("3h30m", "U0PRLYDEVN",
       "What Bea said :point_up: We'll add a note to the <https://docs.example.org/install/upgrade|"
       "upgrade page>, thanks for flagging!")]),
    ("1d2h", "U05JONASWB",
     "The channel sidebar is empty after signing in on Safari 17: channels only show up after "
     "a reload. Screenshot attached.",
     [{"name": "sidebar-empty.png", "title": "Empty sidebar in Safari 17", "mimetype": "image/png",
       "filetype": "png", "size": 182734}],
     [("1d", "U0PRLYPRIY", "Which server version? 10.2.0 had a race there that 10.2.1 fixed."),
      ("22h", "U05JONASWB", "10.2.1 already, and it happens in a private window too.")]),
    ("2d5h", _SLACK_GUEST,
     "Hi all! We're a 300-person nonprofit moving to Parley next month. Is there a recommended "
     "way to bring our old chat history along?",
     None,
     [("2d3h", "U0PRLYMAYA",
       "Welcome! <@U0PRLYDEVN> wrote the importer, but in short: `parleyctl import slack` takes "
       "Slack exports, and everything else can use the bulk import format: "
       "<https://docs.example.org/admin/bulk-import>. Happy to hop on a call if you get stuck.")]),
    ("4d", "U05BEAHOLM",
     "How do I reset the system admin's password when nobody can sign in any more? "
     "SSO broke and the only local admin account is locked.",
     None,
     [("4d", None, "This might help: <https://docs.example.org/admin/recover-access|"
       "Recovering admin access>"),
      ("3d20h", "U05KWAMEA1",
       "If local mode is on, `parleyctl --local user change-password admin` on the server "
       "works without signing in.")]),
    ("9d", "U06LINDAPT",
     "Does anyone run Parley on Oracle Database? :sweat_smile: Asking for our procurement team.",
     None,
     [("9d", "U0PRLYTOMS",
       "Only PostgreSQL and MySQL are supported, sorry! PostgreSQL is what we recommend for "
       "new installs.")]),
]

# --- Zendesk: parley.zendesk.com (the help desk) ---------------------------------------
# Mostly automatic email and the odd job application; now and then a real customer.

ZENDESK_USERS: dict[str, tuple[int, str, str, str]] = {
    # key: (id, name, email, role)
    "maya": (381000001, "Maya Okafor", "maya.okafor@example.org", "admin"),
    "lena": (381000002, "Lena Schultz", "lena.schultz@example.org", "agent"),
    "pressplugins": (381000101, "PressPlugins", "updates@pressplugins.example", "end-user"),
    "domains": (381000102, "SiteHost Domains", "domains@sitehost.example", "end-user"),
    "sitehost": (381000103, "SiteHost", "billing@sitehost.example", "end-user"),
    "aisha": (381000104, "Aisha Bello", "aisha.bello@mail.example", "end-user"),
    "growthloop": (381000105, "GrowthLoop Weekly", "news@growthloop.example", "end-user"),
    "daniel": (381000106, "Daniel Reyes", "daniel.reyes@harbor-logistics.example", "end-user"),
}

# (id, subject, requester, status, priority, tags, created, description,
#  [(author, when, public, body), ...] after the description, oldest first)
_ZENDESK: list[tuple] = [
    (2841, "Confirmation: DNS records changed for example.org", "domains", "solved", None,
     ["domains", "automated"], "3d",
     "Hello,\n\nThis confirms the following changes to the DNS zone of example.org, made from "
     "your SiteHost dashboard:\n\n"
     "  Added    CNAME  status  ->  pages.sitehost.example\n"
     "  Removed  A      legacy-docs  ->  203.0.113.24\n\n"
     "Changes can take up to an hour to reach every resolver. If you did not make this change, "
     "reply to this email straight away.\n\nSiteHost Domains",
     [("maya", "2d20h", False, "Solved for the audit trail: the status page moved to SiteHost "
       "and the old docs server is gone.")]),
    (2842, "Application: Developer Advocate", "aisha", "new", None, [], "2d3h",
     "Hello Parley team,\n\nI've run Parley for our university's robotics club for two years and "
     "answer questions on the forum now and then. I'd love to apply for a Developer Advocate "
     "role. I couldn't find one on the careers page, so I'm writing here in case one opens up.\n\n"
     "My CV and two recorded talks are attached.\n\nBest regards,\nAisha Bello",
     []),
    (2843, "You've used 90% of your build minutes", "sitehost", "new", None, ["billing"], "1d1h",
     "Hi Parley team,\n\nYour team 'Parley Docs' has used 270 of the 300 build minutes included "
     "this billing period.\n\nWhen they run out, we add 500 minutes for $7 so your deploys keep "
     "running. You can change this under Team settings > Billing.\n\n"
     "Your build minutes reset in 9 days.\n\nThe SiteHost team",
     []),
    (2844, "Enterprise licence still shows 50 seats after renewing for 120", "daniel", "open",
     "high", ["enterprise", "licensing"], "1d6h",
     "Hi,\n\nWe renewed our Enterprise subscription last week and went from 50 to 120 seats. "
     "The System Console still says 50 seats and new users get \"seat limit reached\". "
     "Our order number is PRL-30931.\n\nCould you send us the updated licence file?\n\n"
     "Thanks,\nDaniel Reyes\nIT Operations, Harbor Logistics",
     [("lena", "22h", True,
       "Hi Daniel,\n\nThanks for the order number. The renewal went through, but the licence was "
       "issued before the seat change was processed. I've asked our licensing team to reissue "
       "it and you'll get the new file by email today. Upload it under System Console > "
       "Edition and License; no restart is needed.\n\nBest,\nLena"),
      ("lena", "22h", False, "Reissue requested from licensing for PRL-30931 (50 -> 120 seats)."),
      ("daniel", "3h", True,
       "Thanks Lena! We haven't received the file yet. Could you check? Two new teams are "
       "waiting to be onboarded.")]),
    (2845, "[Parley Blog] 3 plugins were updated automatically", "pressplugins", "new", None,
     ["blog", "automated"], "6h",
     "Hello,\n\nThese plugins on https://blog.example.org were updated automatically to their "
     "latest versions:\n\n"
     "- Social Cards 4.2.1 (from 4.1.9)\n"
     "- Code Highlighter 2.8.0 (from 2.7.3)\n"
     "- Newsletter Signup 1.14.2 (from 1.14.0)\n\n"
     "No further action is needed. If something looks wrong, you can roll a plugin back under "
     "Plugins > Update history.\n\nPressPlugins automatic updates",
     []),
    (2846, "5 onboarding emails every community should send", "growthloop", "new", None, [], "9h",
     "This week in GrowthLoop Weekly:\n\n"
     "- Five onboarding emails that turn sign-ups into regulars\n"
     "- Teardown: how three open-source forums welcome first-time posters\n"
     "- Early-bird tickets for the Community Metrics Summit end Friday\n\n"
     "Read it online: https://growthloop.example/newsletter/112\n\n"
     "You are receiving this because you subscribed at growthloop.example. "
     "Unsubscribe: https://growthloop.example/unsubscribe",
     []),
]

# --- Intercom: the website chat widget -------------------------------------------------
# (id, (author type, name, email), body HTML, state, created, updated, customer waiting,
#  conversation parts, tags, priority, snoozed for, title)

INTERCOM_APP = "prly4x7c"
_INTERCOM: list[tuple] = [
    ("215469031200418", ("user", "Helena Brandt", "helena@brandt-architekten.example"),
     "<p>Hi! We're a 40-person architecture office evaluating Parley. Does the free edition "
     "support single sign-on with <b>Google Workspace</b>, or is that Enterprise only?</p>",
     "open", "40m", "40m", True, 0, [], "not_priority", None, None),
    ("215469029877102", ("lead", None, "info@ff-lindenau.example"),
     "<p>Hello, is there a discount for non-profits?</p><p>We're a volunteer fire brigade "
     "with about 90 members and would like to self-host.</p>",
     "open", "1d3h", "20h", False, 3, ["nonprofit"], "not_priority", None, None),
    ("215469028411930", ("user", "Priyanka Rao", "p.rao@meridian-health.example"),
     "<p>Our procurement team needs a completed security questionnaire (CAIQ Lite) and your "
     "SOC 2 report before we can buy Enterprise.</p><p>Who should I send the questionnaire "
     "to?</p>",
     "snoozed", "2d2h", "2d", False, 1, ["enterprise", "security"], "priority", "1d", None),
    ("215469021356644", ("user", "Tobias Lind", "tobias.lind@mail.example"),
     "<p>Where can I download the desktop app for Linux? The download page only shows "
     "Windows and macOS for me.</p>",
     "closed", "5d", "4d20h", False, 2, ["desktop"], "not_priority", None, None),
]

# --- UserVoice: the ideas board (ideas.example.org, parley.uservoice.com) --------------

_UV_STATUSES = [  # (id, name, is_open): the account's own names for the idea lifecycle
    (7201, "Under Review", True), (7202, "Planned", True), (7203, "Started", True),
    (7204, "Help Wanted", True), (7205, "Completed", False), (7206, "Declined", False),
]
_UV_LABELS = {7301: "notifications", 7302: "mobile", 7303: "search", 7304: "integrations",
              7305: "contributors", 7306: "messaging"}
_UV_USERS = {  # id: (name, email, is_admin)
    9401: ("Maya Okafor", "maya.okafor@example.org", True),
    9402: ("Sofia Lindqvist", "sofia.lindqvist@mail.example", False),
    9403: ("Marcus D.", "marcus@devops.example", False),
    9404: ("Amara Nwosu", "amara.nwosu@mail.example", False),
    9405: ("Katja Hoffmann", "katja.hoffmann@mail.example", False),
    9406: ("Rhys Evans", "rhys@devops.example", False),
}
_UV_FORUM = "921407-parley-ideas"

# (id, title, author, status, labels, created, updated, closed, supporters, comments,
#  body, body_mime_type)
_USERVOICE: list[tuple] = [
    (48213377, "Quiet hours per channel", 9402, 7201, [7301], "1d20h", "1d20h", None, 14, 0,
     "Let me set a notification schedule per channel, e.g. #incidents around the clock but "
     "#random only Mon-Fri 09:00-18:00. Today Do Not Disturb is all or nothing.", ""),
    (47720115, "Support Elasticsearch 8", 9403, 7202, [7303], "6w", "4w", None, 87, 6,
     "Elasticsearch 7.17 is reaching the end of its support. Please support 8.x so we can "
     "upgrade our search cluster.", ""),
    (46981042, "Open the thread straight from a mobile notification", 9404, 7203, [7302, 7301],
     "10w", "1w", None, 132, 11,
     "<p>Tapping a notification for a thread reply opens the channel, and I have to find the "
     "thread myself. The desktop app opens the thread directly; mobile should too.</p>",
     "text/html"),
    (48102236, "Show the Help Wanted issues inside Parley", 9401, 7204, [7305], "3w", "3w", None,
     41, 2,
     "Moved here from the forum. New contributors rarely find the issues we've marked for "
     "outside help. A small panel in the product linking to them would help, and we'd welcome "
     "a contribution that builds it.", ""),
    (44310978, "Schedule a message to send later", 9405, 7205, [7306], "30w", "2w", "2w", 356, 24,
     "<p>I often write messages in the evening that I want to arrive in the morning for "
     "colleagues in other time zones. A <b>Send later</b> option would be great.</p>",
     "text/html"),
    (47011853, "Let bots send ephemeral messages through the REST API", 9406, 7206, [7304],
     "8w", "1w", "1w", 9, 3,
     "Only plugins can post ephemeral messages. Bots that use the REST API would like to "
     "as well.", ""),
]


# --- raw payloads, shaped like each API's ----------------------------------------------

def _gh_user(login: str | None) -> dict[str, Any] | None:
    if login is None:
        return None  # a deleted account: GitHub shows it as "ghost"
    bot = login.endswith("[bot]")
    return {
        "login": login, "id": _id(login), "node_id": f"U_demo{_id(login)}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{_id(login)}?v=4",
        "url": f"https://api.github.com/users/{login}",
        "html_url": f"https://github.com/{login}",
        "type": "Bot" if bot else "User", "site_admin": False,
    }


_LABEL_COLOURS = {"bug": "d73a4a", "enhancement": "a2eeef", "Help Wanted": "008672",
                  "good first issue": "7057ff", "enterprise": "5319e7", "question": "d876e3",
                  "duplicate": "cfd3d7", "docs": "0075ca"}


def github_payloads(now: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """`GET /repos/{repo}/issues` and `/issues/comments` as GitHub returns them."""
    api = f"https://api.github.com/repos/{REPO}"
    issues, comments = [], []
    for (number, title, author, association, labels, created, closed, reason,
         body, thread) in _GITHUB:
        created_at = now - _span(created)
        closed_at = now - _span(closed) if closed else None
        times = [created_at] + [now - _span(c[2]) for c in thread] + ([closed_at] if closed_at else [])
        issue_api = f"{api}/issues/{number}"
        for index, (who, assoc, when, text) in enumerate(thread):
            comment_id = 2_400_000_000 + number * 100 + index
            at = iso(now - _span(when))
            comments.append({
                "url": f"{api}/issues/comments/{comment_id}",
                "html_url": f"https://github.com/{REPO}/issues/{number}#issuecomment-{comment_id}",
                "issue_url": issue_api, "id": comment_id, "node_id": f"IC_demo{comment_id}",
                "user": _gh_user(who), "created_at": at, "updated_at": at,
                "author_association": assoc, "body": text,
                "reactions": {"total_count": 0, "+1": 0, "-1": 0},
                "performed_via_github_app": None,
            })
        issues.append({
            "url": issue_api, "repository_url": api,
            "labels_url": f"{issue_api}/labels{{/name}}", "comments_url": f"{issue_api}/comments",
            "html_url": f"https://github.com/{REPO}/issues/{number}",
            "id": 2_100_000_000 + number, "node_id": f"I_demo{number}", "number": number,
            "title": title, "user": _gh_user(author),
            "labels": [{"id": _id(name), "name": name, "color": _LABEL_COLOURS.get(name, "ededed"),
                        "default": name in ("bug", "enhancement", "question"), "description": None}
                       for name in labels],
            "state": "closed" if closed else "open", "state_reason": reason, "locked": False,
            "assignee": None, "assignees": [], "milestone": None, "comments": len(thread),
            "created_at": iso(created_at), "updated_at": iso(max(times)),
            "closed_at": iso(closed_at), "author_association": association,
            "active_lock_reason": None, "body": body,
            "reactions": {"total_count": 0, "+1": 0, "-1": 0},
            "timeline_url": f"{issue_api}/timeline", "performed_via_github_app": None,
        })
    # the API lists newest activity first
    issues.sort(key=lambda raw: raw["updated_at"], reverse=True)
    comments.sort(key=lambda raw: raw["updated_at"], reverse=True)
    return issues, comments


def _discourse_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _forum_user(username: str) -> dict[str, Any]:
    info = _FORUM_USERS[username]
    user = {"id": _id(username, 2, 90_000), "username": username, "name": info["name"],
            "avatar_template": f"/user_avatar/forum.example.org/{username}/{{size}}/1_2.png"}
    for flag in ("admin", "moderator"):
        if info.get(flag):
            user[flag] = True
    return user


def discourse_payloads(now: datetime) -> tuple[dict[str, Any], dict[int, dict[str, Any]]]:
    """`GET /latest.json` and each topic's `GET /t/{id}.json`."""
    topics, threads, seen_users = [], {}, {}
    for (topic_id, title, category, tags, pinned, closed, accepted, posts) in _FORUM:
        slug = _slug(title)
        stamps = [now - _span(when) for _, when, _ in posts]
        raw_posts = []
        for number, ((who, _, text), at) in enumerate(zip(posts, stamps), start=1):
            user = _forum_user(who)
            seen_users[who] = user
            post = {
                "id": topic_id * 100 + number, "name": user["name"], "username": who,
                "avatar_template": user["avatar_template"], "created_at": _discourse_time(at),
                "cooked": _cook(text), "post_number": number, "post_type": 1,
                "updated_at": _discourse_time(at), "reply_count": 0,
                "reply_to_post_number": None if number <= 2 else number - 1,
                "quote_count": 0, "incoming_link_count": 0, "reads": 3 + number,
                "score": 0.4 * number, "yours": False, "topic_id": topic_id, "topic_slug": slug,
                "display_username": user["name"], "primary_group_name": None, "version": 1,
                "can_edit": False, "can_delete": False, "read": True, "user_title": None,
                "bookmarked": False, "actions_summary": [], "user_id": user["id"],
                "hidden": False, "trust_level": 4 if who in STAFF_GITHUB else 1,
                "deleted_at": None, "user_deleted": False, "wiki": False,
                "accepted_answer": bool(accepted) and number == 2,
                "can_accept_answer": False, "can_unaccept_answer": False,
            }
            if user.get("admin"):
                post["admin"] = True
            if user.get("moderator"):
                post["moderator"] = True
            if user.get("admin") or user.get("moderator"):
                post["staff"] = True
            raw_posts.append(post)
        first, last = raw_posts[0], raw_posts[-1]
        posters = [{"extras": None, "description": "Original Poster", "user_id": first["user_id"]}]
        middle = {p["user_id"] for p in raw_posts[1:-1]} - {first["user_id"], last["user_id"]}
        posters += [{"extras": None, "description": "Frequent Poster", "user_id": uid}
                    for uid in sorted(middle)]
        if last["user_id"] == first["user_id"]:
            posters[0] = {"extras": "latest", "description": "Original Poster, Most Recent Poster",
                          "user_id": first["user_id"]}
        else:
            posters.append({"extras": "latest", "description": "Most Recent Poster",
                            "user_id": last["user_id"]})
        topic = {
            "id": topic_id, "title": title, "fancy_title": _fancy(title), "slug": slug,
            "posts_count": len(raw_posts), "reply_count": max(0, len(raw_posts) - 2),
            "highest_post_number": len(raw_posts), "image_url": None,
            "created_at": first["created_at"], "last_posted_at": last["created_at"],
            "bumped": True, "bumped_at": last["created_at"], "archetype": "regular",
            "unseen": False, "pinned": pinned, "unpinned": None, "visible": True,
            "closed": closed, "archived": False, "bookmarked": None, "liked": None,
            "tags": tags, "tags_descriptions": {}, "views": 40 + 17 * len(raw_posts),
            "like_count": len(raw_posts) - 1, "has_summary": False,
            "last_poster_username": last["username"], "category_id": _CATEGORIES[category],
            "pinned_globally": False, "featured_link": None, "has_accepted_answer": accepted,
            "can_vote": False, "posters": posters,
        }
        if pinned:
            topic["excerpt"] = html.escape(posts[0][2].split("\n")[0])[:200] + "&hellip;"
        topics.append(topic)
        threads[topic_id] = {
            "post_stream": {"posts": raw_posts, "stream": [p["id"] for p in raw_posts]},
            "id": topic_id, "title": title, "fancy_title": topic["fancy_title"],
            "posts_count": len(raw_posts), "created_at": topic["created_at"],
            "last_posted_at": topic["last_posted_at"], "closed": closed, "archived": False,
            "pinned": pinned, "slug": slug, "category_id": topic["category_id"], "tags": tags,
        }
    # pinned first, then newest activity: the order /latest.json uses
    topics.sort(key=lambda t: t["bumped_at"], reverse=True)
    topics.sort(key=lambda t: not t["pinned"])
    listing = {
        "users": sorted(seen_users.values(), key=lambda u: u["id"]),
        "primary_groups": [], "flair_groups": [],
        "topic_list": {"can_create_topic": True, "per_page": 30, "top_tags": [], "topics": topics},
    }
    return listing, threads


def _se_owner(name: str) -> dict[str, Any]:
    if name == _DELETED:
        return {"user_type": "does_not_exist", "display_name": name}
    user_id = _id(name, 10_000_000, 20_000_000)
    return {"account_id": user_id + 7, "reputation": 1 + _id(name, 0, 5000),
            "user_id": user_id, "user_type": "registered", "display_name": _se_escape(name),
            "link": f"https://stackoverflow.com/users/{user_id}/{_slug(name)}"}


def stackexchange_payloads(now: datetime) -> tuple[dict[str, Any], dict[str, Any]]:
    """`GET /questions?tagged=parley&filter=withbody` and their `/answers`, with wrappers."""
    questions, answers = [], []

    def epoch(moment: datetime) -> int:
        return int(moment.timestamp())

    for (question_id, title, author, tags, created, closed, body, thread) in _STACK:
        created_at = now - _span(created)
        times = [created_at]
        accepted_id = None
        for index, (who, when, accepted, score, text) in enumerate(thread):
            answer_id = question_id + 500_000 + index
            at = now - _span(when)
            times.append(at)
            if accepted:
                accepted_id = answer_id
            answers.append({
                "owner": _se_owner(who), "is_accepted": accepted, "score": score,
                "last_activity_date": epoch(at), "creation_date": epoch(at),
                "answer_id": answer_id, "question_id": question_id,
                "content_license": "CC BY-SA 4.0", "body": _cook(text, pre_class="lang-none"),
            })
        question = {
            "tags": tags, "owner": _se_owner(author),
            "is_answered": accepted_id is not None or any(a[3] > 0 for a in thread),
            "view_count": 12 + 31 * len(thread), "answer_count": len(thread),
            "score": sum(a[3] for a in thread) // 2,
            "last_activity_date": epoch(max(times)), "creation_date": epoch(created_at),
            "question_id": question_id, "content_license": "CC BY-SA 4.0",
            "link": f"https://stackoverflow.com/questions/{question_id}/{_slug(title)}",
            "title": _se_escape(title), "body": _cook(body, pre_class="lang-none"),
        }
        if accepted_id is not None:
            question["accepted_answer_id"] = accepted_id
        if closed:
            question["closed_date"] = epoch(now - _span(closed))
            question["closed_reason"] = "Duplicate"
        questions.append(question)
    questions.sort(key=lambda q: q["last_activity_date"], reverse=True)
    wrapper = {"items": questions, "has_more": False, "quota_max": 10000, "quota_remaining": 9871}
    answer_wrapper = {"items": answers, "has_more": False, "quota_max": 10000,
                      "quota_remaining": 9870}
    return wrapper, answer_wrapper


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _gl_user(username: str) -> dict[str, Any]:
    user_id = _id(username, 4_000, 900_000)
    return {"id": user_id, "username": username, "name": _GITLAB_USERS[username], "state": "active",
            "locked": False,
            "avatar_url": f"{GITLAB_URL}/uploads/-/system/user/avatar/{user_id}/avatar.png",
            "web_url": f"{GITLAB_URL}/{username}"}


def gitlab_payloads(now: datetime) -> tuple[list[dict[str, Any]], dict[int, list[dict[str, Any]]]]:
    """`GET /projects/{project}/issues` (newest activity first) and each issue's
    `GET .../issues/{iid}/notes?sort=asc`."""
    api = f"{GITLAB_URL}/api/v4/projects/{GITLAB_PROJECT_ID}"
    issues, notes = [], {}
    for (iid, title, author, labels, created, closed, description, thread) in _GITLAB:
        issue_id = 73_100_000 + iid
        created_at = now - _span(created)
        closed_at = now - _span(closed) if closed else None
        stamps = [created_at] + [now - _span(n[1]) for n in thread] + ([closed_at] if closed_at else [])
        notes[iid] = [{
            "id": 1_940_000 + iid * 100 + index, "type": None, "body": body, "attachment": None,
            "author": _gl_user(who), "created_at": _discourse_time(now - _span(when)),
            "updated_at": _discourse_time(now - _span(when)), "system": system,
            "noteable_id": issue_id, "noteable_type": "Issue", "project_id": GITLAB_PROJECT_ID,
            "resolvable": False, "confidential": False, "internal": False, "noteable_iid": iid,
            "commands_changes": {},
        } for index, (who, when, body, system) in enumerate(thread)]
        issues.append({
            "id": issue_id, "iid": iid, "project_id": GITLAB_PROJECT_ID, "title": title,
            "description": description, "state": "closed" if closed else "opened",
            "created_at": _discourse_time(created_at), "updated_at": _discourse_time(max(stamps)),
            "closed_at": _discourse_time(closed_at) if closed_at else None,
            "closed_by": _gl_user(thread[-1][0]) if closed else None,
            "labels": labels, "milestone": None, "assignees": [], "author": _gl_user(author),
            "type": "ISSUE", "assignee": None,
            "user_notes_count": sum(1 for note in thread if not note[3]),
            "merge_requests_count": 0, "upvotes": 2 if "enhancement" in labels else 0,
            "downvotes": 0, "due_date": None, "confidential": False, "discussion_locked": None,
            "issue_type": "issue", "web_url": f"{GITLAB_URL}/{GITLAB_PROJECT}/-/issues/{iid}",
            "time_stats": {"time_estimate": 0, "total_time_spent": 0, "human_time_estimate": None,
                           "human_total_time_spent": None},
            "task_completion_status": {"count": 0, "completed_count": 0}, "weight": None,
            "blocking_issues_count": 0, "has_tasks": False,
            "_links": {"self": f"{api}/issues/{iid}", "notes": f"{api}/issues/{iid}/notes",
                       "award_emoji": f"{api}/issues/{iid}/award_emoji", "project": api,
                       "closed_as_duplicate_of": None},
            "references": {"short": f"#{iid}", "relative": f"#{iid}",
                           "full": f"{GITLAB_PROJECT}#{iid}"},
            "severity": "UNKNOWN", "moved_to_id": None, "service_desk_reply_to": None,
        })
    issues.sort(key=lambda raw: raw["updated_at"], reverse=True)
    return issues, notes


def _slack_ts(moment: datetime, salt: str) -> str:
    """A Slack `ts`: epoch seconds and a per-message sequence (stable for the same text)."""
    return f"{_epoch(moment)}.{_id(salt, 100, 899_900):06d}"


def _slack_message(user: str | None, ts: str, text: str) -> dict[str, Any]:
    if user is None:  # the FAQ bot answers through an incoming webhook
        bot_id, name = _SLACK_BOT
        return {"subtype": "bot_message", "text": text, "ts": ts, "username": name,
                "bot_id": bot_id, "type": "message"}
    return {
        "user": user, "type": "message", "ts": ts,
        "client_msg_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"slack:{ts}")), "text": text,
        "team": SLACK_TEAM,
        "blocks": [{"type": "rich_text", "block_id": f"b{_id(ts, 1000, 9000)}", "elements": [
            {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}]}],
    }


def _slack_user(user_id: str) -> dict[str, Any]:
    info = _SLACK_USERS[user_id]
    first = (info["real_name"] or info["name"]).split(" ")[0]
    return {
        "id": user_id, "team_id": SLACK_TEAM, "name": info["name"], "deleted": False,
        "color": "4bbe2e", "real_name": info["real_name"], "tz": "Europe/Berlin",
        "tz_label": "Central European Time", "tz_offset": 3600,
        "profile": {"title": "", "phone": "", "skype": "", "real_name": info["real_name"],
                    "real_name_normalized": info["real_name"], "display_name": info["display_name"],
                    "display_name_normalized": info["display_name"], "fields": None,
                    "status_text": "", "status_emoji": "", "status_expiration": 0,
                    "avatar_hash": f"g{_id(user_id, 100000, 800000)}", "first_name": first,
                    "last_name": "", "team": SLACK_TEAM},
        "is_admin": info.get("is_admin", False), "is_owner": info.get("is_owner", False),
        "is_primary_owner": info.get("is_owner", False), "is_restricted": False,
        "is_ultra_restricted": False, "is_bot": False, "is_app_user": False, "updated": 1767225600,
        "is_email_confirmed": True, "who_can_share_contact_card": "EVERYONE",
    }


def slack_payloads(now: datetime
                   ) -> tuple[dict[str, Any], dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """`conversations.history` of #community-help, `conversations.replies` for each thread
    (parent first, as Slack lists it) and a `users.info` answer per user id."""
    history, threads = [], {}
    for (when, user, text, files, replies) in _SLACK:
        ts = _slack_ts(now - _span(when), text)
        message = _slack_message(user, ts, text)
        if files:
            message["subtype"] = "file_share"
            message["upload"] = False
            posted = _epoch(now - _span(when))
            message["files"] = [{"id": f"F0{_id(f['name'], 10**8, 8 * 10**8)}", "created": posted,
                                 "timestamp": posted, "user": user, **f} for f in files]
        if replies:
            thread = [_slack_message(who, _slack_ts(now - _span(at), body), body)
                      for (at, who, body) in replies]
            for reply in thread:
                reply["thread_ts"] = ts
                reply["parent_user_id"] = user
            repliers = list(dict.fromkeys(r["user"] for r in thread if "user" in r))
            message.update(thread_ts=ts, reply_count=len(thread), reply_users_count=len(repliers),
                           latest_reply=max(r["ts"] for r in thread), reply_users=repliers,
                           is_locked=False, subscribed=False)
            threads[ts] = {"ok": True, "messages": [message, *thread], "has_more": False}
        history.append(message)
    # what else a channel holds: a join and a scheduled reminder, which are not posts
    history.append({"subtype": "channel_join", "user": "U06LINDAPT",
                    "text": "<@U06LINDAPT> has joined the channel", "type": "message",
                    "ts": _slack_ts(now - _span("10d"), "join")})
    history.append({"type": "message", "subtype": "bot_message", "bot_id": "B0PRLYREMD",
                    "username": "Reminders", "text": "Reminder: community call on Thursday at 16:00 UTC",
                    "ts": _slack_ts(now - _span("1d9h"), "reminder")})
    history.sort(key=lambda m: m["ts"], reverse=True)
    users = {user_id: {"ok": True, "user": _slack_user(user_id)} for user_id in _SLACK_USERS}
    users[_SLACK_GUEST] = {"ok": False, "error": "user_not_found"}
    listing = {"ok": True, "messages": history, "has_more": False, "pin_count": 0,
               "channel_actions_ts": None, "channel_actions_count": 0,
               "response_metadata": {"next_cursor": ""}}
    return listing, threads, users


def _zd_user(key: str) -> dict[str, Any]:
    user_id, name, email, role = ZENDESK_USERS[key]
    return {
        "id": user_id, "url": f"{ZENDESK_URL}/api/v2/users/{user_id}.json", "name": name,
        "email": email, "created_at": "2024-05-02T09:00:00Z", "updated_at": "2025-11-03T09:00:00Z",
        "time_zone": "Europe/Berlin", "iana_time_zone": "Europe/Berlin", "phone": None,
        "shared_phone_number": None, "photo": None, "locale_id": 1, "locale": "en-US",
        "organization_id": None, "role": role, "verified": True, "external_id": None, "tags": [],
        "alias": None, "active": True, "shared": False, "shared_agent": False,
        "last_login_at": None, "two_factor_auth_enabled": None, "signature": None,
        "details": None, "notes": None, "role_type": None, "custom_role_id": None,
        "moderator": role != "end-user", "ticket_restriction": None if role != "end-user" else "requested",
        "only_private_comments": False, "restricted_agent": role == "end-user", "suspended": False,
        "default_group_id": 360001 if role != "end-user" else None, "report_csv": role == "admin",
        "user_fields": {},
    }


def _zd_comment(comment_id: int, author: str, at: datetime, public: bool, body: str,
                channel: str) -> dict[str, Any]:
    paragraphs = "".join(f'<p dir="auto">{html.escape(p)}</p>' for p in body.split("\n\n"))
    return {
        "id": comment_id, "type": "Comment", "author_id": ZENDESK_USERS[author][0], "body": body,
        "html_body": f'<div class="zd-comment" dir="auto">{paragraphs}</div>', "plain_body": body,
        "public": public, "attachments": [], "audit_id": comment_id + 1,
        "via": {"channel": channel, "source": {"from": {}, "to": {}, "rel": None}},
        "created_at": iso(at), "metadata": {"system": {}, "custom": {}},
    }


def zendesk_payloads(now: datetime) -> tuple[dict[str, Any], dict[int, dict[str, Any]]]:
    """One page of `GET /api/v2/incremental/tickets/cursor.json?include=users` (the end of
    the stream) and each ticket's `GET /api/v2/tickets/{id}/comments.json?include=users`."""
    tickets, pages, requesters = [], {}, {}
    for (ticket_id, subject, requester, status, priority, tags, created, description,
         comments) in _ZENDESK:
        created_at = now - _span(created)
        user_id, name, email, _ = ZENDESK_USERS[requester]
        requesters[requester] = _zd_user(requester)
        raw_comments = [_zd_comment(ticket_id * 1000, requester, created_at, True, description, "email")]
        for index, (who, when, public, body) in enumerate(comments, start=1):
            raw_comments.append(_zd_comment(ticket_id * 1000 + index * 2, who, now - _span(when),
                                            public, body, "email" if who == requester else "web"))
        updated_at = max(parse_time(c["created_at"]) for c in raw_comments)
        agents = [who for who, *_ in comments if who != requester]
        pages[ticket_id] = {
            "comments": raw_comments,
            "users": [_zd_user(key) for key in dict.fromkeys([requester, *agents])],
            "next_page": None, "previous_page": None, "count": len(raw_comments),
        }
        assignee = ZENDESK_USERS[agents[0]][0] if agents else None
        tickets.append({
            "url": f"{ZENDESK_URL}/api/v2/tickets/{ticket_id}.json", "id": ticket_id,
            "external_id": None,
            "via": {"channel": "email", "source": {
                "from": {"address": email, "name": name},
                "to": {"name": "Parley Support", "address": "support@example.org"}, "rel": None}},
            "created_at": iso(created_at), "updated_at": iso(updated_at),
            "type": "question" if requester == "daniel" else None, "subject": subject,
            "raw_subject": subject, "description": description, "priority": priority,
            "status": status, "recipient": "support@example.org", "requester_id": user_id,
            "submitter_id": user_id, "assignee_id": assignee, "organization_id": None,
            "group_id": 360001, "collaborator_ids": [], "follower_ids": [], "email_cc_ids": [],
            "forum_topic_id": None, "problem_id": None, "has_incidents": False, "is_public": True,
            "due_at": None, "tags": tags, "custom_fields": [], "satisfaction_rating": None,
            "sharing_agreement_ids": [], "fields": [],
            "custom_status_id": {"new": 360101, "open": 360102, "solved": 360105}.get(status, 360100),
            "followup_ids": [], "ticket_form_id": 360200, "brand_id": 360300,
            "allow_channelback": False, "allow_attachments": True, "from_messaging_channel": False,
            "generated_timestamp": _epoch(updated_at),
        })
    # the export lists tickets in the order they changed, oldest first
    tickets.sort(key=lambda t: (t["generated_timestamp"], t["id"]))
    last = tickets[-1]
    cursor = base64.b64encode(f"{last['generated_timestamp']}.{last['id']}".encode()).decode("ascii")
    export = {
        "tickets": tickets, "users": sorted(requesters.values(), key=lambda u: u["id"]),
        "after_url": f"{ZENDESK_URL}/api/v2/incremental/tickets/cursor.json?cursor={cursor}",
        "after_cursor": cursor, "before_url": None, "before_cursor": None, "end_of_stream": True,
    }
    return export, pages


def intercom_payloads(now: datetime) -> dict[str, Any]:
    """`GET /conversations?order=desc&sort=updated_at` (Intercom-Version 2.11)."""
    conversations = []
    for (conversation_id, (author_type, name, email), body, state, created, updated, waiting,
         parts, tags, priority, snoozed, title) in _INTERCOM:
        created_at, updated_at = _epoch(now - _span(created)), _epoch(now - _span(updated))
        contact = f"65f{_id(email, 10**12, 8 * 10**12):013x}"[:24]
        conversations.append({
            "type": "conversation", "id": conversation_id, "created_at": created_at,
            "updated_at": updated_at, "waiting_since": updated_at if waiting else None,
            "snoozed_until": _epoch(now + _span(snoozed)) if snoozed else None,
            "source": {"type": "conversation", "id": str(_id(conversation_id, 10**8, 8 * 10**8)),
                       "delivered_as": "customer_initiated", "subject": "", "body": body,
                       "author": {"type": author_type, "id": contact, "name": name, "email": email},
                       "attachments": [], "url": "https://example.org/pricing", "redacted": False},
            "contacts": {"type": "contact.list",
                         "contacts": [{"type": "contact", "id": contact, "external_id": None}]},
            "first_contact_reply": {"created_at": created_at, "type": "conversation",
                                    "url": "https://example.org/pricing"},
            "admin_assignee_id": 7310442 if parts else None, "team_assignee_id": None,
            "open": state != "closed", "state": state, "read": not waiting,
            "tags": {"type": "tag.list", "tags": [
                {"type": "tag", "id": str(_id(tag, 1000, 9000)), "name": tag, "applied_at": created_at,
                 "applied_by": {"type": "admin", "id": "7310442"}} for tag in tags]},
            "priority": priority, "sla_applied": None,
            "statistics": {
                "type": "conversation_statistics", "time_to_assignment": 0 if parts else None,
                "time_to_admin_reply": (updated_at - created_at) // max(parts, 1) if parts else None,
                "time_to_first_close": updated_at - created_at if state == "closed" else None,
                "time_to_last_close": updated_at - created_at if state == "closed" else None,
                "median_time_to_reply": None, "first_contact_reply_at": created_at,
                "first_assignment_at": created_at if parts else None,
                "first_admin_reply_at": updated_at if parts else None,
                "first_close_at": updated_at if state == "closed" else None,
                "last_assignment_at": created_at if parts else None,
                "last_assignment_admin_reply_at": updated_at if parts else None,
                "last_contact_reply_at": created_at, "last_admin_reply_at": updated_at if parts else None,
                "last_close_at": updated_at if state == "closed" else None,
                "last_closed_by_id": "7310442" if state == "closed" else None, "count_reopens": 0,
                "count_assignments": 1 if parts else 0, "count_conversation_parts": parts,
            },
            "conversation_rating": None,
            "teammates": ({"type": "admin.list", "admins": [{"type": "admin", "id": "7310442"}]}
                          if parts else None),
            "title": title, "custom_attributes": {"Language": "English"}, "topics": {}, "ticket": None,
            "linked_objects": {"type": "list", "data": [], "total_count": 0, "has_more": False},
            "ai_agent": None, "ai_agent_participated": False,
        })
    conversations.sort(key=lambda c: c["updated_at"], reverse=True)
    return {"type": "conversation.list", "conversations": conversations, "total_count": len(conversations),
            "pages": {"type": "pages", "page": 1, "per_page": 150, "total_pages": 1}}


def uservoice_payloads(now: datetime) -> dict[str, Any]:
    """`GET /api/v2/admin/suggestions?includes=statuses,users,labels&sort=-updated_at`."""
    suggestions = []
    for (suggestion_id, title, author, status, labels, created, updated, closed, supporters,
         comments, body, mime) in _USERVOICE:
        slug = _slug(title)[:40]
        suggestions.append({
            "id": suggestion_id, "title": title, "body": body, "body_mime_type": mime,
            "portal_url": f"{IDEAS}/forums/{_UV_FORUM}/suggestions/{suggestion_id}-{slug}",
            "admin_url": f"{USERVOICE_URL}/admin/v3/suggestions/{suggestion_id}",
            "created_at": iso(now - _span(created)), "updated_at": iso(now - _span(updated)),
            "closed_at": iso(now - _span(closed)) if closed else None,
            "approved_at": iso(now - _span(created)), "creator_user_agent": None,
            "creator_referrer": None, "creator_browser": "Firefox", "creator_browser_version": "132.0",
            "creator_os": "Linux", "creator_mobile": False, "state": "published",
            "inappropriate_flags_count": 0, "comments_count": comments, "notes_count": 0,
            "requests_count": 0, "votes_count": supporters, "supporters_count": supporters,
            "supporting_accounts_count": max(1, supporters // 4), "supporter_mrr": 0.0,
            "supporter_satisfaction_score": None, "satisfaction_promoter_count": 0,
            "satisfaction_neutral_count": 0, "satisfaction_detractor_count": 0,
            "average_engagement": 1.0, "engagement_trend": 1.0, "recent_engagement": comments,
            "first_support_at": iso(now - _span(created)), "channel": "portal", "is_blocker": False,
            "links": {"category": None, "created_by": author, "forum": int(_UV_FORUM.split("-")[0]),
                      "labels": labels, "last_status_update": None, "parent_suggestion": None,
                      "parent_suggestions": [], "status": status, "ticket": None},
        })
    suggestions.sort(key=lambda s: s["updated_at"], reverse=True)
    return {
        "suggestions": suggestions,
        "statuses": [{"id": status_id, "name": name, "is_open": is_open, "hex_color": "#7fbf7f",
                      "position": position, "allow_comments": True,
                      "created_at": "2023-04-12T09:00:00Z", "updated_at": "2025-02-03T09:00:00Z",
                      "links": {}}
                     for position, (status_id, name, is_open) in enumerate(_UV_STATUSES, start=1)],
        "users": [{"id": user_id, "name": name, "email_address": email, "email_confirmed": True,
                   "is_admin": admin, "is_owner": False, "guid": None, "job_title": None,
                   "avatar_url": None, "created_at": "2024-01-01T00:00:00Z",
                   "updated_at": "2025-10-01T00:00:00Z", "supported_suggestions_count": 3,
                   "satisfaction_score": None, "last_login": None, "allowed_state": "allowed",
                   "links": {"current_nps_rating": None, "external_users": [], "teams": []}}
                  for user_id, (name, email, admin) in _UV_USERS.items()],
        "labels": [{"id": label_id, "name": name, "full_name": name, "open_suggestions_count": 1,
                    "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z",
                    "links": {"parent": None}} for label_id, name in _UV_LABELS.items()],
        "list_meta": None,
        "pagination": {"cursor": None, "page": 1, "per_page": 100, "total_pages": 1,
                       "total_records": len(suggestions)},
    }


# --- a little triage, so every sidebar view has something -----------------------------

def _preset_triage(now: datetime) -> list[tuple[list[str], dict[str, Any]]]:
    return [
        (["server:4128"], {"type": "feature", "status": "under-review"}),
        (["server:4120"], {"type": "feature", "status": "planned"}),
        (["forum:9005"], {"type": "feature"}),
        (["server:4126"], {"type": "bug", "assignee": ME}),
        (["server:4121", "server:4119"], {"type": "bug"}),
        # handed to the developer on rotation two days ago and still unanswered: follow up
        (["forum:9003"], {"type": "troubleshooting", "assignee": "devin-park",
                          "assigned_at": iso(now - timedelta(days=2, hours=1))}),
        (["desktop:408"], {"type": "troubleshooting"}),
        (["server:4121"], {"jira_key": "PAR-812"}),
        (["forum:9004"], {"type": "question", "assignee": ME,
                          "note": "Chase licensing@ before Friday's renewal"}),
        (["so:79200110", "so:79200102"], {"type": "question"}),
        (["so:79200104"], {"type": "troubleshooting"}),
        (["forum:9002"], {"type": "troubleshooting", "done": True}),
        (["forum:9009"], {"done": True}),
        (["forum:9010"], {"type": "troubleshooting", "snoozed_until": iso(now + timedelta(days=2)),
                          "note": "Waiting for the RTC diagnostics output"}),
    ]


# --- loading ---------------------------------------------------------------------------

def load_demo(store: Store, *, now: datetime) -> int:
    """Put the demo workspace into `store`, times relative to `now`; returns the item count.

    Loading again upserts the same keys (no duplicates), moves the times along with the
    new `now`, and re-applies the demo's own triage on its few pre-triaged items. (Slack
    keys are the messages' times, so another `now` replaces the Slack messages instead.)
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    now = now.astimezone(timezone.utc).replace(microsecond=0)
    config = demo_config()
    sources = {source.name: registry.build(source, config, env={}) for source in config.sources}
    total = 0

    github = sources["server"]
    issues, comments = github_payloads(now)
    items: list[Item] = [github.normalize(raw) for raw in issues if "pull_request" not in raw]
    replies: dict[str, list[Reply]] = {}
    for raw in comments:
        number = raw["issue_url"].rstrip("/").rsplit("/", 1)[-1]
        replies.setdefault(github.key(number), []).append(github.normalize_comment(raw))
    store.save_page(github.name, items, replies=replies, synced_at=now)
    total += len(items)

    forum = sources["forum"]
    listing, threads = discourse_payloads(now)
    users = {user["id"]: user for user in listing["users"]}
    items = [forum.normalize({"topic": topic, "users": users,
                              "posts": threads[topic["id"]]["post_stream"]["posts"]})
             for topic in listing["topic_list"]["topics"]]
    store.save_page(forum.name, items, synced_at=now)
    total += len(items)

    stack = sources["so"]
    questions, answers = stackexchange_payloads(now)
    by_question: dict[Any, list[dict]] = {}
    for answer in answers["items"]:
        by_question.setdefault(answer["question_id"], []).append(answer)
    items = [stack.normalize({"question": question, "answers": by_question.get(question["question_id"])})
             for question in questions["items"]]
    store.save_page(stack.name, items, synced_at=now)
    total += len(items)

    gitlab = sources["desktop"]
    issues, notes = gitlab_payloads(now)
    # as the sync does: an issue without user notes is not asked for its notes
    items = [gitlab.normalize({"issue": issue,
                               "notes": notes[issue["iid"]] if issue["user_notes_count"] else []})
             for issue in issues]
    store.save_page(gitlab.name, items, synced_at=now)
    total += len(items)

    slack = sources["slack"]
    history, threads, lookups = slack_payloads(now)
    # as the sync does: a user that cannot be looked up is None, and shown by id
    people = {user_id: answer.get("user") if answer.get("ok") else None
              for user_id, answer in lookups.items()}
    items = []
    for message in (m for m in history["messages"] if is_post(m)):
        thread = threads.get(message["ts"], {"messages": []})["messages"]
        items.append(slack.normalize({"message": message, "users": people, "workspace": slack.workspace,
                                      "replies": [r for r in thread if is_reply(r, message["ts"])]}))
    # A Slack message's id is the time it was posted: loaded at another `now`, these are
    # other messages, and the ones from the earlier load go as deleted messages would.
    fresh = {item.key for item in items}
    stale = [row["key"] for row in store.list_items(f"source:{slack.name}", now=now)
             if row["key"] not in fresh]
    store.save_page(slack.name, items, synced_at=now, removed=stale)
    total += len(items)

    desk = sources["helpdesk"]
    export, comment_pages = zendesk_payloads(now)
    requesters = {user["id"]: user for user in export["users"]}
    items = []
    for ticket in export["tickets"]:
        page = comment_pages[ticket["id"]]
        items.append(desk.normalize({"ticket": ticket, "comments": page["comments"],
                                     "users": {**requesters, **{u["id"]: u for u in page["users"]}}}))
    store.save_page(desk.name, items, synced_at=now)
    total += len(items)

    chat = sources["chat"]
    items = [chat.normalize(conversation) for conversation in intercom_payloads(now)["conversations"]]
    store.save_page(chat.name, items, synced_at=now)
    total += len(items)

    ideas = sources["ideas"]
    board = uservoice_payloads(now)
    side = {name: {x["id"]: x for x in board[name]} for name in ("users", "statuses", "labels")}
    items = [ideas.normalize({"suggestion": s, **side}) for s in board["suggestions"]]
    store.save_page(ideas.name, items, synced_at=now)
    total += len(items)

    for keys, changes in _preset_triage(now):
        store.set_triage(keys, changes, now=now)
    # as after a real sync: the rules run and due times are set for the Overdue view
    from inbox.sync import after_sync
    from inbox.triage.people import sync_person_logins

    sync_person_logins(demo_config(), store)
    after_sync(demo_config(), store, now=now)
    return total
