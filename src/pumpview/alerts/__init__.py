"""Alerts: the rules that find what someone should be told (budget thresholds, forecasts,
anomalies, idle seats, an integration's health), each alert once, and the channels that tell them
(Slack, email, signed webhooks). Above the reports, beside the exports; below the faces."""
