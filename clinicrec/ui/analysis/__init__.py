"""The skin-analysis screens: a photo with its measured overlays, and the figures per zone."""
