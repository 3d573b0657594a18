"""The operator's configuration: ``settings`` (the typed shapes), ``locate`` (where
the file, data folder and database are), ``load`` (TOML into validated settings)
and one reader per larger section."""
