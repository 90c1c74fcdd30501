"""Two SymPy printers: the section's LaTeX notation, and NumPy in batch (row) form."""
