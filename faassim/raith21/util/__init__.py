"""raith21's scheduler configurations (faas-sim's ``ext.raith21.util``)."""
