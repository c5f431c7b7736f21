"""The leak scanner on real posts and on made-up tokens: false alarms, speed, recall.

    python benchmarks/leaks.py                     # everything, 20 made-up tokens per format
    python benchmarks/leaks.py --per-format 200 --runs 9
    python benchmarks/leaks.py --issues PATH.csv   # another labelled set (title, body columns)

Prints, in this order:

- the rules, counted by provider family;
- every finding in the demo (as loaded into a store, posts and replies), in every file
  under tests/, and in the labelled issues (`../shared/datasets/issue-types/`, title and
  body), with the rule's name and a masked snippet; any finding there must be a fixed
  false alarm or a real-looking token checked by hand;
- how long the labelled issues take: the ingest path (`may_leak`, then `leaks_json` for
  the posts it lets through) and `scan` alone, best of `--runs`, in CPU time, for the
  whole set and per post (the goal is the whole set in under a second);
- recall on made-up tokens: for each format, `--per-format` tokens drawn from the
  format's character classes and lengths (independently of the scanner's patterns),
  each in one of a few settings (bare, `.env` line, JSON, prose); a token counts when it
  is found with the format's name and masked whole.

Not a test: it prints figures. The dataset stays where it is (nothing is copied).
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import string
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inbox.text.leak_rules import RULES  # noqa: E402
from inbox.text.leaks import leaks_json, mask, may_leak, scan  # noqa: E402

ISSUES = ROOT.parent / "shared" / "datasets" / "issue-types" / "issues_train.csv"

# --- made-up tokens ----------------------------------------------------------------------

_ALPHABETS = {
    "an": string.ascii_letters + string.digits, "AN": string.ascii_uppercase + string.digits,
    "an_lower": string.ascii_lowercase + string.digits, "hex": "0123456789abcdef",
    "HEX": "0123456789ABCDEF", "Hex": "0123456789abcdefABCDEF", "L": string.ascii_letters,
    "w": string.ascii_letters + string.digits + "_-", "b64": string.ascii_letters + string.digits + "+/",
    "d": string.digits, "age": "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L",
    "azure": string.ascii_letters + string.digits + "_~.",
}
_FIELD = re.compile(r"\{(\w+):(\d+)(?:-(\d+))?\}")


def fill(template: str, rng: random.Random) -> str:
    """`ghp_{an:36}` with 36 random characters of `an`; `{w:20-40}` a length in range."""
    def one(match: re.Match[str]) -> str:
        low = int(match.group(2))
        size = rng.randint(low, int(match.group(3) or low))
        return "".join(rng.choice(_ALPHABETS[match.group(1)]) for _ in range(size))
    return _FIELD.sub(one, template)


def _uuid(rng: random.Random) -> str:
    return "-".join(fill("{hex:%d}" % size, rng) for size in (8, 4, 4, 4, 12))


# (kind, template). Lengths and classes are the providers' documented ones, or the
# published scanners' where the documentation gives none; `{token}` settings follow.
FORMATS: tuple[tuple[str, str], ...] = (
    ("aws-access-key", "AKIA{AN:16}"), ("aws-access-key", "ASIA{AN:16}"),
    ("aws-access-key", "A3T{AN:1}{AN:16}"), ("aws-bedrock-key", "ABSK{b64:120-200}"),
    ("aws-secret-key", "aws_secret_access_key = <<{b64:40}>>"),
    ("google-api-key", "AIza{w:35}"), ("google-oauth-secret", "GOCSPX-{w:28}"),
    ("google-oauth-token", "ya29.{w:60-180}"),
    ("gcp-service-account", '{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\n'
                            '<<{b64:64}\\n{b64:64}\\n{b64:40}>>==\\n-----END PRIVATE KEY-----\\n"}'),
    ("azure-ad-client-secret", "{azure:3}{d:1}Q~{azure:34}"),
    ("azure-storage-key", "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=<<{b64:86}>>==;"
                          "EndpointSuffix=core.windows.net"),
    ("azure-sas-token", "https://acme.blob.core.windows.net/c/f.txt?sv=2022-11-02&ss=b&srt=o&sp=r"
                        "&se=2025-01-01T00:00:00Z&sig=<<{an:40}>>%3D"),
    ("alibaba-access-key", "LTAI{an:20}"), ("digitalocean-token", "dop_v1_{hex:64}"),
    ("digitalocean-token", "doo_v1_{hex:64}"), ("cloudflare-origin-ca-key", "v1.0-{hex:24}-{hex:146}"),
    ("heroku-api-key", "HRKU-AA{w:58}"), ("flyio-token", "fo1_{w:43}"), ("vault-token", "hvs.{w:90-120}"),
    ("vault-token", "hvb.{w:138-200}"), ("terraform-token", "{an_lower:14}.atlasv1.{w:60-70}"),
    ("pulumi-token", "pul-{hex:40}"), ("doppler-token", "dp.pt.{an:43}"), ("databricks-token", "dapi{hex:32}"),
    ("supabase-key", "sbp_{hex:40}"), ("planetscale-token", "pscale_tkn_{w:32-64}"),
    ("github-token", "ghp_{an:36}"), ("github-token", "gho_{an:36}"), ("github-token", "ghu_{an:36}"),
    ("github-token", "ghs_{an:36}"), ("github-token", "ghr_{an:36}"),
    ("github-token", "github_pat_{an:22}_{an:59}"),
    ("gitlab-token", "glpat-{w:20}"), ("gitlab-token", "gldt-{w:20}"), ("gitlab-token", "glrt-{w:20-30}"),
    ("gitlab-token", "glptt-{hex:40}"), ("gitlab-token", "GR1348941{w:20}"), ("gitlab-token", "glft-{w:20}"),
    ("npm-token", "npm_{an:36}"), ("pypi-token", "pypi-AgEIcHlwaS5vcmc{w:50-180}"),
    ("rubygems-token", "rubygems_{hex:48}"), ("nuget-key", "oy2{an_lower:43}"),
    ("dockerhub-token", "dckr_pat_{w:27}"), ("clojars-token", "CLOJARS_{an_lower:60}"),
    ("artifactory-key", "AKCp{an:69}"),
    ("stripe-live-key", "sk_live_{an:24-99}"), ("stripe-live-key", "rk_live_{an:24-99}"),
    ("stripe-webhook-secret", "whsec_{an:32}"), ("square-token", "EAAA{w:60}"),
    ("square-token", "sq0atp-{w:22}"), ("square-token", "sq0csp-{w:43}"),
    ("braintree-token", "access_token$production${an_lower:16}$<<{hex:32}>>"),
    ("flutterwave-key", "FLWSECK-{hex:32}-X"), ("plaid-token", "access-production-{uuid}"),
    ("shippo-token", "shippo_live_{hex:40}"), ("easypost-key", "EZAK{an:54}"),
    ("slack-token", "xoxb-{d:10-13}-{d:10-13}-{an:24}"), ("slack-token", "xoxp-{d:12}-{d:12}-{d:12}-{hex:32}"),
    ("slack-token", "xapp-1-A{AN:10}-{d:13}-{hex:64}"), ("slack-token", "xoxe.xoxp-1-{AN:163}"),
    ("slack-webhook", "https://hooks.slack.com/services/T{AN:8}/B{AN:10}/<<{an:24}>>"),
    ("discord-bot-token", "{discord-id}.{w:6}.{w:38}"), ("discord-bot-token", "M{an:23}.{w:6}.{w:27}"),
    ("discord-webhook", "https://discord.com/api/webhooks/{d:18}/<<{w:68}>>"),
    ("telegram-bot-token", "{d:9}:AA{w:33}"), ("twilio-api-key", "SK{hex:32}"),
    ("twilio-auth-token", "curl -u AC{hex:32}:<<{hex:32}>> https://api.twilio.com/"),
    ("sendgrid-key", "SG.{w:22}.{w:43}"), ("mailgun-key", "MAILGUN_API_KEY=<<key-{hex:32}>>"),
    ("mailgun-key", "key-{an_lower:32}"),
    ("teams-webhook", "https://acme.webhook.office.com/webhookb2/{uuid}@{uuid}/IncomingWebhook/<<{hex:32}>>/{uuid}"),
    ("twitter-bearer-token", "AAAAAAAAAAAAAAAAAAAAA{an:90}"), ("facebook-token", "EAAC{an:150}"),
    ("openai-api-key", "sk-proj-{w:74}T3BlbkFJ{w:74}"), ("openai-api-key", "sk-svcacct-{w:58}T3BlbkFJ{w:58}"),
    ("openai-api-key", "sk-admin-{w:58}T3BlbkFJ{w:58}"), ("openai-api-key", "sk-{an:20}T3BlbkFJ{an:20}"),
    ("anthropic-api-key", "sk-ant-api03-{w:93}AA"), ("anthropic-api-key", "sk-ant-admin01-{w:93}AA"),
    ("openrouter-api-key", "sk-or-v1-{hex:64}"), ("huggingface-token", "hf_{L:34}"),
    ("huggingface-token", "api_org_{L:34}"), ("groq-api-key", "gsk_{an:52}"),
    ("replicate-token", "r8_{an:37}"), ("perplexity-api-key", "pplx-{an:48}"), ("xai-api-key", "xai-{an:80}"),
    ("langsmith-api-key", "lsv2_pt_{hex:32}_{hex:10}"), ("pinecone-api-key", "pcsk_{an:6}_{an:63}"),
    ("google-api-key", "AIzaSy{w:33}"),
    ("shopify-token", "shpat_{Hex:32}"), ("shopify-token", "shpss_{hex:32}"), ("linear-api-key", "lin_api_{an:40}"),
    ("atlassian-api-token", "ATATT3{w:186}"), ("postman-api-key", "PMAK-{hex:24}-{hex:34}"),
    ("notion-token", "ntn_{d:11}{an:35}"), ("notion-token", "secret_{an:43}"),
    ("airtable-token", "pat{an:14}.{hex:64}"), ("prefect-api-key", "pnu_{an:36}"),
    ("readme-api-key", "rdme_{an_lower:70}"), ("infracost-api-key", "ico-{an:32}"),
    ("octopus-api-key", "API-{AN:26}"), ("sourcegraph-token", "sgp_{hex:16}_{hex:40}"),
    ("adobe-client-secret", "p8e-{an:32}"), ("typeform-token", "tfp_{w:59}"), ("frameio-token", "fio-u-{w:64}"),
    ("scalingo-token", "tk-us-{w:48}"), ("mapbox-token", "sk.eyJ1Ijoi{an:30}.{w:22}"),
    ("dropbox-token", "sl.{w:135}"), ("1password-token", "ops_eyJ{b64:300}"),
    ("age-secret-key", "AGE-SECRET-KEY-1{age:58}"),
    ("grafana-token", "glc_{b64:60-120}"), ("grafana-token", "glsa_{an:32}_{Hex:8}"),
    ("newrelic-key", "NRAK-{AN:27}"), ("newrelic-key", "NRJS-{hex:19}"), ("newrelic-key", "NRII-{w:32}"),
    ("sentry-token", "sntryu_{hex:64}"), ("dynatrace-token", "dt0c01.{AN:24}.{an:64}"),
    ("jwt", "{jwt}"), ("bearer-token", "curl -H 'Authorization: Bearer <<{an:40}>>' https://api.acme.io"),
    ("basic-auth", "Authorization: Basic <<{basic}>>"),
    ("private-key", "-----BEGIN OPENSSH PRIVATE KEY-----\n<<{b64:70}\n{b64:70}\n{b64:30}>>\n"
                    "-----END OPENSSH PRIVATE KEY-----"),
    ("private-key", "-----BEGIN RSA PRIVATE KEY-----\n<<{b64:64}\n{b64:64}>>\n-----END RSA PRIVATE KEY-----"),
    ("private-key", "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n<<{b64:64}\n{b64:64}>>\n"
                    "-----END PGP PRIVATE KEY BLOCK-----"),
    ("database-url", "postgres://app:<<{an:16}>>@db.internal:5432/app"),
    ("database-url", "mongodb+srv://admin:<<{an:20}>>@cluster0.ab1cd.mongodb.net/prod"),
    ("database-url", "redis://:<<{an:24}>>@cache:6379/0"), ("database-url", "mysql://root:<<{an:12}>>@mysql:3306/app"),
    ("database-url", "amqp://celery:<<{an:14}>>@rabbit:5672//"),
    ("heroku-api-key", "HEROKU_API_KEY=<<{uuid}>>"), ("twilio-auth-token", "TWILIO_AUTH_TOKEN=<<{hex:32}>>"),
    ("password-assignment", "DB_PASSWORD=<<{an:20}>>"),
)
_SETTINGS = ("{token}", "API_KEY={token}\n", '{{"credentials": {{"value": "{token}"}}}}',
             "I pasted my key {token} by mistake, sorry")
_SETTING_FREE = ("aws-secret-key", "mailgun-key", "gcp-service-account", "azure-storage-key", "azure-sas-token",
                 "twilio-auth-token",
                 "bearer-token", "basic-auth", "private-key", "database-url", "heroku-api-key", "password-assignment",
                 "braintree-token", "slack-webhook", "discord-webhook", "teams-webhook")


def _jwt(rng: random.Random) -> str:
    import base64
    import json

    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")
    header = part({"alg": rng.choice(["HS256", "RS256", "ES256"]), "typ": "JWT"})
    payload = part({"sub": fill("{an:12}", rng), "iat": rng.randint(1.6e9, 1.8e9), "scope": "read write"})
    return f"{header}.{payload}.{fill('{w:43}', rng)}"


def _basic(rng: random.Random) -> str:
    import base64

    return base64.b64encode(f"deploy:{fill('{an:16}', rng)}".encode()).decode()


def _discord_id(rng: random.Random) -> str:
    """A bot's id (a Discord snowflake: 17 to 20 digits) in base64, as its token starts."""
    import base64

    return base64.b64encode(fill("1{d:%d}" % rng.randint(16, 19), rng).encode()).decode().rstrip("=")


