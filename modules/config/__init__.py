"""Configuration: YAML files → validated, frozen models. Never imports cdktf."""
