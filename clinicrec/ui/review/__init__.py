"""The medical director's chart review queue and the review report."""
