"""Panel views (thin: they lay out widgets and plots, they compute nothing)."""
