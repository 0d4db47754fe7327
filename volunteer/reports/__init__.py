"""Read-only reports: each registered by name for `volunteer-report` and the web pages."""
