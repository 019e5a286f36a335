"""Skin analysis from photos: redness, pores and shine per face-map zone (issue 19)."""
