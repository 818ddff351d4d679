"""The analyst workspace: server-rendered pages (Jinja2, autoescaped),
login sessions with CSRF tokens, alerts and decisions, orders, lists and
the audit log. Served by the same app as the API, under ``/ui``."""
