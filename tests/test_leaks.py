"""Credentials pasted into posts are found and masked; samples and prose are left alone.

Fake tokens are generated from a fixed seed, so no realistic token sits in this file.
"""

import dataclasses
import json
import random
import string
import subprocess
import sys
import time

import pytest

from inbox.text.leaks import Leak, describe, leaks_json, mask, scan

_RNG = random.Random(20240611)
LOWER, UPPER, DIGITS = string.ascii_lowercase, string.ascii_uppercase, string.digits
ALNUM = LOWER + UPPER + DIGITS
BASE64 = ALNUM + "+/"
SYMBOLS = "!#%+-_^~="


def rand(size: int, alphabet: str = ALNUM) -> str:
    """A random string; with letters and digits in it whenever the alphabet has both."""
    mixed = set(alphabet) & set(DIGITS) and set(alphabet) & set(LOWER + UPPER)
    while True:
        value = "".join(_RNG.choice(alphabet) for _ in range(size))
        if not mixed or (any(c.isdigit() for c in value) and any(c.isalpha() for c in value)):
            return value


def digits(size: int) -> str:
    return "".join(_RNG.choice(DIGITS) for _ in range(size))


def github(kind: str = "p") -> str:
    return "gh" + kind + "_" + rand(36)


def slack(kind: str = "b") -> str:
    return "xox" + kind + "-" + digits(12) + "-" + digits(13) + "-" + rand(24)


def aws(prefix: str = "AK") -> str:
    return prefix + "IA" + rand(16, UPPER + DIGITS)


def webhook() -> str:
    return ("https://hooks.slack.com/services/T" + rand(8, UPPER + DIGITS)
            + "/B" + rand(10, UPPER + DIGITS) + "/" + rand(24))


def key_lines(count: int = 4, newline: str = "\n") -> str:
    return newline.join(rand(64, BASE64) for _ in range(count))


def key_block(label: str, newline: str = "\n", headers: str = "") -> str:
    return (f"-----BEGIN {label}-----{newline}{headers}{key_lines(newline=newline)}{newline}"
            f"-----END {label}-----")


def generic() -> str:
    return rand(20, ALNUM + SYMBOLS)


# --- true positives: (text, kind, secret, shown prefix) --------------------------------

