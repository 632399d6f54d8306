"""Limits shared by the configuration and the clients (no imports: the configuration reads
them without loading the HTTP stack)."""

MAX_ANSWER_MB = 64
"""The largest answer read by default (the profile's ``max_answer_mb``). A registrations
answer is ~520 bytes a device: 64 MB holds a tenant of over 100,000 online devices (50,000
is ~26 MB), while a runaway answer still fails with a reason instead of eating memory."""
