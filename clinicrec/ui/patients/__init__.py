"""Patients: the searchable list, the editor dialog and the patient's chart with its session timeline."""
