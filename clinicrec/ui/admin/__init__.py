"""Manager and administrator screens: audit trail, users, products, clinic settings, passwords."""
