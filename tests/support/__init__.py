"""What the tests share: the project's paths, reply helpers, action trackers, local services, fake platform APIs and
a TCP proxy that can go down. The servers themselves are started by the project's launcher (scripts/servers.py)."""
