"""kitchen: the menu, each day's portions, and the cooking tickets."""
