"""The credential formats the leak scanner knows, one named rule per format, as data.

Each rule is written from its provider's documented format: a literal start (`ghp_`,
`AKIA`, `sk-proj-`...) or a fixed mark inside the token, a bounded body, and a check on
what was found (random enough, a JWT header that decodes, a webhook's ids). What calls a
rule is cheap and listed with it, so the scanner never runs a regex that cannot match:

* `marks`: (offset, literal) pairs. The scanner finds the runs of 20 or more token
  characters once; a run with the literal at that offset (most marks are prefixes, at
  offset 0) makes the rule's pattern run at the run's start, and nowhere else.
* `cues`: lower-case words. When one occurs anywhere in the text (one substring search
  each), the pattern runs over the text.

Patterns name the secret `secret` and, optionally, the part a mask may show `shown`
(a prefix, a URL up to the secret); a finding spans from `shown` (or `secret`) to the
end of the match. Bodies are bounded and patterns anchored on a literal or a mark, so
time stays linear in the text.

`NAMED` is for `name = value` pairs: a value of the shape a provider's credential takes,
under a name that says whose it is (`aws_secret_access_key`, `HEROKU_API_KEY`), is
named after the provider rather than reported as a generic secret.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from inbox.text.leak_checks import (CODE_NAME, b64decode, basic_credentials, generic_secret, jwt_header,
                                    plausible_password, random_enough)

# Overlaps go to the most specific finding: a known token format beats a password in a
# URL or a bearer token, which beats a generic `name = value` guess.
SPECIFIC, CONTEXT, GENERIC = 0, 1, 2

Check = Callable[[re.Match[str]], bool]


def _random(match: re.Match[str]) -> bool:
    return random_enough(match["secret"])


def _random_letters(match: re.Match[str]) -> bool:
    return random_enough(match["secret"], digits=False)


def _discord(match: re.Match[str]) -> bool:
    """A Discord bot token starts with the bot's numeric id in base64; failing that, its
    first and last parts are random with digits in them (a dotted CamelCase name is not)."""
    first, _, rest = match["secret"].partition(".")
    last = rest.partition(".")[2]
    if (decoded := b64decode(first)) and decoded.isdigit():
        return random_enough(last)
    return all(random_enough(part) and any(char.isdigit() for char in part) for part in (first, last))


def _mailgun(match: re.Match[str]) -> bool:
    """`key-` and 32 letters and digits. When they are all hex digits it may be a cache
    key named after a hash, so the provider's name must be near."""
    secret = match["secret"]
    if re.fullmatch("[0-9a-f]+", secret):
        around = match.string[max(0, match.start() - 300):match.end() + 300]
        if "mailgun" not in around.lower():
            return False
    return random_enough(secret)


def _with_digits(match: re.Match[str]) -> bool:
    """Random, with digits in it: a CamelCase name of the same length has none."""
    return random_enough(match["secret"]) and any(char.isdigit() for char in match["secret"])


def _jwt(match: re.Match[str]) -> bool:
    return jwt_header(match["secret"])


def _bearer(match: re.Match[str]) -> bool:
    """A header's value, not code that reads one (`request.headers.get(…)`)."""
    secret = match["secret"]
    return (generic_secret(secret) and not CODE_NAME.fullmatch(secret)
            and not match.string.startswith("(", match.end()))


def _basic(match: re.Match[str]) -> bool:
    return basic_credentials(match["secret"])


def _user_password(match: re.Match[str]) -> bool:
    """`curl -u user:password`: an option of its own, and a password of six or more."""
    start = match.start()
    return ((not start or match.string[start - 1] in " \t\"'") and len(match["secret"]) >= 6
            and plausible_password(match["shown"][:-1], match["secret"]))


_SAS_FIELDS = re.compile(r"[?&](?:sv|se|sp|sr|spr|srt)=")


def _sas(match: re.Match[str]) -> bool:
    """A SAS signature comes with the token's other fields (version, expiry) in one URL."""
    url = match.string[max(0, match.start() - 600):match.start()].split()
    return bool(url) and bool(_SAS_FIELDS.search(url[-1])) and random_enough(match["secret"])


def _webhook(match: re.Match[str]) -> bool:
    """A webhook's ids are varied (not `T00000000/B00000000`) and its secret random."""
    ids = re.sub(r"[^A-Za-z0-9]", "", match["ids"])
    return len(set(ids)) >= 6 and random_enough(match["secret"], digits=False)


