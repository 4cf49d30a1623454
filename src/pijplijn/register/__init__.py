"""The partner register: organisations, projects and participation, edited through services
that check rights, validate input, lock optimistically and write the audit trail."""
