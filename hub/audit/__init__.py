"""The audit trail: each town is a data controller under the GDPR."""
