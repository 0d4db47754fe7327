"""Accounts: users, roles, passwords (argon2id), login and its throttling."""
