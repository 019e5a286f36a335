"""Charting a session: the session window, its face map tools, vial, adverse-event and follow-up dialogs."""
