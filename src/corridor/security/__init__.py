"""Data protection: roles and field permissions, encryption of personal data, audit, archives.

Pure: keys, time and randomness come in as arguments from the edges (store, cli); nothing here
reads a file, the clock or the environment.
"""
