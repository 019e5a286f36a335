"""Use cases. Services own transactions, permissions and the audit trail; they take and return
domain dataclasses, never ORM objects."""