def made_up(kind: str, template: str, rng: random.Random) -> tuple[str, str]:
    """A text holding one made-up credential of the format, and its secret part (marked
    `<<…>>` in the template; the whole value when unmarked)."""
    value = fill(template, rng)
    for field, make in (("{uuid}", _uuid), ("{jwt}", _jwt), ("{basic}", _basic), ("{discord-id}", _discord_id)):
        while field in value:
            value = value.replace(field, make(rng), 1)
    before, _, rest = value.partition("<<")
    secret, _, after = rest.partition(">>")
    value, secret = (before + secret + after, secret) if rest else (value, value)
    if kind in _SETTING_FREE:
        return value, secret
    return rng.choice(_SETTINGS).format(token=value), secret


def recall(per_format: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    found: Counter[str] = Counter()
    flagged: Counter[str] = Counter()
    tried: Counter[str] = Counter()
    misses: dict[str, list[str]] = defaultdict(list)
    for kind, template in FORMATS:
        for _ in range(per_format):
            text, token = made_up(kind, template, rng)
            leaks = scan(text)
            tried[kind] += 1
            flagged[kind] += bool(leaks)
            middle = token[len(token) // 3:-4]
            if any(leak.kind == kind for leak in leaks) and middle not in mask(text):
                found[kind] += 1
            elif len(misses[kind]) < 2:
                misses[kind].append(f"{template[:40]} -> {[leak.kind for leak in leaks]}")
    total, hits, any_hits = sum(tried.values()), sum(found.values()), sum(flagged.values())
    print(f"\nRecall on made-up tokens: {len(FORMATS)} formats x {per_format}, {total} tokens")
    print(f"  named correctly and masked: {hits}/{total} = {hits / total:.1%}")
    print(f"  flagged at all:             {any_hits}/{total} = {any_hits / total:.1%}")
    for kind in sorted(tried, key=lambda k: found[k] / tried[k]):
        if found[kind] < tried[kind]:
            print(f"  {kind}: {found[kind]}/{tried[kind]}", *misses[kind], sep="\n      ")


# --- real posts ----------------------------------------------------------------------------

def demo_texts() -> list[tuple[str, str]]:
    """Every post and reply of the demo, as the store holds them after loading it."""
    from inbox.demo.load import load_demo
    from inbox.store import Store

    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "demo.db")
        load_demo(store, now=now)
        texts = []
        for row in store.list_items(None, now=now, limit=100_000):
            item = store.item(row["key"], now=now) or {}
            texts += [(row["key"], item.get("title") or ""), (row["key"], item.get("body") or "")]
            texts += [(row["key"], reply["body"] or "") for reply in store.thread(row["key"])]
        store.close()
    return texts


def fixture_texts() -> list[tuple[str, str]]:
    """Every text file under tests/ (sources, JSON fixtures, SVG snapshots)."""
    texts = []
    for path in sorted((ROOT / "tests").rglob("*")):
        if path.is_file() and path.suffix in {".py", ".json", ".svg", ".txt", ".yaml", ".toml", ".md"}:
            texts.append((str(path.relative_to(ROOT)), path.read_text(encoding="utf-8", errors="replace")))
    return texts


def issue_posts(path: Path) -> list[tuple[str, str]]:
    csv.field_size_limit(sys.maxsize)
    with path.open(newline="", encoding="utf-8") as stream:
        return [(row["title"], row["body"]) for row in csv.DictReader(stream)]


def report_hits(name: str, texts: list[tuple[str, str]]) -> None:
    kinds: Counter[str] = Counter()
    lines = []
    for where, text in texts:
        for leak in scan(text):
            kinds[leak.kind] += 1
            before = mask(text[max(0, leak.start - 40):leak.start]).replace("\n", "⏎")
            lines.append(f"    {where}: {leak.kind} …{before}{leak.masked}")
    print(f"\n{name}: {len(texts)} texts, {sum(kinds.values())} findings"
          + (f" ({', '.join(f'{kind} {count}' for kind, count in kinds.most_common())})" if kinds else ""))
    print(*lines, sep="\n") if lines else None


def timing(posts: list[tuple[str, str]], runs: int) -> None:
    def ingest() -> None:
        for title, body in posts:
            if may_leak([title, body]):
                leaks_json([title, body])

    def scans() -> None:
        for title, body in posts:
            scan(title)
            scan(body)

    print(f"\nTime on the {len(posts)} labelled issues (CPU time, best of {runs}):")
    for name, work in (("ingest path (may_leak + leaks_json)", ingest), ("scan of title and body", scans)):
        best = min(_cpu(work) for _ in range(runs))
        print(f"  {name}: {best * 1000:.0f} ms in all, {best / len(posts) * 1e6:.0f} µs a post")
    size = sum(len(title) + len(body) for title, body in posts)
    print(f"  ({size / len(posts):,.0f} characters a post on average)")


def _cpu(work) -> float:
    started = time.process_time()
    work()
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=Path, default=ISSUES)
    parser.add_argument("--per-format", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    families = Counter(rule.family for rule in RULES)
    print(f"{len(RULES)} rules:", ", ".join(f"{family} {count}" for family, count in families.most_common()))
    report_hits("Demo", demo_texts())
    report_hits("Test files", fixture_texts())
    if args.issues.exists():
        posts = issue_posts(args.issues)
        report_hits("Labelled issues", [(f"issue {n}", text) for n, post in enumerate(posts, 1) for text in post])
        timing(posts, args.runs)
    else:
        print(f"\n{args.issues} not found: no false-alarm count or timing on real issues")
    recall(args.per_format)


if __name__ == "__main__":
    main()
