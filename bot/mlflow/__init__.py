"""The MLflow bridge: registered models and versions into registry files, runs onto experiment cards.

client.py (the one HTTP client for MLflow's REST API), facts.py (its answers as frozen data),
fields.py (pure: facts -> the registry fields the import owns), plan.py (pure: a three-way merge with
what is in the file), yaml_edit.py (pure: edit a YAML file's text and keep everything else),
importer.py (gather, plan, write), runs.py (runs named on or tagged for experiment issues).
"""
