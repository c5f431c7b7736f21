"""Every credential format the scanner knows is found, named and masked in a realistic
paste; documentation samples of each stay quiet; hostile text stays fast.

Tokens are made up here from a fixed seed (no realistic token sits in this file): a
template such as `ghp_{an:36}` gets 36 random letters and digits. `[[…]]` marks the
span the finding must cover.
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
import time

import pytest

from inbox.text.leak_rules import NAMED, RULES, Rule
from inbox.text.leaks import mask, may_leak, scan

_ALPHABETS = {
    "an": string.ascii_letters + string.digits, "AN": string.ascii_uppercase + string.digits,
    "al": string.ascii_lowercase + string.digits, "hex": "0123456789abcdef", "HEX": "0123456789ABCDEF",
    "L": string.ascii_letters, "w": string.ascii_letters + string.digits + "_-",
    "b64": string.ascii_letters + string.digits + "+/", "d": string.digits,
    "age": "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", "az": string.ascii_letters + string.digits + "_",
}
_FIELD = re.compile(r"\{(\w+):(\d+)\}")


def made_up(template: str, seed: str) -> str:
    """The template with each `{alphabet:size}` drawn at random (from `seed`, so a case
    is the same on every run), until the draw mixes letters with digits where the
    alphabet has both (as real tokens do)."""
    rng = random.Random(f"20250301 {seed}")

    def draw(alphabet: str, size: int) -> str:
        both = set(alphabet) & set(string.digits) and set(alphabet) & set(string.ascii_letters)
        while True:
            value = "".join(rng.choice(alphabet) for _ in range(size))
            if not both or size < 8 or (any(c.isdigit() for c in value) and any(c.isalpha() for c in value)):
                return value

    def b64url(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    def jwt() -> str:
        header = b64url({"alg": "RS256", "typ": "JWT", "kid": draw(_ALPHABETS["hex"], 16)})
        payload = b64url({"sub": draw(_ALPHABETS["an"], 16), "iat": 1767225600, "scope": "repo:read"})
        return f"{header}.{payload}.{draw(_ALPHABETS['w'], 86)}"

    makers = {
        "{uuid}": lambda: "-".join(draw(_ALPHABETS["hex"], size) for size in (8, 4, 4, 4, 12)),
        "{jwt}": jwt,
        "{basic}": lambda: base64.b64encode(f"deploy-bot:{draw(_ALPHABETS['an'], 18)}".encode()).decode(),
        "{discord-id}": lambda: base64.b64encode(("1" + draw(string.digits, 18)).encode()).decode().rstrip("="),
    }
    text = _FIELD.sub(lambda match: draw(_ALPHABETS[match.group(1)], int(match.group(2))), template)
    for field, make in makers.items():
        while field in text:
            text = text.replace(field, make(), 1)
    return text


def rule_id(rule: Rule) -> str:
    return f"{rule.kind} {rule.marks[0][1] if rule.marks else rule.cues[0]}"


# rule id: (a paste holding one made-up credential, the prefix its mask shows)
SAMPLES: dict[str, tuple[str, str]] = {
    # cloud
    "aws-access-key AKIA": ("[default]\naws_access_key_id = [[AKIA{AN:16}]]\nregion = eu-west-1\n", "AKIA"),
    "aws-bedrock-key ABSK": ("export AWS_BEARER_TOKEN_BEDROCK=[[ABSK{b64:132}]]\n", "ABSK"),
    "google-api-key AIza": ('const firebaseConfig = {\n  apiKey: "[[AIzaSy{w:33}]]",\n};', "AIza"),
    "google-oauth-secret GOCSPX-": ('{"web": {"client_id": "1234.apps.googleusercontent.com", '
                                    '"client_secret": "[[GOCSPX-{w:28}]]"}}', "GOCSPX-"),
    "google-oauth-token ya29.": ("curl -H 'Authorization: Bearer [[ya29.a0{w:120}]]' "
                                 "https://www.googleapis.com/drive/v3/files", "ya29."),
    "azure-ad-client-secret Q~": ('AZURE_CLIENT_ID=8f1c2e34\nAZURE_CLIENT_SECRET="[[{an:3}8Q~{az:34}]]"\n', ""),
    "azure-sas-token sig=": ("GET https://acme.blob.core.windows.net/logs/app.log?sv=2022-11-02&ss=b&srt=o&sp=r"
                             "&se=2026-01-01T00:00:00Z&st=2025-01-01T00:00:00Z&spr=https&[[sig={an:43}%3D]] 403",
                             "sig="),
    "alibaba-access-key LTAI": ("ALIBABA_CLOUD_ACCESS_KEY_ID=[[LTAI5t{an:18}]]\n", "LTAI"),
    "digitalocean-token dop_v1_": ("doctl auth init --access-token [[dop_v1_{hex:64}]]", "dop_v1_"),
    "cloudflare-origin-ca-key v1.0-": ('origin_ca_key = "[[v1.0-{hex:24}-{hex:146}]]"', "v1.0-"),
    "heroku-api-key HRKU-": ("heroku config:set API=1 --app demo  # HEROKU_API_KEY=[[HRKU-AA{w:58}]]", "HRKU-"),
    "flyio-token fo1_": ("FLY_API_TOKEN: [[fo1_{w:43}]]", "fo1_"),
    "flyio-token fm1a_": ("fly deploy --access-token [[fm2_{b64:180}]]", "fm2_"),
    "vault-token hvs.": ("$ export VAULT_TOKEN=[[hvs.CAES{w:92}]]\n$ vault kv get secret/app", "hvs."),
    "terraform-token .atlasv1.": ('credentials "app.terraform.io" {\n  token = "[[{al:14}.atlasv1.{w:67}]]"\n}', ""),
    "pulumi-token pul-": ("PULUMI_ACCESS_TOKEN=[[pul-{hex:40}]] pulumi up", "pul-"),
    "doppler-token dp.pt.": ("DOPPLER_TOKEN=[[dp.pt.{an:43}]]", "dp.pt."),
    "databricks-token dapi": ("[DEFAULT]\nhost = https://adb-1234.azuredatabricks.net\ntoken = [[dapi{hex:32}]]\n",
                              "dapi"),
    "supabase-key sbp_": ("supabase login --token [[sbp_{hex:40}]]", "sbp_"),
    "supabase-key sb_secret_": ('createClient(url, "[[sb_secret_{w:32}]]")', "sb_secret_"),
    "planetscale-token pscale_tkn_": ("PLANETSCALE_SERVICE_TOKEN=[[pscale_tkn_{w:43}]]", "pscale_tkn_"),
    # source hosts
    "github-token ghp_": ("# .env\nGITHUB_TOKEN=[[ghp_{an:36}]]\nDEBUG=true\n", "ghp_"),
    "github-token github_pat_": ("git clone https://oauth2:[[github_pat_{an:22}_{an:59}]]@github.com/acme/app.git",
                                 "github_pat_"),
    "gitlab-token glpat-": ('curl --header "PRIVATE-TOKEN: [[glpat-{w:20}]]" "https://gitlab.com/api/v4/projects"',
                            "glpat-"),
    "gitlab-token GR1348941": ("gitlab-runner register --registration-token [[GR1348941{w:20}]]", "GR1348941"),
    # package registries
    "npm-token npm_": ("//registry.npmjs.org/:_authToken=[[npm_{an:36}]]\n", "npm_"),
    "pypi-token pypi-AgEIcHlwaS5vcmc": ("[pypi]\n  username = __token__\n"
                                        "  password = [[pypi-AgEIcHlwaS5vcmc{w:150}]]\n",
                                        "pypi-"),
    "rubygems-token rubygems_": ("---\n:rubygems_api_key: [[rubygems_{hex:48}]]\n", "rubygems_"),
    "nuget-key oy2": ("dotnet nuget push app.nupkg --api-key [[oy2{al:43}]] --source nuget.org", "oy2"),
    "dockerhub-token dckr_pat_": ("echo [[dckr_pat_{w:27}]] | docker login -u acme --password-stdin", "dckr_pat_"),
    "clojars-token CLOJARS_": ("CLOJARS_PASSWORD=[[CLOJARS_{al:60}]]", "CLOJARS_"),
    "artifactory-key AKCp": ("curl -H 'X-JFrog-Art-Api: [[AKCp{an:69}]]' https://acme.jfrog.io/artifactory/api",
                             "AKCp"),
    # payment
    "stripe-live-key sk_live_": ("STRIPE_SECRET_KEY=[[sk_live_{an:99}]]\nSTRIPE_PUBLISHABLE_KEY=pk_live_abc\n",
                                 "sk_live_"),
    "stripe-webhook-secret whsec_": ('endpoint_secret = "[[whsec_{an:32}]]"', "whsec_"),
    "square-token EAAA": ("SQUARE_ACCESS_TOKEN=[[EAAA{w:60}]]", "EAAA"),
    "square-token sq0csp-": ("square:\n  application_secret: [[sq0csp-{w:43}]]\n", "sq0csp-"),
    "braintree-token $production$": ("gateway = braintree.BraintreeGateway(access_token="
                                     '"[[access_token$production${al:16}${hex:32}]]")',
                                     "access_token$production$"),
    "flutterwave-key FLWSECK-": ("FLW_SECRET_KEY=[[FLWSECK-{hex:32}-X]]", "FLWSECK-"),
    "plaid-token access-production-": ('{"access_token": "[[access-production-{uuid}]]", "item_id": "x"}',
                                       "access-production-"),
    "shippo-token shippo_live_": ("Authorization: ShippoToken [[shippo_live_{hex:40}]]", "shippo_live_"),
    "easypost-key EZAK": ("EasyPost::Client.new(api_key: '[[EZAK{an:54}]]')", "EZAK"),
    # messaging
    "slack-token xoxb-": ('client = WebClient(token="[[xoxb-{d:12}-{d:13}-{an:24}]]")', "xoxb-"),
    "slack-webhook hooks.slack.com/": ("curl -X POST --data '{\"text\":\"hi\"}' "
                                       "https://[[hooks.slack.com/services/T{AN:8}/B{AN:10}/{an:24}]]",
                                       "hooks.slack.com/services/"),
    "discord-bot-token M": ("client.run('[[{discord-id}.{w:6}.{w:38}]]')", ""),
    "discord-webhook discord.com/api/webhooks/": ("DISCORD_WEBHOOK=https://[[discord.com/api/webhooks/1{d:18}/{w:68}]]",
                                                  "discord.com/api/webhooks/"),
    "telegram-bot-token A": ("requests.get('https://api.telegram.org/bot8123456789:[[AAH{w:32}]]/getMe')", ""),
    "twilio-api-key SK": ("TWILIO_API_KEY=[[SK{hex:32}]]\nTWILIO_ACCOUNT_SID=AC{hex:32}\n", "SK"),
    "twilio-auth-token AC": ("curl -X POST https://api.twilio.com/2010-04-01/Accounts.json -u "
                             "AC{hex:32}:[[{hex:32}]]", ""),
    "sendgrid-key SG.": ("sg = SendGridAPIClient('[[SG.{w:22}.{w:43}]]')", "SG."),
    "mailgun-key key-": ("requests.post(url, auth=('api', '[[key-{al:32}]]'))", "key-"),
    "teams-webhook webhook.office.com/": ("[[https://acme.webhook.office.com/webhookb2/{uuid}@{uuid}"
                                          "/IncomingWebhook/{hex:32}]]/{uuid}",
                                          "https://acme.webhook.office.com/webhookb2/"),
    "twitter-bearer-token AAAAAAAAAAAAAAAAAAAA": ("TWITTER_BEARER_TOKEN=[[AAAAAAAAAAAAAAAAAAAAA{an:9}AAAAAA{an:86}]]",
                                                  "AAAAAAAAAAAAAAAAAAAA"),
    "facebook-token EAA": ("GET https://graph.facebook.com/v19.0/me?access_token=[[EAAG{an:180}]]", "EAA"),
    # AI providers
    "openai-api-key sk-proj-": ('client = OpenAI(api_key="[[sk-proj-{w:74}T3BlbkFJ{w:74}]]")', "sk-proj-"),
    "openai-api-key sk-": ("OPENAI_API_KEY=[[sk-{an:20}T3BlbkFJ{an:20}]]", "sk-"),
    "anthropic-api-key sk-ant-": ("export ANTHROPIC_API_KEY=[[sk-ant-api03-{w:93}AA]]", "sk-ant-api03-"),
    "openrouter-api-key sk-or-v1-": ('headers = {"Authorization": f"Bearer {KEY}"}  # KEY=[[sk-or-v1-{hex:64}]]',
                                     "sk-or-v1-"),
    "huggingface-token hf_": ("huggingface-cli login --token [[hf_{L:34}]]", "hf_"),
    "huggingface-token api_org_": ("HF_ORG_TOKEN=[[api_org_{L:34}]]", "api_org_"),
    "groq-api-key gsk_": ("GROQ_API_KEY=[[gsk_{an:52}]]", "gsk_"),
    "replicate-token r8_": ("export REPLICATE_API_TOKEN=[[r8_{an:37}]]", "r8_"),
    "perplexity-api-key pplx-": ('{"api_key": "[[pplx-{an:48}]]"}', "pplx-"),
    "xai-api-key xai-": ("XAI_API_KEY=[[xai-{an:80}]]", "xai-"),
    "langsmith-api-key lsv2_pt_": ("LANGSMITH_API_KEY=[[lsv2_pt_{hex:32}_{hex:10}]]", "lsv2_pt_"),
    "pinecone-api-key pcsk_": ('pc = Pinecone(api_key="[[pcsk_{an:6}_{an:63}]]")', "pcsk_"),
    # developer services
    "shopify-token shpat_": ("X-Shopify-Access-Token: [[shpat_{hex:32}]]", "shpat_"),
    "linear-api-key lin_api_": ('new LinearClient({ apiKey: "[[lin_api_{an:40}]]" })', "lin_api_"),
    "linear-api-key lin_oauth_": ("LINEAR_TOKEN=[[lin_oauth_{hex:64}]]", "lin_oauth_"),
    "atlassian-api-token ATATT3": ("curl -u me@acme.io:[[ATATT3xFfGF0{w:170}={HEX:8}]] "
                                   "https://acme.atlassian.net/rest/api/3/myself", "ATATT3"),
    "postman-api-key PMAK-": ("postman login --with-api-key [[PMAK-{hex:24}-{hex:34}]]", "PMAK-"),
    "notion-token ntn_": ('const notion = new Client({ auth: "[[ntn_{d:11}{an:35}]]" })', "ntn_"),
    "notion-token secret_": ("NOTION_TOKEN=[[secret_{an:43}]]", "secret_"),
    "airtable-token pat": ("AIRTABLE_API_KEY=[[pat{an:14}.{hex:64}]]", "pat"),
    "prefect-api-key pnu_": ("prefect cloud login --key [[pnu_{an:36}]]", "pnu_"),
    "readme-api-key rdme_": ("rdme openapi --key=[[rdme_{al:70}]]", "rdme_"),
    "infracost-api-key ico-": ("INFRACOST_API_KEY=[[ico-{an:32}]]", "ico-"),
    "octopus-api-key API-": ("octo push --apiKey [[API-{AN:26}]] --server https://octo.acme.io", "API-"),
    "sourcegraph-token sgp_": ("SRC_ACCESS_TOKEN=[[sgp_{hex:16}_{hex:40}]]", "sgp_"),
    "adobe-client-secret p8e-": ("ADOBE_CLIENT_SECRET=[[p8e-{an:32}]]", "p8e-"),
    "typeform-token tfp_": ("TYPEFORM_TOKEN=[[tfp_{w:59}]]", "tfp_"),
    "frameio-token fio-u-": ("FRAMEIO_TOKEN=[[fio-u-{w:64}]]", "fio-u-"),
    "scalingo-token tk-us-": ("scalingo login --api-token [[tk-us-{w:48}]]", "tk-us-"),
    "mapbox-token sk.eyJ": ("MAPBOX_DOWNLOADS_TOKEN=[[sk.eyJ1IjoiYWNtZSIsImEiOiJ{an:24}.{w:22}]]", "sk."),
    "dropbox-token sl.": ('dbx = dropbox.Dropbox("[[sl.{w:140}]]")', "sl."),
    "1password-token ops_eyJ": ("OP_SERVICE_ACCOUNT_TOKEN=[[ops_eyJ{b64:400}]]", "ops_"),
    "age-secret-key AGE-SECRET-KEY-1": ("# created: 2025-01-01\n# public key: age1{al:58}\n"
                                        "[[AGE-SECRET-KEY-1{age:58}]]\n", "AGE-SECRET-KEY-1"),
    # observability
    "grafana-token glc_": ("GRAFANA_CLOUD_TOKEN=[[glc_eyJvIjoi{b64:100}]]", "glc_"),
    "grafana-token glsa_": ('Authorization: "Bearer [[glsa_{an:32}_{hex:8}]]"', "glsa_"),
    "newrelic-key NRAK-": ("NEW_RELIC_API_KEY=[[NRAK-{AN:27}]]", "NRAK-"),
    "newrelic-key NRJS-": ("NREUM.loader_config={licenseKey:\"[[NRJS-{hex:19}]]\"}", "NRJS-"),
    "newrelic-key NRII-": ("NEW_RELIC_INSERT_KEY=[[NRII-{w:32}]]", "NRII-"),
    "sentry-token sntrys_": ("SENTRY_AUTH_TOKEN=[[sntrys_eyJpYXQiOjE3M{b64:120}_{b64:43}]]", "sntrys_"),
    "sentry-token sntryu_": ("sentry-cli --auth-token [[sntryu_{hex:64}]] releases list", "sntryu_"),
    "dynatrace-token dt0c01.": ("DT_API_TOKEN=[[dt0c01.{AN:24}.{an:64}]]", "dt0c01."),
    # tokens in headers and commands
    "jwt eyJ": ("2025-01-01 12:00:01 DEBUG request headers: {'x-id-token': '[[{jwt}]]'}", ""),
    "bearer-token bearer": ("< 401 Unauthorized\n> GET /v1/me\n> Authorization: Bearer [[{an:40}]]\n", ""),
    "bearer-token authorization": ('fetch(url, { headers: { "Authorization": "token [[{an:40}]]" } })', ""),
    "basic-auth authorization": ("POST /rpc HTTP/1.1\r\nAuthorization: Basic [[{basic}]]\r\n", ""),
    "basic-auth curl": ("curl -u [[deploy:{an:14}]] https://ci.acme.io/api/json", "deploy:"),
}


def _cases() -> list:
    cases = []
    for rule in RULES:
        template, shown = SAMPLES[rule_id(rule)]
        text = made_up(template, rule_id(rule))
        before, _, rest = text.partition("[[")
        span, _, after = rest.partition("]]")
        cases.append(pytest.param(rule, before + span + after, len(before), span, shown, id=rule_id(rule)))
    return cases


def test_every_rule_has_one_sample_and_every_sample_a_rule():
    ids = [rule_id(rule) for rule in RULES]
    assert len(ids) == len(set(ids))
    assert set(SAMPLES) == set(ids)
    assert len(RULES) >= 90


@pytest.mark.parametrize("rule, text, start, span, shown", _cases())
def test_each_format_is_found_named_and_masked(rule, text, start, span, shown):
    leaks = scan(text)
    assert [(leak.kind, leak.label) for leak in leaks] == [(rule.kind, rule.label)]
    [leak] = leaks
    assert (leak.start, leak.end) == (start, start + len(span))
    # the rule itself found it (not another rule of the same name)
    assert any((match.start("shown") if match.groupdict().get("shown") is not None else match.start("secret"),
                match.end()) == (leak.start, leak.end) for match in rule.pattern.finditer(text))
    head, ellipsis, tail = leak.masked.partition("…")
    assert ellipsis and head == shown and len(tail) <= 4 and span.endswith(tail)
    hidden = mask(text)
    assert span[len(shown):len(span) - 4] not in hidden
    assert may_leak(["A title", text])


# --- documentation samples of each format ----------------------------------------------

_FILLERS = {"x": "x" * 64, "X": "X" * 64, "angle": "<your-token-here>", "dots": "...",
            "your": "YOUR_API_KEY_HERE_AND_SOME_MORE_TEXT_1234", "example": "EXAMPLEexample0123EXAMPLEexample0123",
            "sequence": "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
            "repeat": "abc123" * 12, "env": "${TOKEN}", "stars": "*" * 40}


@pytest.mark.parametrize("rule", [pytest.param(rule, id=rule_id(rule)) for rule in RULES if rule.starts])
def test_documentation_samples_of_each_format_stay_quiet(rule):
    """Each literal start of a rule followed by what docs put there instead of a token."""
    texts = [f"TOKEN={start}{filler}\n" for start in rule.starts for filler in _FILLERS.values()]
    assert [text for text in texts if scan(text)] == []


@pytest.mark.parametrize("text", [
    "MicrosoftVisualStudioCode.Editor.ExtensionHostProcessManager",  # dotted names, not Discord
    "cache hit for key-" + "0123456789abcdef" * 2,                    # a cache key, no Mailgun near
    "SG.com.example.platform.service.module.component.ClassNameHere",  # a package name
    "https://hooks.slack.com/services/T00000000/B00000000/" + "X" * 24,
    "curl -u user:password https://localhost/ and curl -u admin:admin123 http://x",
    "Authorization: Bearer <token>\nAuthorization: Bearer $GITHUB_TOKEN\nauthorization = request.headers.get('a')",
    "Authorization: Basic dXNlcjM6cGFzc3dvcmQz",  # user3:password3
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",  # the sample on jwt.io
    "eyJub3QiOiAiYSBqd3QifQ.eyJzdWIiOiAiMTIzIn0.c2lnbmF0dXJl",  # decodes, but names no algorithm
    "postgres://app:{password}@db:5432/app and redis://:${REDIS_PASSWORD}@cache",
    'ZD_TOKEN = "zdP0stingT0ken5ecretABCDEFGHIJ0123456789"',  # a made-up token a person typed
    'SECRET = "hunter2-very-secret"\nE2E_JIRA_TOKEN = "wr0ngT0ken9"',
    'INTERCOM_TOKEN = "dG9rOmUyZV9sb29wYmFja185ODc2NTQzMjEwOjE6MA=="',  # base64 of tok:e2e_loopback_9876543210
    "token: CancellationToken, options: RequestOptions",
    "Caused by: at line 12345:AnnotationConfigServletWebServerApp.java",  # a class, not a Telegram token
    "data:application/octet-stream;base64," + "A" * 24  # zeros, then data: not a Twitter token
    + "o7hRfp9mNCCElZfobqz3xhq9dMxOuQEO3Kid6Em6JT2rw2iVgQR60FmjGFe3FRnpavqAxZ3kykP8mVsaVvkBozBzKrffgGwYFR8d+/AAAA",
])
def test_lookalikes_stay_quiet(text):
    assert scan(text) == []


# --- names that say whose credential it is ----------------------------------------------

@pytest.mark.parametrize("text, kind", [
    ("aws_secret_access_key = [[{b64:40}]]", "aws-secret-key"),
    ('"SecretAccessKey": "[[{b64:40}]]"', "aws-secret-key"),
    ("AWS_SESSION_TOKEN=[[IQoJb3JpZ2luX2VjE{b64:200}]]", "aws-session-token"),
    ("DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=[[{b64:86}==]];EndpointSuffix=core.windows.net",
     "azure-storage-key"),
    ("Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=[[{b64:43}=]]",
     "azure-storage-key"),
    ("HEROKU_API_KEY=[[{uuid}]]", "heroku-api-key"),
    ("NPM_TOKEN=[[{uuid}]]", "npm-token"),
    ("TWILIO_AUTH_TOKEN=[[{hex:32}]]", "twilio-auth-token"),
    ("DD_API_KEY=[[{hex:32}]]", "datadog-api-key"),
    ("DISCORD_CLIENT_SECRET=[[{hex:64}]]", "discord-token"),
    ("MAILCHIMP_API_KEY=[[{hex:32}-us21]]", "mailchimp-api-key"),
    ("COHERE_API_KEY=[[{an:40}]]", "cohere-api-key"),
    ("client_secret: [[{an:40}]]", "password-assignment"),
])
def test_a_name_that_says_whose_it_is_names_the_secret(text, kind):
    text = made_up(text, kind)
    before, _, rest = text.partition("[[")
    secret, _, after = rest.partition("]]")
    text = before + secret + after
    [leak] = scan(text)
    assert leak.kind == kind and text[leak.start:leak.end] == secret
    assert leak.label in {"Secret value", *(named.label for named in NAMED if named.kind == kind)}


# --- hostile text ------------------------------------------------------------------------

@pytest.mark.parametrize("rule", [pytest.param(rule, id=rule_id(rule)) for rule in RULES])
def test_every_rule_stays_fast_on_hostile_text(rule):
    """The rule's mark repeated, followed by a long body, and many near-tokens: 200 kB each."""
    size = 200_000
    mark = rule.marks[0][1] if rule.marks else rule.cues[0]
    for text in (mark * (size // len(mark)), mark + "a" * size, (mark + "A1b2" * 10 + " ") * (size // 60)):
        started = time.process_time()
        scan(text)
        assert time.process_time() - started < 1.0  # about 0.01 s on a laptop; linear time


@pytest.mark.parametrize("text", [pytest.param(text, id=name) for name, text in {
    "letters": "a" * 1_000_000,
    "base64": "".join(random.Random(3).choices(string.ascii_letters + string.digits + "+/", k=1_000_000)),
    "words": "a " * 500_000,
    "prefixes": "ghp_" * 250_000,
    "jwt-starts": "eyJ" * 333_333,
    "jwt-parts": ("eyJ" + "a" * 20 + ".") * 40_000,
    "bearer": "Bearer " * 150_000,
    "authorization": "Authorization: " * 70_000,
    "webhooks": "https://hooks.slack.com/services/" * 30_000,
    "dashes": "-" * 1_000_000,
    "slashes": "/" * 1_000_000,
}.items()])
def test_a_megabyte_of_hostile_text_stays_linear(text):
    started = time.process_time()
    scan(text)
    assert time.process_time() - started < 2.0  # under 0.1 s on a laptop
