"""`discover`: read an existing user pool, bucket and identity pool, write an environment
YAML that adopts them. Reads only (read.py); what is read becomes YAML in render.py; a
group role's policy becomes an access level in levels.py."""
