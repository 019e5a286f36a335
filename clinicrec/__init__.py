"""ClinicRec: charting for aesthetic nurse injectors."""

__version__ = "0.1.0"
