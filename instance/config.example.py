# Copy to instance/config.py (or run `sig init-instance`, which writes one for you).
# Every setting can also come from an environment variable prefixed SIG_.

# Required outside debug: at least 32 random characters, e.g.
#   python -c 'import secrets; print(secrets.token_urlsafe(48))'
SECRET_KEY = "replace-me"

# SQLite in this folder by default; PostgreSQL for a municipality deployment:
# DATABASE_URL = "postgresql+psycopg://sig@/sig?host=/var/run/postgresql"
# DB_LOCK_WAIT_MS = 5000              # a statement waits this long for a lock, then 503

# KEYRING_PATH = "keys.json"          # relative to this folder; mode 0600
# MFA_REQUIRED = True                 # two-factor login for every role
# SESSION_IDLE_MINUTES = 30
# SESSION_ABSOLUTE_HOURS = 12
# LOGIN_MAX_FAILURES = 5              # failures within the window lock that name from that address
# LOGIN_FAILURE_WINDOW_MINUTES = 15
# LOGIN_LOCKOUT_MINUTES = 15
# LOGIN_ADDRESS_MAX_FAILURES = 30     # failures from one address (any names) refuse it every login
# PROXIES = 1                         # reverse proxies in front (nginx); 0 without one
# AUDIT_ANCHOR_FILE = "audit-anchors.log"  # `sig audit anchor` writes the head here; keep it
#                                     # on other storage than the database ("" turns it off)
# SESSION_COOKIE_SECURE = True        # keep True behind HTTPS

# E-mail (invitations, reminders, change notices) is written to an outbox and sent by
# `sig mail send` on a timer; the links in e-mails start with PUBLIC_URL.
# PUBLIC_URL = "https://sig.kommunen.se"
# MAIL_SERVER = "smtp.kommunen.se"
# MAIL_PORT = 587
# MAIL_STARTTLS = True
# MAIL_USERNAME = "sig"
# MAIL_PASSWORD = "..."               # better: SIG_MAIL_PASSWORD in the service's environment
# MAIL_FROM = "SIG <sig-noreply@kommunen.se>"
# CASE_REOPEN_DAYS = 30               # how long a closing can be undone
# DOCUMENT_MAX_BYTES = 10485760       # the largest document on a case
