"""raith21's eight device-generator settings (faas-sim's
``ext.raith21.generators``), one module each, read from
``faassim/data/generator_settings.csv``."""
