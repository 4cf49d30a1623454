"""Accounts: users and roles, rights decisions, passwords, API tokens, login throttling and
signed sessions. The web layer wires these to requests; nothing here knows about HTTP."""
