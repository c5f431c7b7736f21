"""Reply templates: Markdown with YAML front matter and `{variables}`, read offline.

Step 3 of the community process is "respond, always with a link": a template names the
`[docs]` links it needs, and rendering refuses to produce a reply with a hole in it,
saying which value is missing and where to set it. Bundled templates ship inside the
package; user folders (`[templates] paths`) come after them and a later file of the
same name wins.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from inbox.config import Config
from inbox.errors import UsageError
from inbox.models import CHANNEL_NAMES, PostType
from inbox.playbooks import frontmatter
from inbox.query import KINDS
from inbox.text import clean, one_line

BUNDLED_PACKAGE = "inbox.bundled_templates"
VARIABLES = ("author", "title", "url", "channel", "me", "rotation", "version", "jira_url", "duplicate_url")
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}\s]*)\}")
_DOCS_NAME = re.compile(r"^docs\.([A-Za-z0-9_-]+)$")

_HOW_TO_SET = {
    "me": 'set me = "your-login" under [team] in the config',
    "rotation": 'set rotation = ["dev1", "dev2"] under [team] in the config',
    "version": "give the release version (--release 11.2; `inbox release` remembers the last)",
    "jira_url": "file the Jira issue first (`inbox jira KEY`, or J in the inbox)",
    "duplicate_url": "link the post to the one it duplicates first (D in the inbox, or "
                     "`inbox triage KEY --duplicate-of OTHER`)",
    "author": "the post has no author",
    "title": "the post has no title",
    "url": "the post has no web link",
}


class TemplateError(UsageError):
    """A template cannot be rendered for this post; the message says what is missing."""


@dataclass(frozen=True)
class Template:
    name: str
    title: str
    body: str
    types: tuple[str, ...] = ()
    """Post types it suits; empty: any."""
    kinds: tuple[str, ...] = ()
    """Channel kinds it suits; empty: any."""
    links: tuple[str, ...] = ()
    """The `[docs]` names it needs: those declared in the front matter and those used."""
    variables: tuple[str, ...] = ()
    """Every `{variable}` the body uses, in order of first use."""
    path: Path | None = None

    def suits_type(self, post_type: str | None) -> bool:
        return bool(post_type) and post_type in self.types

    def suits_kind(self, kind: str | None) -> bool:
        return not self.kinds or kind in self.kinds


@dataclass
class TemplateLibrary:
    templates: dict[str, Template] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def __iter__(self):
        return iter(sorted(self.templates.values(), key=lambda t: t.name))

    def __len__(self) -> int:
        return len(self.templates)

    def get(self, name: str) -> Template:
        """Raises UsageError naming the closest templates when there is none called `name`."""
        return frontmatter.lookup(self.templates, name, "template")


# --- loading --------------------------------------------------------------------------


def bundled_folder() -> Path:
    return frontmatter.bundled_folder(BUNDLED_PACKAGE, "templates")


def load_templates(user_folders: Sequence[Path] = (), *, bundled: bool = True) -> TemplateLibrary:
    """The bundled templates, then each user folder in order (later wins by name)."""
    folders = ([bundled_folder()] if bundled else []) + [Path(f) for f in user_folders]
    templates, warnings = frontmatter.load_folders(folders, load_file, "template")
    return TemplateLibrary(templates=templates, warnings=warnings)


def load_file(path: Path) -> Template:
    return parse_template(frontmatter.read_text(path), name=path.stem.lower(), path=path)


def parse_template(text: str, *, name: str, path: Path | None = None) -> Template:
    """Raises FrontMatterError (`file:line: ...`) for a bad field or an unknown variable."""
    document = frontmatter.parse_document(text, str(path) if path else name)
    title = document.text("title", required="every template needs a title for the picker")
    types = document.words("types", allowed=tuple(t.value for t in PostType))
    kinds = document.words("kinds", allowed=KINDS)
    declared = document.words("links")
    body = document.body.strip("\n")
    if not body.strip():
        raise frontmatter.FrontMatterError(f"{document.where}:{document.body_line}: the template has no text")
    used: list[str] = []
    for line_number, line in enumerate(body.split("\n"), start=document.body_line):
        for match in _PLACEHOLDER.finditer(line):
            variable = match.group(1)
            if variable is None:
                continue  # {{ or }}: a literal brace
            if variable not in VARIABLES and not _DOCS_NAME.match(variable):
                raise frontmatter.FrontMatterError(
                    f"{document.where}:{line_number}: unknown variable {{{variable}}} "
                    f"(use {', '.join('{' + v + '}' for v in VARIABLES)} or {{docs.NAME}}; "
                    "write {{ and }} for literal braces)")
            if variable not in used:
                used.append(variable)
    links = tuple(dict.fromkeys([*declared, *(v[5:] for v in used if v.startswith("docs."))]))
    return Template(name=name, title=title, body=body, types=types, kinds=kinds, links=links,
                    variables=tuple(used), path=path)


# --- rendering ------------------------------------------------------------------------


def reply_values(item: Mapping[str, Any], config: Config, *, today: date,
                 version: str | None = None) -> dict[str, str | None]:
    """What each variable stands for when answering `item` (a stored row); None where
    the config or the item has nothing to put there."""
    jira_key = item.get("jira_key")
    values: dict[str, str | None] = {
        "author": one_line(item.get("author")) or None,
        "title": one_line(item.get("title")) or None,
        "url": one_line(item.get("url")) or None,
        "channel": CHANNEL_NAMES.get(str(item.get("kind")), str(item.get("kind") or "")) or None,
        "me": config.team.me,
        "rotation": config.team.on_rotation(today),
        "version": one_line(version) or None if version else None,
        "jira_url": config.jira.browse_url(jira_key) if jira_key and config.jira else None,
        # the post linked as the same question (`Store.item` gives the answered one's link)
        "duplicate_url": one_line(item.get("duplicate_url")) or None,
    }
    if jira_key and not config.jira:
        values["jira_url"] = None
    for name, url in config.docs.items():
        values[f"docs.{name}"] = url
    return values


def missing_values(template: Template, values: Mapping[str, str | None]) -> list[str]:
    """One phrase per value the template needs and does not have, saying where to set it."""
    missing = []
    for link in template.links:
        if not values.get(f"docs.{link}"):
            missing.append(f'{{docs.{link}}}: add {link} = "https://…" under [docs] in the config')
    for variable in template.variables:
        if variable.startswith("docs.") or values.get(variable):
            continue
        missing.append(f"{{{variable}}}: {_HOW_TO_SET.get(variable, 'no value')}")
    return missing


def render(template: Template, values: Mapping[str, str | None]) -> str:
    """The reply text. Raises TemplateError naming every missing value, rather than
    sending a reply with a hole where a link should be."""
    missing = missing_values(template, values)
    if missing:
        raise TemplateError(f"template {template.name!r} needs " + "; ".join(missing))

    def fill(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return match.group(0)[0]
        return clean(values[match.group(1)] or "")

    return _PLACEHOLDER.sub(fill, template.body)


# --- choosing -------------------------------------------------------------------------


def fuzzy_score(query: str, text: str) -> int | None:
    """How well `query` matches `text` as a subsequence (higher is better), None when
    it does not: `mvfo` finds move-to-forum. Consecutive and word-start hits count more."""
    query, text = query.lower().replace(" ", ""), text.lower()
    if not query:
        return 0
    score, position, previous = 0, 0, -2
    for char in query:
        found = text.find(char, position)
        if found < 0:
            return None
        score += 1
        if found == previous + 1:
            score += 2
        if found == 0 or not text[found - 1].isalnum():
            score += 3
        previous, position = found, found + 1
    return score


def rank(templates: TemplateLibrary | Sequence[Template], *, post_type: str | None,
         kind: str | None, query: str = "", prefer: str | None = None) -> list[Template]:
    """Templates matching `query` (fuzzy, on name and title), those suiting the post's
    type and channel first; `prefer` (e.g. bug-filed once a Jira issue exists) leads."""
    ranked = []
    for template in templates:
        score = fuzzy_score(query, f"{template.name} {template.title}")
        if score is None:
            continue
        named_kind = bool(kind) and kind in template.kinds  # made for this channel
        suits = (template.suits_type(post_type) and named_kind,
                 template.suits_type(post_type) and template.suits_kind(kind),
                 template.suits_type(post_type), template.suits_kind(kind))
        ranked.append(((-score, template.name != prefer, *(not s for s in suits), template.name), template))
    return [template for _, template in sorted(ranked, key=lambda pair: pair[0])]


def preferred_template(item: Mapping[str, Any]) -> str | None:
    """The template a post's state calls for: a leaked secret, ask for it to be rotated
    (before anything else); linked as the same question as another post, point to that
    one; once its bug is filed, say where."""
    if item.get("leaks"):
        return "secret-leak"
    if item.get("duplicate_url"):
        return "duplicate"
    return "bug-filed" if item.get("jira_key") else None