@dataclass(frozen=True)
class Rule:
    """One credential format: what it is called and how it is found and judged."""

    kind: str
    """Stored with the finding (`leaks` JSON); several rules may share one."""
    label: str
    """What the preview and `describe` call it: "GitHub token"."""
    family: str
    """The kind of provider, for the README and the benchmark: cloud, payment…"""
    pattern: re.Pattern[str]
    """Groups `secret` (what is masked) and, optionally, `shown` (what the mask keeps)."""
    marks: tuple[tuple[int, str], ...] = ()
    """(offset, literal) in a long run of token characters that call for the rule."""
    cues: tuple[str, ...] = ()
    """Lower-case words anywhere in the text that call for the rule."""
    check: Check = _random
    """Whether a match is a credential rather than a sample or a lookalike."""
    priority: int = SPECIFIC
    """Which finding wins an overlap: SPECIFIC, then CONTEXT, then GENERIC."""
    starts: tuple[str, ...] = field(default=(), repr=False)
    """The literal starts of the token, so the generic rule leaves such values to this one."""


def token(kind: str, label: str, family: str, starts: tuple[str, ...] | str, body: str, *,
          shown: str | None = None, end: str = r"(?![A-Za-z0-9_-])", check: Check = _random) -> Rule:
    """A prefixed token: one of `starts`, then `body`, then a boundary."""
    starts = (starts,) if isinstance(starts, str) else starts
    shown = shown or "|".join(re.escape(start) for start in starts)
    return Rule(kind, label, family, re.compile(f"(?P<shown>{shown})(?P<secret>{body}){end}"),
                marks=tuple((0, start) for start in starts), check=check, starts=starts)


def shaped(kind: str, label: str, family: str, marks: tuple[tuple[int, str], ...], pattern: str,
           check: Check = _random) -> Rule:
    """A token found by a mark at some offset rather than by a prefix."""
    return Rule(kind, label, family, re.compile(pattern), marks=marks, check=check)


def cued(kind: str, label: str, family: str, cues: tuple[str, ...], pattern: str, *,
         check: Check = _random, priority: int = SPECIFIC, flags: int = 0) -> Rule:
    """A credential found by its context (a URL, a header) when a cue word occurs."""
    return Rule(kind, label, family, re.compile(pattern, flags), cues=cues, check=check, priority=priority)


_W = r"[A-Za-z0-9_-]"
_END_W = r"(?![A-Za-z0-9_-])"
_END_AN = r"(?![A-Za-z0-9])"
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_B64 = r"[A-Za-z0-9+/]"
_END_B64 = r"(?![A-Za-z0-9+/=])"

CLOUD, SOURCE, REGISTRY, PAYMENT, MESSAGING, AI = (
    "cloud", "source host", "package registry", "payment", "messaging", "AI provider")
TOOLS, OBSERVABILITY, AUTH = "developer service", "observability", "token and header"
DATABASE, KEY, GENERIC_FAMILY = "database", "private key", "generic"