def _true_positives() -> list:
    cases = []

    def case(name: str, text: str, kind: str, secret: str, head: str = "") -> None:
        cases.append(pytest.param(text, kind, secret, head, id=name))

    token = github()
    case("dotenv-github", f"# .env\nGITHUB_TOKEN={token}\nDEBUG=true\n", "github-token", token, "ghp_")
    token = github("o")
    case("curl-authorization-header",
         f'curl -H "Authorization: token {token}" https://api.github.com/user',
         "github-token", token, "gho_")
    token = "github" + "_pat_" + rand(82, ALNUM + "_")
    case("git-remote-fine-grained",
         f"git remote set-url origin https://x-access-token:{token}@github.com/acme/app.git",
         "github-token", token, "github_pat_")
    token = github("s")
    case("json-installation-token",
         f'{{"installation": 42, "token": "{token}", "expires_at": "2024-06-01T00:00:00Z"}}',
         "github-token", token, "ghs_")
    token = github("u")
    case("actions-step", f"- uses: actions/checkout@v4\n  with:\n    token: {token}\n",
         "github-token", token, "ghu_")
    token = "gl" + "pat-" + rand(20, ALNUM + "_-")
    case("gitlab-curl-header",
         f'curl --header "PRIVATE-TOKEN: {token}" "https://gitlab.com/api/v4/projects"',
         "gitlab-token", token, "glpat-")
    token = "gl" + "dt-" + rand(20)
    case("gitlab-deploy-token", f"docker login -u gitlab+deploy-token-7 -p {token} registry.gitlab.com",
         "gitlab-token", token, "gldt-")
    token = "gl" + "rt-" + rand(24, ALNUM + "_-")
    case("gitlab-runner-toml", f'[[runners]]\n  url = "https://gitlab.com"\n  token = "{token}"\n',
         "gitlab-token", token, "glrt-")
    token = slack("b")
    case("slack-bot-python", f'client = WebClient(token="{token}")', "slack-token", token, "xoxb-")
    token = slack("p")
    case("slack-user-dotenv-crlf", f"SLACK_USER_TOKEN={token}\r\nPORT=3000\r\n",
         "slack-token", token, "xoxp-")
    token = "xa" + "pp-1-A" + rand(10, UPPER + DIGITS) + "-" + digits(13) + "-" + rand(64, LOWER + DIGITS)
    case("slack-app-markdown-fence", f"```yaml\nslack:\n  app_token: {token}\n```\n",
         "slack-token", token, "xapp-")
    url = webhook()  # the scheme stays in sight: the URL is masked from its host on
    case("slack-webhook-curl",
         "curl -X POST -H 'Content-type: application/json' --data '{\"text\":\"hi\"}' " + url,
         "slack-webhook", url.removeprefix("https://"), "hooks.slack.com/services/")
    url = webhook()
    case("slack-webhook-json", f'{{"notify": {{"slack": "{url}"}}}}',
         "slack-webhook", url.removeprefix("https://"), "hooks.slack.com/services/")
    token = aws("AK")
    case("aws-credentials-file", f"[default]\naws_access_key_id = {token}\nregion = eu-west-1\n",
         "aws-access-key", token, "AKIA")
    token = aws("AS")
    case("aws-session-export", f"$ export AWS_ACCESS_KEY_ID={token}\n$ aws s3 ls",
         "aws-access-key", token, "ASIA")
    token = "AI" + "za" + rand(35, ALNUM + "_-")
    case("google-firebase-config",
         f'const firebaseConfig = {{\n  apiKey: "{token}",\n  authDomain: "demo.firebaseapp.com",\n}};',
         "google-api-key", token, "AIza")
    token = "AI" + "za" + rand(35, ALNUM + "_-")
    case("google-maps-url",
         f"GET https://maps.googleapis.com/maps/api/geocode/json?address=Paris&key={token} 403",
         "google-api-key", token, "AIza")
    token = "sk" + "_live_" + rand(32)
    case("stripe-dotenv", f"STRIPE_SECRET_KEY={token}\nSTRIPE_PUBLISHABLE_KEY=pk_live_abc\n",
         "stripe-live-key", token, "sk_live_")
    token = "rk" + "_live_" + rand(40)
    case("stripe-restricted-python", f'stripe.api_key = "{token}"', "stripe-live-key", token, "rk_live_")

    block = key_block("RSA PRIVATE KEY")
    case("rsa-key-markdown-fence", f"Is this the right format?\n```\n{block}\n```\n",
         "private-key", block, "-----BEGIN RSA PRIVATE KEY-----")
    begin = "-----BEGIN OPENSSH PRIVATE KEY-----"
    truncated = begin + "\n" + key_lines(2)
    case("openssh-key-truncated", f"my key:\n{truncated}\n(rest cut off)\n",
         "private-key", truncated, begin)
    block = key_block("EC PRIVATE KEY")
    case("ec-key", f"key.pem:\n{block}\n", "private-key", block, "-----BEGIN EC PRIVATE KEY-----")
    block = key_block("PRIVATE KEY", newline="\\n")
    case("pkcs8-key-in-service-account-json",
         f'{{"type": "service_account", "private_key": "{block}\\n", "client_email": "x@y.iam"}}',
         "gcp-service-account", block, "-----BEGIN PRIVATE KEY-----")
    block = key_block("PGP PRIVATE KEY BLOCK", headers="Version: GnuPG v2\n\n")
    case("pgp-key-block", block, "private-key", block, "-----BEGIN PGP PRIVATE KEY BLOCK-----")
    block = key_block("ENCRYPTED PRIVATE KEY")
    case("encrypted-key", f"> {block}", "private-key", block, "-----BEGIN ENCRYPTED PRIVATE KEY-----")
    block = key_block("DSA PRIVATE KEY", newline="\r\n")
    case("dsa-key-crlf", f"id_dsa:\r\n{block}\r\n", "private-key", block, "-----BEGIN DSA PRIVATE KEY-----")

    password = rand(16)
    case("stack-trace-postgres-dsn",
         "Traceback (most recent call last):\n  File \"app.py\", line 3, in <module>\n"
         "sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) could not connect to server\n"
         f'  engine = create_engine("postgresql://app:{password}@db.internal:5432/app")\n',
         "database-url", password)
    password = rand(12)
    case("compose-redis-empty-user",
         f"services:\n  worker:\n    environment:\n      REDIS_URL: redis://:{password}@cache:6379/0\n",
         "database-url", password)
    password = rand(14)
    case("mongodb-srv", f"mongoose.connect('mongodb+srv://admin:{password}@cluster0.ab1cd.mongodb.net/prod')",
         "database-url", password)
    password = rand(10)
    case("amqp-celery", f"CELERY_BROKER_URL = 'amqp://celery:{password}@rabbit:5672//'",
         "database-url", password)
    password = rand(18, ALNUM + "!~")
    case("pip-index-url", f"pip install --index-url https://deploy:{password}@pypi.acme.internal/simple core",
         "url-password", password)
    case("short-url-password", "DATABASE_URL=mysql://root:hunter2@mysql:3306/app",
         "database-url", "hunter2")

    value = generic()
    case("dotenv-db-password", f"DB_HOST=db\nDB_PASSWORD={value}\nDB_PORT=5432\n",
         "password-assignment", value)
    value = generic()
    case("json-client-secret", f'{{"client_id": "inbox-app", "client_secret": "{value}"}}',
         "password-assignment", value)
    value = generic()
    case("compose-postgres-password", f'    environment:\n      POSTGRES_PASSWORD: "{value}"\n',
         "password-assignment", value)
    value = rand(50, ALNUM + "!@#%^*(-_=+)")
    case("django-secret-key", f"SECRET_KEY = '{value}'", "password-assignment", value)
    value = rand(40, BASE64)
    case("aws-secret-access-key", f"[prod]\naws_secret_access_key = {value}\n", "aws-secret-key", value)
    value = "/" + rand(20) + "/" + rand(19)
    case("secret-starting-with-slash", f"AWS_SECRET_ACCESS_KEY={value}", "password-assignment", value)
    value = "AQoDYXdzEJr" + "/" * 10 + "wEa" + rand(300, BASE64)
    case("aws-session-token", f"export AWS_SESSION_TOKEN={value}\n", "aws-session-token", value)
    value = rand(32)
    case("api-key-header", f'curl -H "X-Api-Key: {value}" https://api.acme.io/v1/items',
         "password-assignment", value)
    value = generic()
    case("camel-case-auth-token", f"const client = new Client({{ authToken: '{value}' }});",
         "password-assignment", value)
    value = rand(24)
    case("access-token-query", f"GET /api/me?access_token={value}&fields=id HTTP/1.1",
         "password-assignment", value)
    value = generic()
    case("prose-password", f"I reset it, my password: {value}. Still failing.", "password-assignment", value)
    value = generic()
    case("escaped-json-in-log",
         'payload="{\\"user\\": \\"ann\\", \\"password\\": \\"' + value + '\\"}"',
         "password-assignment", value)
    value = generic()
    case("ansi-coloured-log", f"\x1b[33mWARN\x1b[0m token={value} rejected", "password-assignment", value)
    value = rand(24)
    case("yaml-api-key", f"openai:\n  api_key: {value}\n  model: gpt-4\n", "password-assignment", value)
    return cases


