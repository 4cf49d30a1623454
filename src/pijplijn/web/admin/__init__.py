"""The pages behind the login: register forms, uploads, users and the audit trail."""