RULES: tuple[Rule, ...] = (
    # --- cloud --------------------------------------------------------------------------
    token("aws-access-key", "AWS access key", CLOUD, ("AKIA", "ASIA", "ABIA", "ACCA", "A3T"), "[A-Z0-9]{16}",
          shown="A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA", end=_END_AN, check=_random_letters),
    token("aws-bedrock-key", "AWS Bedrock API key", CLOUD, "ABSK", f"{_B64}{{100,280}}={{0,2}}", end=_END_B64),
    token("google-api-key", "Google API key", CLOUD, "AIza", r"[\w-]{35}", end=_END_W),
    token("google-oauth-secret", "Google OAuth client secret", CLOUD, "GOCSPX-", r"[\w-]{28}", end=_END_W),
    token("google-oauth-token", "Google OAuth token", CLOUD, "ya29.", r"[\w-]{30,2000}", end=_END_W),
    shaped("azure-ad-client-secret", "Azure AD client secret", CLOUD, ((4, "Q~"),),
           r"(?P<secret>[\w~.]{3}\dQ~[\w~.-]{31,34})(?![\w~.-])"),
    cued("azure-sas-token", "Azure SAS token", CLOUD, ("sig=",),
         r"(?<=[?&])(?P<shown>sig=)(?P<secret>[A-Za-z0-9%+/]{30,200}(?:%3[Dd]|=){0,2})(?![A-Za-z0-9%+/=])",
         check=_sas),
    token("alibaba-access-key", "Alibaba Cloud access key", CLOUD, "LTAI", "[A-Za-z0-9]{12,28}", end=_END_AN),
    token("digitalocean-token", "DigitalOcean token", CLOUD, ("dop_v1_", "doo_v1_", "dor_v1_"), "[a-f0-9]{64}",
          end=_END_AN),
    token("cloudflare-origin-ca-key", "Cloudflare Origin CA key", CLOUD, "v1.0-", "[a-f0-9]{24}-[a-f0-9]{146}",
          end=_END_AN),
    token("heroku-api-key", "Heroku API key", CLOUD, "HRKU-", r"[\w-]{60}", end=_END_W),
    token("flyio-token", "Fly.io token", CLOUD, "fo1_", r"[\w-]{43}", end=_END_W),
    token("flyio-token", "Fly.io token", CLOUD, ("fm1a_", "fm1r_", "fm2_"), f"{_B64}{{100,3000}}={{0,3}}",
          end=_END_B64),
    token("vault-token", "HashiCorp Vault token", CLOUD, ("hvs.", "hvb."), r"[\w-]{90,300}", end=_END_W),
    shaped("terraform-token", "Terraform Cloud token", CLOUD, ((14, ".atlasv1."),),
           r"(?P<secret>[A-Za-z0-9]{14}\.atlasv1\.[\w=-]{60,70})(?![\w=-])"),
    token("pulumi-token", "Pulumi access token", CLOUD, "pul-", "[a-f0-9]{40}", end=_END_AN),
    token("doppler-token", "Doppler token", CLOUD,
          ("dp.pt.", "dp.st.", "dp.ct.", "dp.sa.", "dp.scim.", "dp.audit."), "[A-Za-z0-9]{40,44}", end=_END_AN),
    token("databricks-token", "Databricks token", CLOUD, "dapi", "[a-f0-9]{32}", end=r"(?:-\d)?(?![A-Za-z0-9])"),
    token("supabase-key", "Supabase key", CLOUD, "sbp_", "[a-f0-9]{40}", end=_END_AN),
    token("supabase-key", "Supabase key", CLOUD, "sb_secret_", r"[\w-]{30,64}", end=_END_W),
    token("planetscale-token", "PlanetScale token", CLOUD, ("pscale_tkn_", "pscale_pw_", "pscale_oauth_"),
          r"[\w=.-]{32,64}", end=r"(?![\w=.-])"),

    # --- source hosts -------------------------------------------------------------------
    token("github-token", "GitHub token", SOURCE, ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), "[A-Za-z0-9]{36}",
          shown="gh[pousr]_", end=r"(?![A-Za-z0-9_])"),
    token("github-token", "GitHub token", SOURCE, "github_pat_", r"\w{82}", end=r"(?!\w)"),
    token("gitlab-token", "GitLab token", SOURCE,
          ("glpat-", "gldt-", "glrt-", "glrtr-", "glptt-", "glft-", "glimt-", "glagent-", "gloas-", "glsoat-",
           "glcbt-", "glffct-"), r"[\w-]{20,300}(?:\.[0-9a-z]{2}\.?[0-9a-z]{7})?", end=_END_W),
    token("gitlab-token", "GitLab token", SOURCE, "GR1348941", r"[\w-]{20}", end=_END_W),

    # --- package registries -------------------------------------------------------------
    token("npm-token", "npm token", REGISTRY, "npm_", "[A-Za-z0-9]{36}", end=_END_AN),
    token("pypi-token", "PyPI token", REGISTRY, ("pypi-AgEIcHlwaS5vcmc", "pypi-AgENdGVzdC5weXBpLm9yZw"),
          r"AgE(?:IcHlwaS5vcmc|NdGVzdC5weXBpLm9yZw)[\w-]{50,1000}", shown="pypi-", end=_END_W),
    token("rubygems-token", "RubyGems API key", REGISTRY, "rubygems_", "[a-f0-9]{48}", end=_END_AN),
    token("nuget-key", "NuGet API key", REGISTRY, "oy2", "[a-z0-9]{43}", end=_END_AN),
    token("dockerhub-token", "Docker Hub token", REGISTRY, ("dckr_pat_", "dckr_oat_"), r"[\w-]{24,40}",
          end=_END_W),
    token("clojars-token", "Clojars token", REGISTRY, "CLOJARS_", "[A-Za-z0-9]{60}", end=_END_AN),
    token("artifactory-key", "JFrog Artifactory API key", REGISTRY, "AKCp", "[A-Za-z0-9]{69}", end=_END_AN),

    # --- payment ------------------------------------------------------------------------
    token("stripe-live-key", "Stripe live key", PAYMENT, ("sk_live_", "rk_live_"), "[A-Za-z0-9]{24,247}",
          end=_END_AN),
    token("stripe-webhook-secret", "Stripe webhook secret", PAYMENT, "whsec_", f"{_B64}{{24,100}}={{0,2}}",
          end=_END_B64),
    token("square-token", "Square access token", PAYMENT, ("EAAA", "sq0atp-"), r"[\w-]{22,60}", end=_END_W),
    token("square-token", "Square application secret", PAYMENT, "sq0csp-", r"[\w-]{43}", end=_END_W),
    cued("braintree-token", "Braintree access token", PAYMENT, ("$production$",),
         r"(?P<shown>access_token\$production\$)(?P<secret>[0-9a-z]{16}\$[0-9a-f]{32})(?![0-9a-z])"),
    token("flutterwave-key", "Flutterwave secret key", PAYMENT, "FLWSECK-", "[A-Za-z0-9]{32}-X", end=_END_AN),
    token("plaid-token", "Plaid access token", PAYMENT, "access-production-", _UUID, end=_END_AN),
    token("shippo-token", "Shippo live token", PAYMENT, "shippo_live_", "[a-f0-9]{40}", end=_END_AN),
    token("easypost-key", "EasyPost API key", PAYMENT, "EZAK", "[A-Za-z0-9]{54}", end=_END_AN),

    # --- messaging ----------------------------------------------------------------------
    token("slack-token", "Slack token", MESSAGING,
          ("xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-", "xapp-", "xoxe.xoxb-", "xoxe.xoxp-"),
          "[A-Za-z0-9-]{20,200}", shown=r"xox[bpaser]-|xapp-|xoxe\.xox[bp]-", end=r"(?![A-Za-z0-9-])"),
    shaped("slack-webhook", "Slack webhook URL", MESSAGING, ((0, "hooks.slack.com/"),),
           r"(?P<shown>hooks\.slack\.com/(?:services|workflows|triggers)/)"
           r"(?P<ids>T[A-Z0-9]{6,12}/[AB][A-Z0-9]{6,12}/(?:\d{6,20}/)?)(?P<secret>[A-Za-z0-9]{20,48})(?![A-Za-z0-9])",
           check=_webhook),
    shaped("discord-bot-token", "Discord bot token", MESSAGING, ((0, "M"), (0, "N"), (0, "O")),
           r"(?P<secret>[MNO][\w-]{22,27}\.[\w-]{6,7}\.[\w-]{27,40})(?![\w-])", check=_discord),
    shaped("discord-webhook", "Discord webhook URL", MESSAGING,
           tuple((0, host + "/api/webhooks/") for host in (
               "discord.com", "discordapp.com", "ptb.discord.com", "canary.discord.com")),
           r"(?P<shown>(?:(?:ptb|canary)\.)?discord(?:app)?\.com/api/webhooks/)(?P<ids>\d{17,20}/)"
           r"(?P<secret>[\w-]{60,68})(?![\w-])", check=_webhook),
    shaped("telegram-bot-token", "Telegram bot token", MESSAGING, ((0, "A"),),
           r"(?<=[0-9]{5}:)(?P<secret>A[\w-]{34})(?![\w-])", check=_with_digits),
    token("twilio-api-key", "Twilio API key", MESSAGING, "SK", "[0-9a-fA-F]{32}", end=_END_AN),
    shaped("twilio-auth-token", "Twilio auth token", MESSAGING, ((0, "AC"),),
           r"AC[0-9a-fA-F]{32}[\"']?[ \t]{0,3}[:,][ \t]{0,3}[\"']?(?P<secret>[0-9a-fA-F]{32})(?![A-Za-z0-9])"),
    token("sendgrid-key", "SendGrid API key", MESSAGING, "SG.", r"[\w-]{20,24}\.[\w-]{40,46}", end=_END_W),
    token("mailgun-key", "Mailgun API key", MESSAGING, "key-", "[a-z0-9]{32}", end=_END_AN, check=_mailgun),
    cued("teams-webhook", "Microsoft Teams webhook URL", MESSAGING, ("webhook.office.com/",),
         r"(?P<shown>https://[a-z0-9-]{1,64}\.webhook\.office\.com/webhookb2/)"
         rf"(?P<ids>{_UUID}@{_UUID}/IncomingWebhook/)(?P<secret>[0-9a-f]{{32}})(?![0-9a-f])", check=_webhook),
    token("twitter-bearer-token", "Twitter bearer token", MESSAGING, "A" * 20, "A{0,40}[A-Za-z0-9%]{80,120}",
          end=r"(?![A-Za-z0-9%+/=])"),  # (a base64 blob of zeros and data goes on with + or /)
    token("facebook-token", "Facebook access token", MESSAGING, "EAA", "[A-Za-z0-9]{90,400}", end=_END_B64),

    # --- AI providers -------------------------------------------------------------------
    token("openai-api-key", "OpenAI API key", AI, ("sk-proj-", "sk-svcacct-", "sk-admin-", "sk-None-"),
          r"[\w-]{40,300}", end=_END_W),
    token("openai-api-key", "OpenAI API key", AI, "sk-",
          "[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}|[A-Za-z0-9]{48}", end=_END_W),
    token("anthropic-api-key", "Anthropic API key", AI, "sk-ant-", r"[\w-]{80,120}",
          shown=r"sk-ant-(?:api|admin|oat|ort|sid)\d\d-", end=_END_W),
    token("openrouter-api-key", "OpenRouter API key", AI, "sk-or-v1-", "[a-f0-9]{64}", end=_END_AN),
    token("huggingface-token", "Hugging Face token", AI, "hf_", "[A-Za-z0-9]{30,40}", end=r"(?!\w)",
          check=_random_letters),
    token("huggingface-token", "Hugging Face token", AI, "api_org_", "[A-Za-z]{34}", end=r"(?!\w)",
          check=_random_letters),
    token("groq-api-key", "Groq API key", AI, "gsk_", "[A-Za-z0-9]{48,56}", end=_END_AN),
    token("replicate-token", "Replicate API token", AI, "r8_", "[A-Za-z0-9]{36,40}", end=_END_AN),
    token("perplexity-api-key", "Perplexity API key", AI, "pplx-", "[A-Za-z0-9]{40,56}", end=_END_AN),
    token("xai-api-key", "xAI API key", AI, "xai-", "[A-Za-z0-9]{70,90}", end=_END_AN),
    token("langsmith-api-key", "LangSmith API key", AI, ("lsv2_pt_", "lsv2_sk_"), "[a-f0-9]{32}_[a-f0-9]{10}",
          end=_END_AN),
    token("pinecone-api-key", "Pinecone API key", AI, "pcsk_", r"\w{40,100}", end=r"(?!\w)"),

    # --- developer services -------------------------------------------------------------
    token("shopify-token", "Shopify token", TOOLS, ("shpat_", "shpca_", "shppa_", "shpss_"), "[a-fA-F0-9]{32}",
          end=_END_AN),
    token("linear-api-key", "Linear API key", TOOLS, "lin_api_", "[A-Za-z0-9]{40}", end=_END_AN),
    token("linear-api-key", "Linear OAuth token", TOOLS, "lin_oauth_", "[a-f0-9]{64}", end=_END_AN),
    token("atlassian-api-token", "Atlassian API token", TOOLS, "ATATT3", r"[\w=-]{150,250}", end=r"(?![\w=-])"),
    token("postman-api-key", "Postman API key", TOOLS, "PMAK-", "[a-fA-F0-9]{24}-[a-fA-F0-9]{34}", end=_END_AN),
    token("notion-token", "Notion token", TOOLS, "ntn_", r"\d{11}[A-Za-z0-9]{35}", end=_END_AN),
    token("notion-token", "Notion token", TOOLS, "secret_", "[A-Za-z0-9]{43}", end=_END_AN),
    token("airtable-token", "Airtable token", TOOLS, "pat", r"[A-Za-z0-9]{14}\.[a-f0-9]{64}", end=_END_AN),
    token("prefect-api-key", "Prefect API key", TOOLS, "pnu_", "[A-Za-z0-9]{36}", end=_END_AN),
    token("readme-api-key", "ReadMe API key", TOOLS, "rdme_", "[a-z0-9]{70}", end=_END_AN),
    token("infracost-api-key", "Infracost API key", TOOLS, "ico-", "[A-Za-z0-9]{32}", end=_END_AN),
    token("octopus-api-key", "Octopus Deploy API key", TOOLS, "API-", "[A-Z0-9]{26}", end=_END_AN),
    token("sourcegraph-token", "Sourcegraph token", TOOLS, "sgp_",
          "(?:[a-fA-F0-9]{16}_|local_)?[a-fA-F0-9]{40}", end=_END_AN),
    token("adobe-client-secret", "Adobe client secret", TOOLS, "p8e-", "[A-Za-z0-9]{32}", end=_END_AN),
    token("typeform-token", "Typeform token", TOOLS, "tfp_", r"[\w.=-]{40,64}", end=r"(?![\w.=-])"),
    token("frameio-token", "Frame.io token", TOOLS, "fio-u-", r"[\w=-]{64}", end=r"(?![\w=-])"),
    token("scalingo-token", "Scalingo token", TOOLS, "tk-us-", r"[\w-]{48}", end=_END_W),
    token("mapbox-token", "Mapbox secret token", TOOLS, "sk.eyJ", r"eyJ[\w-]{20,300}\.[\w-]{20,40}",
          shown=r"sk\.", end=_END_W),
    token("dropbox-token", "Dropbox token", TOOLS, "sl.", r"(?:[A-Za-z]\.)?[\w=-]{130,1500}", end=r"(?![\w=-])"),
    token("1password-token", "1Password service account token", TOOLS, "ops_eyJ",
          f"eyJ{_B64}{{250,5000}}={{0,3}}", shown="ops_", end=_END_B64),
    token("age-secret-key", "age secret key", KEY, "AGE-SECRET-KEY-1", "[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}",
          end=_END_AN, check=_random_letters),

    # --- observability ------------------------------------------------------------------
    token("grafana-token", "Grafana Cloud token", OBSERVABILITY, "glc_", f"{_B64}{{32,400}}={{0,3}}",
          end=_END_B64),
    token("grafana-token", "Grafana service account token", OBSERVABILITY, "glsa_",
          "[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}", end=_END_AN),
    token("newrelic-key", "New Relic API key", OBSERVABILITY, "NRAK-", "[A-Za-z0-9]{27}", end=_END_AN,
          check=_random_letters),
    token("newrelic-key", "New Relic browser key", OBSERVABILITY, "NRJS-", "[a-f0-9]{19}", end=_END_AN),
    token("newrelic-key", "New Relic insert key", OBSERVABILITY, "NRII-", r"[\w-]{32}", end=_END_W),
    token("sentry-token", "Sentry token", OBSERVABILITY, "sntrys_", r"eyJ[A-Za-z0-9+/=_]{50,600}",
          end=r"(?![A-Za-z0-9+/=_])"),
    token("sentry-token", "Sentry token", OBSERVABILITY, "sntryu_", "[a-f0-9]{64}", end=_END_AN),
    token("dynatrace-token", "Dynatrace token", OBSERVABILITY, "dt0c01.", r"[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}",
          end=_END_AN),

    # --- tokens in headers and commands -------------------------------------------------
    shaped("jwt", "JSON Web Token", AUTH, ((0, "eyJ"),),
           r"(?P<secret>eyJ[\w-]{8,4000}\.ey[\w-]{8,8000}\.[\w-]{0,2000})(?![\w-])", check=_jwt),
    cued("bearer-token", "Bearer token", AUTH, ("bearer",),
         r"(?i:bearer)[ \t]{1,4}(?P<secret>[A-Za-z0-9._~+/-]{16,2000}=*)(?![A-Za-z0-9._~+/=-])",
         check=_bearer, priority=CONTEXT),
    cued("bearer-token", "Authorization header token", AUTH, ("authorization",),
         r"(?i:authorization)[\"']?[ \t]{0,3}[:=][ \t]{0,3}[\"']?(?:(?i:token|bot|api-?key)[ \t]{1,4})?"
         r"(?P<secret>[A-Za-z0-9._~+/-]{16,2000}=*)(?![A-Za-z0-9._~+/=-])", check=_bearer, priority=CONTEXT),
    cued("basic-auth", "Basic auth credentials", AUTH, ("authorization",),
         r"(?i:authorization)[\"']?[ \t]{0,3}[:=][ \t]{0,3}[\"']?(?i:basic)[ \t]{1,4}"
         r"(?P<secret>[A-Za-z0-9+/]{8,1000}={0,2})(?![A-Za-z0-9+/=])", check=_basic, priority=CONTEXT),
    cued("basic-auth", "Basic auth credentials", AUTH, ("curl",),
         r"-(?:u|-user)(?:[ \t]{1,4}|=)[\"']?(?P<shown>[^\s:'\"$]{1,64}:)(?P<secret>[^\s'\"]{1,128})",
         check=_user_password, priority=CONTEXT),
)