TRUE_POSITIVES = _true_positives()


def test_true_positive_table_is_broad():
    kinds = {case.values[1] for case in TRUE_POSITIVES}
    assert len(TRUE_POSITIVES) >= 25
    assert kinds >= {"github-token", "gitlab-token", "slack-token", "slack-webhook", "aws-access-key",
                     "google-api-key", "stripe-live-key", "private-key", "url-password", "database-url",
                     "password-assignment", "aws-secret-key", "gcp-service-account"}


@pytest.mark.parametrize("text, kind, secret, head", TRUE_POSITIVES)
def test_finds_the_secret_and_masks_it(text, kind, secret, head):
    leaks = scan(text)
    assert [leak.kind for leak in leaks] == [kind]
    leak = leaks[0]
    assert text[leak.start:leak.end] == secret
    shown, ellipsis, tail = leak.masked.partition("…")
    assert ellipsis and shown == head
    assert len(tail) <= 4 and len(tail) <= len(secret) // 4 and secret.endswith(tail)
    masked = mask(text)
    assert secret not in masked
    middle = secret[len(head):len(secret) - 4]
    assert middle and middle not in masked


# --- false positives -------------------------------------------------------------------

def _false_positives() -> list:
    hex40 = rand(40, "0123456789abcdef")
    hex64 = rand(64, "0123456789abcdef")
    uuid = "-".join(rand(size, "0123456789abcdef") for size in (8, 4, 4, 4, 12))
    cases = [
        ("github-sample-x", "GITHUB_TOKEN=ghp_" + "X" * 36),
        ("github-sample-lower-x", "export GITHUB_TOKEN=ghp_xxxxxxxx…"),
        ("github-stars", "token: ghp_************"),
        ("github-angle", "export GITHUB_TOKEN=ghp_<your-token>"),
        ("github-digits-only", "ghp_" + "1234567890" * 3 + "123456"),
        ("github-repeated-chunk", "ghp_" + "abc123" * 6),
        ("github-one-char", "ghp_" + "a" * 36),
        ("github-too-long", "ghp_" + rand(40)),
        ("github-alphabet", "ghp_" + string.ascii_lowercase + string.ascii_uppercase[:10]),
        ("gitlab-sample", "PRIVATE-TOKEN: glpat-" + "x" * 20),
        ("gitlab-words", "PRIVATE-TOKEN: glpat-my-secret-gitlab-token"),
        ("aws-docs-example", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE"),
        ("aws-sample-x", "AWS_ACCESS_KEY_ID=AKIA" + "X" * 16),
        ("aws-docs-secret", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        ("slack-prefix-alone", "Use an xoxb- token, not an xoxp- one."),
        ("slack-webhook-sample", "https://hooks.slack.com/services/T00000000/B00000000/" + "X" * 24),
        ("stripe-test-key", "STRIPE_SECRET_KEY=sk_test_" + rand(24)),
        ("stripe-publishable-key", "Stripe.setPublishableKey('pk_live_" + rand(24) + "')"),
        ("prose-vault", "The password is in the vault, ask Sam for the token."),
        ("type-annotation", "token: string\nclient_secret: str = Field(...)"),
        ("word-value", "password=secret"),
        ("short-password", "password: hunter2"),
        ("passphrase-with-spaces", '{"password": "correct horse battery staple"}'),
        ("git-sha", f"Fixed in {hex40}, see the changelog."),
        ("sha256", f"sha256: {hex64}  community-inbox-0.1.0.tar.gz"),
        ("uuid-alone", f"request id {uuid} failed"),
        ("uuid-token-value", f"token={uuid}"),
        ("url-user-only", "clone https://rhys@git.acme.io/app.git or https://git.acme.io:8080/"),
        ("url-docs-password", "postgres://user:password@localhost:5432/db"),
        ("url-guest-default", "BROKER=amqp://guest:guest@localhost:5672//"),
        ("url-angle-placeholders", "mongodb+srv://<user>:<password>@cluster0.mongodb.net/test"),
        ("url-env-placeholder", "redis://:${REDIS_PASSWORD}@cache:6379"),
        ("email", "Mail rhys.owen@example.org or token-owner@acme.io"),
        ("version", "token: v2.13.0-rc.1\nsecret: 1.2.3"),
        ("function-call", "password=get_password()\npassword = os.getenv('DB_PASSWORD')"),
        ("attribute", "token=self.token\nsecret = settings.SECRET_KEY"),
        ("same-name", "password=password, api_key=DEFAULT_API_KEY, token=userAuthToken"),
        ("shell-vars", "DB_PASSWORD=${DB_PASSWORD}\nAPI_KEY=$API_KEY\nPWD=/home/rhys/projects/app"),
        ("templates", "password: {{ db_password }}\ntoken: <token>\nsecret = %(secret)s"),
        ("environ", 'api_key = os.environ["API_KEY"]'),
        ("elided", "password: ****\ntoken: ...\nsecret: …"),
        ("placeholder-words", ("password: changeme123!\napi_key: YOUR_API_KEY_HERE\nsecret: 'REDACTED'\n"
                               "token=dummy-token-1234\nclient_secret: Sample$Secret99")),
        ("actions-secret", "token: ${{ secrets.GITHUB_TOKEN }}"),
        ("not-a-keyword-name", "password_hash: $2b$12$" + rand(53, ALNUM + "./") + "\ntokenizer: bert-base-uncased"),
        ("key-in-prose", "-----BEGIN RSA PRIVATE KEY----- is how the file starts."),
        ("key-block-elided", "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA...\n-----END RSA PRIVATE KEY-----"),
        ("markup", "[password](https://docs.acme.io/password) **token**: see docs"),
        ("lorem", "Lorem ipsum dolor sit amet, consectetur adipiscing elit: sed do eiusmod tempor."),
        ("comparison", "if password == stored_password_hash_value:"),
    ]
    return [pytest.param(text, id=name) for name, text in cases]


FALSE_POSITIVES = _false_positives()


def test_false_positive_table_is_broad():
    assert len(FALSE_POSITIVES) >= 25


@pytest.mark.parametrize("text", FALSE_POSITIVES)
def test_leaves_samples_and_prose_alone(text):
    assert scan(text) == []
    assert mask(text) == text


# --- mask, describe, edges -------------------------------------------------------------

def _env_file() -> tuple[str, dict[str, str]]:
    secrets = {"github": github(), "aws": aws(), "password": generic(), "dsn": rand(16)}
    text = (f"GITHUB_TOKEN={secrets['github']}\n"
            f"AWS_ACCESS_KEY_ID={secrets['aws']}\n"
            f"DB_PASSWORD='{secrets['password']}'\n"
            f"DATABASE_URL=postgres://app:{secrets['dsn']}@db:5432/app\n")
    return text, secrets


def test_mask_replaces_every_secret_and_keeps_the_rest():
    text, secrets = _env_file()
    expected = (f"GITHUB_TOKEN=ghp_…{secrets['github'][-4:]}\n"
                f"AWS_ACCESS_KEY_ID=AKIA…{secrets['aws'][-4:]}\n"
                f"DB_PASSWORD='…{secrets['password'][-4:]}'\n"
                f"DATABASE_URL=postgres://app:…{secrets['dsn'][-4:]}@db:5432/app\n")
    assert mask(text) == expected
    for secret in secrets.values():
        assert secret not in mask(text)


def test_scan_is_ordered_and_labelled():
    text, _ = _env_file()
    leaks = scan(text)
    assert [leak.kind for leak in leaks] == ["github-token", "aws-access-key", "password-assignment",
                                            "database-url"]
    assert [leak.label for leak in leaks] == ["GitHub token", "AWS access key", "Secret value",
                                             "Database password in URL"]
    assert [leak.start for leak in leaks] == sorted(leak.start for leak in leaks)


def test_a_token_in_an_assignment_or_url_is_one_leak():
    token = github()
    for text in (f"GITHUB_TOKEN={token}", f'{{"token": "{token}"}}',
                 f"https://x-access-token:{token}@github.com/acme/app.git"):
        assert [leak.kind for leak in scan(text)] == ["github-token"]


def test_describe_names_each_distinct_leak_once_in_order():
    token, key = github(), aws()
    leaks = scan(f"{token} then {key} and again {token}")
    assert len(leaks) == 3
    assert describe(leaks) == f"GitHub token ghp_…{token[-4:]}, AWS access key AKIA…{key[-4:]}"
    assert describe([]) == ""


def test_leaks_json_keeps_masked_findings_only():
    token, password = github(), generic()
    stored = leaks_json(["Title", f"token {token}", None, f"password: {password}", f"again {token}"])
    assert token not in stored and password not in stored
    assert json.loads(stored) == [
        {"kind": "github-token", "label": "GitHub token", "masked": f"ghp_…{token[-4:]}"},
        {"kind": "password-assignment", "label": "Secret value", "masked": f"…{password[-4:]}"},
    ]
    assert leaks_json(["nothing here", None, ""]) is None


@pytest.mark.parametrize("text", [None, ""])
def test_nothing_in_nothing_out(text):
    assert scan(text) == []
    assert mask(text) == ""


def test_text_without_secrets_is_unchanged():
    text = "Hi! The build fails on\r\nPython 3.12 with `ImportError` \x1b[31m[red]\x1b[0m."
    assert mask(text) == text


def test_leak_is_immutable():
    leak = scan(github())[0]
    assert isinstance(leak, Leak)
    with pytest.raises(dataclasses.FrozenInstanceError):
        leak.start = 0


def test_huge_text_finds_the_token_at_the_end():
    token = github()
    text = "Lorem ipsum dolor sit amet, password is in the vault. " * 2000 + token
    assert len(text) > 100_000
    assert [(leak.start, leak.end) for leak in scan(text)] == [(len(text) - 40, len(text))]


@pytest.mark.parametrize("text", [
    "password=" * 20_000,
    "://a:" * 30_000 + "@",
    "-----BEGIN PRIVATE KEY-----\n" * 5_000,
    "ghp_" + "a" * 100_000,
    "glpat-" + "-" * 100_000,
    "a_" * 60_000,
    "token: " + "x" * 100_000,
    "\\n" * 60_000,
])
def test_hostile_input_stays_fast(text):
    started = time.perf_counter()
    scan(text)
    assert time.perf_counter() - started < 2.0


def test_scanner_does_not_import_textual():
    code = ("import sys, inbox.text.leaks\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_upgrading_an_older_database_scans_what_it_already_holds(tmp_path) -> None:
    """Items stored before the scanner existed are flagged when the database is upgraded."""
    import sqlite_utils

    from inbox.store import migrations

    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    for function in migrations.MIGRATIONS[:2]:
        function(db)
        db.execute("INSERT INTO _migrations VALUES (?, datetime('now'))", [function.__name__])
    leaked = "xoxb-" + "2048163592-7310824651938-Qm4ZtR8vWk2LpX9nBc6YhJ3s"
    db["items"].insert({"key": "forum:1", "source": "forum", "kind": "discourse", "external_id": "1",
                        "title": "Bot cannot post", "body": "fine here", "created_at": "2026-11-01T00:00:00Z",
                        "last_activity_at": "2026-11-01T00:00:00Z"})
    db["thread"].insert({"key": "forum:1", "reply_id": "2", "author": "pat", "created_at": "2026-11-02T00:00:00Z",
                         "body": f"my config: SLACK_TOKEN={leaked}"})
    db.conn.commit()
    db.close()
    from datetime import datetime, timezone

    from inbox.store import Store

    store = Store(path)
    [row] = store.list_items("is:leak", now=datetime(2026, 11, 21, tzinfo=timezone.utc))
    assert row["key"] == "forum:1" and "Slack token" in row["leaks"] and leaked not in row["leaks"]
    store.close()
