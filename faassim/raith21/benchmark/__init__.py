"""raith21's benchmarks (faas-sim's ``ext.raith21.benchmark``)."""
