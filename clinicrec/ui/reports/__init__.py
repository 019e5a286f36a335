"""The reports screen for managers (injectors see their own figures): filters, tables, Qt charts, exports."""