# Not secrets, or not live ones: Stripe's test and publishable keys. A value starting with
# one of these, or with a rule's own start, is left to that rule by the generic one.
HARMLESS_STARTS = ("sk_test_", "rk_test_", "pk_live_", "pk_test_")


@dataclass(frozen=True)
class Named:
    """A `name = value` pair whose name says whose credential it is."""

    words: tuple[str, ...]   # all of these in the name (lower case, without `_`, `-`, `.`)
    kind: str
    label: str
    shape: re.Pattern[str] | None = None  # the value's form, when it has one (checked first)


_AI_NAMES = ("openai", "anthropic", "cohere", "mistral", "deepseek", "gemini", "groq", "together", "fireworks")
NAMED: tuple[Named, ...] = (
    Named(("secretaccesskey",), "aws-secret-key", "AWS secret access key", re.compile(f"{_B64}{{40}}")),
    Named(("aws", "secret"), "aws-secret-key", "AWS secret access key", re.compile(f"{_B64}{{40}}")),
    Named(("aws", "sessiontoken"), "aws-session-token", "AWS session token"),
    Named(("accountkey",), "azure-storage-key", "Azure storage account key", re.compile(f"{_B64}{{86}}==")),
    Named(("sharedaccesskey",), "azure-storage-key", "Azure shared access key", re.compile(f"{_B64}{{43}}=")),
    Named(("azure",), "azure-client-secret", "Azure client secret"),
    Named(("heroku",), "heroku-api-key", "Heroku API key", re.compile(_UUID, re.IGNORECASE)),
    Named(("npm",), "npm-token", "npm token", re.compile(_UUID, re.IGNORECASE)),
    Named(("twilio",), "twilio-auth-token", "Twilio auth token"),
    Named(("datadog",), "datadog-api-key", "Datadog API key"),
    Named(("ddapikey",), "datadog-api-key", "Datadog API key"),
    Named(("ddappkey",), "datadog-api-key", "Datadog application key"),
    Named(("mailgun",), "mailgun-key", "Mailgun API key"),
    Named(("mailchimp",), "mailchimp-api-key", "Mailchimp API key"),
    Named(("sendgrid",), "sendgrid-key", "SendGrid API key"),
    Named(("discord",), "discord-token", "Discord token"),
    Named(("telegram",), "telegram-bot-token", "Telegram bot token"),
    Named(("slack",), "slack-secret", "Slack secret"),
    Named(("stripe",), "stripe-secret", "Stripe secret"),
    Named(("github",), "github-secret", "GitHub secret"),
    Named(("gitlab",), "gitlab-secret", "GitLab secret"),
    Named(("cloudflare",), "cloudflare-api-token", "Cloudflare API token"),
    Named(("okta",), "okta-token", "Okta API token"),
    Named(("sentry",), "sentry-token", "Sentry token"),
    Named(("jira",), "atlassian-api-token", "Atlassian API token"),
    Named(("atlassian",), "atlassian-api-token", "Atlassian API token"),
    Named(("confluence",), "atlassian-api-token", "Atlassian API token"),
    Named(("huggingface",), "huggingface-token", "Hugging Face token"),
    *(Named((name,), f"{name}-api-key", f"{name.capitalize()} API key") for name in _AI_NAMES),
)
