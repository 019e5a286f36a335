"""The charting domain: plain dataclasses, enums, dose arithmetic and validation.

Nothing here imports Qt or SQLAlchemy (a test checks), so the rules are tested fast and
used the same way by the services, the PDF builders and the command line.
"""
