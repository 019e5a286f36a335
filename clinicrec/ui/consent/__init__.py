"""Signed consent on screen: the form reader, the signature pad, the consent dialog."""
